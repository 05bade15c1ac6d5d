"""What the bot says. Plain text, and articles in their own Markdown; doors render both."""

from __future__ import annotations

from datetime import datetime

from bot.core.domain import (
    PRIORITY_MEANINGS,
    Article,
    Choice,
    HandoffRequest,
    Markup,
    TextPart,
    TriageVerdict,
)

SOLVED = Choice("Yes, solved", "yes")
NOT_SOLVED = Choice("No", "no")
TALK_TO_PERSON = Choice("Talk to a person", "talk to a person")
FEEDBACK_CHOICES = (SOLVED, NOT_SOLVED, TALK_TO_PERSON)
ARTICLE_ASKED = "article:"
BUTTON_OUT_OF_DATE = (
    "That button belongs to a question that has already been answered or closed, so I've "
    "ignored it. Write to me if you need anything."
)


def feedback_choices(article_id: str) -> tuple[Choice, ...]:
    """Solved / No / Talk to a person, bound to the article they answer."""
    return tuple(Choice(c.label, c.value, f"{ARTICLE_ASKED}{article_id}") for c in FEEDBACK_CHOICES)


def rating_choices(reference: str) -> tuple[Choice, ...]:
    """The 1-5 rating buttons, bound to the case they rate."""
    return tuple(Choice(c.label, c.value, reference) for c in RATING_CHOICES)


WELCOME = (
    "Hi! I'm the IT help desk assistant. Tell me what's going wrong in your own words, "
    "for example \"my laptop won't connect to the VPN\", and I'll walk you through the fix. "
    "If I can't solve it, I'll pass it to a person."
)
HELP = (
    "Describe your IT problem in a sentence or two and I'll suggest step-by-step instructions.\n"
    'After each suggestion, answer "yes" if it solved it, "no" to try something else, or '
    '"talk to a person" to reach our second-line team.\n'
    "Commands: /help shows this, /status shows where your request stands, "
    "/cancel closes the current conversation or request.\n"
    "Please never send passwords or one-time codes in this chat."
)
EMPTY = "I didn't get any text there. Tell me what's going wrong and I'll help."
TRUNCATED = "Your message was very long, so I read only the first {limit:,} characters."
ASK_FEEDBACK = "Did that solve it?"
YOU_ARE_WELCOME = "You're welcome! If anything else comes up, just write."
YOU_ARE_WELCOME_ASK = "You're welcome! Did the steps solve it?"
GLAD = "Great, glad that sorted it! If anything else comes up, just write."
NOTHING_PENDING = "Okay. Tell me what's going wrong and I'll help."
CANCELLED = "Okay, I've closed this conversation. Write any time to start a new one."
NOTHING_TO_CANCEL = "There's nothing open to cancel. Write any time if you need help."
TRY_ANOTHER = "Sorry that didn't help. Let's try this instead:"
OUT_OF_SCOPE = (
    "I can help with IT questions: computers, accounts and passwords, email, the network, "
    "printers and phones. For anything else, please ask the right team (facilities, HR...) "
    'or a colleague. If you need a person from IT, write "talk to a person".'
)
SMALL_TALK = (
    "I'm the IT help desk assistant. Tell me what's going wrong with your computer, account, "
    "email, network or printer and I'll help; send /help to see how."
)
NOTHING_TO_RATE = "There's nothing to rate right now. Tell me what's going wrong and I'll help."
ANSWER_PLEASE = 'Did the steps solve it? Answer "yes" or "no", or choose "Talk to a person".'
NEED_DETAIL = (
    "I couldn't find an answer I'm sure about. Could you describe it in a bit more detail, "
    "for example what you were trying to do and any error message you saw? "
    'Or choose "Talk to a person".'
)
HANDED_OFF = (
    "I'm passing this to our second-line team with everything you've told me, so you won't "
    "need to repeat it. Your reference is {reference}. A person will reply in this chat. "
    "Please don't send passwords or one-time codes here."
)


TRIAGED_HANDOFF = (
    "This needs a person, so I'm passing it straight to our second-line team with everything "
    "you've told me. Priority: {priority} ({meaning}). Your reference is {reference}. "
    "A person will reply in this chat. Please don't send passwords or one-time codes here."
)


def handed_off(request: HandoffRequest, reference: str, wait: str) -> str:
    """What the user is told when their enquiry goes to second line."""
    verdict = request.verdict
    if not request.triaged or verdict is None:
        return f"{HANDED_OFF.format(reference=reference)} {wait} Send /status any time."
    meaning = PRIORITY_MEANINGS.get(verdict.priority, "normal")
    text = TRIAGED_HANDOFF.format(priority=verdict.priority, meaning=meaning, reference=reference)
    text = f"{text} {wait} Send /status any time."
    return f"{text}\n\n{verdict.advice}" if verdict.advice else text


def priority_raised(reference: str, verdict: TriageVerdict) -> str:
    """What the user is told when a message on an open case makes it more urgent."""
    meaning = PRIORITY_MEANINGS.get(verdict.priority, "normal")
    text = PRIORITY_RAISED.format(reference=reference, priority=verdict.priority, meaning=meaning)
    return f"{text}\n\n{verdict.advice}" if verdict.advice else text


def article_markdown(article: Article) -> TextPart:
    """An article as Markdown: its title in bold, what it is for, numbered steps, when to stop.

    The summary, steps and closing words keep the article's own markup (bold, code, links);
    each door renders it in its own way.
    """
    steps = "\n".join(f"{number}. {step}" for number, step in enumerate(article.steps, start=1))
    blocks = [f"**{article.title}**", article.summary, steps, article.still_stuck]
    return TextPart("\n\n".join(block for block in blocks if block), Markup.ARTICLE_MARKDOWN)


def article_answer(article: Article) -> tuple[TextPart, ...]:
    """An article as a chat answer: the article, then whether it solved the problem."""
    return (article_markdown(article), TextPart(ASK_FEEDBACK))


TEAM_NAME = "Support team"
NOT_FIXED = "not fixed"  # what a user writes (or presses) to reopen a resolved request
RATING_CHOICES = tuple(
    Choice(label, value)
    for label, value in (
        ("1 poor", "1"),
        ("2", "2"),
        ("3", "3"),
        ("4", "4"),
        ("5 excellent", "5"),
        ("Not fixed", NOT_FIXED),
    )
)
CREDENTIALS_WARNING = (
    "Please don't send passwords, one-time codes or card numbers in this chat: I've hidden "
    "what looked like one, and our team will never ask for it."
)
QUEUED_ADDED = (
    "Your request {reference} is in the queue (priority {priority}, {position} of {waiting} "
    "waiting). I've added your message to it."
)
EDIT_NOT_USED = (
    "I can't pass on changes to a message already sent, so nobody has seen this edit. "
    "Please send the corrected text as a new message."
)
ADDED_FOR_TEAM = "I've passed your message on to the person handling {reference}."
PRIORITY_RAISED = (
    "That sounds more urgent than what {reference} was about, so I've raised it to priority "
    "{priority} ({meaning}) and told the team at once."
)
RATING_THANKS = "Thank you for rating the help {rating}/5. If anything else comes up, just write."
RATING_LOW_FOLLOW_UP = (
    " Sorry it wasn't better: a supervisor will see your rating. If the problem isn't fixed, "
    'write "not fixed" and I\'ll reopen the request.'
)
REOPENED = "I've reopened {reference}; the team will pick it up again here."
REOPENED_WITH_DETAILS = (
    "I've reopened {reference} and passed on what you wrote; the team will pick it up again here."
)
RATE_AGAIN = (
    "Please rate the help with {reference} from 1 to 5 (5 is excellent), or write "
    f'"{NOT_FIXED}" and I\'ll reopen it.'
)
ASK_RATING = (
    "How would you rate the help you got with {reference}? Rate it from 1 (poor) to "
    f'5 (excellent), or write "{NOT_FIXED}" if the problem is still there.'
)
CASE_CANCELLED = (
    "Okay, I've cancelled {reference} and told the team. Write any time to start again."
)
NO_REQUEST = "You have no open request with us. Tell me what's going wrong and I'll help."


def resolved(reference: str, note: str) -> str:
    """What the user is told when second line resolves their request."""
    return f"Your request {reference} has been resolved: {note}\n\n" + ASK_RATING.format(
        reference=reference
    )


def article_sent(sender: str, reference: str) -> str:
    """What the user reads above an article a homeworker sent them."""
    return f"{sender} ({reference}) sent you this article:"


def picked_up(reference: str, display_name: str) -> str:
    """What the user is told when a homeworker takes their request."""
    who = display_name or "A member of our second-line team"
    return f"{who} has picked up your request {reference} and will reply here."


ATTACHMENT_KEPT = (
    "Thanks, I've kept the {kind} with your conversation: if it goes to a person, they'll see "
    "it. I can only read text, so please also tell me in words what's going wrong."
)
ATTACHMENT_ADDED = "I've added the {kind} to {reference} for the team."
UNSUPPORTED_MESSAGE = (
    "I can only read text messages, photos and documents. Please tell me in words what's going "
    "wrong, or send /help."
)
SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on my side. Your message is safe; please try again in a "
    "moment, or send /status."
)


# --- major incidents -----------------------------------------------------------------------


def known_problem(since: datetime, reference: str, incident: str, workaround: str) -> str:
    """What a user whose enquiry is part of an open major incident is told at once."""
    text = (
        f"This is a known problem, we are working on it (since {since:%H:%M} UTC); you will "
        f"hear from us here when it is fixed. (Your request {reference} is part of {incident}.)"
    )
    return f"{text}\nMeanwhile: {workaround}" if workaround else text


def incident_update(incident: str, title: str, update: str) -> str:
    """The owner's news on a major incident, for every linked user."""
    return f"Update on the known problem {incident} ({title}): {update}"


def incident_workaround(incident: str, title: str, workaround: str) -> str:
    """A workaround the owner wrote, for every linked user."""
    return f"While we fix the known problem {incident} ({title}): {workaround}"


def incident_fixed(reference: str, incident: str, title: str, note: str) -> str:
    """What every linked user is told when their major incident is resolved."""
    return (
        f"The known problem {incident} ({title}) is fixed: {note}\n"
        f'Does it work for you now? If not, write "{NOT_FIXED}" and we will look at your '
        f"request {reference} on its own.\n\n" + ASK_RATING.format(reference=reference)
    )

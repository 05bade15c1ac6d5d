"""What the bot says. Plain text; doors add their own formatting."""

from __future__ import annotations

from bot.core.domain import PRIORITY_MEANINGS, Article, Choice, TriageVerdict

SOLVED = Choice("Yes, solved", "yes")
NOT_SOLVED = Choice("No", "no")
TALK_TO_PERSON = Choice("Talk to a person", "talk to a person")
FEEDBACK_CHOICES = (SOLVED, NOT_SOLVED, TALK_TO_PERSON)

WELCOME = (
    "Hi! I'm the IT help desk assistant. Tell me what's going wrong in your own words, "
    "for example \"my laptop won't connect to the VPN\", and I'll walk you through the fix. "
    "If I can't solve it, I'll pass it to a person."
)
HELP = (
    "Describe your IT problem in a sentence or two and I'll suggest step-by-step instructions.\n"
    'After each suggestion, answer "yes" if it solved it, "no" to try something else, or '
    '"talk to a person" to reach our second-line team.\n'
    "Commands: /help shows this, /cancel closes the current conversation.\n"
    "Please never send passwords or one-time codes in this chat."
)
EMPTY = "I didn't get any text there. Tell me what's going wrong and I'll help."
TRUNCATED = "Your message was very long, so I read only the first {limit:,} characters."
ASK_FEEDBACK = "Did that solve it?"
WELCOME_BACK = "Hello again! Tell me what's going wrong and I'll help."
YOU_ARE_WELCOME = "You're welcome! If anything else comes up, just write."
YOU_ARE_WELCOME_ASK = "You're welcome! Did the steps solve it?"
GLAD = "Great, glad that sorted it! If anything else comes up, just write."
NOTHING_PENDING = "Okay. Tell me what's going wrong and I'll help."
CANCELLED = "Okay, I've closed this conversation. Write any time to start a new one."
NOTHING_TO_CANCEL = "There's nothing open to cancel. Write any time if you need help."
TRY_ANOTHER = "Sorry that didn't help. Let's try this instead:"
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
STILL_WITH_SECOND_LINE = (
    "Your request {reference} is with our second-line team and they'll reply here. "
    "I've added your message for them. Send /cancel if you no longer need help."
)


TRIAGED_HANDOFF = (
    "This needs a person, so I'm passing it straight to our second-line team with everything "
    "you've told me. Priority: {priority} ({meaning}). Your reference is {reference}. "
    "A person will reply in this chat. Please don't send passwords or one-time codes here."
)
def triaged_handoff(verdict: TriageVerdict, reference: str) -> str:
    """What the user is told when triage hands the enquiry over at once."""
    meaning = PRIORITY_MEANINGS.get(verdict.priority, "normal")
    text = TRIAGED_HANDOFF.format(priority=verdict.priority, meaning=meaning, reference=reference)
    return f"{text}\n\n{verdict.advice}" if verdict.advice else text


def conversation_reference(conversation_id: int) -> str:
    """The reference a user can quote for a conversation."""
    return f"C-{conversation_id}"


def article_answer(article: Article) -> str:
    """An article as a chat message: title, what it is for, numbered steps, when to stop."""
    steps = "\n".join(f"{number}. {step}" for number, step in enumerate(article.steps, start=1))
    parts = [article.title, article.summary, steps, article.still_stuck, ASK_FEEDBACK]
    return "\n\n".join(part for part in parts if part)

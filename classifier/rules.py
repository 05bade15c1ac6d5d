"""Cases first line must never try to handle, whatever the model says: one reviewed table.

Each rule says what it catches in words, the category and priority of the case it opens, the
reason shown on the handoff card, and the advice the user gets at once. A match always
escalates. The patterns read the normalised (lower-cased) message; they are built from the
word lists below, with bounded gaps only, and are tried only around the rule's signal words,
so a long message is read in linear time.

To change a rule, change its row here, its sentences in tests/fixtures/rules/never_miss.csv
(at least 10 it must catch and 10 it must leave to the model) and its line in the README.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from bot.core.domain import Priority


@dataclass(frozen=True)
class Rule:
    """A must-escalate pattern: what it catches, the case it opens and what the user is told."""

    name: str
    catches: str
    category: str
    priority: Priority
    reason: str
    advice: str
    signals: re.Pattern[str]
    pattern: re.Pattern[str]

    def matches(self, folded: str) -> bool:
        """Whether the normalised message matches, read only around the rule's signal words."""
        return any(self.pattern.search(folded, start, end) for start, end in _windows(self, folded))


def _any(*alternatives: str) -> str:
    return r"(?:" + "|".join(alternatives) + r")"


def _words(alternatives: str) -> str:
    """A word list written as one regex alternation, 'laptop|phone|...'."""
    return r"(?:" + alternatives + r")"


def _near(first: str, second: str, gap: int) -> str:
    """``first`` and ``second`` at most ``gap`` characters apart, in either order."""
    return rf"(?:{first}.{{0,{gap}}}{second}|{second}.{{0,{gap}}}{first})"


def _all_near(parts: tuple[str, str, str], gap: int) -> str:
    """All three ``parts``, in any order, each at most ``gap`` characters after the last."""
    first, second, third = parts
    orders = (
        (first, second, third),
        (first, third, second),
        (second, first, third),
        (second, third, first),
        (third, first, second),
        (third, second, first),
    )
    return _any(*(f".{{0,{gap}}}".join(order) for order in orders))


def _rule_pattern(*cues: str) -> re.Pattern[str]:
    return re.compile(_any(*cues), re.DOTALL)


def _signals(stems: str) -> re.Pattern[str]:
    """Words ('fire|smok|...') at least one of which is in every text the pattern matches."""
    return re.compile("|".join(re.escape(stem) for stem in stems.split("|")))


REACH = 500  # no match is longer: gaps are bounded, words are 40 letters at most, spaces one


def _windows(rule: Rule, folded: str) -> Iterator[tuple[int, int]]:
    """The stretches of text within REACH of a signal word, overlapping ones merged."""
    start = end = -1
    for signal in rule.signals.finditer(folded):
        low, high = max(0, signal.start() - REACH), signal.end() + REACH
        if low > end >= 0:
            yield start, end
            start = -1
        if start < 0:
            start = low
        end = max(end, high)
    if end >= 0:
        yield start, end


# --- word lists -------------------------------------------------------------------------

_DEVICE = _words(
    "laptop|phone|mobile|iphone|android|tablet|ipad|device|macbook|computer|notebook"
    "|surface|blackberry|samsung|pixel|smartphone"
)
_PASSWORD = (
    r"(?<!new )(?<!temporary )password(?!\s*(?:reset|expir|policy|manager|change|link|form|rules"
    r"|requirements|screen|prompt|box|field|page))"
)
_SECRET = _any(
    _PASSWORD,
    r"passcode|credentials|login details|log-in details|login|username and password|\bpin\b"
    "|mfa code|one-time code|6 digit code|six digit code|authenticator code"
    "|verification code|security code",
)
_CODE = _words(
    "(?:authenticator|mfa|2fa|otp|one[- ]time|verification|security|sms|text|login"
    r"|sign[- ]?in|6[- ]digit|six[- ]digit|access|pass)\s+codes?\b"
    r"|codes?\s+(?:on|from|in)\s+my\s+(?:phone|app|authenticator|mobile)|\bmy\s+codes?\b"
    r"|\bthe\s+codes?\s+(?:i|they|he|she|you)\s+(?:just\s+)?(?:got|get|received|sent|texted)"
)
_EQUIPMENT = _words(
    r"laptop|keyboard|computer|\bpc\b|desktop|monitor|screen|printer|copier|scanner"
    r"|shredder|projector|\btv\b|phone|mobile|tablet|ipad|macbook|docking station|\bdock\b"
    "|charger|power supply|adapter|adaptor|socket|plug|power strip|extension lead"
    r"|extension cable|cable|wire|server|switch|router|\bups\b|speaker|headset|machine"
    "|battery|outlet|power brick|fan|comms (?:room|cupboard)|server room"
)
_LIQUID = _words(
    "water|coffee|tea|juice|coke|cola|soda|wine|beer|milk|drink|liquid|soup|smoothie|rain|rainwater"
)
_ON_FIRE = _words(
    r"on fire|caught fire|catch(?:es|ing)? fire|in flames|burning(?!\s+(?:hot|up))"
    r"|smoking(?!\s+(?:area|fast|hot))|smouldering|smoldering|melting|melted|sparking"
)
_WRONG_RECIPIENT = _words(
    r"to\s+(?:the\s+|a\s+)?wrong\s+\w{1,40}|"
    r"wrong\s+(?:person|people|recipients?|address(?:es)?|e-?mail(?: address)?|client|customer"
    "|contact|distribution list|mailing list|group|company|supplier|chat|channel|team)"
    r"|instead of bcc|forgot to (?:use )?bcc|(?:in|into|on)\s+cc\s+(?:instead|not bcc)"
    r"|wrong\s+(?:file|attachment|document|spreadsheet)"
)
_SENT = (
    r"\b"
    + _words(
        "sent|send|emailed|e-mailed|forwarded|mailed|shared|posted|uploaded|published|cc'd"
        "|cc-ed|replied all|attached|gave|leaked|texted|faxed"
    )
    + r"\b(?!\s+(?:me|us)\b)"
)
_BY_MISTAKE = _words("accidentally|by mistake|by accident|mistakenly|in error|inadvertently")
_PERSONAL_DATA = _words(
    r"\bdata(?:base)?\b|payslips?|salar(?:y|ies)|payroll|personal|confidential|sensitive"
    r"|medical|health|passports?|contracts?|records|\bcvs?\b|addresses|national insurance"
    "|social security|date of birth|disciplinary|bank (?:details|statements?)"
    "|card (?:numbers?|details)"
    r"|(?:customer|client|patient|staff|employee|student|member)s?'?\s+(?:list|details"
    "|information|info|files?|names|records|emails|addresses|numbers)"
    "|hr (?:files?|folder|documents?|records)"
)
_SOMEONE_FROM = (
    _words(
        r"someone|somebody|guy|\bman|woman|lady|person|caller|\bcall|\btext|\bsms|message"
        r"|e-?mail|whatsapp|voicemail|bloke|chap|agent|engineer|technician|\bhe|\bshe|\bthey"
    )
    + r"\s+(?:\w{1,40}\s+){0,3}?from\s+['\"]?"
)
_IMPERSONATOR = _words(
    r"\bit\b|i\.t\.|help ?desk|service ?desk|(?:it|tech(?:nical)?|windows)\s+support"
    "|support team|it team|it department|microsoft|apple|google|amazon|paypal"
    "|(?:the |my |our )?bank|hmrc|the police|security team|payroll|(?:our |the )?ceo"
    "|(?:our |the )?(?:managing )?director|the boss"
)
_CLAIMS_TO_BE = _any(
    _SOMEONE_FROM,
    r"claim(?:s|ed|ing)?\s+(?:to\s+be\s+)?(?:from\s+)?['\"]?",
    r"pretend(?:s|ed|ing)?\s+to\s+be\s+(?:from\s+)?['\"]?",
    r"(?:said|says|saying)\s+(?:he|she|they|it)(?:'s|'re|\s+is|\s+are|\s+was|\s+were)\s+(?:from\s+)?",
    r"posing\s+as\s+",
    r"impersonat(?:ing|ed)\s+",
)
_STRANGER = _words(
    "stranger|someone i don't know|somebody i don't know|unknown (?:number|caller)"
    "|random (?:guy|person|caller|number)|cold call|scam(?:mer)? call"
)
_ASKS = r"(?<!\bi )(?<!\bwe )" + _words(
    "ask(?:s|ed|ing)?|want(?:s|ed)?|need(?:s|ed)?|request(?:s|ed|ing)?"
    r"|demand(?:s|ed|ing)?|(?:told|tell|telling|got|get|getting)\s+me\s+to|insist(?:s|ed)?"
)
_REMOTE = _words(
    "remote(?:[- ]access| control| desktop| support| session| in| into| onto|ly)"
    "|teamviewer|anydesk|quick ?assist|logmein|screenconnect|splashtop|ultraviewer"
    r"|connect\s+(?:to|into|onto)\s+my\s+(?:pc|computer|laptop|machine|screen)"
    r"|take\s+(?:over|control\s+of)\s+my"
)
_APPROVE = (
    r"(?:approve|accept|confirm|tap|press)\s+.{0,30}"
    r"(?:prompt|request|notification|push|sign[- ]?in|login|log[- ]in)"
)
_GIVE_UP = _any(_CODE, _PASSWORD, r"passcode|\bpin\b|credentials|login details|gift ?cards?")
_PROMPT = (
    r"(?:mfa|2fa|authenticator|sign[- ]?in|log[- ]?in|approval|verification|security)\s+"
    r"(?:prompts?|requests?|notifications?|push(?:es)?|codes?|texts?|approvals?)"
)
_NOT_MINE = _words(
    r"i\s+(?:didn't|did not|never|hadn't|haven't|wasn't|was not|am not|'m not)\s+"
    r"(?:\w{1,40}\s+){0,2}?"
    "(?:request|ask|start|make|initiate|trigger|try|trying|log|logging|sign|signing|expect)"
    r"|wasn't me|\bnot me\b|someone else|out of nowhere|middle of the night"
)

# --- the table ----------------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule(
        name="physical_danger",
        catches="fire, smoke, a burning smell, sparks, an electric shock, a swollen battery, "
        "liquid spilled into equipment",
        category="hardware",
        priority=Priority.P1,
        reason="the message describes a physical danger: fire, smoke, sparks, a shock or "
        "liquid in equipment",
        advice="Your safety first: step away from it. Only if it is safe to touch, switch it "
        "off at the wall and unplug it; never touch wet or sparking equipment. If there is "
        "fire or smoke, or someone is hurt, call the building's emergency number or the "
        "emergency services (999 / 112) now, and follow the fire alarm.",
        signals=_signals(
            "fire|flame|burn|smok|smould|smold|melt|spark|electr|shock|zapped|swoll|swell"
            "|bulg|puff|expand|spill|spilt|knock|pour|tipp|wet|soak|drench|flood|water|coffee"
            "|tea|juice|coke|cola|soda|wine|beer|milk|drink|liquid|soup|smoothie|rain"
        ),
        pattern=_rule_pattern(
            _EQUIPMENT + r".{0,40}\b(?:is|was|are|were|has|had|just|it's|its|keeps|started|"
            r"starts|went|got|literally)\s+(?:\w{1,40}\s+){0,2}?" + _ON_FIRE,
            r"\b(?:literally|actually)\s+(?:on fire|burning(?!\s+(?:hot|up))|smoking|in flames)",
            r"(?:fire|flames|smoke|sparks?)\s+(?:is\s+|are\s+)?(?:coming|pouring|came|rising|"
            r"billowing|shooting|flying|flew)",
            r"(?:smoke|sparks?|flames)\s+(?:from|out of|inside|behind|under)\b",
            r"there(?:'s| is| was)\s+(?:a\s+)?(?:fire|smoke)\b(?!\s+(?:drill|alarm|warden|door|exit"
            r"|safety|test|extinguisher|marshal))",
            r"(?:see|saw|seeing|smell|smelled|smelt|lots of|full of|puff of|cloud of)\s+"
            r"(?:some\s+)?smoke\b(?!\s*(?:test|check))",
            r"\bsmel(?:l|ls|led|ling|t)\b.{0,25}\b(?:burn|burning|burnt|smoke|smoky|melting|"
            r"melted|fire)\b",
            r"(?:burning|burnt|melting|melted|electrical)\s+(?:plastic\s+|rubber\s+)?(?:smell|"
            r"odou?r)",
            r"electric(?:al)?\s+shocks?",
            r"electrocut(?:ed|ion)",
            r"(?:got|get|getting|gave me|giving me|gives me)\s+(?:an?\s+)?(?:small\s+|little\s+|"
            r"nasty\s+)?shocks?\s+(?:from|off|when i touch)",
            r"(?:shocked|zapped)\s+me\b",
            _EQUIPMENT + r".{0,30}\bspark(?:ed|ing|s)\b",
            _EQUIPMENT + r".{0,40}\b(?:caught fire|catch(?:es|ing)? fire|on fire|in(?:to)? flames)",
            r"\bspark(?:ed|ing|s)\b.{0,20}(?:from|when i plug|out of)",
            r"(?:swollen|swelling|bulging|puffed up|expanding)\s+(?:\w{1,40}\s+){0,2}?"
            r"batter(?:y|ies)",
            r"batter(?:y|ies)\b.{0,40}\b(?:swollen|swelling|bulging|puffed|puffing|puffy|expanded"
            r"|expanding)\b",
            r"(?:spill(?:ed|t|s)?|knocked|poured|tipped)\s+(?:\w{1,40}\s+){0,4}?"
            + _LIQUID
            + r"s?\b.{0,40}\b(?:on|onto|into|in|over|across|inside)\s+(?:\w{1,40}\s+){0,2}?"
            + _EQUIPMENT,
            _LIQUID
            + r"s?\s+(?:\w{1,40}\s+){0,3}?(?:spilled|spilt|got|went|leaked|leaking|dripping|"
            r"dripped|poured|pouring|coming)\s+(?:\w{1,40}\s+){0,3}?(?:on|onto|into|in|over|inside|"
            r"through)\s+(?:\w{1,40}\s+){0,2}?" + _EQUIPMENT,
            _EQUIPMENT + r"s?\s+(?:\w{1,40}\s+){0,2}?(?:got|is|was|are|were|getting|has been)\s+"
            r"(?:all\s+|completely\s+)?(?:soaked|drenched|flooded|under water)",
        ),
    ),
    Rule(
        name="ransomware",
        catches="a ransom note, files encrypted by an attacker, a demand to pay for a key",
        category="security",
        priority=Priority.P1,
        reason="the message describes a ransomware note or files encrypted by an attacker",
        advice="While you wait: unplug the network cable and turn off Wi-Fi on that computer, "
        "but don't switch it off, and don't pay or reply to the note.",
        signals=_signals("ransom|crypt|bitcoin|btc|locked|readme|restore|wannacry|lockbit"),
        pattern=_rule_pattern(
            r"ransom",
            r"files?\s+(?:\w{1,40}\s+){0,4}?(?:are|have been|has been|got|were|was)\s+"
            r"(?:all\s+|still\s+|now\s+|suddenly\s+){0,3}encrypted",
            r"(?:data|documents|drive|everything)\s+(?:has been|have been|is|was|got)\s+"
            r"(?:all\s+|still\s+|now\s+){0,3}encrypted",
            r"encrypted\s+(?:all\s+)?(?:my|our|the)\s+(?:files|documents|data)",
            r"\bpay(?:ment)?\b\s+(?:\w{1,40}\s+){0,3}(?:bitcoin|btc|crypto)",
            r"(?:pay|buy|purchase)\b.{0,40}decrypt",
            r"\.(?:locked|crypt|encrypted)\b",
            r"how[_ -]?to[_ -]?(?:decrypt|restore[_ -]files)",
            r"readme.{0,40}(?:pay|bitcoin|decrypt|money)",
            r"cryptolocker|wannacry|lockbit",
        ),
    ),
    Rule(
        name="credentials_phished",
        catches="a password or code typed into a phishing page or given to someone, an MFA "
        "request approved that the user did not start",
        category="security",
        priority=Priority.P1,
        reason="the user may have given their credentials to an attacker",
        advice="While you wait: if you can, change your password now at "
        "https://password.example.com from another device, and don't approve any sign-in "
        "request you didn't start.",
        signals=_signals(
            "password|passcode|credential|login|log-in|pin|code|gift|approv|accept|yes|remote"
            "|teamviewer|anydesk|assist|logmein|screenconnect|splashtop|ultraviewer|connect"
            "|take"
        ),
        pattern=_rule_pattern(
            r"(?:clicked|opened|followed|tapped).{0,80}(?:typed|entered|put|gave|filled|submitted"
            r"|logged in|signed in).{0,40}" + _SECRET,
            r"(?:typed|entered|put|gave|submitted)\s+(?:in\s+)?my\s+"
            + _SECRET
            + r".{0,60}(?:fake|phishing|dodgy|suspicious|scam|wrong site|not real)",
            r"(?:gave|read out|sent|texted)\s+(?:it\s+to\s+)?(?:him|her|them|the caller|"
            r"someone|the guy|the man|the woman|a stranger).{0,30}" + _GIVE_UP,
            r"told\s+(?:him|her|them|the caller|someone|the guy|the man|the woman|a stranger)\s+"
            r"(?:what\s+)?(?:my|the)\s+(?:\w{1,40}\s+)?"
            + _GIVE_UP
            + r"(?:\s+(?:was|is))?\s*(?:$|[.,;!]|and\b|but\b|before\b|because\b|then\b)",
            r"(?:gave|told|read out|sent|texted)\s+(?:\w{1,40}\s+){0,3}?"
            + _GIVE_UP
            + r"\s+to\s+(?:him|her|them|the caller|someone|a stranger|the scammer)",
            r"(?:clicked|opened|followed).{0,80}asked for my "
            + _SECRET
            + r".{0,30}(?:typed|entered|put|gave) it",
            r"(?:approved|accepted|tapped approve on|pressed approve on|said yes to)\s+.{0,40}"
            r"(?:prompt|request|notification|push|sign[- ]?in|login).{0,60}"
            r"(?:by accident|by mistake|didn't|did not|wasn't me|not me|someone else|wasn't mine)",
            r"(?:accidentally|by accident|by mistake|mistakenly)\s+(?:approved|accepted)",
            _ASKS + r"\b.{0,40}" + _GIVE_UP + r".{0,60}\b(?:i did|and i gave|i gave (?:it|them|him|"
            r"her)|(?:he|she|they) gave it|i read it out)\b(?!\s*(?:not|n't))",
            r"(?:gave|let)\s+(?:him|her|them|the caller|someone|a stranger)\s+(?:\w{1,40}\s+){0,2}?"
            + _REMOTE,
        ),
    ),
    Rule(
        name="social_engineering",
        catches="someone posing as IT, the bank, Microsoft or a boss asking for a code, a "
        "password or remote access; a stranger asking for remote access; unexpected MFA prompts",
        category="security",
        priority=Priority.P2,
        reason="someone may be trying to trick the user into giving access (social engineering)",
        advice="While you wait: don't give any password or code, don't approve any sign-in "
        "request you didn't start, and don't install anything a caller asks for. End the call "
        "or stop replying; if you are not sure it was real, call the service desk yourself on "
        "the number on the intranet. Note the caller's number, name and time for us.",
        signals=_signals(
            "password|passcode|credential|login|log-in|log in|pin|code|gift|remote|teamviewer"
            "|anydesk|assist|logmein|screenconnect|splashtop|ultraviewer|connect|take|approv"
            "|accept|confirm|tap|press|prompt|request|notif|push|text|sign"
        ),
        pattern=_rule_pattern(
            _CLAIMS_TO_BE
            + r"(?:the\s+|our\s+|my\s+)?"
            + _IMPERSONATOR
            + r"\b.{0,80}\b"
            + _ASKS
            + r"\b.{0,50}"
            + _any(_GIVE_UP, _REMOTE, _APPROVE),
            _STRANGER + r".{0,80}" + _any(_GIVE_UP, _REMOTE, _APPROVE),
            _any(
                "caller",
                r"(?<!\bi )(?<!\bwe )(?:called|rang|phoned)(?!\s+(?:me\s+)?back)",
                "phone call",
            )
            + r".{0,60}\b"
            + _ASKS
            + r"\b.{0,40}"
            + _any(_GIVE_UP, _REMOTE, _APPROVE),
            _PROMPT + r".{0,60}" + _NOT_MINE,
            r"(?:unexpected|random|strange|weird|unknown|unrequested|unsolicited|suspicious|"
            r"unexplained)\s+(?:microsoft\s+)?" + _PROMPT,
            r"codes?\s+(?:that\s+)?i\s+(?:didn't|did not|never)\s+(?:ask|request)",
        ),
    ),
    Rule(
        name="data_breach",
        catches="personal or confidential data sent or shared with the wrong people, a leak, "
        "a possible data breach",
        category="security",
        priority=Priority.P2,
        reason="personal or confidential data may have reached the wrong people (a possible "
        "data breach)",
        advice="While you wait: don't delete anything. If you can, recall the message or "
        "remove the sharing link now, and ask the recipient not to open it and to delete it. "
        "Note who received what, and when: a breach may have to be reported within 72 hours.",
        signals=_signals(
            "breach|leak|expos|stolen|gdpr|wrong|bcc|instead|accessed|viewed|seen|downloaded|copied"
            "|unauthori|accident|mistak|error|inadvertent|usb"
            "|stick|drive|printout|paper"
        ),
        pattern=_rule_pattern(
            r"data\s+(?:breach|leak)",
            r"(?:leaked|exposed)\s+(?:\w{1,40}\s+){0,3}?" + _PERSONAL_DATA,
            _PERSONAL_DATA
            + r"\s+(?:\w{1,40}\s+){0,3}?(?:was|were|has been|have been|got|is|are)\s+"
            r"(?:leaked|exposed|stolen)",
            r"gdpr\s+(?:breach|incident)",
            _PERSONAL_DATA + r".{0,60}\b(?:accessed|viewed|seen|downloaded|copied)\s+by\s+"
            r"(?:someone|somebody|people|an?\s+\w{1,40})\s+(?:outside|external|else|unauthori[sz]ed"
            r"|who (?:shouldn't|should not))",
            r"unauthori[sz]ed\s+access\s+to\s+(?:\w{1,40}\s+){0,3}?" + _PERSONAL_DATA,
            _all_near((_SENT, _WRONG_RECIPIENT, _PERSONAL_DATA), 60),
            _all_near((_SENT, _BY_MISTAKE, _PERSONAL_DATA), 60),
            r"(?:lost|left|dropped)\b.{0,40}(?:usb|memory stick|flash drive|thumb drive|pen drive"
            r"|external (?:hard )?drive|hard drive|printouts?|papers)\b.{0,60}" + _PERSONAL_DATA,
        ),
    ),
    Rule(
        name="lost_or_stolen_device",
        catches="a company laptop, phone or tablet lost, stolen or left somewhere public",
        category="security",
        priority=Priority.P1,
        reason="a company device may be lost or stolen",
        advice="While you wait: note when and where you last had it; if it was stolen, report "
        "it to the police too and keep the crime reference.",
        signals=_signals(
            "lost|stol|nick|misplac|taken|missing|gone|left|find|took|grabb|snatch|robb|mugg"
            "|burgl|broken|pickpocket"
        ),
        pattern=_rule_pattern(
            r"\b(?:lost|stolen|stole|nicked|misplaced)\s+(?:my|our|the|a|his|her|their)?\s*"
            r"(?:work\s+|company\s+|new\s+|office\s+|personal\s+)?" + _DEVICE + r"\b(?!\s+charger)",
            r"\b" + _DEVICE + r"(?:\s+(?:bag|case|and\s+\w{1,40}))?\s+(?:was|were|got|has been|"
            r"have been|is|'s been|are)\s+(?:(?:stolen|lost|nicked|gone)\b"
            r"(?!\s+(?:important|updates?|drivers?|fixes|security|some|a|an)\b)"
            r"(?!\s+in\s+(?:the\s+)?(?:list|intune|portal|directory))"
            r"|(?:missing|taken)\b(?=\s*(?:$|[.,;:!?]|and\b|but\b|since\b|after\b|from\s+(?:my|our|the)"
            r"\s+(?:desk|car|bag|office|house|home|flat|room|meeting room|hotel))))",
            r"\b" + _DEVICE + r"\b.{0,60}\b(?:was|were|got|has been|have been|'s been)\s+"
            r"(?:stolen|nicked|taken)\b(?!\s+(?:off|out|over|down|up|into|to|for|apart)\b)",
            r"\bleft\s+(?:my|our|the)\s+(?:work\s+|company\s+)?"
            + _DEVICE
            + r"\s+(?:on|in|at)\s+(?:the|a)\s+(?:train|bus|taxi|cab|plane|tube|airport|station"
            r"|pub|bar|restaurant|cafe|uber|hotel|car park)",
            r"(?:can't|cant|cannot|can not)\s+find\s+my\s+(?:work\s+|company\s+)?" + _DEVICE,
            r"(?:someone|somebody|they|thieves|a thief)\s+(?:took|stole|nicked|grabbed|snatched)"
            r"\s+(?:my|our)\s+(?:\w{1,40}\s+){0,2}?" + _DEVICE,
            _near(
                r"(?:robbed|mugged|burgled|broken into|pickpocketed)",
                r"\b" + _DEVICE + r"\b",
                60,
            ),
        ),
    ),
)


def normalise(text: str) -> str:
    """Lower-cased, Unicode-normalised text with curly quotes made straight and each run of
    white space made one space."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", folded.translate(_STRAIGHT_QUOTES))


_STRAIGHT_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_SPACES = re.compile(r"\s+")


def matching_rules(text: str) -> tuple[Rule, ...]:
    """Every must-escalate rule the message matches, in table order."""
    folded = normalise(text)
    return tuple(rule for rule in RULES if rule.matches(folded))


def matching_rule(text: str) -> Rule | None:
    """The most urgent must-escalate rule the message matches (the first in the table on a
    tie), if any."""
    matches = matching_rules(text)
    return min(matches, key=lambda rule: rule.priority.rank) if matches else None

"""Masking credentials and personal data in what an end user typed.

Everything second-line homeworkers see, and every log line, goes through
:func:`mask_sensitive`. Each rule is a regular expression plus a small check in Python;
the expressions start on a literal or behind a look-behind that fails inside a run, and
their repeats are bounded or possessive, so masking takes time linear in the text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Masked:
    """Text with its sensitive parts replaced, and the kinds replaced, in rule order."""

    text: str
    kinds: tuple[str, ...] = ()


PLACEHOLDERS: dict[str, str] = {
    "api_key": "[key removed]",
    "password": "[password removed]",
    "pin": "[pin removed]",
    "code": "[code removed]",
    "email": "[email removed]",
    "bank_account": "[bank account removed]",
    "card_number": "[card number removed]",
    "id_number": "[id number removed]",
    "phone_number": "[phone number removed]",
    "recovery_key": "[recovery key removed]",
    "private_key": "[private key removed]",
}
# What someone could log in with; the bot asks the user not to send these.
CREDENTIAL_KINDS = frozenset({"api_key", "password", "pin", "code", "recovery_key", "private_key"})

Span = tuple[int, int]
Pick = Callable[[re.Match[str], str], Span | None]


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    pick: Pick  # the span to replace (absolute), or None to leave the match as it is


def _whole(match: re.Match[str], own_email: str) -> Span | None:
    return match.span()


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


# --- API keys and tokens ----------------------------------------------------------------

_KEY_SHAPES = re.compile(
    r"""(?<![\w-])(?:
        sk-(?:proj-|live-|test-|ant-)?[A-Za-z0-9_-]{20,}    # OpenAI / Anthropic style
      | (?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}         # Stripe
      | gh[pousr]_[A-Za-z0-9]{30,}                          # GitHub tokens
      | github_pat_[A-Za-z0-9_]{30,}                        # GitHub fine-grained tokens
      | glpat-[A-Za-z0-9_-]{20,}                            # GitLab
      | xox[abprs]-[A-Za-z0-9-]{10,}                        # Slack
      | (?<=hooks\.slack\.com/services/)[A-Za-z0-9]{8,}/[A-Za-z0-9]{8,}/[A-Za-z0-9]{16,}
                                                            # Slack webhook path
      | (?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])            # AWS access key id
      | AIza[A-Za-z0-9_-]{35}(?![\w-])                      # Google API key
      | eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}  # JSON web token
      | \d{8,10}:[A-Za-z0-9_-]{35}(?![\w-])                 # Telegram bot token
    )""",
    re.VERBOSE,
)

# "api_key=...", "token: ...", "Authorization: Bearer ...": a value with letters and digits.
_KEY_ASSIGNMENT = re.compile(
    r"""(?<![\w-])
    (?:api[_ -]?key|access[_ -]?key(?:[_ -]?id)?|secret(?:[_ -]?key)?|client[_ -]?secret
      |(?:aws[_ -]?)?secret[_ -]?access[_ -]?key
      |(?:access|auth|refresh|api|bot|bearer)?[_ -]?token|bearer)
    (?:\s*[:=]\s*|\s+(?:is|was)\s+|\s+)
    (?P<secret>[^\s&"'<>,;]{8,512})""",
    re.IGNORECASE | re.VERBOSE,
)

# Long mixed-case alphanumeric runs: tokens of unknown shape.
_RANDOM_LOOKING = re.compile(r"(?<![\w-])[A-Za-z0-9_-]{32,}(?![\w-])")


def _pick_assigned_key(match: re.Match[str], own_email: str) -> Span | None:
    secret = match.group("secret")
    if any(char.isdigit() for char in secret) and any(char.isalpha() for char in secret):
        return match.span("secret")
    return None


def _pick_random_looking(match: re.Match[str], own_email: str) -> Span | None:
    token = match.group()
    if not (
        any(c.isupper() for c in token)
        and any(c.islower() for c in token)
        and any(c.isdigit() for c in token)
    ):
        return None
    # Random text changes character class about 60% of the time; CamelCase words rarely.
    classes = ["u" if c.isupper() else "l" if c.islower() else "d" for c in token]
    changes = sum(1 for a, b in itertools.pairwise(classes) if a != b)
    return match.span() if changes >= 0.35 * len(token) else None


# --- passwords --------------------------------------------------------------------------

_PLACEHOLDER_AHEAD = r"(?!\[[a-z ]{1,30} removed\])"
_QUOTED = (  # in straight, curly, German low-high or back quotes
    r"""'[^'\n]{1,100}'|"[^"\n]{1,100}"|\u201c[^\u201d\n]{1,100}\u201d"""
    r"""|\u2018[^\u2019\n]{1,100}\u2019|\u201e[^\u201c\n]{1,100}\u201c|`[^`\n]{1,100}`"""
)
_PASSWORD_WORDS = r"""
    passwords?|passwort|passphrase|passcode|passwd|pass(?:\ ?word)?|pwd|pw|kennwort|wachtwoord
    |mot\ de\ passe|mdp|contrase[ñn]a|clave(?:\ de\ acceso)?|senha|palavra-passe
    |parola\ d'ordine|has[łl]o|пароль|chiave|chave|klucz|ключ|cl[ée]
    |(?:wi-?fi|wlan|wpa2?)[\ -]?(?:key|schlüssel|passwor[dt])|zugangsdaten|credentials"""
_AGE_WORDS = r"""new|old|neue|alte|nouveau|ancien|nueva|antigua|nuova|vecchia|nova|antiga|nowe
    |stare|новый|старый"""
_PREPOSITIONS = r"for|of|on|to|in|at|für|zu|du|de|del|della|do|da|od|от|для|from"
_CONNECTORS = r"""is|was|ist|war|lautet|est|c'est|es|era|è|e'|é|to|jest|такой|это"""
# A bare secret (no "is", no colon) must hold a letter and a digit or symbol.
_BARE_AHEAD = r"(?=\S{0,127}[0-9!@#$%^&*+=?~_])(?=\S{0,127}[^\W\d_])"  # bounded: linear
_STRONG = rf"""(?P<strong>\s*(?:[:=]|->|=>)\s*|\s+[-\u2013]\s+|['\u2019]s\s+
          |\s+(?:{_CONNECTORS})(?!\w)(?:\s+now)?\s*[:=]?\s*)"""
_PASSWORD = re.compile(
    rf"""(?<![\w\[-])(?:{_PASSWORD_WORDS})(?:\s+(?:{_AGE_WORDS}|wi-?fi|wlan|wpa2?))?
    (?:\s+(?:{_PREPOSITIONS})(?:\s+[^\s:=]{{1,40}}){{1,3}}?
      |\s+(?:i|we|you)\s+(?:use|used|type|typed|set|entered|tried|chose|picked|have|had
                |gave\ me|sent\ me))?                        # "the password I used"
    (?:{_STRONG}
      | (?P<bare>\s+){_BARE_AHEAD}      # "and password Summer2024"
    )
    {_PLACEHOLDER_AHEAD}
    (?P<secret>(?P<quoted>{_QUOTED})|\S{{1,128}})
    (?:\s*/\s*(?P<pair>\S{{1,128}}))?                      # "user / password: jdoe / X" """,
    re.IGNORECASE | re.VERBOSE,
)
# "new one is X", "y la nueva es X", once a password was already masked in the message.
_SECOND_PASSWORD = re.compile(
    rf"""(?<![\w\[-])(?:{_AGE_WORDS})(?:\s+(?:one|password))?
    (?:{_STRONG}|(?P<bare>\s+){_BARE_AHEAD})
    {_PLACEHOLDER_AHEAD}(?P<quoted>(?!))?(?P<pair>(?!))?(?P<secret>\S{{1,128}})""",
    re.IGNORECASE | re.VERBOSE,
)
# "I typed X as password".
_PASSWORD_AFTER = re.compile(
    rf"""(?<![\w-]){_BARE_AHEAD}(?P<strong>(?!))?(?P<quoted>(?!))?(?P<pair>(?!))?
    (?P<secret>\S{{5,128}})\s+as\s+(?:my\s+|the\s+|a\s+)?password""",
    re.IGNORECASE | re.VERBOSE,
)
_SENTENCE_END = ".,;:?)]}\"'\u201d\u2019"
# Words that name a user name and a password together: the word after the first is the second.
_CREDENTIALS = re.compile(r"zugangsdaten|credentials|login\ data|identifiants", re.IGNORECASE)
_NEXT_WORD = re.compile(r"[ \t]+(\S{5,128})")
_BARE_SECRET_SYMBOLS = set("!@#$%^&*+=?~_")
# Words that follow "password is" / "password:" in a question about a password.
_NOT_SECRET_WORDS = """
    a about above again all almost already also always an and another any at back
    because been being below blank blocked both broken but by can case changed complex
    correct correctly definitely different disabled does doesn't due easy
    empty enabled expired expiring fine for forgotten from going gone hard here how i
    in incorrect into invalid is it its it's just locked long longer lost missing
    my needed never new no none not now of ok okay old on one only or our out please
    pls rejected required reset right same saved set short shorter simple so still
    stored strong stuck that the their there these this to too unknown valid very was
    weak what when where which why with without working wrong you your
    abgelaufen alt das der die falsch gesperrt ist kein korrekt neu nicht richtig
    ungültig vergessen war zu
"""
_NOT_SECRETS = frozenset(_NOT_SECRET_WORDS.split())


def _looks_like_password(secret: str, strong: bool) -> bool:
    folded = secret.casefold()
    if folded in _NOT_SECRETS or set(secret) <= set("*•●"):
        return False
    if strong:
        return len(secret) >= 3 and not (secret.isalpha() and folded.endswith(("ed", "ing")))
    has_letter = any(char.isalpha() for char in secret)
    has_digit_or_symbol = any(char.isdigit() or char in _BARE_SECRET_SYMBOLS for char in secret)
    return len(secret) >= 5 and has_letter and has_digit_or_symbol


def _pick_password(match: re.Match[str], own_email: str) -> Span | None:
    start, end = match.span("secret")
    if match.group("pair"):
        pair = match.group("pair").rstrip(_SENTENCE_END)
        return (start, match.start("pair") + len(pair)) if pair else (start, end)
    secret = match.group("secret")
    if match.group("quoted"):
        return start, end
    secret = secret.rstrip(_SENTENCE_END)
    if not secret or not _looks_like_password(secret, match.group("strong") is not None):
        return None
    end = start + len(secret)
    if _CREDENTIALS.match(match.group()):  # "Zugangsdaten: mmueller Blume2021$": both
        following = _NEXT_WORD.match(match.string, end)
        if following and _looks_like_password(following.group(1).rstrip(_SENTENCE_END), False):
            return start, following.start(1) + len(following.group(1).rstrip(_SENTENCE_END))
    return start, end


def _pick_second_password(match: re.Match[str], own_email: str) -> Span | None:
    if PLACEHOLDERS["password"] not in match.string[: match.start()]:
        return None
    return _pick_password(match, own_email)


# --- one-time codes and PINs ------------------------------------------------------------

# Words allowed between the cue and the number: "the sms code I got was 0042".
_CODE_FILLER = r"""(?:is|was|are|were|ist|war|lautet|now|new|just|i|i've|ive|got|get|gave|
    received|sent|texted|from|the|my|a|your|app|sms|text|message|email|e-mail|via|by|says|
    said|shows|showed|showing|it|me|to|of|number|code|pin|otp|for|verification|login)"""
_CODE_LEAD = rf"(?:\s*[:=#]|\s+{_CODE_FILLER}(?![\w-])){{0,6}}\s*[:=#]?\s*"
# Four to eight digits, possibly grouped alike: 482913, 123 456, 55-12-98 (see _pick_code).
_CODE_NUMBER = (
    r"(?P<number>\d{2,8}+(?:(?P<group>[ -])\d{2,4}+(?:(?P=group)\d{2,4}+){0,2})?)"
    r"(?!\d|[.,:/-]\d)"
)
_OTP = re.compile(
    rf"""(?<![\w-])(?:codes?|otp|2fa|mfa|tan|sms|verification|one[- ]?time|passcode
      |authenticator|security\ code|auth\ code)
    {_CODE_LEAD}{_CODE_NUMBER}""",
    re.IGNORECASE | re.VERBOSE,
)
_PIN = re.compile(
    rf"(?<![\w-])(?:pin(?:[ -]?(?:code|number|no\.?|nr\.?))?){_CODE_LEAD}{_CODE_NUMBER}",
    re.IGNORECASE | re.VERBOSE,
)
# "error code 404", "exit code 1603", "zip code 90210": numbers, not secrets.
_NOT_A_SECRET_CODE = re.compile(
    r"\b(?:error|err|status|exit|return|http|response|event|stop|bug|fault|reason|result|zip"
    r"|post|postal|area|country|dial(?:ling)?|sort|tax|product|promo|discount|voucher|coupon"
    r"|source|qr|bar|colou?r|hex|fehler)\W{0,3}$",
    re.IGNORECASE,
)


def _pick_code(match: re.Match[str], own_email: str) -> Span | None:
    if _NOT_A_SECRET_CODE.search(match.string, max(0, match.start() - 24), match.start()):
        return None
    start, end = match.span("number")
    number = match.group("number")
    if len(_digits(number)) > 8:  # "pin is 4821 4111 1111 ...": the code is the first groups
        separator = match.group("group") or " "
        groups = number.split(separator)
        taken = next(
            (n for n in range(1, len(groups) + 1) if len("".join(groups[:n])) >= 4), len(groups)
        )
        number = separator.join(groups[:taken])
        end = start + len(number)
    return (start, end) if 4 <= len(_digits(number)) <= 8 else None


# --- e-mail, bank accounts, cards, identity numbers ----------------------------------------

_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]{1,64}@(?:[\w-]{1,63}\.){1,8}[^\W\d_]{2,24}(?![\w-])")


def _pick_email(match: re.Match[str], own_email: str) -> Span | None:
    return None if own_email and match.group().casefold() == own_email else match.span()


_IBAN = re.compile(
    r"(?<!\w)[A-Z]{2}\d{2}(?:\ ?[A-Z0-9]{4}){2,7}(?:\ ?[A-Z0-9]{1,4})?(?!\w)", re.IGNORECASE
)


def _iban_valid(text: str) -> bool:
    iban = text.replace(" ", "").upper()
    if not (iban.isascii() and iban.isalnum() and 15 <= len(iban) <= 34):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _pick_iban(match: re.Match[str], own_email: str) -> Span | None:
    """The longest prefix, cut at a space, that is a valid IBAN ("... 3201 please")."""
    text = match.group()
    while text:
        if _iban_valid(text):
            return match.start(), match.start() + len(text)
        text = text[: text.rfind(" ")] if " " in text else ""
    return None


_CARD = re.compile(
    r"""(?<![\w.,/+-])(?:
        \d{13,19}                                              # 4111111111111111
      | \d{4}(?P<sep>[ -])\d{4}(?P=sep)\d{4}(?P=sep)\d{4}
        (?P<tail>(?P=sep)\d{1,3})?                             # 4111 1111 1111 1111 (123)
      | \d{4}[ -]\d{6}[ -]\d{4,5}                              # Amex and Diners
    )(?!\w|[.,/-]\d)""",
    re.VERBOSE,
)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _is_card_number(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and _luhn_valid(digits)


def _pick_card(match: re.Match[str], own_email: str) -> Span | None:
    if _is_card_number(_digits(match.group())):
        return match.span()
    if match.group("tail") and _is_card_number(_digits(match.group()[: -len(match["tail"])])):
        return match.start(), match.start("tail")
    return None


_ID_NUMBER = re.compile(
    r"""(?<![\w-])(?:
        (?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]
        \ ?\d{2}\ ?\d{2}\ ?\d{2}\ ?[A-D]                        # UK national insurance
      | (?!000|666|9)\d{3}(?P<sep>[- ])(?!00)\d{2}(?P=sep)(?!0000)\d{4}  # US social security
    )(?![\w]|-\d)""",
    re.IGNORECASE | re.VERBOSE,
)

# --- phone numbers ----------------------------------------------------------------------

_PHONE = re.compile(
    r"""(?<![\w+.,/:-])(?:
        (?P<intl>(?:\+|00)[1-9]\d{0,2}+(?:[ .\u00a0-]?(?:\(\d{1,4}+\)|\d{1,5}+)){1,6})
                                                     # +44 20 7946 0958, +1 (555) 010-9999
      | (?P<us>(?:1[ .-])?(?:\(\d{3}\)\ ?\d{3}[ .-]|\d{3}-\d{3}-|\d{3}\.\d{3}\.)\d{4})
                                                     # (555) 010-9999, 555-010-9999
      | (?P<national>\(?0[1-9]\d{0,4}+\)?(?:[ .\u00a0-]?\d{1,5}+){1,4})
                                                     # 07700 900123, 030 1234567
    )(?!\w|[.,/:-]\d)""",
    re.VERBOSE,
)
_DATE_START = re.compile(r"\d{1,2}([.\-/])\d{1,2}\1\d{2,4}")
_NOT_A_PHONE = re.compile(
    r"(?:ticket|order|invoice|ref|reference|case|incident|inc|req|request|serial|s/n|sn"
    r"|asset|tag|po|account|acct|id|kb|build|version|ver)\W{0,3}$",
    re.IGNORECASE,
)


def _pick_phone(match: re.Match[str], own_email: str) -> Span | None:
    count = len(_digits(match.group()))
    if match.group("intl"):
        plausible = 8 <= count <= 15
    elif match.group("us"):
        plausible = True
    else:
        plausible = 9 <= count <= 12 and not _DATE_START.match(match.group())
    before = _NOT_A_PHONE.search(match.string, max(0, match.start() - 16), match.start())
    return match.span() if plausible and before is None else None


# --- numbers named by a word nearby: codes, PINs, CVVs, accounts, SSNs --------------------------

# Three to eight digits, alone or grouped ("482 913", "5 5 3 2 0 1", "55-12-98").
_NEAR_NUMBER = re.compile(
    r"(?<![\w.,:/+\[-])(?:\d(?:\ \d){3,7}|\d{3,8}+(?:[ -]\d{2,4}+){0,3})(?![\w\]]|[.,:/-]\d)"
)
_CODE_WORDS = re.compile(
    r"""(?<![\w\[-])\w{0,20}?(?:codes?|c[oó]digo|codice|kod|код|otp|2fa|mfa|tan|sms|смс|pin|пин
      |cvv2?|cvc|cryptogramme|prüfziffer|authenticator|passcode)(?!\w)""",
    re.IGNORECASE | re.VERBOSE,
)
_CARD_CODE_WORDS = re.compile(r"cvv|cvc|crypto|prüf|secur|segur|sicur", re.IGNORECASE)
_NOT_CODE_WORDS = re.compile(
    r"error|fehler|erreur|errore|erro|błąd|ошибк|status|exit", re.IGNORECASE
)
_ACCOUNT_WORDS = re.compile(
    r"""(?<![\w-])(?:account|acct|konto|kontonummer|compte|cuenta|conto|conta|rachunku?|сч[её]т[а-я]*
      |ssn|social\ security(?:\ number)?)(?!\w)""",
    re.IGNORECASE | re.VERBOSE,
)
_LONG_NUMBER = re.compile(r"(?<![\w.,:/+\[-])\d{6,34}(?![\w\]]|[.,:/-]\d)")
_NEAR = 45  # characters between a word and the number it names
_YEAR_CUE = re.compile(
    r"""(?<!\w)(?:since|in|from|until|till|before|after|year|seit|im|jahr|bis|depuis|en|année
      |desde|año|dal|nel|anno|fino|em|ano|od|w|roku|с|в|году|до)\s+(?:\w+\s+){0,2}$""",
    re.IGNORECASE | re.VERBOSE,
)


def _pick_near_code(match: re.Match[str], own_email: str) -> Span | None:
    text = match.string
    window = max(0, match.start() - _NEAR), min(len(text), match.end() + _NEAR)
    for word in _CODE_WORDS.finditer(text, *window):
        if _NOT_CODE_WORDS.search(text, max(0, word.start() - 24), word.end()):
            continue
        if re.fullmatch(r"(?:19|20)\d\d", match.group()) and _YEAR_CUE.search(
            text, max(0, match.start() - _NEAR), match.start()
        ):  # "2FA since 2024": a year; "il mio PIN è 1946": a PIN
            return None
        digits = len(_digits(match.group()))
        if 4 <= digits <= 8 or (digits == 3 and _CARD_CODE_WORDS.search(text, *window)):
            return match.span()
    return None


def _pick_near_account(match: re.Match[str], own_email: str) -> Span | None:
    found = _ACCOUNT_WORDS.search(match.string, max(0, match.start() - 30), match.start())
    return match.span() if found else None


_BITLOCKER = re.compile(r"(?<![\w-])\d{6}(?:-\d{6}){7}(?![\w-])")
_PRIVATE_KEY = re.compile(
    r"-----BEGIN[A-Z ]{0,30}PRIVATE KEY-----[\s\S]{0,20000}?"
    r"(?:-----END[A-Z ]{0,30}PRIVATE KEY-----|$)"
)

# Order matters: keys and passwords first, so their digits are not read as phone numbers.
_RULES: tuple[_Rule, ...] = (
    _Rule("private_key", _PRIVATE_KEY, _whole),
    _Rule("recovery_key", _BITLOCKER, _whole),
    _Rule("api_key", _KEY_SHAPES, _whole),
    _Rule("password", _PASSWORD, _pick_password),
    _Rule("password", _SECOND_PASSWORD, _pick_second_password),
    _Rule("password", _PASSWORD_AFTER, _pick_password),
    _Rule("api_key", _KEY_ASSIGNMENT, _pick_assigned_key),
    _Rule("api_key", _RANDOM_LOOKING, _pick_random_looking),
    _Rule("pin", _PIN, _pick_code),
    _Rule("code", _OTP, _pick_code),
    _Rule("email", _EMAIL, _pick_email),
    _Rule("bank_account", _IBAN, _pick_iban),
    _Rule("card_number", _CARD, _pick_card),
    _Rule("id_number", _ID_NUMBER, _whole),
    _Rule("bank_account", _LONG_NUMBER, _pick_near_account),
    _Rule("code", _NEAR_NUMBER, _pick_near_code),
    _Rule("phone_number", _PHONE, _pick_phone),
)


_PASSES = 3


def _apply(rule: _Rule, text: str, own_email: str) -> tuple[str, bool]:
    """Replace what ``rule`` picks; a pick may reach past its match (a credentials pair)."""
    pieces: list[str] = []
    done = 0
    for match in rule.pattern.finditer(text):
        if match.start() < done:
            continue  # inside what an earlier pick already replaced
        span = rule.pick(match, own_email)
        if span is None:
            continue
        pieces += [text[done : span[0]], PLACEHOLDERS[rule.kind]]
        done = span[1]
    if not pieces:
        return text, False
    return "".join([*pieces, text[done:]]), True


def mask_sensitive(text: str, own_email: str | None = None) -> Masked:
    """Replace credentials and personal data in ``text``; the user's own e-mail stays."""
    own = (own_email or "").strip().casefold()
    kinds: list[str] = []
    for _ in range(_PASSES):  # a number freed by a later rule can be read again
        before = text
        for rule in _RULES:
            text, found = _apply(rule, text, own)
            if found and rule.kind not in kinds:
                kinds.append(rule.kind)
        if text == before:
            break
    return Masked(text, tuple(kinds))


def contains_credentials(text: str) -> bool:
    """Whether ``text`` holds a password, PIN, one-time code or access key."""
    return any(kind in CREDENTIAL_KINDS for kind in mask_sensitive(text).kinds)

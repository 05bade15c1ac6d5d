"""Masking credentials and personal data before homeworkers or logs see them."""

from __future__ import annotations

import logging

import pytest

from bot.core.masking import Masked, contains_credentials, mask_sensitive
from bot.logging_masking import MaskingLogFilter

PASSWORD = "[password removed]"
PIN = "[pin removed]"
CODE = "[code removed]"
KEY = "[key removed]"
CARD = "[card number removed]"
PHONE = "[phone number removed]"
EMAIL = "[email removed]"
BANK = "[bank account removed]"
ID = "[id number removed]"

# Built from parts so no token-shaped string sits in the repository; obviously not real.
FAKE_BOT_TOKEN = "123456789:" + "AAfakeTokenForMaskingTests" + "x" * 9
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"

MASKED: list[tuple[str, str, tuple[str, ...]]] = [
    # passwords and passphrases
    ("my password is Hunter2!", f"my password is {PASSWORD}", ("password",)),
    ("pw: abc123", f"pw: {PASSWORD}", ("password",)),
    ("mein passwort ist Sommer2024", f"mein passwort ist {PASSWORD}", ("password",)),
    # a user name and a password after one word: both go
    ("Zugangsdaten: mmueller Blume2021$", f"Zugangsdaten: {PASSWORD}", ("password",)),
    ("credentials: jdoe Winter#2025 thanks", f"credentials: {PASSWORD} thanks", ("password",)),
    # a PIN that looks like a year is still a PIN; a year after "since" is still a year
    ("il mio PIN è 1946", f"il mio PIN è {CODE}", ("code",)),
    ("password = 'x y'", f"password = {PASSWORD}", ("password",)),
    ('password: "correct horse battery"', f"password: {PASSWORD}", ("password",)),
    ("the new pass is S3cret#", f"the new pass is {PASSWORD}", ("password",)),
    (
        "my login is jdoe and password Summer2024",
        f"my login is jdoe and password {PASSWORD}",
        ("password",),
    ),
    ("user: jdoe / pass: xyz", f"user: jdoe / pass: {PASSWORD}", ("password",)),
    ("Password: hunter2. Can you check?", f"Password: {PASSWORD}. Can you check?", ("password",)),
    (
        "the password for the wifi is Guest2024!",
        f"the password for the wifi is {PASSWORD}",
        ("password",),
    ),
    ("my password is now Autumn#99", f"my password is now {PASSWORD}", ("password",)),
    ("passphrase: tree-apple-42", f"passphrase: {PASSWORD}", ("password",)),
    ("Kennwort: Geheim123", f"Kennwort: {PASSWORD}", ("password",)),
    ("PWD=Qwerty!23", f"PWD={PASSWORD}", ("password",)),
    ("my password is hunter", f"my password is {PASSWORD}", ("password",)),
    ("the password I used was Hunter2", f"the password I used was {PASSWORD}", ("password",)),
    ("Password:\nSpring2025", f"Password:\n{PASSWORD}", ("password",)),
    # PINs and one-time codes
    ("pin is 4821", f"pin is {PIN}", ("pin",)),
    ("PIN: 4821", f"PIN: {PIN}", ("pin",)),
    ("my pin code is 123456", f"my pin code is {PIN}", ("pin",)),
    ("code is 482913", f"code is {CODE}", ("code",)),
    ("my otp 123 456", f"my otp {CODE}", ("code",)),
    ("the sms code was 0042", f"the sms code was {CODE}", ("code",)),
    ("verification code: 55-12-98", f"verification code: {CODE}", ("code",)),
    ("2FA code I got: 123456", f"2FA code I got: {CODE}", ("code",)),
    ("MFA 987654 was rejected", f"MFA {CODE} was rejected", ("code",)),
    ("one-time code from the app is 246810.", f"one-time code from the app is {CODE}.", ("code",)),
    # keys and tokens
    ("key sk-proj-abcdefghijklmnopqrstuvwx1234", f"key {KEY}", ("api_key",)),
    ("ghp_abcdefghijklmnopqrstuvwxyz0123456789 is mine", f"{KEY} is mine", ("api_key",)),
    ("AKIAIOSFODNN7EXAMPLE in the config", f"{KEY} in the config", ("api_key",)),
    (f"header {JWT}", f"header {KEY}", ("api_key",)),
    (
        f"bot token {FAKE_BOT_TOKEN} leaked",
        f"bot token {KEY} leaked",
        ("api_key",),
    ),
    ("xoxb-1234567890-abcdefghij", KEY, ("api_key",)),
    ("api_key=abc123def456ghi", f"api_key={KEY}", ("api_key",)),
    ("Authorization: Bearer abcDEF123456ghiJKL", f"Authorization: Bearer {KEY}", ("api_key",)),
    (
        "https://x.example/cb?token=Zx81kQ0pLm3&lang=en",
        f"https://x.example/cb?token={KEY}&lang=en",
        ("api_key",),
    ),
    ("it printed Xk9fQ2mZ7rT4vB8nL1wC6yH3jD5sG0aPq", f"it printed {KEY}", ("api_key",)),
    # payment cards
    ("card 4111 1111 1111 1111 please", f"card {CARD} please", ("card_number",)),
    ("4111111111111111", CARD, ("card_number",)),
    ("5500-0000-0000-0004 expires 12/27", f"{CARD} expires 12/27", ("card_number",)),
    ("amex 3782 822463 10005", f"amex {CARD}", ("card_number",)),
    ("4111 1111 1111 1111 2 printers", f"{CARD} 2 printers", ("card_number",)),
    # phone numbers
    ("call +44 20 7946 0958", f"call {PHONE}", ("phone_number",)),
    ("call +1 (555) 010-9999 today", f"call {PHONE} today", ("phone_number",)),
    ("+44 (0)20 7946 0958", PHONE, ("phone_number",)),
    ("my mobile is 07700 900123", f"my mobile is {PHONE}", ("phone_number",)),
    ("ring 07700900123.", f"ring {PHONE}.", ("phone_number",)),
    ("(555) 010-9999", PHONE, ("phone_number",)),
    ("555-010-9999 is my desk", f"{PHONE} is my desk", ("phone_number",)),
    ("Festnetz 030 1234567", f"Festnetz {PHONE}", ("phone_number",)),
    ("portable 06 12 34 56 78", f"portable {PHONE}", ("phone_number",)),
    # e-mail, bank accounts, identity numbers
    ("mail jane.doe@example.org now", f"mail {EMAIL} now", ("email",)),
    ("cc: Bob+it@sub.example.co.uk.", f"cc: {EMAIL}.", ("email",)),
    ("IBAN GB82 WEST 1234 5698 7654 32 thanks", f"IBAN {BANK} thanks", ("bank_account",)),
    ("DE89370400440532013000", BANK, ("bank_account",)),
    ("NI number AB123456C", f"NI number {ID}", ("id_number",)),
    ("ssn 078-05-1120", f"ssn {ID}", ("id_number",)),
    # a code right before a card or phone number: both are found
    ("pin is 4821 4111111111111111", f"pin is {PIN} {CARD}", ("pin", "card_number")),
    ("my otp 123 456 555-010-9999", f"my otp {CODE} {PHONE}", ("code", "phone_number")),
    # several at once, in rule order
    (
        "I'm jdoe, password Blue42sky, call 07700 900123 or mail j@x.org",
        f"I'm jdoe, password {PASSWORD}, call {PHONE} or mail {EMAIL}",
        ("password", "email", "phone_number"),
    ),
]

UNCHANGED: list[str] = [
    "I need to reset my password",
    "password expired",
    "my password is expired",
    "my password is not working",
    "Password is too short, it says",
    "password doesn't work",
    "the password reset link doesn't work",
    "the password must be 12 characters",
    "password change was successful",
    "the password I tried is wrong",
    'it says "password incorrect"',
    "Password: ******",
    "I can't pass the login screen",
    "passport photo upload fails",
    "my pin doesn't work",
    "pin 2 on the cable is bent",
    "the code doesn't work",
    "sms never arrives",
    "MFA prompt keeps appearing on my phone",
    "2FA since 2024",
    "MFA enabled in 2019 for everyone",
    "token expired",
    "the secret is out",
    "error 0x80070005 when updating",
    "error code 404 on the intranet",
    "exit code 1603 when installing",
    "status code 500 from the API",
    "Windows 11 laptop",
    "printer on floor 3",
    "ticket T-1042",
    "ticket 0123456789",
    "KB5034441 failed to install",
    "port 8080 is blocked",
    "since 09:30 nothing works",
    "since 8:15 this morning",
    "Outlook 2016 keeps crashing",
    "meeting on 2026-11-23",
    "since 23/11/2026",
    "01.02.2026 10:30",
    "01-02-2026 1030",
    "ping 10.0.0.1 fails",
    "server 192.168.100.200 unreachable",
    "Office version 16.0.1234.5678",
    "build 22631.3007",
    "the invoice was £1,200.00",
    "order number 4111111111111112",
    "GB82 WEST 1234 5698 7654 33",
    "disk is 512 GB, 95% full",
    "Teams meeting ID 123 456 789",
    "correlation id 3f2a9c1e-7b4d-4e8f-9a6b-1c2d3e4f5a6b",
    "PasswordResetServiceHandlerFactory2024Builder",
    "C:\\Users\\Public\\Documents\\Report2024Final.docx",
    "",
]


@pytest.mark.parametrize(("text", "expected", "kinds"), MASKED)
def test_masks_sensitive_data(text: str, expected: str, kinds: tuple[str, ...]) -> None:
    assert mask_sensitive(text) == Masked(expected, kinds)


@pytest.mark.parametrize("text", UNCHANGED)
def test_leaves_ordinary_text_alone(text: str) -> None:
    assert mask_sensitive(text) == Masked(text, ())


@pytest.mark.parametrize(("text", "expected", "kinds"), MASKED)
def test_masking_is_idempotent(text: str, expected: str, kinds: tuple[str, ...]) -> None:
    assert mask_sensitive(expected) == Masked(expected, ())


def test_masking_joined_messages_is_idempotent() -> None:
    texts = [text for text, _, _ in MASKED] + UNCHANGED
    for first in texts:
        for second in texts:
            once = mask_sensitive(f"{first} {second}").text
            assert mask_sensitive(once).text == once, (first, second)


def test_keeps_the_users_own_email_whatever_its_case() -> None:
    text = "I'm Jane.Doe@Contoso.com, my manager is boss@contoso.com"
    masked = mask_sensitive(text, own_email="jane.doe@contoso.com")
    assert masked == Masked(f"I'm Jane.Doe@Contoso.com, my manager is {EMAIL}", ("email",))


def test_masks_every_email_without_an_own_email() -> None:
    assert mask_sensitive("jane.doe@contoso.com").text == EMAIL


def test_unicode_text_around_secrets_is_kept() -> None:
    text = "Grüße 👋 — mein Passwort ist Straße42! 日本語 e-mail: müller@beispiel.de"
    expected = f"Grüße 👋 — mein Passwort ist {PASSWORD} 日本語 e-mail: {EMAIL}"
    assert mask_sensitive(text) == Masked(expected, ("password", "email"))


def test_unicode_digits_in_a_code_are_masked() -> None:
    assert mask_sensitive("code is ٤٨٢٩١٣").text == f"code is {CODE}"


def test_multiline_text_keeps_its_lines() -> None:
    text = "line one\npin: 4821\nline three"
    assert mask_sensitive(text).text == f"line one\npin: {PIN}\nline three"


@pytest.mark.parametrize(
    "text",
    [
        "1" * 100_000,
        "1 " * 50_000,
        "+1" * 50_000,
        "0" * 100_000,
        "a@" * 50_000,
        "a." * 50_000,
        "a@" + "b." * 50_000,
        "password " * 11_000,
        "pw:" * 33_000,
        "password for a b c " * 5_000,
        "code is is is is is " * 5_000,
        "password: '" + "a" * 100_000,
        "eyJ" * 33_000,
        "aB3" * 33_000,
        "GB82 " + "ABCD " * 20_000,
        "4111 " * 20_000,
        "x+44 (0)20-" * 9_000,
    ],
    ids=lambda text: repr(text[:12]),
)
def test_adversarial_long_text_is_handled(text: str) -> None:
    # Exponential backtracking would hang here; linear patterns return in well under a second.
    masked = mask_sensitive(text)
    assert mask_sensitive(masked.text).text == masked.text


def test_a_long_message_is_masked_throughout() -> None:
    filler = "the printer on floor 3 jams again. " * 3_000
    text = f"{filler}pin is 4821 {filler}call 07700 900123"
    assert mask_sensitive(text).text == f"{filler}pin is {PIN} {filler}call {PHONE}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my password is Hunter2!", True),
        ("code is 482913", True),
        ("pin is 4821", True),
        ("here is my key AKIAIOSFODNN7EXAMPLE", True),
        ("I need to reset my password", False),
        ("call me on 07700 900123", False),
        ("card 4111 1111 1111 1111", False),
        ("", False),
    ],
)
def test_contains_credentials(text: str, expected: bool) -> None:
    assert contains_credentials(text) is expected


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("bot", logging.INFO, __file__, 1, msg, args or None, None)


def test_log_filter_masks_message_and_arguments() -> None:
    record = _record("user %s said %r", "alice", "my password is Hunter2!")
    assert MaskingLogFilter().filter(record) is True
    assert record.getMessage() == f"user alice said 'my password is {PASSWORD}'"


def test_log_filter_masks_what_a_handler_writes() -> None:
    lines: list[str] = []

    class ListHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = ListHandler()
    handler.addFilter(MaskingLogFilter())
    logger = logging.getLogger("tests.masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("card %s, mail %s", "4111 1111 1111 1111", "eve@example.com")
        try:
            raise ValueError("bad pin: 4821")
        except ValueError:
            logger.exception("failed for %s", "+44 20 7946 0958")
    finally:
        logger.removeHandler(handler)
    assert lines[0] == f"card {CARD}, mail {EMAIL}"
    assert lines[1].startswith(f"failed for {PHONE}\nTraceback")
    assert lines[1].endswith(f"ValueError: bad pin: {PIN}")


def test_log_filter_survives_arguments_that_do_not_fit() -> None:
    record = _record("two %s %s", "pw: abc123")
    assert MaskingLogFilter().filter(record) is True
    assert "abc123" not in record.getMessage()

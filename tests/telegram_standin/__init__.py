"""A loopback stand-in for the Telegram Bot API, checked against the official spec.

Start one (the `telegram_standin` fixture does), point python-telegram-bot at it with
`.base_url(standin.base_url).base_file_url(standin.base_file_url)`, act as users with
`standin.user_sends_text(...)` and read what the bot sent with `standin.wait_for_message(...)`.
"""

from .formatting import EntityParseError, visible_text
from .ptb import application_builder, polling
from .records import (
    AnsweredCallback,
    Call,
    SentMessage,
    StoredFile,
    UploadedFile,
    Violation,
    WebhookConfig,
)
from .spec import SPEC_DISPLAY_PATH, SPEC_PATH, BotApiSpec, SpecMissingError
from .standin import FAKE_TOKEN, StandInTimeoutError, TelegramStandIn
from .users import TINY_PNG

__all__ = [
    "FAKE_TOKEN",
    "SPEC_DISPLAY_PATH",
    "SPEC_PATH",
    "TINY_PNG",
    "AnsweredCallback",
    "BotApiSpec",
    "Call",
    "EntityParseError",
    "SentMessage",
    "SpecMissingError",
    "StandInTimeoutError",
    "StoredFile",
    "TelegramStandIn",
    "UploadedFile",
    "Violation",
    "WebhookConfig",
    "application_builder",
    "polling",
    "visible_text",
]

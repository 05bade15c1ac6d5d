"""`triage run`: the Telegram bot, by long polling or behind a webhook."""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import urlparse

import typer
from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot.cli.common import app_from_settings, errors, fail, settings
from bot.doors.telegram.application import TelegramOptions, build_application, check_token
from bot.storage.telegram_updates import SqlUpdateLog

REJECTED = "Telegram rejected TRIAGE_TELEGRAM_TOKEN (Unauthorized): check it with @BotFather"
NO_TOKEN = (
    "TRIAGE_TELEGRAM_TOKEN is not set: create a bot with @BotFather in Telegram and put its "
    "token in the environment or in .env (see the README)"
)


def run(
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook",
            help="The public HTTPS URL Telegram posts updates to (default: long polling).",
        ),
    ] = None,
) -> None:
    """Run the desk as a Telegram bot."""
    current = settings()
    if current.telegram_token is None:
        raise fail(NO_TOKEN)
    if webhook is not None:
        if urlparse(webhook).scheme not in ("https", "http") or not urlparse(webhook).netloc:
            raise fail(f"--webhook {webhook!r} is not a URL such as https://desk.example.com/tg")
        if current.webhook_secret is None:
            raise fail(
                "--webhook needs TRIAGE_WEBHOOK_SECRET, so posts not from Telegram are refused"
            )
    options = TelegramOptions(
        token=current.telegram_token.get_secret_value(),
        base_url=current.telegram_base_url,
        max_send_rate=current.telegram_max_send_rate,
        webhook=webhook is not None,
    )
    where = current.telegram_base_url or "api.telegram.org"
    try:
        username = asyncio.run(check_token(options))
    except InvalidToken:
        raise fail(REJECTED) from None
    except NetworkError as error:
        raise fail(f"could not reach the Telegram Bot API at {where}: {error}") from None
    desk_app = app_from_settings()
    application = build_application(desk_app, SqlUpdateLog(desk_app.sessions), options)
    errors.print(f"triage: running as @{username}; Ctrl-C stops", markup=False, highlight=False)
    try:
        if webhook is None:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
        else:
            assert current.webhook_secret is not None
            application.run_webhook(
                listen=current.webhook_listen,
                port=current.webhook_port,
                url_path=urlparse(webhook).path.lstrip("/"),
                webhook_url=webhook,
                secret_token=current.webhook_secret.get_secret_value(),
                allowed_updates=Update.ALL_TYPES,
            )
    except InvalidToken:
        raise fail(
            "Telegram rejected TRIAGE_TELEGRAM_TOKEN (Unauthorized): check it with @BotFather"
        ) from None
    except NetworkError as error:
        where = current.telegram_base_url or "api.telegram.org"
        raise fail(f"could not reach the Telegram Bot API at {where}: {error}") from None
    finally:
        desk_app.engine.dispose()

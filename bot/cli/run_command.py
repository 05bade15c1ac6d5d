"""`triage run`: the Telegram bot, by long polling or behind a webhook."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlparse

import typer

from bot.cli.common import desk_app, errors, fail, load_settings, wiring
from bot.errors import AlreadyPolling

if TYPE_CHECKING:  # Telegram's door is imported by `triage run` only, not by every command
    from bot.doors.telegram.application import TelegramOptions
    from bot.settings import Settings

log = logging.getLogger(__name__)
REJECTED = "Telegram rejected TRIAGE_TELEGRAM_TOKEN (Unauthorized): check it with @BotFather"
NO_TOKEN = (
    "TRIAGE_TELEGRAM_TOKEN is not set: create a bot with @BotFather in Telegram and put its "
    "token in the environment or in .env (see the README)"
)


def telegram_options(settings: Settings) -> TelegramOptions:
    """The Telegram door's options from settings; exits with one line if there is no token."""
    from bot.doors.telegram.application import TelegramOptions

    if settings.telegram_token is None:
        raise fail(NO_TOKEN)
    return TelegramOptions(
        token=settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_base_url,
        max_send_rate=settings.telegram_max_send_rate,
        delivery_interval=settings.telegram_delivery_interval,
        service_level_interval=settings.telegram_service_level_interval,
        concurrent_updates=settings.telegram_concurrent_updates,
    )


def _check_webhook(settings: Settings, webhook: str) -> None:
    if urlparse(webhook).scheme not in ("https", "http") or not urlparse(webhook).netloc:
        raise fail(f"--webhook {webhook!r} is not a URL such as https://desk.example.com/tg")
    if settings.webhook_secret is None:
        raise fail("--webhook needs TRIAGE_WEBHOOK_SECRET, so posts not from Telegram are refused")


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
    import asyncio

    from telegram.error import InvalidToken, NetworkError

    from bot.doors.telegram.application import build_bot, check_token
    from bot.doors.telegram.receiving import WebhookEndpoint
    from bot.doors.telegram.watching import TelegramWatch
    from bot.ops.metrics import OpsMetrics
    from bot.ops.wiring import ops_server
    from bot.storage.poller_lock import polling_lock
    from bot.storage.telegram_updates import SqlUpdateLog

    current = load_settings()
    options = telegram_options(current)
    if webhook is not None:
        _check_webhook(current, webhook)
    unreachable = (
        f"could not reach the Telegram Bot API at {options.base_url or 'api.telegram.org'}"
    )
    try:
        username = asyncio.run(check_token(options))
    except InvalidToken:
        raise fail(REJECTED) from None
    except NetworkError as error:
        raise fail(f"{unreachable}: {error}") from None
    with wiring(current) as wired, contextlib.ExitStack() as polling:
        if webhook is None:
            try:
                polling.enter_context(polling_lock(wired.engine, options.token.split(":")[0]))
            except AlreadyPolling as refused:
                raise fail(str(refused)) from None
        metrics = OpsMetrics()
        wired.observe_triage(metrics.timed)
        app = desk_app(wired)
        bot = build_bot(app, SqlUpdateLog(wired.sessions), options, TelegramWatch(metrics))
        ops = ops_server(current, metrics, app, wired.triage())
        endpoint = None
        if webhook is not None:
            assert current.webhook_secret is not None
            secret = current.webhook_secret.get_secret_value()
            listening = (current.webhook_listen, current.webhook_port)
            endpoint = WebhookEndpoint(webhook, secret, *listening)
        started = f"running as @{username}; Ctrl-C stops"
        if current.log_format == "json":
            log.info(started)  # stderr holds JSON lines only
        else:
            errors.print(f"triage: {started}", markup=False, highlight=False)
        try:
            bot.run(endpoint, ops, stop_within=current.stop_timeout)
        except InvalidToken:
            raise fail(REJECTED) from None
        except NetworkError as error:
            raise fail(f"{unreachable}: {error}") from None

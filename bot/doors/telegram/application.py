"""Building and running the Telegram bot: handlers, command menus, the outbox courier, timers."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.bootstrap import App
from bot.core.clock import utc_now
from bot.doors.telegram.buttons import ButtonSigner
from bot.doors.telegram.handlers import TelegramDoor, UpdateLog
from bot.doors.telegram.inbox import (
    ConfirmingBot,
    InboxKeeper,
    InboxProcessor,
    KeepingQueue,
    take_up_stranded,
)
from bot.doors.telegram.sending import ChatSender, OutboxCourier

log = logging.getLogger(__name__)
TELEGRAM_API = "https://api.telegram.org/bot"
SEND_CONNECTIONS = 256  # python-telegram-bot's own default for an Application's bot
KEEP_UPDATES_FOR = timedelta(days=2)  # records of handled updates, against redelivery
AnyApplication = Application[Any, Any, Any, Any, Any, Any]

USER_COMMANDS = [
    BotCommand("start", "Start: say hello"),
    BotCommand("help", "What I can do"),
    BotCommand("status", "Where your request stands"),
    BotCommand("cancel", "Close the current conversation or request"),
]
AGENT_COMMANDS = [
    BotCommand("queue", "Cases waiting to be claimed"),
    BotCommand("next", "Take the most urgent case for your skills"),
    BotCommand("mine", "The cases you hold"),
    BotCommand("claim", "Take a case: /claim T-1042"),
    BotCommand("switch", "Make a case current: /switch T-1042"),
    BotCommand("view", "A case's card: /view T-1042"),
    BotCommand("note", "Internal note on the current case"),
    BotCommand("transfer", "To a colleague or a skill: /transfer network"),
    BotCommand("release", "Put the current case back in the queue"),
    BotCommand("resolve", "Resolve: /resolve what fixed it"),
    BotCommand("ask", "Ask a supervisor for help"),
    BotCommand("shift", "/shift on or /shift off"),
    BotCommand("mystats", "Your own figures beside the team's"),
    BotCommand("help", "All commands"),
]


@dataclass(frozen=True)
class TelegramOptions:
    """How to reach Telegram and how fast to talk to it."""

    token: str
    base_url: str | None = None
    max_send_rate: float = 30.0  # messages per second overall; 0: no limit (test servers)
    delivery_interval: float = 1.0
    service_level_interval: float = 60.0
    concurrent_updates: int = 32  # updates handled at once (mostly waiting on Telegram)
    core_workers: int = 2  # of those, how many run core work (storage, model) at once
    stranded_after: float = 60.0  # seconds before an unprocessed update is taken up again
    stranded_check_interval: float = 30.0
    inbox_sweep_interval: float = 1.0  # processed updates leave the inbox together
    confirm_grace: float = 0.025  # seconds an update may take before it is kept in the inbox
    webhook: bool = False  # updates arrive by webhook: each 200 waits until it is safe


def file_url(base_url: str) -> str:
    """The file download base that goes with a Bot API base URL (…/bot → …/file/bot)."""
    stem = base_url.rstrip("/")
    return stem[: -len("/bot")] + "/file/bot" if stem.endswith("/bot") else stem + "/file/bot"


async def check_token(options: TelegramOptions) -> str:
    """The bot's username, or InvalidToken / NetworkError, asked before anything starts."""
    base_url = options.base_url or TELEGRAM_API
    bot = Bot(options.token, base_url=base_url, base_file_url=file_url(base_url))
    async with bot:
        return bot.username


def build_application(app: App, updates: UpdateLog, options: TelegramOptions) -> AnyApplication:
    """A python-telegram-bot Application wired to the desk."""
    keeper = InboxKeeper(updates, grace=options.confirm_grace)
    base_url = options.base_url or TELEGRAM_API
    limiter = (
        AIORateLimiter(overall_max_rate=options.max_send_rate, max_retries=3)
        if options.max_send_rate > 0
        else None
    )
    bot = ConfirmingBot(
        keeper,
        options.token,
        base_url=base_url,
        base_file_url=file_url(base_url),
        request=HTTPXRequest(connection_pool_size=SEND_CONNECTIONS),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
        rate_limiter=limiter,
    )
    builder: Any = (
        Application.builder()
        .bot(bot)
        .update_queue(KeepingQueue(keeper, confirm_each=options.webhook))
        .concurrent_updates(InboxProcessor(options.concurrent_updates, keeper))
    )
    signer = ButtonSigner(options.token)
    door = TelegramDoor(
        app.desk,
        app.team.desk,
        app.team.notices,
        signer,
        updates,
        lambda bot: ChatSender(bot, signer),
        app.team.stats,
        answered=keeper.answered,
        core_workers=options.core_workers,
    )
    application: AnyApplication = builder.build()
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, door.on_message))
    application.add_handler(CallbackQueryHandler(door.on_button))
    application.add_error_handler(door.on_error)
    _schedule(application, app, signer, updates, keeper, options)
    return application


def _schedule(
    application: AnyApplication,
    app: App,
    signer: ButtonSigner,
    updates: UpdateLog,
    keeper: InboxKeeper,
    options: TelegramOptions,
) -> None:
    jobs = application.job_queue
    if jobs is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")

    async def deliver(context: ContextTypes.DEFAULT_TYPE) -> None:
        await OutboxCourier(app.team.notices, ChatSender(context.bot, signer)).deliver_due()

    async def check_service_levels(context: ContextTypes.DEFAULT_TYPE) -> None:
        report = await asyncio.to_thread(app.team.service_levels.run)
        log.info("service-level check: %s", report)

    async def forget_old_updates(context: ContextTypes.DEFAULT_TYPE) -> None:
        # Telegram gives up on an unconfirmed update after 24 hours: older records can go.
        forgotten = await asyncio.to_thread(updates.forget_before, utc_now() - KEEP_UPDATES_FOR)
        log.info("forgot %s handled updates older than %s", forgotten, KEEP_UPDATES_FOR)

    async def sweep_inbox(context: ContextTypes.DEFAULT_TYPE) -> None:
        await keeper.sweep()

    async def take_up(context: ContextTypes.DEFAULT_TYPE) -> None:
        stranded = timedelta(seconds=options.stranded_after)
        await take_up_stranded(updates, keeper, application.update_queue, context.bot, stranded)

    jobs.run_once(_announce_commands(app), when=0, name="command menus")
    jobs.run_repeating(sweep_inbox, interval=options.inbox_sweep_interval, first=1, name="inbox")
    jobs.run_repeating(
        take_up, interval=options.stranded_check_interval, first=0.2, name="stranded updates"
    )
    jobs.run_repeating(forget_old_updates, interval=3600, first=60, name="forget updates")
    jobs.run_repeating(deliver, interval=options.delivery_interval, first=0.1, name="outbox")
    jobs.run_repeating(
        check_service_levels, interval=options.service_level_interval, first=1, name="sla"
    )


def _announce_commands(app: App) -> Any:
    async def announce(context: ContextTypes.DEFAULT_TYPE) -> None:
        bot = context.bot
        await bot.set_my_commands(USER_COMMANDS)
        everyone = await asyncio.to_thread(app.team.roster.everyone)
        for agent, _load in everyone:
            if agent.telegram_id is None:
                continue
            try:
                await bot.set_my_commands(
                    AGENT_COMMANDS, scope=BotCommandScopeChat(int(agent.telegram_id))
                )
            except TelegramError as error:  # they haven't opened a chat with the bot yet
                log.info("no command menu for %s yet: %s", agent.name, error)

    return announce

"""Building and running the Telegram bot: handlers, command menus, the outbox courier, timers."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
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

from bot.bootstrap import App
from bot.doors.desk_commands import command_menu
from bot.doors.telegram.buttons import ButtonSigner
from bot.doors.telegram.draining import (
    HARD_STOP_GRACE,
    HardStop,
    accepting,
    bounded_stop,
    serving_ops,
)
from bot.doors.telegram.handlers import TelegramDoor
from bot.doors.telegram.receiving import Polling, WebhookEndpoint, WebhookServer
from bot.doors.telegram.sending import ChatSender, OutboxCourier
from bot.doors.telegram.updates import KeeperProcessor, UpdateKeeper, UpdateStore
from bot.doors.telegram.watching import TelegramWatch
from bot.ops.server import OpsServer

log = logging.getLogger(__name__)
TELEGRAM_API = "https://api.telegram.org/bot"
SEND_CONNECTIONS = 256  # python-telegram-bot's own default for an Application's bot
AnyApplication = Application[Any, Any, Any, Any, Any, Any]

USER_COMMANDS = [
    BotCommand("start", "Start: say hello"),
    BotCommand("help", "What I can do"),
    BotCommand("status", "Where your request stands"),
    BotCommand("cancel", "Close the current conversation or request"),
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
    stranded_after: float = 15.0  # seconds an update in hand goes unstamped before another
    stranded_check_interval: float = 5.0  # process takes it up (stamped every sweep)
    inbox_sweep_interval: float = 1.0  # processed updates leave the inbox together
    confirm_grace: float = 0.025  # seconds an update may take before it is kept in the inbox


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


@dataclass(frozen=True)
class TelegramBot:
    """The desk's bot: python-telegram-bot's Application, and the keeper of its updates."""

    application: AnyApplication
    keeper: UpdateKeeper
    watch: TelegramWatch = field(default_factory=TelegramWatch)

    @asynccontextmanager
    async def running(
        self, webhook: WebhookEndpoint | None = None, poll_timeout: int = 10
    ) -> AsyncIterator[asyncio.Future[None]]:
        """Handle updates for the block, by webhook or else by polling; what it yields ends
        only if receiving cannot go on (leaving the block raises why)."""
        application = self.application
        queue = application.update_queue
        receiver = (
            WebhookServer(application.bot, self.keeper, queue, webhook)
            if webhook is not None
            else Polling(application.bot, self.keeper, queue, poll_timeout)
        )
        async with application:
            await application.start()
            try:
                ended = await receiver.start()
                try:
                    yield ended
                finally:
                    await receiver.stop()
            finally:
                await application.stop()

    def run(
        self,
        webhook: WebhookEndpoint | None = None,
        ops: OpsServer | None = None,
        stop_within: float = 10.0,
    ) -> None:
        """Run until SIGINT or SIGTERM, serving ``ops`` beside; an error that stops receiving
        is raised. A signal drains: no new updates, the ones in hand finished, then out,
        within ``stop_within`` seconds (see ``draining.py``)."""
        watchdog = HardStop(stop_within + HARD_STOP_GRACE)
        try:
            asyncio.run(self._until_signalled(webhook, ops, stop_within, watchdog))
        finally:
            watchdog.cancel()

    async def _until_signalled(
        self,
        webhook: WebhookEndpoint | None,
        ops: OpsServer | None,
        stop_within: float,
        watchdog: HardStop,
    ) -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stopping.set)
        bot_api = self.watch.bot_api_check(self.application.bot)
        async with (
            serving_ops(ops, bot_api=bot_api, accepting=accepting(stopping)),
            bounded_stop(stop_within, watchdog) as stack,
        ):
            ended = await stack.enter_async_context(self.running(webhook))
            signalled = asyncio.create_task(_until(stopping))
            await asyncio.wait([ended, signalled], return_when=asyncio.FIRST_COMPLETED)
            signalled.cancel()


async def _until(event: asyncio.Event) -> None:
    await event.wait()


def build_bot(
    app: App, updates: UpdateStore, options: TelegramOptions, watch: TelegramWatch | None = None
) -> TelegramBot:
    """The desk's Telegram bot, wired: handlers, command menus, the outbox courier, timers;
    watched for the operations kit by ``watch`` (a fresh one by default)."""
    watch = watch or TelegramWatch()
    keeper = UpdateKeeper(updates, grace=options.confirm_grace)
    base_url = options.base_url or TELEGRAM_API
    builder: Any = (
        Application.builder()
        .token(options.token)
        .base_url(base_url)
        .base_file_url(file_url(base_url))
        .request(watch.request(SEND_CONNECTIONS))
        .get_updates_request(watch.request(1))
        .update_queue(watch.queue)
        .updater(None)  # updates come in through receiving.py
        .concurrent_updates(KeeperProcessor(options.concurrent_updates, keeper))
    )
    if options.max_send_rate > 0:
        builder = builder.rate_limiter(
            AIORateLimiter(overall_max_rate=options.max_send_rate, max_retries=3)
        )
    signer = ButtonSigner(options.token)
    door = TelegramDoor(
        app.desk,
        app.team.desk,
        app.team.notices,
        signer,
        lambda bot: ChatSender(bot, signer),
        app.team.stats,
        handled=keeper.handled,
    )
    application: AnyApplication = builder.build()
    private = filters.ChatType.PRIVATE
    new_message = private & filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL
    application.add_handler(MessageHandler(new_message, door.on_message))
    application.add_handler(
        MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, door.on_edited)
    )
    application.add_handler(CallbackQueryHandler(door.on_button))
    application.add_error_handler(door.on_error)
    watch.track(application)
    _schedule(application, app, signer, keeper, options)
    return TelegramBot(application, keeper, watch)


def _schedule(
    application: AnyApplication,
    app: App,
    signer: ButtonSigner,
    keeper: UpdateKeeper,
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
        await keeper.forget_old()

    async def sweep_inbox(context: ContextTypes.DEFAULT_TYPE) -> None:
        await keeper.sweep()

    async def take_up(context: ContextTypes.DEFAULT_TYPE) -> None:
        stranded = timedelta(seconds=options.stranded_after)
        await keeper.take_up_stranded(application.update_queue, context.bot, stranded)

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
                menu = [BotCommand(*entry) for entry in command_menu(agent.is_supervisor)]
                await bot.set_my_commands(menu, scope=BotCommandScopeChat(int(agent.telegram_id)))
            except TelegramError as error:  # they haven't opened a chat with the bot yet
                log.info("no command menu for %s yet: %s", agent.name, error)

    return announce

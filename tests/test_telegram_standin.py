"""The Bot API stand-in, driven by the real python-telegram-bot over loopback."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.telegram_standin import (
    TINY_PNG,
    BotApiSpec,
    SpecMissingError,
    TelegramStandIn,
    application_builder,
    polling,
    visible_text,
)
from tests.telegram_standin.chaos import RandomFaults

USER = 4201
Context = ContextTypes.DEFAULT_TYPE


async def echo(update: Update, context: Context) -> None:
    """The bare echo bot: every text comes back as it was."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(update.effective_message.text or "")


@pytest.mark.asyncio
async def test_echo_bot_answers_a_users_text(telegram_standin: TelegramStandIn) -> None:
    app = application_builder(telegram_standin).build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with polling(app):
        telegram_standin.user_sends_text(USER, "my printer is on fire")
        reply = await telegram_standin.wait_for_message(USER)
    assert reply.text == "my printer is on fire"
    assert reply.kind == "text"
    assert [c.method for c in telegram_standin.calls][:2] == ["getMe", "deleteWebhook"]


@pytest.mark.asyncio
async def test_a_button_press_reaches_the_callback_handler(
    telegram_standin: TelegramStandIn,
) -> None:
    async def start(update: Update, context: Context) -> None:
        assert update.effective_message is not None
        keyboard = [[InlineKeyboardButton("Solved", callback_data="solved:T-1")]]
        await update.effective_message.reply_text(
            "<b>Did that help?</b>",
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup(keyboard),
        )

    async def pressed(update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Glad to hear it")
        await query.edit_message_text(f"You chose {query.data}")

    app = application_builder(telegram_standin).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with polling(app):
        telegram_standin.user_sends_text(USER, "/start")
        question = await telegram_standin.wait_for_message(USER)
        assert (question.text, question.parse_mode) == ("Did that help?", "HTML")
        assert question.button_texts == ["Solved"]
        telegram_standin.user_presses(USER, question, "Solved")
        await telegram_standin.wait_for(
            lambda: telegram_standin.message(USER, question.message_id).edit_count == 1
        )
    [answer] = telegram_standin.answered_callbacks
    assert (answer.text, answer.data, answer.user_id) == ("Glad to hear it", "solved:T-1", USER)
    edited = telegram_standin.message(USER, question.message_id)
    assert edited.text == "You chose solved:T-1"
    assert edited.reply_markup is None


@pytest.mark.asyncio
async def test_photos_and_documents_round_trip(telegram_standin: TelegramStandIn) -> None:
    async def got_photo(update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None
        picture = await message.photo[-1].get_file()
        data = bytes(await picture.download_as_bytearray())
        await message.reply_photo(data, caption=f"{len(data)} bytes")
        await message.reply_document(data, filename="screenshot.png")

    app = application_builder(telegram_standin).build()
    app.add_handler(MessageHandler(filters.PHOTO, got_photo))
    async with polling(app):
        telegram_standin.user_sends_photo(USER, TINY_PNG, caption="my screen")
        photo = await telegram_standin.wait_for_message(USER)
        document = await telegram_standin.wait_for_message(USER)
    assert (photo.kind, photo.text) == ("photo", f"{len(TINY_PNG)} bytes")
    assert (document.kind, document.file_name) == ("document", "screenshot.png")
    assert photo.file_id is not None and document.file_id is not None
    assert telegram_standin.file_bytes(photo.file_id) == TINY_PNG
    assert telegram_standin.file_bytes(document.file_id) == TINY_PNG
    upload = telegram_standin.calls_of("sendDocument")[0]
    assert upload.content_type == "multipart/form-data"
    assert upload.files["document"].filename == "screenshot.png"
    assert telegram_standin.calls_of("getFile")[0].params["file_id"]


@pytest.mark.asyncio
async def test_an_offset_confirms_updates_so_none_arrives_twice(
    telegram_standin: TelegramStandIn,
) -> None:
    seen: list[int] = []

    async def count(update: Update, context: Context) -> None:
        seen.append(update.update_id)
        await echo(update, context)

    app = application_builder(telegram_standin).build()
    app.add_handler(MessageHandler(filters.TEXT, count))
    async with polling(app):
        for n in range(3):
            telegram_standin.user_sends_text(USER, f"message {n}")
        for _ in range(3):
            await telegram_standin.wait_for_message(USER)
        telegram_standin.user_sends_text(USER, "one more")
        await telegram_standin.wait_for_message(USER, lambda m: m.text == "one more")
        await telegram_standin.wait_for(lambda: telegram_standin.pending_update_count == 0)
    assert len(seen) == 4 and len(set(seen)) == 4
    assert [m.text for m in telegram_standin.messages_to(USER)] == [
        "message 0",
        "message 1",
        "message 2",
        "one more",
    ]


@pytest.mark.asyncio
async def test_get_updates_honours_offset_and_timeout(telegram_standin: TelegramStandIn) -> None:
    url = telegram_standin.method_url("getUpdates")
    async with aiohttp.ClientSession() as http:
        telegram_standin.user_sends_text(USER, "first")
        first = await (await http.post(url, json={"timeout": 0})).json()
        again = await (await http.post(url, json={"timeout": 0})).json()
        assert first["result"] == again["result"] != []
        confirmed = first["result"][-1]["update_id"] + 1
        waiting = asyncio.create_task(http.post(url, json={"offset": confirmed, "timeout": 2}))
        await telegram_standin.wait_for(lambda: telegram_standin.state.poll_generation == 3)
        telegram_standin.user_sends_text(USER, "second")
        later = await (await waiting).json()
    assert [u["message"]["text"] for u in later["result"]] == ["second"]
    assert telegram_standin.pending_update_count == 1


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_an_injected_429_is_seen_as_retry_after(telegram_standin: TelegramStandIn) -> None:
    telegram_standin.add_user(USER)
    telegram_standin.fail_next("sendMessage", status=429, retry_after=1)
    app = application_builder(telegram_standin).build()
    async with app:
        with pytest.raises(RetryAfter) as raised:
            await app.bot.send_message(USER, "hello")
        await app.bot.send_message(USER, "hello again")
    assert "Retry in 1 seconds" in str(raised.value)
    assert [m.text for m in telegram_standin.messages_to(USER)] == ["hello again"]
    assert [c.status for c in telegram_standin.calls_of("sendMessage")] == [429, 200]


@pytest.mark.parametrize(
    ("status", "error"),
    [(403, Forbidden), (500, NetworkError), (502, NetworkError), (400, BadRequest)],
)
@pytest.mark.asyncio
async def test_injected_errors_reach_the_library(
    telegram_standin: TelegramStandIn, status: int, error: type[Exception]
) -> None:
    telegram_standin.add_user(USER)
    telegram_standin.fail_next("sendMessage", status=status, chat_id=USER)
    async with application_builder(telegram_standin).build() as app:
        with pytest.raises(error):
            await app.bot.send_message(USER, "hello")
    assert telegram_standin.messages_to(USER) == []


@pytest.mark.asyncio
async def test_a_blocked_user_and_a_late_answer(telegram_standin: TelegramStandIn) -> None:
    telegram_standin.add_user(USER)
    async with application_builder(telegram_standin).build() as app:
        telegram_standin.block_bot(USER)
        with pytest.raises(Forbidden, match="blocked by the user"):
            await app.bot.send_message(USER, "are you there?")
        telegram_standin.unblock_bot(USER)
        telegram_standin.delay_next("sendMessage", 0.3)
        with pytest.raises(TimedOut):
            await app.bot.send_message(USER, "slow", read_timeout=0.05)
    # Telegram delivered it even though the answer came too late for the bot.
    assert [m.text for m in telegram_standin.messages_to(USER)] == ["slow"]


@pytest.mark.asyncio
async def test_a_wrong_token_is_unauthorized(telegram_standin: TelegramStandIn) -> None:
    url = telegram_standin.method_url("getMe", token="999:WRONG-token")
    async with aiohttp.ClientSession() as http, http.post(url) as response:
        body = await response.json()
    assert (response.status, body) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    wrong = application_builder(telegram_standin).token("999:WRONG-token").build()
    with pytest.raises(InvalidToken):
        await wrong.initialize()


@pytest.mark.asyncio
async def test_calls_that_break_the_spec_are_violations(telegram_standin: TelegramStandIn) -> None:
    telegram_standin.add_user(USER)
    url = telegram_standin.method_url("sendMessage")
    async with aiohttp.ClientSession() as http:
        extra = await http.post(url, json={"chat_id": USER, "text": "hi", "colour": "red"})
        missing = await http.post(url, data={"chat_id": str(USER)})
        unknown = await http.post(telegram_standin.method_url("sendTelepathy"), json={})
    assert (extra.status, missing.status, unknown.status) == (200, 400, 404)
    problems = [str(v) for v in telegram_standin.take_violations()]
    assert problems == [
        "[call] sendMessage: unknown parameter 'colour'",
        "[call] sendMessage: required parameter 'text' is missing",
        "[call] unknown method 'sendTelepathy'",
    ]


@pytest.mark.asyncio
async def test_returned_objects_are_checked_against_the_spec(
    telegram_api_spec: BotApiSpec,
) -> None:
    message = {"message_id": 1, "chat": {"id": 1}, "from": {"id": 2, "is_bot": False}}
    problems = telegram_api_spec.check_object("Message", message)
    assert "Message: Message lacks required field 'date'" in problems
    assert "Message.chat: Chat lacks required field 'type'" in problems
    assert "Message.from: User lacks required field 'first_name'" in problems


@asynccontextmanager
async def webhook_receiver(path: str) -> AsyncIterator[tuple[str, asyncio.Queue[Any]]]:
    """An aiohttp server on loopback that queues every (secret header, update) it receives."""
    received: asyncio.Queue[Any] = asyncio.Queue()

    async def receive(request: web.Request) -> web.Response:
        header = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await received.put((header, await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post(path, receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}{path}", received
    finally:
        await runner.cleanup()


@pytest.mark.asyncio
async def test_webhook_mode_delivers_with_the_secret(telegram_standin: TelegramStandIn) -> None:
    async with (
        webhook_receiver("/hook") as (url, received),
        application_builder(telegram_standin).build() as app,
    ):
        await app.bot.set_webhook(url, secret_token="s3cret-token")
        telegram_standin.user_sends_text(USER, "hello hook")
        header, update = await asyncio.wait_for(received.get(), 3)
        with pytest.raises(Conflict):
            await app.bot.get_updates(timeout=0)
        info = await app.bot.get_webhook_info()
        await app.bot.delete_webhook()
    assert header == "s3cret-token"
    assert update["message"]["text"] == "hello hook"
    assert (info.url, info.pending_update_count) == (url, 0)


@pytest.mark.asyncio
async def test_the_librarys_own_webhook_server(telegram_standin: TelegramStandIn) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = application_builder(telegram_standin).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="tg",
            webhook_url=f"http://127.0.0.1:{port}/tg",
            secret_token="another-secret",
        )
        telegram_standin.user_sends_text(USER, "through the webhook")
        reply = await telegram_standin.wait_for_message(USER)
        await app.updater.stop()
        await app.stop()
    assert reply.text == "through the webhook"
    assert telegram_standin.webhook is not None
    assert telegram_standin.webhook.secret_token == "another-secret"


@pytest.mark.asyncio
async def test_commands_menu_and_chat_actions(telegram_standin: TelegramStandIn) -> None:
    telegram_standin.add_user(USER)
    async with application_builder(telegram_standin).build() as app:
        await app.bot.set_my_commands([("help", "What I can do"), ("cancel", "Start over")])
        menu = await app.bot.get_my_commands()
        await app.bot.send_chat_action(USER, "typing")
        assert telegram_standin.commands() == [("help", "What I can do"), ("cancel", "Start over")]
        await app.bot.delete_my_commands()
    assert [(c.command, c.description) for c in menu] == [
        ("help", "What I can do"),
        ("cancel", "Start over"),
    ]
    assert telegram_standin.commands() == []
    assert telegram_standin.chat_actions == [(USER, "typing")]


@pytest.mark.asyncio
async def test_telegram_limits_are_enforced(telegram_standin: TelegramStandIn) -> None:
    telegram_standin.add_user(USER)
    async with application_builder(telegram_standin).build() as app:
        with pytest.raises(BadRequest, match="too long"):
            await app.bot.send_message(USER, "x" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await app.bot.send_message(USER, "1. <unclosed", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="reserved"):
            await app.bot.send_message(USER, "Done.", parse_mode=ParseMode.MARKDOWN_V2)
        too_big = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="x" * 65)]])
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await app.bot.send_message(USER, "pick", reply_markup=too_big)
        with pytest.raises(BadRequest, match="Chat not found"):
            await app.bot.send_message(USER + 1, "who?")
    assert telegram_standin.messages_to(USER) == []


@pytest.mark.asyncio
async def test_users_send_stickers_voice_locations_and_replies(
    telegram_standin: TelegramStandIn,
) -> None:
    kinds: list[str] = []

    async def describe(update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None
        kind = next(k for k in ("sticker", "voice", "location", "text") if getattr(message, k))
        replied = message.reply_to_message.message_id if message.reply_to_message else None
        kinds.append(kind)
        await message.reply_text(f"{kind} {replied}")

    app = application_builder(telegram_standin).build()
    app.add_handler(MessageHandler(filters.ALL, describe))
    async with polling(app):
        telegram_standin.user_sends_sticker(USER)
        first = await telegram_standin.wait_for_message(USER)
        telegram_standin.user_sends_voice(USER)
        telegram_standin.user_sends_location(USER, 52.37, 4.89)
        telegram_standin.user_sends_text(USER, "about that", reply_to=first.message_id)
        for _ in range(3):
            await telegram_standin.wait_for_message(USER)
    assert [m.text for m in telegram_standin.messages_to(USER)] == [
        "sticker None",
        "voice None",
        "location None",
        f"text {first.message_id}",
    ]


def test_parse_modes_show_what_the_user_sees() -> None:
    assert visible_text("<b>T-1</b> &lt;new&gt;", "HTML") == "T-1 <new>"
    assert visible_text(r"*Step 1\.* run `ipconfig`", "MarkdownV2") == "Step 1. run ipconfig"
    assert visible_text("[docs](http://x.test/a_b)", "MarkdownV2") == "docs"


def test_a_missing_spec_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(SpecMissingError, match=r"^\.\./shared/data/telegram-bot-api/api\.json is"):
        BotApiSpec.load(tmp_path / "api.json")


def test_a_threaded_stand_in_serves_plain_http_clients(
    telegram_standin_thread: TelegramStandIn,
) -> None:
    standin = telegram_standin_thread

    def call(method: str, **params: object) -> dict[str, Any]:
        body = json.dumps(params).encode()
        request = urllib.request.Request(
            standin.method_url(method), body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return dict(json.load(response))

    standin.user_sends_text(USER, "/status")
    [update] = call("getUpdates", timeout=1)["result"]
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 7}]
    call("sendMessage", chat_id=USER, text="No open tickets.")
    assert standin.wait_for_message_sync(USER).text == "No open tickets."


def test_random_faults_hit_their_share_of_sends_and_only_502_on_polls() -> None:
    faults = RandomFaults(rate=0.2, seed=5, read_timeout=5.0)
    sends = [faults.draw("sendMessage") for _ in range(2000)]
    polls = [faults.draw("getUpdates") for _ in range(500)]
    hit = [f for f in sends if f is not None]
    assert 0.17 < len(hit) / len(sends) < 0.23
    assert {f.kind for f in hit} == {"429", "500", "502", "slow", "timeout"}
    assert all(f.delay > 5.0 for f in hit if f.kind == "timeout")
    assert all(f.retry_after for f in hit if f.kind == "429")
    assert {f.kind for f in polls if f is not None} == {"502 getUpdates"}
    assert [faults.draw("getMe") for _ in range(100)] == [None] * 100


@pytest.mark.asyncio
async def test_random_faults_answer_calls_until_turned_off(
    telegram_standin: TelegramStandIn,
) -> None:
    telegram_standin.add_user(USER)
    faults = telegram_standin.random_faults(1.0, seed=3)
    async with application_builder(telegram_standin).build() as app:
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await app.bot.get_updates(timeout=0)
        telegram_standin.random_faults(0)
        await app.bot.send_message(USER, "calm again")
    assert faults.drawn == {"502 getUpdates": 1}
    assert [m.text for m in telegram_standin.messages_to(USER)] == ["calm again"]


@pytest.mark.asyncio
async def test_webhook_posts_in_parallel_but_each_chat_in_order(
    telegram_standin: TelegramStandIn,
) -> None:
    in_flight: list[int] = []
    most_at_once = 0
    arrived: dict[int, list[str]] = {}

    async def slow_receiver(request: web.Request) -> web.Response:
        nonlocal most_at_once
        message = (await request.json())["message"]
        chat = message["chat"]["id"]
        assert chat not in in_flight, "two updates of one chat posted at once"
        in_flight.append(chat)
        most_at_once = max(most_at_once, len(in_flight))
        await asyncio.sleep(0.1)
        arrived.setdefault(chat, []).append(message["text"])
        in_flight.remove(chat)
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", slow_receiver)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        async with application_builder(telegram_standin).build() as bot_app:
            await bot_app.bot.set_webhook(url)
            telegram_standin.deliver_webhooks_in_parallel(4)
            for number in range(3):
                for user in (USER, USER + 1, USER + 2):
                    telegram_standin.user_sends_text(user, f"message {number}")
            await telegram_standin.wait_for(lambda: sum(map(len, arrived.values())) == 9)
    finally:
        await runner.cleanup()
    assert most_at_once == 3
    assert all(texts == ["message 0", "message 1", "message 2"] for texts in arrived.values())

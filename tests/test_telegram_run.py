"""`triage run` as an operator starts it: polling, a webhook, and a token Telegram refuses."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from bot.core.notices import LEASE
from tests.conftest import TRIAGE_COMMAND
from tests.telegram_standin import SentMessage, TelegramStandIn

T = TypeVar("T")
ALICE = 4301
VPN = "how do I connect to the VPN from home"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def triage_run(standin: TelegramStandIn, *args: str, **env: str) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [*TRIAGE_COMMAND, "run", *args],
        env={
            **os.environ,
            "TRIAGE_TELEGRAM_TOKEN": standin.token,
            "TRIAGE_TELEGRAM_BASE_URL": standin.base_url,
            "TRIAGE_TELEGRAM_MAX_SEND_RATE": "0",
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _vpn_answer(message: SentMessage) -> bool:
    return "VPN" in (message.text or "")


def test_polling_answers_a_user_from_the_shipped_knowledge_base(
    telegram_standin_thread: TelegramStandIn,
) -> None:
    with triage_run(telegram_standin_thread) as process:
        telegram_standin_thread.user_sends_text(ALICE, VPN)
        answer = telegram_standin_thread.wait_for_message_sync(ALICE, _vpn_answer, timeout=60)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert "\n1. " in (answer.text or "") and answer.button_texts[0] == "Yes, solved"
    assert [c.method for c in telegram_standin_thread.calls_of("getUpdates")]


def test_a_webhook_receives_updates_with_the_secret_checked(
    telegram_standin_thread: TelegramStandIn,
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    env = {"TRIAGE_WEBHOOK_PORT": str(port), "TRIAGE_WEBHOOK_SECRET": "not-a-real-secret-42"}
    with triage_run(telegram_standin_thread, "--webhook", url, **env):
        webhook_set = _wait_until(lambda: telegram_standin_thread.webhook)
        telegram_standin_thread.user_sends_text(ALICE, VPN)
        answer = telegram_standin_thread.wait_for_message_sync(ALICE, _vpn_answer, timeout=60)
    assert webhook_set is not None
    assert (webhook_set.url, webhook_set.secret_token) == (url, "not-a-real-secret-42")
    assert "VPN" in (answer.text or "")
    assert telegram_standin_thread.calls_of("getUpdates") == []


def test_a_bot_killed_while_telegram_answers_its_reply_never_sends_that_reply_again(
    telegram_standin_thread: TelegramStandIn,
) -> None:
    standin = telegram_standin_thread
    standin.delay_next("sendMessage", 30)  # Alice sees the answer; the bot waits for the reply
    with triage_run(standin) as first:
        standin.user_sends_text(ALICE, VPN)
        assert _wait_until(lambda: [m for m in standin.messages_to(ALICE) if _vpn_answer(m)])
        first.kill()  # kill -9 while the Bot API call is held
        first.wait(timeout=30)
    killed = time.monotonic()
    with triage_run(standin):
        standin.user_sends_text(ALICE, "the printer on floor 3 is jammed again")
        assert _wait_until(lambda: len(standin.messages_to(ALICE)) >= 2)
        # past the dead process's hold on the answer, when whoever runs takes it up
        time.sleep(max(0.0, killed + LEASE.total_seconds() + 5 - time.monotonic()))
    said = [m.text or "" for m in standin.messages_to(ALICE)]
    assert sum("VPN" in text for text in said) == 1, said
    assert len(said) == 2, said


def test_a_rejected_token_gets_one_clear_line(telegram_standin_thread: TelegramStandIn) -> None:
    result = subprocess.run(
        [*TRIAGE_COMMAND, "run"],
        env={
            **os.environ,
            "TRIAGE_TELEGRAM_TOKEN": "999999:not-the-right-token",
            "TRIAGE_TELEGRAM_BASE_URL": telegram_standin_thread.base_url,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "triage: Telegram rejected TRIAGE_TELEGRAM_TOKEN (Unauthorized): check it with @BotFather"
    )


def _wait_until(probe: Callable[[], T | None], seconds: float = 60.0) -> T | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)
    return None

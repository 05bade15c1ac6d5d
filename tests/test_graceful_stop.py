"""`triage run` as a service manager runs it: probed, scraped, then stopped with SIGTERM.

One subprocess against the Bot API stand-in: /healthz, /readyz and /metrics answer on
TRIAGE_OPS_PORT; the log is JSON lines, the token and a user's password masked; and SIGTERM
while an answer is still on its way to Telegram (held longer than TRIAGE_STOP_TIMEOUT) ends
the process with status 0 within the bound.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from tests.telegram_standin import SentMessage, TelegramStandIn
from tests.test_telegram_run import _free_port, _wait_until, triage_run

ALICE = 4601
VPN = "how do I connect to the VPN from home"
PASSWORD = "my password is Hunter2-Blue!"
STOP_TIMEOUT = 1.0
SLACK = 3.0  # seconds for the interpreter to exit after the bound


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()
    except OSError:
        return 0, ""


def handled(page: str) -> float:
    for family in text_string_to_metric_families(page):
        for sample in family.samples:
            if sample.name == "triage_updates_handled_total" and sample.labels == {"outcome": "ok"}:
                return sample.value
    return 0.0


def _vpn_answer(message: SentMessage) -> bool:
    return "VPN" in (message.text or "")


def test_sigterm_while_an_answer_is_in_flight_exits_0_within_the_bound(
    telegram_standin_thread: TelegramStandIn,
) -> None:
    standin, port = telegram_standin_thread, _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "TRIAGE_OPS_PORT": str(port),
        "TRIAGE_STOP_TIMEOUT": str(STOP_TIMEOUT),
        "TRIAGE_LOG_FORMAT": "json",
        "TRIAGE_LOG_LEVEL": "INFO",
    }
    with triage_run(standin, **env) as process:
        assert _wait_until(lambda: fetch(f"{base}/healthz")[0] == 200)
        standin.user_sends_text(ALICE, f"{VPN}? {PASSWORD}")
        standin.wait_for_message_sync(ALICE, _vpn_answer, timeout=60)
        status, body = fetch(f"{base}/readyz")
        assert status == 200, body
        assert set(json.loads(body)["checks"]) == {"database", "model", "bot_api", "accepting"}
        assert _wait_until(lambda: handled(fetch(f"{base}/metrics")[1]) >= 1)

        answers = len(standin.messages_to(ALICE))
        standin.delay_next("sendMessage", seconds=30)  # the next answer hangs at Telegram
        standin.user_sends_text(ALICE, "it still does not connect")
        assert _wait_until(lambda: len(standin.messages_to(ALICE)) > answers)
        process.send_signal(signal.SIGTERM)
        asked_to_stop = time.monotonic()
        process.wait(timeout=STOP_TIMEOUT + SLACK + 10)
        took = time.monotonic() - asked_to_stop
        _, stderr = process.communicate()
    assert process.returncode == 0, stderr
    assert took < STOP_TIMEOUT + SLACK, took
    logged = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert any(line["message"].startswith("running as @") for line in logged)
    assert any("update_id" in line for line in logged)
    assert any("TRIAGE_STOP_TIMEOUT" in line["message"] for line in logged)
    assert standin.token not in stderr and "Hunter2-Blue!" not in stderr

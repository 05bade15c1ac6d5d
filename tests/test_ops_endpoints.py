"""The operations endpoints of `triage run`: /healthz, /readyz and /metrics, in process.

The real python-telegram-bot against the loopback stand-in, watched as `triage run` watches
it; the endpoints served on a loopback port the system chooses, asked over HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from bot.bootstrap import App
from bot.doors.telegram.application import TelegramOptions, build_bot
from bot.doors.telegram.watching import TelegramWatch
from bot.ops.metrics import OpsMetrics
from bot.ops.readiness import Check, database_check, model_check
from bot.ops.server import OpsPortUnavailable, OpsServer
from bot.storage.load_queries import SqlDeskLoadReader
from bot.storage.telegram_updates import SqlUpdateLog
from tests.conftest import AppFactory
from tests.fakes import FakeTriage, escalating
from tests.telegram_standin import TelegramStandIn, polling
from tests.test_telegram_door import register, said_to

ALICE, DANA = 4501, 9501
OUTAGE = "the whole 2nd floor has no network since the power cut"
VPN = "how do I connect to the VPN from home"


@asynccontextmanager
async def serving(ops: OpsServer) -> AsyncIterator[str]:
    """The endpoints on a free loopback port, for the block; yields their base URL."""
    await ops.start()
    try:
        yield f"http://127.0.0.1:{ops.port}"
    finally:
        await ops.stop()


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def ready(base: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.get(f"{base}/readyz") as response:
        return response.status, await response.json()


def samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page, by name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def sends(watch: TelegramWatch, outcome: str) -> float:
    counted = watch.metrics.registry.get_sample_value(
        "triage_telegram_sends_total", {"outcome": outcome}
    )
    return counted or 0.0


def handled(watch: TelegramWatch) -> float:
    counted = watch.metrics.registry.get_sample_value(
        "triage_updates_handled_total", {"outcome": "ok"}
    )
    return counted or 0.0


def value(found: Mapping[Any, float], name: str, **labels: str) -> float:
    return found[(name, tuple(sorted(labels.items())))]


@asynccontextmanager
async def watched_bot(
    app: App, standin: TelegramStandIn, watch: TelegramWatch
) -> AsyncIterator[Any]:
    options = TelegramOptions(
        token=standin.token, base_url=standin.base_url, max_send_rate=0, delivery_interval=0.1
    )
    bot = build_bot(app, SqlUpdateLog(app.sessions), options, watch)
    async with polling(bot):
        yield bot


def desk_server(app: App, metrics: OpsMetrics, **checks: Check) -> OpsServer:
    metrics.read_desk_load(SqlDeskLoadReader(app.sessions))
    every = {"database": database_check(app.engine), "model": model_check(FakeTriage()), **checks}
    return OpsServer(metrics, every, "127.0.0.1", 0)


@pytest.mark.asyncio
async def test_healthz_answers_while_the_process_runs(make_app: AppFactory) -> None:
    async with serving(desk_server(make_app(), OpsMetrics())) as base:
        assert await get(f"{base}/healthz") == (200, '{"status": "alive"}')


@pytest.mark.asyncio
async def test_readyz_lists_each_check_and_is_ready_with_the_bot_api_answering(
    make_app: AppFactory, telegram_standin: TelegramStandIn
) -> None:
    app, watch = make_app(), TelegramWatch()
    async with watched_bot(app, telegram_standin, watch) as bot:
        bot_api = watch.bot_api_check(bot.application.bot, within=0)  # always asks getMe
        async with serving(desk_server(app, watch.metrics, bot_api=bot_api)) as base:
            status, body = await ready(base)
    assert status == 200
    assert body == {
        "ready": True,
        "checks": {
            "database": {"ok": True, "detail": "reachable"},
            "model": {"ok": True, "detail": "no model needed by this triage"},
            "bot_api": {"ok": True, "detail": "answered getMe"},
        },
    }


@pytest.mark.asyncio
async def test_readyz_fails_when_the_database_is_unreachable(
    make_app: AppFactory, tmp_path: Any
) -> None:
    gone = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'triage.db'}")
    checks = {"database": database_check(gone)}
    try:
        async with serving(OpsServer(OpsMetrics(), checks, "127.0.0.1", 0)) as base:
            status, body = await ready(base)
    finally:
        gone.dispose()
    assert status == 503 and body["ready"] is False
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["detail"].startswith("unreachable: unable to open database")


@pytest.mark.asyncio
async def test_readyz_fails_when_the_bot_api_is_down(
    make_app: AppFactory, telegram_standin: TelegramStandIn
) -> None:
    app, watch = make_app(), TelegramWatch()
    async with watched_bot(app, telegram_standin, watch) as bot:
        bot_api = watch.bot_api_check(bot.application.bot)
        async with serving(desk_server(app, watch.metrics, bot_api=bot_api)) as base:
            assert (await ready(base))[0] == 200  # polling answered lately: no getMe needed
            watch.contact.last_answer = None  # nothing heard from the Bot API for a while
            telegram_standin.fail_next("getMe", status=502)
            status, body = await ready(base)
    assert status == 503
    assert body["checks"]["bot_api"] == {"ok": False, "detail": "unreachable: Bad Gateway"}
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.asyncio
async def test_readyz_fails_when_the_model_cannot_be_loaded(tmp_path: Any) -> None:
    from classifier.registry import ModelRegistry
    from classifier.triage import ModelTriage

    empty = ModelTriage(ModelRegistry(tmp_path / "no-models"))
    async with serving(OpsServer(OpsMetrics(), {"model": model_check(empty)}, "127.0.0.1", 0)) as b:
        status, body = await ready(b)
    assert status == 503 and body["checks"]["model"]["ok"] is False


@pytest.mark.asyncio
async def test_metrics_move_as_a_message_is_handled_and_a_case_is_queued(
    make_app: AppFactory, telegram_standin: TelegramStandIn
) -> None:
    watch = TelegramWatch()
    triage = watch.metrics.timed(FakeTriage({OUTAGE: escalating("network", "P1")}))
    app = make_app(triage=triage)
    register(app, telegram_standin, "dana", DANA, skills=("network",))
    async with (
        watched_bot(app, telegram_standin, watch),
        serving(desk_server(app, watch.metrics)) as base,
    ):
        before = samples((await get(f"{base}/metrics"))[1])
        telegram_standin.user_sends_text(ALICE, OUTAGE)
        await said_to(telegram_standin, ALICE, "Your reference is T-1001")
        await said_to(telegram_standin, DANA, "New case waiting")
        await telegram_standin.wait_for(lambda: handled(watch) or None)  # the update's turn ends
        status, page = await get(f"{base}/metrics")
    after = samples(page)
    assert status == 200
    assert value(before, "triage_updates_received_total") == 0
    assert value(after, "triage_updates_received_total") == 1
    assert value(after, "triage_updates_handled_total", outcome="ok") == 1
    assert value(after, "triage_telegram_sends_total", outcome="ok") >= 2
    assert value(after, "triage_telegram_sends_total", outcome="timed_out") == 0
    assert value(after, "triage_triage_seconds_count") == 1
    assert value(after, "triage_answer_seconds_count") == 1
    assert value(before, "triage_queue_depth", priority="P1") == 0
    assert value(after, "triage_queue_depth", priority="P1") == 1
    assert value(after, "triage_queue_oldest_wait_seconds", priority="P1") >= 0
    assert value(after, "triage_handoffs_total", priority="P1") == 1
    assert value(after, "triage_handoffs_total", priority="P2") == 0
    assert value(after, "triage_homeworkers_on_shift") == 1
    assert value(after, "triage_sla_breaches_total", target="claim") == 0
    assert value(after, "triage_desk_load_up") == 1
    assert "triage_outbox_backlog" in {name for name, _ in after}


@pytest.mark.asyncio
async def test_sends_are_counted_by_outcome(
    make_app: AppFactory, telegram_standin: TelegramStandIn
) -> None:
    watch = TelegramWatch()
    app = make_app()
    async with watched_bot(app, telegram_standin, watch):
        telegram_standin.fail_next("sendMessage", status=403, chat_id=ALICE)
        telegram_standin.user_sends_text(ALICE, "/start")
        await telegram_standin.wait_for(lambda: sends(watch, "failed") or None)
        telegram_standin.fail_next("sendMessage", status=502, chat_id=ALICE)
        telegram_standin.user_sends_text(ALICE, VPN)
        await said_to(telegram_standin, ALICE, "VPN")
    found = samples(watch.metrics.render().decode())
    assert value(found, "triage_telegram_sends_total", outcome="failed") == 1
    assert value(found, "triage_telegram_sends_total", outcome="retried") == 1


@pytest.mark.asyncio
async def test_metrics_answer_when_the_database_does_not(tmp_path: Any) -> None:
    metrics = OpsMetrics()

    class Unreachable:
        def load_at(self, now: object) -> Any:
            raise OSError("connection refused")

    metrics.read_desk_load(Unreachable())
    found = samples(metrics.render().decode())
    assert value(found, "triage_desk_load_up") == 0
    assert ("triage_queue_depth", (("priority", "P1"),)) not in found


@pytest.mark.asyncio
async def test_a_port_in_use_is_refused_with_one_line() -> None:
    first = OpsServer(OpsMetrics(), {}, "127.0.0.1", 0)
    async with serving(first):
        taken = first.port
        second = OpsServer(OpsMetrics(), {}, "127.0.0.1", taken)
        with pytest.raises(OpsPortUnavailable) as refused:
            await second.start()
    assert str(refused.value) == (
        f"cannot serve TRIAGE_OPS_PORT {taken} on TRIAGE_OPS_HOST 127.0.0.1: Address already "
        "in use (choose another port, or 0 to turn it off)"
    )

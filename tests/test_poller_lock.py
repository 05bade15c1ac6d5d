"""One poller per bot and database (issue 13, point 6): a second refuses to start."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from bot.cli.app import app as cli
from bot.errors import AlreadyPolling
from bot.storage.database import make_engine
from bot.storage.poller_lock import REFUSED, polling_lock
from tests.telegram_standin import TelegramStandIn


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = make_engine(database_url)
    yield made
    made.dispose()


@pytest.mark.parametrize("storage", ["sqlite", "postgresql"])
def test_a_second_poller_of_the_same_bot_is_refused_until_the_first_stops(
    engine: Engine, database_url: str
) -> None:
    other_process = make_engine(database_url)
    try:
        with polling_lock(engine, "123"):
            with pytest.raises(AlreadyPolling), polling_lock(other_process, "123"):
                pass
            with polling_lock(other_process, "456"):  # another bot on the same database
                pass
        with polling_lock(other_process, "123"):  # the first stopped: free again
            pass
    finally:
        other_process.dispose()


@pytest.mark.parametrize("storage", ["sqlite"])
def test_triage_run_says_so_in_one_line_when_another_polls(
    engine: Engine, database_url: str, telegram_standin_thread: TelegramStandIn
) -> None:
    env = {
        "TRIAGE_DATABASE_URL": database_url,
        "TRIAGE_TELEGRAM_TOKEN": telegram_standin_thread.token,
        "TRIAGE_TELEGRAM_BASE_URL": telegram_standin_thread.base_url,
    }
    with polling_lock(engine, telegram_standin_thread.token.split(":")[0]):
        result = CliRunner().invoke(cli, ["run"], env=env)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"triage: {REFUSED}"]

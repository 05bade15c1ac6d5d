"""The soak harness, short: the real `triage run` polling the Bot API stand-in while eight
users and two homeworkers talk through it, with injected faults and one kill -9 and restart.
The full run is `python -m tests.soak.run` (see the README's "Soak test")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.soak.run import report
from tests.soak.scenario import Options, Result, run_soak
from tests.telegram_standin import BotApiSpec, SpecMissingError

SHORT = Options(
    mode="polling",
    users=8,
    messages=80,
    faults=0.15,
    kills=1,
    seconds=5,
    settle=20,
    wait_seconds=8,
    rounds=1,
    quiet=5,
    seed=7,
)


@pytest.fixture(scope="module")
def short_soak(trained_models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Result:
    """One short soak for every test here (it takes some tens of seconds)."""
    try:
        BotApiSpec.load()
    except SpecMissingError as missing:
        pytest.skip(str(missing))
    folder = tmp_path_factory.mktemp("soak")
    result = run_soak(
        Options(**{**SHORT.__dict__, "folder": folder, "models_dir": trained_models_dir})
    )
    print(report(result))
    return result


def test_the_short_soak_carries_enough_traffic(short_soak: Result) -> None:
    assert short_soak.messages >= 80
    assert short_soak.kills == 1 and short_soak.starts == 2
    assert sum(short_soak.faults.values()) > 0


def test_no_message_reaches_a_chat_it_does_not_belong_to(short_soak: Result) -> None:
    assert short_soak.total("misdelivered") == 0, report(short_soak)


def test_no_message_is_lost_under_faults_and_a_kill(short_soak: Result) -> None:
    assert short_soak.total("lost") == 0, report(short_soak)


def test_no_message_arrives_twice_under_faults_and_a_kill(short_soak: Result) -> None:
    assert short_soak.total("duplicated") == 0, report(short_soak)

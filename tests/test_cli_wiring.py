"""Every `triage` command reads the settings once and asks the one bootstrap for its parts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import bot.settings
from bot.bootstrap import Wiring
from bot.cli import common
from bot.cli.app import app

NEEDS_THE_DATABASE = [
    ("chat", "--user", "alice"),
    ("desk", "--agent", "nobody"),
    ("agents", "list"),
    ("agents", "remove", "nobody"),
    ("sla", "check"),
    ("db", "upgrade"),
    ("report", "--format", "json"),
    ("evaluate", "--drift"),
    ("train", "--from-tickets"),
    ("kb", "gaps"),
    ("kb", "draft", "T-1001"),
]
NEEDS_NO_DATABASE = [
    ("classify", "my screen is cracked"),
    ("models", "list"),
    ("models", "show"),
    ("models", "rollback"),
    ("evaluate", "--data", "missing.csv"),
]
NEEDS_NO_WIRING = [
    ("kb", "validate"),
    ("kb", "search", "vpn"),
    ("run",),
]


class Counted:
    """How often the settings were read and the bootstrap built, and which parts it built."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.settings_loads = 0
        self.wirings: list[Wiring] = []
        read = bot.settings.load_settings

        def load_settings() -> bot.settings.Settings:
            self.settings_loads += 1
            return read()

        def wiring(settings: bot.settings.Settings, **parts: object) -> Wiring:
            built = Wiring(settings, **parts)  # type: ignore[arg-type]
            self.wirings.append(built)
            return built

        monkeypatch.setattr(bot.settings, "load_settings", load_settings)
        monkeypatch.setattr(common, "Wiring", wiring)

    def opened_database(self) -> bool:
        return any("engine" in vars(wired) for wired in self.wirings)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Counted:
    monkeypatch.setenv("TRIAGE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return Counted(monkeypatch)


def _invoke(*args: str) -> int:
    return CliRunner().invoke(app, list(args), input="hello\n").exit_code


@pytest.mark.parametrize("args", NEEDS_THE_DATABASE, ids=" ".join)
def test_a_command_on_the_database_reads_settings_once_through_one_wiring(
    counted: Counted, args: tuple[str, ...]
) -> None:
    _invoke(*args)
    assert counted.settings_loads == 1
    assert len(counted.wirings) == 1
    assert counted.opened_database()


@pytest.mark.parametrize("args", NEEDS_NO_DATABASE, ids=" ".join)
def test_a_model_command_reads_settings_once_and_opens_no_database(
    counted: Counted, args: tuple[str, ...]
) -> None:
    _invoke(*args)
    assert counted.settings_loads == 1
    assert len(counted.wirings) == 1
    assert not counted.opened_database()


@pytest.mark.parametrize("args", NEEDS_NO_WIRING, ids=" ".join)
def test_a_command_on_files_or_telegram_alone_reads_settings_once(
    counted: Counted, args: tuple[str, ...]
) -> None:
    _invoke(*args)  # `run` stops here: no token is set
    assert counted.settings_loads == 1
    assert counted.wirings == []


def test_the_classify_command_loads_the_model_and_nothing_else(counted: Counted) -> None:
    assert _invoke("classify", "the printer on floor 2 is jammed") == 0
    [wired] = counted.wirings
    assert {"registry"} <= set(vars(wired)) and not {"engine", "knowledge", "team"} & set(
        vars(wired)
    )

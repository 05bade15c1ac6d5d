"""Every `triage` command, given missing, malformed or wrong arguments, answers in one line.

The commands are read from typer's command tree, so a new command fails
`test_every_command_has_its_bad_arguments` until its rows are added to BAD_ARGUMENTS.
Each row runs in-process, as the `triage` console script does, on a fresh SQLite file
and an empty models folder: exit status 2, one line on stderr, nothing on stdout, and
never a traceback.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from bot.bootstrap import Wiring
from bot.cli.app import app
from bot.core.tickets import Agent, Role
from bot.settings import Settings
from knowledge_base import ARTICLES_DIR
from tests.cli_in_process import triage
from tests.conftest import ALICE, FIXTURE_ARTICLES
from tests.fakes import FakeTriage

# Each row runs on a database where dana is registered and alice has talked to the desk.
# Placeholders, filled in per test: {empty} an empty folder, {file} a plain file,
# {articles} the live knowledge base, {csv} a CSV with other columns than the command asks.
BAD_ARGUMENTS: dict[str, list[tuple[str, ...]]] = {
    "chat": [("--user",)],
    "desk": [(), ("--agent",), ("--agent", "nobody")],
    "run": [(), ("--webhook",)],
    "train": [
        ("--data", "/no/such.csv"),
        ("--data", "{empty}"),
        ("--data", "{csv}"),
        ("--features", "words"),
    ],
    "evaluate": [
        (),
        ("--since", "2026-11-01"),
        ("--drift", "--since", "last week"),
        ("--data", "/no/such.csv"),
        ("--data", "{csv}", "--model", "nope"),
    ],
    "classify": [(), ("   ",)],
    "report": [
        ("--since", "yesterday"),
        ("--until", "2026-13-01"),
        ("--since", "2026-12-01", "--until", "2026-11-01"),
        ("--format", "xml"),
        ("--charts", "{file}"),
    ],
    "db upgrade": [("now",)],
    "kb validate": [("--dir", "/no/such/folder"), ("--dir", "{empty}"), ("--dir", "{file}")],
    "kb search": [
        (),
        ("   ",),
        ("vpn", "--limit", "0"),
        ("vpn", "--limit", "many"),
        ("vpn", "--dir", "/no/such/folder"),
        ("vpn", "--dir", "{empty}"),
    ],
    "kb gaps": [("--since", "soon"), ("--min-size", "0")],
    "kb draft": [
        (),
        ("hello",),
        ("T-9999",),
        ("T-9999", "--out", "{articles}"),
        ("T-9999", "--out", "{articles}/network"),
        ("T-9999", "--out", "{file}"),
    ],
    "models list": [("all",)],
    "models show": [("nope",), ("../..",)],
    "models activate": [(), ("nope",)],
    "models rollback": [(), ("nope",)],
    "agents add": [
        (),
        ("   ",),
        ("erin", "--capacity", "lots"),
        ("erin", "--capacity", "0"),
        ("erin", "--role", "boss"),
        ("erin", "--hours", "25:00-26:00"),
        ("erin", "--timezone", "Mars/Olympus"),
        ("erin", "--skills", "plumbing"),
        ("dana",),
    ],
    "agents update": [
        (),
        ("nobody", "--capacity", "4"),
        ("dana",),
        ("dana", "--hours", "x"),
        ("dana", "--capacity", "-1"),
        ("dana", "--role", "boss"),
    ],
    "agents remove": [(), ("nobody",)],
    "agents list": [("everyone",)],
    "sla check": [("now",)],
    "demo seed": [(), ("--days", "0"), ("--days", "many"), ("--seed", "x")],
}


def _command_paths(command: object, path: tuple[str, ...] = ()) -> Iterator[str]:
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        yield " ".join(path)
        return
    for name, subcommand in subcommands.items():
        yield from _command_paths(subcommand, (*path, name))


def _group_paths(command: object, path: tuple[str, ...] = ()) -> Iterator[str]:
    subcommands = getattr(command, "commands", None)
    if subcommands:
        if path:
            yield " ".join(path)
        for name, subcommand in subcommands.items():
            yield from _group_paths(subcommand, (*path, name))


TREE = typer.main.get_command(app)
COMMANDS = sorted(_command_paths(TREE))
CASES = [
    pytest.param(command, args, id=" ".join((command, *args)) or "(none)")
    for command, rows in BAD_ARGUMENTS.items()
    for args in rows
]
# For every command, whatever its table says: an option it does not have.
CASES += [
    pytest.param(command, ("--no-such-option",), id=f"{command} --no-such-option")
    for command in COMMANDS
]
CASES += [pytest.param(group, (), id=f"{group} (no command)") for group in _group_paths(TREE)]
CASES += [pytest.param("", ("bogus",), id="bogus")]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with one homeworker (dana) and one conversation, copied for each row."""
    path = tmp_path_factory.mktemp("db") / "triage.db"
    settings = Settings(
        database_url=f"sqlite:///{path}", kb_dir=FIXTURE_ARTICLES, models_dir=path.parent
    )
    with Wiring(settings, triage=FakeTriage()) as wired:
        wired.team.roster.add(Agent(id=0, name="dana", role=Role.HOMEWORKER, skills=()))
        wired.app().desk.handle(ALICE, "how do I connect to the VPN from home")
    return path


@pytest.fixture
def places(tmp_path: Path, migrated: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    database = tmp_path / "triage.db"
    shutil.copy(migrated, database)
    monkeypatch.setenv("TRIAGE_DATABASE_URL", f"sqlite:///{database}")
    (tmp_path / "no-models").mkdir()
    monkeypatch.setenv("TRIAGE_MODELS_DIR", str(tmp_path / "no-models"))
    (tmp_path / "empty").mkdir()
    (tmp_path / "plain.txt").write_text("not a folder\n", encoding="utf-8")
    (tmp_path / "other.csv").write_text("subject,body\nvpn,it fails\n", encoding="utf-8")
    return {
        "empty": str(tmp_path / "empty"),
        "file": str(tmp_path / "plain.txt"),
        "csv": str(tmp_path / "other.csv"),
        "articles": str(ARTICLES_DIR),
    }


def test_every_command_has_its_bad_arguments() -> None:
    assert sorted(BAD_ARGUMENTS) == COMMANDS


@pytest.mark.parametrize(("command", "args"), CASES)
def test_bad_arguments_get_one_line_and_status_2(
    places: dict[str, str], command: str, args: tuple[str, ...]
) -> None:
    words = [*command.split(), *(arg.format(**places) for arg in args)]
    outcome = triage(*words)
    shown = f"triage {' '.join(words)}\nstdout: {outcome.stdout}\nstderr: {outcome.stderr}"
    assert "Traceback" not in outcome.stdout + outcome.stderr, shown
    assert outcome.status == 2, shown
    assert outcome.stdout == "", shown
    [line] = outcome.stderr.splitlines()
    assert line.startswith("triage"), shown


def test_plain_triage_shows_what_it_can_do() -> None:
    outcome = triage()
    assert outcome.status == 0
    assert "kb" in outcome.stdout and "report" in outcome.stdout

"""Random and hostile text through both terminal doors and the core: no traceback, no escape."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.domain import Sender
from bot.core.ports import KnowledgeBase
from bot.core.tickets import Agent, Role
from bot.doors.desk_commands import COMMANDS, run_desk_command
from bot.doors.terminal_chat import run_scripted, terminal_sender
from bot.doors.terminal_desk import DeskSession
from bot.errors import Refused
from tests.desk_fixtures import OUTAGE, RANSOM, desk_triage
from tests.fakes import ManualClock
from tests.memory_app import MemoryApp, memory_app

HOSTILE = [
    "\x1b[2J\x1b[H",
    "\x1b]0;title\x07",
    "\x1b[1A\x1b[2K\r[news] please send me your password",
    "\x9b31m",
    "\x00",
    "\r",
    "\u202e",
    "\u2066",
    "\ud800",
    "\udfff",
    "\ufeff",
    "T-9223372036854776808",
    "T-1001",
    "T-²",
    "--category",
    "—not-needed",
    "talk to a person",
    "yes",
    "no",
    "not fixed",
    "/status",
    "/cancel",
    "5",
    "my password is Summer2024!",
    "x" * 5000,
    OUTAGE,
    RANSOM,
]
pieces = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
hostile_text = st.lists(pieces, max_size=4).map("".join)
command_names = st.sampled_from([c.name for c in COMMANDS] + ["help", "quit", "", "nonsense"])
desk_lines = st.builds(lambda name, rest: f"{name} {rest}", command_names, hostile_text)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _app(knowledge: KnowledgeBase) -> tuple[MemoryApp, Agent, Agent]:
    app = memory_app(knowledge, desk_triage(), ManualClock())
    dana = app.team.roster.add(Agent(id=0, name="dana", on_shift=True))
    sam = app.team.roster.add(Agent(id=0, name="sam", role=Role.SUPERVISOR, on_shift=True))
    return app, dana, sam


@pytest.fixture(scope="module")
def fuzzed(knowledge: KnowledgeBase) -> tuple[MemoryApp, Agent, Agent]:
    """One desk that every example adds to, so later examples meet earlier cases."""
    return _app(knowledge)


@FUZZ
@given(user=hostile_text, lines=st.lists(hostile_text, max_size=4))
def test_the_terminal_chat_survives_anything_and_prints_no_escape(
    fuzzed: tuple[MemoryApp, Agent, Agent], user: str, lines: list[str]
) -> None:
    app, _, _ = fuzzed
    sender = terminal_sender(user)
    out = io.StringIO()
    run_scripted(app.desk, user, lines, out, lambda: app.team.notices.collect_for_user(sender))
    assert "\x1b" not in out.getvalue() and "\x9b" not in out.getvalue()


@FUZZ
@given(lines=st.lists(desk_lines, max_size=5), supervisor=st.booleans())
def test_the_terminal_desk_survives_anything_and_prints_no_escape(
    fuzzed: tuple[MemoryApp, Agent, Agent], lines: list[str], supervisor: bool
) -> None:
    app, dana, sam = fuzzed
    agent = sam if supervisor else dana
    alice = Sender("test", "alice", "Alice\x1b[2J")
    app.desk.handle(alice, "my screen went \x1b[2Jblack")
    app.desk.handle(alice, "talk to a person")
    session = DeskSession(
        app.team.desk,
        app.team.desk.agent_named(agent.name),
        lambda: app.team.notices.collect_for_agent(agent.id),
        app.team.service_levels,
    )
    out = io.StringIO()
    session.run(lines, out)
    assert "\x1b" not in out.getvalue() and "\x9b" not in out.getvalue()


@FUZZ
@given(
    name=hostile_text,
    messages=st.lists(hostile_text, max_size=3),
    commands=st.lists(desk_lines, max_size=3),
)
def test_the_core_answers_anything_or_refuses_it(
    fuzzed: tuple[MemoryApp, Agent, Agent], name: str, messages: list[str], commands: list[str]
) -> None:
    app, dana, _ = fuzzed
    sender = Sender("test", name[:128], name)
    for message in messages:
        assert app.desk.handle(sender, message), "every message gets an answer"
    for line in commands:
        with contextlib.suppress(Refused):  # a refusal is an answer
            run_desk_command(app.team.desk, app.team.desk.agent_named("dana"), line)
    assert dana.id == app.team.desk.agent_named("dana").id

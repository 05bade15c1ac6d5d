"""Hostile input at the terminal doors and the desk: nothing drives a terminal, nothing crashes."""

from __future__ import annotations

import io
import os
import subprocess

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.core.domain import Reply, Sender
from bot.core.tickets import Agent, Notice, ticket_id_from_reference
from bot.doors.terminal_chat import render, run_scripted, terminal_sender
from bot.doors.terminal_desk import DeskSession
from bot.doors.terminal_io import STORAGE_TROUBLE, printable
from bot.errors import Refused
from bot.storage.schema import MessageRow, UserRow
from tests.conftest import TRIAGE_COMMAND
from tests.desk_fixtures import OUTAGE, Desk

pytestmark = pytest.mark.memory

CLEAR_AND_FORGE = "\x1b[2J\x1b[H\r[news] please send me your password"
HOSTILE = [
    # (what a person typed, what the other terminal shows)
    (CLEAR_AND_FORGE, "[news] please send me your password"),
    ("ok\x1b[1A\x1b[2Kdone", "okdone"),  # cursor up, erase the line above
    ("title\x1b]0;pwned\x07 here", "title here"),  # sets the window title
    ("link \x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "link click"),  # a hidden hyperlink
    ("bell\x07\x07 and back\x08\x08space", "bell and backspace"),
    ("c1 \x9b31m csi and \x85 next line", "c1  csi and  next line"),
    ("invoice_\u202egnp.exe", "invoice_gnp.exe"),  # right-to-left override
    ("\u2066isolated\u2069 \u200fmark", "isolated mark"),
    ("nul\x00 and del\x7f", "nul and del"),
    ("lone \ud800 surrogate", "lone \ufffd surrogate"),
    ("unfinished \x1b[", "unfinished "),
    ("lines\r\nand\ttabs stay\n", "lines\nand\ttabs stay\n"),
    ("Привет, 你好, مرحبا, café ✓", "Привет, 你好, مرحبا, café ✓"),
]


@pytest.mark.parametrize(("typed", "shown"), HOSTILE)
def test_what_a_person_typed_is_printed_inert(typed: str, shown: str) -> None:
    assert printable(typed) == shown
    assert render(Notice(f"Support team (T-1001): {typed}")) == f"Support team (T-1001): {shown}"


def test_a_users_escape_sequences_never_reach_the_homeworkers_terminal(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.user("my printer is broken" + CLEAR_AND_FORGE)
    desk.user("talk to a person")
    session = DeskSession(
        desk.app.team.desk, dana, lambda: desk.app.team.notices.collect_for_agent(dana.id)
    )
    out = io.StringIO()
    session.run(["claim T-1001", "view T-1001"], out)
    printed = out.getvalue()
    assert "\x1b" not in printed and "\r" not in printed
    assert "broken[news] please send me your password" in printed  # still on the user's line


def test_a_new_line_in_a_users_message_cannot_fake_the_desks_news(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.user("my printer is broken")
    desk.user("talk to a person")
    session = DeskSession(
        desk.app.team.desk, dana, lambda: desk.app.team.notices.collect_for_agent(dana.id)
    )
    session.run(["shift on", "claim T-1001"], io.StringIO())
    desk.user("it is\n[news] T-1001 was escalated: send your password to me")
    out = io.StringIO()
    session.run(["mine"], out)
    news_lines = [line for line in out.getvalue().splitlines() if line.startswith("[news]")]
    assert news_lines, "the desk's own news is still shown"
    assert not [line for line in news_lines if "send your password" in line]
    assert "send your password to me" in out.getvalue()  # shown, indented, as the user wrote


def test_the_teams_escape_sequences_never_reach_the_users_terminal(desk: Desk) -> None:
    dana = desk.add("dana", skills=("network",))
    desk.user(OUTAGE, terminal_sender("alice"))
    desk.app.team.desk.next_case(dana.id)
    desk.app.team.desk.reply(dana.id, "\x1b[2Jrestart \u202eplease")
    out = io.StringIO()
    run_scripted(
        desk.app.desk,
        "alice",
        ["ok"],
        out,
        lambda: desk.app.team.notices.collect_for_user(terminal_sender("alice")),
    )
    assert "Support team (T-1001): restart please" in out.getvalue()
    assert "\x1b" not in out.getvalue()


@pytest.mark.parametrize(
    "reference",
    ["T-9223372036854776808", "T-99999999999", "T-2147484648", "T-²", "T-١٢٣", "T-0", "T-"],
)
def test_a_reference_that_is_no_plausible_id_is_refused_in_one_line(
    desk: Desk, reference: str
) -> None:
    assert ticket_id_from_reference(reference) is None
    dana = desk.add("dana")
    session = DeskSession(desk.app.team.desk, dana, list)
    answer = session.execute(f"view {reference}")
    assert answer.startswith("Refused: ") and "\n" not in answer


def test_the_largest_id_a_database_holds_is_still_a_reference() -> None:
    assert ticket_id_from_reference(f"T-{2**31 - 1 + 1000}") == 2**31 - 1


def test_a_homeworkers_text_over_the_limit_is_refused_and_nuls_are_dropped(desk: Desk) -> None:
    dana = desk.add("dana", skills=("network",))
    desk.user(OUTAGE)
    desk.app.team.desk.next_case(dana.id)
    session = DeskSession(desk.app.team.desk, dana, list)
    for command in ("reply", "note", "resolve", "ask"):
        answer = session.execute(f"{command} {'x' * 1_000_000}")
        assert answer.startswith("Refused: The ") and "limit is 4,000" in answer, command
    assert not any("xxxx" in news for news in desk.news_for())
    assert session.execute("reply restart\x00 the router") == "Sent to the user on T-1001."
    assert desk.news_for() == ["Support team (T-1001): restart the router"]
    assert session.execute(f"reply {'y' * 4000}") == "Sent to the user on T-1001."


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({"display_name": "D" * 81}, "at most 80 characters"),
        ({"display_name": "Dana\x1b[2J"}, "no control characters"),
        ({"telegram_id": "1" * 33}, "not a Telegram user id"),
        ({"telegram_id": "١٢٣"}, "not a Telegram user id"),
        ({"name": "n" * 129}, "not a usable name"),
        ({"name": "da\x00na"}, "not a usable name"),
    ],
)
def test_the_register_refuses_what_no_database_column_holds(
    desk: Desk, fields: dict[str, str], refusal: str
) -> None:
    agent = Agent(id=0, **{"name": "dana", **fields})  # type: ignore[arg-type]
    with pytest.raises(Refused, match=refusal):
        desk.app.team.roster.add(agent)
    assert desk.app.team.roster.everyone() == []


def test_the_longest_allowed_values_are_stored(desk: Desk) -> None:
    added = desk.add("n" * 80, display_name="D" * 80, telegram_id="9" * 20)
    assert desk.agent("n" * 80) == added


def test_a_terminal_users_overlong_name_with_a_nul_is_cut_to_what_is_stored() -> None:
    sender = terminal_sender("a\x00" + "b" * 500)
    assert sender.external_id == "a" + "b" * 127 == sender.display_name


def _failing_desk(error: Exception) -> object:
    class Busy:
        def handle(self, sender: Sender, text: str) -> list[Reply]:
            if text == "busy":
                raise error
            return [Reply(f"got {text}")]

    return Busy()


def test_a_busy_database_costs_the_chat_one_line_not_the_rest() -> None:
    busy = OperationalError("INSERT", {}, Exception("database is locked"))
    out = io.StringIO()
    handled = run_scripted(_failing_desk(busy), "alice", ["one", "busy", "three"], out)  # type: ignore[arg-type]
    assert handled == 3
    assert out.getvalue() == f"got one\n\n{STORAGE_TROUBLE}\n\ngot three\n\n"


def test_a_busy_database_costs_the_desk_one_command_not_the_session(desk: Desk) -> None:
    dana = desk.add("dana")
    busy = OperationalError("UPDATE", {}, Exception("database is locked"))

    def locked() -> list[Notice]:
        raise busy

    session = DeskSession(desk.app.team.desk, dana, locked)
    out = io.StringIO()
    session.run(["shift on", "mine"], out)
    assert "You are on shift" in out.getvalue() or "shift" in out.getvalue()
    assert out.getvalue().count("\n\n") == 2


def _triage(*args: str, stdin: bytes, database: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*TRIAGE_COMMAND, *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ, "TRIAGE_DATABASE_URL": database},
    )


@pytest.mark.parametrize("storage", ["sqlite", "postgresql"])
def test_invalid_utf8_on_stdin_is_read_with_replacements_and_the_rest_goes_on(
    database_url: str,
) -> None:
    chat = _triage(
        "chat",
        "--user",
        "u" * 300,
        stdin=b"caf\xe9 \xff\xfe wifi\x00 down\ntalk to a person\n",
        database=database_url,
    )
    assert chat.returncode == 0, chat.stderr.decode()
    assert b"Traceback" not in chat.stderr
    assert b"T-1001" in chat.stdout  # the second line was read too
    desk = _triage("agents", "add", "dana", stdin=b"", database=database_url)
    assert desk.returncode == 0, desk.stderr.decode()
    desk = _triage(
        "desk",
        "--agent",
        "dana",
        stdin=b"view T-9223372036854776808\nshift on\nclaim T-1001\nreply caf\xe9\x00 ok\nmine\n",
        database=database_url,
    )
    assert desk.returncode == 0, desk.stderr.decode()
    assert b"Traceback" not in desk.stderr
    assert b"Sent to the user on T-1001." in desk.stdout
    engine = create_engine(database_url)
    with Session(engine) as session:
        names = list(session.scalars(select(UserRow.external_id)))
        texts = list(session.scalars(select(MessageRow.text).order_by(MessageRow.id)))
    engine.dispose()
    assert names == ["u" * 128]
    assert texts[0] == "caf\ufffd \ufffd\ufffd wifi down"
    assert "caf\ufffd ok" in texts

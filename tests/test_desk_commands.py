"""`triage agents` and `triage desk` as an admin and a homeworker script them from a shell."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.storage.schema import TicketEventRow, TicketRow

RANSOM = "there is a ransom note on my screen and all my files are encrypted\n"


def _ticket() -> tuple[TicketRow, list[str]]:
    engine = create_engine(os.environ["TRIAGE_DATABASE_URL"])
    with Session(engine) as session:
        ticket = session.scalars(select(TicketRow)).one()
        actions = list(session.scalars(select(TicketEventRow.action).order_by(TicketEventRow.id)))
    engine.dispose()
    return ticket, actions


def test_a_chat_and_a_desk_in_two_processes_take_a_case_to_its_rating(run_triage) -> None:  # type: ignore[no-untyped-def]
    assert run_triage("agents", "add", "dana", "--skills", "security,network").returncode == 0

    user = run_triage("chat", "--user", "alice", stdin=RANSOM)
    assert "Priority: P1" in user.stdout and "Your reference is T-1001" in user.stdout
    assert "unplug the network cable" in user.stdout  # the rule's advice while waiting

    homeworker = run_triage(
        "desk",
        "--agent",
        "dana",
        stdin="shift on\nqueue\nclaim T-1001\nreply Please leave the laptop switched on.\n",
    )
    assert homeworker.returncode == 0, homeworker.stderr
    assert "T-1001 · P1 · security · queued" in homeworker.stdout
    assert "Why second line: the message describes a ransomware note" in homeworker.stdout
    assert "Sent to the user on T-1001." in homeworker.stdout

    user = run_triage("chat", "--user", "alice", stdin="ok, it is on\n")
    assert "Support team (T-1001): Please leave the laptop switched on." in user.stdout
    assert "I've passed your message on to the person handling T-1001." in user.stdout

    homeworker = run_triage("desk", "--agent", "dana", stdin="resolve Restored from backup\n")
    assert "[news] T-1001 · alice: ok, it is on" in homeworker.stdout
    assert "T-1001 resolved." in homeworker.stdout

    user = run_triage("chat", "--user", "alice", stdin="5\n")
    assert "Your request T-1001 has been resolved: Restored from backup" in user.stdout
    assert "Thank you for rating the help 5/5" in user.stdout

    ticket, actions = _ticket()
    assert (ticket.status, ticket.rating) == ("closed", 5)
    assert actions == [
        "queued",
        "offered",
        "claimed",
        "replied",
        "user replied",
        "resolved",
        "rated",
    ]


def test_the_desk_refuses_clearly_and_changes_nothing(run_triage) -> None:  # type: ignore[no-untyped-def]
    run_triage("agents", "add", "erin")
    run_triage("chat", "--user", "bob", stdin="I want to talk to a person\n")
    lines = [
        "claim T-1001",
        "shift maybe",
        "shift on",
        "claim T-9",
        "claim",
        "queue everything",
        "resolve",
        "resolve --category",
        "ask",
        "fly away",
        "reply",
    ]
    result = run_triage("desk", "--agent", "erin", stdin="".join(f"{line}\n" for line in lines))
    assert result.returncode == 0
    resolve = "Usage: resolve [--category C] [--not-needed] [T-1042] NOTE"
    assert [line for line in result.stdout.splitlines() if line.startswith("Refused")] == [
        "Refused: You are off shift. Send `shift on` to start taking cases.",
        "Refused: 'maybe' is not on or off. Usage: shift on|off",
        "Refused: There is no ticket 'T-9'. References look like T-1042.",
        "Refused: `claim` needs a case reference. Usage: claim T-1042",
        "Refused: `queue` takes nothing after it. Usage: queue",
        f"Refused: `resolve` needs a note on what fixed it. {resolve}",
        f"Refused: --category needs a value. {resolve}",
        "Refused: `ask` needs the question. Usage: ask TEXT",
        "Refused: Unknown command 'fly'. Commands: queue, mine, next, claim, view, switch, "
        "reply, kb, note, transfer, release, resolve, ask, takeover, shift, mystats, "
        "incidents, link, incident, announce, help.",
        "Refused: `reply` needs the reply. Usage: reply [T-1042] TEXT",
    ]
    ticket, actions = _ticket()
    assert (ticket.status, actions) == ("queued", ["queued", "offered"])


def test_agents_are_added_listed_updated_and_removed(run_triage) -> None:  # type: ignore[no-untyped-def]
    added = run_triage(
        "agents",
        "add",
        "sam",
        "--role",
        "supervisor",
        "--telegram-id",
        "4242",
        "--hours",
        "08:00-16:00",
        "--timezone",
        "Europe/London",
    )
    assert added.returncode == 0, added.stderr
    assert run_triage("agents", "update", "sam", "--capacity", "5").returncode == 0
    listing = run_triage("agents", "list", env={"COLUMNS": "160"}).stdout
    assert "sam" in listing and "supervisor" in listing and "0/5" in listing and "4242" in listing
    assert run_triage("agents", "remove", "sam").returncode == 0
    assert "Nobody is registered yet" in run_triage("agents", "list").stdout


def test_bad_agent_input_gets_one_line_and_changes_nothing(run_triage) -> None:  # type: ignore[no-untyped-def]
    run_triage("agents", "add", "kim")
    cases = [
        (("agents", "add", "kim"), "kim is already registered"),
        (("agents", "add", "lee", "--skills", "plumbing"), "Unknown skill(s) plumbing"),
        (("agents", "add", "lee", "--capacity", "0"), "Capacity must be between 1 and 50"),
        (("agents", "add", "lee", "--telegram-id", "abc"), "is not a Telegram user id"),
        (("agents", "add", "lee", "--timezone", "Mars/Olympus"), "is not a time zone"),
        (("agents", "add", "lee", "--hours", "nine to five"), "is not working hours"),
        (("agents", "update", "nobody", "--capacity", "2"), "Nobody called 'nobody'"),
        (("desk", "--agent", "ghost"), "There is no homeworker called 'ghost'"),
    ]
    for args, message in cases:
        result = run_triage(*args)
        assert result.returncode == 2, args
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, args
    assert "lee" not in run_triage("agents", "list").stdout

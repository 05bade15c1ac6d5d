"""The desk's one command table: its help and menus, the lines it runs or refuses (memory, SQL)."""

from __future__ import annotations

import re
from typing import Any, cast

import pytest

from bot.core.domain import Reply
from bot.core.second_line import SecondLineDesk
from bot.core.tickets import Agent, Role
from bot.doors.desk_commands import (
    CHAT_LINES,
    COMMANDS,
    command_menu,
    desk_help,
    run_desk_command,
)
from bot.doors.terminal_desk import DeskSession
from bot.errors import AlreadyHandled, Refused
from tests.desk_fixtures import BOB, OUTAGE, RANSOM, Desk

pytestmark = pytest.mark.memory  # the desk's tests need no SQL: in memory too
RESOLVE = "Usage: resolve [--category C] [--not-needed] [T-1042] NOTE"


def test_the_help_shows_every_command_with_its_usage_in_both_spellings() -> None:
    terminal, chat = desk_help(), desk_help("/")
    for command in COMMANDS:
        assert f"\n  {command.usage} " in terminal or f"\n  {command.usage}\n" in terminal
        assert f"\n  /{command.usage} " in chat or f"\n  /{command.usage}\n" in chat
    assert "  takeover T-1042        (supervisors) take a case over" in terminal
    assert "  /resolve [--category C] [--not-needed] [T-1042] NOTE\n" in chat
    assert chat.endswith("\n".join(CHAT_LINES)) and CHAT_LINES[0] not in terminal


def test_the_menu_has_every_command_and_only_supervisors_get_theirs() -> None:
    supervisor = dict(command_menu(supervisor=True))
    homeworker = dict(command_menu(supervisor=False))
    assert list(supervisor) == [*(command.name for command in COMMANDS), "help"]
    assert list(homeworker) == [n for n in supervisor if n not in ("takeover", "announce")]
    assert homeworker["claim"] == "Take a given case: /claim T-1042"
    assert supervisor["takeover"] == "Take a case over: /takeover T-1042"
    assert homeworker["queue"] == "Cases waiting to be claimed, most urgent first"
    for name, description in supervisor.items():  # what Telegram's setMyCommands accepts
        assert re.fullmatch(r"[a-z0-9_]{1,32}", name) and 1 <= len(description) <= 256


class RecordingDesk:
    """Stands in for the desk: records each call the table makes, answers "done"."""

    categories = ("network", "security")

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, method: str) -> Any:
        def call(*args: Any, **keywords: Any) -> Reply:
            self.calls.append((method, args, keywords))
            return Reply("done")

        return call

    @property
    def incidents(self) -> RecordingDesk:
        """The major-incident desk's calls are recorded with the rest."""
        return self


BOSS = Agent(id=7, name="boss", role=Role.SUPERVISOR)
ACTED = "d-1"


@pytest.mark.parametrize(
    ("line", "call"),
    [
        ("queue", ("queue", (7,), {})),
        ("MINE", ("mine", (7,), {})),
        ("next", ("next_case", (7,), {"delivery": ACTED})),
        ("claim T-1001", ("claim", (7, "T-1001"), {"delivery": ACTED})),
        ("view t-1001", ("view", (7, "t-1001"), {})),
        ("switch 1001", ("switch", (7, "1001"), {"delivery": ACTED})),
        (
            "reply Line one\n  line two",
            ("reply", (7, "Line one\n  line two", None), {"delivery": ACTED}),
        ),
        ("reply T-1002 on it", ("reply", (7, "on it", "T-1002"), {"delivery": ACTED})),
        ("reply t-1002: on it", ("reply", (7, "on it", "t-1002"), {"delivery": ACTED})),
        ("reply 2 steps left", ("reply", (7, "2 steps left", None), {"delivery": ACTED})),
        ("kb vpn at home", ("send_article", (7, "vpn at home"), {"delivery": ACTED})),
        ("note checked the logs", ("note", (7, "checked the logs", None), {"delivery": ACTED})),
        ("note T-1003 called", ("note", (7, "called", "T-1003"), {"delivery": ACTED})),
        ("transfer network", ("transfer", (7, "network"), {"delivery": ACTED})),
        ("release", ("release", (7,), {"delivery": ACTED})),
        (
            "resolve fixed it",
            ("resolve", (7, "fixed it", None, True), {"reference": None, "delivery": ACTED}),
        ),
        (
            "resolve T-1004 fixed it",
            ("resolve", (7, "fixed it", None, True), {"reference": "T-1004", "delivery": ACTED}),
        ),
        (
            "resolve --not-needed --category Network replaced the -- cable",
            (
                "resolve",
                (7, "replaced the -- cable", "network", False),
                {"reference": None, "delivery": ACTED},
            ),
        ),
        (
            "resolve —category security —not-needed typed on a phone",
            (
                "resolve",
                (7, "typed on a phone", "security", False),
                {"reference": None, "delivery": ACTED},
            ),
        ),
        (
            "ask is this a facilities job?",
            ("ask_for_help", (7, "is this a facilities job?"), {"delivery": ACTED}),
        ),
        ("takeover T-1001", ("take_over", (7, "T-1001"), {"delivery": ACTED})),
        ("shift ON", ("set_shift", (7, True), {"delivery": ACTED})),
        ("shift off", ("set_shift", (7, False), {"delivery": ACTED})),
        ("incidents", ("listing", (), {})),
        ("link T-1042 MI-3", ("link", (7, "T-1042", "MI-3"), {"delivery": ACTED})),
        ("incident confirm MI-3", ("confirm", (7, "MI-3", ""), {"delivery": ACTED})),
        (
            "incident Confirm mi-3 VPN gateway down",
            ("confirm", (7, "mi-3", "VPN gateway down"), {"delivery": ACTED}),
        ),
        ("incident dismiss 3", ("dismiss", (7, "3"), {"delivery": ACTED})),
        ("incident owner MI-3 dana", ("assign_owner", (7, "MI-3", "dana"), {"delivery": ACTED})),
        (
            "incident update MI-3 the vendor is on site",
            ("post_update", (7, "MI-3", "the vendor is on site"), {"delivery": ACTED}),
        ),
        (
            "incident workaround MI-3 use the office wifi",
            ("set_workaround", (7, "MI-3", "use the office wifi"), {"delivery": ACTED}),
        ),
        (
            "incident resolve MI-3 gateway restarted",
            ("resolve", (7, "MI-3", "gateway restarted"), {"delivery": ACTED}),
        ),
        (
            "announce link VPN cases to MI-3",
            ("announce", (7, "link VPN cases to MI-3"), {"delivery": ACTED}),
        ),
    ],
)
def test_each_command_calls_the_desk_with_its_arguments_and_the_delivery(
    line: str, call: tuple[str, tuple[Any, ...], dict[str, Any]]
) -> None:
    desk = RecordingDesk()
    reply = run_desk_command(cast(SecondLineDesk, desk), BOSS, line, delivery=ACTED)
    assert (reply.text, desk.calls) == ("done", [call])


MALFORMED = [
    ("resolve --category", f"--category needs a value. {RESOLVE}"),
    ("resolve --category --not-needed fixed it", f"--category needs a value. {RESOLVE}"),
    ("resolve --category plumbing fixed it", "'plumbing' is not one of {categories}. " + RESOLVE),
    ("resolve --urgent fixed it", f"Unknown option '--urgent'. {RESOLVE}"),
    ("resolve --not-needed --not-needed fixed it", f"--not-needed is given twice. {RESOLVE}"),
    ("resolve fixed it --not-needed", f"Options go before the other words. {RESOLVE}"),
    ("resolve --not-needed", f"`resolve` needs a note on what fixed it. {RESOLVE}"),
    ("resolve", f"`resolve` needs a note on what fixed it. {RESOLVE}"),
    ("reply", "`reply` needs the reply. Usage: reply [T-1042] TEXT"),
    ("reply   ", "`reply` needs the reply. Usage: reply [T-1042] TEXT"),
    ("reply --loud hello", "Unknown option '--loud'. Usage: reply [T-1042] TEXT"),
    ("note", "`note` needs the note. Usage: note [T-1042] TEXT"),
    ("kb", "`kb` needs words to search for or an article id. Usage: kb QUERY|ARTICLE-ID"),
    (
        "kb 2",
        "2 is not an article id: pick from the last search by its number in the terminal "
        "desk, tap its button in chat, or send `kb ARTICLE-ID`.",
    ),
    ("ask", "`ask` needs the question. Usage: ask TEXT"),
    ("transfer", "`transfer` needs a colleague's name or a skill. Usage: transfer NAME|SKILL"),
    (
        "transfer erin please",
        "`transfer` takes a colleague's name or a skill and nothing more. "
        "Usage: transfer NAME|SKILL",
    ),
    ("claim", "`claim` needs a case reference. Usage: claim T-1042"),
    ("claim the first one", "`claim` takes a case reference and nothing more. Usage: claim T-1042"),
    ("view T-1001 T-1002", "`view` takes a case reference and nothing more. Usage: view T-1042"),
    ("switch latest", "'latest' is not a case reference. Usage: switch T-1042"),
    ("queue everything", "`queue` takes nothing after it. Usage: queue"),
    ("mine please", "`mine` takes nothing after it. Usage: mine"),
    ("next one", "`next` takes nothing after it. Usage: next"),
    ("release T-1001", "`release` takes nothing after it. Usage: release"),
    ("mystats all", "`mystats` takes nothing after it. Usage: mystats"),
    ("shift", "`shift` needs on or off. Usage: shift on|off"),
    ("shift maybe", "'maybe' is not on or off. Usage: shift on|off"),
    ("shift off now", "`shift` takes on or off and nothing more. Usage: shift on|off"),
    ("takeover T-1001", "Only a supervisor can use `takeover`."),
    ("announce hello", "Only a supervisor can use `announce`."),
    ("link T-1001", "Say which case and which incident. Usage: link T-1042 MI-3"),
    ("link MI-1 T-1001", "Say which case and which incident. Usage: link T-1042 MI-3"),
    ("incidents all", "`incidents` takes nothing after it. Usage: incidents"),
    (
        "incident close MI-1",
        "Say what to do with which incident: confirm | dismiss | owner | update | workaround | "
        "resolve MI-3 [TEXT]. Usage: incident ACTION MI-3 [TEXT]",
    ),
    ("incident dismiss MI-1 now", "`incident dismiss` takes the incident and nothing more."),
    ("incident confirm MI-1", "Only a supervisor can confirm a major incident."),
    ("incident update MI-1 hi", "There is no major incident 'MI-1'. They look like MI-3."),
    (
        "fly away",
        "Unknown command 'fly'. Commands: queue, mine, next, claim, view, switch, "
        "reply, kb, note, transfer, release, resolve, ask, takeover, shift, mystats, "
        "incidents, link, incident, announce, help.",
    ),
]


NAMES = ("dana", "erin", "boss")


def _everything(desk: Desk) -> tuple[object, ...]:
    """What a command could change: the ticket, its trail, the agents, what was sent."""
    ticket = desk.ticket()
    fields = (ticket.status, ticket.assignee_id, ticket.category, ticket.resolution_note)
    agents = [(a.on_shift, a.current_ticket_id) for a in map(desk.agent, NAMES)]
    sent = [desk.news_for(), *(desk.news_for_agent(name) for name in NAMES)]
    return fields, desk.trail(), agents, sent


def test_every_malformed_command_is_refused_in_one_line_and_changes_nothing(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.add("erin")
    desk.add("boss", role=Role.SUPERVISOR)
    desk.user(OUTAGE)
    desk.app.team.desk.claim(dana.id, "T-1001")
    before = _everything(desk)
    team = desk.app.team
    for line, refusal in MALFORMED:
        with pytest.raises(Refused) as refused:
            run_desk_command(team.desk, dana, line, delivery=f"d-{line}")
        categories = ", ".join(team.desk.categories)
        assert str(refused.value) == refusal.format(categories=categories), line
    fields, trail, agents, sent = _everything(desk)
    assert (fields, trail, agents) == before[:3]
    assert sent == [[], "", "", ""]


def test_resolve_stores_the_category_and_whether_second_line_was_needed(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.user(RANSOM)
    team = desk.app.team
    session = DeskSession(team.desk, dana, lambda: [])
    assert session.execute("claim T-1001").startswith("T-1001 · P1 · security")
    answer = session.execute("resolve --category network --not-needed the cable was out")
    assert answer == "T-1001 resolved. The user has been asked to rate the help."
    ticket = desk.ticket()
    assert (ticket.category, ticket.corrected_category) == ("network", "network")
    assert (ticket.resolution_note, ticket.second_line_needed) == ("the cable was out", False)


def test_a_command_carried_out_once_is_not_carried_out_again(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.user(OUTAGE)
    team = desk.app.team
    run_desk_command(team.desk, dana, "claim T-1001", delivery="telegram:41")
    run_desk_command(team.desk, dana, "reply Is the light on?", delivery="telegram:42")
    with pytest.raises(AlreadyHandled):
        run_desk_command(team.desk, dana, "reply Is the light on?", delivery="telegram:42")
    assert desk.trail()[-2:] == ["homeworker:dana claimed", "homeworker:dana replied"]
    assert desk.news_for()[-1:] == ["Support team (T-1001): Is the light on?"]


def test_the_terminal_desk_reads_like_the_conversation(desk: Desk) -> None:
    dana = desk.add("dana", on_shift=False)
    desk.user(OUTAGE)
    team = desk.app.team
    session = DeskSession(team.desk, dana, lambda: [])
    dialogue = [
        ("shift maybe", "Refused: 'maybe' is not on or off. Usage: shift on|off"),
        ("shift on", "You are on shift. 1 case(s) waiting in the queue."),
        ("claim", "Refused: `claim` needs a case reference. Usage: claim T-1042"),
        ("claim T-1001", "T-1001 · P1 · network"),
        ("resolve --category", f"Refused: --category needs a value. {RESOLVE}"),
        ("ask", "Refused: `ask` needs the question. Usage: ask TEXT"),
        ("takeover T-1001", "Refused: Only a supervisor can use `takeover`."),
        ("help", "Commands:\n  queue "),
        ("reply Please check the switch.", "Sent to the user on T-1001."),
    ]
    for line, answer in dialogue:
        assert session.execute(line).startswith(answer), line
    assert session.execute("help").endswith("  quit                   leave the desk")
    assert desk.news_for()[-1] == "Support team (T-1001): Please check the switch."


def test_a_reply_that_names_a_case_goes_to_that_case_or_nowhere(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.add("erin")
    desk.user(OUTAGE)
    desk.user(RANSOM, BOB)
    team = desk.app.team
    session = DeskSession(team.desk, dana, lambda: [])
    session.execute("claim T-1001")
    session.execute("claim T-1002")  # now the current case
    assert session.execute("reply T-1001 is the light on?") == "Sent to the user on T-1001."
    assert desk.news_for()[-1] == "Support team (T-1001): is the light on?"
    assert not any("light" in news for news in desk.news_for(BOB))
    erin = desk.agent("erin")
    theirs = DeskSession(team.desk, erin, lambda: [])
    assert theirs.execute("reply T-1001 hello") == "Refused: T-1001 is not yours."
    assert desk.news_for() == []

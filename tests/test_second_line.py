"""Second line as its people see it: a user, homeworkers, a supervisor (memory, SQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.domain import Sender
from bot.core.tickets import Role, WorkingHours
from bot.doors.terminal_chat import render
from bot.errors import AlreadyHandled, Refused
from bot.storage.schema import MessageRow
from tests.conftest import AppFactory, said
from tests.desk_fixtures import ALICE, BOB, OUTAGE, Desk

pytestmark = pytest.mark.memory


def test_a_case_goes_from_escalation_to_rating(desk: Desk) -> None:
    dana = desk.add("dana", skills=("network",))
    assert "Your reference is T-1001" in desk.user(OUTAGE)
    offer = desk.news_for_agent("dana")
    assert "New case waiting" in offer and "T-1001 · P1 · network" in offer
    assert OUTAGE in offer

    card = desk.app.team.desk.claim(dana.id, "T-1001").text
    assert "Why second line: the model rates it a complex incident [model]" in card
    assert "Category: network (93%); runner-ups: hardware 4%" in card
    assert "has picked up your request T-1001" in "\n".join(desk.news_for())

    desk.app.team.desk.reply(dana.id, "Is the switch cupboard light on?")
    assert desk.news_for() == ["Support team (T-1001): Is the switch cupboard light on?"]
    desk.user("the lights are off in the cupboard")
    assert "T-1001 · Alice: the lights are off in the cupboard" in desk.news_for_agent("dana")

    desk.app.team.desk.note(dana.id, "breaker tripped, facilities called")
    desk.app.team.desk.resolve(dana.id, "Facilities reset the breaker; the switch is back.")
    assert "Facilities reset the breaker" in "\n".join(desk.news_for())
    assert "Thank you for rating the help 5/5" in desk.user("5")

    ticket = desk.ticket()
    assert (ticket.status, ticket.rating, ticket.corrected_category) == ("closed", 5, "network")
    assert desk.trail() == [
        "user queued",
        "system offered",
        "homeworker:dana claimed",
        "homeworker:dana replied",
        "user user replied",
        "homeworker:dana note",
        "homeworker:dana resolved",
        "user rated",
    ]


def test_the_user_sees_a_display_name_only_when_one_is_chosen(desk: Desk) -> None:
    kim = desk.add("kim", display_name="Kim from IT")
    desk.user("talk to a person")
    desk.app.team.desk.next_case(kim.id)
    desk.app.team.desk.reply(kim.id, "Hi, I can help")
    news = "\n".join(desk.news_for())
    assert "Kim from IT has picked up your request T-1001" in news
    assert "Kim from IT (T-1001): Hi, I can help" in news
    assert "kim" not in news.replace("Kim from IT", "")


def test_nobody_on_shift_tells_the_user_the_case_is_queued_not_lost(desk: Desk) -> None:
    desk.add(
        "ola",
        on_shift=False,
        timezone="Europe/Oslo",
        working_hours=WorkingHours.parse("09:00-17:00"),
    )
    answer = desk.user(OUTAGE)
    assert "Nobody from second line is on shift right now" in answer
    assert "it is not lost" in answer
    assert "The next person is expected on shift at 08:00 (UTC)" in answer
    assert "queued, 1 of 1 waiting" in desk.user("/status")


def test_refusals_change_nothing(desk: Desk) -> None:
    dana = desk.add("dana")
    erin = desk.add("erin")
    off = desk.add("olly", on_shift=False)
    desk.user(OUTAGE)
    team = desk.app.team.desk

    with pytest.raises(Refused, match="off shift"):
        team.claim(off.id, "T-1001")
    with pytest.raises(Refused, match="There is no ticket 'T-4242'"):
        team.claim(dana.id, "T-4242")
    team.claim(dana.id, "T-1001")
    before = desk.trail()
    with pytest.raises(Refused, match="already claimed by someone else"):
        team.claim(erin.id, "T-1001")
    with pytest.raises(Refused, match="T-1001 is not yours"):
        team.resolve(erin.id, "fixed it", reference="T-1001")
    with pytest.raises(Refused, match="You hold no case"):
        team.reply(erin.id, "hello")
    team.resolve(dana.id, "fixed it")
    with pytest.raises(Refused, match="already resolved"):
        team.resolve(dana.id, "again", reference="T-1001")
    desk.user("4")
    with pytest.raises(Refused, match="closed; nothing more can be done"):
        team.reply(dana.id, "one more thing", reference="T-1001")
    assert desk.trail() == [*before, "homeworker:dana resolved", "user rated"]
    assert desk.ticket().assignee_id == dana.id


def test_cases_are_offered_to_the_least_loaded_homeworker_with_the_skill(desk: Desk) -> None:
    busy = desk.add("busy", skills=("network",), capacity=2)
    free = desk.add("free", skills=("network",), capacity=2)
    desk.add("mail", skills=("email",))
    desk.add("boss", role=Role.SUPERVISOR)
    desk.user("talk to a person", sender=BOB)
    desk.app.team.desk.claim(busy.id, "T-1001")
    for name in ("busy", "free", "mail", "boss"):
        desk.news_for_agent(name)

    desk.user(OUTAGE)
    assert "T-1002" in desk.news_for_agent("free")
    assert desk.news_for_agent("mail") == ""
    assert "P1 case T-1002 has been queued" in desk.news_for_agent("boss")
    assert desk.ticket(2).offered_to == [free.id, busy.id]  # busy holds one already: second


def test_next_takes_the_highest_priority_then_the_longest_waiting(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.user("new starter needs access to the payroll share")  # P3, first
    desk.clock.advance(minutes=1)
    desk.user("outlook keeps crashing for everyone in finance", sender=BOB)  # P2, later
    desk.clock.advance(minutes=1)
    desk.user(OUTAGE, sender=Sender("test", "cy", "Cy"))  # P1, last
    queue = desk.app.team.desk.queue(dana.id).text
    assert queue.index("T-1003") < queue.index("T-1002") < queue.index("T-1001")
    assert desk.app.team.desk.next_case(dana.id).text.startswith("T-1003 · P1")
    assert desk.app.team.desk.next_case(dana.id).text.startswith("T-1002 · P2")


def test_capacity_and_skills_limit_what_a_homeworker_takes(desk: Desk) -> None:
    net = desk.add("net", skills=("network",), capacity=1)
    desk.user("new starter needs access to the payroll share")
    assert "No case is waiting for your skills" in desk.app.team.desk.next_case(net.id).text
    desk.user(OUTAGE, sender=BOB)
    desk.app.team.desk.next_case(net.id)
    with pytest.raises(Refused, match="your capacity"):
        desk.app.team.desk.claim(net.id, "T-1001")


def test_transfer_release_help_and_take_over(desk: Desk) -> None:
    dana = desk.add("dana")
    erin = desk.add("erin")
    boss = desk.add("boss", role=Role.SUPERVISOR)
    team = desk.app.team.desk
    desk.user(OUTAGE)
    team.claim(dana.id, "T-1001")

    assert "transferred to erin" in team.transfer(dana.id, "erin").text
    assert "dana transferred T-1001 to you" in desk.news_for_agent("erin")
    assert "queued for security" in team.transfer(erin.id, "security").text
    assert desk.ticket().category == "security"
    team.claim(dana.id, "T-1001")
    assert "back in the queue" in team.release(dana.id).text
    team.claim(erin.id, "T-1001")

    desk.news_for_agent("boss")
    team.ask_for_help(erin.id, "is this a facilities job?")
    help_request = desk.news_for_agent("boss")
    assert "erin asks for help with T-1001: is this a facilities job?" in help_request
    assert "Transcript" in help_request
    team.take_over(boss.id, "T-1001")
    assert "boss (supervisor) has taken over T-1001" in desk.news_for_agent("erin")
    team.reply(boss.id, "I'm on it")
    assert desk.ticket().assignee_id == boss.id
    with pytest.raises(Refused, match="Only a supervisor"):
        team.take_over(dana.id, "T-1001")
    with pytest.raises(Refused, match="No homeworker or skill called 'nobody'"):
        team.transfer(boss.id, "nobody")


def test_a_case_transferred_to_security_is_raised_to_p2(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.user("new starter needs access to the payroll share")
    desk.app.team.desk.claim(dana.id, "T-1001")
    assert "queued for security" in desk.app.team.desk.transfer(dana.id, "security").text
    assert (desk.ticket().category, desk.ticket().priority) == ("security", "P2")


def test_the_user_can_cancel_and_the_homeworker_is_told(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.user(OUTAGE)
    desk.app.team.desk.claim(dana.id, "T-1001")
    assert "I've cancelled T-1001" in desk.user("/cancel")
    assert "The user cancelled T-1001" in desk.news_for_agent("dana")
    assert desk.ticket().status == "cancelled"
    assert "Add the FollowMe printer" in desk.user("how do I add a printer")


def test_a_low_rating_alerts_supervisors_and_not_fixed_reopens(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.add("boss", role=Role.SUPERVISOR)
    desk.user(OUTAGE)
    desk.app.team.desk.claim(dana.id, "T-1001")
    desk.app.team.desk.resolve(dana.id, "power is back")
    assert "I've reopened T-1001" in desk.user("not fixed")
    assert "is not fixed; it is back with you" in desk.news_for_agent("dana")
    desk.app.team.desk.resolve(dana.id, "replaced the switch", "network", second_line_needed=True)
    desk.news_for_agent("boss")
    assert "a supervisor will see your rating" in desk.user("1")
    assert "T-1001 was rated 1/5" in desk.news_for_agent("boss")


def test_a_new_question_after_resolution_starts_afresh(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.user(OUTAGE)
    desk.app.team.desk.claim(dana.id, "T-1001")
    desk.app.team.desk.resolve(dana.id, "power is back")
    assert "Add the FollowMe printer" in desk.user("how do I add a printer")
    assert desk.ticket().status == "closed"


def test_passwords_are_masked_for_the_team_and_the_user_is_warned(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.user("talk to a person")
    answer = desk.user("my password is Hunter2!x and the code is 482913")
    assert "Please don't send passwords" in answer
    card = desk.app.team.desk.claim(dana.id, "T-1001").text
    assert "Hunter2!x" not in card and "482913" not in card
    assert "[password removed]" in card
    stored = desk.stored.messages()
    assert "Hunter2!x" not in " ".join(text for text, _ in stored)
    assert [original for _, original in stored if original is not None] == []


def test_originals_are_kept_only_when_an_admin_says_so(make_app: AppFactory) -> None:
    app = make_app(keep_unmasked_messages=True)
    app.desk.handle(ALICE, "talk to a person")
    app.desk.handle(ALICE, "my password is Hunter2!x")
    with app.sessions() as session:
        row = session.scalars(select(MessageRow).where(MessageRow.original_text.is_not(None))).one()
    assert (row.text, row.original_text) == (
        "my password is [password removed]",
        "my password is Hunter2!x",
    )


def test_a_replayed_delivery_has_exactly_one_effect(desk: Desk) -> None:
    dana = desk.add("dana")
    team = desk.app.team.desk
    desk.user(OUTAGE)
    team.claim(dana.id, "T-1001", delivery="test:1")
    with pytest.raises(AlreadyHandled):
        team.claim(dana.id, "T-1001", delivery="test:1")
    desk.news_for()

    team.reply(dana.id, "Is the switch cupboard light on?", delivery="test:2")
    with pytest.raises(AlreadyHandled):
        team.reply(dana.id, "Is the switch cupboard light on?", delivery="test:2")
    assert desk.news_for() == ["Support team (T-1001): Is the switch cupboard light on?"]
    sent = [text for text, _ in desk.stored.messages()]
    assert sent.count("Is the switch cupboard light on?") == 1
    assert desk.trail()[-2:] == ["homeworker:dana claimed", "homeworker:dana replied"]


def test_a_refused_command_is_not_recorded_as_handled(desk: Desk) -> None:
    dana = desk.add("dana", on_shift=False)
    desk.user(OUTAGE)
    team = desk.app.team.desk
    with pytest.raises(Refused, match="off shift"):
        team.claim(dana.id, "T-1001", delivery="test:3")
    team.set_shift(dana.id, True)
    assert "T-1001" in team.claim(dana.id, "T-1001", delivery="test:3").text
    assert desk.ticket().assignee_id == dana.id


def test_the_rating_question_offers_a_rating_and_not_fixed_alike(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.user(OUTAGE)
    desk.app.team.desk.claim(dana.id, "T-1001")
    desk.news_for()
    desk.app.team.desk.resolve(dana.id, "power is back")
    (asked,) = desk.app.team.notices.collect_for_user(ALICE)
    assert asked.text.endswith(
        "How would you rate the help you got with T-1001? Rate it from 1 (poor) to "
        '5 (excellent), or write "not fixed" if the problem is still there.'
    )
    assert render(asked).endswith("(answer: 1 / 2 / 3 / 4 / 5 / not fixed)")
    assert [choice.label for choice in asked.choices][-1] == "Not fixed"

    status = desk.app.desk.handle(ALICE, "/status")
    assert 'or write "not fixed"' in said(status) and status[-1].choices == asked.choices
    assert "I've reopened T-1001" in desk.user(asked.choices[-1].value)
    assert desk.ticket().status == "assigned"


def test_transfer_and_resolve_store_second_lines_category_on_the_case(desk: Desk) -> None:
    dana = desk.add("dana")
    team = desk.app.team.desk
    desk.user("new starter needs access to the payroll share")  # triage: account
    team.claim(dana.id, "T-1001")

    team.transfer(dana.id, "network")
    assert desk.ticket().category == "network"
    card = team.view(dana.id, "T-1001").text
    assert card.startswith("T-1001 · P3 · network · queued")
    assert "Category: network, set by second line (triage: account (93%); runner-ups:" in card

    team.claim(dana.id, "T-1001")
    team.resolve(dana.id, "it was a phishing mail", corrected_category="security")
    ticket = desk.ticket()
    assert (ticket.category, ticket.corrected_category) == ("security", "security")
    assert "I've reopened T-1001" in desk.user("not fixed")
    assert desk.ticket().category == "security"


NOTES = [
    "Internal notes and help requests (2; the user never sees these):",
    "  10:05 dana noted: breaker tripped, facilities called",
    "  10:07 dana asked the supervisors: is this a facilities job?",
]


def notes_in(card: str) -> list[str]:
    """The card's section of internal notes and help requests (empty when it has none)."""
    lines = card.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Internal notes")), None)
    if start is None:
        return []
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("Transcript"))
    return lines[start:end]


def test_notes_and_help_requests_show_on_the_card_for_its_holder_and_supervisors(
    desk: Desk,
) -> None:
    dana = desk.add("dana")
    erin = desk.add("erin")
    boss = desk.add("boss", role=Role.SUPERVISOR)
    team = desk.app.team.desk
    desk.user(OUTAGE)
    team.claim(dana.id, "T-1001")
    desk.clock.advance(minutes=5)
    team.note(dana.id, "breaker tripped, facilities called")
    desk.news_for_agent("boss")
    desk.clock.advance(minutes=2)
    team.ask_for_help(dana.id, "is this a facilities job?")

    asked = desk.news_for_agent("boss")
    assert asked.startswith("dana asks for help with T-1001: is this a facilities job?")
    assert notes_in(asked) == [NOTES[0].replace("(2;", "(1;"), NOTES[1]]
    assert notes_in(team.view(boss.id, "T-1001").text) == NOTES
    assert notes_in(team.view(dana.id, "T-1001").text) == NOTES
    with pytest.raises(Refused, match="T-1001 is not yours to view"):
        team.view(erin.id, "T-1001")

    desk.news_for_agent("dana")
    team.release(dana.id)  # queued: anyone may read the card, not the notes
    offer = desk.news_for_agent("erin")
    assert "New case waiting" in offer and notes_in(offer) == []
    assert notes_in(team.view(erin.id, "T-1001").text) == []
    assert notes_in(team.view(dana.id, "T-1001").text) == []  # no longer dana's case
    assert notes_in(team.claim(erin.id, "T-1001").text) == NOTES  # erin's case now
    team.transfer(erin.id, "dana")
    assert notes_in(desk.news_for_agent("dana")) == NOTES

    told_the_user = "\n".join([*desk.news_for(), desk.user("/status")])
    assert "breaker" not in told_the_user and "facilities job" not in told_the_user
    assert not any("breaker" in text for text, _ in desk.stored.messages())


def test_notes_from_an_earlier_day_carry_the_date(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.user(OUTAGE)
    desk.app.team.desk.claim(dana.id, "T-1001")
    desk.app.team.desk.note(dana.id, "waiting for the\nfacilities team")
    desk.clock.advance(days=1)
    assert notes_in(desk.app.team.desk.view(dana.id, "T-1001").text)[1:] == [
        "  Nov 23 10:00 dana noted: waiting for the ⏎ facilities team"
    ]

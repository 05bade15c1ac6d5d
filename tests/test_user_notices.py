"""What the user hears from second line: one notice per event, and the files the team sends."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

import pytest

from bot.core.domain import Attachment
from bot.core.notices import NoticeBoard
from bot.core.ports import UnitOfWork, UnitOfWorkFactory
from bot.core.tickets import Notice, Role
from bot.errors import Refused
from tests.desk_fixtures import ALICE, OUTAGE, Desk

pytestmark = pytest.mark.memory

PICKED_UP = (
    "A member of our second-line team has picked up your request T-1001 and will reply here."
)


def test_each_event_on_a_case_reaches_the_user_once_or_not_at_all(desk: Desk) -> None:
    dana = desk.add("dana", skills=("network",))
    sam = desk.add("sam", skills=("network",), display_name="Sam from IT")
    team = desk.app.team.desk
    desk.app.desk.handle(ALICE, OUTAGE)
    assert desk.news_for() == []

    steps: list[tuple[Callable[[], object], list[str]]] = [
        (lambda: team.claim(dana.id, "T-1001"), [PICKED_UP]),
        (lambda: team.note(dana.id, "checking the switch"), []),
        (lambda: team.release(dana.id), []),
        (
            lambda: team.next_case(sam.id),
            ["Sam from IT has picked up your request T-1001 and will reply here."],
        ),
        (lambda: team.transfer(sam.id, "dana"), []),
        (
            lambda: team.reply(dana.id, "Is the light on?"),
            ["Support team (T-1001): Is the light on?"],
        ),
    ]
    for act, heard in steps:
        act()
        assert desk.news_for() == heard


def test_a_supervisor_taking_a_case_from_the_queue_tells_the_user_once(desk: Desk) -> None:
    boss = desk.add("boss", role=Role.SUPERVISOR)
    desk.app.desk.handle(ALICE, OUTAGE)
    desk.app.team.desk.take_over(boss.id, "T-1001")
    assert desk.news_for() == [PICKED_UP]
    assert desk.news_for() == []


class FirstReadLetsAnotherReaderIn:
    """Units of work whose first read of the outbox lets another reader collect the same
    news before it goes on, as two doors of one person reading at once would."""

    def __init__(self, units: UnitOfWorkFactory, other_reader: Callable[[], None]) -> None:
        self._units, self._other_reader, self._let_in = units, other_reader, False

    def __call__(self, *, read_only: bool = False) -> Any:
        return _Interleaved(self._units(read_only=read_only), self)

    def reading(self) -> None:
        if not self._let_in:
            self._let_in = True
            self._other_reader()


class _Interleaved:
    def __init__(self, inner: UnitOfWork, owner: FirstReadLetsAnotherReaderIn) -> None:
        self._inner, self._owner = inner, owner

    def __enter__(self) -> UnitOfWork:
        uow = self._inner.__enter__()
        read = uow.outbox.pending

        def pending(**which: Any) -> Any:
            found = read(**which)
            self._owner.reading()
            return found

        uow.outbox.pending = pending  # type: ignore[method-assign]
        return uow

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(kind, error, tb)


def test_two_readers_of_one_users_news_at_once_show_each_notice_once(
    desk: Desk, storage: str
) -> None:
    if storage != "postgresql":
        pytest.skip("only PostgreSQL lets the second reader commit while the first one reads")
    dana = desk.add("dana")
    desk.app.desk.handle(ALICE, OUTAGE)
    desk.app.team.desk.claim(dana.id, "T-1001")
    other: list[Notice] = []
    board = NoticeBoard(
        FirstReadLetsAnotherReaderIn(
            desk.units, lambda: other.extend(desk.app.team.notices.collect_for_user(ALICE))
        ),
        desk.clock,
    )
    first = board.collect_for_user(ALICE)
    assert [n.text for n in first + other] == [PICKED_UP]


PHOTO = Attachment("photo", "AgACAgQ-file-id")


def test_a_homeworkers_photo_goes_to_the_user_of_the_current_case_with_a_masked_caption(
    desk: Desk,
) -> None:
    dana = desk.add("dana")
    team = desk.app.team.desk
    desk.app.desk.handle(ALICE, OUTAGE)
    with pytest.raises(Refused, match="You hold no case"):
        team.send_attachment(dana.id, PHOTO, "see this")
    team.claim(dana.id, "T-1001")
    desk.news_for()

    answer = team.send_attachment(dana.id, PHOTO, "your new password is Summer2026!")
    assert answer.text == "Sent the photo to the user on T-1001."
    [notice] = desk.app.team.notices.collect_for_user(ALICE)
    assert notice.attachment == PHOTO
    assert notice.text.startswith("Support team (T-1001): your new password is ")
    assert "Summer2026" not in notice.text
    photo_line = desk.stored.messages()[-1][0]
    assert photo_line.startswith("[photo] your new password is ") and "Summer" not in photo_line
    assert desk.trail()[-1] == "homeworker:dana replied"


def test_a_photo_without_a_caption_is_announced(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.app.desk.handle(ALICE, OUTAGE)
    desk.app.team.desk.claim(dana.id, "T-1001")
    desk.news_for()
    desk.app.team.desk.send_attachment(dana.id, Attachment("document", "BQAC-id", "steps.pdf"))
    assert desk.news_for() == ["Support team (T-1001) sent a document."]

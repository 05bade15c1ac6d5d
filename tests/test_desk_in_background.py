"""`triage chat` greets at once and builds the desk while the person types."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator

import pytest

from bot.core.domain import Reply
from bot.doors.desk_in_background import InBackground
from bot.doors.terminal_chat import run_interactive


class Written(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def written() -> Iterator[Written]:
    handler = Written()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def test_what_the_build_logs_is_held_until_the_desk_is_first_needed(written: Written) -> None:
    may_finish = threading.Event()

    def build() -> str:
        logging.getLogger("classifier.triage").warning("model refused")
        may_finish.wait(10)
        return "the desk"

    starting = InBackground(build)
    logging.getLogger("elsewhere").warning("the main thread logs as usual")
    assert written.lines == ["the main thread logs as usual"]
    assert not starting.done()
    may_finish.set()
    assert starting.result() == "the desk"
    assert written.lines == ["the main thread logs as usual", "model refused"]
    logging.getLogger("after").warning("after the build")
    assert written.lines[-1] == "after the build"
    assert starting.result() == "the desk"  # asked again: the held lines are not written twice
    assert written.lines.count("model refused") == 1


def test_a_build_that_failed_raises_where_the_desk_is_asked_for(written: Written) -> None:
    def build() -> str:
        logging.getLogger("bot.storage").error("database is locked")
        raise RuntimeError("no database")

    starting = InBackground(build)
    with pytest.raises(RuntimeError, match="no database"):
        starting.result()
    assert written.lines == ["database is locked"]


class SlowDesk:
    """A desk that is still starting until the first message asks for it."""

    def __init__(self, out: io.StringIO) -> None:
        self.out = out
        self.asked_after: list[str] = []

    def __call__(self) -> SlowDesk:
        self.asked_after.append(self.out.getvalue())
        return self

    def handle(self, sender: object, text: str) -> list[Reply]:
        return [Reply(f"you said {text}")]


def test_the_greeting_is_printed_before_the_desk_is_asked_for() -> None:
    out = io.StringIO()
    desk = SlowDesk(out)
    run_interactive(desk, "ann", io.StringIO("my printer jams\n"), out)  # type: ignore[arg-type]
    [seen_before_the_desk] = desk.asked_after
    assert "I'm the IT help desk assistant" in seen_before_the_desk
    assert seen_before_the_desk.endswith("you> ")
    assert "bot> you said my printer jams" in out.getvalue()
    assert out.getvalue().endswith("Bye!\n")

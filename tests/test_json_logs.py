"""TRIAGE_LOG_FORMAT=json: one masked JSON object per line, with the update and ticket."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.bootstrap import configure_logging
from bot.ops import log_context

TOKEN = "123456:TEST-TOKEN-not-real"
log = logging.getLogger("bot.doors.telegram.handlers")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the root logger writes, configured as `triage run` configures it, for the test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    written = io.StringIO()
    root.handlers = [logging.StreamHandler(written)]
    configure_logging("INFO", (TOKEN,), "json")
    root.setLevel(logging.INFO)
    about = log_context.update_id.set(None), log_context.ticket.set(None)
    try:
        yield written
    finally:
        log_context.update_id.reset(about[0])
        log_context.ticket.reset(about[1])
        root.handlers = handlers
        root.setLevel(level)


def lines(written: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in written.getvalue().splitlines()]


def test_each_record_is_one_json_object_with_the_update_and_ticket(json_log: io.StringIO) -> None:
    log_context.about_update(4242)
    log_context.about_ticket("T-1007")
    log.info("relayed a reply\nover two lines")
    log_context.about_update(4243)  # a new update: the ticket is not carried over
    log.warning("dana claimed T-1001")
    [first, second] = lines(json_log)
    assert first["level"] == "INFO" and first["logger"] == "bot.doors.telegram.handlers"
    assert first["message"] == "relayed a reply\nover two lines"
    assert (first["update_id"], first["ticket"]) == (4242, "T-1007")
    assert first["time"].endswith("+00:00")
    assert (second["update_id"], second["ticket"]) == (4243, "T-1001")


def test_a_line_without_an_update_has_no_update_id(json_log: io.StringIO) -> None:
    log.error("service-level check failed")
    [line] = lines(json_log)
    assert "update_id" not in line and "ticket" not in line


def test_json_lines_hold_masked_text_only(json_log: io.StringIO) -> None:
    secret = "my password is Hunter2-Blue!"
    log.warning("user wrote: %s (via %s/sendMessage)", secret, f"https://api/bot{TOKEN}")
    try:
        raise ValueError(f"could not parse {secret!r}")
    except ValueError:
        log.exception("handling failed")
    written = json_log.getvalue()
    assert "Hunter2-Blue!" not in written and TOKEN not in written
    first, second = (json.loads(line) for line in written.splitlines())
    assert first["message"].startswith("user wrote: my password is ")
    assert "[secret removed]" in first["message"]
    assert "ValueError" in second["exception"]

"""TRIAGE_LOG_FORMAT=json: one JSON object per line, for a log collector.

Each object holds ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message`` and, when
known, ``update_id`` and ``ticket``; a traceback goes in ``exception``. The masking filter
on the handler has already replaced the message and traceback with their masked text by
the time a record is formatted, so only masked text is written.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from bot.ops import log_context

_TICKET = re.compile(r"\bT-\d+\b")


class JsonLogFormatter(logging.Formatter):
    """Formats a (masked) log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON object on one line."""
        message = record.getMessage()
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        update = log_context.update_id.get()
        if update is not None:
            line["update_id"] = update
        ticket = log_context.ticket.get() or _mentioned_ticket(message)
        if ticket is not None:
            line["ticket"] = ticket
        if record.exc_text:  # set, and masked, by the masking filter
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False)


def _mentioned_ticket(message: str) -> str | None:
    found = _TICKET.search(message)
    return found.group(0) if found else None

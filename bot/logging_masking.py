"""A logging filter that masks credentials and personal data in every record it passes."""

from __future__ import annotations

import logging

from bot.core.masking import mask_sensitive

_FORMATTER = logging.Formatter()


class MaskingLogFilter(logging.Filter):
    """Mask the message, its arguments and any traceback text of each log record.

    Attach it to handlers (``handler.addFilter(MaskingLogFilter())``): a filter on a logger
    does not see records that propagate from its child loggers.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message with its masked, fully formatted text; keep it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format string
            message = f"{record.msg} {record.args!r}"
        record.msg = mask_sensitive(message).text
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_sensitive(record.exc_text).text
        if record.stack_info:
            record.stack_info = mask_sensitive(record.stack_info).text
        return True

"""A logging filter that masks credentials and personal data in every record it passes."""

from __future__ import annotations

import logging
from urllib.parse import quote

from bot.core.masking import mask_sensitive

_FORMATTER = logging.Formatter()
SECRET_REMOVED = "[secret removed]"


class MaskingLogFilter(logging.Filter):
    """Mask the message, its arguments and any traceback text of each log record.

    The desk's own secrets (the bot token, the webhook secret) are removed by their exact
    value, whatever they look like; then everything else that looks like a credential or
    personal data. Attach it to handlers (``handler.addFilter(MaskingLogFilter())``): a
    filter on a logger does not see records that propagate from its child loggers.
    """

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._secrets: list[str] = []
        self.hide(*secrets)

    def hide(self, *secrets: str) -> None:
        """Remove these exact values (and their URL-encoded forms) from every record from now on."""
        for secret in secrets:
            for form in (secret, quote(secret, safe="")):
                if form and form not in self._secrets:
                    self._secrets.append(form)
        self._secrets.sort(key=len, reverse=True)  # a longer secret first: it may hold another

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message with its masked, fully formatted text; keep it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format string
            message = f"{record.msg} {record.args!r}"
        record.msg = self._mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self._mask(record.stack_info)
        return True

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, SECRET_REMOVED)
        return mask_sensitive(text).text

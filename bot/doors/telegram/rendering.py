"""Core replies as Telegram messages: escaped HTML, split under the size limit, with buttons."""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.domain import Choice
from bot.doors.telegram.buttons import ButtonSigner

MAX_MESSAGE_CHARS = 4000  # Telegram's limit is 4,096 after entity parsing; keep a margin
BUTTONS_PER_ROW = 3


def as_html(text: str) -> str:
    """Plain core text, escaped for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at paragraph, line or word breaks."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return [piece for piece in pieces if piece] or [""]


def split_html(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Escaped pieces, each within the limit after escaping, never cutting an entity."""
    pieces: list[str] = []
    for piece in split_message(text, limit):
        while len(as_html(piece)) > limit:  # escaping grew it past the limit
            cut = _longest_fitting_prefix(piece, limit)
            pieces.append(as_html(piece[:cut].rstrip()))
            piece = piece[cut:].lstrip()
        if piece:
            pieces.append(as_html(piece))
    return pieces or [""]


def _longest_fitting_prefix(text: str, limit: int) -> int:
    """Where to cut ``text`` so the escaped head fits: at a space when one is near."""
    size, end = 0, 0
    while end < len(text) and size + len(as_html(text[end])) <= limit:
        size += len(as_html(text[end]))
        end += 1
    space = text.rfind(" ", 0, end)
    return space if space > end // 2 else max(end, 1)


def keyboard(
    choices: Sequence[Choice], signer: ButtonSigner, chat_id: int
) -> InlineKeyboardMarkup | None:
    """Inline buttons for quick answers; answers too long to sign are left out."""
    buttons = [
        InlineKeyboardButton(choice.label, callback_data=data)
        for choice in choices
        if (data := signer.sign(chat_id, choice.value, choice.about)) is not None
    ]
    if not buttons:
        return None
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    return InlineKeyboardMarkup(rows)

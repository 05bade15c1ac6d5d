"""Core replies as Telegram messages: HTML, split under the size limit, with buttons.

Everything is sent in Telegram's HTML parse mode. Plain words (the desk's, a user's, a
homeworker's, masked or not) are escaped; articles' Markdown becomes the tags Telegram
allows (b, i, s, code, pre, a, blockquote); lists become numbered or bulleted lines.
A message too long for one piece is cut at a paragraph, line or word break, and a tag open
at the cut is closed at the end of one piece and opened again at the start of the next.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.domain import Choice, Markup, TextPart
from bot.doors.article_markup import render_markdown
from bot.doors.telegram.buttons import ButtonSigner

MAX_MESSAGE_CHARS = 4000  # Telegram's limit is 4,096 after entity parsing; keep a margin
BUTTONS_PER_ROW = 3
_ATOM = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*>|&#?\w+;|.", re.DOTALL)
_TAG = re.compile(r"<[^<>]*>")
_BREAKS = ("\n\n", "\n", " ")  # where a cut is best made, best first


class TelegramHtml:
    """Articles' Markdown in the HTML subset Telegram's parse mode accepts."""

    def text(self, text: str) -> str:
        return as_html(text)

    def bold(self, inner: str) -> str:
        return f"<b>{inner}</b>"

    def italic(self, inner: str) -> str:
        return f"<i>{inner}</i>"

    def strike(self, inner: str) -> str:
        return f"<s>{inner}</s>"

    def code(self, text: str) -> str:
        return f"<code>{as_html(text)}</code>"

    def link(self, inner: str, href: str) -> str:
        return f'<a href="{html.escape(href, quote=True)}">{inner}</a>'

    def code_block(self, text: str, language: str) -> str:
        if language:
            kind = html.escape(language, quote=True)
            return f'<pre><code class="language-{kind}">{as_html(text)}</code></pre>'
        return f"<pre>{as_html(text)}</pre>"

    def quote(self, inner: str) -> str:
        return f"<blockquote>{inner}</blockquote>"


def as_html(text: str) -> str:
    """Plain text, escaped for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def message_html(parts: Sequence[TextPart]) -> str:
    """A message's parts as one HTML text: plain words escaped, articles rendered."""
    rendered = (
        render_markdown(part.text, TelegramHtml())
        if part.markup is Markup.ARTICLE_MARKDOWN
        else as_html(part.text)
        for part in parts
    )
    return "\n\n".join(text for text in rendered if text)


def message_pieces(parts: Sequence[TextPart], limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """The HTML messages that carry ``parts``, each within the limit, every tag closed."""
    return split_html(message_html(parts), limit)


@dataclass(frozen=True)
class _Atom:
    """A tag, an entity or one character: what a cut never goes through."""

    text: str
    opens: str = ""  # the name of the tag this atom opens
    closes: bool = False


def _atoms(text: str, limit: int) -> list[_Atom]:
    """``text`` in atoms; a tag too long to reopen in a piece (a link to a huge address) is
    left out with its end tag, keeping the words inside it."""
    atoms: list[_Atom] = []
    kept: list[bool] = []  # for each tag open at this point: whether it was kept
    for match in _ATOM.finditer(text):
        closing, name = bool(match.group(1)), match.group(2) or ""
        if name and not closing:
            kept.append(_size(match.group(0)) + _size(f"</{name}>") <= limit // 2)
            if not kept[-1]:
                continue
        elif closing and kept and not kept.pop():
            continue
        atoms.append(_Atom(match.group(0), "" if closing else name, closing))
    return atoms


def _size(text: str) -> int:
    """Length as Telegram counts it, in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _closers(stack: Sequence[_Atom]) -> str:
    """The end tags for the open tags on ``stack``, innermost first."""
    return "".join(f"</{atom.opens}>" for atom in reversed(stack))


def _after(stack: list[_Atom], atom: _Atom) -> list[_Atom]:
    if atom.opens:
        return [*stack, atom]
    if atom.closes and stack:
        return stack[:-1]
    return stack


@dataclass(frozen=True)
class _Cut:
    """Where a piece ends (an atom index, not included) and the tags open there."""

    end: int
    stack: list[_Atom]


def _cut(atoms: list[_Atom], start: int, stack: list[_Atom], limit: int) -> _Cut:
    """The best place to end the piece that starts at ``start`` with ``stack`` reopened."""
    size = sum(_size(atom.text) for atom in stack)
    best: dict[str, _Cut] = {}
    for index in range(start, len(atoms)):
        atom = atoms[index]
        if atom.text in (" ", "\n") and index > start:
            before = atoms[index - 1].text
            kind = "\n\n" if atom.text == "\n" and before == "\n" else atom.text
            best[kind] = _Cut(index - 1 if kind == "\n\n" else index, stack)
        following = _after(stack, atom)
        grown = size + _size(atom.text)
        if grown + _size(_closers(following)) > limit:
            halfway = start + (index - start) // 2
            for kind in _BREAKS:
                if kind in best and best[kind].end > halfway:
                    return best[kind]
            return _Cut(max(index, start + 1), stack if index > start else following)
        stack, size = following, grown
    return _Cut(len(atoms), stack)


def split_html(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Pieces of at most ``limit`` (UTF-16 units, tags included), cut at paragraph, line or
    word breaks; no tag or entity is cut, and tags open at a cut are closed and reopened."""
    atoms = _atoms(text, limit)
    pieces: list[str] = []
    start, reopened = 0, list[_Atom]()
    while start < len(atoms):
        cut = _cut(atoms, start, reopened, limit)
        body = "".join(atom.text for atom in atoms[start : cut.end]).rstrip(" \n")
        prefix = "".join(atom.text for atom in reopened)
        if _TAG.sub("", body).strip():
            pieces.append(f"{prefix}{body}{_closers(cut.stack)}")
        start, reopened = cut.end, cut.stack
        while start < len(atoms) and atoms[start].text in (" ", "\n"):
            start += 1
    return pieces or [""]


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

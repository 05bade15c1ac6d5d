"""What the terminal doors read and print: bytes decoded leniently, people's text made inert.

A message typed by one person is printed on another person's terminal, so anything that
could drive that terminal (escape sequences that clear the screen or move the cursor, a
carriage return that overwrites a line, C1 controls, bidi overrides that reorder what is
read) is removed where the doors print, once. Lines and tabs stay.
"""

from __future__ import annotations

import io
import re
import textwrap

from sqlalchemy.exc import SQLAlchemyError

from bot.core.domain import Markup, TextPart, joined
from bot.doors.article_markup import render_markdown

# ESC followed by CSI parameters, or a string command (OSC, DCS, SOS, PM, APC) up to its
# terminator, or an escape with intermediate bytes and a final byte; also 8-bit CSI and OSC.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
# C0 but line feed and tab, DEL, C1; bidi embeddings, overrides, isolates and marks.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
STORAGE_TROUBLE = "That could not be done just now; nothing was changed. Please try again."


def printable(text: str) -> str:
    """``text`` with nothing left that could drive a terminal; lines and tabs are kept."""
    text = text.replace("\r\n", "\n")
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _CONTROL.sub("", text)
    return _SURROGATE.sub("\ufffd", text)


class TerminalText:
    """Articles' Markdown as clean terminal text: no markers, links with their address."""

    def text(self, text: str) -> str:
        return text

    def bold(self, inner: str) -> str:
        return inner

    def italic(self, inner: str) -> str:
        return inner

    def strike(self, inner: str) -> str:
        return inner

    def code(self, text: str) -> str:
        return text

    def link(self, inner: str, href: str) -> str:
        address = href.removeprefix("mailto:")
        return inner if inner in (href, address) else f"{inner} ({address})"

    def code_block(self, text: str, language: str) -> str:
        return textwrap.indent(text, "    ")

    def quote(self, inner: str) -> str:
        return textwrap.indent(inner, "  | ", lambda line: True)


def terminal_text(parts: tuple[TextPart, ...]) -> str:
    """A message's parts as terminal text: plain words as they are, articles rendered."""
    return joined(
        tuple(
            TextPart(render_markdown(part.text, TerminalText()))
            if part.markup is Markup.ARTICLE_MARKDOWN
            else part
            for part in parts
        )
    )


def replace_undecodable(stream: object) -> None:
    """Read bytes that are not valid in the stream's encoding as U+FFFD instead of failing."""
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors="replace")


STORAGE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError,)
"""What the desk's storage raises when one command can't be carried out (busy, timed out)."""

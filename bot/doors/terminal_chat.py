"""`triage chat`: the end user's terminal door to the desk."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TextIO

from bot.core.desk import FirstLineDesk
from bot.core.domain import Reply, Sender
from bot.core.tickets import Notice
from bot.doors.terminal_io import (
    STORAGE_ERRORS,
    STORAGE_TROUBLE,
    printable,
    replace_undecodable,
    terminal_text,
)

CHANNEL = "terminal"
MAX_USER_CHARS = 128  # the longest user name the desk stores
PROMPT = "you> "

_log = logging.getLogger(__name__)

NoticeSource = Callable[[], list[Notice]]


def render(reply: Reply | Notice) -> str:
    """A reply as plain, printable terminal text, attachments named, quick answers spelt out."""
    return printable(_plain(reply))


def _plain(reply: Reply | Notice) -> str:
    text = terminal_text(reply.text_parts)
    attached = reply.attachments if isinstance(reply, Reply) else (reply.attachment,)
    for attachment in attached:
        if attachment is not None:
            text += f"\n  (attached {attachment.describe()}, id {attachment.ref})"
    if not reply.choices:
        return text
    answers = " / ".join(choice.value for choice in reply.choices)
    return f"{text}\n  (answer: {answers})"


def terminal_sender(user: str) -> Sender:
    """The desk's view of a terminal user; a name too long to store is cut."""
    name = user.replace("\x00", "")[:MAX_USER_CHARS]
    return Sender(channel=CHANNEL, external_id=name, display_name=name)


def _no_notices() -> list[Notice]:
    return []


def run_scripted(
    desk: FirstLineDesk,
    user: str,
    lines: Iterable[str],
    out: TextIO,
    notices: NoticeSource = _no_notices,
) -> int:
    """Answer one message per line; print the bot's replies and the team's messages."""
    sender = terminal_sender(user)
    handled = 0
    replace_undecodable(lines)
    _print_notices(notices, out, "")
    for line in lines:
        message = line.rstrip("\r\n")
        if not message.strip():
            continue
        for text in _answers(desk, sender, message):
            out.write(text + "\n\n")
        _print_notices(notices, out, "")
        out.flush()
        handled += 1
    return handled


def run_interactive(
    desk: Callable[[], FirstLineDesk],
    user: str,
    stdin: TextIO,
    out: TextIO,
    notices: NoticeSource = _no_notices,
) -> None:
    """Chat on a terminal until end of input or Ctrl-C; Enter on its own checks for news.

    The greeting is printed first; ``desk()`` is asked for only when the first message needs
    it, so a desk still starting does not keep the person waiting for the greeting.
    """
    sender = terminal_sender(user)
    replace_undecodable(stdin)
    out.write(f"{render(FirstLineDesk.welcome())}\n(Ctrl-D to leave; Enter shows new messages)\n\n")
    while True:
        _print_notices(notices, out, "bot> ")
        out.write(PROMPT)
        out.flush()
        try:
            line = stdin.readline()
        except KeyboardInterrupt:
            line = ""
        if not line:
            out.write("\nBye!\n")
            return
        if not line.strip():
            continue
        for text in _answers(desk(), sender, line.rstrip("\n")):
            out.write(f"bot> {text}\n\n")


def _answers(desk: FirstLineDesk, sender: Sender, message: str) -> list[str]:
    """The desk's replies to one message as text; a busy database costs that message only."""
    try:
        return [render(reply) for reply in desk.handle(sender, message)]
    except STORAGE_ERRORS as error:
        _log.warning("a message could not be handled: %s", type(error).__name__)
        return [STORAGE_TROUBLE]


def _print_notices(notices: NoticeSource, out: TextIO, prefix: str) -> None:
    try:
        news = notices()
    except STORAGE_ERRORS as error:
        _log.warning("news could not be read: %s", type(error).__name__)
        return  # read again after the next line
    for notice in news:
        out.write(f"{prefix}{render(notice)}\n\n")

"""`triage chat`: the end user's terminal door to the desk."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TextIO

from bot.core.desk import FirstLineDesk
from bot.core.domain import Reply, Sender
from bot.core.tickets import Notice

CHANNEL = "terminal"
PROMPT = "you> "
_BOLD = re.compile(r"\*\*(.+?)\*\*")

NoticeSource = Callable[[], list[Notice]]


def render(reply: Reply | Notice) -> str:
    """A reply as plain terminal text, with attachments named and quick answers spelt out."""
    text = _BOLD.sub(r"\1", reply.text)
    attached = reply.attachments if isinstance(reply, Reply) else (reply.attachment,)
    for attachment in attached:
        if attachment is not None:
            text += f"\n  (attached {attachment.describe()}, id {attachment.ref})"
    if not reply.choices:
        return text
    answers = " / ".join(choice.value for choice in reply.choices)
    return f"{text}\n  (answer: {answers})"


def terminal_sender(user: str) -> Sender:
    """The desk's view of a terminal user."""
    return Sender(channel=CHANNEL, external_id=user, display_name=user)


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
    _print_notices(notices, out, "")
    for line in lines:
        message = line.rstrip("\r\n")
        if not message.strip():
            continue
        for reply in desk.handle(sender, message):
            out.write(render(reply) + "\n\n")
        _print_notices(notices, out, "")
        out.flush()
        handled += 1
    return handled


def run_interactive(
    desk: FirstLineDesk,
    user: str,
    stdin: TextIO,
    out: TextIO,
    notices: NoticeSource = _no_notices,
) -> None:
    """Chat on a terminal until end of input or Ctrl-C; Enter on its own checks for news."""
    sender = terminal_sender(user)
    out.write(f"{render(desk.welcome())}\n(Ctrl-D to leave; Enter shows new messages)\n\n")
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
        for reply in desk.handle(sender, line.rstrip("\n")):
            out.write(f"bot> {render(reply)}\n\n")


def _print_notices(notices: NoticeSource, out: TextIO, prefix: str) -> None:
    for notice in notices():
        out.write(f"{prefix}{render(notice)}\n\n")

"""`triage chat`: the end user's terminal door to the desk."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO

from bot.core.desk import FirstLineDesk
from bot.core.domain import Reply, Sender

CHANNEL = "terminal"
PROMPT = "you> "
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def render(reply: Reply) -> str:
    """A reply as plain terminal text, with its quick answers spelt out."""
    text = _BOLD.sub(r"\1", reply.text)
    if not reply.choices:
        return text
    answers = " / ".join(choice.value for choice in reply.choices)
    return f"{text}\n  (answer: {answers})"


def terminal_sender(user: str) -> Sender:
    """The desk's view of a terminal user."""
    return Sender(channel=CHANNEL, external_id=user, display_name=user)


def run_scripted(desk: FirstLineDesk, user: str, lines: Iterable[str], out: TextIO) -> int:
    """Answer one message per line; print the bot's replies. Returns messages handled."""
    sender = terminal_sender(user)
    handled = 0
    for line in lines:
        message = line.rstrip("\r\n")
        if not message.strip():
            continue
        for reply in desk.handle(sender, message):
            out.write(render(reply) + "\n\n")
        out.flush()
        handled += 1
    return handled


def run_interactive(desk: FirstLineDesk, user: str, stdin: TextIO, out: TextIO) -> None:
    """Chat on a terminal until end of input or Ctrl-C."""
    sender = terminal_sender(user)
    out.write(f"{render(desk.welcome())}\n(Ctrl-D to leave)\n\n")
    while True:
        out.write(PROMPT)
        out.flush()
        try:
            line = stdin.readline()
        except KeyboardInterrupt:
            line = ""
        if not line:
            out.write("\nBye!\n")
            return
        for reply in desk.handle(sender, line.rstrip("\n")):
            out.write(f"bot> {render(reply)}\n\n")

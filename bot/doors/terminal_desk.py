"""`triage desk`: a homeworker's or supervisor's terminal door, one command per line."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from bot.core.agent_stats import AgentStats
from bot.core.domain import Choice, Reply
from bot.core.second_line import SecondLineDesk
from bot.core.service_levels import ServiceLevelCheck
from bot.core.tickets import Agent
from bot.doors.desk_commands import HELP_COLUMN, desk_help, run_desk_command
from bot.doors.terminal_chat import NoticeSource, render
from bot.doors.terminal_io import STORAGE_ERRORS, STORAGE_TROUBLE, printable
from bot.errors import Refused

PROMPT = "desk> "
CHECK_EVERY_SECONDS = 60.0
_log = logging.getLogger(__name__)
HELP = desk_help() + "\n" + "  quit".ljust(HELP_COLUMN) + "leave the desk"


@dataclass
class DeskSession:
    """One agent at the terminal: reads commands, prints answers and news."""

    desk: SecondLineDesk
    agent: Agent
    notices: NoticeSource
    check: ServiceLevelCheck | None = None
    stats: AgentStats | None = None
    _last_check: float = 0.0
    _offered: tuple[Choice, ...] = ()  # the last answer's choices, for `kb 2`

    def run(self, lines: Iterable[str], out: TextIO, prompt: str = "") -> None:
        """Handle each line until input ends or the agent quits."""
        self._news(out)
        if prompt:
            out.write(prompt)
            out.flush()
        for line in lines:
            command = line.strip()
            if command.casefold() in ("quit", "exit"):
                break
            if command:
                out.write(self.execute(command) + "\n\n")
            self._news(out)
            if prompt:
                out.write(prompt)
            out.flush()

    def execute(self, line: str) -> str:
        """One command's answer, as printable text; refusals and a busy database are too."""
        try:
            return _without_news_lines(render(self.answer(line)))
        except Refused as refusal:
            return _without_news_lines(printable(f"Refused: {refusal}"))
        except STORAGE_ERRORS as error:
            _log.warning("a desk command could not be carried out: %s", type(error).__name__)
            return STORAGE_TROUBLE

    def answer(self, line: str) -> Reply:
        """One command's reply; a refusal is raised as :class:`Refused`."""
        if line.split()[:1] == ["help"]:
            return Reply(HELP)
        reply = run_desk_command(self.desk, self.agent, self._chosen(line), self.stats)
        self._offered = reply.choices
        return reply

    def _chosen(self, line: str) -> str:
        """``kb 2``: the second article the last search listed, by its id; else the line."""
        words = line.split()
        if len(words) != 2 or words[0].casefold() != "kb" or not words[1].isdigit():
            return line
        listed = [choice.value for choice in self._offered if choice.value.startswith("kb ")]
        number = int(words[1])
        return listed[number - 1] if 1 <= number <= len(listed) else line

    def _news(self, out: TextIO) -> None:
        try:
            if (
                self.check is not None
                and time.monotonic() - self._last_check >= CHECK_EVERY_SECONDS
            ):
                self._last_check = time.monotonic()
                self.check.run()
            news = self.notices()
        except STORAGE_ERRORS as error:
            _log.warning("news could not be read: %s", type(error).__name__)
            return  # read again after the next command
        for notice in news:
            first, *rest = render(notice).split("\n")
            out.write("\n".join([f"{NEWS} {first}", *(f"{_NEWS_INDENT}{line}" for line in rest)]))
            out.write("\n\n")


NEWS = "[news]"
_NEWS_INDENT = " " * (len(NEWS) + 1)
_NEWS_AT_LINE_START = re.compile(rf"^(?=[ \t]*{re.escape(NEWS)})", re.MULTILINE)


def _without_news_lines(text: str) -> str:
    """Only the desk's own news starts a line with [news]: a person's text can't fake one."""
    return _NEWS_AT_LINE_START.sub(_NEWS_INDENT, text)

"""`triage desk`: a homeworker's or supervisor's terminal door, one command per line."""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TextIO

from bot.core.agent_stats import AgentStats
from bot.core.domain import Reply
from bot.core.second_line import SecondLineDesk
from bot.core.service_levels import ServiceLevelCheck
from bot.core.tickets import Agent
from bot.doors.terminal_chat import NoticeSource, render
from bot.errors import Refused

PROMPT = "desk> "
CHECK_EVERY_SECONDS = 60.0

HELP = """Commands (one per line):
  queue                  cases waiting to be claimed, most urgent first
  mine                   the cases you hold
  next                   take the most urgent case you have the skill for
  claim T-1042           take a given case
  view T-1042            read a case's card and transcript
  switch T-1042          make one of your cases the current one
  reply TEXT             answer the user on your current case
  note TEXT              add an internal note (the user never sees it)
  transfer NAME|SKILL    hand the case to a colleague, or queue it for a skill
  release                put the case back in the queue
  resolve [--category C] [--not-needed] NOTE
                         resolve it; the user is asked to rate the help
  ask TEXT               ask the supervisors for help with the current case
  takeover T-1042        (supervisors) take a case over
  shift on|off           start or end your shift
  mystats                your own figures beside the team median
  help                   this list;  quit  leaves"""


@dataclass
class DeskSession:
    """One agent at the terminal: reads commands, prints answers and news."""

    desk: SecondLineDesk
    agent: Agent
    notices: NoticeSource
    check: ServiceLevelCheck | None = None
    stats: AgentStats | None = None
    _last_check: float = 0.0

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
        """One command's answer, as text; refusals are answers too."""
        try:
            return render(self.answer(line))
        except Refused as refusal:
            return f"Refused: {refusal}"

    def answer(self, line: str) -> Reply:
        """One command's reply; a refusal is raised as :class:`Refused`."""
        word, _, rest = line.strip().partition(" ")
        action = _COMMANDS.get(word.casefold())
        if action is None:
            return Reply(f"Unknown command {word!r}. Type `help` for the list.")
        return action(self, rest.strip())

    def _news(self, out: TextIO) -> None:
        if self.check is not None and time.monotonic() - self._last_check >= CHECK_EVERY_SECONDS:
            self._last_check = time.monotonic()
            self.check.run()
        for notice in self.notices():
            out.write(f"[news] {render(notice)}\n\n")

    # --- commands ------------------------------------------------------------------------

    def _resolve(self, rest: str) -> Reply:
        try:
            words = shlex.split(rest)
        except ValueError:
            words = rest.split()
        category, needed, note = None, True, []
        while words:
            word = words.pop(0)
            if word == "--category" and words:
                category = words.pop(0)
            elif word == "--not-needed":
                needed = False
            else:
                note.append(word)
        return self.desk.resolve(self.agent.id, " ".join(note), category, needed)

    def _own_figures(self) -> Reply:
        if self.stats is None:
            raise Refused("Figures are not available here.")
        return self.stats.reply(self.agent.id)

    def _shift(self, rest: str) -> Reply:
        if rest.casefold() not in ("on", "off"):
            raise Refused("Say `shift on` or `shift off`.")
        return self.desk.set_shift(self.agent.id, rest.casefold() == "on")

    def _needs(self, rest: str, example: str) -> str:
        if not rest:
            raise Refused(f"Which case? e.g. `{example}`.")
        return rest


Command = Callable[[DeskSession, str], Reply]

_COMMANDS: dict[str, Command] = {
    "help": lambda s, _: Reply(HELP),
    "queue": lambda s, _: s.desk.queue(s.agent.id),
    "mine": lambda s, _: s.desk.mine(s.agent.id),
    "next": lambda s, _: s.desk.next_case(s.agent.id),
    "claim": lambda s, r: s.desk.claim(s.agent.id, s._needs(r, "claim T-1042")),
    "view": lambda s, r: s.desk.view(s.agent.id, s._needs(r, "view T-1042")),
    "switch": lambda s, r: s.desk.switch(s.agent.id, s._needs(r, "switch T-1042")),
    "reply": lambda s, r: s.desk.reply(s.agent.id, r),
    "note": lambda s, r: s.desk.note(s.agent.id, r),
    "transfer": lambda s, r: s.desk.transfer(s.agent.id, r),
    "release": lambda s, _: s.desk.release(s.agent.id),
    "resolve": lambda s, r: s._resolve(r),
    "ask": lambda s, r: s.desk.ask_for_help(s.agent.id, r),
    "takeover": lambda s, r: s.desk.take_over(s.agent.id, s._needs(r, "takeover T-1042")),
    "shift": lambda s, r: s._shift(r),
    "mystats": lambda s, _: s._own_figures(),
}

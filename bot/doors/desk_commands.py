"""Second line's commands in one table: every door's parser, help text and menu come from it.

A command line is its name, then the command's options (``--category network``), then its
argument: a case reference, one word, a choice, or free text to the end of the line. Anything
missing, malformed or left over is refused in one line that ends with the command's usage, and
nothing reaches the desk.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.core.agent_stats import AgentStats
from bot.core.domain import Reply
from bot.core.second_line import SecondLineDesk
from bot.core.tickets import Agent
from bot.errors import Refused

HELP_COLUMN = 25
CHAT_LINES = (
    "Anything you type without a command goes to the user of your current case;",
    "reply to a relayed message to answer on that message's case.",
)


@dataclass(frozen=True)
class Argument:
    """What a command takes after its options: one word, or the rest of the line."""

    usage: str  # as the usage line spells it
    what: str  # as a refusal names it
    rest_of_line: bool = False
    choices: tuple[str, ...] = ()
    shape: re.Pattern[str] | None = None

    def read(self, command: str, text: str) -> str:
        """The argument in ``text``; refused when missing, malformed or followed by more."""
        if not text:
            raise Refused(f"`{command}` needs {self.what}.")
        if self.rest_of_line:
            return text
        word, *extra = text.split()
        if extra:
            raise Refused(f"`{command}` takes {self.what} and nothing more.")
        if self.choices and word.casefold() not in self.choices:
            raise Refused(f"{word!r} is not {self.what}.")
        if self.shape is not None and not self.shape.fullmatch(word):
            raise Refused(f"{word!r} is not {self.what}.")
        return word.casefold() if self.choices else word


@dataclass(frozen=True)
class Option:
    """A ``--flag``, or a ``--name VALUE`` whose value must be one the desk knows."""

    flag: str
    value: str = ""  # the value's name in the usage; empty for a flag
    known: Callable[[SecondLineDesk], tuple[str, ...]] | None = None

    @property
    def usage(self) -> str:
        """``[--category C]`` or ``[--not-needed]``."""
        return f"[{self.flag} {self.value}]" if self.value else f"[{self.flag}]"

    def read_value(self, word: str, desk: SecondLineDesk) -> str:
        """The option's value from ``word``; refused when missing or not a known one."""
        if not word or _is_flag(word):
            raise Refused(f"{self.flag} needs a value.")
        value = word.casefold()
        known = self.known(desk) if self.known is not None else ()
        if known and value not in known:
            raise Refused(f"{word!r} is not one of {', '.join(known)}.")
        return value


@dataclass(frozen=True)
class DeskCall:
    """One command as read from a line, with who sent it and where it came from."""

    desk: SecondLineDesk
    agent: Agent
    argument: str = ""
    options: Mapping[str, str] = field(default_factory=dict)
    stats: AgentStats | None = None
    delivery: str | None = None


@dataclass(frozen=True)
class DeskCommand:
    """A second-line command: its name, what it takes, one line of help, who may use it."""

    name: str
    help: str
    run: Callable[[DeskCall], Reply]
    argument: Argument | None = None
    options: tuple[Option, ...] = ()
    supervisors_only: bool = False

    @property
    def usage(self) -> str:
        """The command as it is typed, e.g. ``resolve [--category C] [--not-needed] NOTE``."""
        parts = [self.name, *(option.usage for option in self.options)]
        if self.argument is not None:
            parts.append(self.argument.usage)
        return " ".join(parts)

    @property
    def description(self) -> str:
        """The help line as people with the role read it."""
        return f"(supervisors) {self.help}" if self.supervisors_only else self.help

    def read(self, text: str, desk: SecondLineDesk) -> tuple[str, dict[str, str]]:
        """The argument and options in the text after the name; refused, with usage, if bad."""
        try:
            options, rest = self._read_options(text, desk)
            if self.argument is None:
                if rest:
                    raise Refused(f"`{self.name}` takes nothing after it.")
                return "", options
            return self.argument.read(self.name, rest), options
        except Refused as refusal:
            raise Refused(f"{refusal} Usage: {self.usage}") from None

    def _read_options(self, text: str, desk: SecondLineDesk) -> tuple[dict[str, str], str]:
        by_flag = {option.flag: option for option in self.options}
        options: dict[str, str] = {}
        rest = text.strip()
        while _is_flag(rest):
            flag, rest = _first_word(rest)
            option = by_flag.get(_dashes(flag).casefold())
            if option is None:
                raise Refused(f"Unknown option {flag!r}.")
            if option.flag in options:
                raise Refused(f"{option.flag} is given twice.")
            value = ""
            if option.value:
                word, rest = _first_word(rest)
                value = option.read_value(word, desk)
            options[option.flag] = value
        if any(_dashes(word).casefold() in by_flag for word in rest.split()):
            raise Refused("Options go before the other words.")
        return options, rest


def _first_word(text: str) -> tuple[str, str]:
    words = text.split(maxsplit=1)
    return (words[0], words[1] if len(words) > 1 else "") if words else ("", "")


def _dashes(word: str) -> str:
    """``--flag`` as typed, or as a phone's keyboard turns it into ``—flag``."""
    for dash in ("\u2014", "\u2013"):  # an em dash, an en dash
        if word.startswith(dash):
            return "--" + word[1:]
    return word


def _is_flag(text: str) -> bool:
    word = _dashes(_first_word(text)[0])
    return word.startswith("--") and len(word) > 2


def _categories(desk: SecondLineDesk) -> tuple[str, ...]:
    return desk.categories


NAMED_CASE = re.compile(r"(?i)(T-[0-9]{1,10})[:,]?(?:\s+|$)")


def on_named_case(text: str) -> tuple[str | None, str]:
    """``"T-1042 we are on it"``: the case a line names first, and the rest. A reply that
    starts with a case's reference is meant for that case, never the current one."""
    named = NAMED_CASE.match(text)
    if named is None:
        return None, text
    return named.group(1), text[named.end() :]


def _reply(call: DeskCall) -> Reply:
    reference, text = on_named_case(call.argument)
    return call.desk.reply(call.agent.id, text, reference, delivery=call.delivery)


def _note(call: DeskCall) -> Reply:
    reference, text = on_named_case(call.argument)
    return call.desk.note(call.agent.id, text, reference, delivery=call.delivery)


def _resolve(call: DeskCall) -> Reply:
    reference, note = on_named_case(call.argument)
    return call.desk.resolve(
        call.agent.id,
        note,
        call.options.get("--category"),
        "--not-needed" not in call.options,
        reference=reference,
        delivery=call.delivery,
    )


INCIDENT_ACTIONS = ("confirm", "dismiss", "owner", "update", "workaround", "resolve")
_INCIDENT_LINE = re.compile(r"(?is)\s*(\w+)\s+((?:MI-)?[0-9]{1,9})\b\s*(.*)")


def _incident(call: DeskCall) -> Reply:
    """``incident ACTION MI-3 [TEXT]``: what a supervisor or the owner does with one."""
    found = _INCIDENT_LINE.fullmatch(call.argument)
    action = found.group(1).casefold() if found else ""
    if found is None or action not in INCIDENT_ACTIONS:
        raise Refused(
            f"Say what to do with which incident: {' | '.join(INCIDENT_ACTIONS)} MI-3 [TEXT]. "
            f"Usage: {_BY_NAME['incident'].usage}"
        )
    incidents, agent_id, reference, text = (
        call.desk.incidents, call.agent.id, found.group(2), found.group(3).strip()
    )  # fmt: skip
    if action == "dismiss":
        if text:
            raise Refused("`incident dismiss` takes the incident and nothing more.")
        return incidents.dismiss(agent_id, reference, delivery=call.delivery)
    if action == "confirm":  # the text, if any, is the title
        return incidents.confirm(agent_id, reference, text, delivery=call.delivery)
    run = {
        "owner": incidents.assign_owner,
        "update": incidents.post_update,
        "workaround": incidents.set_workaround,
        "resolve": incidents.resolve,
    }[action]
    return run(agent_id, reference, text, delivery=call.delivery)


def _link(call: DeskCall) -> Reply:
    words = call.argument.split()
    if len(words) != 2 or not CASE_SHAPE.fullmatch(words[0]):
        raise Refused(f"Say which case and which incident. Usage: {_BY_NAME['link'].usage}")
    return call.desk.incidents.link(call.agent.id, words[0], words[1], delivery=call.delivery)


def _own_figures(call: DeskCall) -> Reply:
    if call.stats is None:
        raise Refused("Figures are not available here.")
    return call.stats.reply(call.agent.id)


CASE_SHAPE = re.compile(r"(?i)(T-)?[0-9]{1,10}")
CASE = Argument("T-1042", "a case reference", shape=CASE_SHAPE)

COMMANDS: tuple[DeskCommand, ...] = (
    DeskCommand(
        "queue",
        "cases waiting to be claimed, most urgent first",
        lambda c: c.desk.queue(c.agent.id),
    ),
    DeskCommand("mine", "the cases you hold", lambda c: c.desk.mine(c.agent.id)),
    DeskCommand(
        "next",
        "take the most urgent case you have the skill for",
        lambda c: c.desk.next_case(c.agent.id, delivery=c.delivery),
    ),
    DeskCommand(
        "claim",
        "take a given case",
        lambda c: c.desk.claim(c.agent.id, c.argument, delivery=c.delivery),
        CASE,
    ),
    DeskCommand(
        "view",
        "read a case's card and transcript",
        lambda c: c.desk.view(c.agent.id, c.argument),
        CASE,
    ),
    DeskCommand(
        "switch",
        "make one of your cases the current one",
        lambda c: c.desk.switch(c.agent.id, c.argument, delivery=c.delivery),
        CASE,
    ),
    DeskCommand(
        "reply",
        "answer the user on your current case (or on the case named first)",
        _reply,
        Argument("[T-1042] TEXT", "the reply", rest_of_line=True),
    ),
    DeskCommand(
        "kb",
        "send the user a knowledge-base article, or search for one",
        lambda c: c.desk.send_article(c.agent.id, c.argument, delivery=c.delivery),
        Argument("QUERY|ARTICLE-ID", "words to search for or an article id", rest_of_line=True),
    ),
    DeskCommand(
        "note",
        "add an internal note (the user never sees it)",
        _note,
        Argument("[T-1042] TEXT", "the note", rest_of_line=True),
    ),
    DeskCommand(
        "transfer",
        "hand the case to a colleague, or queue it for a skill",
        lambda c: c.desk.transfer(c.agent.id, c.argument, delivery=c.delivery),
        Argument("NAME|SKILL", "a colleague's name or a skill"),
    ),
    DeskCommand(
        "release",
        "put the case back in the queue",
        lambda c: c.desk.release(c.agent.id, delivery=c.delivery),
    ),
    DeskCommand(
        "resolve",
        "resolve the case; the user is asked to rate the help",
        _resolve,
        Argument("[T-1042] NOTE", "a note on what fixed it", rest_of_line=True),
        (Option("--category", "C", _categories), Option("--not-needed")),
    ),
    DeskCommand(
        "ask",
        "ask the supervisors for help with the current case",
        lambda c: c.desk.ask_for_help(c.agent.id, c.argument, delivery=c.delivery),
        Argument("TEXT", "the question", rest_of_line=True),
    ),
    DeskCommand(
        "takeover",
        "take a case over",
        lambda c: c.desk.take_over(c.agent.id, c.argument, delivery=c.delivery),
        CASE,
        supervisors_only=True,
    ),
    DeskCommand(
        "shift",
        "start or end your shift",
        lambda c: c.desk.set_shift(c.agent.id, c.argument == "on", delivery=c.delivery),
        Argument("on|off", "on or off", choices=("on", "off")),
    ),
    DeskCommand(
        "mystats",
        "your own figures beside the team median",
        _own_figures,
    ),
    DeskCommand(
        "incidents",
        "open and proposed major incidents",
        lambda c: c.desk.incidents.listing(),
    ),
    DeskCommand(
        "link",
        "link a case to an open major incident (its user is told)",
        _link,
        Argument("T-1042 MI-3", "a case and a major incident", rest_of_line=True),
    ),
    DeskCommand(
        "incident",
        "confirm|dismiss|owner NAME (supervisors), update|workaround|resolve TEXT (its owner)",
        _incident,
        Argument("ACTION MI-3 [TEXT]", "an action and a major incident", rest_of_line=True),
    ),
    DeskCommand(
        "announce",
        "tell every homeworker on shift",
        lambda c: c.desk.incidents.announce(c.agent.id, c.argument, delivery=c.delivery),
        Argument("TEXT", "the announcement", rest_of_line=True),
        supervisors_only=True,
    ),
)
_BY_NAME = {command.name: command for command in COMMANDS}


def run_desk_command(
    desk: SecondLineDesk,
    agent: Agent,
    line: str,
    stats: AgentStats | None = None,
    delivery: str | None = None,
) -> Reply:
    """Carry out one command line (no leading slash) for ``agent``; bad input is Refused."""
    name, rest = _first_word(line.replace("\x00", ""))  # no database stores a NUL
    command = _BY_NAME.get(name.casefold())
    if command is None:
        known = ", ".join(c.name for c in COMMANDS)
        unknown = f"Unknown command {name!r}." if name else "No command given."
        raise Refused(f"{unknown} Commands: {known}, help.")
    if command.supervisors_only and not agent.is_supervisor:
        raise Refused(f"Only a supervisor can use `{command.name}`.")
    argument, options = command.read(rest, desk)
    return command.run(DeskCall(desk, agent, argument, options, stats, delivery))


def desk_help(prefix: str = "") -> str:
    """The commands with one line each; a chat's prefix "/" adds how plain text is sent."""
    lines = ["Commands:"]
    entries = [*((c.usage, c.description) for c in COMMANDS), ("help", "this list")]
    for usage, description in entries:
        left = f"  {prefix}{usage}"
        if len(left) < HELP_COLUMN:
            lines.append(left.ljust(HELP_COLUMN) + description)
        else:
            lines += [left, " " * HELP_COLUMN + description]
    if prefix:
        lines += CHAT_LINES
    return "\n".join(lines)


def command_menu(supervisor: bool) -> list[tuple[str, str]]:
    """(name, description) for a chat's command menu; supervisors' commands only for them."""
    menu = [(c.name, _menu_line(c)) for c in COMMANDS if supervisor or not c.supervisors_only]
    return [*menu, ("help", "All commands")]


def _menu_line(command: DeskCommand) -> str:
    described = command.help[0].upper() + command.help[1:]
    if command.argument is None:
        return described
    return f"{described}: /{command.usage}"

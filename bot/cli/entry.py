"""Running the `triage` command tree: a usage error is one line on stderr and exit status 2.

Click (inside typer) answers a missing argument or a bad option value with the usage, a
hint and a boxed error: five lines or more for one mistake. Here the command runs with
click's own error display off, and each way out is translated once: a usage error to one
line naming the command and where its help is, typer's exits to their status, anything
unexpected to the one-line apology (its type logged, never its text).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import typer

from bot.cli.common import UNEXPECTED_ERROR, errors

log = logging.getLogger(__name__)

# Click's base of the errors it prints itself (bad usage, an unreadable file), found from a
# name typer exports, whichever click typer ships; tests/test_cli_bad_arguments.py pins it.
CLICK_ERROR: type[Exception] = next(
    kind for kind in typer.BadParameter.__mro__ if kind.__name__ == "ClickException"
)
USAGE_ERROR_STATUS = 2


def run_command(command: Any, args: Sequence[str] | None, prog_name: str) -> int:
    """Run the click command for ``args``; return the exit status, every error one line."""
    try:
        status = command.main(args=args, prog_name=prog_name, standalone_mode=False)
    except CLICK_ERROR as error:
        return _usage_error(error)
    except typer.Abort:
        _say("stopped")
        return 1
    except typer.Exit as done:  # some typer versions let it through
        return done.exit_code
    except Exception as error:
        log.error("unexpected %s", type(error).__name__)
        log.debug("what went wrong", exc_info=True)
        _say(UNEXPECTED_ERROR)
        return 1
    return status if isinstance(status, int) else 0


def _usage_error(error: Exception) -> int:
    context = getattr(error, "ctx", None)
    status = int(getattr(error, "exit_code", USAGE_ERROR_STATUS))
    if context is None:
        _say(_message(error))
        return status
    if type(error).__name__ == "NoArgsIsHelpError":  # plain `triage`: what it can do
        shown = context.get_help()  # typer's rich help prints itself and returns ""
        if shown:
            typer.echo(shown)
        return 0
    where = context.command_path
    commands = getattr(context.command, "list_commands", None)
    known = f"commands: {', '.join(commands(context))}; " if callable(commands) else ""
    _say(f"{where}: {_message(error)} ({known}`{where} --help` shows the usage)")
    return status


def _message(error: Exception) -> str:
    format_message = getattr(error, "format_message", None)
    text = format_message() if callable(format_message) else str(error)
    return " ".join(str(text).replace("Value error, ", "").split())


def _say(line: str) -> None:
    prefix = "" if line.startswith("triage") else "triage: "
    errors.print(f"{prefix}{line}", markup=False, highlight=False)

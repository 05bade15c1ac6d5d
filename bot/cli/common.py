"""What every `triage` subcommand shares: settings read once, the one bootstrap, one-line errors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from bot.bootstrap import App, Wiring
from bot.errors import TriageError

if TYPE_CHECKING:
    from rich.table import Table

    from bot.settings import Settings

log = logging.getLogger(__name__)
console = Console()
UNEXPECTED_ERROR = (
    "something went wrong on our side and this command stopped; what was saved before is "
    "safe (TRIAGE_LOG_LEVEL=DEBUG logs the detail)"
)
errors = Console(stderr=True, soft_wrap=True)
UNLIMITED_WIDTH = 100_000  # a table off a terminal is as wide as its content


def print_table(table: Table) -> None:
    """A table on stdout: on a terminal it fits the window (its id columns fold, never cut);
    in a pipe or a file it is as wide as its content, nothing wrapped, folded or cut."""
    if console.is_terminal:
        console.print(table)
    else:
        Console(width=UNLIMITED_WIDTH, no_color=console.no_color).print(table)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one error line and return the exit to raise."""
    errors.print(f"triage: {message}", markup=False, highlight=False)
    return typer.Exit(code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn the desk's errors into one line on stderr and a non-zero exit.

    An unexpected error is never shown: it gets a one-line apology, and the log gets its
    type (its traceback, masked, at DEBUG). Its text may hold what a user typed.
    """
    try:
        yield
    except TriageError as error:
        raise fail(str(error)) from None
    except (typer.Exit, typer.Abort, typer.TyperException):  # typer's own way out
        raise
    except Exception as error:
        log.error("unexpected %s", type(error).__name__)
        log.debug("what went wrong", exc_info=True)
        raise fail(UNEXPECTED_ERROR, code=1) from None


def load_settings() -> Settings:
    """The settings, or exit with one line naming the bad one."""
    import bot.settings  # pydantic: read by the commands that need settings, not by --help

    with reported_errors():
        return bot.settings.load_settings()


@contextmanager
def wiring(settings: Settings | None = None) -> Iterator[Wiring]:
    """The command's one bootstrap: settings read once, parts built as asked, closed after.

    Pass the settings if the command has read them already. The desk's errors, while a
    part is built or used, end the command with one line.
    """
    with reported_errors(), Wiring(settings or load_settings()) as wired:
        yield wired


@contextmanager
def spinner(first: str, on: Console = errors) -> Iterator[Callable[[str], None]]:
    """A transient spinner with elapsed time; yields a function that says the current stage.

    Off a terminal (a pipe, a log file) there is nothing to animate: no spinner, no blank line.
    """
    if not on.is_terminal:
        yield lambda _stage: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=on,
        transient=True,
    ) as progress:
        task = progress.add_task(first, total=None)
        yield lambda stage: progress.update(task, description=stage)


def desk_app(wired: Wiring) -> App:
    """The whole desk; on a first start the default triage model is trained, with a spinner."""
    with spinner("starting") as say:
        return wired.app(progress=say)

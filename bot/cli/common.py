"""What every `triage` subcommand shares: settings, the app, and one-line errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from bot.bootstrap import App, bootstrap
from bot.errors import TriageError
from bot.settings import Settings, load_settings

console = Console()
errors = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one error line and return the exit to raise."""
    errors.print(f"triage: {message}", markup=False, highlight=False)
    return typer.Exit(code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn the desk's errors into one line on stderr and a non-zero exit."""
    try:
        yield
    except TriageError as error:
        raise fail(str(error)) from None


def settings() -> Settings:
    """The settings, or exit with one line naming the bad one."""
    with reported_errors():
        return load_settings()


@contextmanager
def spinner(first: str, on: Console = errors) -> Iterator[Callable[[str], None]]:
    """A transient spinner with elapsed time; yields a function that says the current stage."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=on,
        transient=True,
    ) as progress:
        task = progress.add_task(first, total=None)
        yield lambda stage: progress.update(task, description=stage)


def app_from_settings() -> App:
    """The wired desk, or exit with one line saying what is wrong.

    On a first start the default triage model is trained, with a spinner on stderr.
    """
    with reported_errors():
        current = load_settings()
        with spinner("starting") as say:
            return bootstrap(current, progress=say)

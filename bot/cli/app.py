"""`triage`: the desk's command line, one subcommand per job."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.agent_commands import agents_app, desk, sla_app
from bot.cli.common import console, desk_app, wiring
from bot.cli.demo_commands import demo_app
from bot.cli.entry import run_command
from bot.cli.kb_commands import kb_app
from bot.cli.model_commands import (
    classify_command,
    evaluate_command,
    models_app,
    train_command,
)
from bot.cli.report_commands import report_command
from bot.cli.run_command import run

if TYPE_CHECKING:
    from bot.bootstrap import Wiring
    from bot.core.tickets import Notice

app = typer.Typer(
    help="A first-line IT service desk in chat.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # a traceback must never print a user's message
)
db_app = typer.Typer(help="Manage the database.")
app.add_typer(db_app, name="db")
app.add_typer(kb_app, name="kb")
app.add_typer(models_app, name="models")
app.add_typer(agents_app, name="agents")
app.add_typer(sla_app, name="sla")
app.command("desk")(desk)
app.command("run")(run)
app.command("train")(train_command)
app.command("evaluate")(evaluate_command)
app.command("classify")(classify_command)
app.command("report")(report_command)
app.add_typer(demo_app, name="demo")


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "terminal-user"


def typed_at_a_terminal() -> bool:
    """Whether a person types at the keyboard (an interactive chat), rather than a script."""
    return sys.stdin.isatty()


@app.command()
def chat(
    user: Annotated[
        str | None, typer.Option(help="The end user you are (default: your login).")
    ] = None,
) -> None:
    """Talk to the desk as an end user; pipe lines in to script it."""
    from bot.doors.terminal_chat import run_scripted, terminal_sender

    name = (user or _default_user()).strip() or "terminal-user"
    sender = terminal_sender(name)
    with wiring() as wired:
        if typed_at_a_terminal() and wired.has_active_model():
            _chat_while_the_desk_starts(wired, name)
            return
        whole = desk_app(wired)
        notices = partial(whole.team.notices.collect_for_user, sender)
        if typed_at_a_terminal():
            from bot.doors.terminal_chat import run_interactive

            run_interactive(lambda: whole.desk, name, sys.stdin, sys.stdout, notices)
        else:
            run_scripted(whole.desk, name, sys.stdin, sys.stdout, notices)


def _chat_while_the_desk_starts(wired: Wiring, name: str) -> None:
    """Greet at once and build the desk while the person types: the model is loaded and the
    articles indexed in the seconds a person takes to read and write."""
    from bot.doors.desk_in_background import InBackground
    from bot.doors.terminal_chat import run_interactive, terminal_sender

    starting = InBackground(wired.app)
    sender = terminal_sender(name)

    def news() -> list[Notice]:
        if not starting.done():
            return []  # nothing can be waiting that the person has not been greeted past
        return starting.result().team.notices.collect_for_user(sender)

    run_interactive(lambda: starting.result().desk, name, sys.stdin, sys.stdout, news)
    starting.result()  # a desk that could not start says so, even if nobody wrote


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all database migrations."""
    from bot.storage.database import database_location

    with wiring() as wired:
        _ = wired.engine  # opening the database applies every migration
        done = wired.schema_upgrade
        where = database_location(wired.settings.database_url)
    said = done.describe(where) if done else f"The database at {where} was opened as it is."
    console.print(said, markup=False, highlight=False, soft_wrap=True)


def main(args: Sequence[str] | None = None, prog_name: str = "triage") -> None:
    """Entry point of the `triage` console script: every error is one line on stderr."""
    sys.exit(run_command(typer.main.get_command(app), args, prog_name))

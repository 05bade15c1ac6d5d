"""No secret a user or a homeworker types is stored, relayed or written by the desk (issue 12).

The table holds secrets today's masking already catches, so these tests pin the plumbing:
every door masks before the core's dialogue, triage or storage sees the text, and whatever
is derived from a message (tickets, drafts, training rows) is made of the masked text.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, table
from sqlalchemy.sql import column
from typer.testing import CliRunner, Result

from bot.bootstrap import App
from bot.cli.app import app as cli
from bot.core.domain import Attachment, Sender
from classifier.dataset import Dataset
from classifier.learning import TicketLabel, learn_from_tickets
from knowledge_base.drafts import DraftSource, draft_article
from tests.conftest import AppFactory
from tests.fakes import FakeTriage

# (message, the part of it that must never be kept)
SECRETS: list[tuple[str, str]] = [
    ("my password is Summer2024!", "Summer2024!"),
    ("password: Tr0ub4dor&3 for the VPN", "Tr0ub4dor&3"),
    ("mein Passwort ist Sonnenblume77", "Sonnenblume77"),
    ("mon mot de passe est Chateau#42", "Chateau#42"),
    ("mi contraseña es Girasol2023", "Girasol2023"),
    ("senha: Brasil2024#", "Brasil2024#"),
    ("wachtwoord is Tulp2024!", "Tulp2024!"),
    ("pwd=Qwerty!987", "Qwerty!987"),
    ("the code is 482913", "482913"),
    ("my one-time code: 730145", "730145"),
    ("pin 7391", "7391"),
    ("card 4539 1488 0343 6467 cvv 123", "4539 1488 0343 6467"),
    ("card number 4111111111111111 exp 12/27", "4111111111111111"),
    ("call me on +44 7911 123456", "7911 123456"),
    ("my mobile is 07700 900123", "07700 900123"),
    ("IBAN GB82 WEST 1234 5698 7654 32 please", "5698 7654"),
    ("my IBAN DE89370400440532013000", "DE89370400440532013000"),
    ("api key sk-live-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c", "4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"),
    ("token ghp_1234567890abcdefghijABCDEFGHIJklmnopqr", "1234567890abcdefghijABCDEFGHIJ"),
    ("AKIAIOSFODNN7EXAMPLE is the access key", "AKIAIOSFODNN7EXAMPLE"),
    ("write to bob.smith@example.org for access", "bob.smith@example.org"),
    ("ssn 123-45-6789", "123-45-6789"),
]
MESSAGES = [message for message, _ in SECRETS]
ONE_LINE = "; ".join(MESSAGES)


def leaked(text: str) -> list[str]:
    """The sensitive parts of the table that appear in ``text`` (a number only on its own,
    not as the digits of a longer one: a port such as 57391 is not the PIN 7391)."""
    return [part for _, part in SECRETS if re.search(rf"(?<!\d){re.escape(part)}(?!\d)", text)]


def _is_timestamp(value: object) -> bool:
    """A stored moment (SQLite keeps them as text): its digits are not a leaked PIN."""
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def database_texts(url: str) -> Iterator[tuple[str, str]]:
    """(table.column, value) for every non-empty value of every column of every table."""
    engine = create_engine(url)
    try:
        schema = inspect(engine)
        with engine.connect() as connection:
            for name in schema.get_table_names():
                names = [c["name"] for c in schema.get_columns(name)]
                rows = connection.execute(
                    select(*(column(n) for n in names)).select_from(table(name))
                )
                for row in rows:
                    for column_name, value in zip(names, row, strict=True):
                        if not isinstance(value, str | dict | list) or _is_timestamp(value):
                            continue  # numbers and timestamps hold no typed text
                        shown = (
                            json.dumps(value, ensure_ascii=False)
                            if isinstance(value, dict | list)
                            else str(value)
                        )
                        yield f"{name}.{column_name}", shown
    finally:
        engine.dispose()


def database_leaks(url: str) -> list[tuple[str, str]]:
    """Where in the database a secret of the table appears."""
    return [(where, part) for where, value in database_texts(url) for part in leaked(value)]


def triage(*args: str, app: App, stdin: str = "", models: Path | None = None) -> Result:
    """The command line in this process, on the app's database."""
    env = {"TRIAGE_DATABASE_URL": app.settings.database_url}
    if models is not None:
        env["TRIAGE_MODELS_DIR"] = str(models)
    return CliRunner().invoke(cli, list(args), input=stdin, env=env)


@pytest.fixture
def desk_app(make_app: AppFactory) -> App:
    """A desk whose triage escalates nothing, with a homeworker and a supervisor."""
    app = make_app(triage=FakeTriage())
    for args in (("dana",), ("sam", "--role", "supervisor")):
        added = triage("agents", "add", *args, app=app)
        assert added.exit_code == 0, added.output
    return app


def test_no_secret_reaches_the_database_drafts_or_training_rows_from_any_door(
    desk_app: App, tmp_path: Path, trained_models_dir: Path
) -> None:
    # the terminal chat door: every secret in one conversation, then a person takes it
    chat = triage("chat", "--user", "carol", app=desk_app, stdin="\n".join(MESSAGES) + "\n")
    assert chat.exit_code == 0, chat.output
    handed = triage("chat", "--user", "carol", app=desk_app, stdin="talk to a person\n")
    assert "T-1001" in handed.stdout, handed.output
    # the core itself: each secret opens a conversation of its own, handed to a person
    for number, message in enumerate(MESSAGES):
        user = Sender("test", f"user{number}", f"User {number}")
        desk_app.desk.handle(user, message)
        desk_app.desk.handle(user, "talk to a person")
    # captions, with a case open (relayed to the team) and without one
    for user in (Sender("test", "user0", "User 0"), Sender("test", "newcomer", "Newcomer")):
        for message in MESSAGES:
            desk_app.desk.handle_attachment(user, Attachment("photo", "photo-1"), message)
    # a homeworker at the terminal desk writes secrets in every kind of text it stores
    lines = [
        "shift on",
        "claim T-1001",
        *(f"reply {m}" for m in MESSAGES),
        *(f"note {m}" for m in MESSAGES),
        *(f"ask {m}" for m in MESSAGES),
        f"resolve --category account {ONE_LINE}",
    ]
    desk = triage("desk", "--agent", "dana", app=desk_app, stdin="\n".join(lines) + "\n")
    assert "T-1001 resolved." in desk.stdout, desk.output
    assert not leaked(desk.stdout)
    # what is derived from the tickets: a draft article and the learned training rows
    drafted = triage("kb", "draft", "T-1001", app=desk_app)
    assert drafted.exit_code == 0, drafted.output
    [draft] = (tmp_path / "drafts").rglob("*.md")
    models = shutil.copytree(trained_models_dir, tmp_path / "models")
    trained = triage("train", "--from-tickets", app=desk_app, models=models)
    assert trained.exit_code == 0, trained.output
    [rows] = (models / "learned").glob("training-*.csv")

    written = {draft.name: draft.read_text(encoding="utf-8"), rows.name: rows.read_text()}
    assert [(name, leaked(text)) for name, text in written.items() if leaked(text)] == []
    assert database_leaks(desk_app.settings.database_url) == []
    stored = " ".join(value for _, value in database_texts(desk_app.settings.database_url))
    assert "[password removed]" in stored and "[card number removed]" in stored


def test_the_unmasked_message_is_kept_only_where_the_settings_ask(make_app: AppFactory) -> None:
    app = make_app(triage=FakeTriage(), keep_unmasked_messages=True)
    app.desk.handle(Sender("test", "alice", "Alice"), "my password is Summer2024!")
    app.desk.handle(Sender("test", "alice", "Alice"), "talk to a person")
    places = {where for where, _ in database_leaks(app.settings.database_url)}
    assert places == {"messages.original_text"}


def test_triage_reads_the_masked_message(make_app: AppFactory) -> None:
    seen = FakeTriage()
    app = make_app(triage=seen)
    for message in MESSAGES:
        app.desk.handle(Sender("test", "alice", "Alice"), message)
    assert seen.assessed and not leaked(" ".join(seen.assessed))


def test_a_draft_masks_the_note_the_question_and_the_terms() -> None:
    source = DraftSource(
        reference="T-1042",
        question="my password is Summer2024! and the VPN refuses it",
        summary="password Summer2024! refused by the VPN",
        category="network",
        resolution_note=f"Reset the VPN profile. {ONE_LINE}",
        terms=("vpn", "summer2024", "4111111111111111"),
    )
    draft = draft_article(source)
    shown = f"{draft.relative_path} {draft.text} {' '.join(draft.article.tags)}"
    assert not leaked(shown) and "summer2024" not in shown.casefold()
    assert draft.article.steps[0] == "Reset the VPN profile."
    assert "vpn" in draft.article.tags


def test_training_rows_from_tickets_are_masked_again() -> None:
    base = Dataset(("printer jammed",), ("printing",), None, None, sha256="", source="test")
    tickets = [
        TicketLabel(f"T-{1001 + n}", message, "account", True, "P3")
        for n, message in enumerate(MESSAGES)
    ]
    learning = learn_from_tickets(base, tickets)
    assert learning.rows and not leaked(" ".join(row.text for row in learning.rows))

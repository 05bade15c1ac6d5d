"""Schema upgrades keep what is stored, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from bot.storage.database import (
    MIGRATIONS_DIR,
    database_location,
    make_engine,
    migrate,
    upgrade_schema,
)
from tests.cli_in_process import triage


def _migrate(engine: Engine, revision: str, down: bool = False) -> None:
    migrate(engine, revision, down)


def test_handled_telegram_updates_survive_the_move_to_deliveries(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        _migrate(engine, "0004")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO telegram_updates (update_id, handled_at) "
                    "VALUES (9000000001, '2026-11-22 08:00:00+00:00')"
                )
            )
        upgrade_schema(engine)
        with engine.connect() as connection:
            keys = connection.execute(text("SELECT key FROM deliveries")).scalars().all()
        assert keys == ["telegram:9000000001"]

        _migrate(engine, "0004", down=True)
        with engine.connect() as connection:
            ids = connection.execute(text("SELECT update_id FROM telegram_updates")).scalars()
            assert list(ids) == [9000000001]
    finally:
        engine.dispose()


def _ticket_columns(engine: Engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("tickets")}


def test_the_unread_helper_column_goes_and_tickets_stay(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        _migrate(engine, "0006")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, channel, external_id, display_name, created_at) "
                    "VALUES (1, 'test', 'alice', 'Alice', '2026-11-22 08:00:00+00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO conversations (id, user_id, status, stage, question, "
                    "candidates, shown, declines, misses, started_at, updated_at) VALUES "
                    "(1, 1, 'needs_human', 'idle', 'vpn', '[]', '[]', 0, 0, "
                    "'2026-11-22 08:00:00+00:00', '2026-11-22 08:00:00+00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO tickets (id, conversation_id, user_id, status, priority, packet, "
                    "offered_to, created_at) VALUES (1, 1, 1, 'queued', 'P2', '{}', '[]', "
                    "'2026-11-22 08:00:00+00:00')"
                )
            )
            connection.execute(  # a case with a trail: SQLite rebuilds the table it points at
                text(
                    "INSERT INTO ticket_events (id, ticket_id, at, actor, action, detail) "
                    "VALUES (1, 1, '2026-11-22 08:00:00+00:00', 'user', 'queued', '')"
                )
            )
        assert "helper_id" in _ticket_columns(engine)

        upgrade_schema(engine)
        assert "helper_id" not in _ticket_columns(engine)
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT id, priority FROM tickets")).all()
            trail = connection.execute(text("SELECT ticket_id, action FROM ticket_events")).all()
        assert [tuple(row) for row in kept] == [(1, "P2")]
        assert [tuple(row) for row in trail] == [(1, "queued")]

        _migrate(engine, "0006", down=True)
        assert "helper_id" in _ticket_columns(engine)
        with engine.connect() as connection:
            trail = connection.execute(text("SELECT ticket_id FROM ticket_events")).all()
        assert [tuple(row) for row in trail] == [(1,)]
    finally:
        engine.dispose()


def test_notices_queued_before_offers_could_be_withdrawn_are_kept_as_messages(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        _migrate(engine, "0007")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO outbox (id, text, choices, created_at) "
                    "VALUES (1, 'New case waiting', '[]', '2026-12-01 08:00:00+00:00')"
                )
            )
        upgrade_schema(engine)
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT id, kind, withdrawn_at FROM outbox")).all()
        assert [tuple(row) for row in kept] == [(1, "message", None)]

        _migrate(engine, "0007", down=True)
        columns = {column["name"] for column in inspect(engine).get_columns("outbox")}
        assert "kind" not in columns and "sent_as" not in columns
    finally:
        engine.dispose()


def test_tickets_get_a_major_incident_link_and_lose_it_on_the_way_down(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        _migrate(engine, "0010")
        assert "incident_id" not in _ticket_columns(engine)
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO users (id, channel, external_id, display_name, created_at) "
                "VALUES (1, 'test', 'alice', 'Alice', '2026-12-01 08:00:00+00:00')",
                "INSERT INTO conversations (id, user_id, status, stage, question, candidates, "
                "shown, declines, misses, started_at, updated_at) VALUES (1, 1, 'needs_human', "
                "'idle', 'vpn', '[]', '[]', 0, 0, '2026-12-01 08:00:00+00:00', "
                "'2026-12-01 08:00:00+00:00')",
                "INSERT INTO tickets (id, conversation_id, user_id, status, priority, packet, "
                "offered_to, created_at) VALUES (1, 1, 1, 'queued', 'P2', '{}', '[]', "
                "'2026-12-01 08:00:00+00:00')",
                "INSERT INTO ticket_events (id, ticket_id, at, actor, action, detail) VALUES "
                "(1, 1, '2026-12-01 08:00:00+00:00', 'user', 'queued', '')",
                "INSERT INTO outbox (id, ticket_id, text, choices, created_at, kind) VALUES "
                "(1, 1, 'New case waiting', '[]', '2026-12-01 08:00:00+00:00', 'offer')",
            ):
                connection.execute(text(statement))
        upgrade_schema(engine)
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT id, incident_id FROM tickets")).all()
            events = connection.execute(text("SELECT ticket_id FROM ticket_events")).scalars()
            assert ([tuple(row) for row in kept], list(events)) == ([(1, None)], [1])
        assert "incident_id" in _ticket_columns(engine)
        assert "major_incidents" in inspect(engine).get_table_names()
        _migrate(engine, "0010", down=True)  # SQLite rebuilds tickets, its trail kept
        assert "incident_id" not in _ticket_columns(engine)
        with engine.connect() as connection:
            events = connection.execute(text("SELECT ticket_id FROM ticket_events")).scalars()
            assert list(events) == [1]
        assert "major_incidents" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_db_upgrade_says_what_it_did(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    path = tmp_path / "fresh" / "triage.db"
    monkeypatch.setenv("TRIAGE_DATABASE_URL", f"sqlite:///{path}")

    def upgrade() -> str:
        outcome = triage("db", "upgrade")
        assert (outcome.status, outcome.stderr) == (0, ""), outcome.stderr
        return outcome.stdout

    assert upgrade() == f"Created the database at {path} (schema {head}).\n"
    assert upgrade() == f"The database at {path} is already up to date (schema {head}).\n"
    engine = make_engine(f"sqlite:///{path}")
    _migrate(engine, "0005", down=True)
    engine.dispose()
    assert upgrade() == f"Upgraded the database at {path} from schema 0005 to {head}.\n"


def test_a_server_database_is_named_without_its_password() -> None:
    url = "postgresql+psycopg://desk:s3cret@db.example.com:5432/triage"
    assert database_location(url) == "postgresql+psycopg://desk:***@db.example.com:5432/triage"

"""Engines, sessions and schema upgrades, made once from the settings."""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    Connection,
    Engine,
    Executable,
    Insert,
    Table,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import StorageError
from bot.private_files import private_empty_file, tighten

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
BUSY_TIMEOUT = 30  # seconds a SQLite write transaction waits for its turn
_READ_ONLY = "triage_read_only"
READ_ONLY: dict[str, Any] = {_READ_ONLY: True}
"""Execution options for a transaction that only reads: it takes no write lock on SQLite.

Pass them before the first query: ``session.connection(execution_options=READ_ONLY)``.
"""

_log = logging.getLogger(__name__)


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for ``url``; SQLite gets its file created private, WAL, a busy timeout and FKs.

    Errors never show the statement's parameters (a user's message): ``hide_parameters``.
    A new SQLite file is 0600 in 0700 folders, whatever the umask; SQLite gives its -wal and
    -shm files the database file's mode. ``options`` go to ``create_engine`` (e.g.
    ``pool_size`` for many threads at once).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True, **options)
    if parsed.database and parsed.database != ":memory:":
        database = Path(parsed.database).expanduser()
        private_empty_file(database)
        for made_earlier in (database, *(Path(f"{database}{end}") for end in ("-wal", "-shm"))):
            if tighten(made_earlier):
                _log.warning("%s was readable by other users; it is now 0600", made_earlier)
    engine = create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT, "factory": _QueuedConnection},
        hide_parameters=True,
        **options,
    )
    writers = threading.Lock()

    def tune(dbapi_connection: Any, record: Any) -> None:
        _tune_sqlite(dbapi_connection, record)
        dbapi_connection.writers = writers

    event.listen(engine, "connect", tune)
    event.listen(engine, "begin", _begin_immediately)
    return engine


class _QueuedConnection(sqlite3.Connection):
    """A SQLite connection whose transactions take turns with the process's other ones.

    Threads of one process wait for the engine's lock, and are woken the moment it is free,
    instead of polling in SQLite's busy handler, which sleeps 1, 2, 5, 10... ms between tries.
    Other processes still queue in the busy handler, as before.
    """

    writers: threading.Lock | None = None
    _holding = False

    def take_turn(self) -> None:
        """Wait until no other transaction of this engine is open (at most the busy timeout)."""
        if self.writers is not None and not self._holding:
            self._holding = self.writers.acquire(timeout=BUSY_TIMEOUT)

    def end_turn(self) -> None:
        """Let the next transaction start."""
        if self._holding and self.writers is not None:
            self._holding = False
            self.writers.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()


def _begin_immediately(connection: Any) -> None:
    """Take SQLite's write lock at the start, so two processes queue instead of failing.

    A deferred transaction that reads and then writes fails at once in WAL mode when another
    process wrote in between; an immediate one waits for the lock (up to the busy timeout).
    A transaction that only reads (``READ_ONLY``) needs no lock: in WAL mode it never waits.
    """
    if connection.get_execution_options().get(_READ_ONLY):
        connection.exec_driver_sql("BEGIN")
        return
    dbapi_connection = connection.connection.dbapi_connection
    dbapi_connection.take_turn()
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        dbapi_connection.end_turn()
        raise


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL never corrupts the database; it skips the fsync on every commit
    # (the WAL is synced at checkpoints), so only a power cut can lose the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """The one sessionmaker the process uses."""
    return sessionmaker(engine, expire_on_commit=False)


@dataclass(frozen=True)
class SchemaUpgrade:
    """The schema revision a database had before an upgrade (None: it had no schema) and after."""

    before: str | None
    after: str | None

    def describe(self, where: str) -> str:
        """What the upgrade did, in one sentence for an admin."""
        if self.before is None:
            return f"Created the database at {where} (schema {self.after})."
        if self.before != self.after:
            return f"Upgraded the database at {where} from schema {self.before} to {self.after}."
        return f"The database at {where} is already up to date (schema {self.after})."


def upgrade_schema(engine: Engine) -> SchemaUpgrade:
    """Apply every Alembic migration the database has not seen yet; say what changed."""
    return migrate(engine, "head")


def migrate(engine: Engine, revision: str, down: bool = False) -> SchemaUpgrade:
    """Upgrade (or downgrade) the schema to ``revision`` in one transaction.

    On SQLite, a migration that changes a table rebuilds it (copy, drop, rename), and dropping
    a table that other rows point at fails while foreign keys are enforced. So they are off
    for the migration (SQLite's own advice for schema changes) and checked before the commit:
    a migration that would leave a row pointing nowhere is rolled back.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with (
        engine.connect() as connection,
        _foreign_keys_checked_at_the_end(connection),
        connection.begin(),
    ):
        before = MigrationContext.configure(connection).get_current_revision()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
        after = MigrationContext.configure(connection).get_current_revision()
        _refuse_dangling_rows(connection)
    return SchemaUpgrade(before, after)


@contextmanager
def _foreign_keys_checked_at_the_end(connection: Connection) -> Iterator[None]:
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.dbapi_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys=OFF")  # outside any transaction, where it takes effect
    try:
        yield
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


def _refuse_dangling_rows(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return  # PostgreSQL checks every foreign key as the migration runs
    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if dangling:
        tables = sorted({row[0] for row in dangling})
        raise StorageError(
            f"the schema upgrade was not applied: it would leave rows pointing nowhere in "
            f"{', '.join(tables)}; the database is unchanged"
        )


def database_location(url: str) -> str:
    """Where a database URL points, for a message: a SQLite file's path, else the URL
    without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return parsed.database
    return parsed.render_as_string(hide_password=True)


def insert_if_new(connection: Connection, table: Table, values: dict[str, Any]) -> bool:
    """Insert a row unless one with its primary key exists; whether it was inserted.

    On SQLite and PostgreSQL one statement does it (INSERT ... ON CONFLICT DO NOTHING): of
    two transactions inserting the same key at once, the second waits for the first, then
    skips. Elsewhere it looks first, then inserts.
    """
    statement = _insert_if_new_statement(table, connection.dialect.name)
    if statement is not None:
        return connection.execute(statement, values).first() is not None
    [key] = table.primary_key.columns
    if connection.execute(select(key).where(key == values[key.name])).first() is not None:
        return False
    connection.execute(insert(table), values)
    return True


def insert_unique(
    connection: Connection, table: Table, values: dict[str, Any], unique: tuple[str, ...]
) -> int | None:
    """Insert a row unless one with the same ``unique`` columns exists: the new row's id,
    or None when another transaction had inserted it (even one not committed yet: on
    SQLite and PostgreSQL the statement waits for it, then skips, so it cannot race)."""
    [key] = table.primary_key.columns
    statement: Executable
    if connection.dialect.name == "sqlite":
        statement = sqlite_insert(table).on_conflict_do_nothing(index_elements=list(unique))
    elif connection.dialect.name == "postgresql":
        statement = postgresql_insert(table).on_conflict_do_nothing(index_elements=list(unique))
    else:
        statement = insert(table)
    row = connection.execute(statement.returning(key), values).first()
    return None if row is None else int(row[0])


def insert_all_new(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows whose primary keys are not there yet: on SQLite and PostgreSQL in one
    statement for all of them (one round trip), elsewhere one by one."""
    statement = _insert_new_statement(table, connection.dialect.name)
    if statement is None:
        for values in rows:
            insert_if_new(connection, table, values)
    elif rows:
        connection.execute(statement, list(rows))


@functools.cache
def _insert_if_new_statement(table: Table, dialect: str) -> Executable | None:
    """Built once per table: this runs for every update the bot receives."""
    statement = _insert_new_statement(table, dialect)
    if statement is None:
        return None
    [key] = table.primary_key.columns
    return statement.returning(key)


@functools.cache
def _insert_new_statement(table: Table, dialect: str) -> Insert | None:
    """INSERT ... ON CONFLICT DO NOTHING where the database has it, else None."""
    if dialect == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing()
    if dialect == "postgresql":
        return postgresql_insert(table).on_conflict_do_nothing()
    return None

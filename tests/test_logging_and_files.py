"""What the desk leaves behind: log lines without its secrets, errors without users' words,
files only their owner can read (issue 12, points 5 and 6)."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli.common import UNEXPECTED_ERROR
from bot.core.metrics import DeskFacts, report
from bot.core.tickets import DEFAULT_SERVICE_LEVELS
from bot.logging_masking import SECRET_REMOVED, MaskingLogFilter
from bot.private_files import private_file, private_folder, write_private
from bot.reports.charts import CHARTS, write_charts
from bot.storage.database import make_engine, upgrade_schema
from classifier.learning import write_merged

Run = Callable[..., subprocess.CompletedProcess[str]]
# Shaped like a bot token but nothing like a random one: the masking heuristic lets it be.
PLAIN_TOKEN = "123456:aaaaaaaa"
PLAIN_WEBHOOK_SECRET = "hooksecrethooksecret"
REQUEST_LINE = 'HTTP Request: POST https://api.telegram.org/bot%s/getUpdates "HTTP/1.1 200 OK"'
WORDS = "the printer zorblax-quill jams on page two"  # nothing a masker would touch


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The common umask that makes files 0644 and folders 0755 unless asked otherwise."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


# --- the desk's own secrets never reach a log line


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO, logging.WARNING])
def test_the_configured_token_is_removed_by_its_exact_value(level: int) -> None:
    record = logging.LogRecord("httpx", level, __file__, 1, REQUEST_LINE, (PLAIN_TOKEN,), None)
    assert MaskingLogFilter((PLAIN_TOKEN,)).filter(record) is True
    line = record.getMessage()
    assert PLAIN_TOKEN not in line
    assert f"/bot{SECRET_REMOVED}/getUpdates" in line


def test_secrets_are_removed_from_tracebacks_and_in_url_encoded_form() -> None:
    masking = MaskingLogFilter()
    masking.hide(PLAIN_TOKEN)
    try:
        raise RuntimeError(f"connect to /bot{PLAIN_TOKEN}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "url %s", ("bot123456%3Aaaaaaaaa",), sys.exc_info()
        )
    masking.filter(record)
    assert "aaaaaaaa" not in record.getMessage()
    assert record.exc_text is not None
    assert PLAIN_TOKEN not in record.exc_text
    assert SECRET_REMOVED in record.exc_text


@pytest.mark.parametrize("level", ["DEBUG", "INFO"])
def test_a_wired_desk_logs_no_token_and_no_webhook_secret(level: str, tmp_path: Path) -> None:
    """The real logging set-up of a process: settings in, every handler masks both secrets."""
    program = (
        "import logging\n"
        "from bot.bootstrap import Wiring\n"
        "from bot.settings import load_settings\n"
        "Wiring(load_settings())\n"
        f"logging.getLogger('httpx').info({REQUEST_LINE!r}, {PLAIN_TOKEN!r})\n"
        f"logging.getLogger('bot').debug('webhook secret is %s', {PLAIN_WEBHOOK_SECRET!r})\n"
    )
    env = {
        **os.environ,
        "TRIAGE_LOG_LEVEL": level,
        "TRIAGE_TELEGRAM_TOKEN": PLAIN_TOKEN,
        "TRIAGE_WEBHOOK_SECRET": PLAIN_WEBHOOK_SECRET,
    }
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert f"/bot{SECRET_REMOVED}/getUpdates" in done.stderr
    assert PLAIN_TOKEN not in done.stderr
    assert PLAIN_WEBHOOK_SECRET not in done.stderr
    if level == "DEBUG":
        assert f"webhook secret is {SECRET_REMOVED}" in done.stderr


# --- an unexpected database error shows nobody a user's words


def test_engines_hide_statement_parameters(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with pytest.raises(Exception) as raised, engine.connect() as connection:
            connection.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": WORDS})
        assert WORDS not in str(raised.value)
    finally:
        engine.dispose()


def _break_inserts_into(table: str, database_url: str) -> None:
    """Make every insert into ``table`` fail unexpectedly, as a broken schema would."""
    engine = make_engine(database_url)
    try:
        upgrade_schema(engine)
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":  # the missing table is found when it runs
                connection.exec_driver_sql(
                    f"CREATE TRIGGER broken BEFORE INSERT ON {table} "
                    "BEGIN SELECT * FROM missing_table; END"
                )
            else:
                connection.exec_driver_sql(
                    "CREATE FUNCTION broken() RETURNS trigger AS "
                    "$$ BEGIN RAISE EXCEPTION 'broken'; END $$ LANGUAGE plpgsql"
                )
                connection.exec_driver_sql(
                    f"CREATE TRIGGER broken BEFORE INSERT ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION broken()"
                )
    finally:
        engine.dispose()


@pytest.mark.parametrize("level", ["WARNING", "DEBUG"])
def test_a_database_error_in_a_command_is_one_line_without_the_words(
    database_url: str, run_triage: Run, level: str
) -> None:
    _break_inserts_into("agents", database_url)
    env = {"TRIAGE_DATABASE_URL": database_url, "TRIAGE_LOG_LEVEL": level}
    done = run_triage("agents", "add", "dana", "--display-name", WORDS, env=env)
    assert done.returncode == 1
    assert "zorblax" not in done.stdout + done.stderr
    assert "[parameters" not in done.stderr
    assert f"triage: {UNEXPECTED_ERROR}" in done.stderr.splitlines()
    if level == "WARNING":
        assert "Traceback" not in done.stderr
        assert len(done.stderr.splitlines()) == 2  # the log's one line, the apology
    else:  # the operator asked for the detail: the traceback, without the parameters
        assert "Traceback" in done.stderr
        assert "SQL parameters hidden" in done.stderr


def test_a_database_error_in_chat_shows_neither_words_nor_traceback(
    database_url: str, run_triage: Run
) -> None:
    _break_inserts_into("conversations", database_url)
    env = {"TRIAGE_DATABASE_URL": database_url, "TRIAGE_LOG_LEVEL": "DEBUG"}
    done = run_triage("chat", "--user", "x", stdin=WORDS + "\n", env=env)
    printed = done.stdout + done.stderr
    assert "zorblax" not in printed
    assert "[parameters" not in printed


# --- files and folders at rest: the owner's alone, whatever the umask


def test_a_new_sqlite_database_is_private(tmp_path: Path, open_umask: None) -> None:
    database = tmp_path / "data" / "desk" / "triage.db"
    engine = make_engine(f"sqlite:///{database}")
    try:
        upgrade_schema(engine)
        with engine.connect() as connection:  # the WAL files exist while a connection is open
            connection.execute(text("SELECT count(*) FROM conversations"))
            written = [database, *(database.with_name(f"triage.db-{x}") for x in ("wal", "shm"))]
            assert [(p.name, _mode(p)) for p in written] == [(p.name, 0o600) for p in written]
    finally:
        engine.dispose()
    assert (_mode(tmp_path / "data"), _mode(database.parent)) == (0o700, 0o700)


def test_an_existing_database_folder_is_left_as_it_is(tmp_path: Path, open_umask: None) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    engine = make_engine(f"sqlite:///{shared / 'triage.db'}")
    engine.dispose()
    assert (_mode(shared), _mode(shared / "triage.db")) == (0o755, 0o600)


def test_a_database_made_readable_by_others_is_tightened_at_start(
    tmp_path: Path, open_umask: None, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "triage.db"
    make_engine(f"sqlite:///{database}").dispose()
    database.chmod(0o644)  # as an older release, or a copy, left it
    with caplog.at_level(logging.WARNING):
        make_engine(f"sqlite:///{database}").dispose()
    assert _mode(database) == 0o600
    assert f"{database} was readable by other users" in caplog.text


def test_report_charts_are_private(tmp_path: Path, open_umask: None) -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    desk_report = report(DeskFacts((), (), as_of=now), DEFAULT_SERVICE_LEVELS)
    folder = tmp_path / "charts" / "november"
    written = write_charts(desk_report, folder)
    assert {p.name for p in written} == set(CHARTS)
    assert {_mode(p) for p in written} == {0o600}
    assert (_mode(folder.parent), _mode(folder)) == (0o700, 0o700)


def test_learned_training_rows_are_private(tmp_path: Path, open_umask: None) -> None:
    path = write_merged(tmp_path / "models", "text,category,source\nhi,network,base\n")
    assert path.read_text(encoding="utf-8") == "text,category,source\nhi,network,base\n"
    assert (_mode(path), _mode(path.parent), _mode(path.parent.parent)) == (0o600, 0o700, 0o700)


def test_private_files_are_tightened_when_rewritten(tmp_path: Path, open_umask: None) -> None:
    old = tmp_path / "old.md"
    old.write_text("before", encoding="utf-8")
    assert _mode(old) == 0o644
    write_private(old, "after")
    assert (old.read_text(encoding="utf-8"), _mode(old)) == ("after", 0o600)
    with pytest.raises(FileExistsError):
        write_private(old, "again", exclusive=True)
    with private_file(tmp_path / "a" / "b.csv", newline="") as out:
        out.write("x\r\n")
    assert (tmp_path / "a" / "b.csv").read_bytes() == b"x\r\n"
    assert (_mode(tmp_path / "a"), _mode(tmp_path / "a" / "b.csv")) == (0o700, 0o600)
    assert private_folder(tmp_path / "c" / "d") == tmp_path / "c" / "d"
    assert _mode(tmp_path / "c") == 0o700

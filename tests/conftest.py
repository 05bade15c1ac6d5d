"""Shared fixtures: databases on SQLite and PostgreSQL, a wired desk, a dialogue checker."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.bootstrap import App, bootstrap
from bot.core.clock import utc_now
from bot.core.domain import Reply, Sender
from bot.core.ports import Clock, Triage
from bot.settings import Settings
from classifier.default_model import ensure_default_model
from classifier.registry import ModelRegistry
from knowledge_base.library import ArticleLibrary
from tests.fakes import FakeTriage

pytest_plugins = ["tests.desk_fixtures", "tests.telegram_standin.fixtures"]

FIXTURE_ARTICLES = Path(__file__).parent / "fixtures" / "articles"
# Four articles score on another scale than the shipped seventy; the dialogue tests over
# them use a threshold of their own (the shipped one is tested on the evaluation set).
FIXTURE_MIN_SCORE = 0.3
_SCRIPT = Path(sys.executable).parent / "triage"
TRIAGE_COMMAND = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "bot.cli"]
POSTGRES_URL = os.environ.get("TRIAGE_TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def trained_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with the default model trained once for the whole test session."""
    folder = tmp_path_factory.mktemp("models")
    ensure_default_model(ModelRegistry(folder))
    return folder


@pytest.fixture(autouse=True)
def isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, trained_models_dir: Path
) -> None:
    """No test reads the developer's TRIAGE_* settings or .env, or writes to their folders."""
    for name in list(os.environ):
        if name.startswith("TRIAGE_") and name != "TRIAGE_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("TRIAGE_DATABASE_URL", f"sqlite:///{tmp_path / 'default.db'}")
    monkeypatch.setenv("TRIAGE_MODELS_DIR", str(trained_models_dir))
    monkeypatch.chdir(tmp_path)


def _postgres_schema_url(schema: str) -> str:
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


SQL_STORAGES = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker that lets a core test run on the in-memory storage too."""
    config.addinivalue_line(
        "markers", "memory: also run on the in-memory storage (for tests that need no SQL)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run storage tests on SQLite and PostgreSQL, and marked core tests in memory too.

    A test that asks for ``database_url`` (directly or through ``make_app``) needs SQL; one
    that parametrizes ``storage`` itself chooses its own.
    """
    chosen = (m.args[0] for m in metafunc.definition.iter_markers("parametrize"))
    if "storage" not in metafunc.fixturenames or "storage" in chosen:
        return
    kinds: tuple[str, ...] = SQL_STORAGES
    if "database_url" not in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "memory"
    ):
        kinds = ("memory", *SQL_STORAGES)
    metafunc.parametrize("storage", kinds)


@pytest.fixture
def database_url(storage: str, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh schema on TRIAGE_TEST_DATABASE_URL."""
    if storage == "sqlite":
        yield f"sqlite:///{tmp_path / 'triage.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("TRIAGE_TEST_DATABASE_URL is not set, so the PostgreSQL run is skipped")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _postgres_schema_url(schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


AppFactory = Callable[..., App]


@pytest.fixture
def make_app(database_url: str) -> Iterator[AppFactory]:
    """Build desks on the test database; every one is disposed of afterwards."""
    built: list[App] = []

    def build(
        kb_dir: Path = FIXTURE_ARTICLES,
        triage: Triage | None = None,
        clock: Clock = utc_now,
        **overrides: object,
    ) -> App:
        if kb_dir == FIXTURE_ARTICLES:
            overrides.setdefault("kb_min_score", FIXTURE_MIN_SCORE)
        settings = Settings(database_url=database_url, kb_dir=kb_dir, **overrides)  # type: ignore[arg-type]
        app = bootstrap(
            settings, triage=triage if triage is not None else FakeTriage(), clock=clock
        )
        built.append(app)
        return app

    yield build
    for app in built:
        app.engine.dispose()


@pytest.fixture(scope="session")
def knowledge() -> ArticleLibrary:
    """The fixture articles, indexed once for the tests that build the core themselves."""
    return ArticleLibrary(FIXTURE_ARTICLES, FIXTURE_MIN_SCORE)


@pytest.fixture
def app(make_app: AppFactory) -> App:
    """A desk over the fixture articles."""
    return make_app()


ALICE = Sender(channel="test", external_id="alice", display_name="Alice")


def said(replies: list[Reply]) -> str:
    """Everything the bot answered to one message, as one text."""
    return "\n".join(reply.text for reply in replies)


def verify_dialog(app: App, exchanges: list[tuple[str, str]], sender: Sender = ALICE) -> None:
    """Play a conversation: each user line must get an answer containing the expected text."""
    for user_line, expected in exchanges:
        answer = said(app.desk.handle(sender, user_line))
        assert expected in answer, f"user said {user_line!r}; expected {expected!r} in:\n{answer}"


@pytest.fixture
def run_triage() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed `triage` command as a user would, with optional stdin."""

    def run(
        *args: str, stdin: str = "", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*TRIAGE_COMMAND, *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **(env or {})},
        )

    return run

"""The desk's judgement in whole conversations (issue 14, point 5).

Each script of tests/conversations/ is played through the core, with the real never-miss
rules, the default model and the shipped knowledge base, on SQLite and on PostgreSQL.
`tests/benchmarks/bench_conversations.py` prints the pass rate per group.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.bootstrap import App, bootstrap
from bot.settings import Settings
from tests.conftest import POSTGRES_URL, _postgres_schema_url
from tests.conversation_scripts import Player, Script, add_team, load_scripts

SHIPPED_ARTICLES = Path(__file__).resolve().parent.parent / "knowledge_base" / "articles"
SCRIPTS = load_scripts()


def test_there_are_enough_scripts_and_every_group_has_several() -> None:
    groups = {script.group for script in SCRIPTS}
    assert len(SCRIPTS) >= 60
    assert all(sum(s.group == g for s in SCRIPTS) >= 4 for g in groups), groups


@pytest.fixture(scope="module")
def players(
    tmp_path_factory: pytest.TempPathFactory, trained_models_dir: Path
) -> Iterator[dict[str, Player]]:
    """One desk per database for the whole module; each script is a user of its own."""
    made: dict[str, Player] = {}
    apps: list[App] = []
    schemas: list[str] = []

    def desk(url: str) -> Player:
        settings = Settings(
            database_url=url, kb_dir=SHIPPED_ARTICLES, models_dir=trained_models_dir
        )  # type: ignore[call-arg]
        app = bootstrap(settings)
        apps.append(app)
        add_team(app)
        return Player(app)

    made["sqlite"] = desk(f"sqlite:///{tmp_path_factory.mktemp('conversations') / 'desk.db'}")
    if POSTGRES_URL:
        schema = f"test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        schemas.append(schema)
        made["postgresql"] = desk(_postgres_schema_url(schema))
    yield made
    for app in apps:
        app.engine.dispose()
    if schemas:
        with admin.begin() as connection:
            for schema in schemas:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@pytest.mark.parametrize("script", SCRIPTS, ids=[s.test_id for s in SCRIPTS])
def test_conversation(script: Script, database: str, players: dict[str, Player]) -> None:
    if database not in players:
        pytest.skip("TRIAGE_TEST_DATABASE_URL is not set, so the PostgreSQL run is skipped")
    outcome = players[database].play(script)
    assert outcome.passed, "\n".join(outcome.failures)

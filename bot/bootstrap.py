"""Wiring: settings in, a ready desk out. Nothing is built at import time."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.agent_stats import AgentStats
from bot.core.clock import utc_now
from bot.core.desk import FirstLineDesk
from bot.core.notices import NoticeBoard
from bot.core.ports import Clock, Triage
from bot.core.roster import Roster
from bot.core.second_line import SecondLineDesk
from bot.core.service_levels import ServiceLevelCheck
from bot.errors import StorageError, TriageError
from bot.logging_masking import MaskingLogFilter
from bot.settings import Settings
from bot.storage.database import make_engine, make_session_factory, upgrade_schema
from bot.storage.metrics_queries import SqlMetricsReader
from bot.storage.unit_of_work import sql_units_of_work
from classifier.default_model import ensure_default_model
from classifier.registry import ModelRegistry
from classifier.training import Progress
from classifier.triage import ModelTriage
from knowledge_base import DEFAULT_CATEGORIES
from knowledge_base.library import ArticleLibrary


@dataclass(frozen=True)
class Team:
    """Second line: the homeworkers' desk, the roster, the service-level check, the outbox."""

    engine: Engine
    desk: SecondLineDesk
    roster: Roster
    service_levels: ServiceLevelCheck
    notices: NoticeBoard
    stats: AgentStats


@dataclass(frozen=True)
class App:
    """The desk and the resources behind it."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    knowledge: ArticleLibrary
    desk: FirstLineDesk
    team: Team


def configure_logging(level: str) -> None:
    """Log at ``level``, with credentials and personal data masked in every record."""
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingLogFilter) for f in handler.filters):
            handler.addFilter(MaskingLogFilter())


def open_database(settings: Settings) -> Engine:
    """An engine on the configured database, with every migration applied."""
    engine = make_engine(settings.database_url)
    try:
        upgrade_schema(engine)
    except SQLAlchemyError as error:
        engine.dispose()
        detail = str(error.orig if hasattr(error, "orig") else error).splitlines()[0]
        raise StorageError(f"cannot use the database at TRIAGE_DATABASE_URL: {detail}") from None
    return engine


def default_triage(settings: Settings, progress: Progress | None = None) -> Triage:
    """Rules and the active model; the default model is trained first if none is active."""
    registry = ModelRegistry(settings.models_dir)
    try:
        ensure_default_model(registry, progress)
    except TriageError as error:
        logging.getLogger(__name__).error("could not train the default triage model: %s", error)
    return ModelTriage(registry)


def bootstrap(
    settings: Settings,
    triage: Triage | None = None,
    progress: Progress | None = None,
    clock: Clock = utc_now,
) -> App:
    """Build the desk from settings: database upgraded, knowledge base indexed, triage ready."""
    configure_logging(settings.log_level)
    engine = open_database(settings)
    sessions = make_session_factory(engine)
    knowledge = ArticleLibrary(settings.kb_dir, settings.kb_min_score)
    team = build_team(settings, engine, sessions, clock)
    desk = FirstLineDesk(
        knowledge,
        triage or default_triage(settings, progress),
        sql_units_of_work(sessions),
        clock=clock,
        max_message_chars=settings.max_message_chars,
        levels=settings.service_levels(),
        keep_unmasked=settings.keep_unmasked_messages,
    )
    return App(settings, engine, sessions, knowledge, desk, team)


def build_team(
    settings: Settings,
    engine: Engine,
    sessions: sessionmaker[Session],
    clock: Clock = utc_now,
) -> Team:
    """Second line's services over an open database."""
    levels = settings.service_levels()

    unit_of_work = sql_units_of_work(sessions)
    return Team(
        engine,
        SecondLineDesk(unit_of_work, DEFAULT_CATEGORIES, levels, clock),
        Roster(unit_of_work, DEFAULT_CATEGORIES, clock),
        ServiceLevelCheck(unit_of_work, levels, clock),
        NoticeBoard(unit_of_work, clock),
        AgentStats(SqlMetricsReader(sessions), levels, clock),
    )


def open_team(settings: Settings) -> Team:
    """Second line alone, for the admin and homeworker commands: no model, no articles."""
    configure_logging(settings.log_level)
    engine = open_database(settings)
    return build_team(settings, engine, make_session_factory(engine))

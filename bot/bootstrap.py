"""Wiring: settings in, a ready desk out. Nothing is built at import time."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.desk import FirstLineDesk
from bot.core.ports import Triage
from bot.errors import StorageError, TriageError
from bot.settings import Settings
from bot.storage.database import make_engine, make_session_factory, upgrade_schema
from bot.storage.unit_of_work import SqlUnitOfWork
from classifier.default_model import ensure_default_model
from classifier.registry import ModelRegistry
from classifier.training import Progress
from classifier.triage import ModelTriage
from knowledge_base.library import ArticleLibrary


@dataclass(frozen=True)
class App:
    """The desk and the resources behind it."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    knowledge: ArticleLibrary
    desk: FirstLineDesk


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
    settings: Settings, triage: Triage | None = None, progress: Progress | None = None
) -> App:
    """Build the desk from settings: database upgraded, knowledge base indexed, triage ready."""
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    engine = open_database(settings)
    sessions = make_session_factory(engine)
    knowledge = ArticleLibrary(settings.kb_dir, settings.kb_min_score)
    desk = FirstLineDesk(
        knowledge,
        triage or default_triage(settings, progress),
        lambda: SqlUnitOfWork(sessions),
        max_message_chars=settings.max_message_chars,
    )
    return App(settings, engine, sessions, knowledge, desk)

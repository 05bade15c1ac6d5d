"""Wiring: settings in, the parts a command asks for out. Nothing is built at import time.

Every door and command asks one :class:`Wiring` for what it needs, and each part is built
on first use, once: the admin commands open the database and never load the model,
`triage classify` loads the model and never opens the database, `triage chat` and
`triage run` ask for the whole desk (:meth:`Wiring.app`). The Telegram door is built on
top of :class:`App` by `triage run` (bot/cli/run_command.py).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Self

from bot.core.clock import utc_now
from bot.errors import StorageError, TriageError
from bot.logging_masking import MaskingLogFilter
from bot.ops.json_logs import JsonLogFormatter

if TYPE_CHECKING:  # the heavy parts are imported where they are built, when they are
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from bot.core.agent_stats import AgentStats
    from bot.core.desk import FirstLineDesk
    from bot.core.notices import NoticeBoard
    from bot.core.ports import Clock, ReplyReader, Triage, UnitOfWorkFactory
    from bot.core.roster import Roster
    from bot.core.second_line import SecondLineDesk
    from bot.core.service_levels import ServiceLevelCheck
    from bot.settings import Settings
    from bot.storage.database import SchemaUpgrade
    from classifier.registry import ModelRegistry
    from classifier.training import Progress
    from knowledge_base.library import ArticleLibrary

log = logging.getLogger(__name__)
STDERR_HANDLER = "triage-stderr"
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


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


def configure_logging(level: str, secrets: tuple[str, ...] = (), log_format: str = "text") -> None:
    """Log at ``level`` to stderr, never stdout (where a chat's conversation goes), with
    credentials and personal data masked in every record, and ``secrets`` (the bot token,
    the webhook secret) removed by their exact value; as text lines, or as one JSON object
    a line (``log_format="json"``)."""
    root = logging.getLogger()
    root.setLevel(level)
    if not any(handler.get_name() == STDERR_HANDLER for handler in root.handlers):
        to_stderr = logging.StreamHandler(CurrentStderr())
        to_stderr.set_name(STDERR_HANDLER)
        to_stderr.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(to_stderr)
    for handler in root.handlers:
        if log_format == "json":
            handler.setFormatter(JsonLogFormatter())
        masking = next((f for f in handler.filters if isinstance(f, MaskingLogFilter)), None)
        if masking is None:
            handler.addFilter(MaskingLogFilter(secrets))
        else:
            masking.hide(*secrets)


class CurrentStderr:
    """Writes to ``sys.stderr`` as it is at the time: a spinner's live display, a test's
    capture. A handler given ``sys.stderr`` itself keeps the stream of its first day."""

    def write(self, text: str) -> int:
        """Write to the current stderr."""
        return sys.stderr.write(text)

    def flush(self) -> None:
        """Flush the current stderr."""
        sys.stderr.flush()


def desk_secrets(settings: Settings) -> tuple[str, ...]:
    """The configured secrets no log line may show: the bot token and the webhook secret."""
    return tuple(
        secret.get_secret_value()
        for secret in (settings.telegram_token, settings.webhook_secret)
        if secret is not None
    )


class Wiring:
    """The one bootstrap: settings in; the database, model, articles and services on demand.

    ``triage`` replaces the rules-and-model triage (tests, the demo); ``replies`` replaces
    the reply model (trained from classifier/data/replies.csv on first use); ``engine`` is an
    engine already open on the settings' database (a benchmark with a pool of its own),
    used as it is and left open by :meth:`close`.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        triage: Triage | None = None,
        clock: Clock = utc_now,
        engine: Engine | None = None,
        replies: ReplyReader | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._triage = triage
        self._replies = replies
        self._given_engine = engine
        self._app: App | None = None
        self.schema_upgrade: SchemaUpgrade | None = None  # what opening the database did
        self._observed: Callable[[Triage], Triage] = lambda triage: triage
        configure_logging(settings.log_level, desk_secrets(settings), settings.log_format)

    @cached_property
    def engine(self) -> Engine:
        """An engine on the configured database, with every migration applied."""
        if self._given_engine is not None:
            return self._given_engine
        from sqlalchemy.exc import SQLAlchemyError

        from bot.storage.database import make_engine, upgrade_schema

        engine = make_engine(self.settings.database_url)
        try:
            self.schema_upgrade = upgrade_schema(engine)
        except SQLAlchemyError as error:
            engine.dispose()
            detail = str(error.orig if hasattr(error, "orig") else error).splitlines()[0]
            raise StorageError(
                f"cannot use the database at TRIAGE_DATABASE_URL: {detail}"
            ) from None
        return engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """The one sessionmaker, for the storage queries that take a session."""
        from bot.storage.database import make_session_factory

        return make_session_factory(self.engine)

    @cached_property
    def units_of_work(self) -> UnitOfWorkFactory:
        """The unit-of-work factory every service is given."""
        from bot.storage.unit_of_work import sql_units_of_work

        return sql_units_of_work(self.sessions)

    @cached_property
    def registry(self) -> ModelRegistry:
        """The saved model versions, in TRIAGE_MODELS_DIR."""
        from classifier.registry import ModelRegistry

        return ModelRegistry(self.settings.models_dir)

    @cached_property
    def knowledge(self) -> ArticleLibrary:
        """The articles of TRIAGE_KB_DIR, indexed."""
        from knowledge_base.library import ArticleLibrary

        return ArticleLibrary(self.settings.kb_dir, self.settings.kb_min_score)

    @cached_property
    def team(self) -> Team:
        """Second line's services: no model; the articles are indexed when first sent."""
        from bot.core.agent_stats import AgentStats
        from bot.core.notices import NoticeBoard
        from bot.core.roster import Roster
        from bot.core.second_line import SecondLineDesk
        from bot.core.service_levels import ServiceLevelCheck
        from bot.storage.metrics_queries import SqlMetricsReader
        from knowledge_base import DEFAULT_CATEGORIES

        levels = self.settings.service_levels()
        units = self.units_of_work
        return Team(
            self.engine,
            SecondLineDesk(
                units, DEFAULT_CATEGORIES, levels, self.clock, knowledge=lambda: self.knowledge
            ),
            Roster(units, DEFAULT_CATEGORIES, self.clock),
            ServiceLevelCheck(units, levels, self.clock),
            NoticeBoard(units, self.clock),
            AgentStats(SqlMetricsReader(self.sessions), levels, self.clock),
        )

    def has_active_model(self) -> bool:
        """Whether a triage model is active and saved, so the desk starts without training or
        refusing one."""
        from classifier.active_pointer import active_version_saved

        return active_version_saved(self.settings.models_dir)

    def triage(self, progress: Progress | None = None) -> Triage:
        """Rules and the active model; the default model is trained first if none is active."""
        if self._triage is None:
            from classifier.default_model import ensure_default_model
            from classifier.triage import ModelTriage

            try:
                ensure_default_model(self.registry, progress)
            except TriageError as error:
                log.error("could not train the default triage model: %s", error)
            model_triage = ModelTriage(self.registry)
            model_triage.problem()  # loaded now: a refusal is logged before any conversation
            self._triage = model_triage
        return self._triage

    @property
    def replies(self) -> ReplyReader:
        """How users' replies are read: the reply model, trained when a message first needs it."""
        if self._replies is not None:
            return self._replies
        from classifier.replies import default_reply_reader

        return default_reply_reader()

    def observe_triage(self, observed: Callable[[Triage], Triage]) -> None:
        """Give the desk ``observed(triage)`` instead of the triage (e.g. timed for metrics);
        call it before :meth:`app`."""
        self._observed = observed

    def app(self, progress: Progress | None = None) -> App:
        """The whole desk: database upgraded, knowledge base indexed, triage ready."""
        if self._app is None:
            from bot.core.desk import FirstLineDesk

            desk = FirstLineDesk(
                self.knowledge,
                self._observed(self.triage(progress)),
                self.units_of_work,
                clock=self.clock,
                max_message_chars=self.settings.max_message_chars,
                levels=self.settings.service_levels(),
                keep_unmasked=self.settings.keep_unmasked_messages,
                replies=self.replies,
            )
            self._app = App(
                self.settings, self.engine, self.sessions, self.knowledge, desk, self.team
            )
        return self._app

    def close(self) -> None:
        """Dispose of the engine if this wiring opened one."""
        if "engine" in self.__dict__ and self._given_engine is None:
            self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def bootstrap(
    settings: Settings,
    triage: Triage | None = None,
    progress: Progress | None = None,
    clock: Clock = utc_now,
) -> App:
    """The whole desk from settings, in one call (the caller disposes of ``app.engine``)."""
    return Wiring(settings, triage=triage, clock=clock).app(progress)

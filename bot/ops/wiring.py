"""The operations endpoints for the whole desk, from settings."""

from __future__ import annotations

from bot.bootstrap import App
from bot.ops.metrics import OpsMetrics
from bot.ops.readiness import database_check, model_check
from bot.ops.server import OpsServer
from bot.settings import Settings
from bot.storage.load_queries import SqlDeskLoadReader


def ops_server(
    settings: Settings, metrics: OpsMetrics, app: App, triage: object
) -> OpsServer | None:
    """/healthz, /readyz and /metrics on TRIAGE_OPS_HOST:TRIAGE_OPS_PORT (None if the port
    is 0): the database and the model checked, the desk's load read at each scrape."""
    if settings.ops_port == 0:
        return None
    metrics.read_desk_load(SqlDeskLoadReader(app.sessions))
    checks = {"database": database_check(app.engine), "model": model_check(triage)}
    return OpsServer(metrics, checks, settings.ops_host, settings.ops_port)

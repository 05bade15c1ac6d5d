"""The operations endpoints of `triage run`, on their own loopback port (TRIAGE_OPS_PORT).

- ``/healthz``: 200 while the process runs (a liveness probe).
- ``/readyz``: 200 when every readiness check passes, else 503; the body lists each
  check's answer as JSON.
- ``/metrics``: the Prometheus text format (rendered in a worker thread: it reads the
  database).

An aiohttp site in the bot's own event loop, beside the webhook server.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping

from aiohttp import web

from bot.errors import TriageError
from bot.ops.metrics import CONTENT_TYPE, OpsMetrics
from bot.ops.readiness import Check, run_checks


class OpsPortUnavailable(TriageError):
    """The operations port could not be opened."""


class OpsServer:
    """Serves /healthz, /readyz and /metrics while started."""

    def __init__(
        self, metrics: OpsMetrics, checks: Mapping[str, Check], host: str, port: int
    ) -> None:
        self.metrics = metrics
        self.checks = dict(checks)
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None

    def add_check(self, name: str, check: Check) -> None:
        """One more readiness check (e.g. the Bot API, known once the bot is built)."""
        self.checks[name] = check

    def web_app(self) -> web.Application:
        """The endpoints as an aiohttp application (tests serve it on a test server)."""
        server = web.Application()
        server.router.add_get("/healthz", self._health)
        server.router.add_get("/readyz", self._ready)
        server.router.add_get("/metrics", self._metrics)
        return server

    @property
    def port(self) -> int:
        """The port listened on (the one chosen by the system when 0 was asked for in tests)."""
        if self._runner is not None:
            for site_address in self._runner.addresses:
                return int(site_address[1])
        return self._port

    async def start(self) -> None:
        """Listen; a port in use or not allowed ends the start with one clear line."""
        self._runner = web.AppRunner(self.web_app(), access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self._host, self._port).start()
        except OSError as error:
            await self._runner.cleanup()
            self._runner = None
            raise OpsPortUnavailable(
                f"cannot serve TRIAGE_OPS_PORT {self._port} on TRIAGE_OPS_HOST {self._host}: "
                f"{os.strerror(error.errno) if error.errno else error} "
                "(choose another port, or 0 to turn it off)"
            ) from None

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def _ready(self, request: web.Request) -> web.Response:
        results = await run_checks(self.checks)
        ready = all(result.ok for result in results.values())
        body = {
            "ready": ready,
            "checks": {
                name: {"ok": result.ok, "detail": result.detail} for name, result in results.items()
            },
        }
        return web.json_response(body, status=200 if ready else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        body = await asyncio.to_thread(self.metrics.render)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

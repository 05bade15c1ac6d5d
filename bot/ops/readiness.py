"""Readiness checks: can this process do its work right now?

Each check answers ok or not, with a short detail an operator can act on. The checks
that block (the database, loading the model) run in a worker thread, and each has a time
limit, so a hung database makes /readyz answer 503 rather than hang.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

CHECK_TIME_LIMIT = 5.0  # seconds


@dataclass(frozen=True)
class CheckResult:
    """One check's answer."""

    ok: bool
    detail: str


Check = Callable[[], Awaitable[CheckResult]]


async def run_checks(
    checks: Mapping[str, Check], limit: float = CHECK_TIME_LIMIT
) -> dict[str, CheckResult]:
    """Every check's answer, run at once; one that takes too long fails."""

    async def bounded(check: Check) -> CheckResult:
        try:
            return await asyncio.wait_for(check(), limit)
        except TimeoutError:
            return CheckResult(False, f"no answer within {limit:g} s")

    names = list(checks)
    results = await asyncio.gather(*(bounded(checks[name]) for name in names))
    return dict(zip(names, results, strict=True))


def database_check(engine: Engine) -> Check:
    """The database answers a trivial query."""

    def ping() -> CheckResult:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            detail = str(getattr(error, "orig", None) or error).splitlines()[0]
            return CheckResult(False, f"unreachable: {detail}")
        return CheckResult(True, "reachable")

    async def check() -> CheckResult:
        return await asyncio.to_thread(ping)

    return check


@runtime_checkable
class LoadsAModel(Protocol):
    """A triage backed by a model that may be missing (classifier.triage.ModelTriage)."""

    def unavailable_because(self) -> str | None: ...


def model_check(triage: object) -> Check:
    """The triage model is loaded, or the desk runs with a triage that needs none."""
    inner = getattr(triage, "inner", triage)  # unwrap TimedTriage

    async def check() -> CheckResult:
        if not isinstance(inner, LoadsAModel):
            return CheckResult(True, "no model needed by this triage")
        problem = await asyncio.to_thread(inner.unavailable_because)
        if problem is None:
            return CheckResult(True, "loaded")
        return CheckResult(False, problem)

    return check

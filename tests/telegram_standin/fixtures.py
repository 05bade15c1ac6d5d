"""Pytest fixtures: a running Bot API stand-in whose spec violations fail the test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from .spec import BotApiSpec, SpecMissingError
from .standin import TelegramStandIn


@pytest.fixture(scope="session")
def telegram_api_spec() -> BotApiSpec:
    """The official Bot API spec; skips the test when api.json is absent."""
    try:
        return BotApiSpec.load()
    except SpecMissingError as missing:
        pytest.skip(str(missing))


def _fail_on_violations(standin: TelegramStandIn) -> None:
    found = standin.violations
    if found:
        listed = "\n".join(f"  {v}" for v in found)
        pytest.fail(f"Bot API spec violations ({standin.spec.version}):\n{listed}", pytrace=False)


@pytest_asyncio.fixture
async def telegram_standin(telegram_api_spec: BotApiSpec) -> AsyncIterator[TelegramStandIn]:
    """A stand-in running in the test's event loop; any spec violation fails the test."""
    standin = TelegramStandIn(telegram_api_spec)
    await standin.start()
    try:
        yield standin
    finally:
        await standin.stop()
    _fail_on_violations(standin)


@pytest.fixture
def telegram_standin_thread(telegram_api_spec: BotApiSpec) -> Iterator[TelegramStandIn]:
    """A stand-in serving from its own thread (for `triage run` subprocesses, sync tests)."""
    standin = TelegramStandIn(telegram_api_spec).start_in_thread()
    try:
        yield standin
    finally:
        standin.stop_thread()
    _fail_on_violations(standin)

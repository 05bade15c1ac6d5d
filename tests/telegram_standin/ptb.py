"""Pointing a real python-telegram-bot Application at the stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeAlias

from telegram.ext import Application, ApplicationBuilder

from .standin import TelegramStandIn

AnyApplication: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
AnyBuilder: TypeAlias = ApplicationBuilder[Any, Any, Any, Any, Any, Any]


def application_builder(standin: TelegramStandIn) -> AnyBuilder:
    """An ApplicationBuilder with the stand-in's token, base URL and file URL already set."""
    return (
        Application.builder()
        .token(standin.token)
        .base_url(standin.base_url)
        .base_file_url(standin.base_file_url)
    )


class RunsItself(Protocol):
    """A bot that receives its own updates (the desk's TelegramBot), not through an Updater."""

    def running(self, *, poll_timeout: int) -> AbstractAsyncContextManager[Any]: ...


@asynccontextmanager
async def polling(application: AnyApplication | RunsItself, timeout: int = 1) -> AsyncIterator[Any]:
    """Run the application (or the bot) with long polling for the duration of the block."""
    if not isinstance(application, Application):
        async with application.running(poll_timeout=timeout):
            yield application
        return
    async with application:
        await application.start()
        if application.updater is None:
            raise RuntimeError("the application was built without an updater")
        await application.updater.start_polling(poll_interval=0, timeout=timeout)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()

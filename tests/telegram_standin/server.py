"""The HTTP side: Bot API routes, long polling, file downloads and webhook delivery."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from typing import Any

import aiohttp
from aiohttp import web

from .methods import HANDLERS, bad_request
from .records import Call, Violation, WebhookConfig
from .spec import BotApiSpec
from .state import ApiError, StandInState
from .wire import read_call

TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
NOT_FOUND = ApiError(404, "Not Found")
UNAUTHORIZED = ApiError(401, "Unauthorized")
WEBHOOK_RETRY_SECONDS = (0.05, 0.2, 0.5, 1.0)
STATUS_TEXT = {
    429: "Too Many Requests: retry later",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def _reply(error: ApiError) -> web.Response:
    return web.json_response(error.payload(), status=error.status)


class BotApiServer:
    """Serves the Bot API for one bot token on loopback, over a StandInState."""

    def __init__(self, state: StandInState, spec: BotApiSpec) -> None:
        self.state = state
        self.spec = spec
        self.app = web.Application(client_max_size=60 * 1024 * 1024)
        self.app.router.add_route("*", "/bot{token}/{method}", self.handle_call)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self.handle_file)
        self._runner: web.AppRunner | None = None
        self._delivery: asyncio.Task[None] | None = None
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on host (an ephemeral port by default) and start webhook delivery."""
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._delivery = asyncio.create_task(self._deliver_webhooks())
        return self.port

    async def stop(self) -> None:
        """Stop delivering and listening."""
        if self._delivery is not None:
            self._delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery
        if self._runner is not None:
            await self._runner.cleanup()

    def _check_token(self, token: str) -> None:
        if token != self.state.token:
            raise UNAUTHORIZED if TOKEN_SHAPE.match(token) else NOT_FOUND

    def _violations(self, where: str, problems: list[str]) -> None:
        self.state.violations.extend(Violation(where, p) for p in problems)

    async def handle_call(self, request: web.Request) -> web.Response:
        """One Bot API call: check it against the spec, inject failures, run the method."""
        requested = request.match_info["method"]
        try:
            self._check_token(request.match_info["token"])
        except ApiError as error:
            return _reply(error)
        method = self.spec.method_name(requested) or requested
        params, files = await read_call(request, method, self.spec)
        with self.state.lock:
            fault = self.state.random_faults.draw(method) if self.state.random_faults else None
        if fault is not None and fault.is_error:
            extra = {"retry_after": fault.retry_after} if fault.retry_after else {}
            text = STATUS_TEXT.get(fault.status, "Error")
            if fault.retry_after:
                text = f"Too Many Requests: retry after {fault.retry_after}"
            refusal = ApiError(fault.status, text, **extra)
            status, body = refusal.status, refusal.payload()
        else:
            status, body = await self._answer(method, params)
        with self.state.lock:
            self.state.calls.append(Call(method, params, files, status, request.content_type))
        self.state.changed()
        with self.state.lock:
            delay = self.state.take_delay(method) or (fault.delay if fault else 0.0)
        if delay:
            await asyncio.sleep(delay)
        return web.json_response(body, status=status)

    async def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        problems = self.spec.check_call(method, params)
        self._violations("call", problems)
        if method not in self.spec.methods or (method not in HANDLERS and method != "getUpdates"):
            return 404, NOT_FOUND.payload()
        try:
            missing = self.spec.missing_fields(method, params)
            if missing:
                raise bad_request(f"{missing[0]} is empty")
            with self.state.lock:
                failure = self.state.take_failure(method, _chat_of(params))
            if failure is not None:
                extra = {"retry_after": failure.retry_after} if failure.retry_after else {}
                raise ApiError(failure.status, failure.description, **extra)
            result = await self._run(method, params)
        except ApiError as error:
            return error.status, error.payload()
        self._violations("result", self.spec.check_result(method, result))
        return 200, {"ok": True, "result": result}

    async def _run(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getUpdates":
            return await self._get_updates(params)
        with self.state.lock:
            result = HANDLERS[method](self.state, params)
        self.state.changed()
        return result

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        state = self.state
        with state.lock:
            if state.webhook is not None:
                raise ApiError(409, CONFLICT_WEBHOOK)
            if "offset" in params:
                state.confirm_updates(int(params["offset"]))
            if "allowed_updates" in params:
                state.allowed_updates = params["allowed_updates"] or None
            state.poll_generation += 1
            generation = state.poll_generation
        state.changed()
        limit = max(1, min(100, int(params.get("limit", 100))))
        superseded: list[dict[str, Any]] = []

        def ready() -> list[dict[str, Any]] | None:
            with state.lock:
                if state.poll_generation != generation:
                    return superseded
                return state.pending_updates[:limit] or None

        found = await state.notifier.wait_for(ready, float(params.get("timeout", 0)))
        if found is superseded:
            raise ApiError(409, CONFLICT_POLL)
        return [dict(u) for u in found or []]

    async def handle_file(self, request: web.Request) -> web.Response:
        """A file download: /file/bot<token>/<file_path>."""
        try:
            self._check_token(request.match_info["token"])
        except ApiError as error:
            return _reply(error)
        path = request.match_info["path"]
        stored = next((f for f in self.state.files.values() if f.file_path == path), None)
        if stored is None:
            return _reply(NOT_FOUND)
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _deliver_webhooks(self) -> None:
        parallel = asyncio.create_task(self._deliver_webhooks_in_parallel())
        try:
            await self._deliver_webhooks_in_turn()
        finally:
            parallel.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await parallel

    async def _deliver_webhooks_in_turn(self) -> None:
        attempt = 0
        async with aiohttp.ClientSession() as session:
            while True:
                due = await self.state.notifier.wait_for(self._next_delivery, 3600)
                if due is None:
                    continue
                update, hook = due
                self._violations("update", self.spec.check_object("Update", update))
                error = await _post_update(session, hook.url, hook.secret_token, update)
                with self.state.lock:
                    if error is None:
                        attempt = 0
                        hook.delivered += 1
                        self.state.pending_updates = [
                            u for u in self.state.pending_updates if u is not update
                        ]
                    else:
                        hook.last_error_date, hook.last_error_message = int(time.time()), error
                self.state.changed()
                if error is not None:
                    await asyncio.sleep(WEBHOOK_RETRY_SECONDS[min(attempt, 3)])
                    attempt += 1

    async def _deliver_webhooks_in_parallel(self) -> None:
        """Post up to webhook_parallel updates at once, as Telegram does with max_connections,
        but never two of one chat at once, so each chat's updates still arrive in order."""
        busy: set[int] = set()  # update ids being posted
        chats: set[int] = set()  # chats with an update being posted
        tasks: set[asyncio.Task[None]] = set()

        async def post(session: aiohttp.ClientSession, update: dict[str, Any]) -> None:
            attempt = 0
            chat = _update_chat(update)
            try:
                while True:
                    hook = self.state.webhook
                    if hook is None:
                        return
                    self._violations("update", self.spec.check_object("Update", update))
                    error = await _post_update(session, hook.url, hook.secret_token, update)
                    with self.state.lock:
                        if error is None:
                            hook.delivered += 1
                            self.state.pending_updates = [
                                u for u in self.state.pending_updates if u is not update
                            ]
                        else:
                            hook.last_error_date, hook.last_error_message = int(time.time()), error
                    if error is None:
                        return
                    await asyncio.sleep(WEBHOOK_RETRY_SECONDS[min(attempt, 3)])
                    attempt += 1
            finally:
                busy.discard(update["update_id"])
                chats.discard(chat)
                self.state.changed()

        def next_free() -> dict[str, Any] | None:
            with self.state.lock:
                parallel = self.state.webhook_parallel
                if self.state.webhook is None or parallel < 2 or len(busy) >= parallel:
                    return None
                for update in self.state.pending_updates:
                    if update["update_id"] not in busy and _update_chat(update) not in chats:
                        return update
            return None

        async with aiohttp.ClientSession() as session:
            try:
                while True:
                    update = await self.state.notifier.wait_for(next_free, 3600)
                    if update is None:
                        continue
                    busy.add(update["update_id"])
                    chats.add(_update_chat(update))
                    task = asyncio.create_task(post(session, update))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
            finally:
                for task in list(tasks):
                    task.cancel()

    def _next_delivery(self) -> tuple[dict[str, Any], WebhookConfig] | None:
        with self.state.lock:
            hook = self.state.webhook
            if hook is None or not self.state.pending_updates or self.state.webhook_parallel > 1:
                return None
            return self.state.pending_updates[0], hook


async def _post_update(
    session: aiohttp.ClientSession, url: str, secret: str | None, update: dict[str, Any]
) -> str | None:
    """POST one update as Telegram does; None on success, else Telegram-style error text."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    try:
        async with session.post(
            url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=10)
        ) as response:
            if 200 <= response.status < 300:
                return None
            return f"Wrong response from the webhook: {response.status} {response.reason}"
    except (aiohttp.ClientError, TimeoutError) as error:
        return f"Connection failed: {error.__class__.__name__}"


def _chat_of(params: dict[str, Any]) -> int | None:
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


def _update_chat(update: dict[str, Any]) -> int:
    """The user an update comes from (private chats: the chat), for ordering deliveries."""
    for kind in ("message", "edited_message", "callback_query"):
        if kind in update:
            return int(update[kind]["from"]["id"])
    return 0

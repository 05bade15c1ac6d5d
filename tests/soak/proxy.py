"""A reverse proxy in front of several webhook processes: Debian's nginx, run by the harness
with a generated config on loopback ports (a child process, its own pid, logs and temp
folders), or, where nginx is not installed, a small aiohttp round-robin proxy, labelled so."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Protocol

import aiohttp
from aiohttp import web

from tests.soak.bots import free_port

NGINX_SITE = """\
upstream triage_webhooks {{
{servers}
    keepalive 32;
}}

server {{
    listen 127.0.0.1:{port};
    access_log off;
    client_max_body_size 1m;

    location = {path} {{
        proxy_pass http://triage_webhooks;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        # a process that is down or restarting: the update goes to another one (updates are
        # acted on once whichever process gets them, so a retried post changes nothing)
        proxy_next_upstream error timeout http_502 http_503 non_idempotent;
        proxy_connect_timeout 1s;
        proxy_read_timeout 30s;
    }}
}}
"""
NGINX_MAIN = """\
{user}worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
{site}
}}
"""


class Proxy(Protocol):
    """What the harness needs of a proxy."""

    label: str
    port: int

    def stop(self) -> None: ...


def nginx_site(port: int, path: str, backends: list[int]) -> str:
    """The nginx site for webhook processes on these loopback ports (deploy/ can ship it)."""
    servers = "\n".join(
        f"    server 127.0.0.1:{backend} max_fails=1 fail_timeout=2s;" for backend in backends
    )
    return NGINX_SITE.format(servers=servers, port=port, path=path)


class Nginx:
    """nginx in the foreground with a generated config in its own folder."""

    def __init__(self, folder: Path, path: str, backends: list[int]) -> None:
        self.port = free_port()
        self.folder = folder / "nginx"
        self.folder.mkdir(parents=True, exist_ok=True)
        user = "user root;\n" if os.geteuid() == 0 else ""
        site = nginx_site(self.port, path, backends)
        config = self.folder / "nginx.conf"
        config.write_text(NGINX_MAIN.format(user=user, folder=self.folder, site=site))
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.label = f"nginx ({_nginx_version(binary)})"
        self.process = subprocess.Popen(
            [
                binary,
                "-c",
                str(config),
                "-p",
                str(self.folder),
                "-e",
                str(self.folder / "error.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "stderr.log").open("wb"),
        )
        _wait_listening(self.port, self.process)

    def stop(self) -> None:
        """Stop nginx (SIGTERM: a fast shutdown)."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class RoundRobinProxy:
    """The fallback when nginx is absent: round-robin, next backend when one refuses."""

    def __init__(self, path: str, backends: list[int]) -> None:
        self.port = free_port()
        self.label = "aiohttp round-robin proxy (FALLBACK: nginx is not installed)"
        self._path = path
        self._backends = backends
        self._turn = itertools.cycle(range(len(backends)))
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        ready.wait(10)

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post(self._path, self._forward)
        runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("content-type", "x-telegram-bot-api-secret-token")
        }
        for _ in self._backends:
            backend = self._backends[next(self._turn)]
            url = f"http://127.0.0.1:{backend}{self._path}"
            try:
                async with (
                    aiohttp.ClientSession() as session,
                    session.post(
                        url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(30)
                    ) as answer,
                ):
                    if answer.status in (502, 503):
                        continue
                    return web.Response(status=answer.status, body=await answer.read())
            except (aiohttp.ClientError, TimeoutError):
                continue
        return web.Response(status=502)

    def stop(self) -> None:
        """Stop serving."""
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def start_proxy(folder: Path, path: str, backends: list[int]) -> Proxy:
    """nginx if installed, else the labelled fallback."""
    if shutil.which("nginx") or Path("/usr/sbin/nginx").exists():
        return Nginx(folder, path, backends)
    return RoundRobinProxy(path, backends)


def _nginx_version(binary: str) -> str:
    done = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10)
    return (done.stderr or done.stdout).strip().removeprefix("nginx version: ")


def _wait_listening(port: int, process: subprocess.Popen[bytes], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nginx did not start listening")

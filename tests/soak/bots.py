"""The real `triage run` as subprocesses: a database for them, homeworkers, start, kill -9."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.bootstrap import Wiring
from bot.core.tickets import Agent
from bot.settings import Settings
from tests.conftest import TRIAGE_COMMAND
from tests.telegram_standin import SentMessage

WEBHOOK_SECRET = "soak-webhook-secret-0123456789"
POSTGRES_URL = os.environ.get(
    "TRIAGE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def sqlite_database(folder: Path) -> Iterator[str]:
    """A SQLite file in the run's folder."""
    yield f"sqlite:///{folder / 'soak.db'}"


@contextmanager
def postgres_database(base_url: str = POSTGRES_URL) -> Iterator[str]:
    """A fresh schema on PostgreSQL, dropped afterwards (as tests/conftest.py does)."""
    schema = f"soak_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class BotEnvironment:
    """What every `triage` command of one run shares: the database, the stand-in, the models."""

    database_url: str
    token: str
    base_url: str
    folder: Path
    extra: dict[str, str] = field(default_factory=dict)

    def variables(self) -> dict[str, str]:
        """The environment for a `triage` subprocess (the developer's TRIAGE_* left out)."""
        inherited = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("TRIAGE_") or k in ("TRIAGE_MODELS_DIR", "TRIAGE_KB_DIR")
        }
        return {
            **inherited,
            "TRIAGE_DATABASE_URL": self.database_url,
            "TRIAGE_TELEGRAM_TOKEN": self.token,
            "TRIAGE_TELEGRAM_BASE_URL": self.base_url,
            "TRIAGE_TELEGRAM_MAX_SEND_RATE": "0",
            "TRIAGE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            **self.extra,
        }

    def triage(self, *arguments: str) -> str:
        """Run one admin command to the end; its output, or RuntimeError with its stderr."""
        done = subprocess.run(
            [*TRIAGE_COMMAND, *arguments],
            env=self.variables(),
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"triage {' '.join(arguments)} failed: {done.stderr.strip()}")
        return done.stdout

    def add_homeworkers(self, people: list[tuple[str, int]], capacity: int) -> None:
        """Register homeworkers reachable in Telegram (off shift until they say so), as
        `triage agents add NAME --telegram-id ID --capacity N` does, without its start-up."""
        settings = Settings(database_url=self.database_url, models_dir=self.folder / "unused")
        with Wiring(settings) as wired:
            for name, telegram_id in people:
                wired.team.roster.add(
                    Agent(id=0, name=name, capacity=capacity, telegram_id=str(telegram_id))
                )

    def sends_in_doubt(self) -> list[SentMessage]:
        """What the bot recorded as maybe arrived and never sent again (in flight at a kill,
        or timed out), as the messages they would have been, to count them apart."""
        engine = create_engine(self.database_url)
        query = text(
            "SELECT COALESCE(u.external_id, a.telegram_id), o.text FROM outbox o "
            "LEFT JOIN users u ON u.id = o.user_id LEFT JOIN agents a ON a.id = o.agent_id "
            "WHERE o.outcome IN ('in doubt', 'timed out')"
        )
        try:
            with engine.connect() as connection:
                rows = connection.execute(query).all()
        finally:
            engine.dispose()
        return [
            SentMessage(int(chat), 0, "text", body, body, None, None, None)
            for chat, body in rows
            if chat is not None and str(chat).lstrip("-").isdigit()
        ]


class BotProcess:
    """One `triage run`, polling or serving a webhook on its own port; killed with -9 at will."""

    def __init__(
        self, environment: BotEnvironment, name: str, webhook_url: str | None = None
    ) -> None:
        self.environment = environment
        self.name = name
        self.webhook_url = webhook_url
        self.port = free_port() if webhook_url else 0
        self.log_path = environment.folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0
        self.exit_codes: list[int] = []

    def start(self) -> None:
        """Start `triage run` (again); output appended to the process's log file."""
        arguments = [*TRIAGE_COMMAND, "run"]
        env = self.environment.variables()
        if self.webhook_url:
            arguments += ["--webhook", self.webhook_url]
            env["TRIAGE_WEBHOOK_PORT"] = str(self.port)
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts + 1} at {time.time():.3f}\n".encode())
            self.process = subprocess.Popen(
                arguments,
                env=env,
                cwd=self.environment.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def wait_listening(self, seconds: float = 60) -> bool:
        """For a webhook process: wait until its port accepts connections."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """kill -9: no goodbye, no cleanup, exactly as a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.kills += 1

    def stop(self) -> None:
        """Ctrl-C, as an operator stops it; kill -9 if it does not stop in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.exit_codes.append(self.process.wait(20))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def log_tail(self, lines: int = 20) -> str:
        """The end of the process's output, for a report."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

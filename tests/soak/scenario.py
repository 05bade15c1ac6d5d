"""One soak run: the stand-in, `triage run` processes (behind a proxy when several), people,
faults and kill -9 with restarts, a settle time, then the count."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from classifier.default_model import ensure_default_model
from classifier.registry import ModelRegistry
from tests.soak.bots import BotEnvironment, BotProcess, postgres_database, sqlite_database
from tests.soak.ledger import Ledger, Row
from tests.soak.people import Chats, Desk, go_on_shift, user_life
from tests.soak.proxy import Proxy, start_proxy
from tests.telegram_standin import BotApiSpec, TelegramStandIn

WEBHOOK_PATH = "/telegram"
FIRST_USER = 7_000_001
FIRST_HOMEWORKER = 9_000_001
START_SECONDS = 90.0


@dataclass(frozen=True)
class Options:
    """How big, how hostile and how long a run is."""

    mode: str = "polling"  # polling or webhook
    processes: int = 1  # webhook processes; more than one go behind a proxy
    users: int = 50
    homeworkers: int = 2
    messages: int = 1000  # both ways: people stop starting rounds once this many went by
    faults: float = 0.2
    kills: int = 5
    seconds: float = 240.0  # people start no new round after this
    settle: float = 60.0  # at most this long for retries to land after the faults stop
    wait_seconds: float = 60.0  # how long a person waits for what they expect
    database: str = "sqlite"  # sqlite or postgresql
    rounds: int = 2  # reply-and-answer exchanges per case
    quiet: float = 8.0  # settled: nothing sent for this long
    seed: int = 13
    folder: Path | None = None
    models_dir: Path | None = None  # a trained registry to share (default: trained in folder)


@dataclass
class Result:
    """What a run measured."""

    options: Options
    rows: list[Row]
    problems: list[str]
    messages: int
    active_seconds: float
    kills: int
    starts: int
    faults: Counter[str]
    proxy: str = ""
    violations: int = 0  # calls or objects departing from the Bot API spec
    log_errors: int = 0
    recorded_in_doubt: int = 0  # sends the bot never repeated: in flight at a kill, timed out
    folder: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        """Messages both ways per second while people were active."""
        return self.messages / self.active_seconds if self.active_seconds else 0.0

    def total(self, column: str) -> int:
        """A column's sum over every kind."""
        return sum(int(getattr(row, column)) for row in self.rows)


def run_soak(options: Options) -> Result:
    """Run one soak and count; every process it started is stopped before it returns."""
    folder = options.folder or Path(tempfile.mkdtemp(prefix="triage-soak-"))
    folder.mkdir(parents=True, exist_ok=True)
    models = options.models_dir or Path(os.environ.get("TRIAGE_MODELS_DIR") or folder / "models")
    ensure_default_model(ModelRegistry(models))
    standin = TelegramStandIn(BotApiSpec.load()).start_in_thread()
    try:
        with _database(options, folder) as url:
            environment = BotEnvironment(
                url, standin.token, standin.base_url, folder, {"TRIAGE_MODELS_DIR": str(models)}
            )
            return _run(options, standin, environment, folder)
    finally:
        standin.stop_thread()


@contextlib.contextmanager
def _database(options: Options, folder: Path) -> Iterator[str]:
    if options.database == "postgresql":
        with postgres_database() as url:
            yield url
    else:
        with sqlite_database(folder) as url:
            yield url


def _run(
    options: Options, standin: TelegramStandIn, environment: BotEnvironment, folder: Path
) -> Result:
    homeworkers = [FIRST_HOMEWORKER + n for n in range(options.homeworkers)]
    phases = [("start", time.monotonic())]
    bots, proxy = _bots(options, environment, folder)
    if options.mode == "webhook":
        standin.deliver_webhooks_in_parallel(16)
    try:
        bots[0].start()  # the first one migrates the database; the others wait for it
        names = [(f"hw{n}", telegram_id) for n, telegram_id in enumerate(homeworkers, start=1)]
        environment.add_homeworkers(names, capacity=options.users)
        for bot in bots[1:]:
            bot.start()
        _wait_ready(standin, bots)
        phases.append(("bot ready", time.monotonic()))
        ledger = Ledger(homeworkers=set(homeworkers))
        faults = standin.random_faults(options.faults, options.seed)
        started = time.monotonic()
        messages = asyncio.run(_people(options, standin, ledger, homeworkers, bots))
        active = time.monotonic() - started
        phases.append(("people done", time.monotonic()))
        standin.random_faults(0)
        _settle(standin, options.settle, options.quiet)
        phases.append(("settled", time.monotonic()))
        in_doubt = environment.sends_in_doubt()
        rows, problems = ledger.count(standin.sent_messages, in_doubt)
        _keep_transcript(standin, folder / "transcript.jsonl")
        (folder / "problems.txt").write_text("".join(f"{p}\n" for p in problems))
    finally:
        for bot in bots:
            bot.stop()
        if proxy is not None:
            proxy.stop()
    return Result(
        options,
        rows,
        problems,
        messages=ledger.sent_by_people + len(standin.sent_messages),
        active_seconds=active if messages else 0.0,
        kills=sum(b.kills for b in bots),
        starts=sum(b.starts for b in bots),
        faults=faults.drawn,
        proxy=proxy.label if proxy is not None else "",
        violations=len(standin.violations),
        log_errors=sum(_tracebacks(b.log_path) for b in bots),
        recorded_in_doubt=len(in_doubt),
        folder=folder,
        notes=[f"{name} +{at - phases[0][1]:.1f} s" for name, at in phases[1:]]
        + [f"cases claimed before any offer arrived: {ledger.claimed_unoffered}"],
    )


def _bots(
    options: Options, environment: BotEnvironment, folder: Path
) -> tuple[list[BotProcess], Proxy | None]:
    if options.mode == "polling":
        return [BotProcess(environment, "bot")], None
    bots = [
        BotProcess(environment, f"bot{n}", webhook_url="pending")
        for n in range(1, options.processes + 1)
    ]
    if options.processes == 1:
        bots[0].webhook_url = f"http://127.0.0.1:{bots[0].port}{WEBHOOK_PATH}"
        return bots, None
    proxy = start_proxy(folder, WEBHOOK_PATH, [bot.port for bot in bots])
    for bot in bots:
        bot.webhook_url = f"http://127.0.0.1:{proxy.port}{WEBHOOK_PATH}"
    return bots, proxy


def _wait_ready(standin: TelegramStandIn, bots: list[BotProcess]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if any(not b.running for b in bots):
            break
        if bots[0].webhook_url is None and standin.calls_of("getUpdates"):
            return
        if bots[0].webhook_url and standin.webhook and all(b.wait_listening(1) for b in bots):
            return
        time.sleep(0.2)
    tails = "\n".join(b.log_tail() for b in bots)
    raise RuntimeError(f"`triage run` did not get ready:\n{tails}")


async def _people(
    options: Options,
    standin: TelegramStandIn,
    ledger: Ledger,
    homeworkers: list[int],
    bots: list[BotProcess],
) -> int:
    rng = random.Random(options.seed)
    chats = Chats(standin)
    desk = Desk(
        standin,
        chats,
        ledger,
        homeworkers,
        rng,
        deadline=time.monotonic() + options.seconds,
        message_target=options.messages,
        wait_seconds=options.wait_seconds,
        rounds=options.rounds,
    )
    follower = asyncio.create_task(chats.follow())
    killer = asyncio.create_task(_kill_and_restart(options, bots, rng, desk))
    try:
        await go_on_shift(desk)
        users = [user_life(desk, FIRST_USER + n) for n in range(options.users)]
        limit = options.seconds + 4 * options.wait_seconds
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*users), limit)
        await killer
    finally:
        killer.cancel()
        follower.cancel()
    return desk.messages


async def _kill_and_restart(
    options: Options, bots: list[BotProcess], rng: random.Random, desk: Desk
) -> None:
    """kill -9 a running process at random moments of the traffic (a random share of the
    messages gone by, or of the active time, whichever comes first), then start it again."""
    shares = sorted(rng.uniform(0.05, 0.85) for _ in range(options.kills))
    began = time.monotonic()
    for share in shares:
        while (
            desk.messages < share * options.messages
            and time.monotonic() < began + share * options.seconds
        ):
            await asyncio.sleep(0.05)
        victim = rng.choice([b for b in bots if b.running] or bots)
        victim.kill()
        await asyncio.sleep(rng.uniform(0.2, 1.5))
        victim.start()


def _settle(standin: TelegramStandIn, seconds: float, quiet: float = 8.0) -> None:
    """Wait until the bot has sent nothing new for `quiet` seconds (at most `seconds`)."""
    deadline = time.monotonic() + seconds
    last, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = sum(1 for call in standin.calls if call.method != "getUpdates")
        if now != last:
            last, last_change = now, time.monotonic()
        elif time.monotonic() - last_change >= quiet and standin.pending_update_count == 0:
            return
        time.sleep(0.5)


def _tracebacks(log: Path) -> int:
    if not log.exists():
        return 0
    return len(re.findall(r"^Traceback", log.read_text(errors="replace"), re.MULTILINE))


def _keep_transcript(standin: TelegramStandIn, path: Path) -> None:
    """Every update people caused and every message the bot sent, one JSON line each, for
    looking into a failure after the run."""
    with standin.state.lock:
        updates = list(standin.state.sent_updates.values())
    with path.open("w", encoding="utf-8") as out:
        for update in updates:
            out.write(json.dumps({"update": update}, ensure_ascii=False) + "\n")
        for message in standin.sent_messages:
            sent = {"chat": message.chat_id, "id": message.message_id, "text": message.text}
            out.write(json.dumps({"sent": sent, "edits": message.edit_count}) + "\n")

"""Start-up benchmark: how long `triage --help` and `triage chat` make a person wait.

    .venv/bin/python tests/benchmarks/bench_cli_start.py [--runs N]

Each command is started ``--runs`` times (default 9, after one untimed warm-up run) and the
median wall time printed beside two baselines run in the same loop, so a busy machine slows
all of them alike and the ratios stay comparable:

- ``python3 -c pass``: the interpreter on the PATH alone (a pyenv shim adds its own start);
- ``python -c pass``: this environment's interpreter alone, the base of the ratios;
- ``python -c "import typer, rich"``: the command-line libraries every command needs;
- ``triage --help``: the whole command tree, its help printed (target: under 0.4 s);
- ``triage chat``: until the greeting is on stdout, the desk built and waiting for the first
  message (target: under 1 s once the model exists). Its stdin is a terminal (a pty), as for
  a person, so the interactive chat with its greeting runs; Ctrl-D then ends it.

The chat uses the saved triage models (TRIAGE_MODELS_DIR, else the default registry in the
user data folder) and a fresh SQLite database in a temporary folder; the warm-up run trains
the default model if there is none yet and creates the database, so the timed runs measure a
desk that already has both.
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.core.texts import WELCOME
from bot.settings import default_models_dir

BIN = Path(sys.executable).parent
TRIAGE = str(BIN / "triage")
GREETING = WELCOME[:40].encode()
CHAT_TIMEOUT = 300.0  # seconds; the warm-up may train the default model


def run_to_end(command: list[str], env: dict[str, str]) -> float:
    """Seconds until ``command`` exits (its output discarded)."""
    started = time.perf_counter()
    subprocess.run(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - started


def chat_until_greeting(env: dict[str, str]) -> float:
    """Seconds until `triage chat`, typed at (a pty), prints its greeting; then Ctrl-D."""
    keyboard, terminal = pty.openpty()
    started = time.perf_counter()
    chat = subprocess.Popen(
        [TRIAGE, "chat", "--user", "bench"],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    os.close(terminal)
    assert chat.stdout is not None
    seen = b""
    try:
        while GREETING not in seen:
            if time.perf_counter() - started > CHAT_TIMEOUT:
                raise TimeoutError("triage chat printed no greeting")
            ready, _, _ = select.select([chat.stdout], [], [], 1.0)
            if ready:
                chunk = os.read(chat.stdout.fileno(), 65536)
                if not chunk:
                    raise RuntimeError(f"triage chat ended before its greeting: {seen!r}")
                seen += chunk
        ready_after = time.perf_counter() - started
        os.write(keyboard, b"\x04")  # Ctrl-D: the chat says bye and ends
        chat.communicate(timeout=30)
    finally:
        if chat.poll() is None:
            chat.kill()
            chat.wait()
        os.close(keyboard)
    return ready_after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per command")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as folder:
        env = dict(os.environ)
        env.setdefault("TRIAGE_MODELS_DIR", str(default_models_dir()))
        env["TRIAGE_DATABASE_URL"] = f"sqlite:///{Path(folder) / 'bench.db'}"
        env["TRIAGE_LOG_LEVEL"] = "WARNING"
        python = str(BIN / "python")
        timed: dict[str, Callable[[], float]] = {
            "python3 -c pass": lambda: run_to_end(["python3", "-c", "pass"], env),
            "python -c pass": lambda: run_to_end([python, "-c", "pass"], env),
            'python -c "import typer, rich"': lambda: run_to_end(
                [python, "-c", "import typer, rich"], env
            ),
            "triage --help": lambda: run_to_end([TRIAGE, "--help"], env),
            "triage chat (greeting printed)": lambda: chat_until_greeting(env),
        }
        print(f"models: {env['TRIAGE_MODELS_DIR']}; warming up (may train the default model)")
        for measure in timed.values():
            measure()
        times: dict[str, list[float]] = {name: [] for name in timed}
        for _ in range(args.runs):  # interleaved: a busy moment slows every command alike
            for name, measure in timed.items():
                times[name].append(measure())
    base = statistics.median(times["python -c pass"])
    print(f"\nmedian of {args.runs} runs, load average {os.getloadavg()[0]:.1f} now")
    print(f"{'command':34} {'median':>8} {'min':>8} {'max':>8} {'x python':>9}")
    for name, seconds in times.items():
        middle = statistics.median(seconds)
        print(
            f"{name:34} {middle:7.3f}s {min(seconds):7.3f}s {max(seconds):7.3f}s "
            f"{middle / base:8.1f}x"
        )


if __name__ == "__main__":
    main()

"""`triage chat` on a real terminal: greets, prompts, answers, and leaves on Ctrl-D."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time

from tests.conftest import FIXTURE_ARTICLES, FIXTURE_MIN_SCORE, TRIAGE_COMMAND


def _read_until(fd: int, marker: str, seconds: float = 60) -> str:
    seen = ""
    deadline = time.monotonic() + seconds
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen += os.read(fd, 4096).decode("utf-8", "replace")
            except OSError:
                break
    return seen


def test_an_interactive_session_reads_like_a_chat() -> None:
    controller, terminal = pty.openpty()
    env = {
        **os.environ,
        "TRIAGE_KB_DIR": str(FIXTURE_ARTICLES),
        "TRIAGE_KB_MIN_SCORE": str(FIXTURE_MIN_SCORE),
    }
    process = subprocess.Popen(
        [*TRIAGE_COMMAND, "chat", "--user", "tty-user"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
        close_fds=True,
    )
    os.close(terminal)
    try:
        greeting = _read_until(controller, "you> ")
        assert "I'm the IT help desk assistant" in greeting
        os.write(controller, b"how do I add a printer\n")
        answer = _read_until(controller, "you> ")
        assert "bot> Add the FollowMe printer" in answer
        assert "(answer: yes / no / talk to a person)" in answer
        os.write(controller, b"\x04")  # Ctrl-D
        assert "Bye!" in _read_until(controller, "Bye!")
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        os.close(controller)

"""`triage --help` starts fast: the command tree imports no library a command may not use.

scikit-learn, SciPy, Telegram, SQLAlchemy, matplotlib and pydantic-settings take seconds to
import on a busy machine; each is imported by the command that uses it, when it runs. A fresh
interpreter is the only place to see what an import pulls in, hence the subprocesses.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("sklearn", "scipy", "telegram", "sqlalchemy", "matplotlib", "pydantic_settings")
REPORT = f"import json, sys; print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"


def heavy_imports_after(code: str) -> list[str]:
    """The heavy libraries a fresh interpreter has imported after running ``code``."""
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\n{REPORT}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    last_line = done.stdout.strip().splitlines()[-1]
    return list(json.loads(last_line))


def test_importing_the_command_line_imports_no_heavy_library() -> None:
    assert heavy_imports_after("import bot.cli.app") == []


def test_help_imports_no_heavy_library() -> None:
    shows_help = """
import contextlib, io
from bot.cli.app import main
for args in (["--help"], ["chat", "--help"], ["run", "--help"], ["kb", "search", "--help"]):
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        try:
            main(args)
        except SystemExit as done:
            assert done.code == 0, (args, done.code)
    assert "Usage" in shown.getvalue(), args
"""
    assert heavy_imports_after(shows_help) == []


def test_the_check_sees_a_heavy_import() -> None:
    assert heavy_imports_after("import sqlalchemy") == ["sqlalchemy"]

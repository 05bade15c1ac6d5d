"""The README's shell examples, run as written on a fresh desk: in order, and reversed at night.

Every line of every ```sh block is either run here or listed in ``NOT_RUN`` with the reason,
so a new example cannot slip in untested. Lines run in this process through typer's runner
(`printf '...' | .venv/bin/triage ...` becomes the command's input); the shell the examples
use is kept to what ``run_line`` understands, and anything else fails this test.
"""

from __future__ import annotations

import itertools
import re
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

import knowledge_base.library
from bot.bootstrap import Wiring
from bot.cli import common
from bot.cli.app import app
from bot.settings import default_data_dir
from classifier.model import TriageModel
from classifier.registry import Manifest, ModelRegistry
from knowledge_base.library import ArticleLibrary

CHECKOUT = Path(__file__).resolve().parents[1]
README = CHECKOUT / "README.md"
TRIAGE = ".venv/bin/triage"

# Lines a test cannot run, by how they begin, and why. Keep it short: a new example is run.
NOT_RUN = {
    "python3 -m venv .venv && .venv/bin/pip install": (
        "installs from the package index, then starts an interactive chat or the whole suite"
    ),
    ".venv/bin/triage run": "needs a Telegram bot token and Telegram",
    "TRIAGE_WEBHOOK_SECRET=a-long-random-string .venv/bin/triage run": (
        "needs a Telegram bot token, Telegram and a public HTTPS address"
    ),
    ".venv/bin/triage train --data my_tickets.csv": "the reader's own export of tickets",
    ".venv/bin/triage train --data ../shared/data/": (
        "CLINC150 lives outside the checkout, and training on it takes minutes"
    ),
    ".venv/bin/triage evaluate --data ../shared/data/": "CLINC150 lives outside the checkout",
    ".venv/bin/python ": ("benchmarks run for minutes; some need PostgreSQL or ../shared/data"),
}

RANSOM_NOTE = "printf 'there is a ransom note on my screen\\n' | .venv/bin/triage chat --user alice"
# What the README says a line prints (the line as written, continuation lines joined).
SAYS = {
    "printf 'how do I connect to the VPN from home\\n' | .venv/bin/triage chat": [
        "Connect to the VPN",
        "Did that solve it?",
    ],
    "printf 'my pasword expired\\nno\\nno\\n' | .venv/bin/triage chat --user bob": [
        "Let's try this instead",
        "Your reference is T-",
    ],
    ".venv/bin/triage agents list": ["dana", "sam"],
    ".venv/bin/triage agents add lee --skills security": ["added homeworker lee"],
    RANSOM_NOTE: [
        "Priority: P1",
        "Your reference is T-",
        "unplug the network cable",
    ],
    "printf 'shift on\\nnext\\nreply Unplug the network cable, leave it on.\\n' "
    "| .venv/bin/triage desk --agent lee": ["You are on shift", "User: alice", "Sent to the user"],
    "printf 'done\\n' | .venv/bin/triage chat --user alice": [
        "has picked up your request",
        "Unplug the network cable, leave it on.",
    ],
    "printf 'resolve Restored from last night'\"'\"'s backup\\n' "
    "| .venv/bin/triage desk --agent lee": ["resolved. The user has been asked to rate"],
    "printf '5\\n' | .venv/bin/triage chat --user alice": ["Thank you for rating the help 5/5"],
    '.venv/bin/triage classify "the whole 2nd floor has no network since the power cut"': [
        "network"
    ],
    ".venv/bin/triage demo seed --days 7": ["simulated", "second-line cases"],
    ".venv/bin/triage report --charts out/": ["wrote 5 charts to out"],
    ".venv/bin/triage kb draft T-1004": ["draft drafts/", "written from T-1004"],
}
SUNDAY_NIGHT = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # 03:00 in London, nobody's hours
REFERENCE = re.compile(r"Your reference is (T-\d+)")
SHELL_OPERATOR = re.compile(r"[|&;<>()]+")


@dataclass(frozen=True)
class Ran:
    """One README line and what it printed."""

    line: str
    output: str


def shell_blocks(markdown: str) -> list[list[str]]:
    """The README's ```sh blocks, each as its lines (continuations joined, comments dropped)."""
    blocks = re.findall(r"^```sh\n(.*?)^```", markdown, re.MULTILINE | re.DOTALL)
    lines = [re.sub(r"\\\n\s*", "", block).splitlines() for block in blocks]
    return [[without_comment(line) for line in block if without_comment(line)] for block in lines]


def without_comment(line: str) -> str:
    """A shell line without its `# comment` and the spaces around it."""
    quote = ""
    for at, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (at == 0 or line[at - 1].isspace()):
            return line[:at].strip()
    return line.strip()


def why_not_run(line: str) -> str | None:
    """The reason a line is not run here, if it is one of those."""
    return next((why for start, why in NOT_RUN.items() if line.startswith(start)), None)


def printf_output(template: str) -> str:
    """What `printf TEMPLATE` writes, for the escapes the README uses."""
    if "%" in template:
        raise AssertionError(f"printf {template!r}: only \\n and \\\\ escapes are run here")
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "\\": "\\"}[m.group(1)], template)


def run_line(line: str, shell: pytest.MonkeyPatch) -> str:
    """Run one README line as the shell would, in this process; its output."""
    words = shlex.shlex(line, posix=True, punctuation_chars=True)
    words.whitespace_split = True
    tokens = list(words)
    if re.search(r"[$`]", outside_single_quotes(line)):
        raise cannot_run(line)
    if tokens[0] == "export" and len(tokens) == 2 and "=" in tokens[1]:
        shell.setenv(*tokens[1].split("=", 1))
        return ""
    if tokens[0] == "unset" and len(tokens) == 2:
        shell.delenv(tokens[1], raising=False)
        return ""
    stdin = ""
    if tokens[:1] == ["printf"] and tokens[2:3] == ["|"]:
        stdin, tokens = printf_output(tokens[1]), tokens[3:]
    if tokens[0] != TRIAGE or any(SHELL_OPERATOR.fullmatch(token) for token in tokens):
        raise cannot_run(line)
    result = CliRunner().invoke(app, tokens[1:], input=stdin)
    assert result.exit_code == 0, (
        f"{line}\nexited {result.exit_code} ({result.exception!r}):\n{result.output}"
    )
    return result.output


def outside_single_quotes(line: str) -> str:
    """The parts of a shell line the shell expands: all but what is in single quotes."""
    return "".join(re.split(r"'[^']*'", line))


def cannot_run(line: str) -> AssertionError:
    """A README line whose shell run_line does not know: teach it, or list the line in NOT_RUN."""
    return AssertionError(
        f"this test cannot run {line!r}: give it the shell run_line knows "
        "(`export`, `unset`, `printf '...' | .venv/bin/triage ...`, `.venv/bin/triage ...`), "
        "or list it in NOT_RUN with the reason"
    )


@dataclass
class BuiltOnce:
    """The article index and models, built once for all the commands this module runs."""

    libraries: dict[tuple[Path, float], ArticleLibrary]
    models: dict[tuple[Path, str | None], tuple[TriageModel, Manifest]]


@pytest.fixture(scope="module")
def built_once() -> BuiltOnce:
    """Every command indexes the same articles and loads the same model: do it once here."""
    return BuiltOnce({}, {})


@pytest.fixture
def fresh_desk(
    tmp_path: Path,
    trained_models_dir: Path,
    built_once: BuiltOnce,
    monkeypatch: pytest.MonkeyPatch,
) -> pytest.MonkeyPatch:
    """A reader's first day: empty data folder, the checkout's articles, a trained model.

    Returns the shell's environment: the README's `export` and `unset` change it.
    """
    models = tmp_path / "models"
    shutil.copytree(trained_models_dir, models)  # `train` may activate a new one: not shared
    (tmp_path / "knowledge_base").symlink_to(CHECKOUT / "knowledge_base")
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)  # the default: in the data folder
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("TRIAGE_MODELS_DIR", str(models))
    monkeypatch.chdir(tmp_path)

    def library(folder: Path, min_score: float) -> ArticleLibrary:
        key = (folder.resolve(), min_score)
        if key not in built_once.libraries:  # a library re-reads its folder when a file changes
            built_once.libraries[key] = ArticleLibrary(folder, min_score)
        return built_once.libraries[key]

    load = ModelRegistry.load

    def load_once(
        registry: ModelRegistry, version: str | None = None
    ) -> tuple[TriageModel, Manifest]:
        key = (registry.root.resolve(), version or registry.active_version())
        if key not in built_once.models:
            built_once.models[key] = load(registry, version)
        return built_once.models[key]

    monkeypatch.setattr(knowledge_base.library, "ArticleLibrary", library)  # read when built
    monkeypatch.setattr(ModelRegistry, "load", load_once)
    return monkeypatch


def run_blocks(blocks: list[list[str]], shell: pytest.MonkeyPatch) -> list[Ran]:
    """Run every line that can be run, block after block."""
    return [
        Ran(line, run_line(line, shell))
        for block in blocks
        for line in block
        if why_not_run(line) is None
    ]


def check_what_the_readme_says(ran: list[Ran]) -> None:
    """Each key line that ran printed what the README says; lee worked on alice's own case."""
    printed = {each.line: each.output for each in ran}
    for line, fragments in SAYS.items():
        for fragment in fragments if line in printed else ():
            assert fragment in printed[line], f"{line}\nprinted no {fragment!r}:\n{printed[line]}"
    announced = REFERENCE.search(printed[RANSOM_NOTE])
    assert announced is not None
    for line in (line for line in printed if line.endswith("--agent lee")):
        assert announced.group(1) in printed[line], f"{line} worked on another case"


def test_the_readme_lists_every_example_it_does_not_run() -> None:
    lines = [line for block in shell_blocks(README.read_text()) for line in block]
    for start in NOT_RUN:
        assert any(line.startswith(start) for line in lines), f"NOT_RUN names a gone line: {start}"
    for line in SAYS:
        assert line in lines, f"SAYS expects output from a line the README no longer has: {line}"


def test_the_readme_examples_run_in_readme_order(fresh_desk: pytest.MonkeyPatch) -> None:
    ran = run_blocks(shell_blocks(README.read_text()), fresh_desk)
    assert set(SAYS) <= {each.line for each in ran}
    check_what_the_readme_says(ran)
    assert (default_data_dir() / "triage.db").is_file()
    assert Path("demo.db").is_file(), "the demo has a database of its own"
    assert len(list(Path("out").glob("*.png"))) == 5


def test_the_readme_examples_run_in_reverse_order_on_a_sunday_night(
    fresh_desk: pytest.MonkeyPatch,
) -> None:
    fresh_desk.setattr(common, "Wiring", partial(Wiring, clock=clock_from(SUNDAY_NIGHT)))
    blocks = [block for block in shell_blocks(README.read_text()) if not own_database(block)]
    ran = run_blocks(blocks[::-1], fresh_desk)
    check_what_the_readme_says(ran)


def clock_from(start: datetime) -> Callable[[], datetime]:
    """A desk clock that starts at ``start`` and moves a second each time it is read."""
    seconds = itertools.count()
    return lambda: start + timedelta(seconds=next(seconds))


def own_database(block: list[str]) -> bool:
    """Whether a block works on a database of its own: the demo, the slowest, runs once."""
    return block[0].startswith("export TRIAGE_DATABASE_URL=") and block[-1] == (
        "unset TRIAGE_DATABASE_URL"
    )


@pytest.mark.parametrize(
    "line",
    [
        "ls -l",
        ".venv/bin/triage agents list > agents.txt",
        ".venv/bin/triage demo seed && .venv/bin/triage report",
        "ticket=$(printf 'hi\\n' | .venv/bin/triage chat)",
        ".venv/bin/triage desk --agent $AGENT",
        "printf 'claim %s\\n' T-1001 | .venv/bin/triage desk --agent lee",
    ],
)
def test_a_line_this_test_cannot_run_fails_it(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AssertionError, match="this test cannot run"):
        run_line(line, monkeypatch)

"""Article files: parsing, validation problems with their file, and the shipped knowledge base."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from knowledge_base import ARTICLES_DIR, DEFAULT_CATEGORIES
from knowledge_base.articles_io import load_articles
from tests.conftest import FIXTURE_ARTICLES

GOOD = (FIXTURE_ARTICLES / "network" / "vpn-connect-from-home.md").read_text(encoding="utf-8")


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (GOOD.replace("category: network", "category: plumbing"), "unknown category 'plumbing'"),
        (
            GOOD.replace("id: vpn-connect-from-home", "id: VPN Home"),
            "lowercase words joined by hyphens",
        ),
        (
            GOOD.replace("title: Connect to the VPN from home\n", ""),
            "missing front-matter field(s): title",
        ),
        (GOOD.split("## Steps")[0] + "## Steps\n\n## Still stuck?\nAsk.", "no numbered steps"),
        (GOOD.replace("## Still stuck?", "## Notes"), "no '## Still stuck?' section"),
        (GOOD.replace("tags: [vpn, remote, home, connect]", "tags: vpn"), "'tags' must be a list"),
        (GOOD.replace("---\nid:", "id:", 1), "no front matter"),
        (GOOD.replace("tags: [vpn,", "tags: [[vpn,"), "front matter is not valid YAML"),
    ],
)
def test_each_problem_is_reported_with_its_file(tmp_path: Path, text: str, problem: str) -> None:
    path = _write(tmp_path, "network/broken.md", text)
    loaded = load_articles(tmp_path)
    assert loaded.articles == ()
    [reported] = loaded.problems
    assert reported.path == path
    assert problem in reported.message


def test_duplicate_ids_are_reported_and_the_first_article_kept(tmp_path: Path) -> None:
    _write(tmp_path, "a/first.md", GOOD)
    second = _write(tmp_path, "b/second.md", GOOD)
    loaded = load_articles(tmp_path)
    assert [article.id for article in loaded.articles] == ["vpn-connect-from-home"]
    [problem] = loaded.problems
    assert problem.path == second
    assert "duplicate id 'vpn-connect-from-home'" in problem.message


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(b"---\nid: caf\xe9\n---\n")
    assert load_articles(tmp_path).problems[0].message == "not valid UTF-8 text"


def test_steps_summary_and_still_stuck_are_parsed() -> None:
    [article] = load_articles(FIXTURE_ARTICLES / "network").articles
    assert article.steps[0] == "Make sure your home internet works by opening any public website."
    assert len(article.steps) == 4
    assert article.summary.startswith("Use the VPN app")
    assert "talk to a person" in article.still_stuck


def test_the_shipped_knowledge_base_is_valid_and_covers_every_category() -> None:
    loaded = load_articles(ARTICLES_DIR)
    assert [str(problem) for problem in loaded.problems] == []
    assert len(loaded.articles) >= 60
    per_category = Counter(article.category for article in loaded.articles)
    assert set(per_category) == set(DEFAULT_CATEGORIES)
    assert min(per_category.values()) >= 6
    assert all(len(article.steps) >= 3 for article in loaded.articles)


@pytest.mark.parametrize(
    "topic",
    [
        "password",
        "mfa",
        "locked",
        "vpn",
        "wi-fi",
        "outlook",
        "mailbox",
        "out-of-office",
        "shared",
        "printer",
        "scan",
        "monitor",
        "dock",
        "slow",
        "install",
        "teams",
        "zoom",
        "onedrive",
        "restore",
        "phishing",
    ],
)
def test_the_shipped_knowledge_base_has_each_first_line_topic(topic: str) -> None:
    haystacks = [
        f"{article.id} {article.title} {' '.join(article.tags)}".casefold().replace("wifi", "wi-fi")
        for article in load_articles(ARTICLES_DIR).articles
    ]
    assert any(topic in haystack for haystack in haystacks)


def test_validate_command_lists_problems_and_fails(tmp_path: Path, run_triage) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(FIXTURE_ARTICLES, tmp_path / "kb")
    _write(tmp_path, "kb/network/zz-copy.md", GOOD)
    result = run_triage("kb", "validate", "--dir", str(tmp_path / "kb"))
    assert result.returncode == 1
    assert f"{tmp_path / 'kb' / 'network' / 'zz-copy.md'}: duplicate id" in result.stderr
    assert "4 valid article(s), 1 problem(s)" in result.stdout


def test_validate_command_passes_on_the_shipped_articles(run_triage) -> None:  # type: ignore[no-untyped-def]
    result = run_triage("kb", "validate")
    assert result.returncode == 0, result.stderr
    assert "0 problem(s)" in result.stdout


@pytest.mark.parametrize("command", [("kb", "validate"), ("kb", "search", "vpn")])
@pytest.mark.parametrize("folder", ["missing", "empty", "notes only"])
def test_a_missing_or_empty_articles_folder_is_an_error_not_an_empty_answer(
    tmp_path: Path, command: tuple[str, ...], folder: str
) -> None:
    from tests.cli_in_process import triage

    where = tmp_path / folder
    if folder != "missing":
        where.mkdir()
    if folder == "notes only":
        (where / "README.txt").write_text("articles go here\n", encoding="utf-8")
    outcome = triage(*command, "--dir", str(where))
    assert (outcome.status, outcome.stdout) == (2, "")
    expected = "does not exist" if folder == "missing" else "holds no articles (*.md files)"
    assert outcome.stderr == f"triage: folder {where} {expected}\n"

"""Drafting an article from a resolved ticket's note, as an admin would."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from typer.testing import CliRunner, Result

from bot.cli.app import app
from bot.core.domain import Sender
from knowledge_base import ARTICLES_DIR
from knowledge_base.articles_io import parse_article
from knowledge_base.drafts import STILL_STUCK, DraftSource, article_id, draft_article, note_steps
from tests.desk_fixtures import OUTAGE, Desk

CRASHING = "outlook keeps crashing for everyone in finance"
NOTE = (
    "Rolled back the Office update on the finance PCs.\n"
    "Asked finance to restart Outlook; it opened without crashing."
)


@pytest.mark.parametrize(
    ("note", "steps"),
    [
        ("reset the VPN profile", ["Reset the VPN profile."]),
        (
            "Cleared the cache. Re-synced the mailbox! Did it work?",
            ["Cleared the cache.", "Re-synced the mailbox!", "Did it work?"],
        ),
        ("turned it off; turned it on", ["Turned it off.", "Turned it on."]),
        ("1. restart the client\n2) re-import the profile\n\n- check the clock", None),
        (NOTE, ["Rolled back the Office update on the finance PCs.", NOTE.split("\n")[1]]),
    ],
)
def test_a_note_becomes_one_step_per_line_or_sentence(note: str, steps: list[str] | None) -> None:
    expected = steps or ["Restart the client.", "Re-import the profile.", "Check the clock."]
    assert note_steps(note) == expected


def test_the_id_comes_from_the_question_and_avoids_ids_in_use() -> None:
    assert article_id(CRASHING) == "outlook-keeps-crashing-finance"
    assert article_id("Hi, my [password removed] for SAP won't work!!") == "sap-work"
    assert article_id("vpn down", {"vpn-down", "vpn-down-2"}) == "vpn-down-3"
    assert article_id("??") == "draft-article"


def test_a_draft_is_a_valid_article_without_masking_placeholders() -> None:
    source = DraftSource(
        reference="T-1042",
        question="my [password removed] for SAP won't work\nit says account expired",
        summary="my [password removed] for SAP won't work. it says account expired",
        category="account",
        resolution_note="Unlocked the SAP account. Set a new initial password.",
        terms=("sap",),
    )
    draft = draft_article(source)
    assert draft.relative_path == Path("account/sap-work-says-account-expired.md")
    assert parse_article(draft.text) == draft.article
    assert draft.article.title == "My for SAP won't work"
    assert draft.article.questions == ("my for SAP won't work it says account expired",)
    assert draft.article.steps == ("Unlocked the SAP account.", "Set a new initial password.")
    assert draft.article.tags == ("sap", "work", "says", "account", "expired")
    assert "removed" not in draft.text
    assert "drafted_from: T-1042" in draft.text


def triage(*args: str, database_url: str) -> Result:
    """The command line in this process."""
    return CliRunner().invoke(app, list(args), env={"TRIAGE_DATABASE_URL": database_url})


@pytest.fixture
def resolved(desk: Desk) -> Desk:
    """T-1001 resolved, its category corrected from email to software; T-1002 still queued."""
    dana = desk.add("dana")
    desk.user(CRASHING)
    desk.app.team.desk.claim(dana.id, "T-1001")
    desk.app.team.desk.resolve(dana.id, NOTE, corrected_category="software")
    desk.user(OUTAGE, Sender("test", "otto", "Otto"))
    return desk


def test_a_resolved_ticket_becomes_a_draft_that_validates(
    resolved: Desk, tmp_path: Path, run_triage: Callable[..., CompletedProcess[str]]
) -> None:
    result = triage("kb", "draft", "t-1001", database_url=resolved.app.settings.database_url)
    assert result.exit_code == 0, result.output
    path = tmp_path / "drafts" / "software" / "outlook-keeps-crashing-finance.md"
    assert f"draft drafts/software/{path.name} written from T-1001" in " ".join(
        result.stdout.split()
    )
    assert path.read_text(encoding="utf-8") == (
        "---\n"
        "id: outlook-keeps-crashing-finance\n"
        "title: Outlook keeps crashing for everyone in finance\n"
        "category: software\n"
        "tags:\n- outage\n- outlook\n- keeps\n- crashing\n- finance\n"
        "questions:\n- outlook keeps crashing for everyone in finance\n"
        "drafted_from: T-1001\n"
        "---\n"
        "What to do when a user reports: outlook keeps crashing for everyone in finance\n"
        "\n## Steps\n"
        "1. Rolled back the Office update on the finance PCs.\n"
        "2. Asked finance to restart Outlook; it opened without crashing.\n"
        "\n## Still stuck?\n"
        f"{STILL_STUCK}\n"
    )
    checked = run_triage("kb", "validate", "--dir", "drafts")
    assert checked.returncode == 0, checked.stderr
    assert "1 valid article(s), 0 problem(s) in drafts" in checked.stdout


def test_refusals_are_one_line_and_write_nothing(resolved: Desk, tmp_path: Path) -> None:
    url = resolved.app.settings.database_url
    for reference, message in [
        ("T-9999", "triage: there is no ticket T-9999"),
        ("hello", "triage: 'hello' is not a ticket reference such as T-1042"),
        ("T-1002", "triage: T-1002 is queued, not resolved; only a resolved ticket's note"),
    ]:
        result = triage("kb", "draft", reference, database_url=url)
        assert result.exit_code == 2
        assert result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "drafts").exists()

    out = tmp_path / "review"
    assert triage("kb", "draft", "T-1001", "--out", str(out), database_url=url).exit_code == 0
    again = triage("kb", "draft", "T-1001", "--out", str(out), database_url=url)
    assert again.exit_code == 2 and "already exists" in again.stderr
    assert [p.name for p in out.rglob("*.md")] == ["outlook-keeps-crashing-finance.md"]
    bad = triage("kb", "draft", "T-1001", "--category", "plumbing", database_url=url)
    assert bad.exit_code == 2 and "unknown category 'plumbing'" in bad.stderr


@pytest.mark.parametrize("into", ["the folder", "a category in it", "a link to it", "a '..' path"])
def test_a_draft_is_never_written_into_the_live_knowledge_base(
    resolved: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, into: str
) -> None:
    live = tmp_path / "live"
    shutil.copytree(ARTICLES_DIR / "software", live / "software")
    monkeypatch.setenv("TRIAGE_KB_DIR", str(live))
    (tmp_path / "linked").symlink_to(live, target_is_directory=True)
    out = {
        "the folder": live,
        "a category in it": live / "software",
        "a link to it": tmp_path / "linked",
        "a '..' path": tmp_path / "elsewhere" / ".." / "live",
    }[into]
    before = sorted(live.rglob("*"))
    result = triage("kb", "draft", "T-1001", "--out", str(out), database_url=_url(resolved))
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"triage: --out {out} is inside the live knowledge base ({live})")
    assert sorted(live.rglob("*")) == before


def test_a_category_folder_linked_into_the_live_knowledge_base_is_refused(
    resolved: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = tmp_path / "live"
    shutil.copytree(ARTICLES_DIR / "software", live / "software")
    monkeypatch.setenv("TRIAGE_KB_DIR", str(live))
    (tmp_path / "review").mkdir()
    (tmp_path / "review" / "software").symlink_to(live / "software", target_is_directory=True)
    result = triage(
        "kb", "draft", "T-1001", "--out", str(tmp_path / "review"), database_url=_url(resolved)
    )
    assert result.exit_code == 2
    assert "is inside the live knowledge base" in result.stderr
    assert not list(live.rglob("outlook-*"))


def _url(desk: Desk) -> str:
    return desk.app.settings.database_url

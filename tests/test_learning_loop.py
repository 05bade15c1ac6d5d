"""The learning loop: second line's corrections become training rows, and a retrain is gated."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from bot.cli.app import app
from bot.core.domain import Sender
from bot.core.metrics import Period, report
from bot.storage.learning_queries import read_ticket_labels
from bot.storage.metrics_queries import read_facts
from bot.storage.schema import TicketEventRow
from classifier import DEFAULT_TRAINING_DATA
from classifier.dataset import Dataset, read_dataset
from classifier.learning import TicketLabel, learn_from_tickets, merged_csv, write_merged
from tests.desk_fixtures import OUTAGE, RANSOM, Desk

BASE = Dataset(
    texts=("Locked out", "printer jammed"),
    labels=("account", "printing"),
    escalate=(False, False),
    priority=("P3", "P4"),
    sha256="0" * 64,
    source="base.csv",
)


def _label(
    reference: str, text: str, category: str | None, needed: bool | None = True
) -> TicketLabel:
    return TicketLabel(reference, text, category, needed, "P2")


TICKETS = [
    _label("T-1001", "locked out!!", "account"),  # the base has it: a duplicate
    _label("T-1002", "VPN drops every hour", "network", None),  # not said: second line was needed
    _label("T-1003", "vpn   drops every hour.", "network"),  # T-1002 has it: a duplicate
    _label("T-1004", "  ", "network"),  # no question
    _label("T-1005", "new laptop please", None),  # no category
    _label("T-1006", "Teams camera black", "collaboration", False),
]


def test_new_questions_are_learned_once_with_their_ticket() -> None:
    learning = learn_from_tickets(BASE, TICKETS)
    assert [(row.source, row.text, row.category, row.escalate) for row in learning.rows] == [
        ("ticket:T-1002", "VPN drops every hour", "network", True),
        ("ticket:T-1006", "Teams camera black", "collaboration", False),
    ]
    assert (learning.tickets, learning.duplicates, learning.unusable) == (6, 2, 2)
    assert learning.describe() == (
        "added 2 rows from 6 resolved tickets (2 duplicates, 2 without a question or category)"
    )
    assert learn_from_tickets(BASE, TICKETS[:1]).describe() == (
        "added 0 rows from 1 resolved ticket (1 duplicate)"
    )


def test_the_merged_file_keeps_the_base_columns_and_says_where_each_row_came_from(
    tmp_path: Path,
) -> None:
    rows = learn_from_tickets(BASE, TICKETS).rows
    assert merged_csv(BASE, rows) == (
        "text,category,escalate,priority,source\n"
        "Locked out,account,0,P3,base\n"
        "printer jammed,printing,0,P4,base\n"
        "VPN drops every hour,network,1,P2,ticket:T-1002\n"
        "Teams camera black,collaboration,0,P2,ticket:T-1006\n"
    )
    bare = Dataset(BASE.texts, BASE.labels, None, None, BASE.sha256, BASE.source)
    assert merged_csv(bare, rows).splitlines()[0] == "text,category,source"
    path = write_merged(tmp_path, merged_csv(BASE, rows))
    assert path.parent == tmp_path / "learned"
    assert write_merged(tmp_path, merged_csv(BASE, rows)) == path  # named by its content
    assert read_dataset(path).labels == ("account", "printing", "network", "collaboration")


def triage(*args: str, desk: Desk, models: Path) -> Result:
    """The command line in this process, on the desk's database and this registry."""
    env = {"TRIAGE_DATABASE_URL": desk.app.settings.database_url, "TRIAGE_MODELS_DIR": str(models)}
    return CliRunner().invoke(app, list(args), env=env)


def _resolve(desk: Desk, reference: str, category: str, needed: bool = True) -> None:
    dana = desk.agent("dana")
    desk.app.team.desk.claim(dana.id, reference)
    desk.app.team.desk.resolve(
        dana.id, "fixed it", corrected_category=category, second_line_needed=needed
    )


@pytest.fixture
def corrected(desk: Desk) -> Desk:
    """Five resolved tickets (two repeat known questions) and one still queued."""
    desk.add("dana")
    desk.user(OUTAGE)
    _resolve(desk, "T-1001", "network")
    desk.user("5")  # rated: closed tickets count too
    bob, cy, dee, eve = (Sender("test", name, name) for name in ("bob", "cy", "dee", "eve"))
    desk.user("outlook keeps crashing for everyone in finance", bob)
    _resolve(desk, "T-1002", "software")
    desk.user("new starter needs access to the payroll share", cy)
    _resolve(desk, "T-1003", "account", needed=False)
    desk.user("locked out", dee)  # the base data has it
    desk.user("talk to a person", dee)
    _resolve(desk, "T-1004", "account")
    desk.user("The whole 2nd floor has NO network since the power cut!", eve)  # as T-1001
    desk.user("talk to a person", eve)
    _resolve(desk, "T-1005", "network")
    desk.user(RANSOM, Sender("test", "fay", "fay"))  # queued, not resolved: not learned from
    return desk


@pytest.fixture
def models(tmp_path: Path, trained_models_dir: Path) -> Path:
    """A copy of the session's registry, with its active default model."""
    return shutil.copytree(trained_models_dir, tmp_path / "models")


def test_train_from_tickets_adds_the_new_rows_to_the_project_data(
    corrected: Desk, models: Path
) -> None:
    active = (models / "ACTIVE").read_text().strip()
    result = triage("train", "--from-tickets", desk=corrected, models=models)
    assert result.exit_code == 0, result.output
    output = " ".join(result.stdout.split())
    assert "added 3 rows from 5 resolved tickets (2 duplicates); training on" in output
    [merged] = (models / "learned").glob("training-*.csv")
    with merged.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    base = read_dataset(DEFAULT_TRAINING_DATA)
    assert len(rows) == len(base) + 3
    assert {row["source"] for row in rows[: len(base)]} == {"base"}
    assert rows[len(base) :] == [
        {
            "text": OUTAGE,
            "category": "network",
            "escalate": "1",
            "priority": "P1",
            "source": "ticket:T-1001",
        },
        {
            "text": "outlook keeps crashing for everyone in finance",
            "category": "software",
            "escalate": "1",
            "priority": "P2",
            "source": "ticket:T-1002",
        },
        {
            "text": "new starter needs access to the payroll share",
            "category": "account",
            "escalate": "0",
            "priority": "P3",
            "source": "ticket:T-1003",
        },
    ]
    [version] = [
        p.name for p in models.iterdir() if p.is_dir() and p.name not in ("learned", active)
    ]
    manifest = json.loads((models / version / "manifest.json").read_text())
    assert manifest["training_data"]["source"] == str(merged)
    assert manifest["training_data"]["rows"] == len(base) + 3
    # The same gate as any training run: compared with the active model on the held-back rows.
    assert re.search(
        rf"model {version} (activated: its .* on the same \d+ held-back rows is \S+ against "
        rf"the active model's|saved, not activated: its .* on the same \d+ held-back rows is "
        rf"\S+, the active model {active}'s)",
        output,
    )


def _small_base(tmp_path: Path, per_category: int = 6) -> Path:
    with DEFAULT_TRAINING_DATA.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        taken: dict[str, int] = {}
        kept = []
        for row in reader:
            if taken.setdefault(row["category"], 0) < per_category:
                taken[row["category"]] += 1
                kept.append(row)
    path = tmp_path / "small.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "category", "escalate", "priority"])
        writer.writeheader()
        writer.writerows(kept)
    return path


def test_a_worse_model_from_tickets_is_saved_but_not_activated_unless_forced(
    corrected: Desk, models: Path, tmp_path: Path
) -> None:
    active = (models / "ACTIVE").read_text().strip()
    small = str(_small_base(tmp_path))
    result = triage("train", "--from-tickets", "--data", small, desk=corrected, models=models)
    assert result.exit_code == 0, result.output
    output = " ".join(result.stdout.split())
    assert "added 3 rows from 5 resolved tickets (2 duplicates)" in output
    assert "saved, not activated" in output and "use --force" in output
    assert (models / "ACTIVE").read_text().strip() == active

    forced = triage(
        "train", "--from-tickets", "--data", small, "--force", desk=corrected, models=models
    )
    assert "activated" in forced.stdout and "not activated" not in forced.stdout
    assert (models / "ACTIVE").read_text().strip() != active


def test_nothing_to_learn_is_one_line_and_trains_nothing(desk: Desk, models: Path) -> None:
    before = sorted(p.name for p in models.iterdir())
    result = triage("train", "--from-tickets", desk=desk, models=models)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "No resolved tickets to learn from yet; nothing was trained."

    desk.add("dana")
    desk.user("locked out")
    desk.user("talk to a person")
    _resolve(desk, "T-1001", "account")
    again = triage("train", "--from-tickets", desk=desk, models=models)
    assert again.stdout.strip() == (
        "added 0 rows from 1 resolved ticket (1 duplicate); nothing new to train on."
    )
    assert sorted(p.name for p in models.iterdir()) == before


def test_learning_and_the_reports_read_the_category_second_line_set(desk: Desk) -> None:
    dana = desk.add("dana")
    team = desk.app.team.desk
    desk.user("new starter needs access to the payroll share")  # triage: account
    team.claim(dana.id, "T-1001")
    team.transfer(dana.id, "network")
    team.claim(dana.id, "T-1001")
    team.resolve(dana.id, "it was a phishing mail", corrected_category="security")
    desk.user("4")

    with desk.app.sessions() as session:
        labels = read_ticket_labels(session)
        facts = read_facts(session, Period(), desk.clock())
        trail = session.execute(
            select(TicketEventRow.action, TicketEventRow.detail)
            .where(TicketEventRow.action.in_(("transferred", "resolved")))
            .order_by(TicketEventRow.id)
        ).all()
    assert labels == [
        TicketLabel(
            "T-1001", "new starter needs access to the payroll share", "security", True, "P3"
        )
    ]
    assert [t.category for t in facts.tickets] == ["security"]
    assert [c.category for c in facts.conversations] == ["security"]
    figures = report(facts, desk.app.settings.service_levels())
    assert [name for name, _ in figures.by_category] == ["security"]
    assert [tuple(row) for row in trail] == [
        ("transferred", "to skill network; category account to network"),
        ("resolved", "category network to security; second line needed: True"),
    ]

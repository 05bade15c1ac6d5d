"""`triage chat` as a person scripts it from a shell."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

import bot.cli.app
from bot.storage.schema import ConversationRow, MessageRow, UserRow
from tests.cli_in_process import triage
from tests.conftest import FIXTURE_ARTICLES, FIXTURE_MIN_SCORE


def test_piped_question_prints_the_vpn_steps_and_is_stored(run_triage) -> None:  # type: ignore[no-untyped-def]
    env = {"TRIAGE_KB_DIR": str(FIXTURE_ARTICLES), "TRIAGE_KB_MIN_SCORE": str(FIXTURE_MIN_SCORE)}
    result = run_triage(
        "chat", "--user", "alice", stdin="how do I connect to the VPN from home\nyes\n", env=env
    )
    assert result.returncode == 0, result.stderr
    assert "Connect to the VPN from home" in result.stdout
    assert "3. Click Connect and sign in with your work account." in result.stdout
    assert "(answer: yes / no / talk to a person)" in result.stdout
    assert "glad that sorted it" in result.stdout
    engine = create_engine(os.environ["TRIAGE_DATABASE_URL"])
    with Session(engine) as session:
        user = session.scalars(select(UserRow)).one()
        conversation = session.scalars(select(ConversationRow)).one()
        directions = session.scalars(select(MessageRow.direction).order_by(MessageRow.id)).all()
    engine.dispose()
    assert (user.channel, user.external_id) == ("terminal", "alice")
    assert conversation.status == "resolved"
    assert directions == ["in", "out", "in", "out"]


def test_the_shipped_knowledge_base_answers_the_vpn_question(run_triage) -> None:  # type: ignore[no-untyped-def]
    result = run_triage("chat", stdin="how do I connect to the VPN from home\n")
    assert result.returncode == 0, result.stderr
    assert "VPN" in result.stdout.splitlines()[0]
    assert "\n1. " in result.stdout and "\n3. " in result.stdout


def test_blank_lines_are_skipped_and_two_users_stay_apart(run_triage) -> None:  # type: ignore[no-untyped-def]
    env = {"TRIAGE_KB_DIR": str(FIXTURE_ARTICLES), "TRIAGE_KB_MIN_SCORE": str(FIXTURE_MIN_SCORE)}
    first = run_triage("chat", "--user", "ann", stdin="\n\nhow do I add a printer\n", env=env)
    second = run_triage("chat", "--user", "bob", stdin="yes\n", env=env)
    assert "Add the FollowMe printer" in first.stdout
    assert "glad" not in second.stdout


@pytest.mark.parametrize("typed", [True, False], ids=["at a terminal", "piped"])
def test_a_missing_model_is_logged_on_stderr_before_the_conversation_never_in_it(
    trained_models_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, typed: bool
) -> None:
    registry = shutil.copytree(trained_models_dir, tmp_path / "models")
    (registry / "ACTIVE").write_text("20990101-000000-gone\n", encoding="utf-8")
    monkeypatch.setenv("TRIAGE_MODELS_DIR", str(registry))
    monkeypatch.setenv("TRIAGE_KB_DIR", str(FIXTURE_ARTICLES))
    monkeypatch.setattr(bot.cli.app, "typed_at_a_terminal", lambda: typed)
    outcome = triage("chat", "--user", "alice", stdin="my outlook will not open\n")
    assert outcome.status == 0, outcome.stderr
    [logged] = outcome.stderr.splitlines()
    assert logged == (
        "ERROR classifier.triage: triage model unavailable, enquiries go to a person: "
        f"no model version '20990101-000000-gone' in {registry}"
    )
    conversation = outcome.stdout
    assert "ERROR" not in conversation and "classifier" not in conversation
    assert "Your reference is T-1001" in conversation
    assert outcome.output == f"{logged}\n{conversation}"  # a shared screen: the log line first

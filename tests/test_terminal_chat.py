"""`triage chat` as a person scripts it from a shell."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.storage.schema import ConversationRow, MessageRow, UserRow
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

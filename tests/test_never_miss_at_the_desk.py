"""The never-miss cases seen going wrong at the desk, with the real rules, model and articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.domain import Sender
from classifier.registry import ModelRegistry
from classifier.triage import ModelTriage
from knowledge_base import ARTICLES_DIR
from knowledge_base.library import ArticleLibrary
from tests.conftest import said
from tests.fakes import ManualClock
from tests.memory_app import MemoryApp, memory_app

ALICE = Sender("test", "alice", "Alice")


@pytest.fixture(scope="module")
def articles() -> ArticleLibrary:
    return ArticleLibrary(ARTICLES_DIR, 0.18)


@pytest.fixture
def desk(articles: ArticleLibrary, trained_models_dir: Path) -> MemoryApp:
    return memory_app(articles, ModelTriage(ModelRegistry(trained_models_dir)), ManualClock())


def test_a_printer_on_fire_gets_safety_advice_and_a_p1_case_not_an_article(
    desk: MemoryApp,
) -> None:
    answer = said(desk.desk.handle(ALICE, "the printer is on fire literally smoke coming out"))
    assert "Priority: P1" in answer
    assert "step away" in answer and "emergency" in answer
    assert "FollowMe" not in answer
    with desk.store.units()(read_only=True) as uow:
        ticket = uow.tickets.get(1)
    assert ticket is not None and (ticket.priority, ticket.category) == ("P1", "hardware")


def test_a_fake_it_caller_gets_what_to_do_now_and_a_p2_security_case(desk: MemoryApp) -> None:
    answer = said(desk.desk.handle(ALICE, "a caller from IT asked me for my authenticator code"))
    assert "Priority: P2" in answer
    assert "don't give any password or code" in answer
    with desk.store.units()(read_only=True) as uow:
        ticket = uow.tickets.get(1)
    assert ticket is not None and (ticket.priority, ticket.category) == ("P2", "security")

"""Retrieval on the project's evaluation set, and picking up article changes on disk."""

from __future__ import annotations

import shutil
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from knowledge_base import ARTICLES_DIR, EVAL_QUESTIONS
from knowledge_base.articles_io import load_articles
from knowledge_base.evaluation import read_questions, score_rankings
from knowledge_base.library import ArticleLibrary
from knowledge_base.retrieval import ArticleIndex
from tests.conftest import FIXTURE_ARTICLES

# Floors well below the targets (top-1 >= 90%), so that noise can't make these flaky.
TOP1_FLOOR = 0.75
MRR_FLOOR = 0.80
NO_ANSWER_RECALL_FLOOR = 0.30


@pytest.fixture(scope="module")
def shipped_index() -> ArticleIndex:
    return ArticleIndex(load_articles(ARTICLES_DIR).articles)


def test_evaluation_set_is_large_and_points_at_real_articles(shipped_index: ArticleIndex) -> None:
    questions = read_questions(EVAL_QUESTIONS)
    assert len(questions) >= 200
    unknown = [
        q.article_id for q in questions if q.article_id and not shipped_index.article(q.article_id)
    ]
    assert unknown == []
    assert sum(q.article_id is None for q in questions) >= 20


def test_retrieval_on_the_evaluation_set_stays_above_its_floors(
    shipped_index: ArticleIndex,
) -> None:
    questions = read_questions(EVAL_QUESTIONS)
    rankings = [
        [(match.article.id, match.score) for match in shipped_index.search(q.text, limit=10)]
        for q in questions
    ]
    from bot.settings import Settings

    scores = score_rankings(questions, rankings, Settings.model_fields["kb_min_score"].default)
    assert scores.top1 >= TOP1_FLOOR
    assert scores.mrr >= MRR_FLOOR
    assert scores.no_answer_recall >= NO_ANSWER_RECALL_FLOOR


@pytest.mark.parametrize(
    ("question", "article_id"),
    [
        ("how do I connect to the VPN from home", "vpn-connect-from-home"),
        ("i forgot my pasword", "password-reset"),
        ("got a new phone, how do i move my authenticator", "mfa-new-phone"),
        ("my mailbox is full and i cant send", "mailbox-full"),
        ("set up out of office while i'm on holiday", "out-of-office-reply"),
        ("second monitor says no signal", "monitor-not-detected"),
        ("nobody can hear me in teams calls", "teams-microphone"),
        ("onedrive not syncing my files", "onedrive-sync"),
        ("I got a weird email asking me to confirm my bank details", "report-phishing-email"),
    ],
)
def test_common_questions_find_their_article_first(
    shipped_index: ArticleIndex, question: str, article_id: str
) -> None:
    assert shipped_index.search(question, limit=1)[0].article.id == article_id


def test_example_questions_do_not_copy_the_evaluation_set() -> None:
    examples = [q.casefold() for a in load_articles(ARTICLES_DIR).articles for q in a.questions]
    copies = []
    for question in read_questions(EVAL_QUESTIONS):
        text = question.text.casefold()
        for example in examples:
            matcher = SequenceMatcher(None, example, text)
            if matcher.real_quick_ratio() >= 0.85 and matcher.ratio() >= 0.85:
                copies.append((question.text, example))
    assert copies == []


@pytest.mark.parametrize(
    ("question", "article_id"),
    [
        ("how do i conect to the vpn from hoem", "vpn-connect-from-home"),  # typos
        ("how do I reset my pässwörd", "password-reset"),  # accents
        ("the printed pages come out faded and streaky", "print-quality-problems"),  # inflections
    ],
)
def test_typos_accents_and_inflections_still_match(
    shipped_index: ArticleIndex, question: str, article_id: str
) -> None:
    assert shipped_index.search(question, limit=1)[0].article.id == article_id


def test_scores_are_ordered_and_between_zero_and_one(shipped_index: ArticleIndex) -> None:
    matches = shipped_index.search("printer is jammed", limit=5)
    scores = [match.score for match in matches]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert len(matches) == 5


def test_empty_index_and_empty_text_find_nothing() -> None:
    assert ArticleIndex([]).search("vpn") == []
    assert ArticleIndex(load_articles(FIXTURE_ARTICLES).articles).search("   ") == []


def test_added_and_edited_articles_are_picked_up_without_reinstalling(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(FIXTURE_ARTICLES, folder)
    clock = [0.0]
    library = ArticleLibrary(folder, min_score=0.3, recheck_seconds=5, monotonic=lambda: clock[0])
    assert library.article("printer-add-followme") is not None
    new = (folder / "printing" / "printer-add-followme.md").read_text(encoding="utf-8")
    new = new.replace("id: printer-add-followme", "id: scanner-setup")
    new = new.replace("title: Add the FollowMe printer", "title: Scan a document to e-mail")
    (folder / "printing" / "scanner-setup.md").write_text(new, encoding="utf-8")
    assert library.article("scanner-setup") is None  # not re-read before the recheck interval
    clock[0] = 6.0
    assert library.article("scanner-setup") is not None
    assert library.article("scanner-setup").title == "Scan a document to e-mail"  # type: ignore[union-attr]


def test_a_broken_edit_skips_only_that_article(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(FIXTURE_ARTICLES, folder)
    clock = [0.0]
    library = ArticleLibrary(folder, min_score=0.3, recheck_seconds=1, monotonic=lambda: clock[0])
    (folder / "network" / "vpn-connect-from-home.md").write_text(
        "no front matter", encoding="utf-8"
    )
    clock[0] = 2.0
    assert library.article("vpn-connect-from-home") is None
    assert library.article("password-reset") is not None

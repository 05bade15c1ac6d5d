"""Scoring a retriever on the evaluation set: top-1, MRR and no-answer precision/recall."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# A ranker returns (article id, score) pairs, best first.
Ranker = Callable[[str], Sequence[tuple[str, float]]]


@dataclass(frozen=True)
class EvalQuestion:
    """A user question and the article that answers it (None: no article should)."""

    text: str
    article_id: str | None


@dataclass(frozen=True)
class RetrievalScores:
    """How a retriever did on an evaluation set at one no-answer threshold."""

    top1: float
    mrr: float
    answered_correctly: float
    no_answer_precision: float
    no_answer_recall: float
    threshold: float
    with_article: int
    without_article: int


def read_questions(path: Path) -> list[EvalQuestion]:
    """The evaluation questions of a CSV with columns question and article_id."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            EvalQuestion(row["question"].strip(), (row["article_id"] or "").strip() or None)
            for row in csv.DictReader(handle)
            if row["question"].strip()
        ]


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def score_rankings(
    questions: Sequence[EvalQuestion],
    rankings: Sequence[Sequence[tuple[str, float]]],
    threshold: float,
) -> RetrievalScores:
    """Metrics for rankings already computed, one per question, at ``threshold``."""
    hits = reciprocal = answered = 0
    flagged = flagged_right = 0
    with_article = [q for q in questions if q.article_id]
    for question, ranking in zip(questions, rankings, strict=True):
        top_score = ranking[0][1] if ranking else 0.0
        says_no_answer = top_score < threshold
        flagged += says_no_answer
        if question.article_id is None:
            flagged_right += says_no_answer
            continue
        ids = [article_id for article_id, _ in ranking]
        if ids and ids[0] == question.article_id:
            hits += 1
            answered += not says_no_answer
        if question.article_id in ids:
            reciprocal += 1 / (ids.index(question.article_id) + 1)  # type: ignore[assignment]
    without = len(questions) - len(with_article)
    return RetrievalScores(
        top1=_ratio(hits, len(with_article)),
        mrr=reciprocal / len(with_article) if with_article else 0.0,
        answered_correctly=_ratio(answered, len(with_article)),
        no_answer_precision=_ratio(flagged_right, flagged),
        no_answer_recall=_ratio(flagged_right, without),
        threshold=threshold,
        with_article=len(with_article),
        without_article=without,
    )


def best_threshold(
    questions: Sequence[EvalQuestion], rankings: Sequence[Sequence[tuple[str, float]]]
) -> float:
    """The threshold that maximises correct answers plus correct refusals."""
    candidates = sorted({ranking[0][1] for ranking in rankings if ranking} | {0.0})
    best, best_value = 0.0, -1.0
    for threshold in candidates:
        scores = score_rankings(questions, rankings, threshold)
        value = scores.answered_correctly * scores.with_article + (
            scores.no_answer_recall * scores.without_article
        )
        if value > best_value:
            best, best_value = threshold, value
    return best

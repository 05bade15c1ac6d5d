"""Retrieval benchmark: our index against bm25s over the same articles, in one run.

    .venv/bin/python tests/benchmarks/bench_retrieval.py [--repeat N]

Prints top-1 accuracy, MRR, no-answer precision/recall and single-query throughput for both,
on knowledge_base/eval/questions.csv.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Sequence

import bm25s

from bot.settings import Settings
from knowledge_base import ARTICLES_DIR, EVAL_QUESTIONS
from knowledge_base.articles_io import load_articles
from knowledge_base.evaluation import best_threshold, read_questions, score_rankings
from knowledge_base.retrieval import ArticleIndex

try:
    import Stemmer

    STEMMER = Stemmer.Stemmer("english")
except ImportError:  # PyStemmer is optional for bm25s
    STEMMER = None

Ranked = Sequence[tuple[str, float]]


def bm25s_ranker(articles: Sequence) -> Callable[[str], Ranked]:  # type: ignore[type-arg]
    """bm25s over each article's title, tags, example questions and body."""
    corpus = [
        " ".join((a.title, " ".join(a.tags), " ".join(a.questions), a.summary, *a.steps))
        for a in articles
    ]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(corpus, stopwords="en", stemmer=STEMMER, show_progress=False),
        show_progress=False,
    )
    ids = [a.id for a in articles]

    def rank(text: str) -> Ranked:
        tokens = bm25s.tokenize([text], stopwords="en", stemmer=STEMMER, show_progress=False)
        if not tokens.vocab:
            return []
        docs, scores = retriever.retrieve(tokens, k=10, show_progress=False, n_threads=1)
        return [(ids[d], float(s)) for d, s in zip(docs[0], scores[0], strict=True)]

    return rank


def index_ranker(index: ArticleIndex) -> Callable[[str], Ranked]:
    """Our index, as the desk calls it."""

    def rank(text: str) -> Ranked:
        return [(m.article.id, m.score) for m in index.search(text, limit=10)]

    return rank


def queries_per_second(
    rankers: Sequence[Callable[[str], Ranked]], texts: Sequence[str], repeat: int
) -> list[float]:
    """Single-query throughput of each ranker: one call per question, as the bot calls it.

    The rankers take turns, one pass over the questions each, and each keeps its fastest
    pass, so a busy machine slows neither more than the other.
    """
    fastest = [math.inf] * len(rankers)
    for _ in range(repeat):
        for position, rank in enumerate(rankers):
            start = time.perf_counter()
            for text in texts:
                rank(text)
            fastest[position] = min(fastest[position], time.perf_counter() - start)
    return [len(texts) / seconds for seconds in fastest]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--repeat", type=int, default=20, help="timed passes over the questions per retriever"
    )
    repeat = parser.parse_args().repeat
    articles = load_articles(ARTICLES_DIR).articles
    questions = read_questions(EVAL_QUESTIONS)
    texts = [q.text for q in questions]
    shipped_threshold = Settings.model_fields["kb_min_score"].default

    started = time.perf_counter()
    ours = index_ranker(ArticleIndex(articles))
    ours_build = time.perf_counter() - started
    started = time.perf_counter()
    peer = bm25s_ranker(articles)
    peer_build = time.perf_counter() - started

    print(
        f"{len(articles)} articles; {len(questions)} questions "
        f"({sum(q.article_id is not None for q in questions)} with an article)"
    )
    columns = ("top-1", "MRR", "noans P", "noans R", "thresh", "qps", "build s")
    header = f"{'retriever':<28}" + "".join(f"{name:>9}" for name in columns)
    print(header)
    print("-" * len(header))
    rows = [
        ("triage (shipped threshold)", ours, shipped_threshold, ours_build),
        ("triage (best threshold)", ours, None, ours_build),
        ("bm25s (best threshold)", peer, None, peer_build),
    ]
    ours_qps, peer_qps = queries_per_second([ours, peer], texts, repeat)
    speed = {id(ours): ours_qps, id(peer): peer_qps}
    for name, rank, threshold, build in rows:
        rankings = [rank(text) for text in texts]
        chosen = best_threshold(questions, rankings) if threshold is None else threshold
        scores = score_rankings(questions, rankings, chosen)
        qps = speed[id(rank)]
        print(
            f"{name:<28}{scores.top1:>7.1%}{scores.mrr:>7.3f}{scores.no_answer_precision:>9.1%}"
            f"{scores.no_answer_recall:>9.1%}{chosen:>8.3f}{qps:>9.0f}{build:>9.3f}"
        )
    print(
        f"speed ratio triage/bm25s: {ours_qps / peer_qps:.2f}x "
        "(single queries, fastest of interleaved passes)"
    )


if __name__ == "__main__":
    main()

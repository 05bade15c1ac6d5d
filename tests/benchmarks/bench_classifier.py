"""Classifier benchmark: the triage model against the CLINC150 paper's SVM, in one run.

    .venv/bin/python tests/benchmarks/bench_classifier.py [--data DIR] [--calls N] [--before]

On ../shared/data (validation splits only; the test splits are not shipped) it prints
CLINC150 in-scope accuracy and out-of-scope recall under the paper's two protocols, and
Banking77 accuracy, for the project's model and the paper's SVM (linear, binary bag of
words, C=1); then the time to train on 20,000 rows and the one-message latency of the
default model's ``explain``.

oos-threshold has no test split to report on, so the threshold is cross-fitted on val:
val is split in two stratified halves, the threshold chosen on one half is applied to the
other, and the two halves' results are pooled. Both models use the same rule to choose it
(the one ``triage train`` uses: the most rows right) on their own confidence: calibrated
probability for ours, the largest decision score for the SVM.

With --before, the table also has the default this one replaced (TF-IDF beside static word
vectors) and MiniLM alone. Every variant tried is in classifier_variants.md beside this file.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from classifier import DEFAULT_TRAINING_DATA
from classifier.dataset import Dataset, read_dataset
from classifier.embeddings import ENCODER_FOLDER, shared_encoder
from classifier.metrics import evaluate_model
from classifier.model import (
    DEFAULT_FEATURES,
    SENTENCE_FEATURES,
    TriageModel,
    canonical_features,
)
from classifier.training import best_threshold, train

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
IT_MESSAGES = PROJECT_ROOT / "tests" / "benchmarks" / "data" / "it_messages.csv"  # written blind
OOS = "oos"
TRAINING_ROWS = 20_000
SEED = 0

Scorer = Callable[[Sequence[str]], tuple[np.ndarray, np.ndarray]]
"""Texts to (predicted label, confidence) arrays."""
Builder = Callable[[Sequence[str], Sequence[str]], Scorer]


@dataclass(frozen=True)
class Result:
    """One row of the table."""

    benchmark: str
    model: str
    first: float
    second: float | None
    fit_seconds: float
    paper: str = ""


def paper_svm(texts: Sequence[str], labels: Sequence[str]) -> Scorer:
    """The CLINC150 paper's baseline: linear SVM on a binary bag of words, C=1."""
    pipeline = Pipeline(
        [("words", CountVectorizer(binary=True)), ("svm", LinearSVC(C=1.0, random_state=SEED))]
    ).fit(list(texts), list(labels))

    def score(batch: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        decision = pipeline.decision_function(list(batch))
        return pipeline.classes_[decision.argmax(axis=1)], decision.max(axis=1)

    return score


def triage_model(features: str = DEFAULT_FEATURES) -> Builder:
    """The project's category head as `triage train` builds it; its out-of-scope score is the
    familiarity the desk cuts on (top probability times closeness to the nearest examples)."""

    def build(texts: Sequence[str], labels: Sequence[str]) -> Scorer:
        model = TriageModel(features=features).fit(texts, labels)

        def score(batch: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
            probabilities = model.category_probabilities(batch)
            return model.classes_[probabilities.argmax(axis=1)], model.familiarity(batch)

        return score

    return build


PAPER_SVM = "SVM one-hot C=1 (paper)"
MODELS: list[tuple[str, Builder]] = [
    ("triage TF-IDF + MiniLM (default)", triage_model()),
    (PAPER_SVM, paper_svm),
]
BEFORE = (
    ("triage TF-IDF + word vectors (before)", triage_model("tfidf+static")),
    ("triage MiniLM alone", triage_model("minilm")),
)


def timed_fit(
    build: Callable[[Sequence[str], Sequence[str]], Scorer],
    texts: Sequence[str],
    labels: Sequence[str],
) -> tuple[Scorer, float]:
    """A fitted scorer and the seconds its fit took."""
    started = time.perf_counter()
    scorer = build(texts, labels)
    return scorer, time.perf_counter() - started


def clinc_scores(
    predicted: np.ndarray, rejected: np.ndarray, truth: np.ndarray
) -> tuple[float, float]:
    """In-scope accuracy and out-of-scope recall as Larson et al. define them."""
    in_scope = truth != OOS
    accepted_right = (predicted == truth) & ~rejected & in_scope
    return accepted_right.sum() / in_scope.sum(), rejected[~in_scope].sum() / (~in_scope).sum()


def cross_fitted_rejection(
    predicted: np.ndarray, confidence: np.ndarray, truth: np.ndarray
) -> tuple[np.ndarray, list[float]]:
    """Which val rows are rejected when each half's threshold is chosen on the other half."""
    rows = np.arange(len(truth))
    half_a, half_b = train_test_split(rows, test_size=0.5, random_state=SEED, stratify=truth)
    rejected = np.zeros(len(truth), bool)
    thresholds = []
    for chosen_on, applied_to in ((half_a, half_b), (half_b, half_a)):
        threshold = best_threshold(
            confidence[chosen_on],
            predicted[chosen_on] == truth[chosen_on],
            truth[chosen_on] != OOS,
        )
        rejected[applied_to] = confidence[applied_to] < threshold
        thresholds.append(threshold)
    return rejected, thresholds


def clinc150(data_dir: Path) -> list[Result]:
    """Both of the paper's protocols, for every model, on CLINC150 val."""
    fit, val = read_dataset(data_dir / "train.csv"), read_dataset(data_dir / "val.csv")
    truth = np.asarray(val.labels)
    in_scope_rows = [i for i, label in enumerate(fit.labels) if label != OOS]
    in_scope_texts = [fit.texts[i] for i in in_scope_rows]
    in_scope_labels = [fit.labels[i] for i in in_scope_rows]
    results = []
    for name, build in MODELS:
        papers = {
            "oos-train": "91.0 / 14.5" if name == PAPER_SVM else "BERT 96.9 / 40.3",
            "oos-threshold": "88.2 / 18.0" if name == PAPER_SVM else "BERT 96.2 / 52.3",
        }
        scorer, seconds = timed_fit(build, fit.texts, fit.labels)
        predicted, _ = scorer(val.texts)
        in_scope, recall = clinc_scores(predicted, predicted == OOS, truth)
        results.append(
            Result("CLINC150 oos-train", name, in_scope, recall, seconds, papers["oos-train"])
        )
        scorer, seconds = timed_fit(build, in_scope_texts, in_scope_labels)
        predicted, confidence = scorer(val.texts)
        rejected, thresholds = cross_fitted_rejection(predicted, confidence, truth)
        in_scope, recall = clinc_scores(predicted, rejected, truth)
        results.append(
            Result(
                "CLINC150 oos-threshold",
                f"{name} [t={thresholds[0]:.2f}/{thresholds[1]:.2f}]",
                in_scope,
                recall,
                seconds,
                papers["oos-threshold"],
            )
        )
    return results


def banking77(data_dir: Path) -> list[Result]:
    """Accuracy on Banking77 val for every model."""
    fit, val = read_dataset(data_dir / "train.csv"), read_dataset(data_dir / "val.csv")
    results = []
    for name, build in MODELS:
        scorer, seconds = timed_fit(build, fit.texts, fit.labels)
        predicted, _ = scorer(val.texts)
        accuracy = float((predicted == np.asarray(val.labels)).mean())
        paper = "TF-IDF+SVC ~89.4" if name == PAPER_SVM else "BERT ~93.7"
        results.append(Result("Banking77 val", name, accuracy, None, seconds, paper))
    return results


def twenty_thousand_rows(data: Path) -> Dataset:
    """CLINC150 and Banking77 training rows, shuffled, labels kept apart by a prefix."""
    rows: list[tuple[str, str]] = []
    for folder in ("clinc150", "banking77"):
        part = read_dataset(data / folder / "train.csv")
        rows += [
            (text, f"{folder}:{label}") for text, label in zip(part.texts, part.labels, strict=True)
        ]
    random.Random(SEED).shuffle(rows)
    rows = rows[:TRAINING_ROWS]
    return Dataset(
        texts=tuple(text for text, _ in rows),
        labels=tuple(label for _, label in rows),
        escalate=None,
        priority=None,
        sha256="",
        source="clinc150+banking77",
    )


def training_seconds(data: Dataset) -> tuple[float, float, TriageModel]:
    """Wall-clock seconds to fit the default model on every row as `triage train` fits it
    (encoding included), CPU seconds of this process (its fits in worker processes are not
    counted there), and the model."""
    wall, cpu = time.perf_counter(), time.process_time()
    model = TriageModel().fit(data.texts, data.labels)
    return time.perf_counter() - wall, time.process_time() - cpu, model


def explain_latency(
    calls: int, messages: Sequence[str], model: TriageModel | None = None
) -> tuple[float, float, int]:
    """Median and p99 milliseconds of single `explain` calls of a model (by default the
    desk's, trained on the project's data), warm."""
    model = model or train(read_dataset(DEFAULT_TRAINING_DATA)).model
    if canonical_features(model.features) in SENTENCE_FEATURES:  # time the encoding too:
        # the encoder keeps recent vectors, and earlier runs encoded these messages
        shared_encoder().forget_recent()
    for text in messages[-50:]:  # not among those timed
        model.explain(text)
    timings = []
    for i in range(calls):
        text = messages[i % len(messages)]
        started = time.perf_counter_ns()
        model.explain(text)
        timings.append((time.perf_counter_ns() - started) / 1e6)
    timings.sort()
    return statistics.median(timings), timings[int(0.99 * (len(timings) - 1))], len(model.classes_)


ADDED = ("wordllama", "tokenizers", "safetensors", "toml", "onnxruntime", "flatbuffers", "protobuf")
ENCODER_FILES = ENCODER_FOLDER


def added_install_megabytes() -> float:
    """The installed size of the packages the word vectors and the sentence encoder brought
    into the default install (``requests``, ``pydantic``, ``numpy`` and ``packaging``, which
    they also declare, were there already), and of the encoder's graph and tokenizer."""
    import importlib.metadata

    total = sum(path.stat().st_size for path in ENCODER_FILES.iterdir())
    for name in ADDED:
        for file in importlib.metadata.distribution(name).files or ():
            path = Path(str(file.locate()))
            total += path.stat().st_size if path.is_file() else 0
    return total / 1e6


def it_message_figures() -> list[tuple[str, float, float, bool]]:
    """The desk's default model, trained on the project's data, scored on the IT messages
    written blind to it (rules, model and stored thresholds: what users get)."""
    run = train(read_dataset(DEFAULT_TRAINING_DATA))
    scores = evaluate_model(run.model, read_dataset(IT_MESSAGES, label_column="category"))
    print(
        f"IT messages ({IT_MESSAGES.relative_to(PROJECT_ROOT)}, {scores['rows']} rows): "
        f"category {scores['accuracy']:.1%}, escalation recall {scores['escalation_recall']:.1%}"
        f" at precision {scores['escalation_precision']:.1%} (threshold "
        f"{run.model.escalate_threshold:.2f})"
    )
    return [
        ("IT messages: category accuracy >= 95%", 100 * scores["accuracy"], 95.0, True),
        ("IT messages: escalation recall >= 95%", 100 * scores["escalation_recall"], 95.0, True),
        (
            "IT messages: escalation precision >= 90%",
            100 * scores["escalation_precision"],
            90.0,
            True,
        ),
    ]


def print_targets(
    results: Sequence[Result],
    costs: Sequence[tuple[str, float, float]],
    it_messages: Sequence[tuple[str, float, float, bool]] = (),
) -> None:
    """Each target of the default model, its figure, and met or missed."""
    default = MODELS[0][0]
    mine = {result.benchmark: result for result in results if result.model.startswith(default)}
    threshold, banking = mine["CLINC150 oos-threshold"], mine["Banking77 val"]
    figures = [
        ("CLINC150 oos-threshold in-scope accuracy >= 94%", 100 * threshold.first, 94.0, True),
        (
            "CLINC150 oos-threshold out-of-scope recall >= 60%",
            100 * (threshold.second or 0),
            60.0,
            True,
        ),
        ("Banking77 val accuracy >= 94%", 100 * banking.first, 94.0, True),
        *it_messages,
    ] + [(name, value, bound, False) for name, value, bound in costs]
    print("Targets of the default install (val):")
    for name, value, bound, at_least in figures:
        met = value >= bound if at_least else value <= bound
        print(f"  {name:<58}{value:>9.2f}  {'met' if met else 'MISSED'}")


def print_table(results: Sequence[Result]) -> None:
    """The figures, one row per benchmark and model."""
    header = (
        f"{'benchmark':<24}{'model':<44}{'in-scope/acc':>13}{'oos recall':>11}"
        f"{'fit s':>8}   paper (test)"
    )
    print(header)
    print("-" * (len(header) + 8))
    for result in results:
        second = "-" if result.second is None else f"{result.second:.1%}"
        print(
            f"{result.benchmark:<24}{result.model:<44}{result.first:>13.1%}{second:>11}"
            f"{result.fit_seconds:>8.1f}   {result.paper}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data folder")
    parser.add_argument("--calls", type=int, default=2000, help="single explain() calls timed")
    parser.add_argument(
        "--before",
        action="store_true",
        help="add the default this one replaced (TF-IDF + word vectors) and MiniLM alone",
    )
    options = parser.parse_args()
    data: Path = options.data
    needed = [data / f / s for f in ("clinc150", "banking77") for s in ("train.csv", "val.csv")]
    missing = [str(path) for path in needed if not path.is_file()]
    if missing:
        sys.exit(
            f"bench_classifier: the benchmark data is missing ({', '.join(missing)}); it is "
            f"expected at ../shared/data from the project root, or pass --data DIR"
        )

    load = os.getloadavg()
    if options.before:
        MODELS.extend(BEFORE)
    results = clinc150(data / "clinc150") + banking77(data / "banking77")
    print("Validation splits only (no test split is shipped); paper figures are on test.")
    print_table(results)
    print(
        "oos-threshold: threshold cross-fitted on val (chosen on one stratified half, applied "
        "to the other, pooled; t = the two thresholds)."
    )
    rows = twenty_thousand_rows(data)
    wall, cpu, big_model = training_seconds(rows)
    print(
        f"training the default model on {len(rows):,} rows "
        f"({len(set(rows.labels))} classes, CLINC150 + Banking77 train): "
        f"{wall:.1f} s wall, {cpu:.1f} s CPU"
    )
    messages = list(read_dataset(data / "clinc150" / "val.csv").texts)
    median, p99, classes = explain_latency(options.calls, messages)
    print(
        f"default model ({classes} categories) explain(), one message per call over "
        f"{options.calls:,} calls: median {median:.3f} ms, p99 {p99:.3f} ms"
    )
    big_median, big_p99, big_classes = explain_latency(options.calls, messages, model=big_model)
    print(
        f"the same on the {len(rows):,}-row model ({big_classes} categories): "
        f"median {big_median:.3f} ms, p99 {big_p99:.3f} ms"
    )
    added = added_install_megabytes()
    print(
        f"the default install adds for the word vectors and the sentence encoder: {added:.0f} MB "
        f"({', '.join(ADDED)}, and {ENCODER_FILES.relative_to(PROJECT_ROOT)})"
    )
    print_targets(
        results,
        [
            ("explain() p50 <= 5 ms (desk model; 20,000-row model)", max(median, big_median), 5),
            ("explain() p99 <= 15 ms (desk model; 20,000-row model)", max(p99, big_p99), 15),
            ("training on 20,000 rows <= 120 s", wall, 120),
            ("what the default install adds <= 300 MB", added, 300),
        ],
        it_message_figures(),
    )
    print(
        f"{os.cpu_count()} CPUs; load average at the start {load[0]:.1f}, "
        f"at the end {os.getloadavg()[0]:.1f} (wall times grow with other work on the machine)"
    )


if __name__ == "__main__":
    main()

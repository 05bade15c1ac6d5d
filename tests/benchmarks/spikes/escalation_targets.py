"""What each escalation target costs and gives: the desk's default model trained on the
project's data, its escalation threshold chosen for each target as training chooses it (on
every row, cross-fitted), then
the held-back figures, the IT messages' figures and the share of the knowledge base's
evaluation questions (each one an article answers) that the desk hands to a person.

    .venv/bin/python tests/benchmarks/spikes/escalation_targets.py [0.8 0.85 0.9 0.95]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from classifier import DEFAULT_TRAINING_DATA
from classifier.dataset import read_dataset
from classifier.metrics import evaluate_model
from classifier.rules import matching_rule
from classifier.training import cross_fitted_escalation, desk_escalation_cut, train

ROOT = Path(__file__).resolve().parents[3]
IT_MESSAGES = ROOT / "tests" / "benchmarks" / "data" / "it_messages.csv"
KB_QUESTIONS = ROOT / "knowledge_base" / "eval" / "questions.csv"


def main() -> None:
    targets = [float(target) for target in sys.argv[1:]] or [0.80, 0.85, 0.90, 0.95]
    it_messages = read_dataset(IT_MESSAGES, label_column="category")
    with KB_QUESTIONS.open(newline="", encoding="utf-8") as handle:
        questions = [row["question"] for row in csv.DictReader(handle) if row["article_id"]]
    data = read_dataset(DEFAULT_TRAINING_DATA)
    run = train(data)
    model = run.model
    scored = cross_fitted_escalation(data, model.c, model.features)
    assert scored is not None
    cross_fitted, wanted = scored
    by_rule = np.array([matching_rule(question) is not None for question in questions])
    probability = model.escalate_probabilities(questions)
    assert probability is not None
    held_wanted = np.asarray(run.held_out.escalate, bool)
    print(
        "target  threshold  held-back recall/precision (escalated)  IT recall/precision  "
        "KB to a person"
    )
    for target in targets:
        model.escalate_threshold = desk_escalation_cut(data.texts, cross_fitted, wanted, target)
        held = evaluate_model(model, run.held_out)
        it = evaluate_model(model, it_messages)
        handed = np.mean(by_rule | (probability >= model.escalate_threshold))
        print(
            f"{target:6.2f}  {model.escalate_threshold:9.2f}  "
            f"{held['escalation_recall']:12.1%} / {held['escalation_precision']:.1%} "
            f"({held['escalation_recall'] * held_wanted.mean() / held['escalation_precision']:.0%})"
            "  "
            f"{it['escalation_recall']:9.1%} / {it['escalation_precision']:.1%}  "
            f"{handed:11.1%} of {len(questions)}"
        )
    print(f"IT messages category accuracy: {evaluate_model(model, it_messages)['accuracy']:.1%}")


if __name__ == "__main__":
    main()

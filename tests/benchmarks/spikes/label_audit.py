"""Out-of-fold label audit of the training data: how well each category's escalation label can
be learnt, and the rows whose labels the model, trained on the other folds, most confidently
disputes. A list for a person to review against the knowledge base's categories and the
escalation policy, never a relabelling by itself.

    .venv/bin/python tests/benchmarks/spikes/label_audit.py > /tmp/audit.txt
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from classifier import DEFAULT_TRAINING_DATA
from classifier.dataset import read_dataset
from classifier.model import TriageModel
from classifier.rules import matching_rule


def out_of_fold(
    texts: np.ndarray, labels: np.ndarray, escalate: np.ndarray, folds: int
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """For each fold: its rows, their escalation probability, predicted category and its
    probability, from a model fitted on the other folds."""
    strata = np.char.add(labels.astype(str), escalate.astype(int).astype(str))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=7)
    for number, (fit, held) in enumerate(splitter.split(texts, strata), 1):
        print(f"fold {number} of {folds}", file=sys.stderr)
        model = TriageModel().fit(list(texts[fit]), list(labels[fit]), list(escalate[fit]))
        probabilities = model.category_probabilities(list(texts[held]))
        escalation = model.escalate_probabilities(list(texts[held]))
        assert escalation is not None
        best = probabilities.argmax(axis=1)
        yield held, escalation, model.classes_[best], probabilities.max(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--disputed", type=float, default=0.7, help="list disputes this sure")
    args = parser.parse_args()
    data = read_dataset(DEFAULT_TRAINING_DATA)
    texts = np.asarray(data.texts, dtype=object)
    labels = np.asarray(data.labels)
    escalate = np.asarray(data.escalate, bool)
    escalation = np.zeros(len(texts))
    category = np.empty(len(texts), dtype=object)
    category_p = np.zeros(len(texts))
    for held, held_escalation, held_category, held_p in out_of_fold(
        texts, labels, escalate, args.folds
    ):
        escalation[held], category[held], category_p[held] = held_escalation, held_category, held_p
    by_rule = np.array([matching_rule(text) is not None for text in texts])
    desk = np.where(by_rule, 1.0, escalation)
    print(f"category accuracy {np.mean(category == labels):.1%}")
    print(
        f"escalation, rules included: ROC AUC {roc_auc_score(escalate, desk):.3f}, "
        f"average precision {average_precision_score(escalate, desk):.3f}"
    )
    for name in sorted(set(labels)):
        rows = labels == name
        print(f"  {name:14s} ROC AUC {roc_auc_score(escalate[rows], desk[rows]):.3f}")

    def line(i: int) -> str:
        return f"{i + 2:5d}  [{labels[i]}] {texts[i]}"  # the row's line in the file

    print("\n## first line in the data; the model would escalate (surest first)")
    for i in np.argsort(-desk):
        if not escalate[i] and desk[i] >= args.disputed:
            print(f"{desk[i]:.2f} {line(i)}")
    print("\n## escalated in the data; the model would keep it with first line (surest first)")
    for i in np.argsort(desk):
        if escalate[i] and desk[i] <= 1 - args.disputed:
            print(f"{desk[i]:.2f} {line(i)}")
    print("\n## category disputed (surest first)")
    for i in np.argsort(-category_p):
        if category[i] != labels[i] and category_p[i] >= args.disputed:
            print(f"{category_p[i]:.2f} -> {category[i]:14s} {line(i)}")


if __name__ == "__main__":
    main()

"""The desk's triage: rules over the model, and a model that can't run hands over, never crashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.errors import ClassifierError
from classifier.model import TriageModel
from classifier.registry import ModelRegistry
from classifier.triage import MODEL_UNAVAILABLE, ModelTriage


def test_a_rule_escalates_as_security_p1_with_other_categories_as_runner_ups(
    trained_models_dir: Path,
) -> None:
    verdict = ModelTriage(ModelRegistry(trained_models_dir)).assess(
        "there is a ransom note on my screen and my files are encrypted"
    )
    assert (verdict.category, verdict.priority, verdict.escalate) == ("security", "P1", True)
    assert verdict.signal == "rule:ransomware"
    assert verdict.runner_ups and all(name != "security" for name, _ in verdict.runner_ups)


def test_the_model_reads_an_outage_as_an_escalating_network_incident(
    trained_models_dir: Path,
) -> None:
    verdict = ModelTriage(ModelRegistry(trained_models_dir)).assess(
        "the whole 2nd floor has no network since the power cut"
    )
    assert (verdict.category, verdict.escalate) == ("network", True)
    assert verdict.priority in ("P1", "P2")


def test_a_model_that_fails_to_run_hands_the_enquiry_to_a_person(
    trained_models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: TriageModel, text: str) -> None:
        raise ClassifierError("sentence embeddings need the optional 'embeddings' extra")

    monkeypatch.setattr(TriageModel, "explain", broken)
    triage = ModelTriage(ModelRegistry(trained_models_dir))
    for _ in range(2):  # set aside once, then not tried again
        verdict = triage.assess("my outlook will not open")
        assert (verdict.escalate, verdict.signal) == (True, MODEL_UNAVAILABLE)
        assert "embeddings" in verdict.reason


def test_a_missing_model_hands_the_enquiry_to_a_person(tmp_path: Path) -> None:
    verdict = ModelTriage(ModelRegistry(tmp_path)).assess("my outlook will not open")
    assert (verdict.escalate, verdict.signal) == (True, MODEL_UNAVAILABLE)
    assert "no active model" in verdict.reason

"""The desk's triage: rules over the model, and a model that can't run hands over, never crashes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from classifier.errors import ClassifierError
from classifier.model import Prediction, TriageModel
from classifier.registry import ARTIFACT, MANIFEST, ModelRegistry, file_sha256
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


def _registry_with_artifact(source: Path, folder: Path, content: bytes) -> ModelRegistry:
    """A copy of ``source`` whose active artifact is ``content``, its sha256 in the manifest."""
    registry = ModelRegistry(shutil.copytree(source, folder))
    version = registry.root / (registry.active_version() or "")
    (version / ARTIFACT).write_bytes(content)
    manifest = json.loads((version / MANIFEST).read_text())
    manifest["artifact_sha256"] = file_sha256(version / ARTIFACT)
    (version / MANIFEST).write_text(json.dumps(manifest))
    return registry


@pytest.mark.parametrize("content", [b"", os.urandom(4096)], ids=["empty", "random bytes"])
def test_an_unreadable_model_file_hands_the_enquiry_to_a_person(
    trained_models_dir: Path, tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    registry = _registry_with_artifact(trained_models_dir, tmp_path / "models", content)
    verdict = ModelTriage(registry).assess("my outlook will not open")
    assert (verdict.escalate, verdict.signal) == (True, MODEL_UNAVAILABLE)
    assert "cannot be read" in verdict.reason
    assert "enquiries go to a person" in caplog.text


def test_any_error_from_the_model_hands_the_enquiry_to_a_person(
    trained_models_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(self: TriageModel, text: str) -> None:
        raise KeyError("features_")

    monkeypatch.setattr(TriageModel, "explain", broken)
    verdict = ModelTriage(ModelRegistry(trained_models_dir)).assess("my outlook will not open")
    assert (verdict.escalate, verdict.signal) == (True, MODEL_UNAVAILABLE)
    assert "the model failed to run (KeyError)" in verdict.reason
    assert "KeyError" in caplog.text


def test_an_unloadable_model_still_lets_a_rule_escalate(
    trained_models_dir: Path, tmp_path: Path
) -> None:
    registry = _registry_with_artifact(trained_models_dir, tmp_path / "models", b"")
    verdict = ModelTriage(registry).assess("there is a ransom note on my screen")
    assert (verdict.category, verdict.escalate, verdict.signal) == (
        "security",
        True,
        "rule:ransomware",
    )


def _model_says(monkeypatch: pytest.MonkeyPatch, category: str, priority: str) -> None:
    """The model reads every message as ``category`` at ``priority``, a first-line enquiry."""

    def explain(self: TriageModel, text: str) -> Prediction:
        return Prediction(category, 0.9, ((category, 0.9),), False, 0.1, priority, (), 0.9, False)

    monkeypatch.setattr(TriageModel, "explain", explain)


@pytest.mark.parametrize(
    ("predicted", "expected"), [("P4", "P2"), ("P3", "P2"), ("P2", "P2"), ("P1", "P1")]
)
def test_a_security_verdict_of_the_model_is_never_below_p2(
    trained_models_dir: Path, monkeypatch: pytest.MonkeyPatch, predicted: str, expected: str
) -> None:
    _model_says(monkeypatch, "security", predicted)
    verdict = ModelTriage(ModelRegistry(trained_models_dir)).assess("is this email genuine?")
    assert (verdict.category, verdict.priority, verdict.signal) == ("security", expected, "model")


def test_other_categories_keep_the_models_priority(
    trained_models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _model_says(monkeypatch, "printing", "P4")
    verdict = ModelTriage(ModelRegistry(trained_models_dir)).assess("how do I print in colour")
    assert (verdict.category, verdict.priority) == ("printing", "P4")


def test_the_printer_on_fire_escalates_as_a_p1_safety_incident_with_safety_advice(
    trained_models_dir: Path,
) -> None:
    verdict = ModelTriage(ModelRegistry(trained_models_dir)).assess(
        "the printer is on fire literally smoke coming out"
    )
    assert (verdict.category, verdict.priority, verdict.escalate) == ("hardware", "P1", True)
    assert verdict.signal == "rule:physical_danger"
    assert "emergency" in verdict.advice and "step away" in verdict.advice


def test_a_fake_it_caller_asking_for_a_code_escalates_as_security_with_what_to_do_now(
    trained_models_dir: Path,
) -> None:
    verdict = ModelTriage(ModelRegistry(trained_models_dir)).assess(
        "a caller from IT asked me for my authenticator code"
    )
    assert (verdict.category, verdict.priority, verdict.escalate) == ("security", "P2", True)
    assert verdict.signal == "rule:social_engineering"
    assert "don't give any password or code" in verdict.advice

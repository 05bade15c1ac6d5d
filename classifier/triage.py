"""The desk's triage: must-escalate rules first, then the active model from the registry."""

from __future__ import annotations

import logging
import threading

from bot.core.domain import DEFAULT_PRIORITY, Priority, TriageVerdict, floored
from classifier.errors import ClassifierError
from classifier.model import Prediction, TriageModel
from classifier.registry import Manifest, ModelRegistry
from classifier.rules import matching_rule

log = logging.getLogger(__name__)

MODEL_UNAVAILABLE = "model unavailable"
WARM_UP = "my laptop will not start"  # run once at load: the first user waits for nothing


def _one_line(error: Exception) -> str:
    """The desk's own message for its errors; only the kind of anything else (its text may
    quote a file's bytes or a user's message)."""
    if isinstance(error, ClassifierError):
        return str(error)
    return f"the model failed to run ({type(error).__name__})"


class ModelTriage:
    """Implements the core's Triage port with rules and a registry model, loaded once."""

    def __init__(self, registry: ModelRegistry) -> None:
        self._registry = registry
        self._lock = threading.Lock()
        self._loaded: tuple[TriageModel, Manifest] | None = None
        self._refusal: str | None = None

    def problem(self) -> str | None:
        """Why the active model cannot be used (loading it now, if not yet), or None.

        A refusal is logged once, here: a door calls this before its first conversation so the
        log line never lands in the middle of one.
        """
        self._model()
        return self._refusal

    def _model(self) -> tuple[TriageModel, Manifest] | None:
        if self._loaded is None and self._refusal is None:
            with self._lock:
                if self._loaded is None and self._refusal is None:
                    try:
                        loaded = self._registry.load()
                        loaded[0].explain(WARM_UP)  # what it reads on first use, read now
                        self._loaded = loaded
                    except Exception as error:  # whatever the failure, a person takes over
                        self._refusal = _one_line(error)
                        log.error(
                            "triage model unavailable, enquiries go to a person: %s", self._refusal
                        )
        return self._loaded

    def unavailable_because(self) -> str | None:
        """Why there is no usable model (loading it first if not tried yet); None if loaded."""
        if self._model() is not None:
            return None
        return self._refusal or MODEL_UNAVAILABLE

    def _explain(self, model: TriageModel, text: str) -> Prediction | None:
        """The model's reading, or None (and the model set aside) if it cannot run here."""
        try:
            return model.explain(text)
        except Exception as error:  # e.g. an embeddings model without its extra, a broken file
            reason = _one_line(error)
            with self._lock:
                self._loaded, self._refusal = None, reason
            log.error("triage model unusable, enquiries go to a person: %s", reason)
            return None

    def assess(self, text: str) -> TriageVerdict:
        """Rules first; then the model; without a usable model, hand the enquiry to a person."""
        loaded = self._model()
        prediction = self._explain(loaded[0], text) if loaded else None
        version = loaded[1].version if loaded and prediction else None
        return desk_verdict(text, prediction, version, self._refusal)


def desk_verdict(
    text: str, prediction: Prediction | None, version: str | None, refusal: str | None = None
) -> TriageVerdict:
    """The desk's verdict on a message from the rules and the model's reading of it (None:
    no usable model, ``refusal`` says why): what users get, and what evaluation scores."""
    rule = matching_rule(text)
    if rule is not None:
        return TriageVerdict(
            category=rule.category,
            confidence=1.0,
            priority=floored(rule.category, rule.priority),
            escalate=True,
            signal=f"rule:{rule.name}",
            reason=rule.reason,
            runner_ups=tuple(
                pair
                for pair in (prediction.ranking if prediction else ())
                if pair[0] != rule.category
            ),
            escalate_probability=prediction.escalate_probability if prediction else None,
            terms=prediction.terms if prediction else (),
            model_version=version,
            advice=rule.advice,
        )
    if prediction is None:
        return TriageVerdict(
            category=None,
            confidence=0.0,
            priority=DEFAULT_PRIORITY,
            escalate=True,
            signal=MODEL_UNAVAILABLE,
            reason=f"the triage model is unavailable ({refusal or MODEL_UNAVAILABLE})",
        )
    probability = prediction.escalate_probability
    reason = (
        f"the model rates it a complex incident ({probability:.0%} likely)"
        if prediction.escalate and probability is not None
        else "the model rates it a first-line enquiry"
    )
    category = None if prediction.out_of_scope else prediction.category
    return TriageVerdict(
        category=category,
        confidence=prediction.confidence,
        priority=floored(category, Priority(prediction.priority or DEFAULT_PRIORITY)),
        escalate=prediction.escalate,
        signal="model",
        reason=reason,
        runner_ups=prediction.ranking[1:],
        escalate_probability=probability,
        terms=prediction.terms,
        out_of_scope=prediction.out_of_scope,
        model_version=version,
    )

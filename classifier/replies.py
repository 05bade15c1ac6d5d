"""The reply reader: a small model that learns what a short message is, from the project's
examples (classifier/data/replies.csv), behind the core's ReplyReader port.

The model is tiny (some 600 examples): it is trained in the process the first time a
message needs it, in a fraction of a second, so there is no file to load, trust or keep in
step with the data. Commands, the buttons' values, plain digits and stars never reach it
(the core's fast path), and what it reads is settled for the conversation by the core.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from bot.core.intents import Intent
from bot.core.reply_reading import (
    LEARNED_INTENTS,
    Expecting,
    ReplyReading,
    in_context,
    quick_reading,
)
from classifier import DATA_DIR
from classifier.dataset import read_dataset
from classifier.errors import DatasetError
from classifier.linear import CalibratedLinearSVC

log = logging.getLogger(__name__)

DEFAULT_REPLY_DATA = DATA_DIR / "replies.csv"
# Below this probability the model's best guess is no reading: the message is taken as a
# question, which the desk answers from the articles or asks more about.
MIN_CONFIDENCE = 0.3
_TOKENS = r"[^\W_]+|[^\w\s]"  # words, digits and single symbols (emoji, "?", "/")
_REPEATS = re.compile(r"(.)\1{2,}")


def prepare(text: str) -> str:
    """Case-folded, without accents, letters said three times or more said twice
    ("helloooo" reads as "helloo")."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    return _REPEATS.sub(r"\1\1", plain)


def build_reply_pipeline(c: float = 0.5) -> Pipeline:
    """Word and character n-gram TF-IDF into a calibrated linear SVM, as one Pipeline."""
    words = TfidfVectorizer(
        preprocessor=prepare, token_pattern=_TOKENS, ngram_range=(1, 2), sublinear_tf=True
    )
    chars = TfidfVectorizer(
        preprocessor=prepare, analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True
    )
    features = FeatureUnion([("words", words), ("chars", chars)])
    return Pipeline([("features", features), ("classify", CalibratedLinearSVC(c=c))])


@dataclass(frozen=True)
class ReplyExamples:
    """Messages with the intent each one shows."""

    texts: tuple[str, ...]
    intents: tuple[Intent, ...]


def read_reply_examples(path: Path = DEFAULT_REPLY_DATA) -> ReplyExamples:
    """The examples of a CSV with ``text`` and ``intent`` columns; DatasetError if unusable."""
    dataset = read_dataset(path, label_column="intent")
    learned = {intent.value for intent in LEARNED_INTENTS}
    unknown = sorted(set(dataset.labels) - learned)
    if unknown:
        raise DatasetError(f"{path} has intents the desk does not know: {', '.join(unknown)}")
    return ReplyExamples(dataset.texts, tuple(Intent(label) for label in dataset.labels))


def train_reply_model(examples: ReplyExamples) -> Pipeline:
    """The reply pipeline fitted on ``examples``."""
    return build_reply_pipeline().fit(list(examples.texts), [str(i) for i in examples.intents])


class ModelReplyReader:
    """Implements the ReplyReader port: the fast path, else the model, settled in context.

    Without usable examples the reader falls back to the fast path alone (and logs why):
    every other message is then read as a question, as the desk did before it had a model.
    """

    def __init__(self, data: Path = DEFAULT_REPLY_DATA) -> None:
        self._data = data
        self._lock = threading.Lock()
        self._pipeline: Pipeline | None = None
        self._failed = False

    def read(self, text: str, expecting: Expecting = Expecting.NOTHING) -> ReplyReading:
        """What ``text`` is, for what the conversation expects."""
        quick = quick_reading(text, expecting)
        if quick is not None:
            return quick
        return in_context(self.guess(text), text, expecting)

    def guess(self, text: str) -> ReplyReading:
        """The model's reading alone, out of context (a question when it is unsure)."""
        pipeline = self.trained()
        if pipeline is None:
            return ReplyReading(Intent.QUESTION, 0.0)
        probabilities = pipeline.predict_proba([text])[0]
        best = int(np.argmax(probabilities))
        confidence = float(probabilities[best])
        if confidence < MIN_CONFIDENCE:
            return ReplyReading(Intent.QUESTION, confidence)
        return ReplyReading(Intent(pipeline.classes_[best]), confidence)

    def trained(self) -> Pipeline | None:
        """The model, trained on first use; None if the examples cannot be used."""
        if self._pipeline is None and not self._failed:
            with self._lock:
                if self._pipeline is None and not self._failed:
                    try:
                        self._pipeline = train_reply_model(read_reply_examples(self._data))
                    except DatasetError as error:
                        self._failed = True
                        log.error("reply model unavailable, replies read by phrase: %s", error)
        return self._pipeline


@functools.cache
def default_reply_reader() -> ModelReplyReader:
    """The reader of the project's examples, one per process (trained on its first read)."""
    return ModelReplyReader(DEFAULT_REPLY_DATA)

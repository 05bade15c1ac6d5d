"""The classifier's errors.

ClassifierError        base; the message is one line, safe to show an admin
├── DatasetError       a training or evaluation file cannot be used
├── ModelRefused       a model version is missing, tampered with or incompatible
├── EmbeddingsUnavailable  (classifier.embeddings) the sentence encoder can't be loaded
└── WordVectorsUnavailable (classifier.word_vectors) the word vectors can't be read

Part of the desk's one tree of errors, drawn whole in bot/errors.py.
"""

from bot.errors import TriageError


class ClassifierError(TriageError):
    """Base of the classifier's errors."""


class DatasetError(ClassifierError):
    """A data file cannot be used; nothing was changed."""


class ModelRefused(ClassifierError):
    """A model cannot be loaded safely."""

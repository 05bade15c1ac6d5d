"""The desk's exceptions.

TriageError            base; ``str(error)`` is safe to show to a person
├── SettingsError      a TRIAGE_* setting is invalid; the message names it
├── StorageError       the database cannot be reached or upgraded
├── Refused            an action is not allowed now (not your ticket, resolved twice, ...);
│   │                  nothing was changed, and the message says why
│   └── TransitionNotAllowed
│                      a ticket was asked for a move its status does not allow (claiming
│                      a claimed case, rating an open one, ...); the ticket is unchanged
├── AlreadyHandled     this delivery (a channel's id for one incoming update) was acted on
│                      before, by this process or another: nothing is done again
├── AlreadyPolling     another process is polling Telegram for this bot on this database
├── ArticleError       (knowledge_base.articles_io) an article file is malformed; the
│                      message says what to fix
└── ClassifierError    (classifier.errors) the triage classifier's errors
    ├── DatasetError   a training or evaluation file cannot be used; nothing was changed
    ├── ModelRefused   a model version is missing, tampered with or incompatible
    ├── EmbeddingsUnavailable
    │                  (classifier.embeddings) the sentence encoder can't be loaded
    └── WordVectorsUnavailable
                       (classifier.word_vectors) the static word vectors can't be read

Each package raises its own, defined beside its code; this tree is the one list of them.
"""


class TriageError(Exception):
    """Base of the desk's errors; the message is safe to show a user or an admin."""


class SettingsError(TriageError):
    """A setting is invalid; the message names the setting."""


class StorageError(TriageError):
    """The database cannot be used."""


class Refused(TriageError):
    """Someone asked for something that is not allowed now; nothing was changed."""


class TransitionNotAllowed(Refused):
    """A ticket can't make this move from its status; the ticket was not changed."""


class AlreadyHandled(TriageError):
    """The update behind this call was handled before; nothing was done again."""


class AlreadyPolling(TriageError):
    """Another process already polls Telegram for this bot: two would answer twice."""

"""Draft articles from second line's resolution notes, for an admin to edit and publish.

The draft is a complete article file (front matter, steps, "Still stuck?") that the
project's own validator accepts; its steps are the note's lines, or its sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from bot.core.domain import Article
from bot.core.masking import mask_sensitive
from knowledge_base import DEFAULT_CATEGORIES
from knowledge_base.articles_io import ArticleError, parse_article
from knowledge_base.lexicon import STOP_WORDS, fold, words

ID_WORDS = 6
MAX_TAGS = 6
TITLE_CHARS = 70
STILL_STUCK = (
    'If these steps do not fix it, reply "talk to a person" and second line will take it over.'
)
_MASKED = re.compile(r"\[[^\[\]]*removed\]")
_BULLET = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s*")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=\S)")
_SPACE = re.compile(r"\s+")
_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening))\b[\s,!.:-]*", re.I
)


@dataclass(frozen=True)
class DraftSource:
    """What a resolved ticket tells about the problem and its fix."""

    reference: str
    question: str
    summary: str
    category: str
    resolution_note: str
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Draft:
    """A draft article's file name and text, and the article it parses to."""

    relative_path: Path
    text: str
    article: Article


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _content_words(text: str) -> list[str]:
    return [
        word
        for word in words(fold(_MASKED.sub(" ", text)))
        if len(word) > 1 and word not in STOP_WORDS and word.replace("-", "").isalnum()
    ]


def note_steps(note: str) -> list[str]:
    """The note as steps: one per line when it has several lines, else one per sentence."""
    lines = [_BULLET.sub("", line).strip() for line in note.splitlines()]
    lines = [line for line in lines if line]
    pieces = lines if len(lines) > 1 else _SENTENCE.split(_flat(note))
    steps = []
    for piece in pieces:
        step = piece.strip().rstrip(";").strip()
        if not step:
            continue
        step = step[:1].upper() + step[1:]
        steps.append(step if step[-1] in ".!?" else f"{step}.")
    return steps


def article_id(question: str, taken: Collection[str] = ()) -> str:
    """A hyphenated id from the question's first content words, unlike any id in ``taken``."""
    base = "-".join(
        re.sub(r"[^a-z0-9]+", "-", word).strip("-") for word in _content_words(question)[:ID_WORDS]
    )
    base = re.sub(r"-+", "-", base).strip("-") or "draft-article"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def draft_title(question: str) -> str:
    """The question's first sentence, without a greeting, cut to a title's length, capitalised."""
    first = question.strip().splitlines()[0] if question.strip() else ""
    first = _GREETING.sub("", _flat(_MASKED.sub(" ", first)))
    flat = _SENTENCE.split(first)[0].rstrip(" ?!.;") or "Draft article"
    if len(flat) > TITLE_CHARS:
        flat = flat[:TITLE_CHARS].rsplit(" ", 1)[0]
    return flat[:1].upper() + flat[1:]


def draft_tags(source: DraftSource) -> list[str]:
    """The model's key terms, the question's content words, then words the note repeats."""
    in_note = Counter(_content_words(source.resolution_note))
    repeated = sorted((w for w, n in in_note.items() if n > 1), key=lambda w: (-in_note[w], w))
    tags: list[str] = []
    terms = [fold(term) for term in source.terms if _content_words(term) == [fold(term)]]
    for tag in [*terms, *_content_words(source.question), *repeated]:
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:MAX_TAGS]


def _told(source: DraftSource) -> str:
    return f"{source.question} {source.summary} {source.resolution_note}"


def masked_source(source: DraftSource) -> DraftSource:
    """The source with secrets masked, and without the key terms that were part of one."""
    masked = replace(
        source,
        question=mask_sensitive(source.question).text,
        summary=mask_sensitive(source.summary).text,
        resolution_note=mask_sensitive(source.resolution_note).text,
    )
    hidden = set(_content_words(_told(source))) - set(_content_words(_told(masked)))
    terms = tuple(
        term
        for term in source.terms
        if mask_sensitive(term).text == term and not hidden.intersection(_content_words(term))
    )
    return replace(masked, terms=terms)


def draft_article(
    source: DraftSource,
    taken_ids: Collection[str] = (),
    categories: Sequence[str] = DEFAULT_CATEGORIES,
) -> Draft:
    """A valid article drafted from a ticket; :class:`ArticleError` if it cannot be one.

    Everything the draft says (title, file name, tags, steps) comes from the masked source.
    """
    source = masked_source(source)
    question = _flat(_MASKED.sub(" ", source.question or source.summary))
    if not question:
        raise ArticleError(f"{source.reference} has no question to draft an article for")
    front = {
        "id": article_id(question, taken_ids),
        "title": draft_title(source.question or source.summary),
        "category": source.category,
        "tags": draft_tags(source),
        "questions": [question],
        "drafted_from": source.reference,
    }
    summary = _flat(_MASKED.sub(" ", source.summary)) or question
    steps = "\n".join(
        f"{n}. {step}" for n, step in enumerate(note_steps(source.resolution_note), 1)
    )
    text = (
        f"---\n{yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000)}---\n"
        f"What to do when a user reports: {summary}\n\n"
        f"## Steps\n{steps}\n\n"
        f"## Still stuck?\n{STILL_STUCK}\n"
    )
    article = parse_article(text, categories)
    return Draft(Path(source.category) / f"{front['id']}.md", text, article)

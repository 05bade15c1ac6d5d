"""Knowledge gaps: grouping enquiries no article answered, so admins know what to write next.

Pure: texts in, clusters out. Texts are compared as TF-IDF vectors over the same stemmed
content words retrieval uses, and grouped by average-linkage agglomerative clustering with a
cosine-distance threshold, which is deterministic (no random start). Background texts (the
existing articles' titles and questions) only shape the IDF: words the knowledge base already
uses everywhere ("laptop", "email", "connect") then weigh less than the ones it lacks.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from knowledge_base.drafts import draft_title
from knowledge_base.lexicon import STOP_WORDS, fold, prepare, stem, words

DISTANCE_THRESHOLD = 0.7  # average cosine distance under which two groups are merged
KEYWORDS = 5
EXAMPLES = 3
_MASKED = re.compile(r"\[[^\[\]]*removed\]")  # what masking left in place of a secret
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class GapCluster:
    """Enquiries that ask for the same missing article."""

    size: int
    title: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...]
    members: tuple[int, ...]  # indices into the texts given


def _clean(text: str) -> str:
    return _SPACE.sub(" ", _MASKED.sub(" ", text)).strip()


def gap_terms(text: str) -> list[str]:
    """The stemmed content words of an enquiry, without masking placeholders."""
    prepared = prepare(_clean(text)).split()
    return [stem(word) for word in prepared if len(word) > 1 and word not in STOP_WORDS]


def _surface_words(texts: Sequence[str]) -> dict[str, str]:
    """For each stem, the commonest word the users actually wrote for it."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for word in words(fold(_clean(text))):
            if len(word) > 1 and word not in STOP_WORDS:
                seen[stem(word)][word] += 1
    return {term: counts.most_common(1)[0][0] for term, counts in seen.items()}


def _one_line(text: str) -> str:
    """An enquiry on one line: the question and each detail added, separated by " / "."""
    return " / ".join(_SPACE.sub(" ", line).strip() for line in text.splitlines() if line.strip())


def _labels(vectors: np.ndarray, threshold: float) -> np.ndarray:
    if len(vectors) == 1:
        return np.zeros(1, dtype=int)
    clustering = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold
    )
    return np.asarray(clustering.fit_predict(vectors))


def _describe(
    members: list[int], texts: Sequence[str], vectors: np.ndarray, vocabulary: np.ndarray
) -> GapCluster:
    centroid = vectors[members].mean(axis=0)
    closeness = vectors[members] @ centroid
    ranked = [members[i] for i in np.lexsort((members, -closeness))]  # closest first, then order
    surface = _surface_words([texts[i] for i in members])
    top = [
        i
        for i in np.lexsort((vocabulary, -centroid))
        if centroid[i] > 0 and vocabulary[i] in surface
    ][:KEYWORDS]
    examples: dict[str, str] = {}  # one example per wording, whatever its case and punctuation
    for index in ranked:
        examples.setdefault(" ".join(words(fold(texts[index]))), _one_line(texts[index]))
    return GapCluster(
        size=len(members),
        title=draft_title(texts[ranked[0]]),
        keywords=tuple(surface[str(vocabulary[i])] for i in top),
        examples=tuple(list(examples.values())[:EXAMPLES]),
        members=tuple(sorted(members)),
    )


def find_gaps(
    texts: Sequence[str],
    min_size: int = 2,
    threshold: float = DISTANCE_THRESHOLD,
    background: Sequence[str] = (),
) -> list[GapCluster]:
    """Clusters of at least ``min_size`` similar texts, largest first."""
    usable = [i for i, text in enumerate(texts) if gap_terms(text)]
    if not usable:
        return []
    kept = [texts[i] for i in usable]
    vectorizer = TfidfVectorizer(analyzer=gap_terms, sublinear_tf=True)
    vectorizer.fit([*kept, *background])
    vectors = vectorizer.transform(kept).toarray()  # unit rows
    vocabulary = vectorizer.get_feature_names_out()
    groups: dict[int, list[int]] = defaultdict(list)
    for row, label in enumerate(_labels(vectors, threshold)):
        groups[int(label)].append(row)
    clusters = [
        _describe(rows, kept, vectors, vocabulary)
        for rows in groups.values()
        if len(rows) >= min_size
    ]
    # Back from rows of the usable texts to indices into the texts given.
    clusters = [replace(c, members=tuple(usable[row] for row in c.members)) for c in clusters]
    return sorted(clusters, key=lambda cluster: (-cluster.size, cluster.members))

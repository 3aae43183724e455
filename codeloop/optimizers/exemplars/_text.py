"""How exemplar strategies compare tasks: the text of a task or a demo, lexical vectors, BM25
relevance, redundancy filtering (MMR), order policies and k-means, all on numpy.

Tasks are compared by what a prompt shows of them (description, function header, rendered
examples), never by hidden tests or reference code, so a query at app time is compared the
same way as a training task.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from rank_bm25 import BM25Okapi

from ...benchmarks import TaskView
from ...modules import task_inputs

#: ``ascending``: the most similar demo LAST (nearest the question); ``descending``: first;
#: ``random``: a seeded shuffle.
ORDERS: tuple[str, ...] = ("ascending", "descending", "random")
TEXT_FIELDS = ("description", "function_header", "examples")

# Words (identifiers split at underscores), digit runs, and the brackets and quotes that tell
# lists, dicts and strings apart in rendered examples.
_TOKEN = re.compile(r"[a-z]+|\d+|[\[{'\"]")


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def view_text(view: TaskView) -> str:
    """What a prompt shows of a task, as one text."""
    inputs = task_inputs(view)
    return "\n".join(inputs[f] for f in TEXT_FIELDS)


def demo_text(demo: Mapping[str, Any] | Any) -> str:
    """The same text for a demo (whose inputs were rendered from a task view)."""
    return "\n".join(str(demo.get(f) or "") for f in TEXT_FIELDS)


def tfidf_vectors(texts: Sequence[str]) -> np.ndarray:
    """Rows of sublinear TF-IDF weights over the texts' own vocabulary, each of unit length
    (so a dot product is a cosine similarity; an empty text is a zero row)."""
    docs = [tokenize(t) for t in texts]
    vocab = {tok: i for i, tok in enumerate(sorted({t for d in docs for t in d}))}
    counts = np.zeros((len(docs), max(1, len(vocab))))
    for row, doc in enumerate(docs):
        np.add.at(counts[row], [vocab[t] for t in doc], 1.0)
    df = (counts > 0).sum(axis=0)
    weights = np.log1p(counts) * (np.log((1 + len(docs)) / (1 + df)) + 1.0)
    norms = np.linalg.norm(weights, axis=1, keepdims=True)
    return weights / np.where(norms == 0, 1.0, norms)


class LexicalIndex:
    """BM25 relevance of each item to a query, and TF-IDF cosine between items (for redundancy).

    BM25 scores are divided by the best one, so relevance and similarity share the 0..1 scale
    MMR mixes them on.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        self._tokens = [tokenize(t) for t in self.texts]
        self._bm25 = BM25Okapi(self._tokens) if any(self._tokens) else None
        vectors = tfidf_vectors(self.texts)
        self.similarity = vectors @ vectors.T

    def relevance(self, query: str) -> np.ndarray:
        if self._bm25 is None:
            return np.zeros(len(self.texts))
        scores = np.maximum(np.asarray(self._bm25.get_scores(tokenize(query)), dtype=float), 0.0)
        top = scores.max(initial=0.0)
        return scores / top if top > 0 else scores


def typicality(texts: Sequence[str], queries: Sequence[str]) -> np.ndarray:
    """Per text, its mean TF-IDF cosine to the queries (how alike the inputs it will serve it is)."""
    if not texts:
        return np.zeros(0)
    if not queries:
        return np.zeros(len(texts))
    vectors = tfidf_vectors([*texts, *queries])
    return (vectors[: len(texts)] @ vectors[len(texts):].T).mean(axis=1)


def mmr(relevance: np.ndarray, similarity: np.ndarray, k: int, lam: float, *,
        allowed: Sequence[int] | None = None, groups: Sequence[Any] | None = None) -> list[int]:
    """Maximal marginal relevance (Carbonell and Goldstein, 1998): ``k`` items picked greedily,
    each maximizing ``lam * relevance - (1 - lam) * (its highest similarity to an item already
    picked)``. ``lam=1`` is plain top-k; lower values drop near-duplicates. Items of a group
    already picked (two demos of one task) are never picked again. Ties go to the lower index.
    """
    left = list(range(len(relevance)) if allowed is None else allowed)
    chosen: list[int] = []
    while left and len(chosen) < k:
        rows = np.asarray(left)
        redundancy = similarity[np.ix_(rows, chosen)].max(axis=1) if chosen else np.zeros(len(rows))
        best = int(rows[int(np.argmax(lam * relevance[rows] - (1.0 - lam) * redundancy))])
        chosen.append(best)
        left = [i for i in left if i != best and not _same_group(groups, i, best)]
    return chosen


def _same_group(groups: Sequence[Any] | None, i: int, j: int) -> bool:
    return groups is not None and groups[i] is not None and groups[i] == groups[j]


def arrange(chosen: Sequence[int], scores: np.ndarray, order: str,
            rng: np.random.Generator | None = None) -> list[int]:
    """``chosen`` in the order policy: by ``scores`` ascending (best last), descending (best
    first; exactly the reverse), or shuffled with ``rng`` (needed only for ``random``)."""
    ascending = sorted(chosen, key=lambda i: (float(scores[i]), -i))
    if order == "ascending":
        return ascending
    if order == "descending":
        return ascending[::-1]
    if rng is None:
        raise ValueError("arrange(order='random') needs an rng")
    return [int(i) for i in rng.permutation(np.asarray(chosen, dtype=int))]


def kmeans(vectors: np.ndarray, k: int, rng: np.random.Generator, *, n_init: int = 4,
           max_iter: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means on unit rows (cosine), k-means++ seeding from ``rng``, best of
    ``n_init`` runs: ``(labels, unit centers)``."""
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for _ in range(max(1, n_init)):
        centers = _seed_centers(vectors, k, rng)
        for _ in range(max_iter):
            labels = (vectors @ centers.T).argmax(axis=1)
            updated = np.stack([vectors[labels == c].mean(axis=0) if (labels == c).any() else centers[c]
                                for c in range(len(centers))])
            norms = np.linalg.norm(updated, axis=1, keepdims=True)
            updated = updated / np.where(norms == 0, 1.0, norms)
            if np.allclose(updated, centers):
                break
            centers = updated
        sims = vectors @ centers.T
        labels, inertia = sims.argmax(axis=1), float((1.0 - sims.max(axis=1)).sum())
        if best is None or inertia < best[0] - 1e-12:
            best = (inertia, labels, centers)
    return best[1], best[2]


def _seed_centers(vectors: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++: each next center drawn with probability proportional to its squared distance
    (1 - cosine) to the nearest center so far."""
    picked = [int(rng.integers(len(vectors)))]
    while len(picked) < min(k, len(vectors)):
        distance = np.clip(1.0 - (vectors @ vectors[picked].T).max(axis=1), 0.0, None) ** 2
        distance[picked] = 0.0
        if distance.sum() <= 0:
            rest = [i for i in range(len(vectors)) if i not in picked]
            picked.append(int(rng.choice(rest)))
        else:
            picked.append(int(rng.choice(len(vectors), p=distance / distance.sum())))
    return vectors[picked].copy()

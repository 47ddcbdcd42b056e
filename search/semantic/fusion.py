"""Fusing the lexical ranking with the dense one: by rank, or by normalised score.

Two methods, both over the top ``depth`` documents of each ranking:

* reciprocal-rank fusion (Cormack, Clarke and Büttcher, 2009): a document
  scores the sum of ``weight / (k + rank)`` over the rankings that contain
  it (their paper: weight 1, ``k = 60``).  It needs no calibration between
  BM25 scores and cosines;
* interpolation: each ranking's scores are normalised per query over the
  candidates (min-max, or z-score), and a document scores
  ``alpha * lexical + (1 - alpha) * dense``.  A candidate the lexical
  ranking did not retrieve gets the lexical minimum; every candidate has a
  cosine (the caller computes those of lexical documents outside the dense
  top).

Documents of the lexical ranking past ``depth`` follow the fused ones in
lexical order, so a deep page still lists every match.  ``DEFAULT`` was
chosen by leave-one-collection-out validation among a grid declared before
the run, never on the collection reported (``docs/semantic.md``,
``benchmarks/semantic.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Hashable, Iterable, Mapping, Sequence, TypeVar

__all__ = ["DEFAULT", "DENSE_WEIGHT", "Fusion", "RRF_K", "feedback_query", "fuse", "fuse_arrays", "interpolate",
           "interpolated", "reciprocal_rank_fusion"]

T = TypeVar("T", bound=Hashable)

RRF = "rrf"
FUSED = "fused"
DENSE = "dense"
INTERPOLATE = "interpolate"
MINMAX = "minmax"
ZSCORE = "z"


@dataclass(frozen=True)
class Fusion:
    """How a semantic search fuses its two rankings."""

    method: str = RRF        # RRF or INTERPOLATE
    k: float = 20.0          # RRF's constant
    weight: float = 1.0      # RRF: the dense ranking's weight (the lexical one's is 1)
    alpha: float = 0.5       # interpolation: the lexical share
    norm: str = MINMAX       # interpolation: MINMAX or ZSCORE
    depth: int = 1000        # documents of each ranking that take part
    # Dense pseudo-relevance feedback: the query vector moves towards the
    # mean vector of the first ``feedback`` documents of ``feedback_from``
    # (FUSED: the first fusion; DENSE: the dense ranking) by ``beta``, the
    # dense ranking is scanned again, and the fusion is redone (0: off).
    feedback: int = 0
    beta: float = 0.0
    feedback_from: str = "fused"
    # The lexical ranking with the engine's own feedback (``expand=True``).
    expand: bool = False
    # A rule on the query itself: a query of more than ``long_query`` words
    # (what the model reads, ``hybrid.query_text``) mixes with lexical share
    # ``long_alpha`` instead of ``alpha`` (0: off).
    long_query: int = 0
    long_alpha: float = 0.5

    def for_query(self, words: int) -> "Fusion":
        """The fusion a query of ``words`` words gets (itself, or with ``long_alpha`` for a long one)."""
        if self.long_query and words > self.long_query:
            return replace(self, alpha=self.long_alpha, long_query=0)
        return self

    @property
    def name(self) -> str:
        """A short label: ``rrf k20 w1 d1000``, ``interpolate a0.5 minmax d100``, ``... prf-fused m5 b1``."""
        if self.method == RRF:
            label = f"rrf k{self.k:g} w{self.weight:g} d{self.depth}"
        else:
            label = f"interpolate a{self.alpha:g} {self.norm} d{self.depth}"
        if self.feedback:
            label += f" prf-{self.feedback_from} m{self.feedback} b{self.beta:g}"
        if self.long_query:
            label += f" long>{self.long_query} a{self.long_alpha:g}"
        return label + (" expand" if self.expand else "")


# The product's fusion, read at each search (the benchmark swaps it): four
# of the five leave-one-collection-out folds chose it, and so did all five
# together (docs/semantic.md).
DEFAULT = Fusion(INTERPOLATE, alpha=0.4, norm=ZSCORE, depth=1000)
# RRF's constants when RRF is asked for without its own (the values the
# previous default used).
RRF_K = 20.0
DENSE_WEIGHT = 1.0


def reciprocal_rank_fusion(rankings: Iterable[Sequence[T]], k: float = RRF_K,
                           weights: Sequence[float] | None = None) -> list[tuple[T, float]]:
    """Items of every ranking, best first, with their fused scores.

    Each ranking lists items best first; an item missing from a ranking
    simply gets nothing from it.  ``weights`` (one per ranking, default 1
    each) scale each ranking's contribution.  Ties keep the order in which
    items were first seen, so the result is deterministic.
    """
    scores: dict[T, float] = {}
    for n, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else weights[n]
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return _best_first(scores)


def interpolate(lexical: Sequence[tuple[T, float]], cosines: Mapping[T, float], alpha: float,
                norm: str = MINMAX) -> list[tuple[T, float]]:
    """Candidates (the lexical items, then the other keys of ``cosines``) by normalised, mixed score.

    ``lexical`` is (item, score) best first; ``cosines`` holds the dense
    score of every candidate (a lexical item without one counts as the
    lowest cosine).  Each side is normalised over its own scores: min-max
    to [0, 1], or z-score; an item the lexical ranking lacks gets the
    lexical minimum.  Ties keep the order in which items were first seen.
    """
    items = list(dict.fromkeys([item for item, _ in lexical] + list(cosines)))
    if not items:
        return []
    low_cos = min(cosines.values()) if cosines else 0.0
    order, scores = interpolated([score for _, score in lexical], [cosines.get(item, low_cos) for item in items],
                                 alpha, norm)
    return [(items[i], float(scores[i])) for i in order.tolist()]


def interpolated(lexical: Any, cosines: Any, alpha: float, norm: str) -> tuple[Any, Any]:
    """``interpolate``'s arithmetic on numbers: candidates' positions best first, and their scores.

    ``cosines`` has one per candidate; ``lexical`` the scores of the first
    candidates (the lexical ones, in their order).
    """
    import numpy as np  # a core dependency; arrays keep a 2,000-candidate fusion under a millisecond

    lex = _normalised(np.asarray(lexical, dtype=np.float64), norm)
    dense = _normalised(np.asarray(cosines, dtype=np.float64), norm)
    # Lexical items come first among the candidates, in their order.
    mixed = np.full(dense.size, lex.min() if lex.size else 0.0)
    mixed[:lex.size] = lex
    scores = alpha * mixed + (1 - alpha) * dense
    return np.lexsort((np.arange(scores.size), -scores)), scores


def fuse(lexical: Sequence[tuple[T, float]], dense: Sequence[tuple[T, float]],
         cosines: Mapping[T, float] | None = None, how: Fusion | None = None) -> list[tuple[T, float]]:
    """The two rankings fused by ``how`` (``DEFAULT`` when None), lexical leftovers after.

    ``lexical`` and ``dense`` are (item, score) best first; only their first
    ``how.depth`` items take part.  ``cosines`` (interpolation only) gives
    the cosine of lexical items missing from ``dense``.  Lexical items past
    the depth follow, in lexical order, with the fused minimum.
    """
    how = DEFAULT if how is None else how
    top_lex, top_dense = lexical[:how.depth], dense[:how.depth]
    if how.method == RRF:
        fused = reciprocal_rank_fusion([[i for i, _ in top_lex], [i for i, _ in top_dense]],
                                       k=how.k, weights=(1.0, how.weight))
    elif how.method == INTERPOLATE:
        known = dict(cosines or {})
        known.update(top_dense)
        candidates = {i: known[i] for i in dict.fromkeys([i for i, _ in top_lex] + [i for i, _ in top_dense])
                      if i in known}
        fused = interpolate(top_lex, candidates, how.alpha, how.norm)
    else:
        raise ValueError(f"unknown fusion method {how.method!r}")
    return _then_the_rest(fused, lexical, how.depth)


def fuse_arrays(lexical: Sequence[tuple[int, float]], dense: Any, dense_cosines: Any, cosines: Any,
                how: Fusion) -> list[tuple[int, float]]:
    """``fuse`` by interpolation for docnums (small non-negative integers), the dense side as arrays: the same list, faster.

    ``dense`` and ``dense_cosines`` are the dense ranking (numpy arrays,
    best first); ``cosines`` the cosine of each of the first ``how.depth``
    lexical items (NaN for one without a vector), as ``fuse`` gets them in
    ``dense`` and ``cosines``.  A search at 100,000 documents fuses 2,000
    candidates: per-item dictionaries cost it about 2 ms (docs/semantic.md).
    """
    import numpy as np

    if how.method != INTERPOLATE:
        raise ValueError(f"fuse_arrays interpolates; got {how.method!r}")
    top = lexical[:how.depth]
    ids = np.fromiter((item for item, _ in top), dtype=np.int64, count=len(top))
    dense, dense_cosines = np.asarray(dense)[:how.depth], np.asarray(dense_cosines, dtype=np.float64)[:how.depth]
    cosines = np.asarray(cosines, dtype=np.float64)
    # The candidates as ``fuse`` lists them: every lexical item, then the
    # dense ones the lexical ranking lacks; a lexical item without a
    # cosine counts as the lowest cosine.
    only_dense = ~np.isin(dense, ids, kind="table") if ids.size and dense.size else np.ones(dense.size, dtype=bool)
    known = ~np.isnan(cosines)
    present = np.concatenate([cosines[known], dense_cosines[only_dense]])
    if not ids.size and not present.size:
        return []
    low = present.min() if present.size else 0.0
    items = np.concatenate([ids, dense[only_dense]])
    order, scores = interpolated([score for _, score in top], np.concatenate(
        [np.where(known, cosines, low), dense_cosines[only_dense]]), how.alpha, how.norm)
    fused = list(zip(items[order].tolist(), scores[order].tolist()))
    return _then_the_rest(fused, lexical, how.depth)


def _then_the_rest(fused: list[tuple[T, float]], lexical: Sequence[tuple[T, float]], depth: int) -> list[tuple[T, float]]:
    """``fused``, then the lexical items past ``depth`` that it lacks, in lexical order, with its minimum."""
    seen = {item for item, _ in fused}
    tail = fused[-1][1] if fused else 0.0
    return fused + [(item, tail) for item, _ in lexical[depth:] if item not in seen]


def feedback_query(query: Any, documents: Sequence[Any], beta: float) -> Any:
    """Rocchio's move of a query vector towards its first documents: ``unit(q + beta * mean(unit(d)))``.

    ``documents`` holds one matrix per document, its passages' rows; a
    document counts as the unit mean of its passages, so a long document
    weighs no more than a short one.  float32, as the stored vectors.
    """
    import numpy as np

    q = np.asarray(query, dtype=np.float32)
    if beta == 0:
        return q
    centres = []
    for rows in documents:
        matrix = np.asarray(rows, dtype=np.float32).reshape(-1, q.size)
        if not matrix.size:
            continue  # a document without vectors
        centre = matrix.mean(axis=0)
        size = float(np.linalg.norm(centre))
        centres.append(centre / size if size > 0 else centre)
    if not centres:
        return q
    moved = q + np.float32(beta) * np.mean(centres, axis=0, dtype=np.float32)
    size = float(np.linalg.norm(moved))
    return (moved / size).astype(np.float32) if size > 0 else q


def _normalised(values: Any, norm: str) -> Any:
    """A numpy array of values min-max scaled to [0, 1] or as z-scores (all 0 when they are all equal)."""
    if values.size == 0:
        return values
    if norm == MINMAX:
        spread = values.max() - values.min()
        return (values - values.min()) / spread if spread > 0 else values * 0.0
    if norm == ZSCORE:
        sd = values.std()
        return (values - values.mean()) / sd if sd > 0 else values * 0.0
    raise ValueError(f"unknown normalisation {norm!r}")


def _best_first(scores: dict[T, float]) -> list[tuple[T, float]]:
    """``scores``' items by decreasing score; ties in insertion order."""
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))

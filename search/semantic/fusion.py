"""Reciprocal-rank fusion: one ranking from several, by rank alone.

RRF (Cormack, Clarke and Büttcher, 2009) scores a document by the sum of
``weight / (k + rank)`` over the rankings that contain it (their paper uses
weight 1 and ``k = 60``).  It needs no score calibration between BM25 and
cosine, which is why it is used here.  ``RRF_K`` and ``DENSE_WEIGHT`` (the
weight of the dense ranking, the lexical one weighing 1) were chosen among a
small declared grid by leave-one-collection-out validation, never on the
collection reported (see ``docs/semantic.md`` and ``benchmarks/semantic.py``).
"""

from __future__ import annotations

from typing import Hashable, Iterable, Sequence, TypeVar

__all__ = ["DENSE_WEIGHT", "RRF_K", "reciprocal_rank_fusion"]

RRF_K = 20
DENSE_WEIGHT = 1.0

T = TypeVar("T", bound=Hashable)


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
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))

"""Reciprocal-rank fusion: one ranking from several, by rank alone.

RRF (Cormack, Clarke and Büttcher, 2009) scores a document by the sum of
``1 / (k + rank)`` over the rankings that contain it.  It needs no score
calibration between BM25 and cosine, which is why it is used here: the
constant ``k = 60`` is the value from that paper, not one fitted to our
evaluation collections (see ``docs/semantic.md``).
"""

from __future__ import annotations

from typing import Hashable, Iterable, Sequence, TypeVar

__all__ = ["RRF_K", "reciprocal_rank_fusion"]

RRF_K = 60

T = TypeVar("T", bound=Hashable)


def reciprocal_rank_fusion(rankings: Iterable[Sequence[T]], k: int = RRF_K) -> list[tuple[T, float]]:
    """Items of every ranking, best first, with their fused scores.

    Each ranking lists items best first; an item missing from a ranking
    simply gets nothing from it.  Ties keep the order in which items were
    first seen, so the result is deterministic.
    """
    scores: dict[T, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))

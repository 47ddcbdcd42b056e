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

from dataclasses import dataclass
from typing import Any, Hashable, Iterable, Mapping, Sequence, TypeVar

__all__ = ["DEFAULT", "DENSE_WEIGHT", "Fusion", "RRF_K", "fuse", "interpolate", "reciprocal_rank_fusion"]

T = TypeVar("T", bound=Hashable)

RRF = "rrf"
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

    @property
    def name(self) -> str:
        """A short label: ``rrf k20 w1 d1000`` or ``interpolate a0.5 minmax d100``."""
        if self.method == RRF:
            return f"rrf k{self.k:g} w{self.weight:g} d{self.depth}"
        return f"interpolate a{self.alpha:g} {self.norm} d{self.depth}"


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
    import numpy as np  # a core dependency; arrays keep a 2,000-candidate fusion under a millisecond

    items = list(dict.fromkeys([item for item, _ in lexical] + list(cosines)))
    if not items:
        return []
    lex = _normalised(np.array([score for _, score in lexical], dtype=np.float64), norm)
    low_cos = min(cosines.values()) if cosines else 0.0
    dense = _normalised(np.array([cosines.get(item, low_cos) for item in items], dtype=np.float64), norm)
    # Lexical items come first in ``items``, in their order.
    mixed = np.full(len(items), lex.min() if lex.size else 0.0)
    mixed[:lex.size] = lex
    scores = alpha * mixed + (1 - alpha) * dense
    order = np.lexsort((np.arange(len(items)), -scores))
    return [(items[i], float(scores[i])) for i in order.tolist()]


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
    seen = {item for item, _ in fused}
    tail = fused[-1][1] if fused else 0.0
    return fused + [(item, tail) for item, _ in lexical[how.depth:] if item not in seen]


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

"""Ranking-quality measures, computed the way ``trec_eval`` computes them.

Conventions shared by every function here:

* ``ranked_ids`` is one query's result list, best first.  Only the first
  occurrence of a document id counts; later duplicates are ignored.
* ``qrels_for_query`` (or ``rel``) maps a document id to its relevance grade.
  A document is *relevant* when its grade is >= 1 (``trec_eval``'s default
  relevance threshold); grades <= 0 and unjudged documents are not relevant.
* Rank positions are 1-based.

``evaluate`` averages over *judged* queries (those with at least one relevant
document).  A judged query missing from the run, or with an empty result list,
scores 0 on every measure (``trec_eval -c``).  Queries without relevant
documents are left out of the averages.
"""

from __future__ import annotations

import math
import random
from typing import Iterable, Mapping, Sequence

__all__ = [
    "average_precision",
    "ndcg_at",
    "precision_at",
    "recall_at",
    "evaluate",
    "per_query",
    "paired_randomization",
]

Qrels = Mapping[str, Mapping[str, int]]


def _unique(ranked_ids: Iterable[str]) -> list[str]:
    """The ids in order with later duplicates dropped."""
    seen: set[str] = set()
    out: list[str] = []
    for doc_id in ranked_ids:
        if doc_id not in seen:
            seen.add(doc_id)
            out.append(doc_id)
    return out


def _relevant(qrels_for_query: Mapping[str, int]) -> set[str]:
    """The ids whose grade is >= 1."""
    return {doc_id for doc_id, grade in qrels_for_query.items() if grade >= 1}


def average_precision(ranked_ids: Sequence[str], qrels_for_query: Mapping[str, int]) -> float:
    """Average precision: the mean, over *all* relevant documents, of the
    precision at the rank where each is retrieved (0 for those never retrieved).

    ``AP = (1 / R) * sum(P@rank(d) for each relevant d retrieved)`` with ``R``
    the number of relevant documents.  0.0 when ``R`` is 0.
    """
    relevant = _relevant(qrels_for_query)
    if not relevant:
        return 0.0
    hits = 0
    total = 0.0
    for rank, doc_id in enumerate(_unique(ranked_ids), start=1):
        if doc_id in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant)


def _dcg(gains: Iterable[float]) -> float:
    """Discounted cumulative gain: ``sum(gain_i / log2(i + 1))``, i from 1."""
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))


def ndcg_at(ranked_ids: Sequence[str], qrels_for_query: Mapping[str, int], k: int = 10) -> float:
    """Normalised DCG at cut-off ``k`` (``trec_eval``'s ``ndcg_cut_k``).

    The gain of a retrieved document is its grade when >= 1, else 0.
    ``DCG@k = sum(gain_i / log2(i + 1) for i in 1..k)``.  The ideal DCG sorts
    the grades of *all* judged relevant documents (not only retrieved ones)
    in decreasing order and applies the same formula to the first ``k``.
    ``nDCG@k = DCG@k / IDCG@k``; 0.0 when there is no relevant document.
    """
    grades = {doc_id: g for doc_id, g in qrels_for_query.items() if g >= 1}
    ideal = _dcg(sorted(grades.values(), reverse=True)[:k])
    if ideal <= 0:
        return 0.0
    gains = [grades.get(doc_id, 0) for doc_id in _unique(ranked_ids)[:k]]
    return _dcg(gains) / ideal


def precision_at(ranked: Sequence[str], rel: Mapping[str, int], k: int = 10) -> float:
    """Precision at ``k``: relevant documents among the first ``k`` divided by
    ``k`` (always by ``k``, even when fewer than ``k`` were retrieved)."""
    relevant = _relevant(rel)
    return sum(1 for doc_id in _unique(ranked)[:k] if doc_id in relevant) / k


def recall_at(ranked: Sequence[str], rel: Mapping[str, int], k: int = 100) -> float:
    """Recall at ``k``: relevant documents among the first ``k`` divided by the
    number of relevant documents; 0.0 when there is none."""
    relevant = _relevant(rel)
    if not relevant:
        return 0.0
    return sum(1 for doc_id in _unique(ranked)[:k] if doc_id in relevant) / len(relevant)


def _per_query(ranked: Sequence[str], rel: Mapping[str, int],
               ndcg_k: int, p_k: int, r_k: int) -> dict[str, float]:
    """Every measure for one query, keyed as in ``evaluate``."""
    return {
        "map": average_precision(ranked, rel),
        f"ndcg@{ndcg_k}": ndcg_at(ranked, rel, ndcg_k),
        f"p@{p_k}": precision_at(ranked, rel, p_k),
        f"recall@{r_k}": recall_at(ranked, rel, r_k),
    }


def evaluate(run: Mapping[str, Sequence[str]], qrels: Qrels, *,
             ndcg_k: int = 10, p_k: int = 10, r_k: int = 100) -> dict[str, float]:
    """Mean of each measure over the judged queries of ``qrels``.

    ``run`` maps query id to its ranked document ids.  A query is judged when
    it has at least one document with grade >= 1; only judged queries are
    averaged, and a judged query absent from ``run`` (or with no results)
    contributes 0.  Queries in ``run`` but not judged are ignored.

    Returns ``{"map", "ndcg@<ndcg_k>", "p@<p_k>", "recall@<r_k>": mean,
    "queries": number of judged queries}``; the means are 0.0 when no query is
    judged.
    """
    judged = [qid for qid, rel in qrels.items() if _relevant(rel)]
    keys = ["map", f"ndcg@{ndcg_k}", f"p@{p_k}", f"recall@{r_k}"]
    totals = dict.fromkeys(keys, 0.0)
    for qid in judged:
        scores = _per_query(run.get(qid, []), qrels[qid], ndcg_k, p_k, r_k)
        for key in keys:
            totals[key] += scores[key]
    result: dict[str, float] = {
        key: (totals[key] / len(judged) if judged else 0.0) for key in keys
    }
    result["queries"] = len(judged)
    return result


def per_query(run: Mapping[str, Sequence[str]], qrels: Qrels, measure: str = "map",
              *, ndcg_k: int = 10, p_k: int = 10, r_k: int = 100) -> dict[str, float]:
    """One measure (a key of ``evaluate``'s result) for each judged query.

    Judged queries and missing runs are treated as in ``evaluate``, so the
    mean of the values is ``evaluate(...)[measure]``.
    """
    judged = [qid for qid, rel in qrels.items() if _relevant(rel)]
    return {
        qid: _per_query(run.get(qid, []), qrels[qid], ndcg_k, p_k, r_k)[measure]
        for qid in judged
    }


# Up to this many pairs, every sign assignment is enumerated (2**16 sums),
# so small samples get the exact p-value rather than an estimate.
_EXACT_PAIRS = 16


def paired_randomization(a: Sequence[float], b: Sequence[float], *,
                         trials: int = 10_000, seed: int = 1) -> float:
    """Two-sided p-value of a paired randomization (sign-flip) test.

    Under the null hypothesis that systems ``a`` and ``b`` are exchangeable
    on each query, each per-query difference ``a[i] - b[i]`` is as likely
    to have either sign.  The p-value is the share of sign assignments whose
    mean difference is at least as far from 0 as the observed one.  Up to
    16 pairs every assignment is counted (exact); above, ``trials`` random
    assignments from a seeded generator estimate it, counting the observed
    one too so that the estimate is never 0.  Pairs with no difference
    cannot change the sum and are left out; with none left the p-value is 1.
    """
    if len(a) != len(b):
        raise ValueError("paired samples must have the same length")
    diffs = [x - y for x, y in zip(a, b) if x != y]
    if not diffs:
        return 1.0
    # A tiny tolerance so that sums equal to the observed one up to float
    # rounding count as "at least as extreme".
    observed = abs(sum(diffs)) - 1e-12
    n = len(diffs)
    if n <= _EXACT_PAIRS:
        extreme = 0
        for signs in range(2 ** n):
            total = sum(-d if signs >> i & 1 else d for i, d in enumerate(diffs))
            extreme += abs(total) >= observed
        return extreme / 2 ** n
    rng = random.Random(seed)
    extreme = 1
    for _ in range(trials):
        signs = rng.getrandbits(n)
        total = sum(-d if signs >> i & 1 else d for i, d in enumerate(diffs))
        extreme += abs(total) >= observed
    return extreme / (trials + 1)

"""Hand-checked values for the trec_eval-style measures in benchmarks.measures."""

from __future__ import annotations

import math

import pytest

from benchmarks.measures import (
    average_precision,
    evaluate,
    ndcg_at,
    paired_randomization,
    per_query,
    precision_at,
    recall_at,
)

# One query.  Grades: a=3, c=2, b=1 are relevant (R = 3); x has grade 0
# (judged, not relevant).  The run finds a at rank 1 and b at rank 3 and
# never finds c.
QRELS_Q1 = {"a": 3, "b": 1, "c": 2, "x": 0}
RUN_Q1 = ["a", "x", "b", "d", "e"]

# Ideal DCG@3 from all judged grades sorted 3, 2, 1:
#   3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 1.2618595 + 0.5 = 4.7618595
IDEAL_3 = 3 + 2 / math.log2(3) + 0.5


def test_average_precision() -> None:
    # Relevant hits at ranks 1 and 3: precisions 1/1 and 2/3.  c is never
    # retrieved and still counts in the denominator R = 3:
    #   AP = (1 + 2/3) / 3 = 5/9 = 0.5556
    assert average_precision(RUN_Q1, QRELS_Q1) == pytest.approx(5 / 9)


def test_average_precision_without_relevant_documents() -> None:
    assert average_precision(["a"], {"a": 0}) == 0.0
    assert average_precision([], {"a": 2}) == 0.0


def test_ndcg_uses_grades_and_all_judged_documents_for_the_ideal() -> None:
    # DCG@3 = 3/log2(2) + 0/log2(3) + 1/log2(4) = 3 + 0 + 0.5 = 3.5
    # nDCG@3 = 3.5 / 4.7618595 = 0.7350
    assert ndcg_at(RUN_Q1, QRELS_Q1, k=3) == pytest.approx(3.5 / IDEAL_3)
    assert ndcg_at(RUN_Q1, QRELS_Q1, k=3) == pytest.approx(0.735006, abs=1e-6)
    # At k=1 the run puts the best document first: 3 / 3 = 1.
    assert ndcg_at(RUN_Q1, QRELS_Q1, k=1) == pytest.approx(1.0)
    # At k=10 nothing more is found: DCG stays 3.5, the ideal is still 4.7619
    # (only three relevant documents exist).
    assert ndcg_at(RUN_Q1, QRELS_Q1, k=10) == pytest.approx(3.5 / IDEAL_3)


def test_ndcg_reversed_order_scores_below_one() -> None:
    # Ranking c(2), a(3): DCG@2 = 2 + 3/log2(3) = 3.8928;
    # ideal 3 + 2/log2(3) = 4.2619; nDCG@2 = 0.91340
    expected = (2 + 3 / math.log2(3)) / (3 + 2 / math.log2(3))
    assert ndcg_at(["c", "a"], QRELS_Q1, k=2) == pytest.approx(expected)
    assert expected == pytest.approx(0.91340, abs=1e-5)


def test_precision_divides_by_k_even_when_fewer_were_retrieved() -> None:
    # Top 4: a, x, b, d -> 2 relevant / 4 = 0.5
    assert precision_at(RUN_Q1, QRELS_Q1, k=4) == pytest.approx(0.5)
    # Only 5 retrieved, 2 relevant: 2 / 10 = 0.2
    assert precision_at(RUN_Q1, QRELS_Q1, k=10) == pytest.approx(0.2)


def test_recall() -> None:
    # Top 2 holds a: 1/3.  Top 100 holds a and b: 2/3.
    assert recall_at(RUN_Q1, QRELS_Q1, k=2) == pytest.approx(1 / 3)
    assert recall_at(RUN_Q1, QRELS_Q1, k=100) == pytest.approx(2 / 3)


def test_duplicates_count_once() -> None:
    # ["a", "a", "b"] is read as ["a", "b"]: AP = (1/1 + 2/2) / 3 = 2/3
    assert average_precision(["a", "a", "b"], QRELS_Q1) == pytest.approx(2 / 3)
    assert precision_at(["a", "a"], QRELS_Q1, k=2) == pytest.approx(0.5)


def test_evaluate_averages_over_judged_queries_only() -> None:
    qrels = {
        "q1": QRELS_Q1,
        "q2": {"f": 1},  # judged, but the run has no results for it -> 0
        "q3": {"g": 0},  # no relevant document: left out of the averages
    }
    run = {"q1": RUN_Q1, "q3": ["g"], "q9": ["a"]}  # q9 is not judged: ignored
    result = evaluate(run, qrels)
    assert result["queries"] == 2
    # MAP = (5/9 + 0) / 2 = 5/18 = 0.2778
    assert result["map"] == pytest.approx(5 / 18)
    # nDCG@10 = (3.5 / 4.7619 + 0) / 2 = 0.3675
    assert result["ndcg@10"] == pytest.approx(3.5 / IDEAL_3 / 2)
    # P@10 = (2/10 + 0) / 2 = 0.1
    assert result["p@10"] == pytest.approx(0.1)
    # R@100 = (2/3 + 0) / 2 = 1/3
    assert result["recall@100"] == pytest.approx(1 / 3)


def test_evaluate_empty_result_list_is_zero() -> None:
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    result = evaluate({"q1": ["a"], "q2": []}, qrels)
    # q1: AP 1, q2: AP 0 -> MAP 0.5
    assert result["map"] == pytest.approx(0.5)
    assert result["queries"] == 2


def test_evaluate_without_judged_queries() -> None:
    result = evaluate({"q1": ["a"]}, {"q1": {"a": 0}})
    assert result == {"map": 0.0, "ndcg@10": 0.0, "p@10": 0.0,
                      "recall@100": 0.0, "queries": 0}


def test_per_query_values_average_to_evaluate() -> None:
    qrels = {"q1": QRELS_Q1, "q2": {"a": 1}, "q3": {"z": 0}}
    run = {"q1": RUN_Q1, "q2": ["b", "a"]}
    values = per_query(run, qrels, "map")
    # q3 has no relevant document: not judged, not listed.
    assert values == pytest.approx({"q1": 5 / 9, "q2": 1 / 2})
    assert sum(values.values()) / 2 == pytest.approx(evaluate(run, qrels)["map"])


def test_paired_randomization_exact_for_small_samples() -> None:
    # Five differences, all +0.1: of the 2**5 sign assignments only "all +"
    # and "all -" reach |sum| = 0.5, so p = 2 / 32.
    assert paired_randomization([0.6] * 5, [0.5] * 5) == pytest.approx(2 / 32)
    # Differences +3, -1, +1: sums of +-3 +-1 +-1 with |sum| >= 3 are
    # (3,-1,+1)->3, (3,+1,-1)->3, (3,1,1)->5, (3,-1,-1)->1 no, and their
    # mirror images: 6 of 8.
    assert paired_randomization([3, 0, 1], [0, 1, 0]) == pytest.approx(6 / 8)


def test_paired_randomization_ignores_ties_and_is_symmetric() -> None:
    assert paired_randomization([0.2, 0.3], [0.2, 0.3]) == 1.0
    a, b = [0.6, 0.5, 0.9, 0.4], [0.5, 0.5, 0.7, 0.45]
    assert paired_randomization(a, b) == paired_randomization(b, a)


def test_paired_randomization_sampled_for_large_samples() -> None:
    # 40 queries all better by 0.05: about 1 assignment in 2**39 is as
    # extreme, so the estimate is the floor 1 / (trials + 1).
    p = paired_randomization([0.55] * 40, [0.5] * 40, trials=2000)
    assert p == pytest.approx(1 / 2001)
    # A difference that is pure noise (alternating signs) is far from significant.
    noisy = paired_randomization([0.5 + (0.1 if i % 2 else -0.1) for i in range(40)], [0.5] * 40)
    assert noisy > 0.5


def test_paired_randomization_rejects_unpaired_samples() -> None:
    with pytest.raises(ValueError):
        paired_randomization([0.1, 0.2], [0.1])

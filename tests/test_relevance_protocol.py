"""The held-out protocol of benchmarks/relevance.py, on made-up figures."""

from __future__ import annotations

from benchmarks.relevance import (
    BASELINE,
    CollectionResult,
    SystemResult,
    check_failures,
    choose,
    clean_query,
    leave_one_out,
)


def _collection(name: str, maps: dict[str, float]) -> CollectionResult:
    # nDCG@10 equal to MAP keeps the objective (mean of the two ratios) easy.
    result = CollectionResult(name, 10, 2)
    for system, value in {**maps, BASELINE: 0.5}.items():
        result.systems.append(SystemResult(system, {"map": value, "ndcg@10": value}, 0.0, 0.0))
    return result


# "wide" is good everywhere; "narrow" is best on a and b only, bad on c.
RESULTS = [
    _collection("a", {"wide": 0.55, "narrow": 0.70}),
    _collection("b", {"wide": 0.55, "narrow": 0.70}),
    _collection("c", {"wide": 0.55, "narrow": 0.30}),
]


def test_choice_is_made_without_the_held_out_collection() -> None:
    folds = {f.held_out: f for f in leave_one_out(RESULTS, ["wide", "narrow"])}
    # Holding out a, the others are b (narrow 1.4) and c (narrow 0.6): mean
    # 1.0 < wide's 1.1, so wide; on a itself narrow is best (tuned).
    assert (folds["a"].chosen, folds["a"].tuned) == ("wide", "narrow")
    # Holding out c, a and b favour narrow, which then fails on c.
    assert (folds["c"].chosen, folds["c"].tuned) == ("narrow", "wide")
    # Chosen on all three, narrow wins (mean 1.13 against 1.1): the
    # choice a protocol without a held-out collection would make.
    assert choose(RESULTS, ["wide", "narrow"]) == "narrow"


def test_check_floor_and_mean() -> None:
    assert check_failures(RESULTS, "wide") == []  # 1.1 everywhere
    failures = check_failures(RESULTS, "narrow")  # c at 0.6: below the floor
    assert len(failures) == 1 and failures[0].startswith("c:")
    level = [_collection(n, {"flat": 0.505}) for n in "ab"]  # 1.01: above the floor, below the mean
    assert check_failures(level, "flat") == ["mean MAP ratio 1.010 is below 1.03"]


def test_queries_are_searched_as_words() -> None:
    assert clean_query('NON-USERS AND "libraries" (OR) title:x') == "non users and  libraries   or  title x"


def test_a_later_round_of_the_semantic_grid_joins_only_if_it_raises_validation(monkeypatch) -> None:
    from types import SimpleNamespace

    import benchmarks.semantic as semantic

    def hybrid(name: str) -> semantic.Hybrid:
        return semantic.Hybrid(SimpleNamespace(name=name))

    results = [_collection(n, {"wide": 0.55, "narrow": 0.70 if n != "c" else 0.30, "better": 0.60})
               for n in "abc"]
    # "narrow" wins two folds' choices and then fails on the held-out c:
    # validation falls (1.1 -> 0.933), so its round stays out; "better"
    # (1.2 everywhere) raises it and joins.
    monkeypatch.setattr(semantic, "rounds", lambda: [("base", [hybrid("wide")]), ("fits", [hybrid("narrow")]),
                                                     ("helps", [hybrid("better")])])
    kept, lines = semantic.admitted(results)
    assert [h.name for h in kept] == ["wide", "better"]
    assert lines[1].endswith("left out") and lines[2].endswith("joins")

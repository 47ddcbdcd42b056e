"""Property tests of the query language: any text a user types is searched.

``parse_query`` promises never to raise and to keep every query cheap (a
capped length and clause count); ``Index.search`` promises to answer any
query text, never to raise on it.  Generated queries mix the syntax's own
characters (quotes, colons, brackets, ``-``, ``*``, ``OR``/``NOT``) with
arbitrary Unicode, so the operators meet each other in every order.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import search
from search.query import MAX_CLAUSES, MAX_QUERY_CHARS, parse_query

from corpus import DOCS, write_corpus

# Pieces of the query syntax, so generated queries are mostly near-syntax.
_SYNTAX = st.sampled_from([
    '"', ":", "-", "+", "*", "(", ")", "[", "]", " TO ", " OR ", " NOT ", "OR", "NOT",
    "title:", "author:", "by:", "affiliation:", "source:", "tag:", "date:", "date:[",
    "2023", "2023-03", "2023-13-45", "0000", "9999-99", "el*", "a*", "*", " ", "\t", "\n",
])
_WORDS = st.sampled_from(["free", "elections", "tariff", "chen", "the", "and", "élection", "ΑΒΓ", "x"])
_QUERY = st.lists(st.one_of(_SYNTAX, _WORDS, st.text(max_size=6)), max_size=40).map("".join)

_BUDGET = settings(max_examples=200, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@_BUDGET
@given(st.one_of(_QUERY, st.text(max_size=300)))
def test_parse_query_never_raises_and_stays_within_its_caps(text: str) -> None:
    parsed = parse_query(text)
    assert len(parsed.text) <= MAX_QUERY_CHARS
    assert len(parsed.positive) + len(parsed.excluded) <= MAX_CLAUSES
    for clause in [*parsed.positive, *parsed.excluded]:
        assert clause.kind in ("word", "phrase", "prefix", "date")
        if clause.kind == "date":
            assert clause.date_range is not None
            lo, hi = clause.date_range
            assert lo == 0 or hi == 0 or lo <= hi
        else:
            assert clause.text.strip(), f"empty {clause.kind} clause from {text!r}"
    assert all(isinstance(n, str) and n for n in parsed.notices)


def test_overlong_queries_are_cut_and_say_so() -> None:
    parsed = parse_query("word " * 1000)
    assert len(parsed.positive) == MAX_CLAUSES
    assert any("cut" in n for n in parsed.notices)
    assert any(str(MAX_CLAUSES) in n for n in parsed.notices)


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("query-props")
    write_corpus(root / "src")
    search.build_index([root / "src"], index_dir=root / "ix")
    return root / "ix"


@_BUDGET
@given(_QUERY, st.sampled_from(["all", "any"]), st.sampled_from(["relevance", "newest"]))
def test_search_answers_any_query_text(small_index: Path, text: str, match: str, sort: str) -> None:
    with search.open_index(small_index) as ix:
        res = ix.search(text, match=match, sort=sort, limit=5)
    assert 0 <= res.total <= len(DOCS) + 2
    assert len(res.hits) <= 5
    assert res.total >= len(res.hits)
    if res.hits and sort == "relevance" and res.hits[0].score is not None:
        scores = [h.score for h in res.hits]
        assert scores == sorted(scores, reverse=True)

"""Golden ranking tests: a small corpus written here, expected top results in a file.

The corpus is built so that each expected order follows from one property
of the ranking (title weight, IDF, length normalisation, stemming, stop
words, query repetition, feedback ...), named in ``tests/golden/ranking.json``
next to each query.  A change that breaks ranking fails here, without the
evaluation collections in ``../shared``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import search
from search.query import parse_query
from search.ranking import QueryBuilder
from search.scoring import Scorer
from search.scoring import match_documents

GOLDEN = Path(__file__).resolve().parent / "golden" / "ranking.json"

# Filler sentences with no query words in them, to set document lengths.
_PAD = (
    "The author adds some general remarks on the wider context of the debate. "
    "Readers will find further notes and background in the appendix. "
)


def _doc(doc_id: str, title: str, author: str, body: str, *, pad: int = 0, **extra: Any) -> dict[str, Any]:
    return {"id": doc_id, "title": title, "authors": [author], "body": body + " " + _PAD * pad,
            "date": "2020-01-01", "source": "Golden Review", **extra}


CORPUS = [
    # Water and drought.
    _doc("water-drought", "Drought and the Reservoirs", "Lena Fischer",
         "The drought has emptied the reservoirs. Irrigation quotas for farmers were cut, "
         "and the reservoir levels keep falling as the drought goes on."),
    _doc("water-irrigation", "Farmers Face Irrigation Cuts", "Lena Fischer",
         "Irrigation districts ration water from the reservoir. Farmers plant less, "
         "and groundwater pumping rises in the drought."),
    _doc("water-rivers", "Rivers Running Low", "Tomas Varga",
         "Low rivers mean less irrigation water and a thin reservoir of hydropower. "
         "The drought reaches the cities next."),
    _doc("diplomacy-goodwill", "Goodwill Between Neighbours", "Ines Duarte",
         "A reservoir of goodwill between the two governments helped the talks. "
         "Ministers agreed on a border commission."),
    # Central banks and inflation.
    _doc("bank-inflation", "Inflation Is Back", "Ravi Menon",
         "Inflation rose again this year. Central banks say inflation will fall, "
         "but wage inflation tells another story.", pad=2),
    _doc("bank-credibility", "Central Banks and Credibility", "Ravi Menon",
         "A central bank earns credibility slowly. When inflation expectations drift, "
         "rates must rise and inflation must be seen to fall.", pad=2),
    _doc("bank-long", "A Long Essay on Monetary History", "Clara Holm",
         "Monetary history is full of episodes of currency reform, gold standards and "
         "banking panics; inflation appears only briefly in this long survey.", pad=12),
    _doc("bank-rates", "Interest Rates and Mortgages", "Clara Holm",
         "Higher interest rates push up mortgage payments. The central bank raised rates "
         "twice, and households feel it.", pad=2),
    # Elections.
    _doc("elect-turnout", "Why Turnout Fell", "Anna Berg",
         "Voters stayed home because the outcome of the election seemed settled. "
         "Turnout fell in every region.", pad=2),
    _doc("elect-free", "Free Elections Need Free Media", "John Okafor",
         "Free elections need independent media. Electoral commissions must be trusted "
         "by voters, and elections must be observed.", pad=2),
    _doc("elect-reform", "Electoral Reform Now", "Anna Berg",
         "Electoral reform should start with registration. Elected officials resist "
         "change to the rules that elected them.", pad=2),
    _doc("elect-campaign", "Campaign Money", "Paul Dumas",
         "Campaign finance rules shape every election campaign; donors matter more than voters.", pad=2),
    # Trade.
    _doc("trade-tariffs", "Tariffs and Retaliation", "Mei Chen",
         "New tariffs on steel invite retaliation. Exporters lose markets when tariffs rise.", pad=2),
    _doc("trade-elections", "Trade Promises in Election Years", "Mei Chen",
         "In election years candidates promise jobs; elections reward simple slogans "
         "about trade, and voters listen.", pad=2),
    _doc("trade-shipping", "Shipping Costs", "Tomas Varga",
         "Container shipping costs doubled; ports are congested and supply chains strain under the embargo.", pad=2),
    # Security.
    _doc("army-standing", "A Standing Army in Peacetime", "John Carter",
         "A standing army in peacetime is expensive. Parliament should decide its size.", pad=2),
    _doc("army-budget", "Defence Budgets", "John Carter",
         "The army asks for more money; the navy and the air force too. Standing orders "
         "limit what parliament can cut.", pad=2),
    # Health and technology.
    _doc("health-hospitals", "Paying for Hospitals", "Sara Okafor",
         "Hospitals are paid by activity, which rewards volume over outcomes.", pad=2),
    _doc("health-water", "Clean Water and Public Health", "Sara Okafor",
         "Clean drinking water prevents disease; public health starts with water and sanitation.", pad=2),
    _doc("tech-platforms", "Regulating Platforms", "Ravi Iyer",
         "Platforms moderate speech at a scale no government ever has. Audits would help.", pad=2),
    _doc("tech-energy", "Energy for Data Centres", "Ravi Iyer",
         "Data centres need energy and cooling water; energy prices decide where they are built.", pad=2),
    _doc("health-budget", "Health Budgets", "Paul Dumas",
         "Hospitals are funded from a budget that grows every year, and prevention gets little.", pad=2),
    # A document made of stop words: a question full of them must not find it.
    _doc("stopwords", "What Is It All About?", "Nora Blank",
         "What is it that they were doing, and why would we have been there with them, "
         "if it was not about this or that?"),
]


def _cases() -> list[dict[str, Any]]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))["queries"]


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory):
    index_dir = tmp_path_factory.mktemp("golden") / "index"
    report = search.build_index(documents=CORPUS, index_dir=index_dir)
    assert not report.skipped
    index = search.open_index(index_dir)
    yield index
    index.close()


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["query"] + ("" if c.get("expand", True) else " (no feedback)"))
def test_golden_top_results(ix, case: dict[str, Any]) -> None:
    res = ix.search(case["query"], match=case.get("match", "all"), expand=case.get("expand", True), limit=50)
    got = [h.id for h in res.hits]
    expected = case["top"]
    if case.get("ordered", True):
        assert got[:len(expected)] == expected, case["why"]
    else:
        assert set(got[:len(expected)]) == set(expected), case["why"]
    for absent in case.get("absent", []):
        assert absent not in got, case["why"]
    scores = [h.score for h in res.hits]
    assert scores == sorted(scores, reverse=True)


def test_feedback_reorders_but_never_changes_matches(ix) -> None:
    for query, match in (("reservoir", "all"), ("water energy", "any"), ("inflation rates", "any")):
        plain = ix.search(query, match=match, expand=False, limit=100)
        expanded = ix.search(query, match=match, expand=True, limit=100)
        assert plain.total == expanded.total
        assert {h.id for h in plain.hits} == {h.id for h in expanded.hits}


QUERIES = [
    "water", "drought reservoir", "inflation rates", "elections -voters", "army OR navy",
    '"standing army"', "elect*", "title:inflation", "author:okafor water", "the of",
    "water date:2020", "reservoir -drought", "zzz", "the -water", "electoral commissions voters",
    "zz*", "author:okafor", "title:\"standing army\"", "date:2020", "drought OR zzz*", "-zzz",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("match", ["all", "any"])
def test_matches_equal_the_whoosh_query(ix, query: str, match: str) -> None:
    # Index.search computes matches from postings; they must be exactly what
    # the Whoosh query built from the same clauses matches.
    searcher = ix._searcher()
    builder = QueryBuilder(searcher.reader(), ix.ranking)
    parsed = parse_query(query)
    scorer = Scorer(searcher, ix._generation(searcher).stats)
    ours = match_documents(searcher, builder, scorer, parsed, match)
    q = builder.build(parsed, match)
    if q is None:
        assert ours is None
    else:
        assert ours == set(searcher.docs_for_query(q))


def test_block_reading_equals_the_public_posting_api(ix, monkeypatch: pytest.MonkeyPatch) -> None:
    # Postings are read block by block from the codec's matcher when it is
    # the known one; the public one-at-a-time path must give the same.
    import search.scoring as scoring

    def postings(reader, fieldname, text):
        return [p for ids, tfs in scoring.term_blocks(reader, fieldname, text) for p in zip(ids, tfs)]

    reader = ix._searcher().reader()
    terms = [("body", "water"), ("body", "drought"), ("title", "inflat"), ("author", "okafor"), ("body", "zzz")]
    fast = {t: postings(reader, *t) for t in terms}
    monkeypatch.setattr(scoring, "_raw_blocks", lambda matcher: None)
    slow = {t: postings(reader, *t) for t in terms}
    assert fast == slow
    assert fast[("body", "water")] and not fast[("body", "zzz")]


def test_several_segments_and_deletions(tmp_path: Path) -> None:
    # Documents added later live in another segment (numbered after the
    # first); deleted ones must neither match nor count.
    index_dir = tmp_path / "index"
    search.build_index(documents=CORPUS[:12], index_dir=index_dir)
    search.add_documents(index_dir, CORPUS[12:])
    search.delete_documents(index_dir, ["water-irrigation", "elect-free"])
    with search.open_index(index_dir) as index:
        res = index.search("water", match="any", limit=50)
        ids = [h.id for h in res.hits]
        assert "water-irrigation" not in ids
        assert {"health-water", "tech-energy", "water-rivers"} <= set(ids)
        assert index.search("okafor").total == 2  # elect-free was deleted
        assert [h.id for h in index.search("hospitals").hits] == ["health-hospitals", "health-budget"]
        searcher = index._searcher()
        for query in ("water", "elections OR hospitals", "-water", '"standing army"', "elect*"):
            parsed = parse_query(query)
            builder = QueryBuilder(searcher.reader(), index.ranking)
            scorer = Scorer(searcher, index._generation(searcher).stats)
            q = builder.build(parsed, "any")
            assert match_documents(searcher, builder, scorer, parsed, "any") == set(searcher.docs_for_query(q))

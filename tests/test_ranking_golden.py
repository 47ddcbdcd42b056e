"""Golden ranking tests: a small corpus written here, expected top results in a file.

The corpus is built so that each expected order follows from one property
of the ranking (title weight, IDF, length normalisation, stemming, stop
words, query repetition, feedback ...), named in ``tests/golden/ranking.json``
next to each query.  A change that breaks ranking fails here, without the
evaluation collections in ``../shared``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import search
from search.query import parse_query
from search.ranking import QueryBuilder
from search.engine import match_documents as match_mask
from search.scoring import Scorer


def match_documents(searcher, builder, scorer, parsed, match):
    """The engine's match mask as a set of document numbers (None stays None)."""
    mask = match_mask(builder, scorer, parsed, match)
    return None if mask is None else set(np.flatnonzero(mask).tolist())

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


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["query"] + (" (feedback)" if c.get("expand", False) else ""))
def test_golden_top_results(ix, case: dict[str, Any]) -> None:
    res = ix.search(case["query"], match=case.get("match", "all"), expand=case.get("expand", False), limit=50)
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
    import search.postings as scoring

    def postings(reader, fieldname, text):
        return [(int(d), float(t)) for ids, tfs in scoring.term_blocks(reader, fieldname, text)
                for d, t in zip(ids, tfs)]

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


def test_bm25f_score_computed_by_hand(tmp_path: Path) -> None:
    # Two documents; only the first has the query word.  Analysed (stop words
    # out, Snowball stems), their lengths in words are:
    #   A: title "Inflation Returns" -> inflat return               (2)
    #      body  "...rose; prices rose; inflation worries savers"   (7)
    #   B: title "Bonds for Cautious Savers" -> bond cautious saver (3)
    #      body  "Savers buy bonds when rates climb higher"        (6)
    docs = [
        {"id": "a", "title": "Inflation Returns",
         "body": "Inflation rose; prices rose; inflation worries savers"},
        {"id": "b", "title": "Bonds for Cautious Savers",
         "body": "Savers buy bonds when rates climb higher"},
    ]
    index_dir = tmp_path / "index"
    search.build_index(documents=docs, index_dir=index_dir)
    k1, b, w_title, w_body, bonus = 1.2, 0.75, 2.0, 1.0, 0.5
    ranking = search.Ranking(k1=k1, b=b, field_weights={"title": w_title, "body": w_body},
                             title_bonus=bonus)
    # Length factors 1 - b + b * length / average length:
    norm_title = 1 - b + b * 2 / ((2 + 3) / 2)        # 0.85
    norm_body = 1 - b + b * 7 / ((7 + 6) / 2)         # 1.0576923
    # Field-weighted frequency, combined before saturation (once in the
    # title, twice in the body):
    tf = w_title * 1 / norm_title + w_body * 2 / norm_body   # 4.2438503
    # Lucene's IDF with N = 2 documents, df = 1:
    idf = math.log(1 + (2 - 1 + 0.5) / (1 + 0.5))              # ln 2
    # BM25 saturation, plus the title bonus outside it:
    expected = idf * tf * (k1 + 1) / (tf + k1) + bonus * idf   # 1.535355
    assert expected == pytest.approx(1.535355, abs=1e-6)
    with search.open_index(index_dir, ranking=ranking) as index:
        hits = index.search("inflation", expand=False).hits
    assert [h.id for h in hits] == ["a"]
    assert hits[0].score == pytest.approx(expected, abs=1e-4)  # scores are shown to 4 places


def test_window_counts() -> None:
    from search.scoring import window_counts

    # "a" at 0, 5, 20; "b" at 1, 9.  Within 4 positions: a@0 (b@1), a@5
    # (b@1, b@9); a@20 has none.  Directly followed by b: a@0 only.
    assert window_counts([0, 5, 20], [1, 9], 4) == (2, 1)
    assert window_counts([0, 5, 20], [1, 9], 0) == (0, 1)
    assert window_counts([3], [], 8) == (0, 0)
    # Either order counts as near; only a then b counts as adjacent.
    assert window_counts([4], [3], 1) == (1, 0)


def test_proximity_ranks_words_together_first(tmp_path: Path) -> None:
    # Same words, same counts, same lengths: only their distance differs.
    docs = [
        {"id": "apart", "title": "Notes",
         "body": "Interest groups lobby hard. " + _PAD + "Rates of pay rose."},
        {"id": "together", "title": "Notes",
         "body": "Interest rates rose. " + _PAD + "Groups of pay lobby hard."},
    ]
    index_dir = tmp_path / "index"
    search.build_index(documents=docs, index_dir=index_dir)
    plain = search.Ranking(k1=1.2)
    near = search.Ranking(k1=1.2, proximity_weight=0.5)
    adjacent = search.Ranking(k1=1.2, phrase_weight=0.5)
    with search.open_index(index_dir, ranking=plain) as index:
        scores = {h.id: h.score for h in index.search("interest rates", expand=False).hits}
        assert scores["apart"] == scores["together"]
    for ranking in (near, adjacent):
        with search.open_index(index_dir, ranking=ranking) as index:
            hits = index.search("interest rates", expand=False).hits
            assert [h.id for h in hits] == ["together", "apart"]
            assert hits[0].score > hits[1].score
        with search.open_index(index_dir, ranking=ranking) as index:
            # One word: no pair, nothing changes.
            assert len({h.score for h in index.search("interest", expand=False).hits}) == 1


# A small corpus shaped like the Federalist essays on `judiciary` (issue 9):
# essays on the separation of powers say "judiciary" again and again, while
# one of the essays titled after it never uses the word in its body.
FEDERALIST_LIKE = [
    _doc("separation", "The Particular Structure of the New Government", "Publius",
         "The legislative, executive and judiciary departments must be kept apart. "
         "Where the judiciary is joined to the legislative, liberty is lost; where the judiciary "
         "is joined to the executive, the judge may become an oppressor. The judiciary, "
         "the executive and the legislative each check the others.", pad=6),
    _doc("departments", "These Departments Should Not Be So Far Separated", "Publius",
         "A mere parchment line between the departments will not hold. The judiciary and the "
         "executive are weaker than the legislative, and the judiciary is the weakest.", pad=6),
    _doc("duration", "The Duration in Office of the Executive", "Publius",
         "A firm executive needs time in office; the judiciary offers a comparison.", pad=6),
    _doc("judiciary-department", "The Judiciary Department", "Publius",
         "Judges should hold their offices during good behaviour. The judiciary has neither "
         "force nor will, but merely judgment.", pad=6),
    _doc("judiciary-continued", "The Judiciary Continued", "Publius",
         "Next to permanency in office, nothing contributes more to the independence of the "
         "judges than a fixed provision for their support.", pad=6),
    _doc("senate", "The Senate as a Court", "Publius",
         "The Senate tries impeachments; some say it mixes powers.", pad=6),
]


def test_titles_naming_the_subject_rank_first(tmp_path: Path) -> None:
    # `judiciary` on the Federalist essays ranked "No. 79: The Judiciary
    # Continued" 11th: its body says "judges", never "judiciary", and in
    # BM25F a title occurrence only adds to a frequency that long bodies
    # saturate anyway.  With the default's title weight (3, the held-out
    # choice) both essays named after the subject come first here (on the
    # real essays No. 79 moves from 11th to 7th).
    index_dir = tmp_path / "index"
    search.build_index(documents=FEDERALIST_LIKE, index_dir=index_dir)
    with search.open_index(index_dir) as index:
        got = [h.id for h in index.search("judiciary").hits]
        assert set(got[:2]) == {"judiciary-department", "judiciary-continued"}
        assert "senate" not in got
    # With the old title weight of 2 the essay that names the subject only
    # in its title fell behind the one that repeats it in its body.
    weights = {**search.DEFAULT_RANKING.field_weights, "title": 2.0}
    old = dataclasses.replace(search.DEFAULT_RANKING, field_weights=weights)
    with search.open_index(index_dir, ranking=old) as index:
        got = [h.id for h in index.search("judiciary").hits]
        assert got.index("judiciary-continued") >= 2

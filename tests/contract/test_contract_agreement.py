"""Both backends, one corpus: the same totals, facets, filters and pages; the obvious best first.

``test_golden_queries_put_the_obvious_document_first`` runs on each backend
like the rest of the suite.  ``test_whoosh_and_solr_agree_exactly`` indexes
the main contract corpus into a Whoosh folder *and* into the session
cluster's collection, and compares the two answers to a grid of queries,
filters, sorts and pages field by field.  Rankings may differ between the
backends (Solr's BM25 is not ours), so relevance-sorted pages are compared as
sets of ids over all pages; date-sorted pages must agree in order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from solrkit import empty_collection, location_url, require_solr_backend

import search
from corpus import SEED, hit_ids


@pytest.mark.parametrize("query, best", [
    ("offsets", "climate-2023.txt"),                        # a title word
    ('"standing army"', "security-2010.txt"),               # a phrase
    ("carbon tax dividend", "climate-2020.txt"),
    ("drone strikes accountability", "security-2012.txt"),
    ("hospitals paid by activity", "health-2015.txt"),
    ("transparent trustworthy elections", SEED.name),
    ("platypus", "long.txt"),                               # one word deep in a long text
    ("author:carter army", "security-2010.txt"),
])
def test_golden_queries_put_the_obvious_document_first(ix: search.Index, query: str, best: str) -> None:
    assert hit_ids(ix.search(query))[:1] == [best]


# A grid of what users ask: every query with every filter set, both date sorts.
QUERIES = ["", "elections", "voters", "policy", "carbon drones", "hospitals OR platforms", "-elections",
           '"standing army"', "author:chen", "date:[2015 TO *]", "regulat*", "tax", "free elections"]
FILTER_SETS: list[dict[str, Any]] = [
    {},
    {"author": ["Anna Berg"]},
    {"author": ["Mei Chen", "John Carter"]},
    {"source": ["Climate Weekly"], "since": "2021"},
    {"since": "2010", "until": "2019-11"},
    {"tag": ["elections"]},
    {"affiliation": ["Visiting scholar at Lund University"]},
]


def facets_of(results: search.SearchResults) -> dict[str, list[tuple[Any, ...]]]:
    """Every facet as sorted (value, count, selected, adds) rows."""
    return {name: sorted((f.value, f.count, f.selected, f.adds) for f in values)
            for name, values in results.facets.items()}


def summary(results: search.SearchResults) -> dict[str, Any]:
    """What must agree exactly between backends for one results page."""
    return {"total": results.total, "pages": results.pages, "match": results.match, "notice": results.notice,
            "filters": results.filters, "facets": facets_of(results), "suggestion": results.suggestion}


@pytest.fixture(scope="module")
def both(searching_corpus: Path, tmp_path_factory: pytest.TempPathFactory,
         request: pytest.FixtureRequest) -> Iterator[tuple[search.Index, search.Index]]:
    """The main corpus in a Whoosh folder and in the cluster's collection, both open."""
    cluster = request.getfixturevalue("solr_cluster")
    folder = tmp_path_factory.mktemp("agreement") / "index"
    assert not search.build_index([searching_corpus], index_dir=folder).skipped
    require_solr_backend(cluster.location)  # and empties the collection
    assert not search.build_index([searching_corpus], index_dir=cluster.location).skipped
    with search.open_index(folder) as whoosh, search.open_index(cluster.location) as solr:
        yield whoosh, solr
    empty_collection(location_url(cluster.location))  # the collection is shared: leave it clean


@pytest.mark.cluster
@pytest.mark.parametrize("filters", FILTER_SETS, ids=lambda f: ",".join(f) or "none")
def test_whoosh_and_solr_agree_exactly(both: tuple[search.Index, search.Index], filters: dict[str, Any]) -> None:
    whoosh, solr = both
    for query in QUERIES:
        for sort in ("relevance", "newest", "oldest"):
            pages = []
            for ix in (whoosh, solr):
                first = ix.search(query, sort=sort, limit=4, **filters)
                ids = [hit_ids(ix.search(query, sort=sort, limit=4, page=page, **filters))
                       for page in range(1, first.pages + 1)]
                pages.append((summary(first), ids))
            (w_summary, w_ids), (s_summary, s_ids) = pages
            where = f"query {query!r}, sort {sort}, filters {filters}"
            assert s_summary == w_summary, where
            if sort == "relevance":
                assert sorted(sum(s_ids, [])) == sorted(sum(w_ids, [])), where
            else:
                assert s_ids == w_ids, where

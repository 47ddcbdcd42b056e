"""More names than a facet shows: filters still find every stored value, on every backend.

A facet lists the top 50 values; a filter must find any value the index
holds.  The 10,000-document benchmark (docs/benchmarks.md) found author
filters answering nothing on Solr for authors outside the top of the list.
"""

from __future__ import annotations

from typing import Iterator

import pytest
from backends import Backend

import search

AUTHORS = [f"Writer Number{i:03d}" for i in range(80)]
# Author i wrote 80 - i pieces' worth of weight: the later ones are rare.
DOCS = [{"id": f"doc-{i}-{j}", "title": f"Essay {i} {j}", "authors": [AUTHORS[i]], "source": f"Press {i}",
         "date": f"{2000 + i % 20}-01-01", "body": f"Budgets and tariffs, essay {j} by writer {i}."}
        for i in range(80) for j in range(1 + (79 - i) // 20)]


@pytest.fixture(scope="module")
def many(backend: Backend) -> Iterator[search.Index]:
    backend.fresh()
    assert search.build_index(documents=DOCS, index_dir=backend.location).added == len(DOCS)
    yield backend.open()
    backend.empty()


@pytest.mark.parametrize("author", [AUTHORS[0], AUTHORS[60], AUTHORS[79]])
def test_a_filter_finds_a_value_outside_the_facets_top(many: search.Index, author: str) -> None:
    expected = sum(1 for doc in DOCS if doc["authors"] == [author])
    res = many.search("budgets", author=author)
    assert res.total == expected and res.notice is None
    assert {h.author for h in res.hits} == {author}
    assert many.search("", source=f"Press {AUTHORS.index(author)}").total == expected


def test_facet_values_list_every_value(many: search.Index) -> None:
    assert len(many.facet_values("author")) == len(AUTHORS) == many.stats()["authors"]
    assert len(many.search("").facets["author"]) == 50  # the facet itself shows the top 50

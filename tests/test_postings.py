"""The generation's arrays (search/postings.py, search/facets.py) against Whoosh's public API.

An index with several segments and deletions: the array fast path must give
exactly what Whoosh's one-posting-at-a-time interface gives, deletions left
out, and the facet counts what a plain count over stored values gives.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import search
from search.facets import FacetTable
from search.postings import Columns, _raw_blocks, _unfiltered
from search.schema import TEXT_FIELDS

from test_ranking_golden import CORPUS


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("postings") / "index"
    docs = [dict(d) for d in CORPUS] + [
        # Several authors and tags: facets with more than one value per document.
        {"id": f"multi-{i}", "title": f"Water and Power, Part {i}", "authors": ["Lena Fischer", "Ravi Menon"][: 1 + i % 2],
         "body": "Reservoirs, hydropower and the water bill. " * (1 + i), "tags": ["water", "energy"][: 1 + i % 2],
         "date": f"20{10 + i}-0{1 + i % 9}-15", "source": "Golden Review"}
        for i in range(6)
    ]
    half = len(docs) // 2
    search.build_index(documents=docs[:half], index_dir=root)
    search.add_documents(root, docs[half:])
    # Deletions in both segments: the old fast path gave up on such segments.
    search.delete_documents(root, [docs[0]["id"], docs[half + 1]["id"]])
    return root


def _public(reader, fieldname: str, text: str) -> list[tuple[int, float]]:
    found = []
    for leaf, base in reader.leaf_readers():
        if (fieldname, text) in leaf:
            matcher = leaf.postings(fieldname, text)
            while matcher.is_active():
                found.append((base + matcher.id(), matcher.weight()))
                matcher.next()
    return found


def test_postings_equal_the_public_api_after_deletions(index_dir: Path) -> None:
    with search.open_index(index_dir) as ix:
        searcher = ix._searcher()
        reader = searcher.reader()
        assert reader.has_deletions()
        columns = Columns(searcher, ix.ranking.b)
        terms = [(f, t.decode() if isinstance(t, bytes) else t) for f in ("body", "title", "author")
                 for t in list(reader.lexicon(f))[:60]]
        assert len(terms) > 100
        deleted_segment_reads = 0
        for fieldname, text in terms:
            ids, tfs = columns.postings(reader, fieldname, text)
            assert list(zip(ids.tolist(), tfs.tolist())) == _public(reader, fieldname, text), (fieldname, text)
            for leaf, _ in reader.leaf_readers():
                if (fieldname, text) in leaf and leaf.has_deletions():
                    # The codec's block reader is used under the deletion filter.
                    assert _raw_blocks(_unfiltered(leaf.postings(fieldname, text))) is not None
                    deleted_segment_reads += 1
        assert deleted_segment_reads
        assert columns.live.sum() == reader.doc_count() == columns.live_count
        assert not any(columns.live[d] for d in range(reader.doc_count_all()) if reader.is_deleted(d))


def test_norms_and_dates_equal_the_one_document_reads(index_dir: Path) -> None:
    with search.open_index(index_dir) as ix:
        searcher = ix._searcher()
        reader = searcher.reader()
        b = ix.ranking.b
        columns = Columns(searcher, b)
        dates = reader.column_reader("dateord")
        for name in TEXT_FIELDS:
            avg = searcher.avg_field_length(name) or 1.0
            expected = [max((1.0 - b) + b * (reader.doc_field_length(d, name, 0) or 0) / avg, 1e-6)
                        for d in range(reader.doc_count_all())]
            assert columns.norms[name].tolist() == expected, name
        assert columns.dates.tolist() == [dates[d] for d in range(reader.doc_count_all())]


def test_facet_counts_equal_a_count_of_stored_values(index_dir: Path) -> None:
    with search.open_index(index_dir) as ix:
        searcher = ix._searcher()
        reader = searcher.reader()
        table = FacetTable.read(reader, Columns(searcher, ix.ranking.b))
        live = list(reader.all_doc_ids())
        picked = live[::2]
        authors: Counter[str] = Counter()
        for docnum in picked:
            authors.update(set(searcher.stored_fields(docnum).get("authors") or ()))
        mask = np.zeros(reader.doc_count_all(), dtype=bool)
        mask[picked] = True
        counted = {v.value: v.count for v in table.count(mask, limit=10**6)["author"]}
        assert counted == dict(authors)
        assert table.count(picked, limit=10**6) == table.count(mask, limit=10**6)
        # Most frequent first, then by value.
        listed = [(v.count, v.value) for v in table.count(mask)["author"]]
        assert listed == sorted(listed, key=lambda cv: (-cv[0], cv[1]))

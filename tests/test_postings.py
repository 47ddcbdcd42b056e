"""The generation's arrays (search/postings.py, search/facets.py) against Whoosh's public API.

An index with several segments and deletions: the array fast path must give
exactly what Whoosh's one-posting-at-a-time interface gives, deletions left
out, and the facet counts what a plain count over stored values gives.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

import search
from search.facets import FacetTable
from search import postings
from search.postings import Columns, _Bounded, _raw_blocks, _unfiltered, decode_positions, leaf_positions, read_positions
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


def _terms(reader, fields: tuple[str, ...], first: int | None) -> list[tuple[str, str]]:
    """The first terms of each field's lexicon, as (field, text); over 100 of them."""
    terms = [(f, t.decode() if isinstance(t, bytes) else t) for f in fields for t in list(reader.lexicon(f))[:first]]
    assert len(terms) > 100
    return terms


@contextmanager
def _columns_after_deletions(index_dir: Path) -> Iterator[tuple[Any, Columns]]:
    """The open index's reader (which has deletions) and a fresh ``Columns`` over it."""
    with search.open_index(index_dir) as ix:
        searcher = ix._searcher()
        reader = searcher.reader()
        assert reader.has_deletions()
        yield reader, Columns(searcher, ix.ranking.b)


def test_postings_equal_the_public_api_after_deletions(index_dir: Path) -> None:
    with _columns_after_deletions(index_dir) as (reader, columns):
        terms = _terms(reader, ("body", "title", "author"), 60)
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


def _public_positions(reader, fieldname: str, text: str) -> list[tuple[int, list[int]]]:
    found = []
    for leaf, base in reader.leaf_readers():
        if (fieldname, text) in leaf:
            matcher = leaf.postings(fieldname, text)
            while matcher.is_active():
                found.append((base + matcher.id(), list(matcher.value_as("positions"))))
                matcher.next()
    return found


def _as_lists(found) -> list[tuple[int, list[int]]]:
    ids, starts, flat = found
    return [(d, flat[starts[i]:starts[i + 1]].tolist()) for i, d in enumerate(ids.tolist())]


def test_positions_equal_the_public_api_after_deletions(index_dir: Path) -> None:
    with _columns_after_deletions(index_dir) as (reader, columns):
        terms = _terms(reader, ("body", "title"), 80)
        everyone = np.flatnonzero(columns.live)
        for fieldname, text in terms:
            # Empty for a term of deleted documents only.
            expected = _public_positions(reader, fieldname, text)
            assert _as_lists(columns.positions(reader, fieldname, text)) == expected, (fieldname, text)
            # Read for some documents only (the path of a term much longer
            # than a phrase's candidates): those documents' positions.
            some = everyone[::3]
            wanted = set(some.tolist())
            part = read_positions(reader, fieldname, text, columns.live, some)
            assert _as_lists(part) == [(d, p) for d, p in expected if d in wanted], (fieldname, text)


def test_the_positions_cache_stays_within_its_bound(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with search.open_index(index_dir) as ix:
        searcher = ix._searcher()
        reader = searcher.reader()
        terms = [t for _, t in _terms(reader, ("body",), None)]
        alone = Columns(searcher, ix.ranking.b)
        sizes = {t: _Bounded.cost(alone.positions(reader, "body", t)) for t in terms}
        limit = sum(sorted(sizes.values())[-12:])  # room for about a dozen of the largest
        monkeypatch.setattr(postings, "POSITIONS_CACHE_BYTES", limit)
        columns = Columns(searcher, ix.ranking.b)
        for _ in range(2):
            for term in terms:
                assert _as_lists(columns.positions(reader, "body", term)) == _as_lists(
                    alone.positions(reader, "body", term)), term
                assert columns._positions.used <= limit
        kept = columns._positions._items
        assert 0 < len(kept) < len(terms)
        assert columns._positions.used == sum(_Bounded.cost(v) for v in kept.values())
        # Least recently used out first: the last terms read are the ones kept.
        assert list(kept) == [("body", t) for t in terms[-len(kept):]]
        # An entry over a quarter of the bound is read but never kept.
        small = _Bounded(4 * min(sizes.values()))
        big = max(terms, key=sizes.__getitem__)
        small.put(("body", big), alone.positions(reader, "body", big))
        assert small.used == 0 and small.get(("body", big)) is None


def test_positions_decode_as_whoosh_decodes_them() -> None:
    # Gaps of one, two and four bytes, runs parsed with numpy and runs long
    # enough to be unpickled (over 64 positions; over 1,000 pickle batches
    # them), with and without the pickle's final STOP (the codec drops it).
    from whoosh.formats import Positions

    rng = np.random.default_rng(5)
    runs = [[3], [0], [1, 5, 900], [2, 70_000, 70_001], [255, 256, 65_535, 65_536, 2**31 - 5],
            list(range(64)), list(range(65)), list(range(0, 3_000, 3))]
    runs += [sorted(set(rng.integers(0, 5_000, size=int(n)).tolist())) for n in rng.integers(1, 90, size=200)]
    fmt = Positions()
    values = [fmt.encode(r) for r in runs]
    values = [v[:-1] if i % 2 and v.endswith(b".") else v for i, v in enumerate(values)]
    starts, flat = decode_positions(values)
    assert [flat[starts[i]:starts[i + 1]].tolist() for i in range(len(runs))] == runs
    assert [fmt.decode_positions(v) for v in values] == runs


def test_positions_decode_in_slices_as_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    # A long sequence is decoded a slice at a time to bound memory: run starts
    # must continue across slices, including runs that are unpickled.
    from whoosh.formats import Positions

    import search.postings as postings

    rng = np.random.default_rng(11)
    runs = [sorted(set(rng.integers(0, 9_000, size=int(n)).tolist())) for n in rng.integers(1, 120, size=57)]
    values = [Positions().encode(r) for r in runs]
    monkeypatch.setattr(postings, "_DECODE_SLICE", 5)
    starts, flat = decode_positions(values)
    assert len(starts) == len(runs) + 1
    assert [flat[starts[i]:starts[i + 1]].tolist() for i in range(len(runs))] == runs


@pytest.mark.parametrize("fmt_name", ["Positions", "Characters"])
def test_positions_through_the_public_matcher_api(fmt_name: str) -> None:
    # A matcher that is not the codec's block reader (another codec) is read
    # one posting at a time; a format other than plain Positions is decoded
    # by itself.  Same positions, for all documents or some.
    from whoosh import formats
    from whoosh.matching import ListMatcher

    fmt = getattr(formats, fmt_name)()
    runs = {1: [0, 4], 5: [2], 9: [1, 300, 70_000], 12: [7, 8]}
    if fmt_name == "Characters":  # (position, start char, end char)
        values = [fmt.encode([(p, p * 5, p * 5 + 4) for p in r]) for r in runs.values()]
    else:
        values = [fmt.encode(r) for r in runs.values()]

    def read(within):
        ids, encoded = [], []
        for block_ids, block_values in leaf_positions(ListMatcher(list(runs), values=values), fmt, within):
            ids += block_ids.tolist()
            encoded += block_values
        starts, flat = decode_positions(encoded)
        return {d: flat[starts[i]:starts[i + 1]].tolist() for i, d in enumerate(ids)}

    assert read(None) == runs
    assert read(np.array([0, 5, 6, 12, 40])) == {5: runs[5], 12: runs[12]}


def test_a_stream_hands_out_each_range_once_and_joins_to_the_whole(tmp_path: Path) -> None:
    # A term read range by range (all documents, or some) gives the same
    # positions as read in one go, each document once, none of another range.
    from search.postings import PositionStream, join_positions

    docs = [{"id": str(i), "title": "T", "body": " ".join(["and war"] * (1 + i % 4) + ["peace"] * (i % 3))}
            for i in range(400)]
    search.build_index(documents=docs, index_dir=tmp_path / "ix")
    search.delete_documents(tmp_path / "ix", ["5", "130", "131"])
    with search.open_index(tmp_path / "ix") as index:
        reader = index._searcher().reader()
        live = postings.live_mask(reader, reader.doc_count_all())
        for term in ("war", " removed and", "peac"):
            whole = read_positions(reader, "body", term, live)
            for within in (None, whole[0][::3].astype(np.int64)):
                stream = PositionStream(reader, "body", term, live, within)
                parts = [stream.upto(end) for end in (0, 1, 57, 58, 200, 333)]
                parts.append(stream.upto(reader.doc_count_all()))
                for part, (low, high) in zip(parts, [(0, 0), (0, 1), (1, 57), (57, 58), (58, 200), (200, 333), (333, 10**9)]):
                    assert ((part[0] >= low) & (part[0] < high)).all()
                joined = join_positions(parts)
                expected = whole if within is None else read_positions(reader, "body", term, live, within)
                assert _as_lists(joined) == _as_lists(expected), term
                assert joined[0].size == (whole[0].size if within is None else within.size)


def test_the_size_estimate_of_a_term_read_whole(tmp_path: Path) -> None:
    # Every document has "and" three times: the estimate is exact.
    docs = [{"id": str(i), "title": "T", "body": f"war and peace and word{i} and more"} for i in range(300)]
    search.build_index(documents=docs, index_dir=tmp_path / "ix")
    with search.open_index(tmp_path / "ix") as index:
        reader = index._searcher().reader()
        live = postings.live_mask(reader, reader.doc_count_all())
        ids, starts, flat = read_positions(reader, "body", " removed and", live)
        assert postings.estimated_bytes(reader, "body", " removed and") == ids.size * 12 + flat.size * 4
        assert postings.estimated_bytes(reader, "body", "nowhere") == 0

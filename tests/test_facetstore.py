"""Facet ordinals kept on disk per generation (issue 7, fresh process).

The file must be used when it matches (a fresh open reads no facet
postings), ignored when it does not (after adds and deletes, a stale or a
damaged file), and an index in a read-only folder must search as before.
Facets are always checked against the stored documents themselves.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pytest

import search
from search import facets as facets_module
from search.facetstore import facet_path
from search.storage import committed_generation

from corpus import write_corpus
from needs import remount_read_only


def _facet_files(index_dir: Path) -> list[str]:
    return sorted(name for name in os.listdir(index_dir) if name.startswith("facets-"))


def _expected(index_dir: Path) -> dict[str, Counter[str]]:
    """Author, affiliation, source and tag counts over every document, from the stored documents."""
    counts: dict[str, Counter[str]] = {"author": Counter(), "affiliation": Counter(),
                                       "source": Counter(), "tag": Counter()}
    with search.open_index(index_dir) as ix:
        found = ix.search("", limit=search.MAX_LIMIT, snippets=False)
        assert found.total == len(found.hits)
        for hit in found.hits:
            doc = ix.get(hit.id)
            assert doc is not None
            counts["author"].update(set(doc.authors))
            counts["tag"].update(set(doc.tags))
            for name, value in (("affiliation", doc.affiliation), ("source", doc.source)):
                if value:
                    counts[name][value] += 1
    return counts


def _facets(index_dir: Path, query: str = "") -> dict[str, Any]:
    with search.open_index(index_dir) as ix:
        return ix.search(query, limit=search.MAX_LIMIT).facets


def _as_counters(facets: dict[str, Any]) -> dict[str, Counter[str]]:
    return {name: Counter({v.value: v.count for v in facets[name]})
            for name in ("author", "affiliation", "source", "tag")}


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    target = tmp_path / "index"
    search.build_index([write_corpus(tmp_path / "docs")], index_dir=target)
    return target


@pytest.fixture
def no_posting_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Make reading a facet table from the postings fail loudly (it must not happen)."""
    calls: list[str] = []

    def refuse(cls: Any, reader: Any, columns: Any) -> Any:
        calls.append("read")
        raise AssertionError("facet postings were read")

    monkeypatch.setattr(facets_module.FacetTable, "read", classmethod(refuse))
    yield calls


def test_the_build_writes_the_file_of_its_generation(index_dir: Path) -> None:
    assert _facet_files(index_dir) == [facet_path(index_dir, committed_generation(index_dir)).name]


def test_a_fresh_open_reads_no_facet_postings(index_dir: Path, no_posting_reads: list[str]) -> None:
    facets = _facets(index_dir)
    assert no_posting_reads == []
    assert _as_counters(facets) == _expected(index_dir)


def test_the_file_gives_the_same_facets_as_the_postings(index_dir: Path) -> None:
    queries = ["", "elections", "hospitals OR drones", "accountability"]
    from_file = [_facets(index_dir, q) for q in queries]
    os.remove(facet_path(index_dir, committed_generation(index_dir)))
    assert [_facets(index_dir, q) for q in queries] == from_file
    # ... and the reader that computed them kept them for the next process.
    assert _facet_files(index_dir) == [facet_path(index_dir, committed_generation(index_dir)).name]


def test_adds_and_deletes_give_a_new_file_and_exact_facets(index_dir: Path) -> None:
    before = committed_generation(index_dir)
    search.add_documents(index_dir, [
        {"id": "new-1", "title": "Fresh Elections", "authors": ["Zed Newcomer", "John Carter"],
         "affiliation": "New Institute", "source": "New Paper", "date": "2024-05-01",
         "tags": ["elections", "fresh"], "body": "Elections again, with a new author."},
    ])
    search.delete_documents(index_dir, ["health-2015.txt"])
    generation = committed_generation(index_dir)
    assert generation > before
    assert _facet_files(index_dir) == [facet_path(index_dir, generation).name]
    expected = _expected(index_dir)
    assert expected["author"]["Zed Newcomer"] == 1 and "Sara Okafor" not in expected["author"]
    assert _as_counters(_facets(index_dir)) == expected


def test_a_stale_file_under_the_new_name_is_ignored(tmp_path: Path) -> None:
    docs, index_dir = write_corpus(tmp_path / "docs"), tmp_path / "index"
    search.build_index([docs], index_dir=index_dir)
    old = facet_path(index_dir, committed_generation(index_dir)).read_bytes()
    # The same number of documents, one author renamed: only the key tells the tables apart.
    renamed = docs / "tech-2018.txt"
    renamed.write_text(renamed.read_text(encoding="utf-8").replace("Ravi Iyer", "Ravi Renamed"), encoding="utf-8")
    search.build_index([docs], index_dir=index_dir, rebuild=True)
    # The old generation's table posing as the new one's (say, copied by hand).
    facet_path(index_dir, committed_generation(index_dir)).write_bytes(old)
    expected = _expected(index_dir)
    assert expected["author"]["Ravi Renamed"] == 1 and "Ravi Iyer" not in expected["author"]
    assert _as_counters(_facets(index_dir)) == expected


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty", "garbage"])
def test_a_damaged_file_is_recomputed(index_dir: Path, damage: str) -> None:
    path = facet_path(index_dir, committed_generation(index_dir))
    good = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "flipped":
        # A byte in the middle of the arrays: the zip CRC catches it.
        middle = len(good) // 2
        path.write_bytes(good[:middle] + bytes([good[middle] ^ 0xFF]) + good[middle + 1:])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.write_bytes(b"PK\x03\x04 not really a zip file")
    assert _as_counters(_facets(index_dir)) == _expected(index_dir)
    assert path.read_bytes() == good  # the reader wrote it again


def test_a_read_only_index_without_the_file_searches_as_before(small_disk: Path, tmp_path: Path) -> None:
    index_dir = small_disk / "index"
    search.build_index([write_corpus(tmp_path / "docs")], index_dir=index_dir)
    reference = _facets(index_dir, "elections")
    os.remove(facet_path(index_dir, committed_generation(index_dir)))  # as an older build left it
    remount_read_only(small_disk)
    assert _facets(index_dir, "elections") == reference
    assert _facet_files(index_dir) == []

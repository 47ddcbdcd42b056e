"""``search.SearchError`` is the root of every error the public API raises.

Each public entry point is driven with hostile arguments and against a
damaged index; whatever it does, nothing but a ``SearchError`` subclass may
come out (issue 8: "map lower-level exceptions at the boundary").
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

import search

from corpus import write_corpus

HOSTILE_TEXT = ["", "\ud800", "a\udc80b", "\x00", "x" * 100_000, '"' * 1001, "\x1b]0;owned\x07", "*:*"]
NOT_TEXT: list[Any] = [None, 5, 2.5, math.nan, b"bytes", ["list"], {"a": 1}, object()]


def outcome(call: Callable[[], Any]) -> str:
    """'ok' or the name of the SearchError raised; fails the test on any other exception."""
    try:
        call()
    except search.SearchError as exc:
        assert str(exc), "a SearchError must say what happened"
        return type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{type(exc).__name__} escaped the API: {exc!r:.300}")
    return "ok"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("boundary")
    corpus = write_corpus(root / "docs")
    search.build_index([corpus], index_dir=root / "index")
    return root


def _damaged_copies(built: Path, tmp_path: Path) -> list[Path]:
    """Copies of the index with one kind of segment file overwritten half-way."""
    copies = []
    for pattern in ("*.trm", "*.pst", "*._stored.col", "*.dateord.col", "*.toc"):
        copy = tmp_path / f"damaged-{pattern.strip('*.')}"
        shutil.copytree(built / "index", copy)
        for path in copy.glob(pattern):
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2] + b"\xff\x00garbage" * 8)
        copies.append(copy)
    return copies


def test_path_arguments(built: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("not a folder")
    for bad in [5, None, b"bytes", "a\x00b", a_file, a_file / "below", object()]:
        outcome(lambda: search.open_index(bad) if bad is not None else None)
        outcome(lambda: search.index_exists(bad))
        outcome(lambda: search.build_index(documents=[{"id": "x"}], index_dir=bad))
        outcome(lambda: search.add_documents(bad, [{"id": "x"}]))
        outcome(lambda: search.delete_documents(bad, ["x"]))
        if bad is not None:  # None means the default folder, ./seeds
            outcome(lambda: search.build_index([bad], index_dir=tmp_path / "ix"))
            outcome(lambda: search.build_index(bad, index_dir=tmp_path / "ix"))
        outcome(lambda: search.read_document(bad, tmp_path))
    assert outcome(lambda: search.build_index(documents=[], index_dir=a_file)) == "IndexWriteError"
    assert outcome(lambda: search.open_index(5)) == "SearchError"


def test_build_arguments(built: Path, tmp_path: Path) -> None:
    target = tmp_path / "ix"
    for documents in [5, "abc", b"abc", [5], [None], [{"id": object()}], [{"id": "x", "extra": 5}],
                      [{"id": "x", "date": object()}], [{"id": "x", "body": b"bytes"}], [{1: 2}],
                      [search.Document(id=None)], [search.Document(id="x", tags=5)]]:  # type: ignore[arg-type]
        outcome(lambda: search.build_index(documents=documents, index_dir=target))
        outcome(lambda: search.add_documents(target, documents))
    for ids in [5, None, [None], [object()], b"x", [["x"]]]:
        outcome(lambda: search.delete_documents(target, ids))
    for wait in ["x", -1, math.nan, None, [1]]:
        assert outcome(lambda: search.build_index(documents=[], index_dir=target, wait=wait)) == "SearchError"
    assert outcome(lambda: search.build_index(documents=[], index_dir=target, progress=5)) == "SearchError"
    assert outcome(lambda: search.build_index([built / "docs"], index_dir=target, documents=[])) == "SearchError"


def test_document_constructors() -> None:
    for data in [5, None, "x", [], {"id": ""}, {"id": "x", "authors": [1]}, {"id": "x", "extra": [1]}]:
        assert outcome(lambda: search.Document.from_mapping(data)) == "DocumentError"  # type: ignore[arg-type]
    loop: list[Any] = []
    loop.append(loop)
    assert outcome(lambda: search.Document(id="x", extra={"loop": loop}).content_hash()) == "DocumentError"
    assert outcome(lambda: search.Document(id="\ud800", title="\udc00").content_hash()) == "ok"


def test_index_methods_with_hostile_arguments(built: Path) -> None:
    with search.open_index(built / "index") as ix:
        for value in HOSTILE_TEXT + NOT_TEXT:
            outcome(lambda: ix.search(value))
            outcome(lambda: ix.get(value))
            outcome(lambda: ix.get_text(value))
            outcome(lambda: ix.more_like(value))
            outcome(lambda: ix.highlight(value, "elections"))
            outcome(lambda: ix.highlight("free elections", value))
            outcome(lambda: ix.match_spans(value, value))
            outcome(lambda: ix.facet_values(value))
        for limit in [0, -1, math.inf, math.nan, "five", 10**12, [5]]:
            assert outcome(lambda: ix.more_like("elections-2021.txt", limit=limit)) == "QueryError"
        assert ix.get("a\udc80b") is None and ix.more_like("\ud800") == []
        assert ix.highlight("caf\ud800 elections", "elections\udc00") == "caf\ufffd <mark>elections</mark>"
    assert outcome(lambda: search.open_index(built / "index", ranking=5)) == "QueryError"  # type: ignore[arg-type]


def test_a_damaged_index_raises_only_search_errors(built: Path, tmp_path: Path) -> None:
    outcomes = set()
    for copy in _damaged_copies(built, tmp_path):
        try:
            ix = search.open_index(copy)
        except search.IndexCorruptError:
            outcomes.add("IndexCorruptError")
            continue
        with ix:
            # (Whoosh retries a segment it cannot open for half a second: few calls.)
            for call in (lambda: ix.search("goverment elections"), lambda: ix.search("", sort="oldest"),
                         lambda: ix.get("elections-2021.txt"), lambda: ix.more_like("elections-2021.txt"),
                         lambda: ix.stats()):
                outcomes.add(outcome(call))
        outcomes.add(outcome(lambda: search.build_index([built / "docs"], index_dir=copy)))
        outcomes.add(outcome(lambda: search.add_documents(copy, [{"id": "new", "body": "text"}])))
        # A rebuild is the way out of any of these.
        assert outcome(lambda: search.build_index([built / "docs"], index_dir=copy, rebuild=True)) == "ok"
        with search.open_index(copy) as ix:
            assert ix.search("elections").total > 0
    # The damage was seen (not every reading of a damaged file succeeds by luck).
    assert "IndexCorruptError" in outcomes


def test_option_checks() -> None:
    for value in HOSTILE_TEXT + NOT_TEXT + [math.inf, True, -1, "2023-13-45", "9999-99", "0000"]:
        for name in ("author", "since", "until", "page", "limit", "sort", "match"):
            outcome(lambda: search.check_options(**{name: value}))
        assert outcome(lambda: search.date_bounds(value)) == "QueryError"
    assert search.date_bounds("2024-02") == ("2024-02-01", "2024-02-29")

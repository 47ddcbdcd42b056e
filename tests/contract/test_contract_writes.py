"""Writing over every backend: an empty index, incremental builds, adding and deleting.

Each test starts from an empty location of its backend (``backend.fresh()``).
The assertions come from tests/test_indexing.py and tests/test_searching.py;
the Whoosh-only parts of those (locks, killed builds, files on disk, schema
versions) stay there.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterator

import pytest
from backends import Backend

import search
from corpus import DOCS, plain_text, write_corpus


@pytest.fixture(scope="module", autouse=True)
def leave_empty(backend: Backend) -> Iterator[None]:
    """Each test empties its location first; the last leaves it empty for the next module."""
    yield
    backend.empty()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "docs")


def ids(index: search.Index) -> set[str]:
    return {h.id for h in index.search("", limit=1000).hits}


def test_an_index_without_documents_answers_every_search(backend: Backend, tmp_path: Path) -> None:
    backend.fresh()
    (tmp_path / "docs").mkdir()
    backend.build([tmp_path / "docs"])
    index = backend.open()
    for res in (index.search(""), index.search("anything"), index.search("x", author="Nobody", since="2020")):
        assert res.total == 0 and res.hits == [] and res.suggestion is None
        assert all(values == [] for values in res.facets.values())
    assert index.facet_values("author") == []


def test_incremental_add_update_remove_unchanged(backend: Backend, corpus: Path) -> None:
    backend.fresh()
    first = backend.build([corpus])
    total = len(DOCS) + 2
    assert (first.added, first.updated, first.removed) == (total, 0, 0)

    again = backend.build([corpus])
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, total)
    assert not again.changed

    (corpus / "new.txt").write_text(plain_text("Brand New", "New Author", "2024-01-01", ["Lab"], ["Fresh words here."], "News"))
    changed = corpus / "tech-2018.txt"
    changed.write_text(changed.read_text().replace("audits would be better", "audits are overdue"))
    (corpus / "security-2012.txt").unlink()
    report = backend.build([corpus])
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, total - 2)
    ix = backend.open()
    assert "security-2012.txt" not in ids(ix) and len(ids(ix)) == total
    assert ix.search("overdue").hits[0].id == "tech-2018.txt"
    assert ix.search("audits better").total == 0 or ix.search("audits better").match == "any"
    assert ix.search("fresh").hits[0].id == "new.txt"


def test_touched_but_unchanged_file_is_not_rewritten(backend: Backend, corpus: Path) -> None:
    backend.fresh()
    backend.build([corpus])
    path = corpus / "climate-2020.txt"
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    report = backend.build([corpus])
    assert report.updated == 0 and report.unchanged == len(DOCS) + 2


def test_rebuild_rewrites_everything(backend: Backend, corpus: Path) -> None:
    backend.fresh()
    backend.build([corpus])
    report = backend.build([corpus], rebuild=True)
    assert report.added == len(DOCS) + 2
    assert len(ids(backend.open())) == len(DOCS) + 2


def test_bad_files_are_skipped_and_reported(backend: Backend, corpus: Path) -> None:
    backend.fresh()
    (corpus / "empty.txt").write_text("")
    (corpus / "blank.md").write_text("  \n\n ")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00\xff" * 50)
    (corpus / "latin1.txt").write_bytes(
        plain_text("Caf\u00e9 Politics", "Jos\u00e9 Garc\u00eda", "2020-05-05", ["Univ"], ["R\u00e9sum\u00e9 of events."], "Le Monde").replace("\u2013", "-").encode("latin-1"))
    (corpus / "nodate.txt").write_text(plain_text("No Date Here", "Dee Writer", "sometime soon", ["Org"], ["Body text."], "Src"))
    (corpus / "image.png").write_bytes(b"\x89PNG")
    (corpus / "notes.csv").write_text("a,b\n")
    report = backend.build([corpus])
    skipped = {Path(p.path).name: p.reason for p in report.skipped}
    assert set(skipped) == {"empty.txt", "blank.md", "binary.txt"}
    assert all(reason for reason in skipped.values())
    assert report.ignored == 2
    warned = {Path(p.path).name for p in report.warnings}
    assert {"latin1.txt", "nodate.txt"} <= warned
    ix = backend.open()
    assert ix.get("latin1.txt").title == "Café Politics"
    assert ix.get("nodate.txt").date is None
    assert ix.search("résumé").hits[0].id == "latin1.txt"
    assert report.added == len(DOCS) + 2 + 2
    assert report.to_dict()["skipped"][0]["reason"]


def test_documents_from_python_added_and_deleted(backend: Backend) -> None:
    backend.fresh()
    docs = [
        {"id": "a", "title": "Budget Politics", "authors": ["Ann Lee"], "date": "2022-04-01", "body": "Budgets are moral documents."},
        search.Document(id="b", title="Fiscal Rules", authors=["Bo Kim", "Cy Park"], body="Rules bind budgets."),
        {"id": "c", "title": "Pensions", "author": "Dee Fox and Eve Ng", "body": "Pension reform again.", "topic": "pensions"},
    ]
    report = search.build_index(documents=docs, index_dir=backend.location)
    assert report.added == 3
    assert search.build_index(documents=docs, index_dir=backend.location).unchanged == 3
    ix = backend.open()
    assert ix.get("c").authors == ["Dee Fox", "Eve Ng"]
    assert {h.id for h in ix.search("budgets").hits} == {"a", "b"}
    added = ix.add_documents([{"id": "a", "title": "Budget Politics", "body": "Now about tariffs."},
                              {"id": "d", "title": "New", "body": "tariffs"}])
    assert (added.added, added.updated) == (1, 1)
    assert {h.id for h in ix.search("tariffs").hits} == {"a", "d"}
    deleted = ix.delete_documents(["b", "zzz"])
    assert deleted.removed == 1
    assert ix.get("b") is None and ix.get("d") is not None
    assert ix.search("").total == 3 and ix.stats()["documents"] == 3
    report = search.build_index(documents=docs[:1], index_dir=backend.location)
    assert report.removed == 2 and report.updated == 1  # c and d go; a changes back
    assert ids(backend.open()) == {"a"}

"""The Solr backend on the session's real SolrCloud: what the contract suite does not cover.

The commands with ``--index solr://…``, the build's progress and its report
of a document Solr refuses, a missing collection.  These use a collection of
their own (``solrbackend``, 2 shards x 1 replica, set up by
``init_collection``), so the contract suite's ``commentary`` collection is
left alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from solrkit import solr_get

import search
from corpus import markdown
from search.cluster import Cluster, init_collection

REPO_ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def location(solr_cluster: Cluster) -> Iterator[str]:
    """A fresh collection of our own on the session cluster; deleted afterwards."""
    where = solr_cluster.location.rsplit("/", 1)[0] + "/solrbackend"
    init_collection(where, shards=2, replicas=1)
    yield where
    solr_get(solr_cluster.nodes[0], "/admin/collections", action="DELETE", name="solrbackend")
    solr_get(solr_cluster.nodes[0], "/admin/configs", action="DELETE", name="solrbackend")


def commentary(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "search.cli", *args], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=300, env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"})


def test_the_commands_take_a_solr_location(location: str, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "army.md").write_text(markdown({"title": "Standing Armies", "author": "Ann Lee", "date": "2001-02-03"},
                                           "A standing army in peace time."), encoding="utf-8")
    (docs / "tax.md").write_text(markdown({"title": "Taxes", "author": "Bo Kim"}, "Taxes and levies."), encoding="utf-8")
    first = commentary("index", str(docs), "--index", location, "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["added"] == 2
    again = json.loads(commentary("index", str(docs), "--index", location, "--json").stdout)
    assert (again["added"], again["unchanged"]) == (0, 2)
    found = json.loads(commentary("search", "--index", location, "--json", "standing", "army").stdout)
    assert [h["id"] for h in found["hits"]] == ["army.md"] and "<mark>standing</mark>" in found["hits"][0]["snippet"]
    shown = commentary("show", "army.md", "--index", location)
    assert shown.returncode == 0 and "Standing Armies" in shown.stdout and "Ann Lee" in shown.stdout
    stats = json.loads(commentary("stats", "--index", location, "--json").stdout)
    assert (stats["documents"], stats["undated"], stats["earliest"]) == (2, 1, "2001-02-03")
    (docs / "tax.md").unlink()
    removed = json.loads(commentary("index", str(docs), "--index", location, "--json").stdout)
    assert (removed["removed"], removed["unchanged"]) == (1, 1)


def test_a_document_solr_refuses_is_reported_and_the_others_indexed(location: str) -> None:
    calls: list[tuple[int, int, str]] = []
    report = search.add_documents(location, [
        {"id": "huge-name", "body": "words", "author": ["A" * 40_000]},
        {"id": "fine", "body": "ordinary words"},
    ], progress=lambda n, total, label: calls.append((n, total, label)))
    assert report.added == 1
    assert [(p.id, p.reason) for p in report.skipped] == [
        ("huge-name", "its author is longer than Solr accepts for an exact value (32,766 bytes); shorten it")]
    assert calls == [(1, 2, "huge-name"), (2, 2, "fine")]
    with search.open_index(location) as ix:
        assert ix.get("fine") is not None and ix.get("huge-name") is None
        assert ix.delete_documents(["fine", "never-there"]).removed == 1
        assert ix.get("fine") is None


def test_a_missing_collection_says_how_to_create_it(solr_cluster: Cluster) -> None:
    missing = solr_cluster.location.rsplit("/", 1)[0] + "/nosuchcollection"
    assert search.index_exists(missing) is False
    with pytest.raises(search.IndexMissingError, match="commentary cluster init"):
        search.open_index(missing)
    with pytest.raises(search.IndexMissingError, match="commentary cluster init"):
        search.build_index(documents=[{"id": "x", "body": "y"}], index_dir=missing)


def test_batches_sent_while_the_next_is_read_are_all_counted_in_order(location: str, monkeypatch) -> None:
    # Batches of 3: seven batches, one in flight while the next is read; the
    # refused document sits in the middle of the third.
    from search.solr import build as solr_build

    monkeypatch.setattr(solr_build, "BATCH_DOCS", 3)
    docs = [{"id": f"many-{n:02d}", "body": f"piece number {n}", "author": ["Cy Batch"]} for n in range(20)]
    docs[7]["author"] = ["B" * 40_000]
    report = search.add_documents(location, docs)
    assert (report.added, report.updated) == (19, 0)
    assert [p.id for p in report.skipped] == ["many-07"]
    with search.open_index(location) as ix:
        assert ix.search("", author="Cy Batch", limit=50).total == 19
        assert ix.delete_documents([d["id"] for d in docs]).removed == 19


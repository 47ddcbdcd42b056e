"""Faults on a real SolrCloud, measured: a node down, a shard lost, the cluster gone.

Uses the session's 2-node cluster (``solr_cluster`` in conftest.py); every
test that stops a node starts it again before it ends.  What the issue asks:

- one of two nodes stopped while searching and writing: searches keep
  answering complete results (every node holds a replica of both shards);
  writes succeed or fail with one clear line;
- a collection without replicas (2 shards x 1 replica, one per node) that
  loses a shard: partial results, flagged in ``notice`` ("results from 1 of
  2 shards"), in the API and the web, never a 500;
- the node restarted: it rejoins, and every replica holds exactly its share;
- the whole cluster (ZooKeeper with it) unreachable: the web answers 503 with
  the JSON error shape and ``/healthz`` says so; the CLI prints one line.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from solrkit import (CLUSTER_START_TIMEOUT, NO_JAVA_REASON, empty_collection, java_missing, location_url,
                     require_solr_backend, solr_get)

import search
from corpus import DOCS, write_corpus
from search.cluster import Cluster, start_cluster

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS_SIZE = len(DOCS) + 2  # write_corpus adds an undated note and the seed

needs_java = pytest.mark.skipif(java_missing(), reason=NO_JAVA_REASON)


def node_name(url: str) -> str:
    """Solr's name for the node at ``http://127.0.0.1:PORT/solr``: ``127.0.0.1:PORT_solr``."""
    return url.split("://", 1)[1].replace("/", "_", 1)


def replica_counts(base_url: str, collection: str) -> dict[str, list[int]]:
    """Each shard's replicas' own document counts (``distrib=false``: asked of the core itself)."""
    status = solr_get(base_url, "/admin/collections", action="CLUSTERSTATUS", collection=collection)
    shards = status["cluster"]["collections"][collection]["shards"]
    counts = {}
    for shard, info in shards.items():
        counts[shard] = [
            solr_get(f"{replica['base_url']}/{replica['core']}", "/select", q="*:*", rows=0,
                     distrib="false")["response"]["numFound"]
            for replica in info["replicas"].values()
        ]
    return counts


def wait_until(check: Any, timeout: float, what: str) -> None:
    """Poll ``check()`` until it is true; fail after ``timeout`` seconds saying ``what``."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not reached within {timeout:.0f} s")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("faults") / "docs")


@pytest.fixture
def cluster(solr_cluster: Cluster) -> Iterator[Cluster]:
    """The session cluster, both nodes up again (and the collection empty) afterwards."""
    require_solr_backend(solr_cluster.location)
    yield solr_cluster
    for node in (0, 1):
        try:
            solr_get(solr_cluster.nodes[node], "/admin/info/system")
        except OSError:
            solr_cluster.start_node(node)
    empty_collection(location_url(solr_cluster.location))


# -- one node of two down --------------------------------------------------------------


@pytest.mark.cluster
@needs_java
def test_a_stopped_node_keeps_searches_complete_and_writes_clear(cluster: Cluster, corpus: Path) -> None:
    assert cluster.location.startswith(f"solr://{cluster.nodes[0].split('://')[1]}/")  # node 1 is not the entry point
    empty_collection(location_url(cluster.location))
    assert search.build_index([corpus], index_dir=cluster.location).added == CORPUS_SIZE
    index = search.open_index(cluster.location)
    expected = {h.id for h in index.search("", limit=1000).hits}
    assert len(expected) == CORPUS_SIZE

    searches: list[tuple[int, str | None]] = []
    writes: dict[str, str | None] = {}  # id -> None when written, else the error's message
    stop = threading.Event()

    def search_loop() -> None:
        while not stop.is_set():
            try:
                res = index.search("", limit=1000)
                searches.append((res.total, res.notice))
            except search.SearchError as exc:
                searches.append((-1, str(exc)))

    def write_loop() -> None:
        n = 0
        while not stop.is_set():
            doc_id = f"during-{n}"
            n += 1
            try:
                report = index.add_documents([{"id": doc_id, "title": f"Written {doc_id}", "body": "Written while a node was down."}])
                writes[doc_id] = None if report.added == 1 else f"report: {report.to_dict()}"
            except search.SearchError as exc:
                writes[doc_id] = str(exc)
            time.sleep(0.2)

    threads = [threading.Thread(target=search_loop), threading.Thread(target=write_loop)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        cluster.stop_node(1)
        time.sleep(3)
        down_from = len(searches)
        time.sleep(5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(120)
    # While node 1 was down (after the stop returned), every search answered,
    # complete: the replicas on node 0 hold both shards.
    while_down = searches[down_from:]
    assert while_down, "no search finished while the node was down"
    written = {doc_id for doc_id, error in writes.items() if error is None}
    assert all(total >= len(expected) and notice is None for total, notice in while_down), while_down[:5]
    # Every write either succeeded or failed with one line naming the problem.
    failed = {doc_id: error for doc_id, error in writes.items() if error is not None}
    assert all(error and "\n" not in error for error in failed.values()), failed
    assert written, f"no write succeeded with one node down: {failed}"

    # While it is still down: the search sees exactly what was written.
    index.add_documents([{"id": doc_id, "title": f"Written {doc_id}", "body": "Retried."} for doc_id in failed])
    total = CORPUS_SIZE + len(writes)
    assert index.search("", limit=1).total == total

    cluster.start_node(1)
    # Back: node 1 rejoined; each shard's two replicas hold the same documents
    # and the shards add up to the total: the counts are exact.
    counts = replica_counts(cluster.nodes[1], "commentary")
    assert all(len(set(replicas)) == 1 and len(replicas) == 2 for replicas in counts.values()), counts
    assert sum(replicas[0] for replicas in counts.values()) == total
    via_node1 = search.open_index(f"solr://{cluster.nodes[1].split('://')[1]}/commentary")
    with via_node1:
        assert via_node1.search("", limit=1).total == total
    index.close()


# -- a lost shard without replicas --------------------------------------------------------


@pytest.fixture
def replicaless(cluster: Cluster, corpus: Path) -> Iterator[str]:
    """A second collection, 2 shards x 1 replica, shard1 on node 0 and shard2 on node 1, with the corpus."""
    base = cluster.nodes[0]
    configset = solr_get(base, "/admin/collections", action="CLUSTERSTATUS", collection="commentary")[
        "cluster"]["collections"]["commentary"]["configName"]
    solr_get(base, "/admin/collections", action="CREATE", name="partial", numShards=2, replicationFactor=1,
             **{"collection.configName": configset, "createNodeSet": ",".join(node_name(n) for n in cluster.nodes),
                "createNodeSet.shuffle": "false", "waitForFinalState": "true"})
    try:
        status = solr_get(base, "/admin/collections", action="CLUSTERSTATUS", collection="partial")
        shards = status["cluster"]["collections"]["partial"]["shards"]
        hosts = {shard: [r["node_name"] for r in info["replicas"].values()] for shard, info in shards.items()}
        assert sorted(sum(hosts.values(), [])) == sorted(node_name(n) for n in cluster.nodes), hosts
        location = f"solr://{base.split('://')[1]}/partial"
        assert search.build_index([corpus], index_dir=location).added == CORPUS_SIZE
        yield location
    finally:
        solr_get(base, "/admin/collections", action="DELETE", name="partial")


@pytest.mark.cluster
@needs_java
def test_a_lost_shard_gives_partial_results_flagged_never_an_error(cluster: Cluster, replicaless: str) -> None:
    from webui import create_app

    index = search.open_index(replicaless)
    app = create_app({"TESTING": True, "INDEX_DIR": replicaless})
    client = app.test_client()
    try:
        whole = index.search("", limit=1000)
        assert whole.total == CORPUS_SIZE and whole.notice is None
        cluster.stop_node(1)
        partial = index.search("", limit=1000)
        assert 0 < partial.total < CORPUS_SIZE
        assert partial.notice and "results from 1 of 2 shards" in partial.notice
        assert {h.id for h in partial.hits} < {h.id for h in whole.hits}
        # The web shows the same partial answer, with the notice, not an error page.
        answer = client.get("/api/search?q=")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert answer.get_json()["total"] == partial.total
        assert "results from 1 of 2 shards" in answer.get_json()["notice"]
        page = client.get("/search?q=elections")
        assert page.status_code == 200 and "results from 1 of 2 shards" in page.get_data(as_text=True)
        cluster.start_node(1)
        wait_until(lambda: index.search("", limit=1).total == CORPUS_SIZE, 120, "all shards answering again")
        back = index.search("", limit=1000)
        assert back.total == CORPUS_SIZE and back.notice is None
    finally:
        app.extensions["commentary"].close()
        index.close()


# -- the whole cluster unreachable ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_unavailable_json(response: Any) -> str:
    """A 503 in the one JSON error shape; its message."""
    assert response.status_code == 503, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"ok", "status", "error"} and body["ok"] is False and body["status"] == 503
    assert "\n" not in body["error"]
    return body["error"]


def test_an_unreachable_cluster_is_503_in_the_web_and_one_line_in_the_cli() -> None:
    from webui import create_app

    location = f"solr://127.0.0.1:{free_port()}/solr/commentary"
    app = create_app({"TESTING": True, "INDEX_DIR": location})
    client = app.test_client()
    try:
        for url in ("/api/search?q=elections", "/healthz", "/search?q=elections&format=json"):
            message = assert_unavailable_json(client.get(url))
            assert "127.0.0.1" in message and "index has not been built" not in message, message
        page = client.get("/search?q=elections")
        assert page.status_code == 503 and "text/html" in page.content_type
    finally:
        app.extensions["commentary"].close()
    done = subprocess.run([sys.executable, "-m", "search.cli", "search", "--index-dir", location, "elections"],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and "127.0.0.1" in lines[0], done.stderr


@pytest.mark.cluster
@needs_java
def test_a_cluster_that_goes_away_turns_the_web_to_503_and_healthz_says_so(tmp_path: Path, corpus: Path) -> None:
    # A cluster of its own (1 node, ZooKeeper in the same JVM): this one is stopped for good.
    from webui import create_app

    with open(tmp_path / "launcher.log", "w", encoding="utf-8") as log:
        small = start_cluster(nodes=1, shards=1, replicas=1, info_file=tmp_path / "nodes.json", log=log,
                              timeout=CLUSTER_START_TIMEOUT)
    try:
        require_solr_backend(small.location)
        search.build_index([corpus], index_dir=small.location)
        app = create_app({"TESTING": True, "INDEX_DIR": small.location})
        client = app.test_client()
        health = client.get("/healthz")
        assert health.status_code == 200 and health.get_json() == {"ok": True, "documents": CORPUS_SIZE}
        assert client.get("/api/search?q=elections").status_code == 200
    finally:
        small.stop()
    try:
        assert "cannot reach" in assert_unavailable_json(client.get("/healthz"))
        assert_unavailable_json(client.get("/api/search?q=elections"))
        assert client.get("/search?q=elections").status_code == 503
    finally:
        app.extensions["commentary"].close()

"""A real 2-node SolrCloud from the launcher: the collection, its analysis, stopping it.

One cluster (2 nodes, 2 shards x 2 replicas, embedded ZooKeeper on
127.0.0.1) is started per session.  The first run builds the launcher with
Maven, which downloads Solr's test framework from Maven Central into ~/.m2.
Documents go in through Solr's own update API: the Solr backend of
``search`` is later work.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import IO, Any, Iterator

import pytest
from solrkit import CLUSTER_START_TIMEOUT as START_TIMEOUT
from solrkit import NO_JAVA_REASON, empty_collection, java_missing, location_url
from solrkit import solr_get as solr
from solrkit import solr_post as post_json

from search.cluster import Cluster, ClusterError, init_collection, parse_location

REPO_ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(java_missing(), reason=NO_JAVA_REASON),
]


def found(collection_url: str, q: str, **params: Any) -> list[str]:
    """Ids of every document matching ``q`` (sorted by id unless ``sort`` is given)."""
    params.setdefault("sort", "id asc")
    answer = solr(collection_url, "/select", q=q, fl="id", rows=100, **params)
    return [doc["id"] for doc in answer["response"]["docs"]]


@pytest.fixture(scope="session")
def cluster(solr_cluster: Cluster) -> Cluster:
    return solr_cluster


@pytest.fixture(scope="module")
def collection_url(cluster: Cluster) -> str:
    # The session's cluster is shared with the contract suite: start from an empty collection.
    url = location_url(cluster.location)
    empty_collection(url)
    return url


CORPUS = [
    {"id": "elections", "title": "Free Elections", "body": "The election was free and fair, said the observers.",
     "author": ["Will Hutton"], "affiliation": "Centre for Democratic Studies", "source": "The Ledger",
     "tags": ["democracy"], "dateord": 20030914, "date": "2003-09-14"},
    {"id": "banks", "title": "Central Banks", "body": "Central banks raised rates; <b>inflation</b> & prices fell.",
     "author": ["Maria Adams"], "affiliation": "Harbor Trade Council", "source": "Policy Quarterly",
     "tags": ["economy"], "dateord": 20090101, "date": "2009-01-01"},
    {"id": "undated", "title": "Undated Note on Banks", "body": "Banks and rates, an undated note on central banks.",
     "author": ["Anna Adam"], "source": "The Ledger"},
]


@pytest.fixture(scope="module")
def corpus(collection_url: str) -> Iterator[list[dict[str, Any]]]:
    answer = post_json(collection_url, "/update", CORPUS)
    assert answer["responseHeader"]["status"] == 0
    yield CORPUS
    post_json(collection_url, "/update", {"delete": {"query": "*:*"}})


def test_the_new_collection_answers_empty_on_every_node(cluster: Cluster, collection_url: str) -> None:
    info = json.loads(cluster.info_file.read_text(encoding="utf-8"))
    assert len(info["nodes"]) == 2 and info["nodes"] == cluster.nodes
    assert re.fullmatch(r"127\.0\.0\.1:\d+/solr", info["zk"])
    assert re.fullmatch(r"solr://127\.0\.0\.1:\d+/solr/commentary", cluster.location)
    for node in cluster.nodes:
        answer = solr(f"{node}/commentary", "/select", q="*:*")
        assert answer["response"]["numFound"] == 0
    status = solr(cluster.nodes[0], "/admin/collections", action="CLUSTERSTATUS", collection="commentary")
    shards = status["cluster"]["collections"]["commentary"]["shards"]
    assert sorted(shards) == ["shard1", "shard2"]
    assert [len(shard["replicas"]) for shard in shards.values()] == [2, 2]


def test_documents_indexed_through_the_update_api_are_found(collection_url: str, corpus: list[dict[str, Any]]) -> None:
    assert found(collection_url, "*:*") == sorted(doc["id"] for doc in corpus)
    assert found(collection_url, "title:central") == ["banks"]


def test_stop_words_are_not_indexed_in_prose(collection_url: str, corpus: list[dict[str, Any]]) -> None:
    # A term query skips analysis: it asks the index itself what it holds.
    assert found(collection_url, "{!term f=body}the") == []
    assert found(collection_url, "{!term f=body}was") == []
    assert found(collection_url, "{!term f=body}observ") == ["elections"]


def test_names_keep_stop_words_and_are_not_stemmed(collection_url: str, corpus: list[dict[str, Any]]) -> None:
    assert found(collection_url, "author:Will") == ["elections"]
    assert found(collection_url, "author:adams") == ["banks"]
    assert found(collection_url, "author:adam") == ["undated"]
    # "will" is a stop word in prose, so no body holds it.
    assert found(collection_url, "{!term f=body}will") == []


def test_prose_is_stemmed_and_folded(collection_url: str, corpus: list[dict[str, Any]]) -> None:
    assert found(collection_url, "body:elections") == ["elections"]
    assert found(collection_url, "body:élection") == ["elections"]
    assert found(collection_url, "tags:Democracies") == ["elections"]


def test_facets_count_exact_names(collection_url: str, corpus: list[dict[str, Any]]) -> None:
    answer = solr(collection_url, "/select", q="*:*", rows=0, facet="true", **{"facet.field": "source_facet"})
    counts = answer["facet_counts"]["facet_fields"]["source_facet"]
    assert dict(zip(counts[::2], counts[1::2])) == {"The Ledger": 2, "Policy Quarterly": 1}
    assert found(collection_url, "*:*", fq='author_facet:"Will Hutton"') == ["elections"]


def test_undated_documents_sort_last_both_ways(collection_url: str, corpus: list[dict[str, Any]]) -> None:
    assert found(collection_url, "*:*", sort="dateord desc") == ["banks", "elections", "undated"]
    assert found(collection_url, "*:*", sort="dateord asc") == ["elections", "banks", "undated"]
    assert found(collection_url, "*:*", fq="dateord:[20050101 TO *]") == ["banks"]


def test_highlights_are_marked_and_escaped(collection_url: str, corpus: list[dict[str, Any]]) -> None:
    answer = solr(collection_url, "/select", q="body:inflation", hl="true")
    body = answer["highlighting"]["banks"]["body"][0]
    assert "<mark>inflation</mark>" in body
    assert "&lt;b&gt;" in body and "<b>" not in body


def test_spellcheck_suggests_an_unstemmed_word(collection_url: str, corpus: list[dict[str, Any]]) -> None:
    answer = solr(collection_url, "/select", q="body:electoin", spellcheck="true")
    suggestions = answer["spellcheck"]["suggestions"]
    assert suggestions[0] == "electoin"
    assert suggestions[1]["suggestion"][0] == "election"


def test_more_like_this_works_on_select_across_shards(collection_url: str, corpus: list[dict[str, Any]]) -> None:
    answer = solr(collection_url, "/select", q="id:banks", mlt="true", **{"mlt.fl": "body", "fl": "id"})
    similar = [doc["id"] for doc in answer["moreLikeThis"][1]["docs"]]
    assert similar == ["undated"]


def test_init_uploads_the_configset_and_creates_then_reloads(cluster: Cluster) -> None:
    location = cluster.location.rsplit("/", 1)[0] + "/initcheck"
    try:
        first = init_collection(location, shards=1, replicas=1)
        again = init_collection(location, shards=1, replicas=1)
        assert (first.created, again.created) == (True, False)
        url = f"{cluster.nodes[0]}/initcheck"
        post_json(url, "/update", [{"id": "x", "body": "Elections", "author": ["Will Hutton"]}])
        assert found(url, "body:election") == ["x"]
        assert found(url, "{!term f=body}elect") == ["x"]
    finally:
        solr(cluster.nodes[0], "/admin/collections", action="DELETE", name="initcheck")
        solr(cluster.nodes[0], "/admin/configs", action="DELETE", name="initcheck")


def test_init_of_an_unreachable_cluster_says_so() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free, and nothing listens there
    with pytest.raises(ClusterError, match="cannot reach Solr"):
        init_collection(f"solr://127.0.0.1:{port}/solr/commentary")


def test_a_node_stops_and_comes_back_on_its_url(cluster: Cluster, collection_url: str,
                                               corpus: list[dict[str, Any]]) -> None:
    with pytest.raises(ClusterError, match="no node 7"):
        cluster.stop_node(7)
    cluster.stop_node(1)
    try:
        with pytest.raises(OSError):
            solr(f"{cluster.nodes[1]}/commentary", "/select", q="*:*")
        # Every node holds a replica of both shards: the results stay complete.
        assert found(f"{cluster.nodes[0]}/commentary", "*:*") == sorted(doc["id"] for doc in corpus)
    finally:
        cluster.start_node(1)
    assert found(f"{cluster.nodes[1]}/commentary", "*:*") == sorted(doc["id"] for doc in corpus)


def _line_reader(stream: IO[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    return lines


def _start_cluster_up(tmp_path: Path, log: IO[str]) -> tuple[subprocess.Popen[str], str, dict[str, Any]]:
    """Run `commentary cluster up` with one node; its process, first line and info file once ready."""
    info_file = tmp_path / "nodes.json"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "search.cli", "cluster", "up", "--nodes", "1", "--shards", "1",
               "--replicas", "1", "--info", str(info_file)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=tmp_path)
    assert process.stdout is not None
    try:
        first = _line_reader(process.stdout).get(timeout=START_TIMEOUT).rstrip("\n")
    except BaseException:
        process.kill()
        process.wait()
        process.stdout.close()
        raise
    return process, first, json.loads(info_file.read_text(encoding="utf-8"))


def _assert_gone(info: dict[str, Any]) -> None:
    """The launcher JVM has exited, its folder is deleted and nothing listens on its ports."""
    ports = [urllib.parse.urlsplit(url).port for url in info["nodes"]] + [int(info["zk"].split(":")[1].split("/")[0])]
    with pytest.raises(ProcessLookupError):
        os.kill(info["pid"], 0)
    assert not Path(info["base_dir"]).exists()
    for port in ports:
        with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
            probe.settimeout(5)
            probe.connect(("127.0.0.1", port))


def _wait_for_exit(pid: int, timeout: float) -> None:
    """Return when process ``pid`` has gone, or after ``timeout`` seconds (the caller checks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.25)


def test_cluster_up_prints_the_location_first_and_stops_on_sigterm(tmp_path: Path, cluster: Cluster) -> None:
    # `cluster` first: the launcher is built, so this run only starts one.
    with open(tmp_path / "stderr.log", "w", encoding="utf-8") as log:
        process, first, info = _start_cluster_up(tmp_path, log)
        try:
            assert re.fullmatch(r"solr://127\.0\.0\.1:\d+/solr/commentary", first)
            where = parse_location(first)
            assert solr(f"{where.base_url}/commentary", "/select", q="*:*")["response"]["numFound"] == 0
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=120) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            assert process.stdout is not None
            process.stdout.close()
    assert "Cluster stopped." in (tmp_path / "stderr.log").read_text(encoding="utf-8")
    _assert_gone(info)


def test_the_cluster_does_not_outlive_a_killed_parent(tmp_path: Path, cluster: Cluster) -> None:
    with open(tmp_path / "stderr.log", "w", encoding="utf-8") as log:
        process, _, info = _start_cluster_up(tmp_path, log)
        process.kill()  # no chance to stop the cluster: the JVM sees its input close
        process.wait()
        assert process.stdout is not None
        process.stdout.close()
    _wait_for_exit(info["pid"], 120)
    _assert_gone(info)

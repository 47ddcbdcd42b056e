"""Helpers for tests that run against the session's SolrCloud (fixture ``solr_cluster``)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.parse
import urllib.request
from typing import Any

import pytest

import search

NO_JAVA_REASON = "needs Java 17+ (java) and Maven (mvn) on the PATH to build and run the Solr launcher"

# Generous: a cold JVM on a shared 2-core machine; not a performance check.
CLUSTER_START_TIMEOUT = 300.0


def java_missing() -> bool:
    """True when the Solr launcher cannot be built or run here."""
    return shutil.which("java") is None or shutil.which("mvn") is None


def solr_get(url: str, path: str, **params: Any) -> dict[str, Any]:
    """GET a Solr endpoint and return its JSON answer."""
    query = urllib.parse.urlencode({**params, "wt": "json"})
    with urllib.request.urlopen(f"{url}{path}?{query}", timeout=60) as response:
        return json.loads(response.read().decode("utf-8"))


def solr_post(url: str, path: str, body: Any) -> dict[str, Any]:
    """POST JSON to Solr (commit=true) and return its JSON answer."""
    request = urllib.request.Request(f"{url}{path}?commit=true&wt=json", data=json.dumps(body).encode("utf-8"),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read().decode("utf-8"))


def empty_collection(collection_url: str) -> None:
    """Delete every document of the collection at ``collection_url`` (committed: gone when this returns)."""
    answer = solr_post(collection_url, "/update", {"delete": {"query": "*:*"}})
    assert answer["responseHeader"]["status"] == 0, answer


def location_url(location: str) -> str:
    """``http://host:port/solr/collection`` for a ``solr://…`` location."""
    from search.cluster import parse_location

    where = parse_location(location)
    return f"{where.base_url}/{where.collection}"


def require_solr_backend(location: str) -> None:
    """Fail (not skip) unless ``search`` reads and writes ``location`` with its Solr backend; empty it.

    Without one, ``build_index(index_dir="solr://…")`` would quietly write a
    Whoosh index into a folder named ``solr:`` and the tests would compare
    Whoosh with itself.  The probe build runs in a temporary working folder
    so that such a folder never lands in the checkout.
    """
    url = location_url(location)
    empty_collection(url)
    try:
        index = search.open_index(location)
    except search.SearchError as exc:
        pytest.fail(f"the Solr backend is missing: open_index({location!r}) raised {type(exc).__name__}: {exc}")
    with index:
        kind = f"{type(index).__module__}.{type(index).__name__}"
    assert kind.startswith("search.solr"), f"the Solr backend is missing: open_index({location!r}) gave a {kind}"
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as elsewhere:
        os.chdir(elsewhere)
        try:
            search.build_index(documents=[{"id": "probe", "body": "probe"}], index_dir=location)
        finally:
            os.chdir(here)
    found = solr_get(url, "/select", q="*:*", rows=0)["response"]["numFound"]
    assert found == 1, f"the Solr backend is missing: build_index(index_dir={location!r}) did not write to Solr"
    empty_collection(url)

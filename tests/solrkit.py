"""Helpers for tests that run against the session's SolrCloud (fixture ``solr_cluster``)."""

from __future__ import annotations

import json
import shutil
import urllib.parse
import urllib.request
from typing import Any

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

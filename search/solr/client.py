"""HTTP to a SolrCloud collection, and every failure turned into our errors.

The standard library's ``urllib`` is the client: the cluster code already
uses it, it adds no dependency, and each call is one short request/answer
with a JSON body, for which a pooled client buys little on a loopback or LAN
link.  Every lower error ends here: a node that refuses the connection or
times out is tried no more for this call and the next live node is asked
(the cluster's live nodes are read when the index is opened); when none
answers, ``BackendUnavailableError`` says so in one line.  An HTTP 400 from
Solr is a ``QueryError`` (our translation never sends one on purpose);
anything else Solr refuses is ``BackendUnavailableError`` with its message.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ..cluster import ClusterError, SolrLocation, parse_location
from ..errors import BackendUnavailableError, IndexMissingError, QueryError

__all__ = ["SolrClient", "TIMEOUT", "TIMEOUT_VARIABLE", "default_timeout"]

# Seconds a search or an update may take before the node counts as down.
# A loaded cluster can take longer over a large batch: COMMENTARY_SOLR_TIMEOUT
# raises it without code.
TIMEOUT = 30.0
TIMEOUT_VARIABLE = "COMMENTARY_SOLR_TIMEOUT"


def default_timeout() -> float:
    """The request timeout: ``$COMMENTARY_SOLR_TIMEOUT`` seconds when set to a positive number, else 30."""
    try:
        value = float(os.environ.get(TIMEOUT_VARIABLE, ""))
    except ValueError:
        return TIMEOUT
    return value if 0 < value < 86400 else TIMEOUT


class SolrClient:
    """Requests to one collection, spread over the cluster's live nodes."""

    def __init__(self, location: str, *, timeout: float | None = None) -> None:
        try:
            self.where: SolrLocation = parse_location(location)
        except ClusterError as exc:
            raise BackendUnavailableError(str(exc)) from None
        self.timeout = default_timeout() if timeout is None else timeout
        self._lock = threading.Lock()
        self._nodes = [self.where.base_url]

    @property
    def location(self) -> str:
        """The collection's location as users write it."""
        return self.where.location

    def discover(self) -> None:
        """Learn the cluster's live nodes, so a stopped node is not the end of searching.

        Raises ``IndexMissingError`` when the cluster has no such collection.
        """
        status = self.request("/admin/collections", {"action": "CLUSTERSTATUS"}, collection=False)
        cluster = status.get("cluster") or {}
        if self.where.collection not in (cluster.get("collections") or {}) and \
                self.where.collection not in (cluster.get("aliases") or {}):
            raise IndexMissingError(
                f"SolrCloud at {self.where.base_url} has no collection {self.where.collection!r}; "
                f"create it with `commentary cluster init {self.location}`")
        scheme = self.where.base_url.split("://", 1)[0]
        live = []
        for node in cluster.get("live_nodes") or []:
            # Node names are "host:port_context" ("127.0.0.1:8983_solr").
            address, _, context = str(node).partition("_")
            live.append(f"{scheme}://{address}/{urllib.parse.unquote(context)}")
        with self._lock:
            ordered = [self.where.base_url] + [n for n in live if n != self.where.base_url]
            self._nodes = ordered

    def shard_health(self) -> tuple[int, int]:
        """(shards with an active replica on a live node, all shards) of the collection."""
        status = self.request("/admin/collections", {"action": "CLUSTERSTATUS", "collection": self.where.collection},
                              collection=False)
        cluster = status.get("cluster") or {}
        live = set(cluster.get("live_nodes") or [])
        shards = ((cluster.get("collections") or {}).get(self.where.collection) or {}).get("shards") or {}
        serving = sum(
            1 for shard in shards.values()
            if any(r.get("state") == "active" and r.get("node_name") in live for r in (shard.get("replicas") or {}).values()))
        return serving, len(shards)

    def request(self, path: str, params: dict[str, Any] | list[tuple[str, Any]] | None = None, *,
                body: Any = None, collection: bool = True) -> dict[str, Any]:
        """GET (or POST ``body`` as JSON) ``path`` on the collection; Solr's JSON answer.

        Tries the live nodes in turn while they cannot be reached or cannot
        serve the collection; ``BackendUnavailableError`` when none can.
        """
        with self._lock:
            nodes = list(self._nodes)
        failures: list[str] = []
        for node in nodes:
            try:
                return self.request_node(node, path, params, body=body, collection=collection)
            except _NodeDown as exc:
                failures.append(str(exc))
        raise BackendUnavailableError(
            f"cannot reach the Solr collection {self.location}: " + "; ".join(failures[:3]))

    def request_node(self, node: str, path: str, params: dict[str, Any] | list[tuple[str, Any]] | None = None, *,
                     body: Any = None, collection: bool = False) -> dict[str, Any]:
        """One request to one node (``_NodeDown``, a ``BackendUnavailableError``, when it cannot answer)."""
        pairs = list(params.items()) if isinstance(params, dict) else list(params or [])
        pairs.append(("wt", "json"))
        if collection and path in ("/select", "/terms"):
            # A shard with no live replica leaves the others' answer, flagged
            # partialResults, instead of failing the whole request.
            pairs.append(("shards.tolerant", "true"))
        query = urllib.parse.urlencode([(k, str(v)) for k, v in pairs])
        data = json.dumps(body).encode("utf-8") if body is not None else None
        prefix = f"{node}/{self.where.collection}" if collection else node
        request = urllib.request.Request(f"{prefix}{path}?{query}", data=data,
                                         method="POST" if data is not None else "GET")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            message = _solr_message(exc)
            if exc.code in (502, 503, 504) or (exc.code == 404 and "no servers hosting" in message.lower()):
                raise _NodeDown(f"{node}: {message}") from None  # another node may serve it
            if exc.code == 404 and collection:
                raise IndexMissingError(f"no collection {self.where.collection!r} at {node}: {message}") from None
            if exc.code == 400:
                raise QueryError(f"Solr refused the request: {message}") from None
            raise BackendUnavailableError(f"Solr at {node} failed: {message}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise _NodeDown(f"{node}: {getattr(exc, 'reason', exc)}") from None
        try:
            return json.loads(raw.decode("utf-8"))
        except ValueError:
            raise BackendUnavailableError(f"Solr at {node} answered with something other than JSON") from None


class _NodeDown(BackendUnavailableError):
    """One node cannot answer now (refused, timed out, cannot serve the collection)."""


def _solr_message(exc: urllib.error.HTTPError) -> str:
    """The ``error.msg`` of Solr's JSON error body, else the HTTP status, on one line."""
    try:
        body = json.loads(exc.read().decode("utf-8", "replace"))
        message = (body.get("error") or {}).get("msg")
    except (ValueError, AttributeError, OSError):
        message = None
    return " ".join(str(message).split())[:1000] if message else f"HTTP {exc.code} {exc.reason}"

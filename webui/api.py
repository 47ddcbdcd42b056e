"""The JSON API: ``/api/search``, ``/api/doc/<id>`` and ``/healthz``.

``/api/search`` takes exactly the search page's arguments (read by the same
``SearchParams``) and returns ``SearchResults.to_dict()``; errors have the one
JSON shape of ``errors.py``.
"""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from .errors import Missing
from .holder import get_index
from .jsonout import json_response
from .render import render_body
from .views import document_json, read_correct, read_params

__all__ = ["api_search", "api_document", "healthz"]


def api_search() -> ResponseReturnValue:
    """Search results as JSON: ``SearchResults.to_dict()``."""
    params = read_params()
    results = get_index().search(params.q, correct=read_correct(), **params.search_kwargs())
    return json_response(results.to_dict())


def api_document(doc_id: str) -> ResponseReturnValue:
    """One document as JSON: ``Document.to_dict()`` plus sanitized ``html`` (highlighted with ``?q=``)."""
    params = read_params()
    index = get_index()
    doc = index.get(doc_id)
    if doc is None:
        raise Missing(f"no document with id {doc_id[:200]!r}")
    return json_response(document_json(doc, render_body(doc, index, params.q).html))


def healthz() -> ResponseReturnValue:
    """Liveness and readiness: ``{"ok": true, "documents": N}`` (503 without an index)."""
    return json_response({"ok": True, "documents": get_index().doc_count})

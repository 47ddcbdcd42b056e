"""Error responses: one JSON shape for machines, a friendly page for people.

Every error the web UI answers has the JSON shape
``{"ok": false, "status": <code>, "error": "<message>"}`` when JSON was asked
for (an ``/api/`` URL, ``?format=json``, or an ``Accept`` header preferring
JSON), and otherwise an HTML page with the same status and message.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search import BackendUnavailableError, IndexCorruptError, IndexMissingError, QueryError, SearchError

from .holder import IndexUnavailable
from .params import ParamError

__all__ = ["Missing", "wants_json", "error_response", "register_error_handlers", "UNAVAILABLE_MESSAGE"]

UNAVAILABLE_MESSAGE = (
    "Search is unavailable: the search index has not been built yet or cannot be read. "
    "An administrator can build it with `commentary index`."
)

# Views that only ever answer JSON (their names without the blueprint prefix).
JSON_ENDPOINTS = frozenset({"api_search", "api_doc", "healthz"})

_TITLES = {
    400: "That request could not be understood",
    404: "Not found",
    405: "Method not allowed",
    500: "Something went wrong",
    503: "Search is unavailable",
}


class Missing(LookupError):
    """No document or author by that name: answered 404 with this message."""


def wants_json() -> bool:
    """True when this request should be answered in JSON."""
    endpoint = request.endpoint
    if endpoint is not None and endpoint.rsplit(".", 1)[-1] in JSON_ENDPOINTS:
        return True
    if endpoint is None and "/api/" in request.path:  # an unknown URL under the API
        return True
    # The last format= wins, as in read_format, so a page and its errors agree.
    formats = request.args.getlist("format")
    if formats and formats[-1].strip() == "json":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, message: str) -> Response:
    """The error as JSON or as an HTML page, depending on what was asked for."""
    if wants_json():
        response = jsonify({"ok": False, "status": status, "error": message})
    else:
        response = Response(
            render_template("commentary/error.html", status=status, title=_TITLES.get(status, "Error"), message=message),
            mimetype="text/html",
        )
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response


def _bad_request(exc: Exception) -> Response:
    return error_response(400, str(exc))


def _unavailable(exc: Exception) -> Response:
    return error_response(503, UNAVAILABLE_MESSAGE)


def _engine_unavailable(exc: SearchError) -> Response:
    # Any other engine error met while answering a request (a SolrCloud that
    # cannot be reached, no live replica, a timeout): the message is the
    # engine's one line, and the client may try again later.
    return error_response(503, f"Search is unavailable: {exc}")


def _not_found(exc: Missing) -> Response:
    return error_response(404, str(exc))


def _http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    if code == 404:
        message = "There is nothing at this address. Try a search instead."
    elif code >= 500:
        message = "The server could not answer this request. Please try again."
    else:
        message = exc.description or _TITLES.get(code, "Error")
    response = error_response(code, message)
    valid_methods = getattr(exc, "valid_methods", None)
    if code == 405 and valid_methods:
        response.headers["Allow"] = ", ".join(valid_methods)
    return response


def register_error_handlers(target: Any) -> None:
    """Register the handlers on a Flask app or a blueprint."""
    target.register_error_handler(ParamError, _bad_request)
    # The engine raises QueryError for parameters it cannot use; anything the
    # web layer checks first never gets that far, but the engine stays the judge.
    target.register_error_handler(QueryError, _bad_request)
    target.register_error_handler(IndexUnavailable, _unavailable)
    # An index deleted or damaged while the app runs fails inside a search.
    target.register_error_handler(IndexMissingError, _unavailable)
    target.register_error_handler(IndexCorruptError, _unavailable)
    # A search server (SolrCloud) that cannot be reached; and, as the most
    # specific handler wins, any other engine error left: 503, never 500.
    target.register_error_handler(BackendUnavailableError, _engine_unavailable)
    target.register_error_handler(SearchError, _engine_unavailable)
    target.register_error_handler(Missing, _not_found)
    target.register_error_handler(HTTPException, _http_error)

"""Static files: URLs that carry a hash of their content, cached for a year.

``asset_url("style.css")`` is ``/assets/style.css?v=<hash>``.  A changed file
gets a new URL, so a browser may keep each URL forever and never ask again;
a request without the current hash (an old page, a hand-typed URL) is still
answered, but must be checked again next time.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from flask import Response, request

from .links import url

__all__ = ["asset_url", "cache_static", "STATIC_DIR", "LONG_CACHE"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
LONG_CACHE = "public, max-age=31536000, immutable"

_lock = threading.Lock()
_digests: dict[str, tuple[tuple[int, int], str]] = {}


def _digest(filename: str) -> str:
    """The first 12 hex digits of the file's SHA-256, recomputed when the file changes."""
    path = STATIC_DIR / filename
    stat = os.stat(path)
    key = (stat.st_mtime_ns, stat.st_size)
    with _lock:
        kept = _digests.get(filename)
        if kept and kept[0] == key:
            return kept[1]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    with _lock:
        _digests[filename] = (key, digest)
    return digest


def asset_url(filename: str) -> str:
    """The URL of a static file, with its content hash."""
    return url("static", filename=filename, v=_digest(filename))


def cache_static(response: Response) -> Response:
    """after_request: a year of caching for a static file asked for by its current hash."""
    if not (request.endpoint or "").endswith(".static") or response.status_code != 200:
        return response
    filename = (request.view_args or {}).get("filename", "")
    try:
        current = _digest(filename)
    except (OSError, ValueError):
        return response
    if request.args.get("v") == current:
        response.headers["Cache-Control"] = LONG_CACHE
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response

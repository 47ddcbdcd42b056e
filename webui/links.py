"""Building URLs to the blueprint's own pages, wherever it is mounted."""

from __future__ import annotations

import re
from typing import Any

from flask import g, request, url_for

__all__ = ["url", "absolute_url", "check_base_url", "BLUEPRINT_NAME"]

BLUEPRINT_NAME = "commentary"

_BASE_URL = re.compile(
    r"https?://(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?:/[^\s?#\"'<>\\]*)?")


def url(endpoint: str, **values: Any) -> str:
    """``url_for`` an endpoint of the blueprint handling this request.

    Under a prefix, or under another blueprint name, links follow it.  Outside
    a blueprint request (an app-level 404 page) the default name is used.
    """
    blueprint = request.blueprint or BLUEPRINT_NAME
    return url_for(f"{blueprint}.{endpoint}", **values)


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute URL of an endpoint, for documents read elsewhere (Atom, OpenSearch).

    With a configured base URL (``BASE_URL``) it is that base followed by the
    path; without one Flask builds it from the request's ``Host`` header,
    which a client chooses (see ``docs/security.md``).
    """
    base = getattr(g, "commentary_base_url", None)
    if base:
        return base + url(endpoint, **values)
    return url(endpoint, _external=True, **values)


def check_base_url(value: str | None) -> str | None:
    """A base URL as configured, without its trailing slash; None if unset.

    ``ValueError`` unless it is ``http(s)://host[:port][/path]``, with no
    query or fragment: the paths of the pages are appended to it.
    """
    value = (value or "").strip()
    if not value:
        return None
    if not _BASE_URL.fullmatch(value):
        raise ValueError(f"BASE_URL must look like https://example.org or https://example.org/path; got {value!r}")
    return value.rstrip("/")

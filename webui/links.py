"""Building URLs to the blueprint's own pages, wherever it is mounted."""

from __future__ import annotations

from typing import Any

from flask import request, url_for

__all__ = ["url", "BLUEPRINT_NAME"]

BLUEPRINT_NAME = "commentary"


def url(endpoint: str, **values: Any) -> str:
    """``url_for`` an endpoint of the blueprint handling this request.

    Under a prefix, or under another blueprint name, links follow it.  Outside
    a blueprint request (an app-level 404 page) the default name is used.
    """
    blueprint = request.blueprint or BLUEPRINT_NAME
    return url_for(f"{blueprint}.{endpoint}", **values)

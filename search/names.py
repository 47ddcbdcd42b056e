"""Splitting author bylines into names."""

from __future__ import annotations

import re

__all__ = ["split_authors"]

_SEPARATORS = re.compile(r"\s*(?:,\s*and\s+|\s+and\s+|\s*&\s*|;\s*|,\s*)\s*")


def split_authors(byline: str) -> list[str]:
    """Split ``"A and B"``, ``"A, B and C"``, ``"A & B"`` into a list of names.

    A comma followed by a suffix such as ``Jr.`` does not split.
    """
    byline = " ".join(byline.split())
    if not byline:
        return []
    # Protect ", Jr." style suffixes from the comma split.
    protected = re.sub(r",\s*(Jr\.?|Sr\.?|II|III|IV|PhD|Ph\.D\.)(?=$|[\s,])", "\x00\\1", byline)
    names = [n.replace("\x00", ", ") for n in _SEPARATORS.split(protected)]
    return [n.strip() for n in names if n.strip()]

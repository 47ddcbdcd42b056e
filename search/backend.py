"""The ``Index`` contract, and which backend a location means.

Two backends answer the same calls with the same results: the embedded
Whoosh index (``search.Index``, a folder on disk, the default) and a
SolrCloud collection (``search.solr.SolrIndex``, a ``solr://`` or
``http(s)://`` location).  ``IndexBackend`` states what both provide;
callers (the CLI, the web UI, embedding applications) use only that.

This module imports nothing of the Solr code: ``open_remote`` imports it
when a Solr location is actually used, so ``import search`` stays as light
as before.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any, Iterable, Protocol, Sequence, runtime_checkable

if TYPE_CHECKING:
    from .document import Document
    from .ranking import Ranking
    from .results import FacetValue, Hit, SearchResults

__all__ = ["IndexBackend", "is_remote_location", "open_remote", "remote_exists"]

_REMOTE_SCHEMES = ("solr://", "http://", "https://")


@runtime_checkable
class IndexBackend(Protocol):
    """What an open index offers, whatever holds it."""

    def search(self, query: str = "", *, author: str | Sequence[str] | None = None,
               affiliation: str | Sequence[str] | None = None, source: str | Sequence[str] | None = None,
               tag: str | Sequence[str] | None = None, since: str | dt.date | None = None,
               until: str | dt.date | None = None, sort: str = "relevance", page: int = 1, limit: int = 10,
               match: str = "all", snippets: bool = True, expand: bool = False, semantic: bool = False,
               correct: bool = True, **unknown: Any) -> SearchResults:
        """Search; see ``search.Index.search``."""
        ...

    def get(self, doc_id: str) -> Document | None:
        """The whole document with this id, or None."""
        ...

    def get_text(self, doc_id: str) -> str | None:
        """The plain text of a document as indexed, or None."""
        ...

    def more_like(self, doc_id: str, limit: int = 5) -> list[Hit]:
        """Documents closest to this one, not itself."""
        ...

    def highlight(self, text: str, query: str) -> str:
        """``text`` HTML-escaped with the words matching ``query`` in ``<mark>``."""
        ...

    def match_spans(self, text: str, query: str) -> list[tuple[int, int]]:
        """Character spans of ``text`` that match ``query``."""
        ...

    def facet_values(self, facet: str) -> list[FacetValue]:
        """Every value of a facet over the whole index, most frequent first."""
        ...

    def stats(self) -> dict[str, Any]:
        """Counts and dates that describe the index."""
        ...

    @property
    def doc_count(self) -> int:
        """How many documents the index holds."""
        ...

    @property
    def has_embeddings(self) -> bool:
        """True when ``search(semantic=True)`` can work."""
        ...

    def add_documents(self, documents: Iterable[Any], *, wait: float = 10.0) -> Any:
        """Add or update documents by id; a ``BuildReport``."""
        ...

    def delete_documents(self, ids: Iterable[str], *, wait: float = 10.0) -> Any:
        """Delete documents by id; a ``BuildReport``."""
        ...

    def close(self) -> None:
        """Release what the index holds open."""
        ...

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> None: ...


def is_remote_location(location: Any) -> bool:
    """True when ``location`` names a Solr collection (``solr://…``, ``http(s)://…``), not a folder."""
    if isinstance(location, os.PathLike) or not isinstance(location, str):
        return False
    return location.strip().lower().startswith(_REMOTE_SCHEMES)


def open_remote(location: str, *, ranking: Ranking) -> IndexBackend:
    """The Solr collection at ``location`` as an index (imports the Solr code now)."""
    from .solr.index import SolrIndex

    return SolrIndex(location, ranking=ranking)


def remote_exists(location: str) -> bool:
    """True when the SolrCloud at ``location`` has the collection; errors when it cannot be asked."""
    from .errors import IndexMissingError
    from .solr.client import SolrClient

    try:
        SolrClient(location).discover()
    except IndexMissingError:
        return False
    return True

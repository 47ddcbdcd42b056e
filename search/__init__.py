"""commentary-search: a search engine for commentary.

One import is enough to embed it::

    import search
    report = search.build_index(["seeds"], index_dir="index")
    with search.open_index("index") as ix:
        res = ix.search("standing army", author="Alexander Hamilton", sort="newest")
        for hit in res.hits:
            print(hit.title, hit.author, hit.date)

Everything here is the public API; the submodules are private.  The package
never imports Flask: the web UI (``webui``) is built on this API.
"""

import importlib
from typing import Any

from .document import Document
from .errors import (
    BackendUnavailableError,
    DocumentError,
    IndexCorruptError,
    IndexLockedError,
    IndexMissingError,
    IndexWriteError,
    QueryError,
    SearchError,
    SemanticUnavailableError,
)
from .ranking import DEFAULT_RANKING, Ranking
from .results import FacetValue, Hit, SearchResults, Snippet
from .options import FILTERS, MATCHES, MAX_LIMIT, MAX_PAGE, SORTS, SearchOptions, check_options, date_bounds
from .backend import IndexBackend
from .searching import Index, index_exists, open_index

__version__ = "0.1.0"

# The writer and the document readers (with YAML) are imported on first use,
# so that a process that only opens an index and searches it never loads them.
_LAZY = {
    "build_index": "indexer",
    "add_documents": "indexer",
    "delete_documents": "indexer",
    "BuildReport": "indexer",
    "Problem": "indexer",
    "read_document": "readers",
}


def __getattr__(name: str) -> Any:
    """Import the writer's and the readers' public names when first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazily imported ones included."""
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "build_index",
    "open_index",
    "index_exists",
    "add_documents",
    "delete_documents",
    "read_document",
    "Index",
    "IndexBackend",
    "Document",
    "BuildReport",
    "Problem",
    "SearchResults",
    "Hit",
    "Snippet",
    "FacetValue",
    "Ranking",
    "DEFAULT_RANKING",
    "SORTS",
    "MATCHES",
    "MAX_LIMIT",
    "MAX_PAGE",
    "FILTERS",
    "SearchOptions",
    "check_options",
    "date_bounds",
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

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

from .document import Document
from .errors import (
    DocumentError,
    IndexCorruptError,
    IndexLockedError,
    IndexMissingError,
    IndexWriteError,
    QueryError,
    SearchError,
    SemanticUnavailableError,
)
from .indexer import BuildReport, Problem, build_index
from .ranking import DEFAULT_RANKING, Ranking
from .readers import read_document
from .results import FacetValue, Hit, SearchResults
from .indexer import add_documents, delete_documents
from .options import FILTERS, MATCHES, MAX_LIMIT, MAX_PAGE, SORTS, SearchOptions, check_options, date_bounds
from .searching import Index, index_exists, open_index

__version__ = "0.1.0"

__all__ = [
    "build_index",
    "open_index",
    "index_exists",
    "add_documents",
    "delete_documents",
    "read_document",
    "Index",
    "Document",
    "BuildReport",
    "Problem",
    "SearchResults",
    "Hit",
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
    "QueryError",
    "DocumentError",
    "SemanticUnavailableError",
]

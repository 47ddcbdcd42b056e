"""What an open index keeps between queries for one index generation.

Everything here is derived from the index files of that generation, so it
can never go stale; a new generation starts afresh.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .expansion import stored_terms
from .facets import FacetTable
from .facetstore import facet_table
from .options import FILTERS
from .present import Row, display_row
from .results import FacetValue
from .scoring import RankingStats

if TYPE_CHECKING:  # imported when first needed: a plain search needs neither
    from .filtervalues import ValueFinder  # filters only (with difflib)
    from .semantic.hybrid import SemanticView  # semantic search only

__all__ = ["Generation"]

# Bounds on what a generation keeps: display rows of hits (a few hundred
# bytes each).  When full, they start over.
_KEEP_ROWS = 50_000
# Term counts of feedback documents (a few kilobytes each): the best
# documents come back often, with every page of the same query.
_KEEP_TERMS = 2_000


class Generation:
    """What one index generation keeps between queries: statistics and
    arrays (``stats``), facet ordinals, display rows, spelling corrections,
    feedback term counts, embeddings."""

    def __init__(self, stats: RankingStats, path: Path | None = None) -> None:
        self.stats = stats
        # The index folder, where the facet ordinals are kept between
        # processes (see ``facetstore``); None reads them from the postings.
        self.path = path
        self.rows: dict[int, Row] = {}
        self.spelling: dict[str, str | None] = {}
        self.doc_terms: dict[int, Counter[str]] = {}
        self._facets: FacetTable | None = None
        self._all_facets: dict[str, list[FacetValue]] | None = None
        self._finders: dict[str, ValueFinder] | None = None
        self._facets_lock = threading.Lock()
        self._semantic: SemanticView | None | bool = False  # False: not looked for yet

    def facets(self, searcher: Any) -> FacetTable:
        """Every document's facet ordinals: from the generation's facet file,
        else read from the postings, once."""
        with self._facets_lock:
            if self._facets is None:
                reader, columns = searcher.reader(), self.stats.columns
                self._facets = (facet_table(self.path, reader, columns) if self.path is not None
                                else FacetTable.read(reader, columns))
            return self._facets

    def all_facets(self, searcher: Any) -> dict[str, list[FacetValue]]:
        """Facet counts over every live document, counted once."""
        table = self.facets(searcher)
        with self._facets_lock:
            if self._all_facets is None:
                self._all_facets = table.count(self.stats.columns.live, limit=10**9)
            return self._all_facets

    def finders(self, searcher: Any) -> dict[str, ValueFinder]:
        """For each filter, its stored values findable by what people type."""
        facets = self.all_facets(searcher)
        with self._facets_lock:
            if self._finders is None:
                from .filtervalues import ValueFinder

                self._finders = {name: ValueFinder(name, ((str(v.value), v.count) for v in facets[name]))
                                 for name in FILTERS}
            return self._finders

    def semantic(self, searcher: Any, path: Path) -> SemanticView | None:
        """This generation's embeddings, read once; None when it has none."""
        from .semantic.hybrid import SemanticView
        from .semantic.store import load_embeddings

        with self._facets_lock:
            if self._semantic is False:
                reader = searcher.reader()
                found = load_embeddings(path, reader.generation())
                self._semantic = SemanticView(found, reader) if found is not None else None
            return self._semantic  # type: ignore[return-value]

    def row(self, searcher: Any, docnum: int) -> Row:
        """The display fields of a document, read once."""
        row = self.rows.get(docnum)
        if row is None:
            if len(self.rows) >= _KEEP_ROWS:
                self.rows.clear()
            row = self.rows[docnum] = display_row(searcher.stored_fields(docnum))
        return row

    def terms(self, searcher: Any, docnum: int) -> Counter[str]:
        """A document's term counts for feedback, computed once."""
        counts = self.doc_terms.get(docnum)
        if counts is None:
            if len(self.doc_terms) >= _KEEP_TERMS:
                self.doc_terms.clear()
            counts = self.doc_terms[docnum] = stored_terms(searcher, docnum)
        return counts

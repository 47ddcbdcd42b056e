"""Facet counts over a whole result set.

A ``FacetTable`` holds, for one index generation, each document's facet
values (read once from the postings, which is far cheaper than loading stored
documents).  Counting a result set is then a pass over its document numbers.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from .results import FacetValue
from .schema import FACET_FIELDS

__all__ = ["FacetTable", "FACET_LIMIT"]

# Values listed per facet (most frequent first); years and months are all listed.
FACET_LIMIT = 50


class FacetTable:
    """Per-document facet values and dates for one reader generation."""

    def __init__(self, reader: Any) -> None:
        size = reader.doc_count_all()
        self.values: dict[str, list[tuple[str, ...]]] = {}
        for name, fieldname in FACET_FIELDS.items():
            per_doc: list[tuple[str, ...]] = [()] * size
            for raw in reader.lexicon(fieldname):
                value = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                for docnum in reader.postings(fieldname, value).all_ids():
                    per_doc[docnum] = per_doc[docnum] + (value,)
            self.values[name] = per_doc
        self.dates: list[int] = []
        if size:
            # An index with no segments has an EmptyReader, whose
            # column_reader() raises NotImplementedError (WHOOSH.md, pitfall 10).
            column = reader.column_reader("dateord")
            self.dates = [column[d] for d in range(size)]

    def date_of(self, docnum: int) -> int:
        """The YYYYMMDD date of a document, 0 when unknown."""
        return self.dates[docnum]

    def count(self, docnums: Iterable[int], limit: int = FACET_LIMIT) -> dict[str, list[FacetValue]]:
        """Facet counts for the given documents: author, affiliation, source, tag, year, month."""
        counters: dict[str, Counter[Any]] = {name: Counter() for name in self.values}
        years: Counter[int] = Counter()
        months: Counter[str] = Counter()
        for docnum in docnums:
            for name, per_doc in self.values.items():
                counters[name].update(per_doc[docnum])
            date = self.dates[docnum]
            if date:
                years[date // 10000] += 1
                months[f"{date // 10000:04d}-{date // 100 % 100:02d}"] += 1
        facets = {
            name: [FacetValue(v, c) for v, c in sorted(counter.items(), key=lambda vc: (-vc[1], vc[0]))[:limit]]
            for name, counter in counters.items()
        }
        facets["year"] = [FacetValue(y, c) for y, c in sorted(years.items())]
        facets["month"] = [FacetValue(m, c) for m, c in sorted(months.items())]
        return facets

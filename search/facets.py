"""Facet counts over a whole result set.

A ``FacetTable`` holds, for one index generation, each document's facet
values (read once from the postings, which is far cheaper than loading stored
documents).  Counting a result set is then a pass over its document numbers.

Counts are disjunctive: a facet is counted with every filter except its own
(the author facet ignores the author filter, the year and month facets the
date range), because values of one facet are alternatives.  So each count
says what choosing that value would show, and with a filter active, an
unchosen value's ``adds`` says how many documents choosing it as well would
add.  One pass does it: a document that fails no filter counts everywhere,
one that fails exactly one filter counts only in that filter's facet.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Mapping

from .results import FacetValue
from .schema import FACET_FIELDS

__all__ = ["FacetTable", "FACET_LIMIT", "DATE_FILTER"]

# Values listed per facet (most frequent first); years and months are all listed.
FACET_LIMIT = 50
# The filter key of the date range, whose facets are "year" and "month".
DATE_FILTER = "date"


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

    def count(
        self,
        docnums: Iterable[int],
        limit: int = FACET_LIMIT,
        filters: Mapping[str, set[int]] | None = None,
        chosen: Mapping[str, Iterable[str]] | None = None,
    ) -> dict[str, list[FacetValue]]:
        """Facet counts: author, affiliation, source, tag, year, month.

        Without ``filters``, counts over ``docnums``.  With them (facet name,
        or ``DATE_FILTER``, to the documents that filter lets through),
        ``docnums`` are the query's matches before filtering and each facet
        is counted over the matches that pass every filter but its own; the
        values of a filtered facet then carry ``adds``.  ``chosen`` names
        the stored values each filter was resolved to; they are ``selected``.
        """
        filters = filters or {}
        counters: dict[str, Counter[Any]] = {name: Counter() for name in self.values}
        adds: dict[str, Counter[Any]] = {name: Counter() for name in filters if name in self.values}
        years: Counter[int] = Counter()
        months: Counter[str] = Counter()
        checks = list(filters.items())
        for docnum in docnums:
            own = None  # the one filter this document fails, if any
            if checks:
                failed = [name for name, allowed in checks if docnum not in allowed]
                if len(failed) > 1:
                    continue  # in no facet's count: it fails another facet's filter too
                own = failed[0] if failed else None
            if own is None:
                for name, per_doc in self.values.items():
                    counters[name].update(per_doc[docnum])
            elif own in self.values:
                counters[own].update(self.values[own][docnum])
                # It has none of the chosen values, so choosing its own adds it.
                adds[own].update(self.values[own][docnum])
            if own is None or own == DATE_FILTER:
                date = self.dates[docnum]
                if date:
                    years[date // 10000] += 1
                    months[f"{date // 10000:04d}-{date // 100 % 100:02d}"] += 1
        picked = {name: set(values) for name, values in (chosen or {}).items()}
        facets = {
            name: [
                FacetValue(v, c, adds[name][v] if name in adds else None, v in picked.get(name, ()))
                for v, c in sorted(counter.items(), key=lambda vc: (-vc[1], vc[0]))[:limit]
            ]
            for name, counter in counters.items()
        }
        facets["year"] = [FacetValue(y, c) for y, c in sorted(years.items())]
        facets["month"] = [FacetValue(m, c) for m, c in sorted(months.items())]
        return facets

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

from typing import Any, Iterable, Mapping

import numpy as np

from .postings import Columns
from .results import FacetValue
from .schema import FACET_FIELDS

__all__ = ["FacetTable", "FACET_LIMIT", "DATE_FILTER"]

# Values listed per facet (most frequent first); years and months are all listed.
FACET_LIMIT = 50
# The filter key of the date range, whose facets are "year" and "month".
DATE_FILTER = "date"


class FacetTable:
    """Per-document facet values and dates for one reader generation.

    Each facet's values are numbered in sorted order (its ordinals); a
    document's ordinals are a slice of ``ords[name]`` from ``starts[name]``
    (compressed sparse rows: authors and tags have several values).
    Counting a set of documents is then one ``bincount`` per facet.
    """

    def __init__(
        self,
        dates: np.ndarray,
        values: Mapping[str, list[str]],
        ords: Mapping[str, np.ndarray],
        starts: Mapping[str, np.ndarray],
    ) -> None:
        """A table over ``dates.size`` documents from its arrays (see the class)."""
        size = int(dates.size)
        self.size = size
        self.dates = dates
        self.values: dict[str, list[str]] = dict(values)
        self.ords: dict[str, np.ndarray] = dict(ords)
        self.starts: dict[str, np.ndarray] = dict(starts)
        self._ordinal = {name: {value: i for i, value in enumerate(found)} for name, found in self.values.items()}
        # Each posting's document: ascending, a document once per value it has.
        self._doc_of = {name: np.repeat(np.arange(size, dtype=np.int64), np.diff(bounds))
                        for name, bounds in self.starts.items()}

    @classmethod
    def read(cls, reader: Any, columns: Columns) -> "FacetTable":
        """The table of a reader's generation, read from the postings of every facet value."""
        size = columns.size
        values: dict[str, list[str]] = {}
        ords: dict[str, np.ndarray] = {}
        starts: dict[str, np.ndarray] = {}
        for name, fieldname in FACET_FIELDS.items():
            found = sorted({raw.decode("utf-8") if isinstance(raw, bytes) else raw
                            for raw in (reader.lexicon(fieldname) if size else ())})
            docs: list[np.ndarray] = []
            ord_parts: list[np.ndarray] = []
            for ordinal, value in enumerate(found):
                ids, _ = columns.postings(reader, fieldname, value, cache=False)
                docs.append(ids.astype(np.int64))
                ord_parts.append(np.full(ids.size, ordinal, dtype=np.int32))
            doc_of = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
            ord_of = np.concatenate(ord_parts) if ord_parts else np.zeros(0, dtype=np.int32)
            order = np.argsort(doc_of, kind="stable")
            lengths = np.bincount(doc_of, minlength=size)[:size] if size else np.zeros(0, dtype=np.int64)
            values[name] = found
            ords[name] = ord_of[order]
            starts[name] = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        return cls(columns.dates, values, ords, starts)

    def date_of(self, docnum: int) -> int:
        """The YYYYMMDD date of a document, 0 when unknown."""
        return int(self.dates[docnum])

    def values_of(self, name: str, docnum: int) -> tuple[str, ...]:
        """A document's values of one facet."""
        start, end = self.starts[name][docnum], self.starts[name][docnum + 1]
        return tuple(self.values[name][o] for o in self.ords[name][start:end])

    def having(self, name: str, values: Iterable[str]) -> np.ndarray:
        """Mask of the documents that have any of ``values`` in facet ``name``."""
        ordinal = self._ordinal[name]
        wanted = np.zeros(len(self.values[name]), dtype=bool)
        for value in values:
            if value in ordinal:
                wanted[ordinal[value]] = True
        mask = np.zeros(self.size, dtype=bool)
        mask[self._doc_of[name][wanted[self.ords[name]]]] = True
        return mask

    def count(
        self,
        docnums: np.ndarray | Iterable[int],
        limit: int = FACET_LIMIT,
        filters: Mapping[str, np.ndarray] | None = None,
        chosen: Mapping[str, Iterable[str]] | None = None,
    ) -> dict[str, list[FacetValue]]:
        """Facet counts: author, affiliation, source, tag, year, month.

        ``docnums`` is a boolean mask over the documents (or their numbers).
        Without ``filters``, counts over ``docnums``.  With them (facet name,
        or ``DATE_FILTER``, to the mask of documents that filter lets
        through), ``docnums`` are the query's matches before filtering and
        each facet is counted over the matches that pass every filter but
        its own; the values of a filtered facet then carry ``adds``.
        ``chosen`` names the stored values each filter was resolved to;
        they are ``selected``.
        """
        matched = self._mask(docnums)
        filters = filters or {}
        passing = matched
        failing_one: dict[str, np.ndarray] = {}
        if filters:
            fails = np.zeros(self.size, dtype=np.int8)
            for allowed in filters.values():
                fails += ~allowed
            passing = matched & (fails == 0)
            # A document that fails exactly one filter counts in that
            # filter's own facet only (it has none of the chosen values,
            # so choosing its own adds it).
            alone = matched & (fails == 1)
            failing_one = {name: alone & ~allowed for name, allowed in filters.items()}
        picked = {name: set(values) for name, values in (chosen or {}).items()}
        facets: dict[str, list[FacetValue]] = {}
        for name in self.values:
            extra = failing_one.get(name)
            counts = self._counts(name, passing if extra is None else passing | extra)
            adds = self._counts(name, extra) if extra is not None else None
            found = np.flatnonzero(counts)
            # Most frequent first, then by value (ordinals are in value order).
            top = found[np.lexsort((found, -counts[found]))][:limit].tolist()
            values, chosen_here = self.values[name], picked.get(name, ())
            tops = counts[top].tolist()
            added = adds[top].tolist() if adds is not None else [None] * len(top)
            facets[name] = [FacetValue(values[o], c, a, values[o] in chosen_here)
                            for o, c, a in zip(top, tops, added)]
        dated = passing if DATE_FILTER not in failing_one else passing | failing_one[DATE_FILTER]
        dates = self.dates[dated]
        dates = dates[dates > 0]
        years, year_counts = np.unique(dates // 10000, return_counts=True)
        months, month_counts = np.unique(dates // 100, return_counts=True)
        facets["year"] = [FacetValue(y, c) for y, c in zip(years.tolist(), year_counts.tolist())]
        facets["month"] = [FacetValue(f"{m // 100:04d}-{m % 100:02d}", c)
                           for m, c in zip(months.tolist(), month_counts.tolist())]
        return facets

    def _mask(self, docnums: np.ndarray | Iterable[int]) -> np.ndarray:
        if isinstance(docnums, np.ndarray) and docnums.dtype == bool:
            return docnums
        mask = np.zeros(self.size, dtype=bool)
        mask[np.fromiter(docnums, dtype=np.int64)] = True
        return mask

    def _counts(self, name: str, docs: np.ndarray) -> np.ndarray:
        """How many of ``docs`` (a mask) have each value of a facet."""
        per_posting = docs[self._doc_of[name]]
        return np.bincount(self.ords[name][per_posting], minlength=len(self.values[name]))

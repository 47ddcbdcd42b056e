"""A segment writer's postings, grouped by term as they arrive.

Whoosh's ``PostingPool`` keeps one tuple per posting, sorts them all, and
past its memory limit pickles them one by one into sorted runs that it
merges back one posting at a time (``heapq.merge``): at 100,000 documents,
some 25 million pickles, loads and heap steps per process, the largest part
of a build after the analysis itself (issue 7's profile).

Documents arrive in document-number order, so a term's postings arrive
already sorted: ``TermPool`` appends each posting to its term's arrays and
never sorts postings, only terms.  Past its memory limit it writes its terms
in order to a run, one record per term; at the end the runs and what is
left in memory are merged term by term, each term's parts joined in the
order they were written.  ``iter_postings`` gives the same sorted stream as
Whoosh's pool, for any consumer; ``segmentflush`` reads it a term at a time
(``TermPostings.terms``).
"""

from __future__ import annotations

import heapq
import pickle
from array import array
from typing import Any, Iterable, Iterator

__all__ = ["TermPool", "TermPostings"]

# Estimated bytes per posting held in memory: a document number (4 bytes),
# a weight (8), a list slot for the value (8), with the arrays' growth
# margin; values that are not shared objects are counted on top.
_POSTING_BYTES = 24
# A term's own cost: its key in the field's dictionary, the bytes of the
# term, and two arrays and a list.
_TERM_BYTES = 420
# A value shorter than this is most likely a shared object (one position:
# docpostings keeps one copy of each); longer ones are counted as objects.
_SHARED_VALUE = 8
_OBJECT_BYTES = 40

# One term's postings: document numbers, weights, values.
_Term = tuple[array, array, list]


class TermPool:
    """The postings of one segment, by field and term, spilled to sorted runs past ``limitmb``.

    ``add`` takes Whoosh's posting tuples (field, term bytes, document
    number, weight, value bytes); ``add_document`` one document's postings
    of one field at once.  Postings of a term that arrive out of document
    order (no writer of ours does that) are sorted when written, as
    Whoosh's pool would.
    """

    def __init__(self, tempstore: Any, limitmb: float) -> None:
        self.tempstore = tempstore
        self.limit = int(limitmb * 1024 * 1024)
        self.size = 0
        self.fields: dict[str, dict[bytes, _Term]] = {}
        # The highest document number added per field: a document above it
        # cannot put any term out of order.
        self.high: dict[str, int] = {}
        # (field, term) whose postings came out of document order.
        self.unsorted: set[tuple[str, bytes]] = set()
        self.runs: list[str] = []
        self.fieldnames: set[str] = set()
        # Fields whose weights were given as ints (a spelling word's count).
        self.int_weights: set[str] = set()

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Add one posting ``(field, term bytes, document number, weight, value bytes)``."""
        fieldname, btext, docnum, weight, value = item
        if type(weight) is int:
            # Kept as a float; written back as Whoosh would write the int.
            self.int_weights.add(fieldname)
        self.add_document(fieldname, docnum, ((btext, 0, weight, value),))

    def add_document(self, fieldname: str, docnum: int, items: Iterable[tuple[bytes, int, float, bytes | None]]) -> None:
        """Add one document's postings of one field: ``(term bytes, frequency, weight, value bytes)``.

        A term may occur once per call (as ``field.index`` gives them).
        """
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        in_order = docnum > self.high.get(fieldname, -2)
        if in_order:
            self.high[fieldname] = docnum
        size = 0
        count = 0
        for btext, _, weight, value in items:
            entry = terms.get(btext)
            if entry is None:
                entry = terms[btext] = (array("i"), array("d"), [])
                size += _TERM_BYTES + len(btext)
            elif not in_order and entry[0][-1] >= docnum:
                self.unsorted.add((fieldname, btext))
            entry[0].append(docnum)
            entry[1].append(weight)
            entry[2].append(value)
            count += 1
            if value is not None and len(value) >= _SHARED_VALUE:
                size += _OBJECT_BYTES + len(value)
        self.size += size + count * _POSTING_BYTES
        if self.size > self.limit:
            self.save()

    def save(self) -> None:
        """Write the terms in memory to a sorted run and forget them."""
        if not self.fields:
            return
        name = f"{_random_name()}.terms"
        with self.tempstore.create_file(name).raw_file() as stream:
            for record in self._in_memory():
                pickle.dump(record, stream, pickle.HIGHEST_PROTOCOL)
        self.runs.append(name)
        self.fields = {}
        self.size = 0

    def _in_memory(self) -> Iterator[tuple[str, bytes, array, array, list]]:
        """The terms held in memory, sorted by field and term."""
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for btext in sorted(terms):
                docs, weights, values = terms[btext]
                yield fieldname, btext, docs, weights, values

    def _read_run(self, name: str) -> Iterator[tuple[str, bytes, array, array, list]]:
        with self.tempstore.open_file(name).raw_file() as stream:
            while True:
                try:
                    yield pickle.load(stream)
                except EOFError:
                    break
        self.tempstore.delete_file(name)

    def iter_postings(self) -> "TermPostings":
        """Every posting, sorted as Whoosh's pool sorts them (see ``TermPostings``)."""
        return TermPostings(self)

    def terms(self) -> Iterator[tuple[str, bytes, array, array, list]]:
        """(field, term, document numbers, weights, values) for every term, in order; consumes the runs."""
        sources = [self._read_run(name) for name in self.runs] + [self._in_memory()]
        self.runs = []
        # Each record carries its source's number: equal terms come out in
        # the order they were written, which is document order.
        keyed = [((rec[0], rec[1], number, rec) for rec in source) for number, source in enumerate(sources)]
        group: list[tuple[str, bytes, array, array, list]] = []
        for fieldname, btext, _, record in heapq.merge(*keyed):
            if group and (group[0][0] != fieldname or group[0][1] != btext):
                yield self._joined(group)
                group = []
            group.append(record)
        if group:
            yield self._joined(group)
        self.fields = {}
        self.size = 0

    def _joined(self, parts: list[tuple[str, bytes, array, array, list]]) -> tuple[str, bytes, array, array, list]:
        """One term's parts from several runs as one posting list, in document order."""
        fieldname, btext, docs, weights, values = parts[0]
        if len(parts) > 1:
            docs, weights, values = array("i", docs), array("d", weights), list(values)
            for part in parts[1:]:
                if part[2][0] <= docs[-1]:
                    self.unsorted.add((fieldname, btext))
                docs.extend(part[2])
                weights.extend(part[3])
                values.extend(part[4])
        if (fieldname, btext) in self.unsorted:
            # Whoosh's pool sorts whole postings: by document, then weight, then value.
            order = sorted(range(len(docs)), key=lambda i: (docs[i], weights[i], values[i] or b""))
            docs = array("i", [docs[i] for i in order])
            weights = array("d", [weights[i] for i in order])
            values = [values[i] for i in order]
        return fieldname, btext, docs, weights, values

    def cleanup(self) -> None:
        """Delete the runs (a cancelled or finished writer)."""
        for name in self.runs:
            try:
                self.tempstore.delete_file(name)
            except OSError:
                pass
        self.runs = []
        self.fields = {}
        self.size = 0


class TermPostings:
    """A pool's postings in Whoosh's order: iterating gives (field, term, document, weight, value) tuples.

    ``terms()`` gives them a term at a time instead, which ``segmentflush``
    writes without a Python step per posting.
    """

    def __init__(self, pool: TermPool) -> None:
        self.pool = pool

    def terms(self) -> Iterator[tuple[str, bytes, array, array, list]]:
        """(field, term, document numbers, weights, values) per term, in order."""
        return self.pool.terms()

    def __iter__(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        for fieldname, btext, docs, weights, values in self.pool.terms():
            if fieldname in self.pool.int_weights:
                weights = map(int, weights)  # type: ignore[assignment]
            for docnum, weight, value in zip(docs, weights, values):
                yield fieldname, btext, docnum, weight, value


def _random_name() -> str:
    import random
    import string

    return "".join(random.choices(string.ascii_lowercase + string.digits, k=16))

"""Phrase matching from positions: every word the user typed keeps its place.

A phrase is a sequence of slots ``(offset, term)`` (``schema.phrase_slots``):
kept words by their index term, removed (stop) words as ``STOP_TERM`` plus
the word.  A document has the phrase at position ``p`` when every kept word
of it occurs at ``p + offset`` and every removed word was removed at
``p + offset`` (``ProseField`` indexes removed words under their own
terms, which no query word can reach).  So
``"war of independence"`` matches "war of independence" and not "war for
independence", "war independence" or "war and then independence", as in
SQLite FTS5, which removes nothing.

Matching is array work over positions decoded once per generation
(``Columns.positions``): the rarest term's documents are intersected with
each further term's, and only then are the positions of the surviving
documents compared, as sorted keys ``(candidate, position - offset)`` that
every slot must share.  A term far more common than the candidates left
(a stop word's removed-word key) is read for those candidates only.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
from whoosh.reading import TermNotFound

from .postings import Columns, Positions, decode_positions, leaf_positions, live_mask, read_positions
from .schema import STOP_TERM

__all__ = ["phrase_postings", "positions_of", "is_removed"]

Slot = tuple[int, str]


def is_removed(term: str) -> bool:
    """True when a slot's term stands for a removed (stop) word."""
    return term.startswith(STOP_TERM)


def phrase_postings(reader: Any, fieldname: str, slots: Sequence[Slot],
                    columns: Columns | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The live documents of ``reader`` that have the phrase in ``fieldname``,
    ascending (int32), and how many times each has it (float32).

    ``slots`` are ``(offset, term)`` pairs as ``schema.phrase_slots`` makes
    them.  ``columns`` (the generation's arrays) caches decoded positions
    between searches; without it they are read for this call only.
    Deleted documents never match.
    """
    # One position list per distinct index term (removed words have theirs).
    wanted: dict[str, list[int]] = {}
    for offset, term in slots:
        wanted.setdefault(term, []).append(offset)
    nothing = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    if not wanted:
        return nothing
    frequency = {term: reader.doc_frequency(fieldname, term) for term in wanted}
    if not all(frequency.values()):
        return nothing
    read = _position_reader(reader, fieldname, columns)
    # Cheapest first: the rarest term gives the candidates, each further
    # term can only remove some (and is read for those alone when it is
    # much longer).
    found: dict[str, Positions] = {}
    candidates: np.ndarray | None = None
    for term in sorted(wanted, key=frequency.__getitem__):
        positions = read(term, candidates)
        found[term] = positions
        candidates = positions[0] if candidates is None else candidates[_rows_in(positions[0], candidates)]
        if not candidates.size:
            return nothing
    assert candidates is not None  # wanted is not empty
    # Keys are ``candidate << 32 | (position - offset + bias)``; the bias
    # keeps the low half from going negative for any slot.
    bias = max(offset for offset, _ in slots)
    keys = sorted((_start_keys(found[term], candidates, bias - offset) for term, offsets in wanted.items()
                   for offset in offsets), key=len)
    # Phrase starts every slot allows: the shortest list, filtered by each other.
    starts = keys[0]
    for other in keys[1:]:
        starts = starts[_rows_in(other, starts)]
        if not starts.size:
            return nothing
    counts = np.bincount(starts >> 32, minlength=candidates.size)
    present = counts > 0
    return candidates[present].astype(np.int32), counts[present].astype(np.float32)


def _position_reader(reader: Any, fieldname: str, columns: Columns | None
                     ) -> Callable[[str, np.ndarray | None], Positions]:
    """How to get a term's positions: through the generation's cache, or
    straight from the reader (the candidates only, after the first term)."""
    if columns is not None:
        return lambda term, within: columns.positions(reader, fieldname, term, within)
    live = live_mask(reader, reader.doc_count_all())
    return lambda term, within: read_positions(reader, fieldname, term, live, within)


def _rows_in(ordered: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Mask over the ascending ``values``: True where the ascending
    ``ordered`` holds the value too."""
    if not ordered.size:
        return np.zeros(values.size, dtype=bool)
    rows = np.minimum(np.searchsorted(ordered, values), ordered.size - 1)
    return ordered[rows] == values


def _start_keys(positions: Positions, candidates: np.ndarray, shift: int) -> np.ndarray:
    """Ascending keys ``(index in candidates, position + shift)`` of one slot,
    for the candidates (every one of which the term has); ``shift`` >= 0."""
    ids, starts, flat = positions
    rows = np.searchsorted(ids, candidates)
    first = starts[rows]
    lengths = starts[rows + 1] - first
    # Positions of each candidate's run, gathered in one go: run k starts at
    # first[k] and sits after the previous runs' total in the output.
    ends = np.cumsum(lengths)
    gather = np.repeat(first - (ends - lengths), lengths) + np.arange(int(ends[-1]) if ends.size else 0)
    owner = np.repeat(np.arange(candidates.size, dtype=np.int64), lengths)
    return (owner << 32) | (flat[gather].astype(np.int64) + shift)


def positions_of(leaf: Any, fieldname: str, term: str, docnums: Sequence[int]) -> dict[int, Sequence[int]]:
    """The positions of ``term`` in each of the ascending ``docnums`` that has it.

    Blocks of the posting list that hold none of ``docnums`` are passed
    over undecoded, so a long posting list costs about what the
    candidates' blocks do.  Deleted documents are left out.
    """
    if not len(docnums):
        return {}
    try:
        matcher = leaf.postings(fieldname, term)
    except TermNotFound:
        return {}
    deleted = leaf.deleted_docs_set if leaf.has_deletions() else frozenset()
    within = np.asarray(docnums, dtype=np.int64)
    ids: list[int] = []
    values: list[bytes] = []
    for block_ids, encoded in leaf_positions(matcher, leaf.schema[fieldname].format, within):
        ids += block_ids.tolist()
        values += encoded
    starts, flat = decode_positions(values)
    bounds = starts.tolist()
    return {docnum: flat[bounds[i]:bounds[i + 1]].tolist() for i, docnum in enumerate(ids) if docnum not in deleted}

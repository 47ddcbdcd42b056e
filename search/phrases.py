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
every slot must share.  The candidates are matched a range at a time
(``PHRASE_RANGE``), and a stop word's removed-word key, or a term far more
common than the candidates, is streamed range by range (whole, to be
cached, or for the candidates only: ``_reading``), so that a phrase such as
"people and" never holds a stop word's positions as keys in one piece.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from whoosh.reading import TermNotFound

from . import postings
from .postings import (Columns, PositionStream, Positions, decode_positions, join_positions, leaf_positions, live_mask,
                       positions_bytes, read_positions)
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
    if not wanted:
        return _NOTHING
    frequency = {term: reader.doc_frequency(fieldname, term) for term in wanted}
    if not all(frequency.values()):
        return _NOTHING
    live = columns.live if columns is not None else live_mask(reader, reader.doc_count_all())
    # Cheapest first: the rarest term gives the candidates, each further
    # term read whole can only remove some.  A stop word's removed-word key
    # (*and*: 1.8 M positions at 100,000 documents) and a term far longer
    # than the candidates are streamed instead (``PositionStream``), a range
    # of documents at a time, as the candidates are matched range by range.
    found: dict[str, Positions] = {}
    streamed: dict[str, bool] = {}  # streamed term -> read whole (then cached)
    candidates: np.ndarray | None = None
    for term in sorted(wanted, key=frequency.__getitem__):
        how = _reading(reader, fieldname, term, candidates, columns)
        if how != "read":
            streamed[term] = how == "whole"
            continue
        positions = (columns.positions(reader, fieldname, term) if columns is not None
                     else read_positions(reader, fieldname, term, live))
        found[term] = positions
        candidates = positions[0] if candidates is None else candidates[_rows_in(positions[0], candidates)]
        if not candidates.size:
            return _NOTHING
    assert candidates is not None  # the rarest term is always read
    streams = {term: PositionStream(reader, fieldname, term, live, None if whole else candidates)
               for term, whole in streamed.items()}
    read_whole: dict[str, list[Positions]] = {term: [] for term, whole in streamed.items() if whole}
    # Keys are ``candidate << 32 | (position - offset + bias)``; the bias
    # keeps the low half from going negative for any slot.
    bias = max(offset for offset, _ in slots)
    docs: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    # Range by range, so that a query's arrays stay a few MB however common
    # its words are.
    for first in range(0, candidates.size, PHRASE_RANGE):
        part = candidates[first:first + PHRASE_RANGE]
        end = int(part[-1]) + 1
        for term, stream in streams.items():
            found[term] = stream.upto(end)
            if term in read_whole:
                _keep_reading(read_whole, term, found[term], columns)
            part = part[_rows_in(found[term][0], part)]
        if part.size:
            part_docs, part_counts = _phrase_starts(found, wanted, part, bias)
            docs.append(part_docs)
            counts.append(part_counts)
    if columns is not None:
        # The rest of each whole-read term's documents, a range at a time
        # too, so that a wrong estimate costs no more than the cache keeps.
        total = reader.doc_count_all()
        for term in list(read_whole):
            for end in range(int(candidates[-1]) + 1 + PHRASE_RANGE, total + PHRASE_RANGE, PHRASE_RANGE):
                if term not in read_whole:
                    break
                _keep_reading(read_whole, term, streams[term].upto(min(end, total)), columns)
            if term in read_whole:
                columns.keep_positions(fieldname, term, join_positions(read_whole[term]))
    if not docs:
        return _NOTHING
    return np.concatenate(docs), np.concatenate(counts)


def _keep_reading(read_whole: dict[str, list[Positions]], term: str, part: Positions, columns: Columns | None) -> None:
    """Add one range of a whole-read term's positions, or give the term up.

    Whether a term is read whole comes from an estimate of its first block
    (``Columns.could_keep``); an index whose first documents are short can
    make it far too small.  Once the parts outgrow what the cache would
    keep, they are dropped and the term goes on as a plain stream, so a
    query never holds more of it than that.
    """
    parts = read_whole[term]
    parts.append(part)
    if columns is None or not columns.would_keep(positions_bytes(parts)):
        del read_whole[term]


def _reading(reader: Any, fieldname: str, term: str, candidates: np.ndarray | None, columns: Columns | None) -> str:
    """How a phrase reads a term: ``"read"`` whole (from the cache, or
    read and cached), ``"whole"`` streamed whole and cached after, or
    ``"within"`` streamed for the candidates only, not cached.

    The rarest term is read.  Without a cache every later one is streamed
    for the candidates.  With one, a term with more than ``POSITIONS_WHOLE``
    times the candidates' documents is too; any other is read, or, for a
    removed word's key, streamed whole if the cache would keep it, else
    for the candidates: its positions are megabytes, whose decoding and
    matching in one piece cost a worker 100 MB and more.
    """
    if candidates is None:
        return "read"
    if columns is None:
        return "within"
    if columns.cached_positions(fieldname, term) is not None:
        return "read"
    if reader.doc_frequency(fieldname, term) > postings.POSITIONS_WHOLE * candidates.size:
        return "within"
    if not is_removed(term):
        return "read"
    # A stop word read whole costs decoding all its documents' positions
    # now, for a cache entry that later phrases with it reuse (on the
    # wordfreq benchmark's phrases, reading only the candidates' was slower
    # at p95 for that reason): worth it only if the cache would keep it.
    return "whole" if columns.could_keep(reader, fieldname, term) else "within"


# Candidates matched per step (a term streamed is read that far each step):
# a stop word's positions in 16,384 documents of 400-900 words make 10-30 MB
# of arrays, against 100-300 MB for all of a 100k index's; fewer, larger
# steps were 17 % faster than steps of 4,096 on six wordfreq phrases.
PHRASE_RANGE = 16384

_NOTHING = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)


def _phrase_starts(found: dict[str, Positions], wanted: dict[str, list[int]], candidates: np.ndarray,
                   bias: int) -> tuple[np.ndarray, np.ndarray]:
    """``phrase_postings`` for ``candidates``, every one of which has every
    term (``found`` holds each term's positions in them, at least)."""
    keys = sorted((_start_keys(found[term], candidates, bias - offset) for term, offsets in wanted.items()
                   for offset in offsets), key=len)
    # Phrase starts every slot allows: the shortest list, filtered by each other.
    starts = keys[0]
    for other in keys[1:]:
        starts = starts[_rows_in(other, starts)]
        if not starts.size:
            return _NOTHING
    counts = np.bincount(starts >> 32, minlength=candidates.size)
    present = counts > 0
    return candidates[present].astype(np.int32), counts[present].astype(np.float32)


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

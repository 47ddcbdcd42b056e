"""One index generation's postings and per-document columns as numpy arrays.

Whoosh hands postings out one at a time through several method calls each,
and field lengths one ``doc_field_length`` call (a column seek) at a time;
at 100,000 documents that per-item work was most of a search.  ``Columns``
reads what a search needs once per generation, vectorised:

* the live-document mask (deleted documents are False), so that postings
  of segments with deletions are read as fast as any other;
* each text field's BM25 length factor ``1 - b + b * length / average``,
  from the whole length column at once;
* each document's date (YYYYMMDD, 0 when undated);
* decoded postings per (field, term): global document numbers (int32,
  ascending, live only) and term frequencies (float32), in a cache bounded
  by bytes (``POSTINGS_CACHE_BYTES``, least recently used out first);
* decoded word positions per (field, term), for phrases: the same document
  numbers, where each document's run starts in one flat array, and that
  array of positions, in a second cache bounded the same way
  (``POSITIONS_CACHE_BYTES``).  A term much more common than the documents
  a phrase still needs is read for those documents only, uncached.

Everything is derived from the files of one generation, so it never goes
stale; a new generation gets a new ``Columns``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pickle import loads
from typing import Any, Iterator, Sequence

import numpy as np
from whoosh import formats
from whoosh.reading import TermNotFound

from .schema import TEXT_FIELDS

__all__ = ["Columns", "PositionStream", "term_blocks", "read_positions", "leaf_positions", "decode_positions", "estimated_bytes", "join_positions", "live_mask", "POSTINGS_CACHE_BYTES", "POSITIONS_CACHE_BYTES",
           "Postings", "Positions"]

# Decoded postings kept per generation.  A term's entry costs 8 bytes per
# posting (int32 id + float32 tf): 64 MB holds about 8 M postings, the
# common words of a 100k-document index several times over.
POSTINGS_CACHE_BYTES = 64 * 1024 * 1024

# Decoded positions kept per generation: 4 bytes per position and 12 per
# document.  The topic words of a 100k-document index take 0.1-1 MB each; a
# stop word's removed-word key takes tens of MB and is read per query for
# the phrase's candidates instead (see ``Columns.positions``).
POSITIONS_CACHE_BYTES = 64 * 1024 * 1024

# (document numbers, term frequencies) of one term, or of a phrase.
Postings = tuple[np.ndarray, np.ndarray]

# (document numbers, run starts, positions) of one term: the positions in
# document ``ids[i]`` are ``flat[starts[i]:starts[i + 1]]``, ascending.
Positions = tuple[np.ndarray, np.ndarray, np.ndarray]

_EMPTY: Postings = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


class Columns:
    """Per-document arrays and decoded postings for one reader generation.

    ``searcher`` is any searcher of that generation; posting lookups take
    the calling thread's reader, since Whoosh readers are not shared between
    threads.  ``b`` is BM25's length normalisation.
    """

    def __init__(self, searcher: Any, b: float) -> None:
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        self.live = live_mask(reader, self.size)
        self.live_count = int(self.live.sum())
        self.b = b
        self.norms: dict[str, np.ndarray] = {}
        for name in TEXT_FIELDS:
            lengths = _field_lengths(reader, name, self.size)
            avg = searcher.avg_field_length(name) or 1.0
            # Same arithmetic, in the same order, as the one-document form
            # ``max((1 - b) + b * length / avg, 1e-6)`` it replaces.
            self.norms[name] = np.maximum((1.0 - b) + b * lengths / avg, 1e-6)
        self.dates = _dates(reader, self.size)
        self._cache: OrderedDict[tuple[str, str], Postings] = OrderedDict()
        self._cached_bytes = 0
        self._positions: _Bounded = _Bounded(POSITIONS_CACHE_BYTES)
        self._lock = threading.Lock()

    def positions(self, reader: Any, fieldname: str, text: str, within: np.ndarray | None = None) -> Positions:
        """The live documents of a term and its positions in each (``Positions``).

        With ``within`` (ascending document numbers), only those documents
        are wanted: a term read whole before, or with no more documents
        than ``POSITIONS_WHOLE`` times ``within``, comes whole from the
        cache; a much longer one is read for ``within`` only, skipping its
        other blocks, and not kept.  Callers must then restrict the result
        to ``within`` themselves.
        """
        key = (fieldname, text)
        found = self._positions.get(key)
        if found is not None:
            return found
        if within is not None and reader.doc_frequency(fieldname, text) > POSITIONS_WHOLE * len(within):
            return read_positions(reader, fieldname, text, self.live, within)
        found = read_positions(reader, fieldname, text, self.live)
        self._positions.put(key, found)
        return found

    def cached_positions(self, fieldname: str, text: str) -> Positions | None:
        """A term's positions if this generation's cache holds them."""
        return self._positions.get((fieldname, text))

    def could_keep(self, reader: Any, fieldname: str, text: str) -> bool:
        """Whether a term's positions, read whole, would probably be cached
        (an estimate from its first block: see ``estimated_bytes``)."""
        return self.would_keep(estimated_bytes(reader, fieldname, text))

    def would_keep(self, nbytes: int) -> bool:
        """Whether positions of ``nbytes`` bytes would be cached (the cache
        refuses an entry over a quarter of its size)."""
        return nbytes <= self._positions.limit // 4

    def keep_positions(self, fieldname: str, text: str, positions: Positions) -> None:
        """Cache a term's positions read whole elsewhere (``PositionStream``), as ``positions`` would."""
        self._positions.put((fieldname, text), positions)

    def postings(self, reader: Any, fieldname: str, text: str, *, cache: bool = True) -> Postings:
        """The live postings of a term: ascending document numbers and
        frequencies.  ``cache=False`` for lists read once (facet values)."""
        key = (fieldname, text)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        ids, tfs = _read_term(reader, fieldname, text)
        if ids.size:
            keep = self.live[ids]
            if not keep.all():
                ids, tfs = ids[keep], tfs[keep]
        found = (ids, tfs)
        if cache:
            self._keep(key, found)
        return found

    def _keep(self, key: tuple[str, str], found: Postings) -> None:
        cost = found[0].nbytes + found[1].nbytes + 100
        if cost > POSTINGS_CACHE_BYTES // 4:
            return  # one huge list must not flush everything else
        with self._lock:
            if key in self._cache:
                return
            self._cache[key] = found
            self._cached_bytes += cost
            while self._cached_bytes > POSTINGS_CACHE_BYTES:
                _, old = self._cache.popitem(last=False)
                self._cached_bytes -= old[0].nbytes + old[1].nbytes + 100

    def docs_mask(self, ids: np.ndarray) -> np.ndarray:
        """A boolean mask over every document, True at ``ids``."""
        mask = np.zeros(self.size, dtype=bool)
        mask[ids] = True
        return mask


# Read a term's positions whole (and cache them) unless it has more than
# this many times the documents a phrase still needs.
POSITIONS_WHOLE = 8


class _Bounded:
    """A thread-safe least-recently-used map of arrays, bounded by their bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._items: OrderedDict[Any, tuple[np.ndarray, ...]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def cost(value: tuple[np.ndarray, ...]) -> int:
        """Bytes an entry is charged: its arrays plus a little for the key."""
        return sum(a.nbytes for a in value) + 100

    def get(self, key: Any) -> Any:
        """The entry, now most recently used, or None."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Any, value: tuple[np.ndarray, ...]) -> None:
        """Keep ``value`` unless it is over a quarter of the bound (one huge
        entry must not flush every other), dropping the oldest to fit."""
        cost = self.cost(value)
        if cost > self.limit // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self.used += cost
            while self.used > self.limit:
                _, old = self._items.popitem(last=False)
                self.used -= self.cost(old)


def term_blocks(reader: Any, fieldname: str, text: str) -> list[tuple[Sequence[int], Sequence[float]]]:
    """The postings of a term in every segment, as blocks of live documents."""
    found = []
    for leaf, base in reader.leaf_readers():
        deleted = leaf.deleted_docs_set if leaf.has_deletions() else frozenset()
        for ids, tfs in _segment_blocks(leaf, fieldname, text):
            if deleted:
                kept = [(d, t) for d, t in zip(ids, tfs) if d not in deleted]
                ids, tfs = [d for d, _ in kept], [t for _, t in kept]
            found.append((ids, tfs) if not base else ([base + d for d in ids], tfs))
    return found


def _read_term(reader: Any, fieldname: str, text: str) -> Postings:
    """A term's postings over every segment, deleted documents included
    (the caller drops them with the live mask)."""
    ids_parts: list[np.ndarray] = []
    tf_parts: list[np.ndarray] = []
    for leaf, base in reader.leaf_readers():
        for block_ids, block_tfs in _segment_blocks(leaf, fieldname, text):
            ids_parts.append(np.asarray(block_ids, dtype=np.int64) + base)
            tf_parts.append(np.asarray(block_tfs, dtype=np.float32))
    if not ids_parts:
        return _EMPTY
    return np.concatenate(ids_parts).astype(np.int32), np.concatenate(tf_parts)


def _segment_blocks(leaf: Any, fieldname: str, text: str) -> list[tuple[Sequence[int], Sequence[float]]]:
    """One segment's postings of a term as blocks of (ids, weights).

    The codec's blocks are taken whole, deleted documents included; another
    codec is read through the public API, which leaves deleted ones out.
    """
    try:
        # One term lookup, not two (`in` and then `postings`): for the
        # thousands of facet values read per generation, lookups dominate.
        matcher = leaf.postings(fieldname, text)
    except TermNotFound:
        return []
    blocks = _raw_blocks(_unfiltered(matcher))
    if blocks is None:
        ids: list[int] = []
        tfs: list[float] = []
        while matcher.is_active():
            ids.append(matcher.id())
            tfs.append(matcher.weight())
            matcher.next()
        blocks = [(ids, tfs)]
    return blocks


def _unfiltered(matcher: Any) -> Any:
    """The codec's own matcher under Whoosh's deleted-documents filter.

    The filter advances the codec's matcher past deleted documents only, so
    the blocks still to read hold every live posting; deleted ones are
    dropped afterwards (``Columns`` by its live mask, ``term_blocks`` by the
    segment's deleted set).
    """
    if type(matcher).__name__ == "FilterMatcher" and getattr(matcher, "_exclude", False):
        return getattr(matcher, "child", matcher)
    return matcher


# The posting-list reader of Whoosh's current codec, whose blocks of ids and
# weights can be taken whole; the public one-posting-at-a-time interface
# costs several method calls per posting, which dominated query time.
_BLOCK_MATCHER = "W3LeafMatcher"
_BLOCK_API = ("is_active", "_read_data", "_read_weights", "_next_block", "_data", "_byteids", "_weights")


def _raw_blocks(matcher: Any) -> list[tuple[Sequence[int], Sequence[float]]] | None:
    """The matcher's blocks of (ids, weights), or None when it is not a plain
    posting list of the known codec (the caller then uses the public API)."""
    if type(matcher).__name__ != _BLOCK_MATCHER or not all(hasattr(matcher, a) for a in _BLOCK_API):
        return None
    blocks = []
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        raw = matcher._data[0]
        # Ids are stored as gaps unless the block kept them whole.
        ids = raw if matcher._byteids else np.cumsum(np.asarray(raw, dtype=np.int64))
        if matcher._weights is None:
            matcher._read_weights()
        blocks.append((ids, matcher._weights))
        matcher._next_block()
    return blocks


def read_positions(reader: Any, fieldname: str, text: str, live: np.ndarray,
                   within: np.ndarray | None = None) -> Positions:
    """A term's live documents (``live`` is the generation's mask) and its
    positions in each, over every segment (see ``Positions``).

    With ``within`` (ascending global document numbers), only those
    documents are read: blocks holding none of them are skipped undecoded.
    """
    ids_parts: list[np.ndarray] = []
    values: list[bytes] = []
    for ids, encoded in _live_blocks(reader, fieldname, text, live, within):
        ids_parts.append(ids)
        values.extend(encoded)
    if not ids_parts:
        return _NO_POSITIONS
    return (np.concatenate(ids_parts).astype(np.int32), *decode_positions(values))


def estimated_bytes(reader: Any, fieldname: str, text: str) -> int:
    """What a term's ``Positions`` would take in memory, from its document
    count and the positions per document of its first block (one block
    read: a fraction of a millisecond)."""
    for leaf, _ in reader.leaf_readers():
        try:
            matcher = leaf.postings(fieldname, text)
        except TermNotFound:
            continue
        for ids, values in leaf_positions(matcher, leaf.schema[fieldname].format, None):
            starts, _ = decode_positions(values)
            per_document = int(starts[-1]) / max(1, len(ids))
            return int(reader.doc_frequency(fieldname, text) * (12 + 4 * per_document))
    return 0


def positions_bytes(parts: Sequence[Positions]) -> int:
    """The memory that ``parts`` take, all arrays counted."""
    return sum(array.nbytes for part in parts for array in part)


def join_positions(parts: Sequence[Positions]) -> Positions:
    """Positions of consecutive ranges of documents as one (``Positions``)."""
    parts = [part for part in parts if part[0].size]
    if not parts:
        return _NO_POSITIONS
    starts = [parts[0][1]]
    for _, part_starts, _ in parts[1:]:
        starts.append(part_starts[1:] + starts[-1][-1])
    return (np.concatenate([ids for ids, _, _ in parts]), np.concatenate(starts),
            np.concatenate([flat for _, _, flat in parts]))


_NO_POSITIONS: Positions = (np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32))


def _live_blocks(reader: Any, fieldname: str, text: str, live: np.ndarray,
                 within: np.ndarray | None) -> Iterator[tuple[np.ndarray, list[bytes]]]:
    """A term's postings over every segment, in ascending global document
    numbers, as blocks of (live ids, encoded positions); ``within`` as in
    ``read_positions``."""
    for leaf, base in reader.leaf_readers():
        local = None
        if within is not None:
            lo, hi = np.searchsorted(within, (base, base + leaf.doc_count_all()))
            if lo == hi:
                continue
            local = within[lo:hi].astype(np.int64) - base
        try:
            matcher = leaf.postings(fieldname, text)
        except TermNotFound:
            continue
        for ids, encoded in leaf_positions(matcher, leaf.schema[fieldname].format, local):
            ids = ids + base
            keep = live[ids]
            if not keep.all():
                ids = ids[keep]
                encoded = [v for v, k in zip(encoded, keep) if k]
            if ids.size:
                yield ids, encoded


class PositionStream:
    """A term's positions in some documents, decoded a range of documents at
    a time.

    A stop word's removed-word key has positions in nearly every document,
    tens of MB of them at 100,000 documents; a phrase with one reads them
    for its candidates in ranges (``upto``), so that a query holds one
    range's arrays at a time, not all of them.  The posting list is walked
    once: blocks holding no wanted document are skipped undecoded.
    """

    def __init__(self, reader: Any, fieldname: str, text: str, live: np.ndarray, within: np.ndarray | None) -> None:
        self._blocks = _live_blocks(reader, fieldname, text, live, within)
        self._ids = np.zeros(0, dtype=np.int64)  # read, not yet handed out
        self._values: list[bytes] = []

    def upto(self, end: int) -> Positions:
        """The positions (``Positions``) of the wanted documents numbered
        below ``end`` and not handed out by an earlier call."""
        ids_parts: list[np.ndarray] = []
        values: list[bytes] = []
        while True:
            cut = int(np.searchsorted(self._ids, end))
            if cut:
                ids_parts.append(self._ids[:cut])
                values += self._values[:cut]
                self._ids, self._values = self._ids[cut:], self._values[cut:]
            if self._ids.size:
                break  # the rest is at or after ``end``
            block = next(self._blocks, None)
            if block is None:
                break
            self._ids, self._values = block
        if not ids_parts:
            return _NO_POSITIONS
        return (np.concatenate(ids_parts).astype(np.int32), *decode_positions(values))


# What reading a block's positions needs from the codec's posting reader.
_POSITION_API = ("is_active", "_read_data", "_read_values", "_next_block", "_data", "_byteids", "_maxid", "_values")
_POSITIONS = formats.Positions()


def leaf_positions(matcher: Any, fmt: Any, within: np.ndarray | None) -> Iterator[tuple[np.ndarray, list[bytes]]]:
    """One segment's postings of a term as blocks of (local ids, each
    document's positions as a ``Positions`` value: ``decode_positions``
    reads them), deleted documents included where the codec's blocks are
    read; only ``within`` (ascending local ids) when given."""
    raw = _unfiltered(matcher)
    if type(raw).__name__ != _BLOCK_MATCHER or not all(hasattr(raw, a) for a in _POSITION_API):
        blocks = _public_positions(matcher, within)
    else:
        blocks = _block_positions(raw, within)
    if type(fmt) is formats.Positions:
        yield from blocks
    else:  # another format with positions: re-encoded (no field of ours)
        for ids, values in blocks:
            yield ids, [_POSITIONS.encode(fmt.decode_positions(v)) for v in values]


def _block_positions(raw: Any, within: np.ndarray | None) -> Iterator[tuple[np.ndarray, list[bytes]]]:
    """``leaf_positions`` from the codec's blocks, taken whole."""
    i, count = 0, 0 if within is None else len(within)
    while raw.is_active():
        if within is not None:
            if i >= count:
                return
            if within[i] > raw._maxid:
                raw._next_block()  # none of ours here: not even decompressed
                continue
        if raw._data is None:
            raw._read_data()
        data = raw._data[0]
        ids = np.asarray(data, dtype=np.int64) if raw._byteids else np.cumsum(np.asarray(data, dtype=np.int64))
        if raw._values is None:
            raw._read_values()
        values = raw._values
        if within is not None:
            j = int(np.searchsorted(within, raw._maxid, side="right"))
            rows = _present(ids, within[i:j])
            i = j
            if rows.size:
                yield ids[rows], [values[r] for r in rows.tolist()]
        else:
            yield ids, list(values)
        raw._next_block()


def _present(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Rows of the ascending ``ids`` that hold one of ``wanted``."""
    rows = np.searchsorted(ids, wanted)
    inside = rows < len(ids)
    rows = rows[inside]
    return rows[ids[rows] == wanted[inside]]


def _public_positions(matcher: Any, within: np.ndarray | None) -> Iterator[tuple[np.ndarray, list[bytes]]]:
    """``leaf_positions`` through Whoosh's public one-posting-at-a-time
    interface (another codec), which already leaves deleted documents out."""
    ids: list[int] = []
    values: list[bytes] = []
    wanted = None if within is None else within.tolist()
    k = 0
    while matcher.is_active():
        if wanted is not None:
            if k >= len(wanted):
                break
            if matcher.id() < wanted[k]:
                matcher.skip_to(wanted[k])
                continue
            if matcher.id() > wanted[k]:
                k += 1
                continue
        ids.append(matcher.id())
        values.append(matcher.value())
        matcher.next()
    yield np.asarray(ids, dtype=np.int64), values


# A Positions value: a 4-byte big-endian count, then the gaps between
# positions pickled as a list (protocol 2): PROTO 2, EMPTY_LIST, BINPUT 0,
# then one int, APPEND; or MARK, the ints, APPENDS (in batches of 1000).
_HEADER = np.frombuffer(b"\x80\x02]q\x00", dtype=np.uint8)
_PARSED_RUN = 64  # longer runs (a long document's common word) are unpickled
_K, _M, _J = ord("K"), ord("M"), ord("J")


# Values decoded per step of ``decode_positions``: its temporary arrays are
# several times the bytes they read (a stop word's block run can be tens of
# MB), so a long sequence is decoded in slices to bound a query's memory.
_DECODE_SLICE = 16384


def decode_positions(values: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Run starts and positions (see ``Positions``) of many ``Positions``
    values at once, ``_DECODE_SLICE`` values at a time."""
    if len(values) <= _DECODE_SLICE:
        return _decode_slice(values)
    parts = [_decode_slice(values[i:i + _DECODE_SLICE]) for i in range(0, len(values), _DECODE_SLICE)]
    starts = np.zeros(len(values) + 1, dtype=np.int64)
    offset, row = 0, 0
    for part_starts, part_positions in parts:
        n = len(part_starts) - 1
        starts[row + 1:row + n + 1] = part_starts[1:] + offset
        offset += len(part_positions)
        row += n
    return starts, np.concatenate([positions for _, positions in parts])


def _decode_slice(values: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Run starts and positions (see ``Positions``) of many ``Positions``
    values at once.

    Unpickling them cost a few microseconds each, most of a phrase's time
    on first use of its words.  Instead the pickled gaps are read as bytes
    with numpy: runs of one-byte gaps only (a stop word's, mostly) all at
    once, since their bytes have a fixed layout; the others one gap of every
    value per step.  A value of more than ``_PARSED_RUN`` gaps not of the
    first kind, or not in the expected shape, is unpickled.  Positions are
    then one cumulative sum less the sum before each run.
    """
    count = len(values)
    raw = b"".join(values)
    buf = np.zeros(len(raw) + 8, dtype=np.uint8)  # padding: reads past the end stay inside
    buf[:len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    sizes = np.fromiter(map(len, values), dtype=np.int64, count=count)
    begin = np.zeros(count, dtype=np.int64)
    np.cumsum(sizes[:-1], out=begin[1:])
    lengths = ((buf[begin].astype(np.int64) << 24) | (buf[begin + 1].astype(np.int64) << 16)
               | (buf[begin + 2].astype(np.int64) << 8) | buf[begin + 3])
    starts = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    gaps = np.zeros(int(starts[-1]), dtype=np.int64)
    header = np.all(buf[begin[:, None] + 4 + np.arange(_HEADER.size)] == _HEADER, axis=1) if count else np.zeros(0, bool)
    header &= lengths >= 1
    done = _one_byte_runs(buf, begin, sizes, lengths, starts, header, gaps)
    parsed = header & ~done & (lengths <= _PARSED_RUN)
    bad = _stepwise_runs(buf, begin, lengths, starts, parsed, gaps)
    for index in np.flatnonzero(~(done | parsed) | bad).tolist():
        value = values[index]
        unpickled = loads(value[4:] if value.endswith(b".") else value[4:] + b".")
        if len(unpickled) != lengths[index]:
            raise ValueError("a Positions value whose count does not match its gaps")
        gaps[starts[index]:starts[index + 1]] = unpickled
    summed = np.cumsum(gaps)
    before = np.concatenate(([0], summed))[starts[:-1]]
    return starts, (summed - np.repeat(before, lengths)).astype(np.int32)


# Pickle writes a list's items in batches of this many (MARK ... APPENDS).
_PICKLE_BATCH = 1000


def _one_byte_runs(buf: np.ndarray, begin: np.ndarray, sizes: np.ndarray, lengths: np.ndarray,
                   starts: np.ndarray, header: np.ndarray, gaps: np.ndarray) -> np.ndarray:
    """Fill ``gaps`` for the values whose gaps are all one-byte ints (``K``),
    and say which those were (a mask over the values).

    Such a value is the header, a MARK when it has more than one gap,
    ``K`` and a byte per gap, the closing opcode and perhaps a STOP: its
    size says so, and every opcode byte is checked before its gaps count.
    """
    several = lengths > 1
    first = begin + 4 + _HEADER.size + several
    closing = first + 2 * lengths
    tail = begin + sizes - closing  # 1, or 2 with the STOP
    last = buf[np.minimum(begin + sizes - 1, buf.size - 1)]
    shaped = header & (lengths <= _PICKLE_BATCH) & ((tail == 1) | ((tail == 2) & (last == ord("."))))
    shaped[shaped] &= buf[closing[shaped]] == np.where(several[shaped], ord("e"), ord("a"))
    rows = np.flatnonzero(shaped)
    if not rows.size:
        return shaped
    n = lengths[rows]
    total = int(n.sum())
    # Gap k of a run sits at byte first + 2k + 1, and goes to starts + k.
    within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)
    at = np.repeat(first[rows], n) + 2 * within
    owner = np.repeat(rows, n)
    shaped[owner[buf[at] != _K]] = False
    keep = shaped[owner]
    gaps[(np.repeat(starts[rows], n) + within)[keep]] = buf[at[keep] + 1]
    return shaped


def _stepwise_runs(buf: np.ndarray, begin: np.ndarray, lengths: np.ndarray, starts: np.ndarray,
                   parsed: np.ndarray, gaps: np.ndarray) -> np.ndarray:
    """Fill ``gaps`` for the ``parsed`` values one gap of every value per
    step (ints of one, two or four bytes); the values found not to be in the
    expected shape are returned as a mask, to be unpickled."""
    rows = np.flatnonzero(parsed)
    cursor = begin[rows] + 4 + _HEADER.size + (lengths[rows] > 1)
    out = starts[rows]
    bad = np.zeros(len(lengths), dtype=bool)
    step = 0
    while rows.size:
        op = buf[cursor]
        one = buf[cursor + 1].astype(np.int64)
        value = np.where(op == _K, one, one | (buf[cursor + 2].astype(np.int64) << 8))
        four = op == _J
        if four.any():
            signed = value | (buf[cursor + 3].astype(np.int64) << 16) | (buf[cursor + 4].astype(np.int64) << 24)
            value = np.where(four, np.where(signed >= 1 << 31, signed - (1 << 32), signed), value)
        bad[rows[(op != _K) & (op != _M) & ~four]] = True
        gaps[out + step] = value
        cursor = cursor + np.where(op == _K, 2, np.where(op == _M, 3, 5))
        step += 1
        finished = lengths[rows] <= step
        if finished.any():
            # The run must end where its closing opcode is expected.
            closing = np.where(lengths[rows[finished]] > 1, ord("e"), ord("a"))
            bad[rows[finished][buf[cursor[finished]] != closing]] = True
            keep = ~finished
            rows, cursor, out = rows[keep], cursor[keep], out[keep]
    return bad


def live_mask(reader: Any, size: int) -> np.ndarray:
    """True for each of the reader's ``size`` documents that is not deleted."""
    live = np.ones(size, dtype=bool)
    if size and reader.has_deletions():
        for leaf, base in reader.leaf_readers():
            if leaf.has_deletions():
                gone = np.fromiter(leaf.deleted_docs_set, dtype=np.int64)
                live[gone + base] = False
    return live


def _field_lengths(reader: Any, fieldname: str, size: int) -> np.ndarray:
    """Every document's length in a field, as ``doc_field_length`` gives it
    (0 when unknown), read a column at a time."""
    lengths = np.zeros(size, dtype=np.float64)
    if not size:
        return lengths
    for leaf, base in reader.leaf_readers():
        count = leaf.doc_count_all()
        lengths[base:base + count] = _leaf_lengths(leaf, fieldname, count)
    return lengths


def _leaf_lengths(leaf: Any, fieldname: str, count: int) -> np.ndarray:
    """One segment's field lengths: its length bytes decoded through Whoosh's
    byte-to-length table, or one ``doc_field_length`` per document where the
    codec is not the known one."""
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import byte_to_length

        perdoc = leaf._perdoc
        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:  # the field keeps no lengths: doc_field_length's default
            return np.zeros(count, dtype=np.float64)
        stored = min(column._count, count)
        raw = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
        table = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)
        table[0] = 0.0  # a zero byte reads as "no length"
        out = np.zeros(count, dtype=np.float64)
        out[:stored] = table[raw]
        return out
    except (ImportError, AttributeError, TypeError, ValueError):
        return np.array([leaf.doc_field_length(d, fieldname, 0) or 0 for d in range(count)], dtype=np.float64)


def _dates(reader: Any, size: int) -> np.ndarray:
    """Every document's YYYYMMDD date (0 when undated)."""
    dates = np.zeros(size, dtype=np.int64)
    if not size:
        # An index with no segments has an EmptyReader, whose
        # column_reader() raises NotImplementedError (WHOOSH.md, pitfall 10).
        return dates
    for leaf, base in reader.leaf_readers():
        count = leaf.doc_count_all()
        dates[base:base + count] = _leaf_dates(leaf, count)
    return dates


def _leaf_dates(leaf: Any, count: int) -> np.ndarray:
    """One segment's dates: its whole numeric column decoded at once, or one
    value at a time where the column is not the known fixed-width kind."""
    column = leaf.column_reader("dateord")
    try:
        raw = leaf.column_reader("dateord", translate=False)
        stored = min(raw._count, count)
        values = np.full(count, raw._default, dtype=np.int64)
        values[:stored] = np.frombuffer(raw._dbfile.get(raw._basepos, stored * raw._fixedlen),
                                        dtype=">" + raw._typecode)
        # The translation is the identity for unsigned integers; check a few.
        probe = range(0, count, max(1, count // 7))
        if all(column[d] == values[d] for d in probe):
            return values
    except (AttributeError, TypeError, ValueError):
        pass
    return np.fromiter((column[d] for d in range(count)), dtype=np.int64, count=count)

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

The cost is bounded by the rarest word: its documents are intersected
with the other words' posting lists (skipping over blocks that cannot
hold a candidate), and positions are decoded only for documents that have
every word.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate
from pickle import loads
from typing import Any, Callable, Iterable, Sequence

from whoosh import formats
from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.system import _INT_SIZE

from .schema import STOP_TERM

__all__ = ["phrase_postings", "positions_of", "PhraseQuery", "is_removed"]

Slot = tuple[int, str]


def is_removed(term: str) -> bool:
    """True when a slot's term stands for a removed (stop) word."""
    return term.startswith(STOP_TERM)


def phrase_postings(reader: Any, fieldname: str, slots: Sequence[Slot]) -> tuple[list[int], list[float]]:
    """The live documents of ``reader`` that have the phrase in ``fieldname``,
    ascending, and how many times each has it.

    ``slots`` are ``(offset, term)`` pairs as ``schema.phrase_slots`` makes
    them.  Deleted documents never match: each segment's posting lists
    already leave them out.
    """
    # One posting list per distinct index term (removed words have theirs).
    wanted: dict[str, list[int]] = {}
    for offset, term in slots:
        wanted.setdefault(term, []).append(offset)
    docnums: list[int] = []
    counts: list[float] = []
    if not wanted:
        return docnums, counts
    for leaf, base in reader.leaf_readers():
        if not all((fieldname, term) in leaf for term in wanted):
            continue
        for docnum, count in _leaf_phrase(leaf, fieldname, wanted):
            docnums.append(base + docnum)
            counts.append(float(count))
    return docnums, counts


def _leaf_phrase(leaf: Any, fieldname: str, wanted: dict[str, list[int]]) -> Iterable[tuple[int, int]]:
    """``(docnum, occurrences)`` of the phrase in one segment."""
    # Cheapest first: the rarest term gives the candidates, each further
    # term can only remove some.
    order = sorted(wanted, key=lambda term: leaf.doc_frequency(fieldname, term))
    rarest = order[0]
    candidates = _all_ids(leaf, fieldname, rarest)
    positions: dict[str, dict[int, Sequence[int]]] = {}
    for term in order[1:]:
        found = positions_of(leaf, fieldname, term, candidates)
        positions[term] = found
        candidates = [d for d in candidates if d in found]
        if not candidates:
            return
    positions[rarest] = positions_of(leaf, fieldname, rarest, candidates)
    # Slots by how few places they allow, so that the set of possible
    # phrase starts shrinks as fast as it can.
    for docnum in candidates:
        starts: set[int] | None = None
        for term, places in sorted(wanted.items(), key=lambda item: len(positions[item[0]][docnum])):
            found = positions[term][docnum]
            for offset in places:
                if starts is not None and len(starts) * 16 < len(found):
                    # Few starts left and a long list (a 10 MB document has
                    # words with 100,000 positions): look each start up.
                    starts = {p for p in starts if _has(found, p + offset)}
                else:
                    # map() and set.intersection() run in C; only the first
                    # slot builds a set.
                    shifted = map(offset.__rsub__, found) if offset else found
                    starts = set(shifted) if starts is None else starts.intersection(shifted)
                if not starts:
                    break
            if not starts:
                break
        if starts:
            yield docnum, len(starts)


def _has(ordered: Sequence[int], value: int) -> bool:
    """True when the ascending ``ordered`` holds ``value``."""
    i = bisect_left(ordered, value)
    return i < len(ordered) and ordered[i] == value


def positions_of(leaf: Any, fieldname: str, term: str, docnums: Sequence[int]) -> dict[int, Sequence[int]]:
    """The positions of ``term`` in each of the ascending ``docnums`` that has it.

    Blocks of the posting list that hold none of ``docnums`` are passed
    over undecoded, so a long posting list costs about what the
    candidates' blocks do.
    """
    matcher = leaf.postings(fieldname, term)
    decode = _decoder(leaf, fieldname, matcher)
    if _has_blocks(matcher):
        return _block_positions(matcher, docnums, decode)
    found: dict[int, Sequence[int]] = {}
    for docnum in docnums:
        if not matcher.is_active():
            break
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
            if not matcher.is_active():
                break
        if matcher.id() == docnum:
            found[docnum] = decode(matcher.value())
    return found


def _all_ids(leaf: Any, fieldname: str, term: str) -> list[int]:
    """Every live document of ``term``'s posting list in one segment, ascending."""
    matcher = leaf.postings(fieldname, term)
    if not _has_blocks(matcher):
        return list(matcher.all_ids())
    found: list[int] = []
    while matcher.is_active():
        found.extend(_block_ids(matcher))
        matcher._next_block()
    return found


# The posting-list reader of Whoosh's current codec (as scoring reads it):
# its blocks of ids and values can be taken whole, and a block is skipped
# by its largest id without being decoded.  Anything else (a segment with
# deletions gives a filtering wrapper) takes the public API.
_BLOCK_MATCHER = "W3LeafMatcher"
_BLOCK_API = ("is_active", "_read_data", "_read_values", "_next_block", "_data", "_byteids", "_maxid", "_values")


def _has_blocks(matcher: Any) -> bool:
    return type(matcher).__name__ == _BLOCK_MATCHER and all(hasattr(matcher, a) for a in _BLOCK_API)


def _block_ids(matcher: Any) -> Sequence[int]:
    """The document numbers of the matcher's current block."""
    if matcher._data is None:
        matcher._read_data()
    raw = matcher._data[0]
    # Stored as gaps; summed in C (the codec does it in a Python loop).
    return raw if matcher._byteids else tuple(accumulate(raw))


def _block_positions(matcher: Any, docnums: Sequence[int], decode: Callable[[bytes], Sequence[int]]
                     ) -> dict[int, Sequence[int]]:
    found: dict[int, Sequence[int]] = {}
    i, count = 0, len(docnums)
    while i < count and matcher.is_active():
        last = matcher._maxid
        if docnums[i] > last:
            matcher._next_block()
            continue
        j = bisect_right(docnums, last, i)
        index = {d: k for k, d in enumerate(_block_ids(matcher))}
        hits = [(d, index[d]) for d in docnums[i:j] if d in index]
        if hits:
            if matcher._values is None:
                matcher._read_values()
            values = matcher._values
            for docnum, k in hits:
                found[docnum] = decode(values[k])
        i = j
        matcher._next_block()
    return found


def _decoder(leaf: Any, fieldname: str, matcher: Any) -> Callable[[bytes], Sequence[int]]:
    """How to read positions from a posting's value.

    Whoosh's ``Positions`` format stores a count and the pickled gaps
    between positions; summing them with ``accumulate`` (in C) is many
    times faster than the format's own loop, which a long document feels.
    Any other format decodes its own way.
    """
    fmt = leaf.schema[fieldname].format
    if type(fmt) is not formats.Positions:
        return fmt.decode_positions

    def decode(value: bytes) -> Sequence[int]:
        if not value.endswith(b"."):  # the codec drops pickle's final STOP
            value += b"."
        return list(accumulate(loads(value[_INT_SIZE:])))

    return decode


class PhraseQuery(wq.Query):
    """A Whoosh query for a phrase with offsets (what ``phrase_postings`` matches).

    ``QueryBuilder.build`` uses it for phrases that Whoosh's own ``Phrase``
    cannot say: those with removed words or gaps.
    """

    def __init__(self, fieldname: str, slots: Sequence[Slot]) -> None:
        self.fieldname = fieldname
        self.slots = tuple(slots)

    def __repr__(self) -> str:
        return f"PhraseQuery({self.fieldname!r}, {self.slots!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PhraseQuery) and (self.fieldname, self.slots) == (other.fieldname, other.slots)

    def __hash__(self) -> int:
        return hash((self.fieldname, self.slots))

    def field(self) -> str:
        """The field the phrase is looked for in."""
        return self.fieldname

    def estimate_size(self, ixreader: Any) -> int:
        """At most the number of documents of its rarest kept word."""
        terms = [t for _, t in self.slots if not is_removed(t)]
        return min((ixreader.doc_frequency(self.fieldname, t) for t in terms), default=0)

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        """The matching documents of the searcher's reader."""
        docnums, counts = phrase_postings(searcher.reader(), self.fieldname, self.slots)
        if not docnums:
            return NullMatcher()
        return ListMatcher(docnums, counts)

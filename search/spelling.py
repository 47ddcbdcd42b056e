""""Did you mean": the closest known word to one the index does not have."""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["closest_word", "edit_distance", "max_edits", "MAX_WORD_CHARS", "MIN_DOC_FREQUENCY"]

# Longer "words" are not misspellings (pasted hashes, URLs) and are costly to match.
MAX_WORD_CHARS = 30
MAX_DISTANCE = 2
# How many documents must use a word before a two-edit correction may lead
# to it: a far-fetched correction is only worth offering towards a common
# word (a word of one document is as likely a rarity as the user's intent).
# One edit away is close enough for any word the index has.
MIN_DOC_FREQUENCY = 2


def max_edits(word: str) -> int:
    """How many edits a correction of ``word`` may make: 1 up to five letters, else 2.

    Two edits turn most short words into other real words ("free" into
    "force"), which is a guess, not a correction.
    """
    return 1 if len(word) <= 5 else MAX_DISTANCE


def closest_word(
    reader: Any,
    fieldname: str,
    word: str,
    term_of: Callable[[str], str | None] | None = None,
) -> str | None:
    """The indexed term of ``fieldname`` nearest to ``word``, or None.

    ``term_of`` turns the typed word into the field's form (folded, for name
    fields); by default the lower-cased word is used, which suits the
    unstemmed spelling word lists.  Nearest by edit distance (a transposition
    counts as one edit), then by how many documents use it.  Whoosh's own
    corrector ranks rare near-misses above common closer words
    ("goverment" -> "movement"), hence this.  Only words within
    ``max_edits`` of the word are offered, and two edits away only words
    of at least ``MIN_DOC_FREQUENCY`` documents.
    """
    typed = word.lower()
    term = term_of(typed) if term_of else typed
    if term is None or not 3 <= len(typed) <= MAX_WORD_CHARS:
        return None
    allowed = max_edits(term)
    best: tuple[int, int, str] | None = None
    for raw in reader.terms_within(fieldname, term, allowed, prefix=1):
        candidate = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if candidate == term:
            continue
        distance = edit_distance(term, candidate)
        # ``frequency``, not ``doc_frequency``: the writer keeps one posting per
        # spelling word and segment, weighted by how many documents use it
        # (search.segments); for other fields it is occurrences, near enough.
        frequency = int(reader.frequency(fieldname, candidate))
        if distance > allowed or (distance > 1 and frequency < MIN_DOC_FREQUENCY):
            continue
        key = (distance, -frequency, candidate)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, transpositions."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]

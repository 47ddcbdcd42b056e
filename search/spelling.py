""""Did you mean": the closest known word to one the index does not have."""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["closest_word", "edit_distance", "MAX_WORD_CHARS"]

# Longer "words" are not misspellings (pasted hashes, URLs) and are costly to match.
MAX_WORD_CHARS = 30
MAX_DISTANCE = 2


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
    ("goverment" -> "movement"), hence this.
    """
    typed = word.lower()
    term = term_of(typed) if term_of else typed
    if term is None or not 3 <= len(typed) <= MAX_WORD_CHARS:
        return None
    best: tuple[int, int, str] | None = None
    for raw in reader.terms_within(fieldname, term, MAX_DISTANCE, prefix=1):
        candidate = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if candidate == term:
            continue
        # ``frequency``, not ``doc_frequency``: the writer keeps one posting per
        # spelling word, weighted by how many documents use it (search.segments).
        key = (edit_distance(term, candidate), -reader.frequency(fieldname, candidate), candidate)
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

""""Did you mean": the closest known word to one the index does not have."""

from __future__ import annotations

from typing import Any

__all__ = ["closest_word", "edit_distance", "MAX_WORD_CHARS"]

# Longer "words" are not misspellings (pasted hashes, URLs) and are costly to match.
MAX_WORD_CHARS = 30


def closest_word(reader: Any, fieldname: str, word: str, maxdist: int = 2) -> str | None:
    """The indexed word nearest to ``word`` in ``fieldname``'s word list, or None.

    Nearest by edit distance (a transposition counts as one edit), then by
    how many documents use it.  Whoosh's own corrector ranks rare near-misses
    above common closer words ("goverment" -> "movement"), hence this.
    """
    word = word.lower()
    if not 3 <= len(word) <= MAX_WORD_CHARS:
        return None
    best: tuple[int, int, str] | None = None
    for raw in reader.terms_within(fieldname, word, maxdist, prefix=1):
        candidate = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if candidate == word:
            continue
        key = (edit_distance(word, candidate), -reader.doc_frequency(fieldname, candidate), candidate)
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

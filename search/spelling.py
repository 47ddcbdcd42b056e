""""Did you mean": the closest known word to one the index does not have.

Suggestions come from the index's own vocabulary, so no separate spelling
word list has to be written at build time (one doubled the indexing work):

* for stemmed fields, the typed word's stem is compared with the stems in
  the index, and the winner is shown as it is written in a document that
  uses it (``hospitls`` -> stem ``hospitl`` ~ ``hospit`` -> ``hospitals``);
* for name fields (not stemmed), the words themselves are compared.
"""

from __future__ import annotations

import re
from typing import Any, Callable

__all__ = ["closest_word", "edit_distance", "MAX_WORD_CHARS"]

# Longer "words" are not misspellings (pasted hashes, URLs) and are costly to match.
MAX_WORD_CHARS = 30
MAX_DISTANCE = 2

_WORD = re.compile(r"\w+(?:['’]\w+)*")


def closest_word(
    reader: Any,
    fieldname: str,
    word: str,
    term_of: Callable[[str], str | None] | None = None,
    text_of_doc: Callable[[int], str] | None = None,
) -> str | None:
    """The known word nearest to ``word`` in ``fieldname``, as a document spells it.

    ``term_of`` turns a word into the field's index term (its stem, or the
    folded word for unstemmed fields; by default the word itself).  ``text_of_doc`` gives a document's
    text for a document number; it is needed for stemmed fields, to turn the
    winning stem back into a real word.  Returns None when nothing is close.
    """
    term_of = term_of or (lambda w: w)
    typed = word.lower()
    term = term_of(typed)
    if term is None or not 3 <= len(typed) <= MAX_WORD_CHARS:
        return None
    best: tuple[int, int, str] | None = None
    for raw in reader.terms_within(fieldname, term, MAX_DISTANCE, prefix=1):
        candidate = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if candidate == term:
            continue
        key = (edit_distance(term, candidate), -reader.doc_frequency(fieldname, candidate), candidate)
        if best is None or key < best:
            best = key
    if best is None:
        return None
    winner = best[2]
    if text_of_doc is None:
        return winner
    return _surface_form(reader, fieldname, winner, typed, term_of, text_of_doc)


def _surface_form(
    reader: Any,
    fieldname: str,
    term: str,
    typed: str,
    term_of: Callable[[str], str | None],
    text_of_doc: Callable[[int], str],
) -> str | None:
    """The word closest to what was typed, among a document's words with index term ``term``."""
    postings = reader.postings(fieldname, term)
    if not postings.is_active():
        return None
    text = text_of_doc(postings.id())
    forms = {w.lower() for w in _WORD.findall(text) if term_of(w.lower()) == term}
    if not forms:
        return None
    return min(forms, key=lambda form: (edit_distance(typed, form), form))


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

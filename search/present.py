"""Presenting a ranked search: result rows, snippets, date order, the spelling suggestion.

The last stage of a search (see ``engine``): it turns document numbers into
``Hit`` objects and the query into a "did you mean".
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .engine import known_word
from .query import ParsedQuery
from .ranking import QueryBuilder, analyze
from .results import Hit, Snippet
from .schema import SCHEMA
from .snippets import TermMatcher, make_snippet
from .spelling import closest_word
from .storedtext import full_texts, is_cut

__all__ = ["Row", "display_row", "hit_from_row", "stored_hit", "term_matcher", "name_term", "date_order", "suggestion", "corrected"]

# Spelling corrections a generation keeps (a few hundred bytes each).
KEEP_SUGGESTIONS = 10_000

# The stored values a result row shows: id, title, authors, affiliation,
# date, source, url, tags, format.
Row = tuple[str, str, tuple[str, ...], str, Any, str, str, tuple[str, ...], str]


def display_row(stored: dict[str, Any]) -> Row:
    """The values of a result row, from a document's stored fields."""
    return (
        stored["id"],
        stored.get("title") or "",
        tuple(stored.get("authors") or ()),
        stored.get("affiliation") or "",
        stored.get("date"),
        stored.get("source") or "",
        stored.get("url") or "",
        tuple(stored.get("tag_list") or ()),
        stored.get("format") or "text",
    )


def hit_from_row(row: Row, score: float | None, rank: int, excerpt: Snippet | None = None) -> Hit:
    """A fresh ``Hit`` (its lists are its own) from display values."""
    doc_id, title, authors, affiliation, date, source, url, tags, fmt = row
    return Hit(
        id=doc_id,
        title=title,
        authors=list(authors),
        affiliation=affiliation,
        date=date,
        source=source,
        url=url,
        tags=list(tags),
        format=fmt,
        score=round(score, 4) if score is not None else None,
        excerpt=excerpt if excerpt is not None else Snippet(),
        rank=rank,
    )


def stored_hit(searcher: Any, docnum: int, score: float | None, rank: int, matcher: TermMatcher) -> Hit:
    """A result row from stored fields, with a snippet of its body."""
    stored = searcher.stored_fields(docnum)
    # The stored body is a bounded opening (search.storedtext); the
    # whole is read only when the query's words are not in it.
    whole = (lambda: full_texts(searcher.reader(), docnum, stored, markdown=False)[0]) if is_cut(stored) else None
    excerpt = make_snippet(stored.get("body") or "", matcher, whole=whole)
    return hit_from_row(display_row(stored), score, rank, excerpt)


def term_matcher(parsed: ParsedQuery, builder: QueryBuilder) -> TermMatcher:
    """What to highlight in bodies: the body terms the positive clauses search for."""
    matcher = TermMatcher()
    for clause in parsed.positive:
        if clause.field not in (None, "body"):
            continue
        for part in builder.parts(clause) or ():
            if part.field != "body":
                continue
            if part.phrase:
                matcher.phrases.append(part.phrase_slots())
            else:
                matcher.terms.update(part.words)
    return matcher


def date_order(matched: np.ndarray, dates: np.ndarray, *, newest: bool) -> np.ndarray:
    """The matched documents (a mask) by date, undated ones last either way,
    ties in index order."""
    docnums = np.flatnonzero(matched)
    when = dates[docnums]
    return docnums[np.lexsort((docnums, -when if newest else when, when == 0))]


def suggestion(reader: Any, parsed: ParsedQuery, known: dict[str, str | None]) -> str | None:
    """The query with unknown words replaced by close known ones, or None.

    ``known`` remembers each word's correction (None: none needed or
    found) for this index generation; finding one is the slow part.
    """
    spell_field = SCHEMA["body"].spelling_fieldname("body")
    replacements: dict[str, str] = {}
    for clause in parsed.positive:
        if clause.kind != "word" or clause.field is not None:
            continue
        for word in re.findall(r"\w+", clause.text):
            if word in replacements:
                continue
            if word not in known:
                if len(known) >= KEEP_SUGGESTIONS:
                    known.clear()
                known[word] = None if known_word(reader, word) else (
                    closest_word(reader, spell_field, word)
                    # Names are not in the body's word list: "madisson".
                    or closest_word(reader, "author", word, term_of=name_term)
                )
            found = known[word]
            if found:
                replacements[word] = found
    return corrected(parsed.text, replacements)


def corrected(text: str, replacements: dict[str, str]) -> str | None:
    """``text`` with each whole word found in ``replacements`` replaced; None when there is none."""
    if not replacements:
        return None
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, replacements)) + r")\b")
    return pattern.sub(lambda m: replacements[m.group(1)], text)


def name_term(word: str) -> str | None:
    """The author-field term of one word (None for a stop word)."""
    terms = analyze("author", word)
    return terms[0] if terms else None

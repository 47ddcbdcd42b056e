"""Pseudo-relevance feedback: words learnt from the best first-pass results.

A query rarely names every word its answers use ("aircraft" for "wing",
"catalogue" for "classification").  The top documents of a first pass are
mostly on topic, so the words they share are a good guess at what else the
query is about.  This is a relevance model in the RM3 style: each feedback
document votes for its words in proportion to how often it uses them and
to its share of the feedback documents' scores; the heaviest words, query
words included (which re-weights them), become extra features.

Feedback re-orders the documents the user's query matched; it never adds
or removes a match.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Callable, Iterable

from .ranking import Feature, FieldPart, Ranking
from .schema import STEMMED_FIELDS, WORD_PATTERN, text_term

__all__ = ["feedback_features", "document_terms", "stored_terms", "FEEDBACK_TEXT_CHARS", "COMMON_SHARE"]

# How much of a feedback document is read: its opening says what it is
# about, and a book-length document must not make a search slow.
FEEDBACK_TEXT_CHARS = 20_000

# A word found in more than this share of the documents is not added: it
# hardly tells documents apart (its IDF is near zero), yet its postings are
# the longest to read.
COMMON_SHARE = 0.5

_WORD = re.compile(WORD_PATTERN)


def document_terms(texts: Iterable[str]) -> Counter[str]:
    """How often each index term (of the stemmed fields) occurs in ``texts``."""
    counts: Counter[str] = Counter()
    for text in texts:
        for match in _WORD.finditer(text or ""):
            term = text_term(match.group())
            if term is not None:
                counts[term] += 1
    return counts


def stored_terms(searcher: Any, docnum: int) -> Counter[str]:
    """Term counts of a document's title and the opening of its body."""
    stored = searcher.stored_fields(docnum)
    return document_terms((stored.get("title") or "", (stored.get("body") or "")[:FEEDBACK_TEXT_CHARS]))


def feedback_features(
    searcher: Any,
    ranked: list[tuple[int, float]],
    query_weight: float,
    ranking: Ranking,
    terms_of: Callable[[int], Counter[str]] | None = None,
) -> list[Feature]:
    """Features for the words that best describe the top of ``ranked``.

    ``ranked`` is the first pass, best first; ``query_weight`` is the total
    weight of the query's own features.  Each of the top
    ``ranking.feedback_docs`` documents gives each of its words
    ``frequency / length * score share``; the ``ranking.feedback_terms``
    heaviest words split ``ranking.feedback_weight`` of the final query's
    weight in proportion to their votes.  Sharing out a fixed fraction keeps
    the balance the same for a two-word query and for a paragraph.
    Numbers and words in more than ``COMMON_SHARE`` of the documents are
    passed over.
    ``terms_of(docnum)`` gives a document's term counts (default
    ``stored_terms``; a caller may cache them).
    """
    terms_of = terms_of or (lambda docnum: stored_terms(searcher, docnum))
    share = ranking.feedback_weight
    top = [(d, s) for d, s in ranked[: ranking.feedback_docs] if s > 0]
    if len(top) < 2 or ranking.feedback_terms <= 0 or not 0 < share < 1 or query_weight <= 0:
        return []
    total_score = sum(s for _, s in top)
    votes: Counter[str] = Counter()
    for docnum, score in top:
        counts = terms_of(docnum)
        length = sum(counts.values())
        for term, n in counts.items():
            votes[term] += (score / total_score) * n / length
    reader = searcher.reader()
    common = COMMON_SHARE * searcher.doc_count()
    chosen: list[tuple[str, float]] = []
    for term, vote in votes.most_common():
        if len(chosen) >= ranking.feedback_terms:
            break
        if _is_number(term) or max(reader.doc_frequency(f, term) for f in STEMMED_FIELDS) > common:
            continue
        chosen.append((term, vote))
    if not chosen:
        return []
    # Feedback words get `share` of the final weight: share / (1 - share)
    # times the query's own weight, split by votes.
    scale = share / (1.0 - share) * query_weight / sum(v for _, v in chosen)
    return [
        Feature(tuple(FieldPart(name, (term,)) for name in STEMMED_FIELDS), scale * vote)
        for term, vote in chosen
    ]


def _is_number(term: str) -> bool:
    """Numbers (years, page numbers, "3.5") say little about a topic."""
    return term.replace(".", "").isdigit()

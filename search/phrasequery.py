"""A phrase with offsets as a Whoosh query: what ``phrases.phrase_postings`` matches.

Searches never build Whoosh queries (``engine`` matches from postings);
this form serves ``QueryBuilder.build``, which documents and tests what a
query's clauses mean.  It lives apart from ``phrases`` so that a search
does not import ``whoosh.query`` (a one-shot ``commentary search`` pays
for every module it imports).
"""

from __future__ import annotations

from typing import Any, Sequence

from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher

from .phrases import Slot, is_removed, phrase_postings

__all__ = ["PhraseQuery"]


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
        if not docnums.size:
            return NullMatcher()
        return ListMatcher(docnums.tolist(), counts.tolist())

"""Ranking settings, and what each clause of a query looks for.

``Ranking`` holds every scoring parameter (BM25F's k1 and b, field weights,
feedback settings), so ranking experiments change settings here; the
scoring itself is in ``scoring``, analysis in ``schema``, pseudo-relevance
feedback in ``expansion``.

``QueryBuilder`` turns each clause into ``FieldPart``s: the terms (or
phrase) it stands for in each field, and groups them into the query's
``Feature``s.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from whoosh.support.charset import accent_map

from .query import Clause, ParsedQuery
from .schema import SCHEMA, STEMMED_FIELDS, TEXT_FIELDS, phrase_slots

if TYPE_CHECKING:
    # Searches match from postings and never build Whoosh queries: these
    # modules are imported where they are used, so that a one-shot search
    # does not pay for them (tests/test_storage.py).
    from whoosh import query as wq
    from whoosh import scoring

__all__ = [
    "Ranking",
    "DEFAULT_RANKING",
    "QueryBuilder",
    "Feature",
    "FieldPart",
    "MAX_EXPANSION",
    "analyze",
    "date_range_query",
]

# A wildcard expands to at most this many words, so `a*` cannot run away.
MAX_EXPANSION = 200


def _default_field_weights() -> dict[str, float]:
    # A title word says more about a document than a body word: 3 was the
    # held-out choice of every leave-one-collection-out fold (docs/relevance.md).
    # Names count, but less than the text, so a query word that is also
    # somebody's name does not bury the documents about it.
    return {
        "title": 3.0,
        "body": 1.0,
        "author": 1.5,
        "affiliation": 0.5,
        "source": 0.5,
        "tags": 1.0,
    }


@dataclass(frozen=True)
class Ranking:
    """Scoring settings: BM25F parameters, field weights, feedback.

    ``k1`` is BM25's term-frequency saturation and ``b`` its length
    normalisation.  ``field_weights`` scale a field's term frequency before
    saturation (a title occurrence with weight 3 counts as three body
    occurrences); a field with weight 0 still matches but does not score.

    Pseudo-relevance feedback (``Index.search(expand=True)``) learns
    ``feedback_terms`` words from the ``feedback_docs`` best documents of a
    first pass and gives them together ``feedback_weight`` of the final
    query's weight (0 turns feedback off); they re-rank the first pass's
    best ``feedback_depth`` documents.

    ``title_bonus`` adds that share of a query word's IDF to every document
    whose title has the word, outside BM25's saturation: in BM25F a title
    occurrence only adds to a frequency that long bodies have already
    saturated, so a document that names the subject in its title but uses
    other words in its body ranks below those that repeat the word.

    Term proximity (off while both weights are 0) re-scores the first
    pass's best ``proximity_depth`` documents with one pair feature per two
    query words that follow each other in the query: ``proximity_weight``
    for the pair found within ``proximity_window`` body words of each other
    in either order, ``phrase_weight`` for the two words next to each other
    in query order (as the sequential dependence model's unordered and
    ordered windows).  A weight is relative to one query word's.
    """

    k1: float = 2.0
    b: float = 0.75
    field_weights: dict[str, float] = field(default_factory=_default_field_weights)
    feedback_docs: int = 10
    feedback_terms: int = 10
    feedback_weight: float = 0.3
    feedback_depth: int = 1000
    title_bonus: float = 0.0
    proximity_weight: float = 0.0
    phrase_weight: float = 0.0
    proximity_window: int = 8
    proximity_depth: int = 100

    def weighting(self) -> scoring.WeightingModel:
        """A Whoosh weighting model with these parameters (used by ``more_like``)."""
        from whoosh import scoring

        return scoring.BM25F(B=self.b, K1=self.k1)

    def weight_of(self, fieldname: str) -> float:
        """The weight of a field (1.0 for fields not listed)."""
        return self.field_weights.get(fieldname, 1.0)


DEFAULT_RANKING = Ranking()


@dataclass(frozen=True)
class FieldPart:
    """What a clause looks for in one field.

    With ``phrase`` the words must occur as ``slots`` place them; otherwise
    each of ``words`` counts (one word, or the words a wildcard expanded to).
    ``words`` are always the kept words' index terms; ``slots`` are
    ``(offset, term)`` for every word of a phrase, stop words included
    (``schema.phrase_slots``).
    """

    field: str
    words: tuple[str, ...]
    phrase: bool = False
    slots: tuple[tuple[int, str], ...] = ()

    def phrase_slots(self) -> tuple[tuple[int, str], ...]:
        """The phrase's slots (its words one after another when none were given)."""
        return self.slots or tuple(enumerate(self.words))


@dataclass(frozen=True)
class Feature:
    """One scored unit of a query: a word, phrase or wildcard, in its fields.

    ``weight`` multiplies the feature's score: how many times the query asks
    for it, or a fraction for a word added by feedback.
    """

    parts: tuple[FieldPart, ...]
    weight: float = 1.0


class QueryBuilder:
    """Reads clauses into field parts and Whoosh queries, for one reader.

    Wildcards expand against the reader's words, once per query.
    """

    def __init__(self, reader: Any, ranking: Ranking = DEFAULT_RANKING) -> None:
        self.reader = reader
        self.ranking = ranking
        self.notices: list[str] = []
        self._parts: dict[tuple[str, str, str | None], tuple[FieldPart, ...] | None] = {}

    def parts(self, clause: Clause) -> tuple[FieldPart, ...] | None:
        """Where a word, phrase or wildcard clause is looked for, per field.

        None when the clause has no searchable words (only stop words, or a
        date clause); an empty tuple for a wildcard that matched no word,
        which matches nothing.
        """
        if clause.kind == "date":
            return None
        key = (clause.kind, clause.text, clause.field)
        if key not in self._parts:
            self._parts[key] = self._find_parts(clause)
        return self._parts[key]

    def _find_parts(self, clause: Clause) -> tuple[FieldPart, ...] | None:
        fields = [clause.field] if clause.field else list(TEXT_FIELDS)
        if clause.field is None and clause.kind == "word" and not analyze("body", clause.text):
            # A stop word typed on its own is looked for nowhere, although
            # names keep stop words: only ``author:will`` asks for a Will.
            return None
        found = []
        for name in fields:
            if clause.kind == "prefix":
                words = self._expand(name, clause.text)
                if words:
                    found.append(FieldPart(name, words))
                continue
            words = tuple(analyze(name, clause.text))
            # Prose fields keep the places of stop words (schema.phrase_slots).
            slots = phrase_slots(clause.text) if name in STEMMED_FIELDS else tuple(enumerate(words))
            if not words:
                continue
            if len(slots) > 1:
                found.append(FieldPart(name, words, True, slots))
            else:
                found.append(FieldPart(name, words))
        if not found and clause.kind != "prefix":
            return None
        return tuple(found)

    def features(self, parsed: ParsedQuery) -> list[Feature]:
        """What to score documents by: one feature per distinct positive clause.

        A clause the query repeats becomes one feature weighted by the number
        of repeats: long queries repeat the words they care about most.
        """
        counts: Counter[tuple[FieldPart, ...]] = Counter()
        for clause in parsed.positive:
            parts = self.parts(clause)
            if parts:
                counts[parts] += 1
        return [Feature(parts, float(n)) for parts, n in counts.items()]

    def build(self, parsed: ParsedQuery, match: str) -> wq.Query | None:
        """The Whoosh query for ``match`` (``"all"`` or ``"any"``), or None when empty.

        A query with only exclusions (or nothing at all) matches every
        document except the excluded ones.  ``Index.search`` computes the
        same matches from postings; this form documents (and tests) what
        they mean.
        """
        from whoosh import query as wq

        groups = [q for q in (self._group(g) for g in parsed.groups) if q is not None]
        excluded = [q for q in (self._clause(c) for c in parsed.excluded) if q is not None]
        if groups:
            base: wq.Query = wq.And(groups) if match == "all" else wq.Or(groups)
        elif excluded or parsed.groups:
            base = wq.Every()
        else:
            return None
        if excluded:
            base = wq.AndNot(base, wq.Or(excluded))
        return base

    def _group(self, group: list[Clause]) -> wq.Query | None:
        from whoosh import query as wq

        parts = [q for q in (self._clause(c) for c in group) if q is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def _clause(self, clause: Clause) -> wq.Query | None:
        from whoosh import query as wq

        from .phrasequery import PhraseQuery

        if clause.kind == "date":
            lo, hi = clause.date_range or (0, 0)
            return date_range_query(lo, hi)
        parts = self.parts(clause)
        if parts is None:
            return None
        queries: list[wq.Query] = []
        for part in parts:
            if part.phrase:
                slots = part.phrase_slots()
                if slots == tuple(enumerate(part.words)):
                    # Consecutive words: Whoosh's own phrase says the same.
                    queries.append(wq.Phrase(part.field, list(part.words)))
                else:
                    queries.append(PhraseQuery(part.field, slots))
            else:
                queries.extend(wq.Term(part.field, w) for w in part.words)
        if not queries:
            return wq.NullQuery
        return queries[0] if len(queries) == 1 else wq.Or(queries)

    def _expand(self, name: str, prefix: str) -> tuple[str, ...]:
        """The index terms of field ``name`` whose words start with ``prefix``."""
        folded = fold(prefix)
        # Stemmed fields keep their unstemmed words in a spelling field:
        # expanding against stems would miss `governm*` -> government.
        source = SCHEMA[name].spelling_fieldname(name)
        if source not in self.reader.schema:
            source = name
        words: set[str] = set()
        for raw in self.reader.expand_prefix(source, folded):
            word = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            words.update(analyze(name, word))
            if len(words) >= MAX_EXPANSION:
                self.notices.append(
                    f"“{prefix}*” matches too many words; only the first {MAX_EXPANSION} were used."
                )
                break
        return tuple(sorted(words))


# Dates are YYYYMMDD integers; 0 means undated.  Whoosh's numeric ranges
# return wrong matches for very wide spans (an upper bound of 5999-12-31
# matched every document), so bounds are clamped to years 1-2999.
_FIRST_DATE, _LAST_DATE = 10101, 29991231


def date_range_query(lo: int | None, hi: int | None) -> wq.Query:
    """Documents dated from ``lo`` to ``hi`` inclusive (YYYYMMDD; None is open)."""
    from whoosh import query as wq

    lo = max(lo or _FIRST_DATE, _FIRST_DATE)
    hi = min(hi or _LAST_DATE, _LAST_DATE)
    return wq.NumericRange("dateord", lo, hi)


def analyze(fieldname: str, text: str) -> list[str]:
    """The index terms ``text`` becomes in ``fieldname``."""
    analyzer = SCHEMA[fieldname].analyzer
    return [t.text for t in analyzer(text, mode="query")]


def fold(text: str) -> str:
    """Lower case and accents folded, as the analyzers do before stemming."""
    return text.lower().translate(accent_map)

"""From parsed clauses to Whoosh queries, and how they are scored.

This is the one place that decides field weights and the scoring function,
so ranking experiments change this module only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq
from whoosh import scoring
from whoosh.support.charset import accent_map

from .query import Clause, ParsedQuery
from .schema import SCHEMA, TEXT_FIELDS

__all__ = ["Ranking", "DEFAULT_RANKING", "QueryBuilder", "MAX_EXPANSION", "analyze", "date_range_query"]

# A wildcard expands to at most this many words, so `a*` cannot run away.
MAX_EXPANSION = 200


@dataclass(frozen=True)
class Ranking:
    """Scoring settings: BM25F parameters and per-field weights."""

    k1: float = 1.2
    b: float = 0.75
    field_weights: dict[str, float] = field(default_factory=lambda: {
        "title": 2.0,
        "body": 1.0,
        "author": 1.5,
        "affiliation": 0.5,
        "source": 0.5,
        "tags": 1.0,
    })

    def weighting(self) -> scoring.WeightingModel:
        """The Whoosh weighting model for a searcher."""
        return scoring.BM25F(B=self.b, K1=self.k1)


DEFAULT_RANKING = Ranking()


class QueryBuilder:
    """Builds Whoosh queries for one reader (wildcards expand against its words)."""

    def __init__(self, reader: Any, ranking: Ranking = DEFAULT_RANKING) -> None:
        self.reader = reader
        self.ranking = ranking
        self.notices: list[str] = []
        # field -> terms that wildcards expanded to (for highlighting).
        self.expanded: dict[str, set[str]] = {}

    def build(self, parsed: ParsedQuery, match: str) -> wq.Query | None:
        """The query for ``match`` (``"all"`` or ``"any"``), or None when empty.

        A query with only exclusions (or nothing at all) matches every
        document except the excluded ones.
        """
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
        parts = [q for q in (self._clause(c) for c in group) if q is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def _clause(self, clause: Clause) -> wq.Query | None:
        if clause.kind == "date":
            lo, hi = clause.date_range or (0, 0)
            return date_range_query(lo, hi)
        fields = [clause.field] if clause.field else list(TEXT_FIELDS)
        if clause.kind == "prefix":
            return self._prefix(clause.text, fields)
        parts = []
        for name in fields:
            q = self._text(name, clause.text)
            if q is not None:
                parts.append(q)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def _text(self, name: str, text: str) -> wq.Query | None:
        """A word or phrase in one field: a Term, or a Phrase if it analyses to several."""
        words = analyze(name, text)
        if not words:
            return None
        boost = self.ranking.field_weights.get(name, 1.0)
        if len(words) == 1:
            return wq.Term(name, words[0], boost=boost)
        return wq.Phrase(name, words, boost=boost)

    def _prefix(self, prefix: str, fields: list[str]) -> wq.Query | None:
        """Expand ``prefix*`` into the words of the index that start with it."""
        folded = fold(prefix)
        terms: list[wq.Query] = []
        for name in fields:
            # Stemmed fields keep their unstemmed words in a spelling field:
            # expanding against stems would miss `governm*` -> government.
            source = SCHEMA[name].spelling_fieldname(name)
            if source not in self.reader.schema:
                source = name
            words = set()
            for raw in self.reader.expand_prefix(source, folded):
                word = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                words.update(analyze(name, word))
                if len(words) >= MAX_EXPANSION:
                    self.notices.append(
                        f"“{prefix}*” matches too many words; only the first {MAX_EXPANSION} were used."
                    )
                    break
            self.expanded.setdefault(name, set()).update(words)
            boost = self.ranking.field_weights.get(name, 1.0)
            terms.extend(wq.Term(name, w, boost=boost) for w in sorted(words))
        if not terms:
            return wq.NullQuery
        return wq.Or(terms)


# Dates are YYYYMMDD integers; 0 means undated.  Whoosh's numeric ranges
# return wrong matches for very wide spans (an upper bound of 5999-12-31
# matched every document), so bounds are clamped to years 1-2999.
_FIRST_DATE, _LAST_DATE = 10101, 29991231


def date_range_query(lo: int | None, hi: int | None) -> wq.Query:
    """Documents dated from ``lo`` to ``hi`` inclusive (YYYYMMDD; None is open)."""
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

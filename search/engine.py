"""Matching and ranking one compiled query over a generation's arrays.

The pipeline of a search: parse (``query.parse_query``) → plan (clauses to
field parts, once: ``QueryBuilder``) → match (boolean masks over every
document) → score (BM25F, top k) → rerank (feedback, proximity, semantic
fusion) → present (``present``).  ``Engine`` holds what one search shares
between its stages: the searcher, the generation's statistics and arrays,
one ``Scorer`` (so that each posting list is read once, even when the query
is retried relaxed or corrected), and the documents the filters allow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .facets import DATE_FILTER, FacetTable
from .options import FILTERS
from .query import Clause, ParsedQuery
from .ranking import QueryBuilder, Ranking, analyze
from .schema import TEXT_FIELDS
from .scoring import RankingStats, Scorer, rank_documents

__all__ = ["Engine", "Matches", "match_documents", "clause_documents", "date_mask", "filter_masks", "known_word"]

# Dates are YYYYMMDD integers; 0 means undated.  Bounds are clamped to
# years 1-2999, as ``ranking.date_range_query`` clamps the Whoosh query
# these masks replace.
_FIRST_DATE, _LAST_DATE = 10101, 29991231


def date_mask(stats: RankingStats, lo: int | None, hi: int | None) -> np.ndarray:
    """Mask of the live documents dated from ``lo`` to ``hi`` inclusive (None is open)."""
    lo = max(lo or _FIRST_DATE, _FIRST_DATE)
    hi = min(hi or _LAST_DATE, _LAST_DATE)
    dates = stats.columns.dates
    return (dates >= lo) & (dates <= hi) & stats.columns.live


def clause_documents(builder: QueryBuilder, scorer: Scorer, clause: Clause) -> np.ndarray | None:
    """Mask of the live documents one clause matches (None: the clause is ignored)."""
    if clause.kind == "date":
        lo, hi = clause.date_range or (0, 0)
        return date_mask(scorer.stats, lo, hi)
    parts = builder.parts(clause)
    return None if parts is None else scorer.docs(parts)


def match_documents(builder: QueryBuilder, scorer: Scorer, parsed: ParsedQuery, match: str) -> np.ndarray | None:
    """Mask of the live documents the query matches, or None when it asks for nothing.

    The same matches as Whoosh gives for ``builder.build(parsed, match)``,
    computed from the postings the scorer reads anyway, so that each
    posting list is read once per search.  A query whose clauses are all
    stop words (or only exclusions) matches every document not excluded.
    """
    groups: list[np.ndarray] = []
    for group in parsed.groups:
        masks = [m for m in (clause_documents(builder, scorer, c) for c in group) if m is not None]
        if masks:
            groups.append(np.logical_or.reduce(masks))
    excluded = [m for m in (clause_documents(builder, scorer, c) for c in parsed.excluded) if m is not None]
    if groups:
        found = np.logical_and.reduce(groups) if match == "all" else np.logical_or.reduce(groups)
    elif excluded or parsed.groups:
        found = scorer.columns.live.copy()
    else:
        return None
    for mask in excluded:
        found &= ~mask
    return found


@dataclass
class Matches:
    """What one parsed query matched.

    ``found`` is before the filters, ``matched`` after; ``match`` is the mode
    used ("any" when "all" was relaxed); ``browsing`` when the query asked
    for nothing (every document passes); ``strict`` how many matched before
    any relaxing.
    """

    parsed: ParsedQuery
    builder: QueryBuilder
    found: np.ndarray
    matched: np.ndarray
    match: str
    notices: list[str] = field(default_factory=list)
    browsing: bool = False
    strict: int = 0

    @property
    def total(self) -> int:
        """How many documents matched after the filters."""
        return int(self.matched.sum())


class Engine:
    """Matching and ranking for one search, over one generation."""

    def __init__(self, searcher: Any, stats: RankingStats, ranking: Ranking, allowed: np.ndarray | None) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.stats = stats
        self.ranking = ranking
        self.scorer = Scorer(searcher, stats)
        self.allowed = allowed

    def _passing(self, found: np.ndarray) -> np.ndarray:
        """Those of ``found`` that every filter allows."""
        return found & self.allowed if self.allowed is not None else found

    def match(self, parsed: ParsedQuery, match: str) -> Matches:
        """Match one parsed query; with ``match="all"`` and nothing found,
        first drop words no document has, then relax to "any"."""
        builder = QueryBuilder(self.reader, self.ranking)
        found = match_documents(builder, self.scorer, parsed, match)
        browsing = found is None
        if found is None:
            found = self.stats.columns.live.copy()
        matched = self._passing(found)
        strict = int(matched.sum())
        effective, notes = match, list(parsed.notices)
        if not strict and match == "all" and len(parsed.groups) > 1:
            # Words no document has cannot be matched by relaxing less:
            # first try all the other words, still all of them.
            known = [g for g in parsed.groups if not _unknown_group(self.reader, g)]
            if known and len(known) < len(parsed.groups):
                reduced = ParsedQuery(text=parsed.text, groups=known, excluded=parsed.excluded)
                kept_found = match_documents(builder, self.scorer, reduced, "all")
                if kept_found is not None and self._passing(kept_found).any():
                    found, matched = kept_found, self._passing(kept_found)
                    missing = " ".join(f"“{c.text}”" for g in parsed.groups if g not in known for c in g)
                    notes.append(f"No document contains {missing}; showing those that contain the other words.")
        if not matched.any() and match == "all" and len(parsed.groups) > 1:
            relaxed = match_documents(builder, self.scorer, parsed, "any")
            if relaxed is not None and self._passing(relaxed).any():
                found, matched, effective = relaxed, self._passing(relaxed), "any"
                notes.append("No document contains all of your search terms; showing those that contain some of them.")
        notes.extend(builder.notices)
        return Matches(parsed, builder, found, matched, effective, notes, browsing, strict)

    def rank(self, matches: Matches, expand: bool, terms_of: Callable[[int], Any], depth: int) -> list[tuple[int, float]]:
        """The best ``depth`` matches with their BM25F scores (plus feedback
        and proximity when asked for), best first, ties in index order."""
        features = matches.builder.features(matches.parsed)
        return rank_documents(self.searcher, self.scorer, features, matches.matched, expand, terms_of, depth)


def _unknown_group(reader: Any, group: list[Any]) -> bool:
    """True when no clause of a query group can match: plain words the index does not have."""
    return all(
        clause.kind == "word" and clause.field is None and not any(known_word(reader, w) for w in re.findall(r"\w+", clause.text))
        for clause in group
    )


def known_word(reader: Any, word: str) -> bool:
    """True when ``word`` occurs in any searchable field."""
    for name in TEXT_FIELDS:
        for term in analyze(name, word):
            if reader.doc_frequency(name, term):
                return True
    # A stop word or a number-only token is never "misspelled".
    return not analyze("body", word)


def filter_masks(stats: RankingStats, table: FacetTable, typed: dict[str, Any], stored: dict[str, list[str]],
                 lo: int | None, hi: int | None) -> dict[str, np.ndarray]:
    """The documents each active filter lets through, by facet name (``DATE_FILTER`` for dates).

    Values within one facet are alternatives; the caller intersects facets.
    ``stored`` holds the index's values for what was ``typed``; a filter
    that was given values none of which is stored lets nothing through.
    """
    masks: dict[str, np.ndarray] = {}
    for facet in FILTERS:
        if stored[facet]:
            masks[facet] = table.having(facet, stored[facet]) & stats.columns.live
        elif typed[facet]:
            masks[facet] = np.zeros(stats.columns.size, dtype=bool)
    if lo is not None or hi is not None:
        masks[DATE_FILTER] = date_mask(stats, lo, hi)
    return masks

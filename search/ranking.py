"""From parsed clauses to matches and scores.

This is the one place that decides field weights and the scoring function,
so ranking experiments change this module only (analysis lives in
``schema``, pseudo-relevance feedback in ``expansion``).

``QueryBuilder`` turns each clause into ``FieldPart``s: the terms (or
phrase) it stands for in each field.  ``Scorer`` reads their postings once
and uses them twice: to decide which documents match (set algebra with the
same meaning as the Whoosh query ``QueryBuilder.build`` returns), and to
score them with BM25F over the query's ``Feature``s.

Scoring is a true BM25F: the occurrences of a query word in every field are
combined, each weighted by its field, *before* BM25's saturation, and the
word's IDF counts the documents that have it in any field.  (Whoosh's own
BM25F scores each field on its own and adds the scores up, so a word found
in the title and in the body counts like two different words.)  A word that
appears twice in the query weighs twice as much.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, Iterable, Iterator, Sequence

from whoosh import query as wq
from whoosh import scoring
from whoosh.support.charset import accent_map

from .query import Clause, ParsedQuery
from .schema import SCHEMA, TEXT_FIELDS

__all__ = [
    "Ranking",
    "DEFAULT_RANKING",
    "QueryBuilder",
    "Feature",
    "FieldPart",
    "Scorer",
    "RankingStats",
    "MAX_EXPANSION",
    "analyze",
    "date_range_query",
    "term_blocks",
    "term_postings",
]

# A wildcard expands to at most this many words, so `a*` cannot run away.
MAX_EXPANSION = 200


def _default_field_weights() -> dict[str, float]:
    # A title word says more about a document than a body word; names
    # count, but less than the text, so a query word that is also somebody's
    # name does not bury the documents about it.
    return {
        "title": 2.0,
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
    saturation (a title occurrence with weight 2 counts as two body
    occurrences); a field with weight 0 still matches but does not score.

    Pseudo-relevance feedback (``Index.search(expand=True)``) learns
    ``feedback_terms`` words from the ``feedback_docs`` best documents of a
    first pass and gives them together ``feedback_weight`` of the final
    query's weight (0 turns feedback off); they re-rank the first pass's
    best ``feedback_depth`` documents.
    """

    k1: float = 2.0
    b: float = 0.75
    field_weights: dict[str, float] = field(default_factory=_default_field_weights)
    feedback_docs: int = 10
    feedback_terms: int = 10
    feedback_weight: float = 0.3
    feedback_depth: int = 1000

    def weighting(self) -> scoring.WeightingModel:
        """A Whoosh weighting model with these parameters (used by ``more_like``)."""
        return scoring.BM25F(B=self.b, K1=self.k1)

    def weight_of(self, fieldname: str) -> float:
        """The weight of a field (1.0 for fields not listed)."""
        return self.field_weights.get(fieldname, 1.0)


DEFAULT_RANKING = Ranking()


@dataclass(frozen=True)
class FieldPart:
    """What a clause looks for in one field.

    With ``phrase`` the ``words`` must occur in sequence; otherwise each of
    them counts (one word, or the words a wildcard expanded to).
    """

    field: str
    words: tuple[str, ...]
    phrase: bool = False


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
        found = []
        for name in fields:
            if clause.kind == "prefix":
                words = self._expand(name, clause.text)
            else:
                words = tuple(analyze(name, clause.text))
            if words:
                found.append(FieldPart(name, words, clause.kind != "prefix" and len(words) > 1))
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
        parts = self.parts(clause)
        if parts is None:
            return None
        queries: list[wq.Query] = []
        for part in parts:
            if part.phrase:
                queries.append(wq.Phrase(part.field, list(part.words)))
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


class RankingStats:
    """Collection statistics for one index generation, shared between queries.

    Length factors are computed the first time a document is scored and
    kept: reading every length up front would pause the first query after
    each index change.
    """

    def __init__(self, searcher: Any, ranking: Ranking) -> None:
        self.ranking = ranking
        self.doc_count = max(searcher.doc_count(), 1)
        size = searcher.reader().doc_count_all()
        self._avg: dict[str, float] = {}
        self._norms: dict[str, array] = {}
        for name in TEXT_FIELDS:
            self._avg[name] = searcher.avg_field_length(name) or 1.0
            # 0.0 marks "not computed yet"; a real factor is always > 0.
            self._norms[name] = array("d", bytes(8 * size))
        # For any other field: never filled in, so `norm` answers 1.0.
        self._unknown = array("d", bytes(8 * size))

    def norms(self, fieldname: str) -> array:
        """Length factors of a field by document; 0.0 where not computed yet."""
        return self._norms.get(fieldname, self._unknown)

    def norm(self, reader: Any, fieldname: str, docnum: int) -> float:
        """BM25's length factor ``1 - b + b * length / average length``.

        ``reader`` is any reader of this generation (each thread has its own).
        """
        norms = self._norms.get(fieldname)
        if norms is None:
            return 1.0
        value = norms[docnum]
        if value == 0.0:
            b = self.ranking.b
            length = reader.doc_field_length(docnum, fieldname, 0) or 0
            value = max((1.0 - b) + b * length / self._avg[fieldname], 1e-6)
            norms[docnum] = value
        return value

    def idf(self, df: int) -> float:
        """IDF of a feature found in ``df`` documents (Lucene's BM25 form).

        ``log(1 + (N - df + 0.5) / (df + 0.5))`` stays positive, so a word
        found in most documents still counts a little, and falls faster with
        ``df`` than Whoosh's ``1 + log(N / (df + 1))``, so a rare word
        outweighs several common ones.
        """
        df = min(df, self.doc_count)
        return math.log(1.0 + (self.doc_count - df + 0.5) / (df + 0.5))


# A run of postings: document numbers (ascending) and term frequencies.
Block = tuple[Sequence[int], Sequence[float]]


class Scorer:
    """Matches and BM25F scores for one query, from postings read once."""

    def __init__(self, searcher: Any, stats: RankingStats) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.stats = stats
        self.ranking = stats.ranking
        self._blocks: dict[FieldPart, list[Block]] = {}

    def docs(self, parts: Iterable[FieldPart]) -> set[int]:
        """The live documents that have any of ``parts``."""
        found: set[int] = set()
        for part in parts:
            for ids, _ in self.blocks(part):
                found.update(ids)
        return found

    def score(self, features: Iterable[Feature], candidates: set[int]) -> dict[int, float]:
        """Scores of those ``candidates`` that have a feature (others score 0).

        Each feature adds ``weight * idf * tf' * (k1 + 1) / (tf' + k1)``,
        where ``tf'`` sums ``field weight * tf / length factor`` over fields
        and the idf counts every document that has the feature in a scored
        field, candidate or not.
        """
        k1 = self.ranking.k1
        scores: dict[int, float] = {}
        get = scores.get
        for feature in features:
            found, pseudo_tf = self._pseudo_tf(feature, candidates)
            if not found:
                continue
            factor = feature.weight * self.stats.idf(found) * (k1 + 1.0)
            for docnum, tf in pseudo_tf.items():
                scores[docnum] = get(docnum, 0.0) + factor * tf / (tf + k1)
        return scores

    def blocks(self, part: FieldPart) -> list[Block]:
        """The postings of a field part (phrase occurrences for a phrase), cached."""
        found = self._blocks.get(part)
        if found is None:
            if part.phrase:
                found = [self._phrase_postings(part)]
            else:
                found = [b for word in part.words for b in term_blocks(self.reader, part.field, word)]
            self._blocks[part] = found
        return found

    def _phrase_postings(self, part: FieldPart) -> Block:
        ids: list[int] = []
        counts: list[float] = []
        matcher = wq.Phrase(part.field, list(part.words)).matcher(
            self.searcher, self.searcher.boolean_context()
        )
        while matcher.is_active():
            ids.append(matcher.id())
            counts.append(float(len(matcher.spans()) or 1))
            matcher.next()
        return ids, counts

    def _pseudo_tf(self, feature: Feature, candidates: set[int]) -> tuple[int, dict[int, float]]:
        """How many documents have the feature, and its weighted,
        length-normalised frequency in each candidate that has it."""
        seen: set[int] = set()
        combined: dict[int, float] = {}
        get = combined.get
        for part in feature.parts:
            weight = self.ranking.weight_of(part.field)
            if weight <= 0:
                continue
            norms = self.stats.norms(part.field)
            fill = self.stats.norm
            for ids, tfs in self.blocks(part):
                seen.update(ids)
                # This loop runs once per posting: keep it lean.
                for docnum, tf in zip(ids, tfs):
                    if docnum in candidates:
                        factor = norms[docnum] or fill(self.reader, part.field, docnum)
                        combined[docnum] = get(docnum, 0.0) + weight * tf / factor
        return len(seen), combined


def term_blocks(reader: Any, fieldname: str, text: str) -> list[Block]:
    """The postings of a term in every segment, as blocks of live documents."""
    found: list[Block] = []
    for leaf, base in reader.leaf_readers():
        if (fieldname, text) not in leaf:
            continue
        matcher = leaf.postings(fieldname, text)
        blocks = _raw_blocks(matcher)
        if blocks is None:
            ids: list[int] = []
            tfs: list[float] = []
            while matcher.is_active():
                ids.append(matcher.id())
                tfs.append(matcher.weight())
                matcher.next()
            blocks = [(ids, tfs)]
        for ids, tfs in blocks:
            found.append((ids, tfs) if not base else ([base + d for d in ids], tfs))
    return found


def term_postings(reader: Any, fieldname: str, text: str) -> Iterator[tuple[int, float]]:
    """(document number, term frequency) for every live document with the term."""
    for ids, tfs in term_blocks(reader, fieldname, text):
        yield from zip(ids, tfs)


# The posting-list reader of Whoosh's current codec, whose blocks of ids and
# weights can be taken whole; the public one-posting-at-a-time interface
# costs several method calls per posting, which dominated query time.
_BLOCK_MATCHER = "W3LeafMatcher"
_BLOCK_API = ("is_active", "_read_data", "_read_weights", "_next_block", "_data", "_byteids", "_weights")


def _raw_blocks(matcher: Any) -> list[Block] | None:
    """The matcher's blocks of (ids, weights), or None when it is not a plain
    posting list of the known codec (the caller then uses the public API).

    A segment with deleted documents gives a filtering wrapper instead, which
    takes the public path, so deleted documents are never read here.
    """
    if type(matcher).__name__ != _BLOCK_MATCHER or not all(hasattr(matcher, a) for a in _BLOCK_API):
        return None
    blocks: list[Block] = []
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        # Ids are stored as gaps; summing them in C is what makes reading a
        # long posting list cheap (the codec does it in a Python loop).
        raw = matcher._data[0]
        ids = raw if matcher._byteids else tuple(accumulate(raw))
        if matcher._weights is None:
            matcher._read_weights()
        blocks.append((ids, matcher._weights))
        matcher._next_block()
    return blocks


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

"""BM25F scores and matches, from postings read once.

``Scorer`` reads the postings of a query's field parts once and uses them
twice: to decide which documents match (set algebra with the same meaning
as the Whoosh query ``QueryBuilder.build`` returns), and to score them.

Scoring is a true BM25F: the occurrences of a query word in every field are
combined, each weighted by its field, *before* BM25's saturation, and the
word's IDF counts the documents that have it in any field.  (Whoosh's own
BM25F scores each field on its own and adds the scores up, so a word found
in the title and in the body counts like two different words.)  A word that
appears twice in the query weighs twice as much.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from array import array
from itertools import accumulate
from typing import Any, Callable, Iterable, Sequence

from .expansion import feedback_features
from .phrases import phrase_postings
from .query import Clause, ParsedQuery
from .ranking import Feature, FieldPart, QueryBuilder, Ranking, date_range_query
from .schema import TEXT_FIELDS

__all__ = [
    "RankingStats", "Scorer", "term_blocks", "match_documents", "clause_documents", "rank_documents",
    "window_counts",
]


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
        field, candidate or not; plus ``weight * idf * title_bonus`` when the
        document's title has it.
        """
        k1 = self.ranking.k1
        bonus = self.ranking.title_bonus
        scores: dict[int, float] = {}
        get = scores.get
        for feature in features:
            found, pseudo_tf = self._pseudo_tf(feature, candidates)
            if not found:
                continue
            idf = self.stats.idf(found)
            factor = feature.weight * idf * (k1 + 1.0)
            for docnum, tf in pseudo_tf.items():
                scores[docnum] = get(docnum, 0.0) + factor * tf / (tf + k1)
            if bonus > 0:
                for docnum in self.docs(p for p in feature.parts if p.field == "title") & candidates:
                    scores[docnum] = get(docnum, 0.0) + feature.weight * idf * bonus
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
        return phrase_postings(self.reader, part.field, part.phrase_slots())

    def proximity(self, features: Sequence[Feature], docnums: Sequence[int]) -> dict[int, float]:
        """Pair scores of ``docnums`` for query words that are neighbours in
        the query (see ``Ranking``): BM25 over the pair's count in the body,
        with the rarer word's IDF, weighted by ``proximity_weight`` (either
        order, within ``proximity_window``) and ``phrase_weight`` (next to
        each other, in order).

        Only the body's positions of ``docnums`` are read, so the cost is
        bounded by their number, whatever the length of the posting lists.
        """
        ranking = self.ranking
        words = [_body_word(f) for f in features]
        pairs = [(a, b) for a, b in zip(words, words[1:]) if a and b and a != b]
        if not pairs or not docnums:
            return {}
        wanted = sorted(set(docnums))
        positions = {w: self._positions("body", w, wanted) for w in {w for pair in pairs for w in pair}}
        k1 = ranking.k1
        norms = self.stats.norms("body")
        scores: dict[int, float] = {}
        for a, b in pairs:
            idf = min(self.stats.idf(self.reader.doc_frequency("body", w)) for w in (a, b))
            first, second = positions[a], positions[b]
            for docnum in wanted:
                if docnum not in first or docnum not in second:
                    continue
                near, adjacent = window_counts(first[docnum], second[docnum], ranking.proximity_window)
                tf = ranking.proximity_weight * near + ranking.phrase_weight * adjacent
                if tf <= 0:
                    continue
                norm = norms[docnum] or self.stats.norm(self.reader, "body", docnum)
                tf /= norm
                scores[docnum] = scores.get(docnum, 0.0) + idf * tf * (k1 + 1.0) / (tf + k1)
        return scores

    def _positions(self, fieldname: str, word: str, docnums: Sequence[int]) -> dict[int, Sequence[int]]:
        """The positions of ``word`` in ``fieldname`` for each of the sorted
        ``docnums`` that has it, skipping over the rest of the posting list."""
        found: dict[int, Sequence[int]] = {}
        for leaf, base in self.reader.leaf_readers():
            if (fieldname, word) not in leaf:
                continue
            end = base + leaf.doc_count_all()
            local = [d - base for d in docnums if base <= d < end]
            if not local:
                continue
            matcher = leaf.postings(fieldname, word)
            for docnum in local:
                if not matcher.is_active():
                    break
                if matcher.id() < docnum:
                    matcher.skip_to(docnum)
                    if not matcher.is_active():
                        break
                if matcher.id() == docnum:
                    found[base + docnum] = matcher.value_as("positions")
        return found

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


def match_documents(searcher: Any, builder: QueryBuilder, scorer: Scorer, parsed: ParsedQuery, match: str) -> set[int] | None:
    """The live documents the query matches, or None when it asks for nothing.

    The same matches as Whoosh gives for ``builder.build(parsed, match)``,
    computed from the postings the scorer reads anyway, so that each
    posting list is read once per search rather than twice.  A query whose
    clauses are all stop words (or only exclusions) matches every document
    not excluded.
    """
    groups: list[set[int]] = []
    for group in parsed.groups:
        sets = [d for d in (clause_documents(searcher, builder, scorer, c) for c in group) if d is not None]
        if sets:
            groups.append(set().union(*sets))
    excluded = [d for d in (clause_documents(searcher, builder, scorer, c) for c in parsed.excluded) if d is not None]
    if groups:
        found = set.intersection(*groups) if match == "all" else set().union(*groups)
    elif excluded or parsed.groups:
        found = set(searcher.reader().all_doc_ids())
    else:
        return None
    for docs in excluded:
        found -= docs
    return found


def clause_documents(searcher: Any, builder: QueryBuilder, scorer: Scorer, clause: Clause) -> set[int] | None:
    """The live documents one clause matches (None: the clause is ignored)."""
    if clause.kind == "date":
        lo, hi = clause.date_range or (0, 0)
        return set(searcher.docs_for_query(date_range_query(lo, hi)))
    parts = builder.parts(clause)
    return None if parts is None else scorer.docs(parts)


def rank_documents(
    searcher: Any,
    scorer: Scorer,
    features: list[Feature],
    matched: set[int],
    expand: bool,
    terms_of: Callable[[int], Counter[str]],
    limit: int,
) -> list[tuple[int, float]]:
    """The best ``limit`` matched documents with their scores, best first
    (ties in index order).

    With ``expand``, words learnt from the first pass's top documents are
    scored too (pseudo-relevance feedback), for the first pass's best
    ``feedback_depth`` documents: they re-order the matches and never change
    which documents match.  The rest keep their first-pass scores, which are
    no higher than those of any re-ranked document.
    """
    if not matched:
        return []
    ranking = scorer.ranking
    scores = scorer.score(features, matched)
    if expand and features:
        depth = max(ranking.feedback_depth, ranking.feedback_docs)
        first = _best(matched, scores, depth)
        extra = feedback_features(
            searcher, first, sum(f.weight for f in features), ranking,
            terms_of=terms_of,
        )
        if extra:
            pool = {d for d, _ in first}
            for docnum, score in scorer.score(extra, pool).items():
                scores[docnum] = scores.get(docnum, 0.0) + score
    if (ranking.proximity_weight > 0 or ranking.phrase_weight > 0) and len(features) > 1:
        top = [d for d, _ in _best(matched, scores, max(ranking.proximity_depth, 0))]
        for docnum, score in scorer.proximity(features, top).items():
            scores[docnum] = scores.get(docnum, 0.0) + score
    return _best(matched, scores, limit)


def _best(docnums: set[int], scores: dict[int, float], limit: int) -> list[tuple[int, float]]:
    """The ``limit`` best documents with their scores, best first; ties in index order."""
    items = ((d, scores.get(d, 0.0)) for d in docnums)
    if limit >= len(docnums):
        return sorted(items, key=_rank_key)
    return heapq.nsmallest(limit, items, key=_rank_key)


def _rank_key(item: tuple[int, float]) -> tuple[float, int]:
    return -item[1], item[0]


def _body_word(feature: Feature) -> str | None:
    """The body term of a one-word feature, or None (phrases, wildcards,
    field-restricted words)."""
    for part in feature.parts:
        if part.field == "body" and not part.phrase and len(part.words) == 1:
            return part.words[0]
    return None


def window_counts(first: Sequence[int], second: Sequence[int], window: int) -> tuple[int, int]:
    """How often two words occur near each other, from their sorted positions.

    Returns ``(near, adjacent)``: ``near`` counts the occurrences of the
    first word with an occurrence of the second at most ``window`` positions
    away in either direction; ``adjacent`` those directly followed by the
    second word.
    """
    near = adjacent = 0
    j = 0
    following = set(second)
    for pos in first:
        while j < len(second) and second[j] < pos - window:
            j += 1
        if j < len(second) and second[j] <= pos + window:
            near += 1
        if pos + 1 in following:
            adjacent += 1
    return near, adjacent

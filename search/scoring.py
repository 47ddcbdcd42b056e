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

import math
from collections import Counter
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .expansion import feedback_features
from .phrases import phrase_postings as positional_phrase, positions_of
from .postings import Columns, Postings
from .ranking import Feature, FieldPart, Ranking

__all__ = ["RankingStats", "Scorer", "rank_documents", "best", "phrase_postings", "window_counts"]


class RankingStats:
    """Collection statistics for one index generation, shared between queries.

    The length factors of every document come from ``Columns``, which reads
    each field's whole length column once.
    """

    def __init__(self, searcher: Any, ranking: Ranking) -> None:
        self.ranking = ranking
        self.doc_count = max(searcher.doc_count(), 1)
        self.columns = Columns(searcher, ranking.b)
        # For any other field: factor 1.0.
        self._unknown = np.ones(self.columns.size, dtype=np.float64)

    def norms(self, fieldname: str) -> np.ndarray:
        """Length factors ``1 - b + b * length / average length`` of a field, by document."""
        return self.columns.norms.get(fieldname, self._unknown)

    def norm(self, reader: Any, fieldname: str, docnum: int) -> float:
        """BM25's length factor of one document (``reader`` is kept for callers)."""
        return float(self.norms(fieldname)[docnum])

    def idf(self, df: int) -> float:
        """IDF of a feature found in ``df`` documents (Lucene's BM25 form).

        ``log(1 + (N - df + 0.5) / (df + 0.5))`` stays positive, so a word
        found in most documents still counts a little, and falls faster with
        ``df`` than Whoosh's ``1 + log(N / (df + 1))``, so a rare word
        outweighs several common ones.
        """
        df = min(df, self.doc_count)
        return math.log(1.0 + (self.doc_count - df + 0.5) / (df + 0.5))


class Scorer:
    """Matches and BM25F scores for one query, from postings read once.

    Document sets are boolean masks over every document of the generation;
    scores are float64 arrays of the same length (0 where not scored).
    """

    def __init__(self, searcher: Any, stats: RankingStats) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.stats = stats
        self.columns = stats.columns
        self.ranking = stats.ranking
        self._postings: dict[FieldPart, list[Postings]] = {}
        self._masks: dict[FieldPart, np.ndarray] = {}

    def docs(self, parts: Iterable[FieldPart]) -> np.ndarray:
        """Mask of the live documents that have any of ``parts``."""
        found = np.zeros(self.columns.size, dtype=bool)
        for part in parts:
            found |= self.part_mask(part)
        return found

    def part_mask(self, part: FieldPart) -> np.ndarray:
        """Mask of the live documents that have one field part, cached."""
        mask = self._masks.get(part)
        if mask is None:
            mask = np.zeros(self.columns.size, dtype=bool)
            for ids, _ in self.postings(part):
                mask[ids] = True
            self._masks[part] = mask
        return mask

    def postings(self, part: FieldPart) -> list[Postings]:
        """The postings of a field part (phrase occurrences for a phrase), cached."""
        found = self._postings.get(part)
        if found is None:
            if part.phrase:
                found = [phrase_postings(self.searcher, part, self.columns)]
            else:
                found = [self.columns.postings(self.reader, part.field, word) for word in part.words]
            self._postings[part] = found
        return found

    def score(self, features: Iterable[Feature], candidates: np.ndarray) -> np.ndarray:
        """Scores of the ``candidates`` (a mask) that have a feature; 0 elsewhere.

        Each feature adds ``weight * idf * tf' * (k1 + 1) / (tf' + k1)``,
        where ``tf'`` sums ``field weight * tf / length factor`` over fields
        and the idf counts every document that has the feature in a scored
        field, candidate or not; plus ``weight * idf * title_bonus`` when the
        document's title has it.
        """
        k1 = self.ranking.k1
        bonus = self.ranking.title_bonus
        scores = np.zeros(self.columns.size, dtype=np.float64)
        for feature in features:
            found, pseudo_tf = self._pseudo_tf(feature)
            if found is None:
                continue
            idf = self.stats.idf(int(found.sum()))
            factor = feature.weight * idf * (k1 + 1.0)
            chosen = found & candidates
            tf = pseudo_tf[chosen]
            scores[chosen] += factor * tf / (tf + k1)
            if bonus > 0:
                titled = self.docs(p for p in feature.parts if p.field == "title") & candidates
                scores[titled] += feature.weight * idf * bonus
        return scores

    def _pseudo_tf(self, feature: Feature) -> tuple[np.ndarray | None, np.ndarray]:
        """Which documents have the feature in a scored field, and its
        weighted, length-normalised frequency in each (summed over fields
        in the order of the parts, as the one-document form did)."""
        found: np.ndarray | None = None
        combined = np.zeros(self.columns.size, dtype=np.float64)
        for part in feature.parts:
            weight = self.ranking.weight_of(part.field)
            if weight <= 0:
                continue
            norms = self.stats.norms(part.field)
            for ids, tfs in self.postings(part):
                if not ids.size:
                    continue
                # Ids are unique within one term's postings, so fancy-index
                # addition adds each document once.
                combined[ids] += weight * tfs.astype(np.float64) / norms[ids]
            mask = self.part_mask(part)
            found = mask.copy() if found is None else (found | mask)
        if found is not None and not found.any():
            found = None
        return found, combined

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
                tf /= float(norms[docnum])
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
            for docnum, positions in positions_of(leaf, fieldname, word, local).items():
                found[base + docnum] = positions
        return found


def phrase_postings(searcher: Any, part: FieldPart, columns: Columns) -> Postings:
    """The live documents where a phrase part occurs, with its number of
    occurrences in each (the one place phrase matching is called from)."""
    # Every typed word keeps its place, stop words too (search.phrases).
    # Positions decoded by an earlier search of this generation are reused.
    return positional_phrase(searcher.reader(), part.field, part.phrase_slots(), columns)


def rank_documents(
    searcher: Any,
    scorer: Scorer,
    features: list[Feature],
    matched: np.ndarray,
    expand: bool,
    terms_of: Callable[[int], Counter[str]],
    limit: int,
) -> list[tuple[int, float]]:
    """The best ``limit`` matched documents (a mask) with their scores, best
    first (ties in index order).

    With ``expand``, words learnt from the first pass's top documents are
    scored too (pseudo-relevance feedback), for the first pass's best
    ``feedback_depth`` documents: they re-order the matches and never change
    which documents match.  The rest keep their first-pass scores, which are
    no higher than those of any re-ranked document.
    """
    if not matched.any():
        return []
    ranking = scorer.ranking
    scores = scorer.score(features, matched)
    if expand and features:
        depth = max(ranking.feedback_depth, ranking.feedback_docs)
        first = best(matched, scores, depth)
        extra = feedback_features(
            searcher, first, sum(f.weight for f in features), ranking,
            terms_of=terms_of,
        )
        if extra:
            pool = np.zeros_like(matched)
            pool[[d for d, _ in first]] = True
            scores += scorer.score(extra, pool)
    if (ranking.proximity_weight > 0 or ranking.phrase_weight > 0) and len(features) > 1:
        top = [d for d, _ in best(matched, scores, max(ranking.proximity_depth, 0))]
        for docnum, score in scorer.proximity(features, top).items():
            scores[docnum] += score
    return best(matched, scores, limit)


def best(matched: np.ndarray, scores: np.ndarray, limit: int) -> list[tuple[int, float]]:
    """The ``limit`` best of the ``matched`` documents with their scores,
    best first; ties in index order (as ``_rank_key`` orders them)."""
    docnums = np.flatnonzero(matched)
    if limit <= 0 or not docnums.size:
        return []
    values = scores[docnums]
    if limit < docnums.size:
        # Everything scoring at least the limit-th best score, then the
        # exact order among those (ties broken by document number).
        threshold = np.partition(values, docnums.size - limit)[docnums.size - limit]
        keep = values >= threshold
        docnums, values = docnums[keep], values[keep]
    order = np.lexsort((docnums, -values))[:limit]
    return [(int(d), float(v)) for d, v in zip(docnums[order], values[order])]


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

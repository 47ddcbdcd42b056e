"""Semantic ranking over one open index generation: documents to rows and back.

The vector file lists documents by id; a Whoosh searcher numbers them by
docnum.  ``SemanticView`` joins the two once per generation and answers the
two questions the engine asks: which documents are nearest to a query, and
which are nearest to a document.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from .encoder import get_encoder
from . import fusion
from .store import Embeddings

__all__ = ["SemanticView", "FUSE_DEPTH", "fuse_depth", "lexical_feedback", "query_text"]

# How deep the lexical ranking is computed for a semantic search, however
# few hits are asked for: the fusion's depth (``fusion.DEFAULT.depth``)
# is read at each search, so the engine asks for the deeper of the two.
FUSE_DEPTH = 100


def query_text(parsed: Any) -> str:
    """What the model reads of a parsed query: its positive words and phrases, in order.

    The parser keeps at most its word limit, so a paragraph-long query is
    embedded by its first words.
    """
    return " ".join(c.text for c in parsed.positive) or parsed.text


def fuse_depth() -> int:
    """How many lexical documents a semantic search needs at least."""
    return max(FUSE_DEPTH, fusion.DEFAULT.depth)


def lexical_feedback() -> bool:
    """Whether a semantic search ranks its lexical half with the engine's feedback (as ``expand=True``)."""
    return fusion.DEFAULT.expand


class SemanticView:
    """One generation's embeddings, addressed by docnum."""

    def __init__(self, embeddings: Embeddings, reader: Any) -> None:
        self.embeddings = embeddings
        positions = embeddings.index_by_id()
        # A document's number in the vector file (its group of passage rows).
        self.item_of: dict[int, int] = {}
        self.doc_of: dict[int, int] = {}
        if reader.doc_count():
            ids = reader.column_reader("id")
            for docnum in reader.all_doc_ids():
                item = positions.get(ids[docnum])
                if item is not None:
                    self.item_of[docnum] = item
                    self.doc_of[item] = docnum
        self._starts = _starts(embeddings.starts)

    @property
    def model(self) -> str:
        """The name of the model that made the vectors."""
        return self.embeddings.model

    def nearest(self, text: str, k: int, pool: Iterable[int] | None = None) -> list[tuple[int, float]]:
        """The ``k`` documents (docnum, cosine of their closest passage) closest to ``text``, among ``pool`` if given."""
        return self._top(self.query_vector(text), k, pool)

    def query_vector(self, text: str) -> Any:
        """The model's vector of a query's text."""
        return get_encoder(self.model).encode([text])[0]

    def similar(self, docnum: int, k: int) -> list[tuple[int, float]] | None:
        """The ``k`` documents closest to document ``docnum`` (not itself); None if it has no vector.

        The document is represented by its first passage (its title and the
        start of its body, the whole document when it is short).
        """
        item = self.item_of.get(docnum)
        if item is None:
            return None
        found = self._top(self.embeddings.table.row(self.embeddings.starts[item]), k + 1, None)
        return [(d, s) for d, s in found if d != docnum][:k]

    def _top(self, vector: Sequence[float], k: int, pool: Iterable[int] | None) -> list[tuple[int, float]]:
        items = None if pool is None else [self.item_of[d] for d in pool if d in self.item_of]
        found = self.embeddings.table.top(vector, k, items, self._starts)
        return [(self.doc_of[i], s) for i, s in found if i in self.doc_of]

    def fuse(self, lexical: Sequence[tuple[int, float]], text: str, pool: Iterable[int] | None) -> tuple[list[tuple[int, float]], set[int]]:
        """Lexical ranking fused with the dense one; also the dense documents that took part.

        ``lexical`` is the lexical ranking ((docnum, score), best first); the
        dense ranking is the nearest documents in ``pool`` (every document
        when None), as deep as the fusion reads.  The fusion is read here, at
        each call, from ``fusion.DEFAULT`` (``benchmarks/semantic.py`` swaps
        it to compare configurations).
        """
        how = fusion.DEFAULT.for_query(len(text.split()))
        vector = self.query_vector(text)
        fused, dense = self._fused_once(lexical, vector, pool, how)
        if how.feedback:
            # Dense pseudo-relevance feedback: one more scan with the query
            # moved towards its best documents' vectors, then fuse again.
            first = fused if how.feedback_from == fusion.FUSED else dense
            vector = fusion.feedback_query(vector, [self._centre(d) for d, _ in first[:how.feedback]], how.beta)
            fused, dense = self._fused_once(lexical, vector, pool, how)
        return fused, {d for d, _ in dense}

    def _fused_once(self, lexical: Sequence[tuple[int, float]], vector: Any, pool: Iterable[int] | None,
                    how: fusion.Fusion) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """The fusion of ``lexical`` with the dense ranking of ``vector``, and that dense ranking."""
        dense = self._top(vector, how.depth, pool)
        cosines = None
        if how.method == fusion.INTERPOLATE:
            # Interpolation needs the cosine of every lexical candidate too.
            found = {d for d, _ in dense}
            missing = [d for d, _ in lexical[:how.depth] if d not in found]
            cosines = dict(self._top(vector, len(missing), missing)) if missing else {}
        return fusion.fuse(list(lexical), dense, cosines, how), dense

    def _centre(self, docnum: int) -> list[Any]:
        """A document's unit mean passage vector, as a one-row list (empty when it has no vector)."""
        item = self.item_of.get(docnum)
        if item is None:
            return []
        # The table keeps this vector for its first stage: no row to read.
        return [self.embeddings.table.item(item, self.embeddings.rows(item))]


def _starts(starts: list[int]) -> Any:
    """Row offsets as the vector table wants them: numpy when present, None when one row a document."""
    if len(starts) - 1 == starts[-1]:
        return None
    try:
        import numpy
    except ImportError:
        return starts
    return numpy.asarray(starts, dtype=numpy.int64)

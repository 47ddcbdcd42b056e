"""Semantic ranking over one open index generation: documents to rows and back.

The vector file lists documents by id; a Whoosh searcher numbers them by
docnum.  ``SemanticView`` joins the two once per generation and answers the
two questions the engine asks: which documents are nearest to a query, and
which are nearest to a document.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from .encoder import get_encoder
from .fusion import reciprocal_rank_fusion
from .store import Embeddings

__all__ = ["SemanticView", "FUSE_DEPTH"]

# How deep each ranking goes into the fusion when fewer hits are asked for:
# a document ranked 100th by both lists still outscores one ranked 1st by
# only one of them with k = 60, so shallower lists would change the top.
FUSE_DEPTH = 100


class SemanticView:
    """One generation's embeddings, addressed by docnum."""

    def __init__(self, embeddings: Embeddings, reader: Any) -> None:
        self.embeddings = embeddings
        rows = embeddings.rows_by_id()
        self.row_of: dict[int, int] = {}
        self.doc_of: dict[int, int] = {}
        if reader.doc_count():
            ids = reader.column_reader("id")
            for docnum in reader.all_doc_ids():
                row = rows.get(ids[docnum])
                if row is not None:
                    self.row_of[docnum] = row
                    self.doc_of[row] = docnum

    @property
    def model(self) -> str:
        """The name of the model that made the vectors."""
        return self.embeddings.model

    def nearest(self, text: str, k: int, pool: Iterable[int] | None = None) -> list[tuple[int, float]]:
        """The ``k`` documents (docnum, cosine) closest to ``text``, among ``pool`` if given."""
        vector = get_encoder(self.model).encode([text])[0]
        return self._top(vector, k, pool)

    def similar(self, docnum: int, k: int) -> list[tuple[int, float]] | None:
        """The ``k`` documents closest to document ``docnum`` (not itself); None if it has no vector."""
        row = self.row_of.get(docnum)
        if row is None:
            return None
        found = self._top(self.embeddings.table.row(row), k + 1, None)
        return [(d, s) for d, s in found if d != docnum][:k]

    def _top(self, vector: Sequence[float], k: int, pool: Iterable[int] | None) -> list[tuple[int, float]]:
        rows = None if pool is None else [self.row_of[d] for d in pool if d in self.row_of]
        return [(self.doc_of[r], s) for r, s in self.embeddings.table.top(vector, k, rows) if r in self.doc_of]

    def fuse(self, lexical: Sequence[int], text: str, depth: int, pool: Iterable[int] | None) -> tuple[list[tuple[int, float]], set[int]]:
        """Lexical ranking fused with the dense one; also the dense documents found.

        ``lexical`` is the lexical ranking (docnums, best first, ``depth`` or
        fewer); the dense ranking is the ``depth`` nearest documents in
        ``pool`` (every document when None).
        """
        dense = [d for d, _ in self.nearest(text, depth, pool)]
        return reciprocal_rank_fusion([list(lexical), dense]), set(dense)

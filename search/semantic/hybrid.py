"""Semantic ranking over one open index generation: documents to rows and back.

The vector file lists documents by id; a Whoosh searcher numbers them by
docnum.  ``SemanticView`` joins the two once per generation and answers the
two questions the engine asks: which documents are nearest to a query, and
which are nearest to a document.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable, Sequence

import numpy as np

from .encoder import get_encoder
from . import fusion
from .store import Embeddings

__all__ = ["SemanticView", "FUSE_DEPTH", "forget_query_vectors", "fuse_depth", "joins", "lexical_feedback", "query_text"]

# How deep the lexical ranking is computed for a semantic search, however
# few hits are asked for: the fusion's depth (``fusion.DEFAULT.depth``)
# is read at each search, so the engine asks for the deeper of the two.
FUSE_DEPTH = 100
# Whether a search starts encoding its query, and scanning the vectors, on
# a worker thread as soon as it is parsed (``SemanticView.prepare``); the
# latency benchmark turns it off to measure what the overlap buys.
ENCODE_AHEAD = True


def query_text(parsed: Any) -> str:
    """What the model reads of a parsed query: its positive words and phrases, in order.

    The parser keeps at most its word limit, so a paragraph-long query is
    embedded by its first words.
    """
    return " ".join(c.text for c in parsed.positive) or parsed.text


def joins(parsed: Any) -> bool:
    """Whether the nearest documents by meaning may join a query's matches.

    Only when the query is plain words: an excluded word, a field or a
    phrase is something embeddings cannot honour, so then the fusion only
    reorders the lexical matches.
    """
    return not parsed.excluded and all(c.field is None and c.kind == "word" for c in parsed.positive)


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
        # A document's number in the vector file (its group of passage rows)
        # and back, -1 for none: arrays, so that a search maps a thousand
        # documents (or a filter's mask) at once.
        self._item = np.full(reader.doc_count_all() if reader.doc_count() else 0, -1, dtype=np.int64)
        self._doc = np.full(len(embeddings.ids), -1, dtype=np.int64)
        if reader.doc_count():
            ids = reader.column_reader("id")
            for docnum in reader.all_doc_ids():
                item = positions.get(ids[docnum])
                if item is not None:
                    self._item[docnum] = item
                    self._doc[item] = docnum
        self._starts = _starts(embeddings.starts)

    @property
    def model(self) -> str:
        """The name of the model that made the vectors."""
        return self.embeddings.model

    def nearest(self, text: str, k: int, pool: Iterable[int] | None = None) -> list[tuple[int, float]]:
        """The ``k`` documents (docnum, cosine of their closest passage) closest to ``text``, among ``pool`` if given."""
        docs, sims, _ = self._nearest(self.query_vector(text), k, pool)
        return list(zip(docs.tolist(), sims.tolist()))

    def query_vector(self, text: str) -> Any:
        """The model's vector of a query's text (the same text again is not encoded again)."""
        return _query_vectors.get(self.model, text)

    def prepare(self, parsed: Any, allowed: Any) -> Any:
        """Start, on a worker thread, what ``fuse`` will need whatever the lexical half finds; a handle for it.

        That is the query's vector and, for a query whose dense neighbours
        may join its matches (``joins``), its dense ranking among the
        ``allowed`` documents (None: all; a boolean mask by docnum), the
        pool ``fuse`` will be given.  The model and the vector scan run
        outside Python's lock, so on an idle second core they are hidden
        behind the lexical matching and ranking; on busy cores they cost
        what they cost in line.  None when there is nothing to start.
        """
        text = query_text(parsed)
        if not ENCODE_AHEAD or not text.strip():
            return None
        how = fusion.DEFAULT.for_query(len(text.split()))
        dense = joins(parsed) and how.method == fusion.INTERPOLATE and not how.feedback
        return _worker().submit(self._ahead, text, allowed, how, dense)

    def _ahead(self, text: str, pool: Any, how: fusion.Fusion, dense: bool) -> "_Ahead":
        vector = self.query_vector(text)
        if not dense:
            return _Ahead(text, vector)
        docs, sims, _ = self._nearest(vector, how.depth, pool)
        return _Ahead(text, vector, pool, how, docs, sims)

    def similar(self, docnum: int, k: int) -> list[tuple[int, float]] | None:
        """The ``k`` documents closest to document ``docnum`` (not itself); None if it has no vector.

        The document is represented by its first passage (its title and the
        start of its body, the whole document when it is short).
        """
        item = self._item_of(docnum)
        if item is None:
            return None
        docs, sims, _ = self._nearest(self.embeddings.table.row(self.embeddings.starts[item]), k + 1, None)
        return [(d, s) for d, s in zip(docs.tolist(), sims.tolist()) if d != docnum][:k]

    def _item_of(self, docnum: int) -> int | None:
        item = int(self._item[docnum]) if 0 <= docnum < self._item.size else -1
        return item if item >= 0 else None

    def _items_aligned(self, docs: Any) -> Any:
        """The item (row group of the vector file) of each docnum, -1 for none."""
        docs = np.asarray(docs, dtype=np.int64)
        inside = (docs >= 0) & (docs < self._item.size)
        out = np.full(docs.size, -1, dtype=np.int64)
        out[inside] = self._item[docs[inside]]
        return out

    def _items(self, docs: Any) -> Any:
        """The items of some docnums, in order, those without one left out."""
        items = self._items_aligned(docs)
        return items[items >= 0]

    def _pool_items(self, pool: Any) -> Any:
        """The items of a pool of documents: None (every item), a boolean mask by docnum, or docnums."""
        if pool is None:
            return None
        if isinstance(pool, np.ndarray) and pool.dtype == bool:
            return self._items(np.flatnonzero(pool[:self._item.size]))
        return self._items(np.fromiter(pool, dtype=np.int64))

    def _nearest(self, vector: Any, k: int, pool: Any, also: Any = None) -> tuple[Any, Any, Any]:
        """The ``k`` nearest documents in ``pool`` (docnums, cosines, best first); and the cosines of the
        items ``also`` (``VectorTable.nearest``)."""
        items, sims, extra = self.embeddings.table.nearest(vector, k, self._pool_items(pool), self._starts, also)
        docs = self._doc[items]
        known = docs >= 0
        return docs[known], sims[known], extra

    def fuse(self, lexical: Sequence[tuple[int, float]], text: str, pool: Any,
             ahead: Any = None) -> tuple[list[tuple[int, float]], set[int]]:
        """Lexical ranking fused with the dense one; also the dense documents that took part.

        ``lexical`` is the lexical ranking ((docnum, score), best first); the
        dense ranking is the nearest documents in ``pool`` (every document
        when None; a boolean mask by docnum, or docnums), as deep as the
        fusion reads.  ``ahead`` is what ``prepare`` returned, if it was
        called; what it computed is used where it fits this call.  The
        fusion is read here, at each call, from ``fusion.DEFAULT``
        (``benchmarks/semantic.py`` swaps it to compare configurations).
        """
        how = fusion.DEFAULT.for_query(len(text.split()))
        done = _collect(ahead)
        if done is not None and done.text != text:
            done = None
        vector = self.query_vector(text) if done is None else done.vector
        fused, dense = self._fused_once(lexical, vector, pool, how,
                                        done if done is not None and done.fits(pool, how) else None)
        if how.feedback:
            # Dense pseudo-relevance feedback: one more scan with the query
            # moved towards its best documents' vectors, then fuse again.
            first = fused if how.feedback_from == fusion.FUSED else dense
            vector = fusion.feedback_query(vector, [self._centre(d) for d, _ in first[:how.feedback]], how.beta)
            fused, dense = self._fused_once(lexical, vector, pool, how)
        return fused, {d for d, _ in dense}

    def _fused_once(self, lexical: Sequence[tuple[int, float]], vector: Any, pool: Any,
                    how: fusion.Fusion, ahead: "_Ahead | None" = None) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """The fusion of ``lexical`` with the dense ranking of ``vector``, and that dense ranking.

        ``ahead``, when given, holds that dense ranking already.
        """
        if how.method != fusion.INTERPOLATE:
            docs, sims, _ = self._nearest(vector, how.depth, pool)
            dense = list(zip(docs.tolist(), sims.tolist()))
            return fusion.fuse(list(lexical), dense, None, how), dense
        # Interpolation needs the cosine of every lexical candidate too, as
        # a look-up among those candidates alone gives it (each document's
        # best passage): in the same rescoring pass as the dense ranking's
        # candidates, or, that ranking made ahead, in a pass of their own.
        top = np.fromiter((d for d, _ in lexical[:how.depth]), dtype=np.int64, count=min(len(lexical), how.depth))
        items = self._items_aligned(top)
        has = items >= 0
        if ahead is None:
            docs, sims, found = self._nearest(vector, how.depth, pool, items[has])
        else:
            docs, sims = ahead.docs, ahead.sims
            found = self._nearest(vector, 0, (), items[has])[2]
        cosines = np.full(top.size, np.nan)
        cosines[has] = found
        return fusion.fuse_arrays(lexical, docs, sims, cosines, how), list(zip(docs.tolist(), sims.tolist()))

    def _centre(self, docnum: int) -> list[Any]:
        """A document's unit mean passage vector, as a one-row list (empty when it has no vector)."""
        item = self._item_of(docnum)
        if item is None:
            return []
        # The table keeps this vector for its first stage: no row to read.
        return [self.embeddings.table.item(item, self.embeddings.rows(item))]


class _Ahead:
    """What ``SemanticView.prepare`` computed: a query's vector, and its dense ranking among a pool."""

    def __init__(self, text: str, vector: Any, pool: Any = None, how: fusion.Fusion | None = None,
                 docs: Any = None, sims: Any = None) -> None:
        self.text, self.vector, self.pool, self.how, self.docs, self.sims = text, vector, pool, how, docs, sims

    def fits(self, pool: Any, how: fusion.Fusion) -> bool:
        """Whether its dense ranking is the one a fusion by ``how`` among ``pool`` wants."""
        return self.docs is not None and self.pool is pool and self.how == how


def _collect(ahead: Any) -> _Ahead | None:
    """The result of ``prepare``'s work; None if there is none, or if it had not started (then the
    caller computes in line rather than wait behind another search's)."""
    if ahead is None or ahead.cancel():
        return None
    return ahead.result()


_workers: dict[int, ThreadPoolExecutor] = {}
_workers_lock = threading.Lock()


def _worker() -> ThreadPoolExecutor:
    """The thread that runs ``prepare``'s work (one per process: a forked child makes its own)."""
    with _workers_lock:
        found = _workers.get(os.getpid())
        if found is None:
            found = _workers[os.getpid()] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semantic-ahead")
        return found


class _QueryVectors:
    """The vectors of the last queries encoded, by model and text.

    A user who pages through results, or narrows them by a facet, sends the
    same text again: its vector is the same (the model is deterministic),
    so it is not computed again.  Small and bounded; shared by every view.
    """

    SIZE = 256

    def __init__(self) -> None:
        # Each vector beside the encoder that made it: an encoder registered
        # again under the same name (another model, a test double) must not
        # be answered with its predecessor's vectors.
        self._vectors: OrderedDict[tuple[str, str], tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, model: str, text: str) -> Any:
        """The vector of ``text`` by ``model`` (read-only), remembered or encoded now."""
        key = (model, text)
        encoder = get_encoder(model)
        with self._lock:
            found = self._vectors.get(key)
            if found is not None and found[0] is encoder:
                self._vectors.move_to_end(key)
                return found[1]
        vector = _encode_query(encoder, text)
        with self._lock:
            self._vectors[key] = (encoder, vector)
            while len(self._vectors) > self.SIZE:
                self._vectors.popitem(last=False)
        return vector

    def clear(self) -> None:
        """Forget every vector (a benchmark that times each query's encoding calls it)."""
        with self._lock:
            self._vectors.clear()


def _encode_query(encoder: Any, text: str) -> Any:
    """One query's unit vector by ``encoder``, read-only (its one-query path when it has one)."""
    one = getattr(encoder, "encode_query", None)
    vector = np.array(one(text) if one is not None else encoder.encode([text])[0], dtype=np.float32)
    vector.flags.writeable = False
    return vector


_query_vectors = _QueryVectors()


def forget_query_vectors() -> None:
    """Empty the cache of query vectors (every search encodes its query again)."""
    _query_vectors.clear()


def _starts(starts: list[int]) -> Any:
    """Row offsets as the vector table wants them: numpy when present, None when one row a document."""
    if len(starts) - 1 == starts[-1]:
        return None
    return np.asarray(starts, dtype=np.int64)

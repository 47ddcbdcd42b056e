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
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Iterable, Sequence

import numpy as np

from .encoder import get_encoder
from . import fusion
from .store import Embeddings

__all__ = ["SemanticView", "FUSE_DEPTH", "forget_query_vectors", "fuse_depth", "lexical_feedback", "query_text"]

# How deep the lexical ranking is computed for a semantic search, however
# few hits are asked for: the fusion's depth (``fusion.DEFAULT.depth``)
# is read at each search, so the engine asks for the deeper of the two.
FUSE_DEPTH = 100
# Whether a search starts encoding its query on a worker thread as soon as
# it is parsed (``SemanticView.prepare``); the latency benchmark turns it
# off to measure what the overlap buys.
ENCODE_AHEAD = True


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

    def prepare(self, text: str) -> None:
        """Start encoding ``text`` on a worker thread: ``fuse`` (or ``query_vector``) will want it."""
        if ENCODE_AHEAD and text.strip():
            _query_vectors.start(self.model, text)

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

    def fuse(self, lexical: Sequence[tuple[int, float]], text: str, pool: Any) -> tuple[list[tuple[int, float]], set[int]]:
        """Lexical ranking fused with the dense one; also the dense documents that took part.

        ``lexical`` is the lexical ranking ((docnum, score), best first); the
        dense ranking is the nearest documents in ``pool`` (every document
        when None; a boolean mask by docnum, or docnums), as deep as the
        fusion reads.  The fusion is read here, at each call, from
        ``fusion.DEFAULT`` (``benchmarks/semantic.py`` swaps it to compare
        configurations).
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

    def _fused_once(self, lexical: Sequence[tuple[int, float]], vector: Any, pool: Any,
                    how: fusion.Fusion) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """The fusion of ``lexical`` with the dense ranking of ``vector``, and that dense ranking."""
        if how.method != fusion.INTERPOLATE:
            docs, sims, _ = self._nearest(vector, how.depth, pool)
            dense = list(zip(docs.tolist(), sims.tolist()))
            return fusion.fuse(list(lexical), dense, None, how), dense
        # Interpolation needs the cosine of every lexical candidate too: the
        # same rescoring pass gives it (as a look-up among those candidates
        # alone would: each document's best passage).
        top = np.fromiter((d for d, _ in lexical[:how.depth]), dtype=np.int64, count=min(len(lexical), how.depth))
        items = self._items_aligned(top)
        has = items >= 0
        docs, sims, found = self._nearest(vector, how.depth, pool, items[has])
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


class _QueryVectors:
    """The vectors of the last queries encoded, by model and text; encoding ahead on a thread.

    A search asks for its query's vector early (``start``), as soon as it
    has parsed the query: the model (a few milliseconds, outside Python's
    lock) then runs on a worker thread while the search matches and ranks
    the lexical half, and ``get`` waits for it.  On an idle second core
    that hides the encoding; on busy cores it costs what encoding in line
    costs.  A user who pages through results, or narrows them by a facet,
    sends the same text again: its vector is the same (the model is
    deterministic), so it is not computed again.  Small and bounded; shared
    by every view.
    """

    SIZE = 256

    def __init__(self) -> None:
        # A vector (read-only array), or the Future of one being encoded.
        self._vectors: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._worker: Any = None
        self._worker_pid = 0

    def start(self, model: str, text: str) -> None:
        """Begin encoding ``text`` on the worker thread, unless it is known or on its way."""
        key = (model, text)
        with self._lock:
            if key in self._vectors:
                self._vectors.move_to_end(key)
                return
            self._keep(key, self._thread().submit(_encode_query, model, text))

    def get(self, model: str, text: str) -> Any:
        """The vector of ``text`` by ``model`` (read-only): remembered, awaited, or encoded now."""
        key = (model, text)
        with self._lock:
            found = self._vectors.get(key)
            if found is not None:
                self._vectors.move_to_end(key)
        if isinstance(found, Future) and found.cancel():
            found = None  # still queued behind another search's: quicker here
        if found is None:
            vector = _encode_query(model, text)
            with self._lock:
                self._keep(key, vector)
            return vector
        if isinstance(found, Future):
            try:
                vector = found.result()
            except BaseException:
                with self._lock:  # not kept: the next search tries again, and says why itself
                    if self._vectors.get(key) is found:
                        del self._vectors[key]
                raise
            with self._lock:
                if self._vectors.get(key) is found:
                    self._vectors[key] = vector
            return vector
        return found

    def clear(self) -> None:
        """Forget every vector (a benchmark that times each query's encoding calls it)."""
        with self._lock:
            self._vectors.clear()

    def _keep(self, key: tuple[str, str], value: Any) -> None:
        self._vectors[key] = value
        self._vectors.move_to_end(key)
        while len(self._vectors) > self.SIZE:
            self._vectors.popitem(last=False)

    def _thread(self) -> Any:
        """The worker (one thread; made again in a forked child, where the parent's thread is gone)."""
        if self._worker is None or self._worker_pid != os.getpid():
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-vector")
            self._worker_pid = os.getpid()
        return self._worker


def _encode_query(model: str, text: str) -> Any:
    """One query's unit vector by ``model``, read-only (the encoder's one-query path when it has one)."""
    encoder = get_encoder(model)
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

"""Arithmetic on stored embeddings: a two-stage scan over memory-mapped tables.

Vectors are unit length (the encoder normalises them), so a dot product is
the cosine.  A table holds, for ``n`` items (documents) made of ``count``
rows (passages, a document's in consecutive rows):

* ``items``: one float32 vector per item, the normalised mean of its rows
  (for a one-row item, that row);
* ``rows``: every row quantised to int8 with a float32 scale per row
  (``row ≈ int8 * scale``), a quarter of float32's size;
* for a large table, ``sketches``: each item vector projected on the
  ``SKETCH`` principal directions of the item vectors (``basis``), a third
  of the bytes to read;

and a search scans the sketches (or the item vectors), then rescores the
best ``CANDIDATES`` items by their best row (the document's closest
passage).  At 100,000 commentary documents (about 1,000,000 passages) the
full passage scan cost about 10 times the item scan; the two-stage one costs
a scan of 100,000 short rows plus a few thousand passages (docs/semantic.md).

The store reads them through ``numpy.memmap``: worker processes serving the
same generation share the pages, and a search touches only the rows it
rescores.  Tables written before this format (float32 rows, no item
vectors) still load and are scanned exactly row by row.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

__all__ = ["CANDIDATES", "SKETCH", "SKETCH_FROM", "VectorTable", "item_vector", "quantise", "sketch_basis"]

# Items rescored by their best row after the first stage (0: no first
# stage, every row scanned); a search asking for more (the fusion reads
# ``hybrid.fuse_depth()`` items, 1,000 by default) rescores that many.  Its
# effect on recall and on the evaluation collections is measured in
# docs/semantic.md.
CANDIDATES = 400
# Dimensions of the sketches, and the fewest items for which a table has
# them: below, scanning the item vectors costs a few milliseconds at most.
SKETCH = 128
SKETCH_FROM = 20000
# Items the sketch's directions are computed from (a sample when more).
_SKETCH_SAMPLE = 20000
# Rows gathered and converted at a time when a search rescores them: bounds
# the temporary memory of a query (3 MiB of float32 at 384 dimensions) and
# keeps a block in the processor's cache (16,384 took twice as long).
_BLOCK = 2048


def quantise(vectors: Any) -> tuple[Any, Any]:
    """Rows of unit vectors as (int8 rows, float32 scale per row): ``row ≈ int8 * scale``."""
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2:
        raise ValueError("vectors must be a matrix")
    peak = np.abs(matrix).max(axis=1) if matrix.size else np.zeros(len(matrix), np.float32)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    return np.rint(matrix / scale[:, None]).astype(np.int8), scale


def item_vector(vectors: Any) -> Any:
    """The vector that stands for a group of rows in the first stage: their mean, made unit length."""
    mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else mean


def sketch_basis(items: Any, size: int = SKETCH) -> Any:
    """The ``size`` principal directions (a ``dim`` x ``size`` float32 matrix) of some item vectors.

    Not centred: the sketch of a vector is its coordinates on them, and the
    dot product of two sketches approximates the cosine of the vectors.
    """
    matrix = np.asarray(items, dtype=np.float32)
    _, _, directions = np.linalg.svd(matrix, full_matrices=False)
    return np.ascontiguousarray(directions[:size].T, dtype=np.float32)


class VectorTable:
    """A read-only table of ``count`` rows of ``dim`` floats, grouped into items.

    ``rows`` is an int8 matrix with ``scales`` (one per row), or a float32
    matrix (``scales`` None: a table of the first format).  ``items``, when
    given, holds one float32 vector per group of rows of ``starts``;
    ``sketches`` their projections on ``basis`` (see ``sketch_basis``).
    """

    def __init__(self, rows: Any, dim: int, scales: Any = None, items: Any = None,
                 basis: Any = None, sketches: Any = None) -> None:
        if dim <= 0 or rows.ndim != 2 or rows.shape[1] != dim:
            raise ValueError("vector data does not divide into rows")
        if scales is not None and len(scales) != len(rows):
            raise ValueError(f"{len(scales)} scales for {len(rows)} rows")
        if items is not None and (items.ndim != 2 or items.shape[1] != dim):
            raise ValueError("item vectors do not divide into rows")
        if (basis is None) != (sketches is None) or (basis is not None and (
                basis.shape[0] != dim or sketches.ndim != 2 or sketches.shape[1] != basis.shape[1])):
            raise ValueError("sketches do not fit their basis")
        self.dim = dim
        self.count = len(rows)
        # Plain arrays over a memory map's pages (views, no copy): indexing
        # them skips ``numpy.memmap``'s bookkeeping at every call.
        self.rows, self.scales, self.items, self.basis, self.sketches = (
            None if block is None else np.asarray(block) for block in (rows, scales, items, basis, sketches))

    @classmethod
    def from_bytes(cls, data: bytes, dim: int) -> "VectorTable":
        """A table of float32 rows (the first format, and tests)."""
        if dim <= 0 or len(data) % (4 * dim):
            raise ValueError("vector data does not divide into rows")
        return cls(np.frombuffer(data, dtype="<f4").reshape(len(data) // (4 * dim), dim), dim)

    def row(self, index: int) -> list[float]:
        """One stored vector as floats."""
        return self._float_rows(np.arange(index, index + 1))[0].tolist()

    def item(self, index: int, rows: range) -> Any:
        """The first-stage vector of item ``index``, made of ``rows`` (computed for a table without them)."""
        if self.items is not None:
            return np.asarray(self.items[index], dtype=np.float32)
        return item_vector(self._float_rows(np.arange(rows.start, rows.stop)))

    def quantised(self, rows: range) -> tuple[Any, Any]:
        """Some consecutive rows as stored in the current format: (int8 rows, scales)."""
        if self.scales is not None:
            return self.rows[rows.start:rows.stop], self.scales[rows.start:rows.stop]
        return quantise(self.rows[rows.start:rows.stop])

    def _float_rows(self, indexes: Any) -> Any:
        """Some rows as a float32 matrix (dequantised)."""
        rows = np.asarray(self.rows[indexes], dtype=np.float32)
        return rows if self.scales is None else rows * self.scales[indexes][:, None]

    def _row_sims(self, indexes: Any, q: Any) -> Any:
        """Cosines of ``query`` with some rows, a block at a time."""
        out = np.empty(len(indexes), dtype=np.float32)
        if not len(indexes):
            return out
        # Gathered and converted into two buffers reused block after block:
        # a small block stays in the cache between the conversion and the
        # product, and large fresh arrays cost page faults at every search
        # (at 100,000 documents, 20,000 rows rescored in 3-4 ms instead of 8).
        size = min(_BLOCK, len(indexes))
        stored = np.empty((size, self.dim), dtype=self.rows.dtype)
        floats = stored if stored.dtype == np.float32 else np.empty((size, self.dim), dtype=np.float32)
        for start in range(0, len(indexes), _BLOCK):
            part = indexes[start:start + _BLOCK]
            count = len(part)
            np.take(self.rows, part, axis=0, out=stored[:count])
            if floats is not stored:
                floats[:count] = stored[:count]
            # einsum, not ``@``: ``@`` hands the product to BLAS, whose
            # threads wait for a core each; on a busy machine that wait cost
            # more than the scan, and the threads spin on after it.  The
            # same per-row product whatever the block: the scores do not
            # depend on which rows are rescored together.
            sims = np.einsum("ij,j->i", floats[:count], q)
            out[start:start + count] = sims if self.scales is None else sims * self.scales[part]
        return out

    def top(self, query: Sequence[float], k: int, allowed: Iterable[int] | None = None,
            starts: Any = None) -> list[tuple[int, float]]:
        """The ``k`` items most similar to ``query`` (best first), among ``allowed`` items if given.

        Without ``starts`` an item is a row.  With ``starts`` (``n + 1``
        increasing row offsets) item ``i`` is the group of rows ``starts[i]``
        to ``starts[i + 1]`` (a document's passages), scored by its best
        row.  Ties go to the lower item.  With sketches or item vectors,
        only the best ``CANDIDATES`` items by them are scored by their rows.
        """
        items, sims, _ = self.nearest(query, k, allowed, starts)
        return list(zip(items.tolist(), sims.tolist()))

    def nearest(self, query: Sequence[float], k: int, allowed: Iterable[int] | None = None,
                starts: Any = None, also: Any = None) -> tuple[Any, Any, Any]:
        """``top`` as arrays (items, similarities), and the similarity of each of the ``also`` items.

        An ``also`` item is scored as ``top(query, len(also), also, starts)``
        scores it (its best row; its own vector in a table of one row an
        item), in the same pass over the rows as the best items: the fusion
        needs the cosine of every lexical candidate, and one gather of the
        rows of both lists, each item once, costs less than two.
        """
        q = np.asarray(query, dtype=np.float32)
        starts = np.arange(self.count + 1, dtype=np.int64) if starts is None else np.asarray(starts, dtype=np.int64)
        n = len(starts) - 1
        extra = np.zeros(0, dtype=np.int64) if also is None else np.asarray(also, dtype=np.int64).reshape(-1)
        if allowed is None:
            items = np.arange(n, dtype=np.int64)
        elif isinstance(allowed, np.ndarray):
            items = allowed.astype(np.int64, copy=False)
        else:
            items = np.fromiter(allowed, dtype=np.int64)
        if k <= 0 or self.count == 0:
            items = items[:0]
        wanted = max(CANDIDATES, k)
        # A first stage only pays when it leaves items out: with no more
        # allowed items than would be rescored (the fusion's look-up of its
        # lexical candidates' cosines), they are all scored by their rows.
        narrow = items.size > wanted
        first = None
        exact_items = False  # each item is one row and has its own float32 vector
        if self.sketches is not None and len(self.sketches) == n and CANDIDATES > 0:
            if narrow:
                first = _scan(self.sketches, np.einsum("i,ij->j", q, self.basis), items, n)
        elif self.items is not None and len(self.items) == n and (n == self.count or CANDIDATES > 0):
            # Or the item vectors.  Where each item is one row, it is exact.
            exact_items = n == self.count
            if narrow and not exact_items:
                first = _scan(self.items, q, items, n)
        if exact_items:
            sims = _scan(self.items, q, items, n) if items.size else np.zeros(0, dtype=np.float32)
            extra_sims = _scan(self.items, q, extra, n) if extra.size else np.zeros(0, dtype=np.float32)
        else:
            if first is not None:
                items = items[np.argpartition(-first, wanted - 1)[:wanted]]
            # Both lists' rows in one gather, each item once.
            both = items
            if extra.size:
                seen = np.zeros(n, dtype=bool)
                seen[items] = True
                both = np.concatenate([items, np.unique(extra[~seen[extra]])])
            scored = self._best_rows(both, q, starts)
            sims = scored[:items.size]
            if extra.size:
                by_item = np.empty(n, dtype=np.float32)
                by_item[both] = scored
                extra_sims = by_item[extra]
            else:
                extra_sims = np.zeros(0, dtype=np.float32)
        best = _best(items, sims, k) if items.size else np.zeros(0, dtype=np.int64)
        return items[best], sims[best], extra_sims

    def _best_rows(self, items: Any, q: Any, starts: Any) -> Any:
        """Each item's similarity: that of its best row."""
        if not items.size:
            return np.zeros(0, dtype=np.float32)
        sizes = starts[items + 1] - starts[items]
        firsts = np.cumsum(sizes) - sizes
        rows = np.repeat(starts[items] - firsts, sizes) + np.arange(int(sizes.sum()))
        return np.maximum.reduceat(self._row_sims(rows, q), firsts)


def _scan(matrix: Any, vector: Any, items: Any, n: int) -> Any:
    """Each of ``items``' row of ``matrix`` times ``vector``: a pass over the
    whole (memory-mapped) matrix when most items are wanted, else over only
    theirs (gathering a row costs more than multiplying it)."""
    if items.size * 4 < n:
        return np.einsum("ij,j->i", np.asarray(matrix[items]), vector)
    return np.einsum("ij,j->i", matrix, vector)[items]


def _best(items: Any, sims: Any, k: int) -> Any:
    """Positions (in ``items``) of the ``k`` best, best first, ties to the lower item."""
    part = np.argpartition(-sims, k - 1)[:k] if k < sims.size else np.arange(sims.size)
    return part[np.lexsort((items[part], -sims[part]))]

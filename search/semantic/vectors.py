"""Arithmetic on stored embeddings: numpy when it is installed, plain Python otherwise.

Vectors are unit length (the encoder normalises them), so a dot product is
the cosine.  On disk a table is float32, little-endian, one row after
another.  numpy comes with the semantic extra; the plain-Python path keeps
small indexes (and the tests, which use a fake encoder) working without it,
at a cost that only matters past a few thousand documents.
"""

from __future__ import annotations

import heapq
import sys
from array import array
from typing import Any, Iterable, Sequence

__all__ = ["VectorTable", "to_bytes"]


def _numpy() -> Any:
    """numpy, or None; imported only when vectors are actually used."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def to_bytes(vectors: Any, dim: int) -> bytes:
    """Rows of ``dim`` floats (a numpy array or lists) as little-endian float32 bytes."""
    np = _numpy()
    if np is not None:
        matrix = np.asarray(vectors, dtype="<f4")
        if matrix.size and matrix.shape[-1] != dim:
            raise ValueError(f"vectors have {matrix.shape[-1]} dimensions, expected {dim}")
        return matrix.tobytes()
    flat = array("f")
    for row in vectors:
        row = list(row)
        if len(row) != dim:
            raise ValueError(f"vectors have {len(row)} dimensions, expected {dim}")
        flat.extend(row)
    if sys.byteorder != "little":
        flat.byteswap()
    return flat.tobytes()


class VectorTable:
    """A read-only table of ``count`` unit vectors of ``dim`` floats."""

    def __init__(self, data: bytes, dim: int) -> None:
        if dim <= 0 or len(data) % (4 * dim):
            raise ValueError("vector data does not divide into rows")
        self.dim = dim
        self.count = len(data) // (4 * dim)
        np = _numpy()
        if np is not None:
            self._matrix: Any = np.frombuffer(data, dtype="<f4").reshape(self.count, dim)
            self._flat: array | None = None
        else:
            self._matrix = None
            self._flat = array("f")
            self._flat.frombytes(data)
            if sys.byteorder != "little":
                self._flat.byteswap()

    def row(self, index: int) -> list[float]:
        """One stored vector as floats."""
        if self._matrix is not None:
            return self._matrix[index].tolist()
        assert self._flat is not None
        return self._flat[index * self.dim:(index + 1) * self.dim].tolist()

    def rows_bytes(self, indexes: Sequence[int]) -> bytes:
        """The stored bytes of some rows, in order (to carry vectors to a new file)."""
        if self._matrix is not None:
            return self._matrix[list(indexes)].tobytes() if len(indexes) else b""
        assert self._flat is not None
        out = array("f")
        for i in indexes:
            out.extend(self._flat[i * self.dim:(i + 1) * self.dim])
        if sys.byteorder != "little":
            out.byteswap()
        return out.tobytes()

    def top(self, query: Sequence[float], k: int, allowed: Iterable[int] | None = None,
            starts: Any = None) -> list[tuple[int, float]]:
        """The ``k`` items most similar to ``query`` (best first), among ``allowed`` items if given.

        Without ``starts`` an item is a row.  With ``starts`` (``n + 1``
        increasing row offsets, numpy or list) item ``i`` is the group of rows
        ``starts[i]`` to ``starts[i + 1]`` (a document's passages), scored by
        its best row.  Ties go to the lower item.

        An exact scan: one matrix-vector product over the rows (a few
        milliseconds for 100,000 rows of 384 floats, see docs/semantic.md),
        so no approximate index.
        """
        if k <= 0 or self.count == 0:
            return []
        if self._matrix is None:
            return self._top_python(list(query), k, allowed, starts)
        np = _numpy()
        q = np.asarray(query, dtype="<f4")
        grouped = starts is not None and len(starts) - 1 != self.count
        if grouped:
            starts = np.asarray(starts, dtype=np.int64)
        # einsum, not ``@``: ``@`` hands the product to BLAS, whose
        # threads wait for a core each; on a busy machine that wait cost
        # 8 ms for 1,400 rows that one thread scans in 0.05 ms, and the
        # threads spin on after it, slowing the rest of the search.
        if allowed is None:
            sims = np.einsum("ij,j->i", self._matrix, q)
            if grouped:
                sims = np.maximum.reduceat(sims, starts[:-1])
            items = np.arange(sims.size)
        else:
            items = np.fromiter(allowed, dtype=np.int64)
            if items.size == 0:
                return []
            if grouped:
                low, sizes = starts[items], starts[items + 1] - starts[items]
                firsts = np.cumsum(sizes) - sizes
                rows = np.repeat(low - firsts, sizes) + np.arange(int(sizes.sum()))
                sims = np.maximum.reduceat(np.einsum("ij,j->i", self._matrix[rows], q), firsts)
            else:
                sims = np.einsum("ij,j->i", self._matrix[items], q)
        if k < sims.size:
            part = np.argpartition(-sims, k - 1)[:k]
        else:
            part = np.arange(sims.size)
        best = part[np.lexsort((items[part], -sims[part]))]
        return [(int(items[i]), float(sims[i])) for i in best]

    def _top_python(self, q: list[float], k: int, allowed: Iterable[int] | None, starts: Any) -> list[tuple[int, float]]:
        """``top`` without numpy."""
        if starts is None:
            starts = range(self.count + 1)
        candidates = range(len(starts) - 1) if allowed is None else allowed
        scored = ((max(self._dot(r, q) for r in range(starts[i], starts[i + 1])), i) for i in candidates)
        return [(i, s) for s, i in heapq.nlargest(k, scored, key=lambda p: (p[0], -p[1]))]

    def _dot(self, index: int, query: list[float]) -> float:
        assert self._flat is not None
        start = index * self.dim
        return sum(a * b for a, b in zip(self._flat[start:start + self.dim], query))

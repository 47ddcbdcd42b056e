"""Embeddings on disk: one pair of files per index generation, in step with its commit.

``semantic-<generation>.vec`` holds the vectors and
``semantic-<generation>.json`` names the model, the passage scheme, the size,
the file's format and, document by document, its id, content hash and number
of passages.  The ``.vec`` file (format 2) is three blocks, little-endian:
one float32 vector per document (the normalised mean of its passages, for
the first stage of a search), then every passage quantised to int8, then
one float32 scale per passage (``vectors.VectorTable``).  Files of the first
format (float32 passages only, no ``format`` key) are still read, and
converted by the next build that writes vectors.  A build writes both for
the generation its commit will create *before* Whoosh renames the new table
of contents into place, the JSON last.  So:

* a build killed before the rename leaves the old table of contents, whose
  generation still has its own files (an orphan for the next generation is
  ignored, then overwritten or removed);
* after the rename the new generation's files are complete;
* a reader always loads the files of the generation its searcher reads, so
  vectors and lexical index can never disagree.

Incremental: a document whose id and content hash are unchanged keeps its
vectors (copied from the previous generation's file); only new and changed
documents go through the model.  Vectors of another model or another
passage scheme are never mixed in: then every document is embedded again.

Memory: documents are embedded as they are written, ``_CHUNK`` at a time,
and their vectors wait for the commit in anonymous temporary files beside
the index (``_Spill``), so a build holds neither every passage's text nor
every vector.  The files are read back memory-mapped.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..errors import IndexCorruptError, SearchError
from .encoder import DEFAULT_MODEL, Encoder, get_encoder, register_encoder
from .passages import DEFAULT_SCHEME, SINGLE, document_texts, embedding_text
from . import vectors
from .vectors import VectorTable, item_vector, quantise

__all__ = ["Embeddings", "SemanticPlan", "has_embeddings", "load_embeddings", "embedding_text", "scheme_of"]

_FILE = re.compile(r"semantic-(\d+)\.(vec|json)(\.tmp)?$")
# Documents per progress report and per call to the encoder, which sorts
# their passages by length so that a batch pads little: larger chunks pad less.
# Also what a build holds in texts: at most 128 documents' passages.
_CHUNK = 128
# The ``.vec`` layout written (see the module's docstring); 1 is the layout
# of files without a ``format`` key.
FORMAT = 2

Progress = Callable[[int, int, str], None]


def scheme_of(encoder: Any) -> str:
    """The passage scheme used with ``encoder``: its own ``scheme`` attribute, or the default."""
    scheme = getattr(encoder, "scheme", None)
    return scheme if isinstance(scheme, str) else DEFAULT_SCHEME


def _paths(index_dir: Path, generation: int) -> tuple[Path, Path]:
    return index_dir / f"semantic-{generation}.vec", index_dir / f"semantic-{generation}.json"


@dataclass
class Embeddings:
    """One generation's vectors: document ``i`` (``ids[i]``, ``hashes[i]``) has rows ``starts[i]`` to ``starts[i + 1]``."""

    model: str
    dim: int
    ids: list[str]
    hashes: list[str]
    table: VectorTable
    scheme: str = SINGLE
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.starts:
            self.starts = list(range(len(self.ids) + 1))

    def index_by_id(self) -> dict[str, int]:
        """Position (in ``ids``) of each document id."""
        return {doc_id: i for i, doc_id in enumerate(self.ids)}

    def rows(self, index: int) -> range:
        """The rows of document number ``index`` (in ``ids``)."""
        return range(self.starts[index], self.starts[index + 1])


def _layout(items: int, rows: int, dim: int, sketch: int) -> dict[str, int]:
    """Byte offsets of the blocks of a format-2 file, and its size."""
    at = {"items": 0, "rows": items * dim * 4}
    at["scales"] = at["rows"] + -(-rows * dim // 4) * 4  # the scales start 4-byte aligned
    at["basis"] = at["scales"] + rows * 4
    at["sketches"] = at["basis"] + dim * sketch * 4
    at["size"] = at["sketches"] + items * sketch * 4
    return at


def _map(path: Path, size: int) -> Any:
    """The file's bytes, memory-mapped read-only (numpy cannot map an empty file)."""
    import numpy as np

    if os.path.getsize(path) != size:
        raise ValueError(f"{os.path.getsize(path)} bytes where {size} were expected")
    return np.memmap(path, dtype=np.uint8, mode="r") if size else np.zeros(0, dtype=np.uint8)


def _table(data: Any, items: int, rows: int, dim: int, sketch: int) -> VectorTable:
    """The format-2 table in ``data`` (bytes as a numpy array)."""
    at = _layout(items, rows, dim, sketch)

    def block(name: str, end: str, dtype: str, width: int) -> Any:
        return data[at[name]:at[end]].view(dtype).reshape(-1, width)

    return VectorTable(data[at["rows"]:at["rows"] + rows * dim].view("i1").reshape(rows, dim), dim,
                       scales=data[at["scales"]:at["basis"]].view("<f4"),
                       items=block("items", "rows", "<f4", dim),
                       basis=block("basis", "sketches", "<f4", sketch) if sketch else None,
                       sketches=block("sketches", "size", "<f4", sketch) if sketch else None)


def load_embeddings(index_dir: str | os.PathLike[str], generation: int) -> Embeddings | None:
    """The embeddings of ``generation``, or None when it has none.

    Raises ``IndexCorruptError`` when the files are there but do not agree,
    and when they were written by a newer version of this package.
    """
    vec_path, meta_path = _paths(Path(index_dir), generation)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise _corrupt(meta_path, exc) from None
    try:
        model, dim, ids, hashes = meta["model"], int(meta["dim"]), list(meta["ids"]), list(meta["hashes"])
        # Files written before passages have neither key: one row a document.
        scheme = str(meta.get("scheme", SINGLE))
        counts = [int(c) for c in meta.get("passages", [1] * len(ids))]
        layout = int(meta.get("format", 1))
        sketch = int(meta.get("sketch", 0))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise _corrupt(meta_path, exc) from None
    if layout > FORMAT:
        raise IndexCorruptError(
            f"the embeddings in {vec_path} have format {layout}, newer than this version of "
            f"commentary-search reads ({FORMAT}); upgrade it, or rebuild them with "
            "`commentary index --rebuild --semantic`")
    starts = [0]
    for count in counts:
        starts.append(starts[-1] + count)
    if not (len(ids) == len(hashes) == len(counts)) or min(counts, default=1) < 1:
        raise _corrupt(vec_path, ValueError(f"{len(ids)} ids, {len(hashes)} hashes, {len(counts)} passage counts"))
    try:
        if layout == 1:
            table = VectorTable.from_bytes(vec_path.read_bytes(), dim)
        else:
            table = _table(_map(vec_path, _layout(len(ids), starts[-1], dim, sketch)["size"]),
                           len(ids), starts[-1], dim, sketch)
    except (OSError, TypeError, ValueError) as exc:
        raise _corrupt(vec_path, exc) from None
    if starts[-1] != table.count:
        raise _corrupt(vec_path, ValueError(
            f"{table.count} vectors for {len(ids)} documents with {starts[-1]} passages"))
    return Embeddings(str(model), dim, [str(i) for i in ids], [str(h) for h in hashes], table, scheme, starts)


def _corrupt(path: Path, exc: Exception) -> IndexCorruptError:
    return IndexCorruptError(
        f"the embeddings in {path} cannot be read ({type(exc).__name__}: {exc}); "
        "rebuild them with `commentary index --rebuild --semantic`"
    )


class _WatchedWriter:
    """A Whoosh writer that shows the embeddings what is written."""

    def __init__(self, writer: Any, plan: "SemanticPlan") -> None:
        self._writer = writer
        self._plan = plan

    def add_document(self, **fields: Any) -> None:
        self._writer.add_document(**fields)
        self._plan.remember(fields)

    def update_document(self, **fields: Any) -> None:
        self._writer.update_document(**fields)
        self._plan.remember(fields)

    def delete_by_term(self, fieldname: str, text: str, **kwargs: Any) -> Any:
        if fieldname == "id":
            self._plan.forget(text)
        return self._writer.delete_by_term(fieldname, text, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._writer, name)


class _Spill:
    """Vectors embedded by a build, in anonymous temporary files until its commit.

    The files live beside the index and vanish when closed (or when the
    process dies, on POSIX), so an interrupted build leaves nothing behind.
    ``where`` maps a document id to (its slot, its first row, its passages).
    """

    def __init__(self, directory: Path, dim: int) -> None:
        self.dim = dim
        self._files = [tempfile.TemporaryFile(dir=directory, prefix="semantic-spill-") for _ in range(3)]
        # A build that fails before its commit never calls ``close``: the
        # files are closed (and removed) when the spill is collected.
        self._closer = weakref.finalize(self, _close_all, self._files)
        self.where: dict[str, tuple[int, int, int]] = {}
        self.slots = 0
        self.rows = 0

    def add(self, doc_id: str, vectors: Any) -> None:
        """Keep the vectors of one document (float rows), replacing any it had."""
        import numpy as np

        vectors = np.asarray(vectors, dtype=np.float32)
        rows, scales = quantise(vectors)
        items, quantised, scaled = self._files
        items.write(item_vector(vectors).astype("<f4").tobytes())
        quantised.write(rows.tobytes())
        scaled.write(scales.astype("<f4").tobytes())
        self.where[doc_id] = (self.slots, self.rows, len(vectors))
        self.slots += 1
        self.rows += len(vectors)

    def table(self) -> VectorTable:
        """Everything added so far, memory-mapped."""
        import numpy as np

        mapped = []
        for handle, dtype, width in zip(self._files, ("<f4", "i1", "<f4"), (self.dim, self.dim, 1)):
            handle.flush()
            size = handle.seek(0, os.SEEK_END)
            mapped.append(np.memmap(handle, dtype=dtype, mode="r").reshape(-1, width) if size
                          else np.zeros((0, width), dtype=dtype))
        return VectorTable(mapped[1], self.dim, scales=mapped[2][:, 0], items=mapped[0])

    def close(self) -> None:
        """Remove the files."""
        self._closer()


def _close_all(handles: list[Any]) -> None:
    for handle in handles:
        handle.close()


class SemanticPlan:
    """The embeddings side of one build: what to keep, what to embed, where to write.

    ``semantic``: None keeps embeddings up to date if the index has them;
    True makes sure it has them (embedding every document that lacks a
    vector); False removes them; an ``Encoder`` is True with that model.
    ``scheme`` is the passage scheme of the vectors to write: True and an
    encoder ask for the current one (``scheme_of``), re-embedding vectors
    made another way; None keeps the index's own, so an ordinary update
    never re-embeds a whole index.
    """

    def __init__(self, target: Path, ix: Any, previous: Embeddings | None, wanted: bool, encoder: Encoder | None,
                 scheme: str = DEFAULT_SCHEME) -> None:
        self.target = target
        self._ix = ix
        self.previous = previous
        self.wanted = wanted
        self._encoder = encoder
        self.model = encoder.name if encoder is not None else (previous.model if previous else DEFAULT_MODEL)
        self.scheme = scheme
        # id -> content hash of the documents written by this build
        self.written: dict[str, str] = {}
        # id -> texts the model has yet to read (at most _CHUNK documents)
        self._pending: dict[str, list[str]] = {}
        self._spill: _Spill | None = None
        self._old = previous.index_by_id() if previous is not None else {}
        self.embedded = 0
        self.passages = 0

    @classmethod
    def start(cls, target: Path, ix: Any, semantic: bool | Encoder | None) -> "SemanticPlan | None":
        """The plan for a build of ``ix``, or None when embeddings play no part."""
        if not (semantic is None or isinstance(semantic, bool)
                or all(hasattr(semantic, a) for a in ("name", "dim", "encode"))):
            raise SearchError(f"semantic must be None, True, False or an encoder; got {semantic!r}")
        previous = load_embeddings(target, ix.latest_generation()) if semantic is not False else None
        had = has_embeddings(target, ix.latest_generation())
        if semantic is None and not had:
            return None
        if semantic is False:
            return cls(target, ix, None, False, None) if had else None
        encoder = None if semantic is None or semantic is True else semantic
        if encoder is not None:
            register_encoder(encoder)  # so that searches of this index find it
        if encoder is not None and previous is not None and previous.model != encoder.name:
            previous = None  # another model: every vector is made again
        if semantic is None:
            scheme = previous.scheme if previous is not None else DEFAULT_SCHEME
        else:
            scheme = scheme_of(encoder)
            if previous is not None and previous.scheme != scheme:
                previous = None  # other passages: every vector is made again
        if encoder is None and semantic is True and previous is None:
            get_encoder(DEFAULT_MODEL)  # fail before any work when the extra is missing
        return cls(target, ix, previous, True, encoder, scheme)

    @property
    def forces_commit(self) -> bool:
        """True when the embeddings change even if no document does.

        That is: they are added, removed, or remade because the index's were
        made by another model or with other passages (``previous`` dropped).
        """
        had = has_embeddings(self.target, self._ix.latest_generation())
        return had if not self.wanted else (not had or self.previous is None)

    def watch(self, writer: Any) -> Any:
        """``writer``, showing this plan the documents written through it."""
        return _WatchedWriter(writer, self)

    def remember(self, fields: dict[str, Any]) -> None:
        """A document was written: embed it (in batches) unless its vectors can be kept."""
        if not self.wanted:
            return
        doc_id, digest = fields["id"], fields["content_hash"]
        self.written[doc_id] = digest
        self._drop(doc_id)
        if not self._kept(doc_id, digest):
            self._pending[doc_id] = document_texts(fields.get("title") or "", fields.get("body") or "", self.scheme)
            if len(self._pending) >= _CHUNK:
                self._flush()

    def forget(self, doc_id: str) -> None:
        """A document was deleted by this build."""
        self.written.pop(doc_id, None)
        self._drop(doc_id)

    def _drop(self, doc_id: str) -> None:
        self._pending.pop(doc_id, None)
        if self._spill is not None:
            self._spill.where.pop(doc_id, None)

    def _kept(self, doc_id: str, digest: str) -> bool:
        """True when the previous generation has vectors of this very content."""
        found = self._old.get(doc_id)
        return found is not None and self.previous is not None and self.previous.hashes[found] == digest

    def _flush(self, progress: Progress | None = None, total: int = 0, base: int = 0) -> None:
        """Embed the pending documents into the spill (progress counts from ``base`` documents embedded)."""
        if not self._pending:
            return
        encoder = self._encoder or get_encoder(self.model)
        if self._spill is None:
            self._spill = _Spill(self.target, encoder.dim)
        pending, self._pending = self._pending, {}
        texts = [text for group in pending.values() for text in group]
        vectors = encoder.encode(texts)
        if len(vectors) != len(texts):
            raise SearchError(f"the encoder {encoder.name!r} returned {len(vectors)} vectors for {len(texts)} texts")
        row = 0
        for doc_id, group in pending.items():
            self._spill.add(doc_id, vectors[row:row + len(group)])
            row += len(group)
        self.embedded += len(pending)
        self.passages += row
        if progress is not None:
            progress(self.embedded - base, total, f"embedding {next(reversed(pending))}")

    def write(self, generation: int, existing: dict[str, tuple[str, str]], removed: Iterable[str],
              progress: Progress | None = None) -> None:
        """Write the vector files of ``generation`` (before its commit).

        ``existing`` maps the ids of the index before this build to
        ``(signature, content hash)`` (empty on a rebuild); ``removed`` are
        ids deleted by this build.
        """
        if not self.wanted:
            return
        try:
            self._write(generation, existing, removed, progress)
        finally:
            if self._spill is not None:
                self._spill.close()
                self._spill = None

    def _write(self, generation: int, existing: dict[str, tuple[str, str]], removed: Iterable[str],
               progress: Progress | None) -> None:
        live = {doc_id: pair[1] for doc_id, pair in existing.items()}
        for doc_id in removed:
            live.pop(doc_id, None)
        live.update(self.written)
        ids = sorted(live)
        self._flush()
        spilled = self._spill.where if self._spill is not None else {}
        todo = [doc_id for doc_id in ids if doc_id not in spilled and not self._kept(doc_id, live[doc_id])]
        self._embed_stored(todo, progress)
        spill = self._spill.table() if self._spill is not None else None
        sources: list[tuple[VectorTable, int, range]] = []
        for doc_id in ids:
            found = self._spill.where.get(doc_id) if self._spill is not None else None
            if found is not None:
                assert spill is not None
                sources.append((spill, found[0], range(found[1], found[1] + found[2])))
            else:
                assert self.previous is not None
                kept = self._old[doc_id]
                sources.append((self.previous.table, kept, self.previous.rows(kept)))
        dim = self._dim()
        meta = {"model": self.model, "dim": dim, "scheme": self.scheme, "format": FORMAT, "ids": ids,
                "hashes": [live[i] for i in ids], "passages": [len(rows) for _, _, rows in sources]}
        vec_path, meta_path = _paths(self.target, generation)
        meta["sketch"] = _sketch_size(len(ids), dim)
        _write_durably(vec_path, lambda handle: _write_table(handle, sources, dim))
        _write_durably(meta_path, lambda handle: handle.write(json.dumps(meta, ensure_ascii=False).encode("utf-8")))

    def _dim(self) -> int:
        if self._encoder is not None:
            return self._encoder.dim
        if self.previous is not None:
            return self.previous.dim
        return get_encoder(self.model).dim

    def _embed_stored(self, ids: list[str], progress: Progress | None) -> None:
        """Embed documents unchanged by this build but without vectors, from the index's stored fields.

        (Semantic search turned on for an existing index.)  With progress.
        """
        if not ids:
            return
        base = self.embedded
        with self._ix.searcher() as stored:
            for doc_id in ids:
                fields = stored.document(id=doc_id) or {}
                self._pending[doc_id] = document_texts(fields.get("title") or "", fields.get("body") or "",
                                                       self.scheme)
                if len(self._pending) >= _CHUNK:
                    self._flush(progress, len(ids), base)
            self._flush(progress, len(ids), base)

    def clean(self, generation: int) -> None:
        """Remove vector files of generations no reader will open again.

        The previous generation's are kept (a searcher opened just before
        this commit may still load them) unless embeddings were removed.
        """
        for path in self.target.iterdir():
            found = _FILE.match(path.name)
            if found and (not self.wanted or not generation - 1 <= int(found.group(1)) <= generation):
                try:
                    path.unlink()
                except OSError:
                    pass  # still open elsewhere (Windows); the next build retries


def has_embeddings(index_dir: str | os.PathLike[str], generation: int) -> bool:
    """True when ``generation`` of the index in ``index_dir`` has vector files."""
    return _paths(Path(index_dir), generation)[1].exists()


def _sketch_size(items: int, dim: int) -> int:
    """The sketch's dimensions for a table of ``items`` documents (0: none)."""
    return vectors.SKETCH if items >= vectors.SKETCH_FROM and vectors.SKETCH < dim else 0


def _write_table(handle: Any, sources: list[tuple[VectorTable, int, range]], dim: int) -> int:
    """Write a format-2 ``.vec`` file: each source is (table, item, its rows), in the file's order.

    A block of documents at a time, so memory stays bounded whatever the
    number of vectors; a second pass writes the sketches.  Returns the
    sketch's dimensions.
    """
    import numpy as np

    rows_total = sum(len(rows) for _, _, rows in sources)
    sketch = _sketch_size(len(sources), dim)
    at = _layout(len(sources), rows_total, dim, sketch)
    handle.truncate(at["size"])
    cursor = [at["items"], at["rows"], at["scales"]]
    every = max(1, len(sources) // vectors._SKETCH_SAMPLE)
    sample = []
    step = _CHUNK * 8
    for start in range(0, len(sources), step):
        block = sources[start:start + step]
        items = np.stack([table.item(item, rows) for table, item, rows in block]).astype("<f4")
        sample.append(items[(-start) % every::every])
        pairs = [table.quantised(rows) for table, _, rows in block]
        quantised = np.concatenate([p[0] for p in pairs]).astype("i1")
        scales = np.concatenate([p[1] for p in pairs]).astype("<f4")
        for which, data in enumerate((items, quantised, scales)):
            handle.seek(cursor[which])
            handle.write(data.tobytes())
            cursor[which] += data.nbytes
    if sketch:
        basis = vectors.sketch_basis(np.concatenate(sample), sketch)
        handle.seek(at["basis"])
        handle.write(basis.astype("<f4").tobytes())
        for start in range(0, len(sources), step):
            items = np.stack([table.item(item, rows) for table, item, rows in sources[start:start + step]])
            handle.write((items.astype(np.float32) @ basis).astype("<f4").tobytes())
    return sketch


def _write_durably(path: Path, fill: Callable[[Any], Any]) -> None:
    """Write ``path`` whole or not at all (``fill`` writes to the open file), and to the disk before returning."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        fill(handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return  # directories cannot be opened on every platform
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

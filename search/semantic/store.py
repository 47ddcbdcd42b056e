"""Embeddings on disk: one pair of files per index generation, in step with its commit.

``semantic-<generation>.vec`` holds the vectors (float32, one row per
passage, a document's passages in consecutive rows) and
``semantic-<generation>.json`` names the model, the passage scheme, the size
and, document by document, its id, content hash and number of passages.  A
build writes both for the generation its commit will create *before* Whoosh
renames the new table of contents into place, the JSON last.  So:

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
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..errors import IndexCorruptError, SearchError
from .encoder import DEFAULT_MODEL, Encoder, get_encoder, register_encoder
from .passages import DEFAULT_SCHEME, SINGLE, document_texts, embedding_text
from .vectors import VectorTable, to_bytes

__all__ = ["Embeddings", "SemanticPlan", "has_embeddings", "load_embeddings", "embedding_text", "scheme_of"]

_FILE = re.compile(r"semantic-(\d+)\.(vec|json)(\.tmp)?$")
# Documents per progress report and per call to the encoder, which sorts
# their passages by length so that a batch pads little: larger chunks pad less.
_CHUNK = 128

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


def load_embeddings(index_dir: str | os.PathLike[str], generation: int) -> Embeddings | None:
    """The embeddings of ``generation``, or None when it has none.

    Raises ``IndexCorruptError`` when the files are there but do not agree.
    """
    vec_path, meta_path = _paths(Path(index_dir), generation)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise _corrupt(meta_path, exc) from None
    try:
        data = vec_path.read_bytes()
        model, dim, ids, hashes = meta["model"], int(meta["dim"]), list(meta["ids"]), list(meta["hashes"])
        # Files written before passages have neither key: one row a document.
        scheme = str(meta.get("scheme", SINGLE))
        counts = [int(c) for c in meta.get("passages", [1] * len(ids))]
        table = VectorTable(data, dim)
    except (OSError, AttributeError, KeyError, TypeError, ValueError) as exc:
        raise _corrupt(vec_path, exc) from None
    starts = [0]
    for count in counts:
        starts.append(starts[-1] + count)
    if not (len(ids) == len(hashes) == len(counts)) or min(counts, default=1) < 1 or starts[-1] != table.count:
        raise _corrupt(vec_path, ValueError(
            f"{table.count} vectors for {len(ids)} documents with {starts[-1]} passages"))
    return Embeddings(str(model), dim, [str(i) for i in ids], [str(h) for h in hashes], table, scheme, starts)


def _corrupt(path: Path, exc: Exception) -> IndexCorruptError:
    return IndexCorruptError(
        f"the embeddings in {path} cannot be read ({type(exc).__name__}: {exc}); "
        "rebuild them with `commentary index --rebuild --semantic`"
    )


class _WatchedWriter:
    """A Whoosh writer that remembers what was written, for the embeddings."""

    def __init__(self, writer: Any, plan: "SemanticPlan") -> None:
        self._writer = writer
        self._plan = plan

    def add_document(self, **fields: Any) -> None:
        self._writer.add_document(**fields)
        self._remember(fields)

    def update_document(self, **fields: Any) -> None:
        self._writer.update_document(**fields)
        self._remember(fields)

    def _remember(self, fields: dict[str, Any]) -> None:
        texts = document_texts(fields.get("title") or "", fields.get("body") or "", self._plan.scheme)
        self._plan.written[fields["id"]] = (fields["content_hash"], texts)

    def delete_by_term(self, fieldname: str, text: str, **kwargs: Any) -> Any:
        if fieldname == "id":
            self._plan.written.pop(text, None)
        return self._writer.delete_by_term(fieldname, text, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._writer, name)


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
        # id -> (content hash, the texts the model reads for it)
        self.written: dict[str, tuple[str, list[str]]] = {}
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
        """``writer``, remembering the documents written through it."""
        return _WatchedWriter(writer, self)

    def write(self, generation: int, existing: dict[str, tuple[str, str]], removed: Iterable[str],
              progress: Progress | None = None) -> None:
        """Write the vector files of ``generation`` (before its commit).

        ``existing`` maps the ids of the index before this build to
        ``(signature, content hash)`` (empty on a rebuild); ``removed`` are
        ids deleted by this build.
        """
        if not self.wanted:
            return
        live = {doc_id: pair[1] for doc_id, pair in existing.items()}
        for doc_id in removed:
            live.pop(doc_id, None)
        live.update({doc_id: pair[0] for doc_id, pair in self.written.items()})
        ids = sorted(live)
        old = self.previous.index_by_id() if self.previous is not None else {}
        keep: dict[str, int] = {}
        todo: list[str] = []
        for doc_id in ids:
            found = old.get(doc_id)
            if found is not None and self.previous is not None and self.previous.hashes[found] == live[doc_id]:
                keep[doc_id] = found
            else:
                todo.append(doc_id)
        fresh = self._embed(todo, progress)
        dim = self._dim()
        chunks: list[bytes] = []
        counts: list[int] = []
        for doc_id in ids:
            if doc_id in keep:
                assert self.previous is not None
                rows = self.previous.rows(keep[doc_id])
                chunks.append(self.previous.table.rows_bytes(rows))
                counts.append(len(rows))
            else:
                chunks.append(fresh[doc_id][1])
                counts.append(fresh[doc_id][0])
        meta = {"model": self.model, "dim": dim, "scheme": self.scheme, "ids": ids,
                "hashes": [live[i] for i in ids], "passages": counts}
        vec_path, meta_path = _paths(self.target, generation)
        _write_durably(vec_path, b"".join(chunks))
        _write_durably(meta_path, json.dumps(meta, ensure_ascii=False).encode("utf-8"))

    def _dim(self) -> int:
        if self._encoder is not None:
            return self._encoder.dim
        if self.previous is not None:
            return self.previous.dim
        return get_encoder(self.model).dim

    def _embed(self, ids: list[str], progress: Progress | None) -> dict[str, tuple[int, bytes]]:
        """Vectors of documents that have none yet, with progress: id -> (passages, stored bytes)."""
        if not ids:
            return {}
        encoder = self._encoder or get_encoder(self.model)
        out: dict[str, tuple[int, bytes]] = {}
        stored = None
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            per_doc: list[list[str]] = []
            for doc_id in chunk:
                if doc_id in self.written:
                    per_doc.append(self.written[doc_id][1])
                else:
                    # Unchanged but never embedded (semantic turned on for an
                    # existing index): its text is in the index's stored fields.
                    if stored is None:
                        stored = self._ix.searcher()
                    fields = stored.document(id=doc_id) or {}
                    per_doc.append(document_texts(fields.get("title") or "", fields.get("body") or "", self.scheme))
            vectors = encoder.encode([text for texts in per_doc for text in texts])
            if len(vectors) != sum(len(texts) for texts in per_doc):
                raise SearchError(f"the encoder {encoder.name!r} returned {len(vectors)} vectors "
                                  f"for {sum(len(t) for t in per_doc)} texts")
            row = 0
            for doc_id, texts in zip(chunk, per_doc):
                out[doc_id] = (len(texts), to_bytes(vectors[row:row + len(texts)], encoder.dim))
                row += len(texts)
            self.embedded += len(chunk)
            self.passages += row
            if progress is not None:
                progress(min(start + _CHUNK, len(ids)), len(ids), f"embedding {chunk[-1]}")
        if stored is not None:
            stored.close()
        return out

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


def _write_durably(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all, and to the disk before returning."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
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

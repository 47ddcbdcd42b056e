"""Writing the index: full and incremental builds from folders or from Python.

Safety comes from Whoosh's commit protocol: new segments are written first and
the table of contents that names them replaces the old one with an atomic
rename at the very end.  A build killed at any moment therefore leaves the
previous table of contents, and so the previous index, in place; the orphaned
segment files are cleaned up by the next commit.  A full rebuild is the same
commit with every old segment dropped (``mergetype=CLEAR``), so it is atomic
too.  ``BuildLock`` keeps a second build out.
"""

from __future__ import annotations

import gc
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from whoosh import index as whoosh_index
from whoosh import writing

from .document import Document
from .errors import DocumentError, IndexCorruptError, SearchError
from .locking import BuildLock
from .readers import SUPPORTED_SUFFIXES, markdown_to_text, read_document
from .schema import FACET_SEPARATOR, SCHEMA, schema_fingerprint
from .semantic.store import SemanticPlan

__all__ = [
    "BuildReport",
    "Problem",
    "build_index",
    "add_documents",
    "delete_documents",
    "default_index_dir",
    "default_sources",
    "has_index",
    "open_whoosh_index",
]

ProgressCallback = Callable[[int, int, str], None]
DocumentLike = Document | Mapping[str, Any]

# The writer's in-memory pool before it spills sorted runs to disk.  Whoosh's
# default (128 MB) spills often, and pickling every posting through the runs
# cost a quarter of build time; 512 MB builds 3,000 documents 28% faster for
# about 220 MB more peak memory (measured here, see docs/benchmarks.md).
_WRITER_LIMIT_MB = 512


@dataclass
class Problem:
    """A document that was skipped or read only in part, and why."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {"path": self.path, "reason": self.reason}


@dataclass
class BuildReport:
    """What a build did: counts of added/updated/removed/unchanged, and problems.

    ``skipped`` lists documents that could not be indexed; ``warnings`` lists
    documents indexed with only part of their metadata; ``ignored`` counts
    files of other types.
    """

    index_dir: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    ignored: int = 0
    rebuilt: bool = False
    seconds: float = 0.0
    embedded: int = 0
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the build wrote anything."""
        return bool(self.added or self.updated or self.removed or self.rebuilt)

    def to_dict(self) -> dict[str, Any]:
        """The summary as printed by ``commentary index --json``."""
        return {
            "index_dir": self.index_dir,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [p.to_dict() for p in self.skipped],
            "warnings": [p.to_dict() for p in self.warnings],
            "ignored": self.ignored,
            "rebuilt": self.rebuilt,
            "embedded": self.embedded,
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        """One line for people: the counts, then how many problems."""
        text = (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped"
        )
        if self.ignored:
            text += f", {self.ignored} other files ignored"
        if self.warnings:
            text += f", {len(self.warnings)} with warnings"
        if self.embedded:
            text += f", {self.embedded} embedded"
        return text + f" in {self.seconds:.1f} s"


def has_index(path: Path) -> bool:
    """True when ``path`` holds an index (readable or not).

    Whoosh's ``exists_in`` raises on a damaged table of contents; a damaged
    index still exists and must be reported as corrupt, not missing.
    """
    return path.is_dir() and any(path.glob("_MAIN_*.toc"))


def open_whoosh_index(path: Path) -> Any:
    """Open the Whoosh index in ``path``; raise IndexCorruptError if it is damaged."""
    # Whoosh leaves the table-of-contents file open when reading it fails;
    # it is closed when the exception goes away, which must not surface as
    # a ResourceWarning in the caller.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return whoosh_index.open_dir(str(path))
        except Exception as exc:  # noqa: BLE001 - a damaged index fails in many ways
            problem = f"{type(exc).__name__}: {exc}"
        gc.collect()
    raise IndexCorruptError(
        f"the index in {path} cannot be read ({problem}); "
        "rebuild it with `commentary index --rebuild`"
    )


def default_index_dir() -> Path:
    """``$COMMENTARY_INDEX`` if set, else ``./index``."""
    return Path(os.environ.get("COMMENTARY_INDEX") or "index")


def default_sources() -> list[Path]:
    """The folder read when no source is given: ``./seeds``."""
    return [Path("seeds")]


@dataclass
class _Candidate:
    """A document that may need indexing: where it comes from and its signature.

    ``load`` reads it (only called when the signature says it changed).
    """

    id: str
    label: str
    signature: str
    load: Callable[[], Document]


def build_index(
    sources: Iterable[str | os.PathLike[str]] | None = None,
    index_dir: str | os.PathLike[str] | None = None,
    *,
    documents: Iterable[DocumentLike] | None = None,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
    wait: float = 0.0,
    semantic: Any = None,
) -> BuildReport:
    """Make the index at ``index_dir`` mirror ``sources`` (folders) or ``documents``.

    Incremental unless ``rebuild``: only added, changed and removed documents
    are touched.  Documents in the index but no longer in the sources are
    removed.  Unreadable files are skipped and listed in the report.  Raises
    ``IndexLockedError`` when another build holds the index for longer than
    ``wait`` seconds.

    ``semantic`` (the optional extra, see ``docs/semantic.md``): None keeps
    the index's sentence embeddings up to date if it has them, True adds
    them, False removes them; an encoder object is True with that model.
    Embedding reports progress with labels starting ``"embedding "``.
    """
    if documents is not None and sources is not None:
        raise SearchError("give either source folders or documents, not both")
    if documents is not None:
        candidates, report_extra = _document_candidates(documents), None
    else:
        roots = [Path(s) for s in (sources if sources is not None else default_sources())]
        candidates, report_extra = _file_candidates(roots)
    target = Path(index_dir) if index_dir is not None else default_index_dir()
    return _write(target, candidates, rebuild=rebuild, remove_missing=True,
                  progress=progress, wait=wait, scan=report_extra, semantic=semantic)


def add_documents(
    index_dir: str | os.PathLike[str],
    documents: Iterable[DocumentLike],
    *,
    progress: ProgressCallback | None = None,
    wait: float = 0.0,
) -> BuildReport:
    """Add or update documents by id; documents not given are left alone."""
    return _write(Path(index_dir), _document_candidates(documents), rebuild=False,
                  remove_missing=False, progress=progress, wait=wait, scan=None)


def delete_documents(
    index_dir: str | os.PathLike[str], ids: Iterable[str], *, wait: float = 0.0
) -> BuildReport:
    """Remove documents by id; unknown ids are ignored."""
    return _write(Path(index_dir), [], rebuild=False, remove_missing=False,
                  progress=None, wait=wait, scan=None, remove=ids)


@dataclass
class _Scan:
    """What walking the source folders found besides candidates."""

    ignored: int = 0
    skipped: list[Problem] = field(default_factory=list)


def _file_candidates(roots: list[Path]) -> tuple[list[_Candidate], _Scan]:
    """Every readable-looking file under the roots, with mtime/size signatures."""
    scan = _Scan()
    candidates: list[_Candidate] = []
    seen: set[str] = set()
    for root in roots:
        if not root.exists():
            raise SearchError(f"source not found: {root}")
        files = [root] if root.is_file() else sorted(_walk(root))
        base = root.parent if root.is_file() else root
        for path in files:
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                scan.ignored += 1
                continue
            doc_id = path.relative_to(base).as_posix()
            if doc_id in seen:
                scan.skipped.append(Problem(str(path), f"another source already has a document with id {doc_id!r}"))
                continue
            seen.add(doc_id)
            try:
                stat = path.stat()
            except OSError as exc:
                scan.skipped.append(Problem(str(path), f"cannot read file: {exc.strerror or exc}"))
                continue
            candidates.append(_Candidate(
                id=doc_id,
                label=str(path),
                signature=f"file:{stat.st_mtime_ns}:{stat.st_size}",
                load=lambda path=path, base=base: read_document(path, base),
            ))
    return candidates, scan


def _walk(root: Path) -> Iterator[Path]:
    """Regular files below ``root``, skipping hidden files and folders."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith("."):
                yield Path(dirpath) / name


def _document_candidates(documents: Iterable[DocumentLike]) -> list[_Candidate]:
    """Candidates for documents given from Python, signed by their content hash."""
    candidates = []
    for item in documents:
        doc = item if isinstance(item, Document) else Document.from_mapping(item)
        candidates.append(_Candidate(
            id=doc.id, label=doc.id, signature=f"hash:{doc.content_hash()}",
            load=lambda doc=doc: doc,
        ))
    return candidates


def _write(
    target: Path,
    candidates: list[_Candidate],
    *,
    rebuild: bool,
    remove_missing: bool,
    progress: ProgressCallback | None,
    wait: float,
    scan: _Scan | None,
    remove: Iterable[str] = (),
    semantic: Any = None,
) -> BuildReport:
    """Apply candidates and removals to the index under the build lock, in one commit.

    ``remove_missing`` removes every indexed document that is not a
    candidate; ``remove`` names documents to remove explicitly.
    """
    report = BuildReport(index_dir=str(target))
    if scan is not None:
        report.ignored = scan.ignored
        report.skipped.extend(scan.skipped)
    started = time.perf_counter()
    target.mkdir(parents=True, exist_ok=True)
    with BuildLock(target, wait=wait):
        ix = _open_for_writing(target, report, rebuild=rebuild)
        rebuild = report.rebuilt
        existing = {} if rebuild else _existing_signatures(ix)
        plan = SemanticPlan.start(target, ix, semantic)
        writer = ix.writer(limitmb=_WRITER_LIMIT_MB, compound=False)
        if rebuild:
            # The old index may have another schema; the new table of
            # contents must carry ours.
            writer.schema = SCHEMA
        if plan is not None:
            writer = plan.watch(writer)
        try:
            seen = _apply(writer, candidates, existing, report, progress)
            gone = existing.keys() - seen if remove_missing else existing.keys() & set(remove)
            for doc_id in gone:
                writer.delete_by_term("id", doc_id)
                report.removed += 1
            if plan is not None and (report.changed or plan.forces_commit):
                # Before the commit: its table-of-contents rename publishes both.
                plan.write(writer.generation, existing, gone, progress)
        except BaseException:
            writer.cancel()
            raise
        if plan is not None and plan.forces_commit and not report.changed:
            writer.commit()
        else:
            _finish(writer, report, rebuild=rebuild)
        if plan is not None:
            plan.clean(writer.generation)
            report.embedded = plan.embedded
    report.seconds = time.perf_counter() - started
    return report


def _apply(
    writer: writing.IndexWriter,
    candidates: list[_Candidate],
    existing: dict[str, tuple[str, str]],
    report: BuildReport,
    progress: ProgressCallback | None,
) -> set[str]:
    """Read and write every changed candidate; return the ids still present."""
    seen: set[str] = set()
    total = len(candidates)
    for number, cand in enumerate(candidates, 1):
        seen.add(cand.id)
        old = existing.get(cand.id)
        if old is not None and old[0] == cand.signature:
            report.unchanged += 1
        else:
            _apply_one(writer, cand, old, report)
        if progress is not None:
            progress(number, total, cand.label)
    return seen


def _apply_one(
    writer: writing.IndexWriter,
    cand: _Candidate,
    old: tuple[str, str] | None,
    report: BuildReport,
) -> None:
    """Read one candidate and add or update it, recording what happened."""
    try:
        doc = cand.load()
    except DocumentError as exc:
        # The previous version, if any, stays searchable.
        report.skipped.append(Problem(exc.path, exc.reason))
        return
    content_hash = doc.content_hash()
    if old is not None and old[1] == content_hash:
        # Touched but not changed (e.g. a fresh checkout): nothing to write.
        report.unchanged += 1
        return
    for warning in doc.warnings:
        report.warnings.append(Problem(cand.label, warning))
    writer.update_document(**index_fields(doc, cand.signature, content_hash))
    if old is None:
        report.added += 1
    else:
        report.updated += 1


def _finish(writer: writing.IndexWriter, report: BuildReport, *, rebuild: bool) -> None:
    """Commit when something changed; otherwise release the writer untouched."""
    if rebuild:
        writer.commit(mergetype=writing.CLEAR)
    elif report.added or report.updated or report.removed:
        writer.commit()
    else:
        writer.cancel()


def _open_for_writing(target: Path, report: BuildReport, *, rebuild: bool) -> Any:
    """Open the index in ``target`` for writing, creating it if there is none.

    Sets ``report.rebuilt`` when every document will be rewritten: on request,
    for a new index, or when the index was written with another schema.
    """
    if not has_index(target):
        report.rebuilt = True
        return whoosh_index.create_in(str(target), SCHEMA)
    try:
        ix = open_whoosh_index(target)
    except IndexCorruptError:
        if not rebuild:
            raise
        report.rebuilt = True
        return whoosh_index.create_in(str(target), SCHEMA)
    if rebuild or schema_fingerprint(ix.schema) != schema_fingerprint(SCHEMA):
        report.rebuilt = True
    return ix


def _existing_signatures(ix: Any) -> dict[str, tuple[str, str]]:
    """id -> (signature, content hash) for every live document in the index."""
    result: dict[str, tuple[str, str]] = {}
    with ix.reader() as reader:
        if reader.doc_count() == 0:
            return result
        ids = reader.column_reader("id")
        sigs = reader.column_reader("signature")
        for docnum in reader.all_doc_ids():
            signature, _, content_hash = sigs[docnum].rpartition("|")
            result[ids[docnum]] = (signature, content_hash)
    return result


def index_fields(doc: Document, signature: str, content_hash: str) -> dict[str, Any]:
    """The Whoosh field values for one document."""
    body_text = markdown_to_text(doc.body) if doc.format == "markdown" else doc.body
    dateord = int(doc.date.replace("-", "")) if doc.date else 0
    return {
        "id": doc.id,
        # The content hash rides along so a touched-but-unchanged file can be
        # recognised without loading stored fields.
        "signature": f"{signature}|{content_hash}",
        "content_hash": content_hash,
        "title": doc.title,
        "body": body_text,
        "author": " ; ".join(doc.authors),
        "affiliation": doc.affiliation,
        "source": doc.source,
        "tags": " ; ".join(doc.tags),
        "author_facet": FACET_SEPARATOR.join(doc.authors),
        "affiliation_facet": doc.affiliation,
        "source_facet": doc.source,
        "tag_facet": FACET_SEPARATOR.join(doc.tags),
        "dateord": dateord,
        "authors": list(doc.authors),
        "date": doc.date,
        "url": doc.url,
        "tag_list": list(doc.tags),
        "format": doc.format,
        "markdown": doc.body if doc.format == "markdown" else None,
        "extra": dict(doc.extra),
        "warnings": list(doc.warnings),
    }

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
import io
import os
import shutil
import time
import warnings
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from whoosh import index as whoosh_index
from whoosh import writing

from .backend import is_remote_location
from .boundary import as_path, reading_index
from .document import Document, checked_document, clean_text
from .facetstore import keep_facets
from .errors import DocumentError, IndexCorruptError, IndexLockedError, IndexMissingError, IndexWriteError, SearchError
from .locking import LOCK_NAME, BuildLock
from .readers import markdown_to_text
from .storedtext import stored_values
from .sources import max_file_bytes, scan_sources
from .schema import FACET_SEPARATOR, SCHEMA
from .segments import SegmentChild, commit, finish_segment, new_writer, usable_cores
from .semantic.store import SemanticPlan
from .storage import committed_generation, default_index_dir, default_sources, has_current_schema, has_index, open_whoosh_index

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

# A build with at least this many new documents writes a share of them in a
# second process (when there is a second core): below it, starting a Python
# process (about half a second) costs more than it saves.
_PARALLEL_MIN = 1000


@dataclass
class Problem:
    """A document that was skipped or read only in part, and why.

    ``path`` names it for people: the file, or for a document given from
    Python its id (``document #3`` when it has no usable id).  ``id`` is the
    document id when one is known.
    """

    path: str
    reason: str
    id: str | None = None

    def __post_init__(self) -> None:
        # A file name that is not UTF-8 carries lone surrogates, which no
        # terminal or JSON encoder will print.
        self.path = clean_text(str(self.path))
        self.reason = clean_text(str(self.reason))
        if self.id is not None:
            self.id = clean_text(str(self.id))

    def to_dict(self) -> dict[str, str | None]:
        """A JSON-ready dict."""
        return {"path": self.path, "reason": self.reason, "id": self.id}


@dataclass
class BuildReport:
    """What a build did: counts of added/updated/removed/unchanged, and problems.

    ``skipped`` lists documents that could not be indexed; ``warnings`` lists
    documents indexed with only part of their metadata; ``ignored`` counts
    files not read at all (other types, hidden), ``ignored_reasons`` by reason.
    """

    index_dir: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    ignored: int = 0
    ignored_reasons: dict[str, int] = field(default_factory=dict)
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
            "ignored_reasons": dict(self.ignored_reasons),
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
            reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(self.ignored_reasons.items()))
            text += f", {self.ignored} other files ignored" + (f" ({reasons})" if reasons else "")
        if self.warnings:
            text += f", {len(self.warnings)} with warnings"
        if self.embedded:
            text += f", {self.embedded} embedded"
        return text + f" in {self.seconds:.1f} s"


@dataclass
class _Candidate:
    """A document that may need indexing: where it comes from and its signature.

    ``load`` reads it (only called when the signature says it changed);
    ``job`` is the same as plain data that another process can receive:
    ``(path, base)`` for a file, the ``Document`` for one given from Python.
    """

    id: str
    label: str
    signature: str
    load: Callable[[], Document]
    job: Any = None


def build_index(
    sources: Iterable[str | os.PathLike[str]] | None = None,
    index_dir: str | os.PathLike[str] | None = None,
    *,
    documents: Iterable[DocumentLike] | None = None,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
    wait: float = 0.0,
    follow_links: bool = False,
    max_file_mb: float | None = None,
    semantic: Any = None,
) -> BuildReport:
    """Make the index at ``index_dir`` mirror ``sources`` (folders) or ``documents``.

    Incremental unless ``rebuild``: only added, changed and removed documents
    are touched.  Documents in the index but no longer in the sources are
    removed.  Unreadable files are skipped and listed in the report (their
    previous versions stay, as do the documents of a folder that cannot be
    listed).  Files larger than ``max_file_mb`` megabytes (default
    ``$COMMENTARY_MAX_FILE_MB`` or 20) are skipped unread; symbolic links
    leading outside a source folder are skipped unless ``follow_links``.
    Raises ``IndexLockedError`` when another build holds the index for longer
    than ``wait`` seconds.

    ``semantic`` (the optional extra, see ``docs/semantic.md``): None keeps
    the index's sentence embeddings up to date if it has them, True adds
    them, False removes them; an encoder object is True with that model.
    Embedding reports progress with labels starting ``"embedding "``.
    """
    location = index_dir if index_dir is not None else os.environ.get("COMMENTARY_INDEX")
    if is_remote_location(location):  # a SolrCloud collection: its own writer
        from .solr.build import build_index as build_remote

        return build_remote(sources, location, documents=documents, rebuild=rebuild, progress=progress,  # type: ignore[arg-type]
                            wait=wait, follow_links=follow_links, max_file_mb=max_file_mb, semantic=semantic)
    if documents is not None and sources is not None:
        raise SearchError("give either source folders or documents, not both")
    target = as_path(index_dir, "index_dir") if index_dir is not None else default_index_dir()
    if documents is not None:
        candidates, scan = _document_candidates(documents)
    else:
        if sources is None:
            roots = default_sources()
        elif isinstance(sources, (str, os.PathLike)):
            roots = [as_path(sources, "source")]  # one folder, not its characters
        else:
            roots = [as_path(s, "source") for s in _iterable(sources, "sources", "folders")]
        if not isinstance(follow_links, bool):
            raise SearchError(f"follow_links must be True or False, not {follow_links!r:.40}")
        candidates, scan = _file_candidates(roots, follow_links=follow_links, max_bytes=max_file_bytes(max_file_mb))
    return _write(target, candidates, rebuild=rebuild, remove_missing=True,
                  progress=progress, wait=wait, scan=scan, semantic=semantic)


def add_documents(
    index_dir: str | os.PathLike[str],
    documents: Iterable[DocumentLike],
    *,
    progress: ProgressCallback | None = None,
    wait: float = 0.0,
) -> BuildReport:
    """Add or update documents by id; documents not given are left alone.

    Documents that cannot be indexed are skipped and listed in the report;
    of several with one id, the last is indexed (with a warning).
    """
    if is_remote_location(index_dir):
        from .solr.build import add_documents as add_remote

        return add_remote(index_dir, documents, progress=progress, wait=wait)  # type: ignore[arg-type]
    target = as_path(index_dir, "index_dir")
    candidates, scan = _document_candidates(documents)
    return _write(target, candidates, rebuild=False,
                  remove_missing=False, progress=progress, wait=wait, scan=scan)


def delete_documents(
    index_dir: str | os.PathLike[str], ids: Iterable[str], *, wait: float = 0.0
) -> BuildReport:
    """Remove documents by id; unknown ids are ignored.

    ``ids`` is a list of ids (one string is taken as one id).  Raises
    ``IndexMissingError`` when there is no index to delete from.
    """
    remote = is_remote_location(index_dir)
    target = as_path(index_dir, "index_dir") if not remote else None
    if isinstance(ids, (str, int)) and not isinstance(ids, bool):
        ids = [ids]  # one id, not its characters
    wanted = []
    for doc_id in _iterable(ids, "ids", "document ids"):
        if isinstance(doc_id, int) and not isinstance(doc_id, bool):
            doc_id = str(doc_id)
        if not isinstance(doc_id, str):
            raise SearchError(f"document ids are text; got {type(doc_id).__name__} {doc_id!r:.40}")
        wanted.append(doc_id)
    if remote:
        from .solr.build import delete_documents as delete_remote

        return delete_remote(index_dir, wanted, wait=wait)  # type: ignore[arg-type]
    assert target is not None
    if not has_index(target):
        raise IndexMissingError(f"no index in {target} to delete documents from")
    return _write(target, [], rebuild=False, remove_missing=False,
                  progress=None, wait=wait, scan=None, remove=wanted)


def _check_callable_and_wait(progress: Any, wait: Any) -> None:
    """``SearchError`` unless ``progress`` is callable (or None) and ``wait`` is a number of seconds."""
    if progress is not None and not callable(progress):
        raise SearchError(f"progress must be a function, not {type(progress).__name__}")
    # NaN would make the wait for a held lock never end (nothing is >= NaN).
    if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not wait >= 0:
        raise SearchError(f"wait must be a number of seconds (0 or more); got {wait!r:.40}")


def _iterable(value: Any, name: str, of: str) -> Iterable[Any]:
    """``value`` when it is a collection to iterate; ``SearchError`` otherwise."""
    if isinstance(value, (str, bytes, Mapping, Document)) or not isinstance(value, Iterable):
        raise SearchError(f"{name} must be a list of {of}, not {type(value).__name__}")
    return value


@dataclass
class _Scan:
    """What reading the sources (folders or documents) found besides candidates.

    ``keeps`` tells which indexed documents stay although no file was listed
    for them (their folder could not be listed, or their file examined).
    """

    ignored: int = 0
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    ignored_reasons: dict[str, int] = field(default_factory=dict)
    keeps: Callable[[str], bool] = lambda doc_id: False


def _file_candidates(roots: list[Path], *, follow_links: bool, max_bytes: int) -> tuple[list[_Candidate], _Scan]:
    """The files under the roots to read (see ``sources``), and what was skipped or ignored."""
    found = scan_sources(roots, follow_links=follow_links, max_bytes=max_bytes)
    scan = _Scan(
        ignored=sum(found.ignored.values()),
        skipped=[Problem(path, reason, id=doc_id) for path, reason, doc_id in found.skipped],
        ignored_reasons=dict(found.ignored),
        keeps=found.keeps,
    )
    # A file's ``load`` pickles (sources._FileLoad): it is also the job a helper process gets.
    return [_Candidate(f.id, f.label, f.signature, f.load, job=f.load) for f in found.files], scan


def _document_candidates(documents: Iterable[DocumentLike]) -> tuple[list[_Candidate], _Scan]:
    """Candidates for documents given from Python, signed by their content hash.

    Every document is checked here (``checked_document``); one that cannot
    be indexed becomes a skipped entry naming its id (or its position), so
    it cannot stop the others.  Of several documents with one id the last
    wins, with a warning.
    """
    scan = _Scan()
    chosen: dict[str, _Candidate] = {}
    given: Counter[str] = Counter()
    for number, item in enumerate(_iterable(documents, "documents", "Document objects or dicts"), 1):
        try:
            doc = checked_document(item) if isinstance(item, Document) else Document.from_mapping(item)
            signature = f"hash:{doc.content_hash()}"
        except DocumentError as exc:
            raw_id = item.id if isinstance(item, Document) else item.get("id") if isinstance(item, Mapping) else None
            usable = raw_id if isinstance(raw_id, str) and raw_id.strip() else None
            scan.skipped.append(Problem(usable or f"document #{number}", exc.reason, id=usable))
            continue
        given[doc.id] += 1
        chosen.pop(doc.id, None)  # the last one wins, and takes the last place
        chosen[doc.id] = _Candidate(id=doc.id, label=doc.id, signature=signature,
                                    load=lambda doc=doc: doc, job=doc)
    for doc_id, count in given.items():
        if count > 1:
            scan.warnings.append(Problem(doc_id, f"given {count} times; the last one was indexed", id=doc_id))
    return list(chosen.values()), scan


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
    candidate; ``remove`` names documents to remove explicitly.  When the
    disk or the directory refuses a write, raises ``IndexWriteError`` after
    removing what this build wrote, so the previous index stays as it was
    and no space is left taken.
    """
    _check_callable_and_wait(progress, wait)
    report = BuildReport(index_dir=str(target))
    if scan is not None:
        report.ignored = scan.ignored
        report.ignored_reasons = dict(scan.ignored_reasons)
        report.skipped.extend(scan.skipped)
        report.warnings.extend(scan.warnings)
    started = time.perf_counter()
    try:
        target.mkdir(parents=True, exist_ok=True)
        lock = BuildLock(target, wait=wait).acquire()
    except OSError as exc:
        raise _write_error(target, exc, unchanged=True) from None
    try:
        _write_locked(target, candidates, report, rebuild=rebuild, remove_missing=remove_missing,
                      progress=progress, remove=remove, keeps=scan.keeps if scan is not None else None,
                      semantic=semantic)
        if report.changed:
            # Facet ordinals of the new generation, for the next process's first query.
            keep_facets(target)
    finally:
        lock.release()
    report.seconds = time.perf_counter() - started
    return report


def _write_locked(
    target: Path,
    candidates: list[_Candidate],
    report: BuildReport,
    *,
    rebuild: bool,
    remove_missing: bool,
    progress: ProgressCallback | None,
    remove: Iterable[str],
    keeps: Callable[[str], bool] | None = None,
    semantic: Any = None,
) -> None:
    """The body of ``_write``, run while holding the build lock.

    ``keeps`` says which documents stay although missing from the sources
    (their folder could not be listed).
    """
    before = set(_listing(target))
    generation = committed_generation(target)
    writer: Any = None
    child: SegmentChild | None = None
    try:
        ix = _open_for_writing(target, report, rebuild=rebuild, mirror=remove_missing)
        rebuild = report.rebuilt
        if rebuild:
            existing = {}
        else:
            # Whoosh retries opening a damaged segment ten times, leaving the
            # files of each attempt to the garbage collector.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ResourceWarning)
                existing = reading_index(target, _existing_signatures, ix)
        plan = SemanticPlan.start(target, ix, semantic)
        writer = new_writer(ix, SCHEMA if rebuild else ix.schema, lock=True)
        # The embeddings see what is written through ``watched``; ``writer``
        # itself stays Whoosh's, for ``_abandon`` to close.  They would not
        # see what a helper process writes, so a build with them has none.
        watched = plan.watch(writer) if plan is not None else writer
        seen, child = _apply(watched, target, candidates, existing, report, progress, share=plan is None)
        gone = existing.keys() - seen if remove_missing else existing.keys() & set(remove)
        if keeps is not None:
            gone = {doc_id for doc_id in gone if not keeps(doc_id)}
        for doc_id in gone:
            watched.delete_by_term("id", doc_id)
            report.removed += 1
        if child is not None:
            # The parent writes its segment while the child finishes its own;
            # the table of contents then names both.  (No embeddings here:
            # ``_apply`` shares no work when there are.)
            running = child
            _finish(writer, report, rebuild=rebuild, force=True,
                    extra=lambda: _child_result(running, report, progress, len(candidates)))
            child = None
        else:
            if plan is not None and (report.changed or plan.forces_commit):
                # Before the commit: its table-of-contents rename publishes both.
                plan.write(writer.generation, existing, gone, progress)
            if plan is not None and plan.forces_commit and not report.changed:
                commit(writer, clear=False)
            else:
                _finish(writer, report, rebuild=rebuild)
        if plan is not None:
            plan.clean(writer.generation)
            report.embedded = plan.embedded
    except BaseException as exc:
        if child is not None:
            child.stop()
        _abandon(writer, exc)
        # Remove what this build wrote (segments, temporary runs, a first
        # table of contents), unless its commit went through after all.
        # (Creating an index writes generation 0; a commit writes 1 or more.)
        unchanged = committed_generation(target) <= max(generation, 0)
        if unchanged:
            _remove_new(target, before)
        if isinstance(exc, OSError):
            raise _write_error(target, exc, unchanged=unchanged) from None
        if isinstance(exc, whoosh_index.LockError):
            raise IndexLockedError(f"another program is writing to {target}; wait for it to finish and try again") from None
        raise


def _listing(target: Path) -> list[str]:
    """The names in ``target`` (none when it cannot be listed)."""
    try:
        return os.listdir(target)
    except OSError:
        return []


def _abandon(writer: Any, exc: BaseException) -> None:
    """Cancel a writer after ``exc``: close its files and release its lock, whatever fails."""
    if writer is None:
        return
    # After a failed write (a full disk) cancelling stops at the first file
    # that cannot flush and drops the others unclosed, for the garbage
    # collector to warn about.  So first find every file the writer (or the
    # failed call that was closing one) holds, and close them all after.
    frames = []
    failure: BaseException | None = exc
    while failure is not None and len(frames) < 1000:
        tb = failure.__traceback__
        while tb is not None:
            frames.append(tb.tb_frame.f_locals)
            tb = tb.tb_next
        failure = failure.__context__  # Whoosh re-raises from cleanup code
    streams = _open_files([writer, *frames])
    # Cancelling after a failed commit makes Whoosh try to save the segment
    # again, opening files it drops when that fails too.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            if not writer.is_closed:
                writer.cancel()
        except Exception:  # noqa: BLE001 - half-written segments fail to close in many ways
            if writer.writelock is not None:
                with suppress(Exception):
                    writer.writelock.release()
        gc.collect()
    for stream in streams:
        with suppress(Exception):
            stream.close()


_MAX_WALK = 256


def _open_files(roots: list[Any]) -> list[io.IOBase]:
    """Every open file object reachable from ``roots`` through Whoosh objects and small containers."""
    found: list[io.IOBase] = []
    seen: set[int] = set()
    todo: list[Any] = list(roots)
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, io.IOBase):
            if not item.closed:
                found.append(item)
        elif isinstance(item, dict) and len(item) <= _MAX_WALK:
            todo.extend(item.values())
        elif isinstance(item, (list, tuple)) and len(item) <= _MAX_WALK:
            # Files sit in attributes and small tables; long lists are
            # buffered postings, not worth walking.
            todo.extend(item)
        elif type(item).__module__.startswith("whoosh") and hasattr(item, "__dict__"):
            todo.extend(vars(item).values())
    return found


def _remove_new(target: Path, before: set[str]) -> None:
    """Delete every file and folder in ``target`` that is not in ``before`` (the build lock excepted)."""
    for name in set(_listing(target)) - before - {LOCK_NAME}:
        path = target / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with suppress(OSError):
                path.unlink()


def _write_error(target: Path, exc: OSError, *, unchanged: bool) -> IndexWriteError:
    """The one-line error for a write the disk or the directory refused."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    if not unchanged:
        outcome = ""
    elif has_index(target):
        outcome = "; the previous index is unchanged"
    else:
        outcome = "; no index was written"
    return IndexWriteError(f"cannot write the index in {target}: {reason}{outcome}")


def _apply(
    writer: writing.IndexWriter,
    target: Path,
    candidates: list[_Candidate],
    existing: dict[str, tuple[str, str]],
    report: BuildReport,
    progress: ProgressCallback | None,
    *,
    share: bool,
) -> tuple[set[str], SegmentChild | None]:
    """Read and write every changed candidate; return the ids still present, and the child writing some.

    With many new documents and a second core, the second half of the new
    ones goes to a child process writing its own segment (``SegmentChild``);
    updates stay here, where the old versions can be deleted.
    """
    seen: set[str] = set()
    mine: list[tuple[_Candidate, tuple[str, str] | None]] = []
    new: list[_Candidate] = []
    number = 0
    for cand in candidates:
        seen.add(cand.id)
        old = existing.get(cand.id)
        if old is not None and old[0] == cand.signature:
            report.unchanged += 1
            number += 1
            if progress is not None:
                progress(number, len(candidates), cand.label)
        elif old is None:
            new.append(cand)
        else:
            mine.append((cand, old))
    child = None
    if share and len(new) >= _PARALLEL_MIN and usable_cores() >= 2:
        half = len(new) // 2
        child = SegmentChild(str(target), [(c.id, c.label, c.signature, c.job) for c in new[half:]],
                             _child_segment)
        child.labels = [c.label for c in new[half:]]
        new = new[:half]
    try:
        mine += [(cand, None) for cand in new]
        for number, (cand, old) in enumerate(mine, number + 1):
            _apply_one(writer, cand, old, report)
            if progress is not None:
                progress(number, len(candidates), cand.label)
    except BaseException:
        if child is not None:
            child.stop()
        raise
    return seen, child


def _child_result(child: SegmentChild, report: BuildReport, progress: ProgressCallback | None,
                  total: int) -> list[Any]:
    """Wait for the child's segment; fold its report into ``report``; the segments to commit."""
    segment, part = child.result()
    report.added += part.added
    report.skipped.extend(part.skipped)
    report.warnings.extend(part.warnings)
    if progress is not None:
        # The child cannot call back: its documents are counted once it is done.
        for number, label in enumerate(child.labels, total - len(child.labels) + 1):
            progress(number, total, label)
    return [segment] if segment is not None else []


def _child_segment(target: str, jobs: list[tuple[str, str, str, Any]], parent: int) -> tuple[Any, BuildReport]:
    """In the child: write new documents into a segment of their own; return it and a report.

    Holds no lock: the parent holds the build lock and Whoosh's for the
    whole build and names the segment in its commit.
    """
    ix = open_whoosh_index(Path(target))
    writer = new_writer(ix, SCHEMA, lock=False)
    report = BuildReport(index_dir=target)
    for doc_id, label, signature, job in jobs:
        if os.getppid() != parent:
            os._exit(1)  # orphaned: nobody will commit what we write
        load: Callable[[], Document] = job if callable(job) else lambda job=job: job
        _apply_one(writer, _Candidate(id=doc_id, label=label, signature=signature, load=load), None, report)
    return finish_segment(writer), report


def _apply_one(
    writer: writing.IndexWriter,
    cand: _Candidate,
    old: tuple[str, str] | None,
    report: BuildReport,
) -> None:
    """Read one candidate and add or update it, recording what happened."""
    try:
        loaded = cand.load()
    except DocumentError as exc:
        # The previous version, if any, stays searchable.
        report.skipped.append(Problem(exc.path, exc.reason, id=cand.id))
        return
    try:
        # Checked again here so that documents from files pass the same
        # gate as those given from Python (a file name that is not UTF-8
        # makes an id no index can store).
        doc = checked_document(loaded)
        content_hash = doc.content_hash()
    except DocumentError as exc:
        report.skipped.append(Problem(cand.label, exc.reason, id=cand.id))
        return
    if old is not None and old[1] == content_hash:
        # Touched but not changed (e.g. a fresh checkout): nothing to write.
        report.unchanged += 1
        return
    for warning in doc.warnings:
        report.warnings.append(Problem(cand.label, warning, id=doc.id))
    fields = index_fields(doc, cand.signature, content_hash)
    try:
        if old is None:
            # Not in the index (ids are unique among the candidates): no
            # old version to delete, so the old segments are not even read.
            writer.add_document(**fields)
        else:
            writer.update_document(**fields)
    except (OSError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001
        # Whoosh has by now added part of the document's postings, which
        # would attach to the next document: the build cannot go on, and
        # nothing of it is committed.
        raise SearchError(
            f"cannot index {cand.label} ({type(exc).__name__}: {exc}); nothing was written"
        ) from exc
    if old is None:
        report.added += 1
    else:
        report.updated += 1


def _finish(writer: writing.IndexWriter, report: BuildReport, *, rebuild: bool, force: bool = False,
            extra: Callable[[], list[Any]] = list) -> None:
    """Commit when something changed (or ``force``); otherwise release the writer.

    ``extra`` gives the segments a child wrote; it is called once this
    writer's own segment is written, just before the commit names them all.
    """
    if force or rebuild or report.added or report.updated or report.removed:
        commit(writer, clear=rebuild, extra=extra)
    else:
        writer.cancel()


def _open_for_writing(target: Path, report: BuildReport, *, rebuild: bool, mirror: bool) -> Any:
    """Open the index in ``target`` for writing, creating it if there is none.

    Sets ``report.rebuilt`` when every document will be rewritten: on request,
    for a new index, or when the index was written with another schema.
    Only a build that ``mirror``s its sources may do the last: rebuilding
    for ``add_documents`` would drop every document it was not given.
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
    current = has_current_schema(ix)
    if not current and not (rebuild or mirror):
        raise IndexCorruptError(
            f"the index in {target} was built by another version of this program; "
            "rebuild it with `commentary index --rebuild` before adding or deleting documents"
        )
    if rebuild or not current:
        report.rebuilt = True
    _clean_leftovers(ix)
    return ix


def _clean_leftovers(ix: Any) -> None:
    """Delete segment files that no table of contents names (left by killed builds).

    Whoosh does this after each commit; doing it before writing too means
    a disk filled by an earlier killed build is freed before this build
    needs the space.  Safe: the build lock keeps other writers out, and
    readers have the files they use open.
    """
    with suppress(Exception):
        toc = whoosh_index.TOC.read(ix.storage, ix.indexname)
        whoosh_index.clean_files(ix.storage, ix.indexname, toc.generation, toc.segments)


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
        "extra": dict(doc.extra),
        "warnings": list(doc.warnings),
        # The stored body is bounded; a long one goes to a column (storedtext).
        **stored_values(body_text, doc.body if doc.format == "markdown" else None),
    }

"""Listing source folders: which files a build reads, and why the others are not read.

The folders belong to whoever can write to them, so listing trusts nothing
it finds there:

* Only regular files are read.  A named pipe would block the build forever
  and a device may never end, so those are reported as skipped without ever
  being opened.
* A file larger than the size limit is skipped before it is read.
* A symbolic link that leads outside the source folder (``passwd.txt`` ->
  ``/etc/passwd``) is not followed unless the caller asks for it
  (``follow_links``); with it, links to folders are followed once each, so a
  link loop cannot make the walk endless.
* Hidden files and folders (``.git``, ``.DS_Store``) are ignored and counted,
  like files of other types.
* A folder that cannot be listed is reported, and the documents already
  indexed from it are kept: an unreadable folder is not a deleted one.
* A file is opened only when its document is read, and the file opened must
  be the one listed (same device and inode): a file swapped for a link or a
  pipe in between is skipped.

Any exception while reading one file becomes a skipped file with its reason;
the rest of the build goes on.
"""

from __future__ import annotations

import functools
import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .document import Document
from .errors import DocumentError, SearchError
from .readers import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, file_kind, printable_path, read_document, size_problem

__all__ = ["SourceFile", "SourceScan", "max_file_bytes", "scan_sources"]

MAX_FILE_MB_ENV = "COMMENTARY_MAX_FILE_MB"

# Why a file was ignored, as counted in the report.
HIDDEN = "hidden"
OTHER_TYPE = "other file type"


@dataclass
class SourceFile:
    """A file to index: its document id, its path for people, its signature, and how to read it."""

    id: str
    label: str
    signature: str
    load: Callable[[], Document]


@dataclass
class SourceScan:
    """What listing the source folders found.

    ``files`` are to be read; ``skipped`` lists ``(path, reason, id)`` for
    files and folders that cannot be (``id`` is ``None`` for a folder); ``ignored`` counts the rest by reason.
    ``keep`` says which indexed documents must survive although no file was
    listed for them (their folder could not be listed, or their file could not
    be examined): see ``keeps``.
    """

    files: list[SourceFile] = field(default_factory=list)
    skipped: list[tuple[str, str, str | None]] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)
    kept_ids: set[str] = field(default_factory=set)
    kept_folders: list[str] = field(default_factory=list)

    def keeps(self, doc_id: str) -> bool:
        """True when the indexed document ``doc_id`` must stay although it was not listed."""
        return doc_id in self.kept_ids or any(doc_id.startswith(prefix) for prefix in self.kept_folders)

    def count_ignored(self, reason: str) -> None:
        """Count one more file or folder ignored for ``reason``."""
        self.ignored[reason] = self.ignored.get(reason, 0) + 1


def max_file_bytes(max_file_mb: float | None = None) -> int:
    """The size limit in bytes: ``max_file_mb``, else ``$COMMENTARY_MAX_FILE_MB``, else 20 MB.

    Raises ``SearchError`` for a value that is not a positive number.
    """
    source = "max_file_mb"
    value: object = max_file_mb
    if value is None:
        value = os.environ.get(MAX_FILE_MB_ENV) or None
        source = MAX_FILE_MB_ENV
    if value is None:
        return MAX_FILE_BYTES
    try:
        if isinstance(value, bool):
            raise ValueError
        megabytes = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        megabytes = math.nan
    if not (math.isfinite(megabytes) and megabytes > 0):
        raise SearchError(f"{source} must be a positive number of megabytes, not {value!r}")
    return max(1, int(megabytes * 1024 * 1024))


def scan_sources(roots: list[Path], *, follow_links: bool = False, max_bytes: int = MAX_FILE_BYTES) -> SourceScan:
    """List the files to index under ``roots`` (folders, or single files named explicitly).

    Raises ``SearchError`` when a root does not exist or cannot be listed at
    all; everything below a root is reported in the scan instead.
    """
    scan = SourceScan()
    seen: set[str] = set()
    for root in roots:
        _scan_root(Path(root), scan, seen, follow_links=follow_links, max_bytes=max_bytes)
    return scan


def _scan_root(root: Path, scan: SourceScan, seen: set[str], *, follow_links: bool, max_bytes: int) -> None:
    """Add the files under one root to ``scan``."""
    try:
        info = os.stat(root)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise SearchError(f"source not found: {printable_path(root)}") from exc
        raise SearchError(f"cannot read source {printable_path(root)}: {exc.strerror or exc}") from exc
    if not stat.S_ISDIR(info.st_mode):
        # A file named explicitly is read whatever it is called or links to.
        _add_file(root, info, root.parent, scan, seen, max_bytes=max_bytes)
        return
    walker = _Walker(root, scan, follow_links=follow_links)
    try:
        found = walker.walk(info)
    except OSError as exc:
        raise SearchError(f"cannot list source folder {printable_path(root)}: {exc.strerror or exc}") from exc
    for path, file_info in sorted(found, key=lambda item: item[0]):
        _add_file(path, file_info, root, scan, seen, max_bytes=max_bytes)


def _add_file(path: Path, info: os.stat_result, base: Path, scan: SourceScan, seen: set[str], *, max_bytes: int) -> None:
    """Add one listed file to ``scan``: as a file to read, or as skipped or ignored with its reason."""
    label = printable_path(path)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        scan.count_ignored(OTHER_TYPE)
        return
    doc_id = printable_path(path.relative_to(base).as_posix())
    if doc_id in seen:
        scan.skipped.append((label, f"another source already has a document with id {doc_id!r}", None))
        return
    seen.add(doc_id)
    if not stat.S_ISREG(info.st_mode):
        scan.skipped.append((label, f"{file_kind(info.st_mode)}, not a regular file; not read", doc_id))
        return
    problem = size_problem(info.st_size, max_bytes)
    if problem:
        scan.skipped.append((label, problem, doc_id))
        scan.kept_ids.add(doc_id)  # the file is there: its last readable version stays
        return
    scan.files.append(SourceFile(
        id=doc_id,
        label=label,
        signature=f"file:{info.st_mtime_ns}:{info.st_size}",
        load=_loader(path, base, label, info, max_bytes),
    ))


def _loader(path: Path, base: Path, label: str, info: os.stat_result, max_bytes: int) -> Callable[[], Document]:
    """A function that reads ``path`` into a Document, turning any failure into ``DocumentError``.

    A ``partial`` of a module function, not a closure: it pickles, so a
    build's helper process can be handed it (``search.segments``).
    """
    return functools.partial(_load, path, base, label, info, max_bytes)


def _load(path: Path, base: Path, label: str, info: os.stat_result, max_bytes: int) -> Document:
    """Read ``path`` (see ``_loader``)."""
    try:
        return read_document(path, base, max_bytes=max_bytes, expect=info)
    except DocumentError as exc:
        raise DocumentError(label, exc.reason) from exc
    except Exception as exc:  # noqa: BLE001 - one file must never stop a build
        detail = " ".join(str(exc).split())[:200]
        reason = f"could not be read ({type(exc).__name__}{': ' + detail if detail else ''})"
        raise DocumentError(label, reason) from exc


class _Walker:
    """Walks one source folder, collecting ``(path, stat)`` of every non-hidden file."""

    def __init__(self, root: Path, scan: SourceScan, *, follow_links: bool) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.scan = scan
        self.follow_links = follow_links
        self.found: list[tuple[Path, os.stat_result]] = []
        self.folders_seen: set[tuple[int, int]] = set()

    def walk(self, root_info: os.stat_result) -> list[tuple[Path, os.stat_result]]:
        """Walk from the root; raises ``OSError`` only when the root itself cannot be listed."""
        self.folders_seen.add((root_info.st_dev, root_info.st_ino))
        with os.scandir(self.root) as entries:
            listing = sorted(entries, key=lambda entry: entry.name)
        stack = [listing]
        while stack:
            for entry in stack.pop():
                sub = self._visit(entry)
                if sub is not None:
                    stack.append(sub)
        return self.found

    def _visit(self, entry: os.DirEntry[str]) -> list[os.DirEntry[str]] | None:
        """Record one entry; return the listing of a folder to descend into, if it is one."""
        path = Path(entry.path)
        label = printable_path(path)
        if entry.name.startswith("."):
            self.scan.count_ignored(HIDDEN)
            return None
        is_link = False
        try:
            is_link = entry.is_symlink()
            info = os.stat(path) if is_link else entry.stat(follow_symlinks=False)
        except OSError as exc:
            self._unexaminable(entry, path, label, exc, is_link=is_link)
            return None
        if not stat.S_ISDIR(info.st_mode) and path.suffix.lower() not in SUPPORTED_SUFFIXES:
            self.scan.count_ignored(OTHER_TYPE)
            return None
        if is_link and not self.follow_links and not self._inside(path):
            target = printable_path(os.path.realpath(path))
            self.scan.skipped.append((label, f"symbolic link to {target}, outside the source folder; "
                                             "not followed (allow with follow_links / --follow-links)",
                                      None if stat.S_ISDIR(info.st_mode) else self._doc_id(path)))
            return None
        if not stat.S_ISDIR(info.st_mode):
            self.found.append((path, info))
            return None
        if is_link and not self.follow_links:
            # Its files are indexed where they really are, inside the source.
            self.scan.count_ignored("link to a folder inside the source")
            return None
        if (info.st_dev, info.st_ino) in self.folders_seen:
            return None  # reached again through a link: read once
        self.folders_seen.add((info.st_dev, info.st_ino))
        try:
            with os.scandir(path) as entries:
                return sorted(entries, key=lambda sub: sub.name)
        except OSError as exc:
            self._unlistable(path, label, exc)
            return None

    def _unlistable(self, path: Path, label: str, exc: OSError) -> None:
        """Report a folder that cannot be listed, keeping the documents indexed from it."""
        self.scan.skipped.append((label, f"cannot list folder ({exc.strerror or exc}); "
                                         "documents already indexed from it are kept", None))
        self.scan.kept_folders.append(self._doc_prefix(path))

    def _unexaminable(self, entry: os.DirEntry[str], path: Path, label: str, exc: OSError, *, is_link: bool) -> None:
        """Report an entry whose kind cannot be found out (a broken link, a link loop, no search permission)."""
        if isinstance(exc, FileNotFoundError) and not is_link:
            return  # removed since the folder was listed: gone, like a file never listed
        try:
            is_folder = not is_link and entry.is_dir(follow_symlinks=False)  # from the listing, no stat
        except OSError:
            is_folder = False
        if is_folder:
            self._unlistable(path, label, exc)
            return
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            self.scan.count_ignored(OTHER_TYPE)
            return
        what = "broken symbolic link" if is_link else "cannot be examined"
        self.scan.skipped.append((label, f"{what} ({exc.strerror or exc})", self._doc_id(path)))
        if not is_link:
            self.scan.kept_ids.add(self._doc_id(path))

    def _inside(self, path: Path) -> bool:
        """True when ``path`` (a link) resolves to somewhere inside the source folder."""
        target = os.path.realpath(path)
        return target == self.real_root or target.startswith(self.real_root.rstrip(os.sep) + os.sep)

    def _doc_id(self, path: Path) -> str:
        """The document id of the file at ``path``."""
        return printable_path(path.relative_to(self.root).as_posix())

    def _doc_prefix(self, folder: Path) -> str:
        """The id prefix of the documents below ``folder``."""
        return self._doc_id(folder) + "/"

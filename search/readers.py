"""Reading commentary files into ``Document`` objects.

``read_document`` turns a file into a document: it rejects what cannot be
read at all (unreadable, empty, binary) with ``DocumentError``, decodes the
rest (with a warning when it is not UTF-8) and hands the text to the reader
for its layout: ``plaintext`` for ``.txt``, ``markdown_reader`` for
``.md``/``.markdown``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .boundary import as_path
from .document import Document
from .errors import DocumentError
from .markdown_reader import markdown_to_text, parse_markdown
from .plaintext import parse_plain_text

__all__ = [
    "MAX_FILE_BYTES",
    "SUPPORTED_SUFFIXES",
    "file_kind",
    "printable_path",
    "read_document",
    "size_problem",
    "decode_bytes",
    "parse_plain_text",
    "parse_markdown",
    "markdown_to_text",
]

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".markdown")
_MARKDOWN_SUFFIXES = (".md", ".markdown")

# ---------------------------------------------------------------------------
# Files and bytes
# ---------------------------------------------------------------------------

# Share of control bytes above which a file is taken for binary data.  Real
# text has practically none (tabs and line breaks are not counted), while
# random binary data has about one byte in eight.
_BINARY_CONTROL_SHARE = 0.05
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v")
# Every byte that is not a control character (the text controls count as text):
# deleting them from a sample leaves its control characters, counted in C.
_NOT_CONTROLS = bytes(b for b in range(256) if not ((b < 32 and b not in _TEXT_CONTROLS) or b == 127))

_MB = 1024 * 1024
# Largest file read, by default.  Commentary is text: the longest essays are
# well under 1 MB, so 20 MB leaves room for anything real while a file that
# grows without end (or a link to one) cannot exhaust memory.
MAX_FILE_BYTES = 20 * _MB
_CHUNK = _MB
# Non-blocking so that a named pipe swapped in after the check cannot stall
# the open; no effect on regular files.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def read_document(
    path: str | os.PathLike[str],
    root: str | os.PathLike[str],
    *,
    max_bytes: int = MAX_FILE_BYTES,
    expect: os.stat_result | None = None,
) -> Document:
    """Read one file under ``root`` into a ``Document`` whose id is its relative POSIX path.

    Raises ``DocumentError`` for files that must be skipped: not a regular
    file (a named pipe, device, socket or folder), larger than ``max_bytes``,
    unreadable, empty or whitespace-only, binary, or of an unsupported type.
    Text that is not valid UTF-8 is still read (as Windows-1252) with a
    warning.  ``expect`` is the ``os.stat`` result seen when the folder was
    listed: if the file opened is another one (replaced in between, perhaps by
    a link elsewhere), it is skipped rather than read.
    """
    path, root = as_path(path, "path"), as_path(root, "root")
    doc_id = _relative_id(path, root)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(str(path), f"unsupported file type {suffix or '(none)'!r}")
    data = _read_bounded(path, max_bytes, expect)
    try:
        text, warnings = decode_bytes(data)
    except ValueError as exc:
        raise DocumentError(str(path), str(exc)) from exc
    if suffix in _MARKDOWN_SUFFIXES:
        doc = parse_markdown(text, doc_id)
    else:
        doc = parse_plain_text(text, doc_id)
    doc.warnings[:0] = warnings  # decoding problems come first: they explain the rest
    return doc


def file_kind(mode: int) -> str:
    """What a ``stat`` mode is, in words: ``"a named pipe"``, ``"a folder"``, ..."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


_KINDS = (
    (stat.S_ISREG, "a regular file"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def size_problem(size: int, max_bytes: int) -> str | None:
    """The reason to refuse a file of ``size`` bytes, or ``None`` when it is within the limit."""
    if size <= max_bytes:
        return None
    return (
        f"file is {_megabytes(size)}, over the {_megabytes(max_bytes)} limit "
        "(raise it with max_file_mb, --max-file-mb or COMMENTARY_MAX_FILE_MB)"
    )


def _megabytes(size: int) -> str:
    """``size`` bytes as ``"20 MB"`` or ``"20.5 MB"``."""
    return f"{size / _MB:.1f}".removesuffix(".0") + " MB"


def _read_bounded(path: Path, max_bytes: int, expect: os.stat_result | None) -> bytes:
    """The bytes of the regular file ``path``, never more than ``max_bytes``.

    Checks the kind of file before opening it (opening a named pipe can wait
    forever for a writer, a device may never end), opens without blocking,
    checks again on the open file (it may have been swapped in between) and
    reads at most ``max_bytes + 1`` bytes (it may have grown).
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise DocumentError(str(path), f"cannot be read: {exc.strerror or exc}") from exc
    _check_file(path, info, max_bytes, expect)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise DocumentError(str(path), f"cannot be read: {exc.strerror or exc}") from exc
    try:
        _check_file(path, os.fstat(fd), max_bytes, expect or info)
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, _CHUNK))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise DocumentError(str(path), f"cannot be read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise DocumentError(str(path), size_problem(len(data), max_bytes) or "file grew while being read")
    return data


def _check_file(path: Path, info: os.stat_result, max_bytes: int, expect: os.stat_result | None) -> None:
    """Raise ``DocumentError`` unless ``info`` is a regular file within the size limit (and the expected one)."""
    if not stat.S_ISREG(info.st_mode):
        raise DocumentError(str(path), f"cannot be read: {file_kind(info.st_mode)}, not a regular file")
    if expect is not None and (info.st_dev, info.st_ino) != (expect.st_dev, expect.st_ino):
        raise DocumentError(str(path), "file was replaced while the index was being built; the next build reads it")
    problem = size_problem(info.st_size, max_bytes)
    if problem:
        raise DocumentError(str(path), problem)


def _relative_id(path: Path, root: Path) -> str:
    """The document id: ``path`` relative to ``root``, or just its name if outside it.

    Bytes of the file name that are not UTF-8 appear as ``\\xNN``: the id
    must be valid text to be indexed and printed.
    """
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        try:
            rel = path.resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            rel = path.name
    return printable_path(rel)


def printable_path(path: str | os.PathLike[str]) -> str:
    """``path`` as valid text: undecodable bytes of a file name shown as ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def decode_bytes(data: bytes) -> tuple[str, list[str]]:
    """Decode a file's bytes to text, returning the text and any warnings.

    Strips a UTF-8 BOM; reads UTF-16 files that carry a BOM; falls back to
    Windows-1252 (then UTF-8 with replacement) for invalid UTF-8.  Raises
    ``ValueError`` with a reason for empty, whitespace-only or binary data.
    """
    warnings: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 is full of NUL bytes, so it must be recognised before the binary check.
        text = data.decode("utf-16", errors="replace")
        warnings.append("file is UTF-16; decoded it")
    else:
        _check_not_binary(data)
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
                warnings.append("file is not valid UTF-8; decoded it as Windows-1252")
            except UnicodeDecodeError:
                text = data.decode("utf-8", errors="replace")
                warnings.append("file is not valid UTF-8; undecodable bytes were replaced")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ValueError("file is empty" if not text else "file contains only whitespace")
    return text, warnings


def _check_not_binary(data: bytes) -> None:
    """Raise ``ValueError`` when ``data`` is empty or looks like binary rather than text."""
    if not data.strip():
        raise ValueError("file is empty" if not data else "file contains only whitespace")
    if b"\x00" in data:
        raise ValueError("binary file (contains NUL bytes)")
    sample = data[:65536]
    controls = len(sample.translate(None, _NOT_CONTROLS))
    if controls / len(sample) > _BINARY_CONTROL_SHARE:
        raise ValueError("binary file (mostly non-text bytes)")


"""Reading commentary files into ``Document`` objects.

``read_document`` turns a file into a document: it rejects what cannot be
read at all (unreadable, empty, binary) with ``DocumentError``, decodes the
rest (with a warning when it is not UTF-8) and hands the text to the reader
for its layout: ``plaintext`` for ``.txt``, ``markdown_reader`` for
``.md``/``.markdown``.
"""

from __future__ import annotations

from pathlib import Path

from .boundary import as_path
from .document import Document
from .errors import DocumentError
from .markdown_reader import markdown_to_text, parse_markdown
from .plaintext import parse_plain_text

__all__ = [
    "SUPPORTED_SUFFIXES",
    "read_document",
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


def read_document(path: Path, root: Path) -> Document:
    """Read one file under ``root`` into a ``Document`` whose id is its relative POSIX path.

    Raises ``DocumentError`` for files that must be skipped: unreadable,
    empty or whitespace-only, binary, or of an unsupported type.  Text that is
    not valid UTF-8 is still read (as Windows-1252) with a warning.
    """
    path, root = as_path(path, "path"), as_path(root, "root")
    doc_id = _relative_id(path, root)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(str(path), f"unsupported file type {suffix or '(none)'!r}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(str(path), f"cannot be read: {exc.strerror or exc}") from exc
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


def _relative_id(path: Path, root: Path) -> str:
    """The document id: ``path`` relative to ``root``, or just its name if outside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            return path.name


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
    controls = sum(1 for b in sample if (b < 32 and b not in _TEXT_CONTROLS) or b == 127)
    if controls / len(sample) > _BINARY_CONTROL_SHARE:
        raise ValueError("binary file (mostly non-text bytes)")


# ---------------------------------------------------------------------------
# Shared helpers

"""Reading commentary files (plain text and Markdown) into ``Document`` objects.

Two layouts are understood:

* plain text (``.txt``), the layout of the seed document::

      Title – Author
      <date>
      Author
      <affiliation: one or more blocks of short lines>
      <body paragraphs>
      Source: <publisher>

  Every part but the title is optional, and the parts may be reordered a
  little (a date before the title, ``By Author`` bylines, labelled
  ``Date:``/``Author:`` lines).  Where the affiliation ends and the body begins
  is decided from the shape of the text (line length, sentence punctuation,
  hard wrapping), never from the wording of any particular corpus.

* Markdown (``.md``, ``.markdown``) with YAML front matter between ``---`` lines.

The readers never raise on odd text: what they cannot make sense of is recorded
in ``Document.warnings``.  Only files that cannot be read at all (unreadable,
empty, binary) raise ``DocumentError`` from ``read_document``.
"""

from __future__ import annotations

import datetime as _dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from .dates import looks_like_date, parse_date
from .document import Document
from .errors import DocumentError
from .names import split_authors

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
    path = Path(path)
    doc_id = _relative_id(path, Path(root))
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
# ---------------------------------------------------------------------------


def _normalise_newlines(text: str) -> str:
    """Turn CRLF/CR into LF and drop a BOM, so the parsers see one kind of line."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _title_from_id(doc_id: str) -> str:
    """A readable title from the file name: stem with dashes/underscores as spaces."""
    stem = PurePosixPath(doc_id).stem or doc_id
    return " ".join(re.sub(r"[-_]+", " ", stem).split()) or doc_id


def _tidy_body(lines: list[str]) -> str:
    """Join body lines, keeping paragraph breaks but no runs of blank lines."""
    out: list[str] = []
    for line in lines:
        if not line.strip():
            if out and out[-1] != "":
                out.append("")
        else:
            out.append(line.rstrip())
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


# ---------------------------------------------------------------------------
# Plain text: recognising the kinds of header line
# ---------------------------------------------------------------------------

# "Title – Author": an en dash, em dash, or spaced hyphen(s) between spaces.
_TITLE_SEPARATOR = re.compile(r"\s+(?:–|—|--?)\s+")
_BY_PREFIX = re.compile(r"^(?:by|written by|authors?)\s*[:\-–—]?\s+", re.IGNORECASE)
_LABEL = re.compile(
    r"^(?P<label>title|authors?|by|date|published|affiliation|source|url|link)\s*:\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_SOURCE_LINE = re.compile(r"^(?P<label>source|url|link)\s*:\s*(?P<value>\S.*)$", re.IGNORECASE)

# Words that begin a sentence-final abbreviation rather than end a sentence.
_ABBREVIATIONS = frozenset(
    "inc ltd co corp jr sr dr mr mrs ms prof st univ dept assoc bros llc plc no vol ed eds "
    "gov govt rep sen gen col lt capt est ave rd".split()
)
# Lower-case words allowed inside personal names ("Ludwig van Beethoven").
_NAME_PARTICLES = frozenset(
    "van von de da del della der den di du la le bin binti ibn al el y dos das do ten ter".split()
)
# Common words that do not occur in personal names; their presence means the
# line is a phrase ("Writing as ...", "A New Era"), not a byline.
_NOT_NAME_WORDS = frozenset(
    "the a an of in on at to for from with as is are was were be this that these those "
    "our your my his her its their we you i it not no new about into over under after "
    "before between how why what when where who".split()
)
_SENTENCE_BREAK = re.compile(r"(?P<word>[\w'’]+)[.!?][\"'”’)\]]*\s+[\"'“‘(\[]*[A-Z0-9]")
_TERMINAL = ".!?:;"
_QUOTES_OPEN = "\"'“‘«"

# Limits on what may be an affiliation: a short line, a small block, and a
# small header overall.  Affiliations are a few short items; anything longer is
# text that belongs in the body.
_AFFIL_MAX_CHARS = 120
_AFFIL_MAX_WORDS = 16
_AFFIL_MAX_BLOCK_LINES = 6
_AFFIL_MAX_BLOCK_WORDS = 45
_AFFIL_MAX_LINES = 10
# Narrowest width at which text is taken to be hard-wrapped.
_MIN_WRAP_WIDTH = 40
# Longest line still taken for a title.
_TITLE_MAX_CHARS = 250


def _ends_with_abbreviation(text: str) -> bool:
    """True when ``text`` ends in an abbreviation (``Inc.``, ``U.S.``, ``Ph.D.``), not a full stop."""
    words = text.split()
    if not words or not words[-1].endswith("."):
        return False
    last = words[-1].strip("()[]\"'")
    if re.fullmatch(r"(?:[A-Za-z]{1,3}\.){2,}", last):
        return True
    return last[:-1].lower() in _ABBREVIATIONS


def _has_sentence_break(text: str) -> bool:
    """True when ``text`` holds the end of one sentence followed by the start of another."""
    for match in _SENTENCE_BREAK.finditer(text):
        word = match["word"]
        # "Dr. Smith", "St. Petersburg", "J. Smith" are not sentence ends.
        if word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper()):
            continue
        return True
    return False


def _ends_sentence(text: str) -> bool:
    """True when ``text`` ends with sentence punctuation (ignoring closing quotes)."""
    stripped = text.rstrip().rstrip("\"'”’)]")
    return bool(stripped) and stripped[-1] in _TERMINAL and not _ends_with_abbreviation(stripped)


def _is_name(text: str) -> bool:
    """True when ``text`` reads as one personal or corporate name (``Ilyas Imamzarov``)."""
    text = text.strip()
    if not text or len(text) > 60 or any(ch.isdigit() for ch in text):
        return False
    if text[-1] in "!?:;," or (text[-1] == "." and not re.search(r"(?:\b[A-Z]|Jr|Sr)\.$", text)):
        return False
    words = text.split()
    if len(words) > 6:
        return False
    for word in words:
        if re.fullmatch(r"[A-Z]\.(?:[A-Z]\.)*,?", word):
            continue  # initials: "J.", "J.R.R."
        bare = word.strip(".,'\"()’")
        if not bare:
            return False
        if bare.lower() in _NOT_NAME_WORDS:
            return False
        if not (bare[0].isupper() or bare.lower() in _NAME_PARTICLES):
            return False
    return True


def _as_names(text: str, min_words: int = 1) -> list[str] | None:
    """Split a byline into names, or ``None`` when any part is not a name."""
    text = _BY_PREFIX.sub("", text.strip()).strip()
    names = split_authors(text)
    if not names or any(not _is_name(name) for name in names):
        return None
    if all(len(name.split()) < min_words for name in names):
        return None
    return names


def _same_names(line: str, authors: list[str]) -> bool:
    """True when ``line`` is a repeat of the byline ``authors`` (case and ``By`` ignored)."""
    text = _BY_PREFIX.sub("", line.strip()).strip()
    return [n.casefold() for n in split_authors(text)] == [a.casefold() for a in authors]


def _is_affiliation_line(line: str) -> bool:
    """True when a line has the shape of an affiliation item: short, and not a sentence."""
    text = line.strip()
    if not text or len(text) > _AFFIL_MAX_CHARS or len(text.split()) > _AFFIL_MAX_WORDS:
        return False
    if text[0] in _QUOTES_OPEN or text.startswith(("- ", "* ", "• ")):
        return False  # quotations and list items open a body, not an affiliation
    return not _ends_sentence(text) and not _has_sentence_break(text)


def _is_title(line: str) -> bool:
    """True when a first line can be a title rather than the start of the body."""
    text = line.strip()
    if len(text) > _TITLE_MAX_CHARS:
        return False
    # A title may end with a full stop, but two sentences make a paragraph.
    return not (_has_sentence_break(text) and len(text.split()) > 25)


# ---------------------------------------------------------------------------
# Plain text: the parser
# ---------------------------------------------------------------------------


@dataclass
class _Header:
    """What has been read from the top of a plain-text file so far."""

    title: str = ""
    title_line: str = ""           # the whole title line, if it held a separator
    title_author: str = ""         # the part after the separator, if any
    authors: list[str] = field(default_factory=list)
    authors_from_title: bool = False
    byline_seen: bool = False
    date: str | None = None
    date_text: str = ""            # a date line that could not be read
    affiliation: list[str] = field(default_factory=list)
    source: str = ""
    url: str = ""
    warnings: list[str] = field(default_factory=list)


def parse_plain_text(text: str, doc_id: str) -> Document:
    """Parse the seed's plain-text layout into a ``Document`` (format ``"text"``).

    Never raises on odd input: missing parts are left empty and reported in
    ``warnings``.  See the module docstring for the layout.
    """
    lines = [line.rstrip() for line in _normalise_newlines(text).split("\n")]
    head = _Header()
    lines = _take_trailer(lines, head)
    pos = _read_title(lines, head)
    pos = _read_meta(lines, pos, head)
    pos = _read_affiliation(lines, pos, head)
    body = _tidy_body(lines[pos:])
    return _finish(head, body, doc_id)


def _next_content(lines: list[str], pos: int) -> int:
    """Index of the first non-blank line at or after ``pos`` (``len(lines)`` if none)."""
    while pos < len(lines) and not lines[pos].strip():
        pos += 1
    return pos


def _take_trailer(lines: list[str], head: _Header) -> list[str]:
    """Remove closing ``Source:`` (and ``URL:``) lines from the end, recording their values."""
    end = len(lines)
    while True:
        while end > 0 and not lines[end - 1].strip():
            end -= 1
        match = _SOURCE_LINE.match(lines[end - 1].strip()) if end > 0 else None
        if not match:
            return lines[:end]
        label, value = match["label"].lower(), match["value"].strip()
        if label == "source" and not head.source:
            head.source = value
        elif label in ("url", "link") and not head.url:
            head.url = value
        else:
            return lines[:end]  # a second Source: line is text, not metadata
        end -= 1


def _take_date(line: str, head: _Header) -> bool:
    """Record ``line`` as the date if it is shaped like one; say whether it was consumed."""
    if head.date or head.date_text or not looks_like_date(line):
        return False
    head.date = parse_date(line)
    if head.date is None:
        head.date_text = line.strip()
    return True


def _read_title(lines: list[str], head: _Header) -> int:
    """Read leading date lines and the title line; return the index after them."""
    pos = _next_content(lines, 0)
    while pos < len(lines) and _take_date(lines[pos], head):
        pos = _next_content(lines, pos + 1)  # a date printed above the title
    if pos >= len(lines):
        return pos
    line = lines[pos].strip()
    label = _LABEL.match(line)
    if label and label["label"].lower() == "title":
        line = label["value"].strip()
    elif label or _BY_PREFIX.match(line) or not _is_title(line):
        return pos  # no title line: a byline, a labelled field, or the body itself
    _split_title(line, head)
    return pos + 1


def _split_title(line: str, head: _Header) -> None:
    """Split ``Title – Author`` on the last separator (titles may contain dashes)."""
    separators = list(_TITLE_SEPARATOR.finditer(line))
    # "Title – Author – March 19, 2023": a trailing date is taken off first.
    if separators and looks_like_date(line[separators[-1].end():]):
        _take_date(line[separators[-1].end():], head)
        line = line[: separators.pop().start()]
    if not separators:
        head.title = line.strip()
        return
    cut = separators[-1]
    title, author = line[: cut.start()].strip(), line[cut.end():].strip()
    if not title:
        head.title = line.strip()
        return
    head.title = title
    head.title_line = line.strip()
    head.title_author = author
    names = _as_names(author)
    if names:
        head.authors = names
        head.authors_from_title = True


def _read_meta(lines: list[str], pos: int, head: _Header) -> int:
    """Read date, byline and labelled lines after the title, in any order."""
    pos = _next_content(lines, pos)
    while pos < len(lines):
        line = lines[pos].strip()
        if not _read_meta_line(line, head):
            break
        pos = _next_content(lines, pos + 1)
    if not head.authors and head.title_author:
        # No byline anywhere: accept a collective author after the separator
        # ("The Editorial Board"); anything else was part of the title.
        collective = re.sub(r"^the\s+", "", head.title_author, flags=re.IGNORECASE)
        if _as_names(collective):
            head.authors = [_BY_PREFIX.sub("", head.title_author).strip()]
        else:
            head.title = head.title_line
    return pos


def _read_meta_line(line: str, head: _Header) -> bool:
    """Consume one header line if it is a date, byline or labelled field; say whether it was."""
    if _take_date(line, head):
        return True
    label = _LABEL.match(line)
    if label:
        return _read_label(label["label"].lower(), label["value"].strip(), head)
    if head.authors and not head.byline_seen and _same_names(line, head.authors):
        head.byline_seen = True  # the byline repeated under the title
        return True
    if not head.authors and head.title_author and _same_names(line, split_authors(head.title_author)):
        # An unusual name after the separator, confirmed by the repeated byline.
        head.authors = split_authors(_BY_PREFIX.sub("", head.title_author))
        head.byline_seen = True
        return True
    if head.byline_seen or (head.authors and not _BY_PREFIX.match(line)):
        return False
    # "By Author" always names the author; a bare name only when none is known yet.
    names = _as_names(line, min_words=1 if _BY_PREFIX.match(line) else 2)
    if names:
        if head.authors_from_title:
            head.warnings.append(
                f"byline {line!r} differs from the title's author; using the byline"
            )
        elif head.title_author:
            head.title = head.title_line  # the separator was part of the title after all
        head.authors = names
        head.authors_from_title = False
        head.byline_seen = True
        return True
    return False


def _read_label(label: str, value: str, head: _Header) -> bool:
    """Store a labelled header field (``Author: ...``, ``Date: ...``); say whether it was used."""
    if not value:
        return True
    if label in ("author", "authors", "by"):
        names = split_authors(value)
        if names:
            head.authors, head.byline_seen, head.authors_from_title = names, True, False
    elif label in ("date", "published"):
        if not head.date:
            head.date = parse_date(value)
            head.date_text = "" if head.date else value
    elif label == "affiliation":
        head.affiliation.append(value)
    elif label == "source":
        head.source = head.source or value
    elif label in ("url", "link"):
        head.url = head.url or value
    elif label == "title" and not head.title:
        head.title = value
    else:
        return False
    return True


def _read_affiliation(lines: list[str], pos: int, head: _Header) -> int:
    """Read affiliation blocks after the byline; return the index where the body begins."""
    pos = _next_content(lines, pos)
    taken = 0
    while pos < len(lines):
        end = pos
        while end < len(lines) and lines[end].strip():
            end += 1
        block = [line.strip() for line in lines[pos:end]]
        keep = _affiliation_prefix(block)
        if keep and taken + keep > _AFFIL_MAX_LINES:
            break  # too much for an affiliation: it is text
        for line in block[:keep]:
            # A date printed among or below the affiliation is the date, not an item.
            if not _take_date(line, head):
                head.affiliation.append(line)
        taken += keep
        if keep < len(block):
            return pos + keep
        pos = _next_content(lines, end)
    return pos


def _affiliation_prefix(block: list[str]) -> int:
    """How many leading lines of a block (lines between blank lines) are affiliation.

    A block is affiliation when every line is short and none reads as a
    sentence (a paragraph, even hard-wrapped, ends with sentence punctuation).
    A block may also start with affiliation lines and run straight into the
    body; those lines are told apart from the first lines of a hard-wrapped
    paragraph by not being filled up to the wrap width.
    """
    flags = [_is_affiliation_line(line) for line in block]
    if all(flags):
        words = sum(len(line.split()) for line in block)
        if (
            len(block) > _AFFIL_MAX_BLOCK_LINES
            or words > _AFFIL_MAX_BLOCK_WORDS
            or block[-1].endswith(",")  # a salutation or a sentence that goes on
        ):
            return 0
        return len(block)
    return _unfilled_prefix(block, flags.index(False))


def _unfilled_prefix(block: list[str], limit: int) -> int:
    """How many of the first ``limit`` lines of ``block`` stop short of the wrap width.

    A wrapper breaks a line only when the next word would not fit, so a line
    of hard-wrapped prose plus the first word of the next line is longer than
    the wrap width (taken as the block's longest line).  Affiliation lines are
    broken by meaning instead and usually stop well short of that, so the
    first "filled" line is where wrapped prose begins.
    """
    width = max(len(line) for line in block)
    if width < _MIN_WRAP_WIDTH:
        return limit
    for j in range(limit):
        if len(block[j]) + 1 + len(block[j + 1].split()[0]) > width:
            return j
    return limit


def _join_affiliation(lines: list[str]) -> str:
    """Join affiliation lines into items: a lower-case start continues the item above."""
    items: list[str] = []
    for line in lines:
        line = " ".join(line.split())
        if not line:
            continue
        if items and line[0].islower():
            items[-1] = f"{items[-1]} {line}"
        else:
            items.append(line)
    return "; ".join(items)


def _finish(head: _Header, body: str, doc_id: str) -> Document:
    """Build the ``Document`` from what was read, adding warnings for what was missing."""
    warnings = list(head.warnings)
    title = head.title
    if not title:
        title = _title_from_id(doc_id)
        warnings.append(f"no title found; using the file name {title!r}")
    if not head.authors:
        warnings.append("no author found")
    if head.date_text:
        warnings.append(f"unreadable date {head.date_text!r}")
    elif head.date is None:
        warnings.append("no date found")
    if not body:
        warnings.append("no body text found")
    return Document(
        id=doc_id,
        title=title,
        authors=list(head.authors),
        affiliation=_join_affiliation(head.affiliation),
        date=head.date,
        source=head.source,
        url=head.url,
        body=body,
        format="text",
        warnings=warnings,
    )


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------

_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(?P<text>.+?)[ \t#]*$", re.MULTILINE)
_KNOWN_KEYS = frozenset(
    "title author authors affiliation date source url tags topic topics".split()
)


class _FrontMatterLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that keeps impossible timestamps (``2023-02-30``) as strings.

    The stock loader raises ``ValueError`` for them, which would throw away
    every other key; kept as text, the date is reported as unreadable instead.
    """


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """Build a YAML timestamp, falling back to its text when it is not a real date."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError:
        return loader.construct_scalar(node)  # type: ignore[arg-type]


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def parse_markdown(text: str, doc_id: str) -> Document:
    """Parse Markdown with YAML front matter into a ``Document`` (format ``"markdown"``).

    The body is the Markdown after the front matter, unchanged.  Without
    usable front matter the whole file is the body and the title comes from
    the first ``# heading`` (or the file name), with a warning.
    """
    text = _normalise_newlines(text)
    warnings: list[str] = []
    meta, body = _split_front_matter(text, warnings)
    doc = Document(id=doc_id, format="markdown", body=body.strip("\n"))
    _apply_front_matter(doc, meta, warnings)
    if not doc.title:
        heading = _HEADING.search(body)
        if heading:
            doc.title = _plain_inline(heading["text"]).strip()
        else:
            doc.title = _title_from_id(doc_id)
            warnings.append(f"no title found; using the file name {doc.title!r}")
    if not doc.authors:
        warnings.append("no author found")
    if doc.date is None and not any(w.startswith("unreadable date") for w in warnings):
        warnings.append("no date found")
    doc.warnings = warnings
    return doc


def _split_front_matter(text: str, warnings: list[str]) -> tuple[dict[str, Any], str]:
    """Separate YAML front matter from the body; on any problem the whole text is body."""
    stripped = text.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    if first.strip() != "---":
        warnings.append("no front matter")
        return {}, text
    end = _FRONT_MATTER_END.search(rest)
    if not end:
        warnings.append("front matter is not closed by '---'; reading the whole file as body")
        return {}, text
    try:
        meta = yaml.load(rest[: end.start()], Loader=_FrontMatterLoader)  # noqa: S506 (safe loader)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        reason = " ".join(str(exc).split())[:200]
        warnings.append(f"malformed front matter ({reason}); reading the whole file as body")
        return {}, text
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        warnings.append("front matter is not a mapping of keys to values; ignoring it")
        return {}, text
    return meta, rest[end.end():]


def _apply_front_matter(doc: Document, meta: dict[str, Any], warnings: list[str]) -> None:
    """Fill ``doc`` from front matter keys; unknown keys go to ``extra``."""
    meta = {str(key).strip().lower(): value for key, value in meta.items()}
    doc.title = _as_text(meta.get("title"))
    doc.authors = _as_authors(meta.get("authors")) or _as_authors(meta.get("author"))
    affiliation = meta.get("affiliation")
    if isinstance(affiliation, list):
        doc.affiliation = "; ".join(_as_text(a) for a in affiliation if _as_text(a))
    else:
        doc.affiliation = _as_text(affiliation)
    doc.date = _as_date(meta.get("date"), warnings)
    doc.source = _as_text(meta.get("source"))
    doc.url = _as_text(meta.get("url"))
    tags: list[str] = []
    for key in ("tags", "topic", "topics"):
        for tag in _as_list(meta.get(key)):
            if tag not in tags:
                tags.append(tag)
    doc.tags = tags
    doc.extra = {key: _json_safe(value) for key, value in meta.items() if key not in _KNOWN_KEYS}


def _as_text(value: Any) -> str:
    """A front matter scalar as a trimmed one-line string (``None`` → ``""``)."""
    if value is None:
        return ""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return " ".join(str(value).split())


def _as_list(value: Any) -> list[str]:
    """A string (comma-separated) or list value as a list of non-empty strings."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return [text for text in (_as_text(item) for item in items) if text]


def _as_authors(value: Any) -> list[str]:
    """Authors from a list of names or one byline string (``"A and B"``)."""
    if isinstance(value, (list, tuple)):
        return [name for name in (_as_text(item) for item in value) if name]
    return split_authors(_as_text(value))


def _as_date(value: Any, warnings: list[str]) -> str | None:
    """A front matter date (YAML date, datetime or string) as ISO, warning when unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    iso = parse_date(str(value))
    if iso is None:
        warnings.append(f"unreadable date {str(value)!r}")
    return iso


def _json_safe(value: Any) -> Any:
    """Convert YAML values (dates, nested containers, odd scalars) into JSON-ready ones."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(item) for item in value]
    return str(value)


# ---------------------------------------------------------------------------
# Markdown to plain text, for indexing
# ---------------------------------------------------------------------------

_MD_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"<!--.*?-->", re.DOTALL), ""),                       # HTML comments
    (re.compile(r"^ {0,3}(?:```|~~~).*$", re.MULTILINE), ""),           # code fence markers
    (re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S+.*$", re.MULTILINE), ""),     # link definitions
    (re.compile(r"^ {0,3}(?:[-*_][ \t]*){3,}$", re.MULTILINE), ""),     # horizontal rules
    (re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$", re.MULTILINE), ""),         # setext underlines
    (re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.MULTILINE), r"\1"),  # ATX headings
    (re.compile(r"^ {0,3}(?:>[ \t]?)+", re.MULTILINE), ""),             # blockquote markers
    (re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+", re.MULTILINE), ""),  # list markers
    (re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.MULTILINE), ""),
]


def markdown_to_text(md: str) -> str:
    """Strip Markdown syntax to plain text for indexing, keeping paragraph breaks.

    Removes heading, list, quote and code-fence markers, emphasis, HTML tags
    and link/image syntax (keeping the visible text).  Not a full Markdown
    parser: odd constructs may leave stray characters, which is harmless for
    search.
    """
    text = _normalise_newlines(md)
    for pattern, replacement in _MD_RULES:
        text = pattern.sub(replacement, text)
    text = _plain_inline(text)
    text = text.replace("|", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return _tidy_body(lines)


def _plain_inline(text: str) -> str:
    """Strip inline Markdown (links, images, emphasis, code, HTML) from a span of text."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)                # images → alt text
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)                 # inline links
    text = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", text)                # reference links
    text = re.sub(r"<((?:https?|mailto):[^>\s]+)>", r"\1", text)         # autolinks
    text = re.sub(r"</?[A-Za-z][^<>]*>", "", text)                       # HTML tags
    text = re.sub(r"`+([^`]*)`+", r"\1", text)                           # inline code
    text = re.sub(r"(\*{1,3}|~~)(?=\S)(.+?)(?<=\S)\1", r"\2", text)      # *em*, **strong**, ~~del~~
    text = re.sub(r"(?<!\w)(_{1,3})(?=\S)(.+?)(?<=\S)\1(?!\w)", r"\2", text)  # _em_, not snake_case
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>])", r"\1", text)           # backslash escapes
    return html.unescape(text)

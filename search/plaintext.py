"""Reading the seed's plain-text layout into a ``Document``.

The layout, top to bottom::

    Title – Author
    <date>
    Author
    <affiliation: one or more blocks of short lines>
    <body paragraphs>
    Source: <publisher>

Every part but the title is optional, and the parts may be reordered a little
(a date before the title, ``By Author`` bylines, labelled ``Date:``/``Author:``
lines).  Where the affiliation ends and the body begins is decided from the
shape of the text (line length, sentence punctuation, hard wrapping), never
from the wording of any particular corpus.  Nothing here raises on odd text:
what cannot be read is recorded in ``Document.warnings``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dates import looks_like_date, parse_date
from .document import Document
from .names import split_authors
from .textshape import TITLE_MAX_CHARS, cap_title, normalise_newlines, one_line, tidy_body, title_from_id

__all__ = ["parse_plain_text"]

# ---------------------------------------------------------------------------
# Plain text: recognising the kinds of header line
# ---------------------------------------------------------------------------

# Every pattern here must stay linear in the length of a line: Python's ``re``
# backtracks, and a failed attempt that rescans a run of spaces (or letters)
# at every position of the run is quadratic.  So an attempt starts only at the
# beginning of a run (the look-behinds), and two quantifiers over the same
# characters never stand side by side.

# "Title – Author": an en dash, em dash, or spaced hyphen(s) between spaces.
_TITLE_SEPARATOR = re.compile(r"(?<!\s)\s+(?:–|—|--?)\s+")
_BY_PREFIX = re.compile(r"^(?:by|written by|authors?)(?:\s*[:\-–—])?\s+", re.IGNORECASE)
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
_SENTENCE_BREAK = re.compile(r"(?<![\w'’])(?P<word>[\w'’]+)[.!?][\"'”’)\]]*\s+[\"'“‘(\[]*[A-Z0-9]")
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
# Longest line still read as a header field (a date, a byline, ``Label: value``).
# Longer lines are body text; the bound also keeps the per-line checks,
# which split and normalise the line, from running over megabyte lines.
_META_MAX_CHARS = 500
# Most header lines read.  Real headers have a handful; past this, repeated
# labelled lines ("Source: x" a million times) are body text, not metadata
# to be dropped.
_META_MAX_LINES = 40
# Narrowest width at which text is taken to be hard-wrapped.
_MIN_WRAP_WIDTH = 40


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
    if len(text) > TITLE_MAX_CHARS:
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
    lines = [line.rstrip() for line in normalise_newlines(text).split("\n")]
    head = _Header()
    lines = _take_trailer(lines, head)
    pos = _read_title(lines, head)
    pos = _read_meta(lines, pos, head)
    pos = _read_affiliation(lines, pos, head)
    body = tidy_body(lines[pos:])
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
    if head.date or head.date_text or len(line) > _META_MAX_CHARS or not looks_like_date(line):
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
        if len(line) > TITLE_MAX_CHARS:
            # Labelled, so a title, but too long to hold a "– Author" as well.
            head.title = cap_title(line, head.warnings)
            return pos + 1
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
    for _ in range(_META_MAX_LINES):
        if pos >= len(lines) or not _read_meta_line(lines[pos].strip(), head):
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
    if len(line) > _META_MAX_CHARS:
        return False
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
        if len(head.affiliation) >= _AFFIL_MAX_LINES:
            return False  # more is text, not an affiliation
        head.affiliation.append(value)
    elif label == "source":
        head.source = head.source or value
    elif label in ("url", "link"):
        head.url = head.url or value
    elif label == "title" and not head.title:
        head.title = cap_title(value, head.warnings)
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
    # No more than _AFFIL_MAX_LINES lines can be affiliation, so only that
    # many (and one more) are examined: a block of a million short lines is
    # body text, found out in constant time.
    head = block[: _AFFIL_MAX_LINES + 1]
    flags = [_is_affiliation_line(line) for line in head]
    if all(flags) and len(head) < len(block):
        return 0
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
    title = one_line(head.title)
    authors = [name for name in map(one_line, head.authors) if name]
    if not title:
        title = title_from_id(doc_id)
        warnings.append(f"no title found; using the file name {title!r}")
    if not authors:
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
        authors=authors,
        affiliation=one_line(_join_affiliation(head.affiliation)),
        date=head.date,
        source=one_line(head.source),
        url=one_line(head.url),
        body=body,
        format="text",
        warnings=warnings,
    )

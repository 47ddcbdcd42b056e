"""The document model: one piece of commentary, as read and as indexed."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .dates import as_iso_date
from .errors import DocumentError
from .names import split_authors

__all__ = ["Document", "checked_document", "clean_text", "FORMATS"]

# Fields a caller may give in a plain dict; anything else goes to ``extra``.
_KNOWN = (
    "id", "title", "authors", "affiliation", "date", "source", "url",
    "tags", "body", "format", "extra",
)


@dataclass
class Document:
    """One piece of commentary.

    ``date`` is an ISO ``YYYY-MM-DD`` string or ``None`` when unknown.
    ``format`` is ``"text"`` (plain text, shown as escaped paragraphs) or
    ``"markdown"`` (``body`` keeps the Markdown source).
    ``warnings`` lists what the reader could not make sense of; such a document
    is still indexed with what could be read.
    """

    id: str
    title: str = ""
    authors: list[str] = field(default_factory=list)
    affiliation: str = ""
    date: str | None = None
    source: str = ""
    url: str = ""
    tags: list[str] = field(default_factory=list)
    body: str = ""
    format: str = "text"
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def author(self) -> str:
        """The authors as one display string: ``A``, ``A and B``, ``A, B and C``."""
        return join_names(self.authors)

    def content_hash(self) -> str:
        """A hash of everything indexed, so unchanged documents can be skipped.

        Raises ``DocumentError`` when a field holds something that cannot be
        serialised (``checked_document`` makes every document hashable).
        """
        try:
            data = self.to_dict()
            data.pop("warnings", None)
            blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        except (TypeError, ValueError, RecursionError) as exc:
            raise DocumentError(_label(self.id), f"cannot be serialised: {exc}") from None
        # "surrogatepass": a lone surrogate must not make hashing fail.
        return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        data = dataclasses.asdict(self)
        data["author"] = self.author
        return data

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "Document":
        """Build a document from a plain dict with the same field names.

        ``authors`` may be a list or one string (``"A and B"`` is split);
        ``author`` is accepted as an alias.  Unknown keys are kept in ``extra``.
        The result is checked as ``checked_document`` does; raises
        ``DocumentError`` (naming the id) when it cannot be indexed.
        """
        if not isinstance(data, Mapping):
            raise DocumentError("(no id)", f"a document must be a Document or a dict, not {type(data).__name__}")
        extra = data.get("extra")
        if extra is not None and not isinstance(extra, Mapping):
            raise DocumentError(_label(data.get("id")), f"extra must be a dict, not {type(extra).__name__}")
        extra = dict(extra or {})
        extra.update({k: v for k, v in data.items() if k not in _KNOWN and k != "author"})
        raw = cls(
            id=data.get("id"),  # type: ignore[arg-type] - checked below
            title=data.get("title"),  # type: ignore[arg-type]
            authors=data.get("authors", data.get("author")),  # type: ignore[arg-type]
            affiliation=data.get("affiliation"),  # type: ignore[arg-type]
            date=data.get("date"),
            source=data.get("source"),  # type: ignore[arg-type]
            url=data.get("url"),  # type: ignore[arg-type]
            tags=data.get("tags"),  # type: ignore[arg-type]
            body=data.get("body"),  # type: ignore[arg-type]
            format=data.get("format"),  # type: ignore[arg-type]
            extra=extra,
        )
        return checked_document(raw)


def checked_document(doc: "Document") -> "Document":
    """A copy of ``doc`` that can be indexed as it is, or ``DocumentError`` saying why not.

    This is the one gate every document passes before the index writer, so
    nothing given from Python (or read from a file) can stop a build halfway:

    * ``id`` must be non-empty text (or a whole number) and valid Unicode:
      it is the document's identity, so it is never silently altered.
    * Text fields must be text (``None`` means empty); ``authors`` and
      ``tags`` a list of texts or one string (``"A and B"``, ``"a, b"``).
    * Lone surrogates (which cannot be stored as UTF-8) in any text,
      ``extra`` included, become U+FFFD, with a warning.
    * Fields other than the body are one line: line breaks, tabs and the
      separator characters (the facet separator ``\x1f`` among them, which
      would split one author in two) become single spaces.
    * The date goes through the readers' date parser: ``2023-3-5`` becomes
      ``2023-03-05``; an unreadable one leaves the document undated, with a
      warning (see ``dates.as_iso_date``).
    * An unknown ``format`` is indexed as ``"text"``, with a warning.
    * ``extra`` is made JSON-ready (dates as ISO text, sets and tuples as
      lists, NaN and infinities as ``None``, other objects as text); it may nest at
      most ``MAX_EXTRA_DEPTH`` levels.
    """
    doc_id = doc.id
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        reason = "a document needs a non-empty 'id'"
        if doc_id is not None and not isinstance(doc_id, str):
            reason = f"id must be text, not {type(doc_id).__name__}"
        raise DocumentError(_label(doc_id), reason)
    if _SURROGATE.search(doc_id):
        raise DocumentError(_label(doc_id), "id is not valid Unicode: it has a lone surrogate (as a file name that is not UTF-8 gives)")
    warnings = [clean_text(str(w)) for w in (doc.warnings or [])]
    repaired: list[str] = []

    def text(name: str, value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise DocumentError(doc_id, f"{name} must be text, not {type(value).__name__}")
        cleaned = clean_text(value)
        if cleaned is not value and cleaned.count("\ufffd") > value.count("\ufffd"):
            repaired.append(name)
        if name != "body":
            cleaned = one_line(cleaned)
        return cleaned

    def texts(name: str, value: Any, split: Callable[[str], list[str]]) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            value = split(value)
        if not isinstance(value, (list, tuple)):
            raise DocumentError(doc_id, f"{name} must be a list of texts or one text, not {type(value).__name__}")
        items = [text(name, item) for item in value]
        return [item for item in items if item.strip()]

    date, date_warning = as_iso_date(doc.date)
    if date_warning:
        warnings.append(clean_text(date_warning))
    fmt = doc.format if doc.format not in (None, "") else "text"
    if fmt not in FORMATS:
        warnings.append(f"unknown format {clean_text(str(fmt))[:40]!r}; indexed as text")
        fmt = "text"
    if doc.extra is not None and not isinstance(doc.extra, Mapping):
        raise DocumentError(doc_id, f"extra must be a dict, not {type(doc.extra).__name__}")
    extra_before = doc.extra or {}
    try:
        extra = _json_ready(extra_before, MAX_EXTRA_DEPTH)
    except RecursionError:
        raise DocumentError(doc_id, f"extra nests more than {MAX_EXTRA_DEPTH} levels deep") from None
    result = Document(
        id=doc_id,
        title=text("title", doc.title),
        authors=texts("authors", doc.authors, split_authors),
        affiliation=text("affiliation", doc.affiliation),
        date=date,
        source=text("source", doc.source),
        url=text("url", doc.url),
        tags=texts("tags", doc.tags, lambda s: [t.strip() for t in s.split(",")]),
        body=text("body", doc.body),
        format=fmt,
        extra=extra,
        warnings=warnings,
    )
    if repaired:
        fields = ", ".join(dict.fromkeys(repaired))
        result.warnings.append(f"{fields}: text that is not valid Unicode (lone surrogates) was replaced")
    return result


# The formats a body may have.
FORMATS = ("text", "markdown")
# How deep ``extra`` may nest (dicts and lists in dicts ...).
MAX_EXTRA_DEPTH = 32

_SURROGATE = re.compile("[\ud800-\udfff]")


def one_line(text: str) -> str:
    """``text`` with every run of white space as one space, trimmed.

    Python's white space includes line breaks and the separators
    ``\x1c``-``\x1f``; other control characters are kept, for the front
    ends to show (never obey).
    """
    return " ".join(text.split())


def clean_text(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD; the same object when there are none."""
    if not _SURROGATE.search(text):
        return text
    # A high and low surrogate in a row are one character written in two
    # halves: the UTF-16 round trip joins those and replaces only lone ones.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _json_ready(value: Any, depth: int) -> Any:
    """``value`` as JSON-ready data (see ``checked_document``); RecursionError past ``depth``."""
    if depth < 0:
        raise RecursionError
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None  # as the JSON API shows them
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {clean_text(str(k)): _json_ready(v, depth - 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [_json_ready(v, depth - 1) for v in items]
    return clean_text(str(value))


def _label(doc_id: Any) -> str:
    """How a problem names a document whose id may be unusable."""
    if isinstance(doc_id, str) and doc_id.strip():
        return doc_id
    return "(no id)" if doc_id is None or doc_id == "" else repr(doc_id)[:80]


def join_names(names: list[str]) -> str:
    """Join names as prose: ``A``, ``A and B``, ``A, B and C``."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]

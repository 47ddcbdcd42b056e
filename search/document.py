"""The document model: one piece of commentary, as read and as indexed."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = ["Document"]

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
        """A hash of everything indexed, so unchanged documents can be skipped."""
        data = self.to_dict()
        data.pop("warnings", None)
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

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
        """
        from .names import split_authors  # local: keeps this module dependency-free

        if "id" not in data or not str(data["id"]).strip():
            raise ValueError("a document needs a non-empty 'id'")
        authors: Any = data.get("authors", data.get("author", []))
        if isinstance(authors, str):
            authors = split_authors(authors)
        tags: Any = data.get("tags", [])
        if isinstance(tags, str):
            tags = [t.strip() for t in tags.split(",") if t.strip()]
        extra = dict(data.get("extra") or {})
        extra.update({k: v for k, v in data.items() if k not in _KNOWN and k != "author"})
        date = data.get("date")
        return cls(
            id=str(data["id"]),
            title=str(data.get("title") or ""),
            authors=[str(a) for a in authors],
            affiliation=str(data.get("affiliation") or ""),
            date=str(date) if date else None,
            source=str(data.get("source") or ""),
            url=str(data.get("url") or ""),
            tags=[str(t) for t in tags],
            body=str(data.get("body") or ""),
            format=str(data.get("format") or "text"),
            extra=extra,
        )


def join_names(names: list[str]) -> str:
    """Join names as prose: ``A``, ``A and B``, ``A, B and C``."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]

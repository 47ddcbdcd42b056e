"""Loaders for the SMART-format test collections kept in ``../shared/eval``.

Both collections use the same record layout: a record starts with a line
``.I <id>`` and is followed by sections such as ``.T`` (title), ``.A``
(authors), ``.B`` (bibliographic line), ``.W`` (text) and, in CISI, ``.X``
(cross-references).  A section runs until the next line that starts with a dot
and a capital letter.  A few Cranfield records are damaged: their abstract is
cut by stray ``.A``/``.B``/``.W`` lines (records 240, 576, 578).  A section
marker that repeats once ``.W`` has begun is therefore read as more ``.W``
text, so no abstract text lands in the author or source fields.

Quirks handled here (see ``../shared/eval/README.md``):

* Cranfield's ``cranqrel`` numbers queries 1..225 in *file order* of
  ``cran.qry``, not by the ``.I`` ids (which run 001..365 with gaps), so
  queries are re-keyed by their position in the file.
* Cranfield relevance codes 1 (complete answer) .. 4 (minimal interest) become
  grades ``5 - code`` (4 .. 1); code -1 means "not relevant" and is dropped.
* Every pair listed in CISI's ``CISI.REL`` is relevant (grade 1).  Queries
  without judgements do not appear in ``qrels``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

__all__ = ["Collection", "load_cranfield", "load_cisi", "parse_records"]

# A line that opens a record or a section: a dot, a capital letter, then
# optional text on the same line (".I 12", ".W", ".K ").
_MARKER = re.compile(r"^\.([A-Z])(?:\s+(.*))?$")

Record = dict[str, list[str]]


@dataclass
class Collection:
    """A test collection: documents, query texts and relevance judgements.

    ``docs`` holds dicts with ``id``, ``title``, ``authors`` (list of str),
    ``source`` (the ``.B`` line) and ``body`` (the ``.W`` text).
    ``queries`` maps query id to query text.  ``qrels`` maps query id to a
    dict of document id to grade (an int >= 1; binary collections use 1).
    """

    name: str
    docs: list[dict[str, Any]] = field(default_factory=list)
    queries: dict[str, str] = field(default_factory=dict)
    qrels: dict[str, dict[str, int]] = field(default_factory=dict)


def _read_lines(path: Path) -> list[str]:
    """The lines of ``path`` without line endings (the files mix LF and CRLF)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    return [line.rstrip("\r") for line in text.split("\n")]


def parse_records(lines: list[str]) -> Iterator[tuple[str, Record]]:
    """Yield ``(id, sections)`` for each ``.I`` record in SMART-format lines.

    ``sections`` maps a one-letter section name to its lines (without the
    marker line); text after the marker on the same line is kept as a line.
    A marker for a section already seen, once ``.W`` has begun, continues
    ``.W``.  Lines before the first ``.I`` are ignored.
    """
    record_id: str | None = None
    sections: Record = {}
    current: list[str] | None = None
    for line in lines:
        marker = _MARKER.match(line)
        if marker is None:
            if current is not None:
                current.append(line)
            continue
        name, rest = marker.group(1), (marker.group(2) or "").strip()
        if name == "I":
            if record_id is not None:
                yield record_id, sections
            record_id, sections, current = rest, {}, None
            continue
        if record_id is None:
            continue
        if name in sections and "W" in sections:
            name = "W"
        current = sections.setdefault(name, [])
        if rest:
            current.append(rest)
    if record_id is not None:
        yield record_id, sections


def _text(sections: Record, name: str) -> str:
    """The text of one section with its lines joined by single newlines, trimmed."""
    return "\n".join(line.strip() for line in sections.get(name, [])).strip()


def _authors(sections: Record) -> list[str]:
    """The ``.A`` section as a list of names, one per non-empty line."""
    return [line.strip() for line in sections.get("A", []) if line.strip()]


def _document(record_id: str, sections: Record) -> dict[str, Any]:
    """A document dict built from one parsed record."""
    return {
        "id": record_id,
        "title": " ".join(_text(sections, "T").split()),
        "authors": _authors(sections),
        "source": " ".join(_text(sections, "B").split()),
        "body": _text(sections, "W"),
    }


def _load_docs(path: Path) -> list[dict[str, Any]]:
    """All documents of a SMART-format document file."""
    return [_document(rid, sec) for rid, sec in parse_records(_read_lines(path))]


def _load_cranfield_qrels(path: Path) -> dict[str, dict[str, int]]:
    """Cranfield judgements as graded qrels (gain ``5 - code``; -1 dropped)."""
    qrels: dict[str, dict[str, int]] = {}
    for line in _read_lines(path):
        parts = line.split()
        if len(parts) < 3:
            continue
        qid, docid, code = parts[0], parts[1], int(parts[2])
        if 1 <= code <= 4:
            qrels.setdefault(str(int(qid)), {})[str(int(docid))] = 5 - code
    return qrels


def _load_cisi_qrels(path: Path) -> dict[str, dict[str, int]]:
    """CISI judgements: every listed (query, document) pair is relevant."""
    qrels: dict[str, dict[str, int]] = {}
    for line in _read_lines(path):
        parts = line.split()
        if len(parts) < 2:
            continue
        qrels.setdefault(str(int(parts[0])), {})[str(int(parts[1]))] = 1
    return qrels


def load_cranfield(directory: str | Path) -> Collection:
    """Load Cranfield (``cran.all.1400``, ``cran.qry``, ``cranqrel``).

    Query ids are the 1-based positions of the records in ``cran.qry``, which
    is how ``cranqrel`` numbers them.
    """
    directory = Path(directory)
    records = parse_records(_read_lines(directory / "cran.qry"))
    queries = {
        str(position): " ".join(_text(sections, "W").split())
        for position, (_, sections) in enumerate(records, start=1)
    }
    return Collection(
        name="cranfield",
        docs=_load_docs(directory / "cran.all.1400"),
        queries=queries,
        qrels=_load_cranfield_qrels(directory / "cranqrel"),
    )


def load_cisi(directory: str | Path) -> Collection:
    """Load CISI (``CISI.ALL``, ``CISI.QRY``, ``CISI.REL``).

    A query's text is its ``.W`` section; the ``.T``/``.A``/``.B`` sections
    some queries carry describe the paper the query was taken from and are
    not part of the information need.
    """
    directory = Path(directory)
    queries = {
        str(int(rid)): " ".join(_text(sections, "W").split())
        for rid, sections in parse_records(_read_lines(directory / "CISI.QRY"))
    }
    return Collection(
        name="cisi",
        docs=_load_docs(directory / "CISI.ALL"),
        queries=queries,
        qrels=_load_cisi_qrels(directory / "CISI.REL"),
    )

"""Loaders for the test collections kept in ``../shared/eval``.

Cranfield, CISI and ADI use the SMART record layout: a record starts with a line
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
* Every pair listed in CISI's ``CISI.REL`` (and ADI's ``ADI.REL``) is
  relevant (grade 1).  Queries without judgements do not appear in ``qrels``.
* TIME (``*TEXT``/``*FIND`` records ending at ``*STOP``) judges documents by
  their 1-based *position* in ``TIME.ALL``; this copy lacks two documents
  between positions 371 and 379, so judged positions from 380 on are moved
  two places back (``time_position``).  Document ids are positions.
* LISA (``Document <n>`` records between lines of asterisks, Latin-1) repeats
  documents 1998-2001 in ``LISA1.501``: the first copy is kept.  Its
  judgements are a flat list of numbers: query id, count k, k document ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

__all__ = [
    "Collection", "load_cranfield", "load_cisi", "load_adi", "load_time", "load_lisa",
    "parse_records", "time_position", "LOADERS",
]

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


def _read_lines(path: Path, encoding: str = "utf-8") -> list[str]:
    """The lines of ``path`` without line endings (the files mix LF and CRLF)."""
    text = path.read_text(encoding=encoding, errors="replace")
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


def _load_pair_qrels(path: Path) -> dict[str, dict[str, int]]:
    """CISI/ADI judgements: every listed (query, document) pair is relevant."""
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
        qrels=_load_pair_qrels(directory / "CISI.REL"),
    )


def _smart_queries(path: Path) -> dict[str, str]:
    """The ``.W`` text of each query record, keyed by its ``.I`` id as an int string."""
    return {
        str(int(rid)): " ".join(_text(sections, "W").split())
        for rid, sections in parse_records(_read_lines(path))
    }


def load_adi(directory: str | Path) -> Collection:
    """Load ADI (``ADI.ALL``, ``ADI.QRY``, ``ADI.REL``): SMART format like CISI."""
    directory = Path(directory)
    return Collection(
        name="adi",
        docs=_load_docs(directory / "ADI.ALL"),
        queries=_smart_queries(directory / "ADI.QRY"),
        qrels=_load_pair_qrels(directory / "ADI.REL"),
    )


# TIME: the two documents missing from this copy lay between these
# positions; no judged document lies there (see ../shared/eval/README.md).
_TIME_GAP = (371, 379)
_TIME_SHIFT = 2


def time_position(judged: int) -> int:
    """The position in this copy of ``TIME.ALL`` of a document ``TIME.REL``
    numbers ``judged``: unchanged up to 370, two places back from 380 on.

    Raises ``ValueError`` for a position inside the gap, which the repair
    cannot place.
    """
    lo, hi = _TIME_GAP
    if judged < lo:
        return judged
    if judged > hi:
        return judged - _TIME_SHIFT
    raise ValueError(f"TIME judgement for position {judged} falls in the gap {lo}-{hi}")


def _star_records(lines: list[str], marker: str) -> Iterator[tuple[str, list[str]]]:
    """``(first line, following lines)`` for each record opened by a line
    starting with ``marker`` (``*TEXT``, ``*FIND``); ``*STOP`` ends the last."""
    head: str | None = None
    body: list[str] = []
    for line in lines:
        if line.startswith(marker) or line.startswith("*STOP"):
            if head is not None:
                yield head, body
            head, body = (line, []) if line.startswith(marker) else (None, [])
        elif head is not None:
            body.append(line)
    if head is not None:
        yield head, body


def _joined(lines: Iterable[str]) -> str:
    """Non-blank lines, stripped, joined by single newlines."""
    return "\n".join(line.strip() for line in lines if line.strip())


def load_time(directory: str | Path) -> Collection:
    """Load TIME (``TIME.ALL``, ``TIME.QUE``, ``TIME.REL``).

    Documents have no title; their id is their 1-based position in
    ``TIME.ALL`` (the ``*TEXT`` number is kept as ``source``), because that is
    how ``TIME.REL`` numbers them, after ``time_position``'s repair.
    """
    directory = Path(directory)
    docs = [
        {"id": str(position), "title": "", "authors": [], "source": " ".join(head.split()[1:]),
         "body": _joined(lines)}
        for position, (head, lines) in enumerate(_star_records(_read_lines(directory / "TIME.ALL"), "*TEXT"), start=1)
    ]
    queries = {
        str(int(head.split()[1])): " ".join(_joined(lines).split())
        for head, lines in _star_records(_read_lines(directory / "TIME.QUE"), "*FIND")
    }
    qrels: dict[str, dict[str, int]] = {}
    for line in _read_lines(directory / "TIME.REL"):
        parts = line.split()
        if len(parts) < 2:
            continue
        for judged in parts[1:]:
            qrels.setdefault(str(int(parts[0])), {})[str(time_position(int(judged)))] = 1
    return Collection(name="time", docs=docs, queries=queries, qrels=qrels)


_LISA_DOC = re.compile(r"^Document\s+(\d+)\s*$")


def _lisa_docs(lines: list[str], seen: set[str]) -> Iterator[dict[str, Any]]:
    """LISA documents: title lines up to the first blank line, then the
    abstract; records end at a line of asterisks.  Ids in ``seen`` are
    skipped (the first copy wins) and new ones added to it."""
    records: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in lines:
        opened = _LISA_DOC.match(line)
        if opened:
            current = []
            records.append((opened.group(1), current))
        elif line.startswith("****"):
            current = None
        elif current is not None:
            current.append(line)
    for doc_id, body in records:
        if doc_id in seen:
            continue
        seen.add(doc_id)
        blank = next((i for i, line in enumerate(body) if not line.strip()), len(body))
        yield {"id": doc_id, "title": " ".join(" ".join(body[:blank]).split()), "authors": [],
               "source": "", "body": _joined(body[blank:])}


def load_lisa(directory: str | Path) -> Collection:
    """Load LISA (``LISA0.001`` ... ``LISA5.850``, ``LISA.QUE``, ``LISARJ.NUM``).

    Files are read as Latin-1 in name order; a document id seen before
    (``LISA1.501`` repeats 1998-2001) is skipped.  Queries are a number line,
    then text up to ``#``.
    """
    directory = Path(directory)
    seen: set[str] = set()
    docs: list[dict[str, Any]] = []
    for path in sorted(p for p in directory.glob("LISA[0-9]*.[0-9]*") if p.is_file()):
        docs.extend(_lisa_docs(_read_lines(path, "latin-1"), seen))
    queries: dict[str, str] = {}
    qid: str | None = None
    text: list[str] = []
    for line in _read_lines(directory / "LISA.QUE", "latin-1"):
        if qid is None:
            if line.strip().isdigit():
                qid, text = str(int(line.strip())), []
            continue
        head, hash_mark, _ = line.partition("#")
        text.append(head)
        if hash_mark:
            queries[qid] = " ".join(" ".join(text).split())
            qid = None
    numbers = [int(n) for n in (directory / "LISARJ.NUM").read_text(encoding="latin-1").split()]
    qrels: dict[str, dict[str, int]] = {}
    i = 0
    while i + 1 < len(numbers):
        query, count = numbers[i], numbers[i + 1]
        for doc in numbers[i + 2:i + 2 + count]:
            qrels.setdefault(str(query), {})[str(doc)] = 1
        i += 2 + count
    return Collection(name="lisa", docs=docs, queries=queries, qrels=qrels)


LOADERS = {
    "cranfield": load_cranfield,
    "cisi": load_cisi,
    "adi": load_adi,
    "time": load_time,
    "lisa": load_lisa,
}

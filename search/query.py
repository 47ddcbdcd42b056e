"""The query language: what a user types, read into clauses.

Nothing here raises on user input.  Whatever cannot be read as syntax is
searched as literal words, and every repair is explained in ``notices``:

    free elections             both words (or, with match="any", either)
    "free and fair"            a phrase
    -war  NOT war              exclude a word (or phrase, or field clause)
    tax OR levy                either word
    title:x author:x affiliation:x source:x tag:x
    date:2023  date:2023-03  date:2023-03-19  date:[2023-01-01 TO 2023-06-30]
    elect*                     words starting with "elect"
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field

__all__ = [
    "Clause",
    "ParsedQuery",
    "parse_query",
    "parse_date_bound",
    "MAX_QUERY_CHARS",
    "MAX_CLAUSES",
]

# Caps that keep any input cheap: longer queries are cut, extra clauses dropped.
MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 64
MIN_PREFIX_CHARS = 2

# Field prefixes a user may type -> index field (None: the date filter).
FIELD_ALIASES = {
    "title": "title",
    "author": "author",
    "by": "author",
    "affiliation": "affiliation",
    "source": "source",
    "tag": "tags",
    "tags": "tags",
    "topic": "tags",
    "date": None,
}

_FIELD_PREFIX = re.compile(r"([A-Za-z]+):")
_DATE_VALUE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


@dataclass
class Clause:
    """One unit of a query.

    ``kind`` is ``"word"``, ``"phrase"``, ``"prefix"`` or ``"date"``.
    ``field`` is an index field name, or None for every text field.
    ``date_range`` holds inclusive YYYYMMDD bounds for ``"date"`` clauses
    (0 for an open end).
    """

    kind: str
    text: str = ""
    field: str | None = None
    negated: bool = False
    date_range: tuple[int, int] | None = None


@dataclass
class ParsedQuery:
    """A query read into clauses.

    ``groups`` are the positive clauses: a document must satisfy every group
    (with ``match="all"``), and a group is satisfied by any of its clauses
    (clauses joined by ``OR``).  ``excluded`` clauses must not match.
    """

    text: str
    groups: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def positive(self) -> list[Clause]:
        """Every positive clause, in order."""
        return [c for group in self.groups for c in group]

    @property
    def is_empty(self) -> bool:
        """True when nothing positive or negative is left to search for."""
        return not self.groups and not self.excluded


def parse_query(text: str) -> ParsedQuery:
    """Read a user's query string; never raises."""
    text = text or ""
    notices: list[str] = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notices.append(f"Your query was cut to its first {MAX_QUERY_CHARS:,} characters.")
    text = _clean(text)
    parsed = ParsedQuery(text=text, notices=notices)
    items = _scan(text, notices)
    _group(items, parsed)
    clause_count = sum(len(g) for g in parsed.groups) + len(parsed.excluded)
    if clause_count > MAX_CLAUSES:
        _truncate(parsed, MAX_CLAUSES)
        notices.append(f"Only the first {MAX_CLAUSES} terms of your query were used.")
    return parsed


def _clean(text: str) -> str:
    """Replace control and format characters with spaces."""
    return "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    ).strip()


# A scanned item is either a Clause or one of the operator strings below.
_OR, _NOT = "OR", "NOT"


def _scan(text: str, notices: list[str]) -> list[Clause | str]:
    """Split the query into clauses and operators, repairing what cannot be read."""
    items: list[Clause | str] = []
    pos, end = 0, len(text)
    while pos < end:
        if text[pos].isspace():
            pos += 1
            continue
        negated = False
        if text[pos] in "-+" and pos + 1 < end and not text[pos + 1].isspace():
            negated = text[pos] == "-"
            pos += 1
        field_name, has_field = None, False
        m = _FIELD_PREFIX.match(text, pos)
        if m and m.group(1).lower() in FIELD_ALIASES:
            field_name, has_field = FIELD_ALIASES[m.group(1).lower()], True
            label = m.group(1).lower()
            pos = m.end()
            if pos >= end or text[pos].isspace():
                notices.append(f"“{label}:” needs a value right after the colon (e.g. {label}:word); it was ignored.")
                continue
        if has_field and field_name is None:
            pos = _scan_date(text, pos, negated, items, notices)
            continue
        if text[pos] == '"':
            close = text.find('"', pos + 1)
            if close == -1:
                notices.append("A quotation mark was not closed, so the words after it were searched one by one.")
                pos += 1
                continue
            phrase = text[pos + 1:close].strip()
            pos = close + 1
            if phrase:
                items.append(Clause("phrase", phrase, field_name, negated))
            continue
        stop = pos
        while stop < end and not text[stop].isspace() and text[stop] != '"':
            stop += 1
        word = text[pos:stop]
        pos = stop
        if word == "OR" and not negated and not has_field:
            items.append(_OR)
        elif word == "AND" and not negated and not has_field:
            continue
        elif word == "NOT" and not negated and not has_field:
            items.append(_NOT)
        else:
            clause = _word_clause(word, field_name, negated, notices)
            if clause is not None:
                items.append(clause)
    return items


def _word_clause(word: str, field_name: str | None, negated: bool, notices: list[str]) -> Clause | None:
    """A word, or a prefix when it ends in ``*``; leading wildcards are dropped."""
    if word[:1] in ("*", "?"):
        notices.append("Wildcards work only at the end of a word (elect*); the leading one was ignored.")
        word = word.lstrip("*?")
    if word.endswith("*"):
        stem = word.rstrip("*")
        core = re.sub(r"\W", "", stem)
        if len(core) >= MIN_PREFIX_CHARS and re.fullmatch(r"\w+", stem):
            return Clause("prefix", stem, field_name, negated)
        notices.append(
            f"“{word}” is too short or unusual for a wildcard search "
            f"(at least {MIN_PREFIX_CHARS} letters before *); it was searched as a word."
        )
        word = stem
    word = word.replace("*", " ").replace("?", " ").strip()
    if not word:
        return None
    return Clause("word", word, field_name, negated)


def _scan_date(text: str, pos: int, negated: bool, items: list[Clause | str], notices: list[str]) -> int:
    """Read the value of ``date:`` at ``pos``; return where scanning goes on."""
    if text[pos] == "[":
        close = text.find("]", pos)
        raw = text[pos + 1:close] if close != -1 else text[pos + 1:]
        new_pos = close + 1 if close != -1 else len(text)
        parts = re.split(r"\s+TO\s+|\s+to\s+", raw.strip())
        if len(parts) != 2:
            notices.append(f"Could not read the date range “[{raw}]”; write date:[2023-01-01 TO 2023-06-30]. It was ignored.")
            return new_pos
        lo = parse_date_bound(parts[0], end=False) if parts[0].strip() != "*" else 0
        hi = parse_date_bound(parts[1], end=True) if parts[1].strip() != "*" else 0
        if lo is None or hi is None:
            notices.append(f"Could not read the date range “[{raw}]”; use YYYY, YYYY-MM or YYYY-MM-DD. It was ignored.")
            return new_pos
        items.append(Clause("date", raw, None, negated, (lo, hi)))
        return new_pos
    stop = pos
    while stop < len(text) and not text[stop].isspace():
        stop += 1
    value = text[pos:stop]
    lo, hi = parse_date_bound(value, end=False), parse_date_bound(value, end=True)
    if lo is None or hi is None:
        notices.append(f"Could not read the date “{value}”; use YYYY, YYYY-MM or YYYY-MM-DD. It was ignored.")
    else:
        items.append(Clause("date", value, None, negated, (lo, hi)))
    return stop


def parse_date_bound(value: str, *, end: bool) -> int | None:
    """``2023``, ``2023-03`` or ``2023-03-19`` as a YYYYMMDD integer, or None.

    A partial date stands for its whole period: its first day, or with
    ``end=True`` its last day, so ``until 2023`` includes 31 December.
    """
    m = _DATE_VALUE.match(value.strip())
    if not m:
        return None
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else (12 if end else 1)
    if not 1 <= month <= 12 or year < 1:
        return None
    last_day = calendar.monthrange(year, month)[1]
    if m.group(3):
        day = int(m.group(3))
        if not 1 <= day <= last_day:
            return None
    else:
        day = last_day if end else 1
    return year * 10000 + month * 100 + day


def _group(items: list[Clause | str], parsed: ParsedQuery) -> None:
    """Turn the scanned sequence into AND-ed groups of OR-ed clauses."""
    join_next = False
    negate_next = False
    for item in items:
        if item == _OR:
            join_next = bool(parsed.groups)
            continue
        if item == _NOT:
            negate_next = True
            continue
        assert isinstance(item, Clause)
        if negate_next:
            item.negated = True
            negate_next = False
        if item.negated:
            parsed.excluded.append(item)
            join_next = False
        elif join_next:
            parsed.groups[-1].append(item)
            join_next = False
        else:
            parsed.groups.append([item])


def _truncate(parsed: ParsedQuery, limit: int) -> None:
    """Keep at most ``limit`` clauses, positive ones first."""
    kept: list[list[Clause]] = []
    budget = limit
    for group in parsed.groups:
        if budget <= 0:
            break
        kept.append(group[:budget])
        budget -= len(kept[-1])
    parsed.groups = kept
    parsed.excluded = parsed.excluded[:max(budget, 0)]

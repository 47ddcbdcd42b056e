"""The search options, checked in one place for the library, the CLI and the URL.

``Index.search``, ``commentary search`` and the web's ``SearchParams`` all
take the same options under the same names (``author``, ``affiliation``,
``source``, ``tag``, ``since``, ``until``, ``sort``, ``page``, ``limit``,
``match``) and hand them to ``check_options``, so a value is accepted or
refused the same way everywhere.  Errors are ``QueryError`` and name the
option as the caller spelled it: ``spell`` turns ``since`` into ``--since``
for the command line.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, fields
from typing import Any, Callable

from .errors import QueryError

__all__ = [
    "SearchOptions",
    "check_options",
    "date_bounds",
    "FILTERS",
    "SORTS",
    "MATCHES",
    "MAX_LIMIT",
    "MAX_PAGE",
]

# The exact-value filters, named as the facets they filter on.
FILTERS = ("author", "affiliation", "source", "tag")
SORTS = ("relevance", "newest", "oldest")
MATCHES = ("all", "any")
MAX_LIMIT = 1000
# A deeper page is refused rather than ranked: showing page N costs N pages
# of ranking, and nobody reads page 10,000.
MAX_PAGE = 10_000

# YYYY, YYYY-M(M), YYYY-M(M)-D(D): the query language's ``date:`` accepts one-
# or two-digit months and days, so the options do too (and write them as ISO).
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_WHOLE = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class SearchOptions:
    """Checked search options: filter values as tuples, dates as ISO strings."""

    author: tuple[str, ...] = ()
    affiliation: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    sort: str = "relevance"
    page: int = 1
    limit: int = 10
    match: str = "all"

    def as_kwargs(self) -> dict[str, Any]:
        """The options as keyword arguments of ``Index.search`` (and of this class)."""
        return {f.name: getattr(self, f.name) for f in fields(SearchOptions)}

    def filters(self) -> dict[str, Any]:
        """The filters under their option names, as ``SearchResults.filters`` echoes them."""
        echo: dict[str, Any] = {name: list(getattr(self, name)) for name in FILTERS}
        echo["since"], echo["until"] = self.since, self.until
        return echo


def _plain(name: str) -> str:
    return name


def check_options(
    *,
    author: Any = None,
    affiliation: Any = None,
    source: Any = None,
    tag: Any = None,
    since: Any = None,
    until: Any = None,
    sort: Any = "relevance",
    page: Any = 1,
    limit: Any = 10,
    match: Any = "all",
    max_limit: int = MAX_LIMIT,
    spell: Callable[[str], str] = _plain,
) -> SearchOptions:
    """Check every search option and return them normalised; else ``QueryError``.

    Filters take one string or a list of strings (a string is one value;
    blank values are dropped, repeats kept once).  ``since``/``until`` take
    ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or a ``datetime.date``; ``page``
    and ``limit`` a whole number, as an ``int`` or as digits in a string
    (URLs and the command line hand over text).  ``None`` or ``""`` means
    the default.  ``spell(name)`` is how the caller's user wrote the option's
    name, for the error messages.
    """
    filters = {name: _filter_values(spell(name), value) for name, value in
               (("author", author), ("affiliation", affiliation), ("source", source), ("tag", tag))}
    since_iso, until_iso = _date(spell("since"), since), _date(spell("until"), until)
    if since_iso and until_iso and date_bounds(since_iso)[0] > date_bounds(until_iso)[1]:
        raise QueryError(f"{spell('since')} ({since_iso}) is after {spell('until')} ({until_iso})")
    return SearchOptions(
        **filters,
        since=since_iso,
        until=until_iso,
        sort=_choice(spell("sort"), sort, SORTS),
        page=_whole(spell("page"), page, default=1, high=MAX_PAGE),
        limit=_whole(spell("limit"), limit, default=10, high=max_limit),
        match=_choice(spell("match"), match, MATCHES),
    )


def date_bounds(value: str) -> tuple[str, str]:
    """The first and last day (``YYYY-MM-DD``) of a ``YYYY[-MM[-DD]]`` period; else ``QueryError``."""
    # Checked again: this is public API, and unchecked text fails in int() or calendar.
    checked = _date("period", value)
    if checked is None:
        raise QueryError("period must be a date as YYYY, YYYY-MM or YYYY-MM-DD; got nothing")
    value = checked
    parts = value.split("-")
    year = int(parts[0])
    if len(parts) == 3:
        return value, value
    if len(parts) == 2:
        last = calendar.monthrange(year, int(parts[1]))[1]
        return f"{value}-01", f"{value}-{last:02d}"
    return f"{year:04d}-01-01", f"{year:04d}-12-31"


def _filter_values(name: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    # A string is one value: iterating it would filter on single letters.
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple, set, frozenset)) or not all(isinstance(v, str) for v in values):
        raise QueryError(f"{name} must be a string or a list of strings; got {_show(value)}")
    kept: dict[str, None] = {}
    for item in values:
        item = " ".join(item.split())  # spaces as typed do not make another value
        if item:
            kept[item] = None
    return tuple(kept)


def _date(name: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):  # a datetime is a date too: its day is taken
        return value.isoformat()[:10]
    problem = f"{name} must be a date as YYYY, YYYY-MM or YYYY-MM-DD; got {_show(value)}"
    if not isinstance(value, str):
        raise QueryError(problem)
    m = _DATE.fullmatch(value.strip())
    if not m or int(m.group(1)) < 1:
        raise QueryError(problem)
    year = int(m.group(1))
    if m.group(2) is None:
        return f"{year:04d}"
    month = int(m.group(2))
    if not 1 <= month <= 12:
        raise QueryError(problem)
    if m.group(3) is None:
        return f"{year:04d}-{month:02d}"
    day = int(m.group(3))
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise QueryError(problem)
    return f"{year:04d}-{month:02d}-{day:02d}"


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value is None or value == "":
        return allowed[0]
    if value not in allowed:
        raise QueryError(f"{name} must be one of {', '.join(allowed)}; got {_show(value)}")
    return str(value)


def _whole(name: str, value: Any, *, default: int, high: int) -> int:
    if value is None or value == "":
        return default
    # bool is an int in Python, and 2.7 or inf would be truncated or overflow:
    # only real whole numbers (or their digits) are taken.
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        number = int(value)
    else:
        raise QueryError(f"{name} must be a whole number; got {_show(value)}")
    if not 1 <= number <= high:
        raise QueryError(f"{name} must be between 1 and {high}; got {number}")
    return number


def _show(value: Any) -> str:
    """A value for an error message, cut short so no message is huge."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

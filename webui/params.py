"""Search parameters: read from a request once, written back into URLs.

Every page that searches (the HTML search page, the author page, the Atom
feed, the JSON API) reads its arguments with ``SearchParams.from_args`` so a
parameter means the same thing everywhere and is refused the same way.  The
same object writes links (facet toggles, chips, paging, sort), keeping the
whole state of a search in its URL.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

from search import MATCHES, SORTS

__all__ = ["ParamError", "SearchParams", "Limits", "FILTERS", "date_bounds", "read_format"]

# URL argument -> SearchParams attribute, for the repeatable exact-value filters.
# The argument names are the singular facet names, so a facet value and its
# filter share a name (author=..., facet "author").
FILTERS: dict[str, str] = {
    "author": "authors",
    "affiliation": "affiliations",
    "source": "sources",
    "tag": "tags",
}

# A page number beyond this is refused rather than handed to the ranker, which
# would collect page * per_page hits to show the last few.
MAX_PAGE = 10_000

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class ParamError(ValueError):
    """A request argument cannot be used; the message names it and says why."""


@dataclass(frozen=True)
class Limits:
    """Page sizes a blueprint allows: the default, the most, and a feed's length."""

    per_page: int = 10
    max_per_page: int = 100
    feed_size: int = 20

    def __post_init__(self) -> None:
        for name in ("per_page", "max_per_page", "feed_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1; got {value!r}")
        if self.per_page > self.max_per_page:
            raise ValueError(f"per_page ({self.per_page}) is more than max_per_page ({self.max_per_page})")


def read_format(args: Any) -> str:
    """The ``format`` argument: ``html`` (default) or ``json``; else ``ParamError``."""
    value = (_list_getter(args)("format") or ["html"])[-1].strip() or "html"
    if value not in ("html", "json"):
        raise ParamError(f"format must be html or json; got {value!r}")
    return value


@dataclass(frozen=True)
class SearchParams:
    """What to search for and how to show it, as given in a URL.

    ``since`` and ``until`` are ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` and
    inclusive.  ``default_per_page`` is not a parameter: it lets ``to_args``
    leave a default page size out of URLs.
    """

    q: str = ""
    authors: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    match: str = "all"
    # Fuse with sentence embeddings (``semantic=1``; needs an index built with them).
    semantic: bool = False
    default_per_page: int = field(default=10, compare=False, repr=False)

    # -- reading ------------------------------------------------------------

    @classmethod
    def from_args(cls, args: Any, limits: Limits | None = None) -> "SearchParams":
        """Read request arguments (a werkzeug ``MultiDict`` or a plain mapping).

        Empty values count as absent, because an HTML form submits its empty
        fields.  Unknown arguments are ignored.  Raises ``ParamError``.
        """
        limits = limits or Limits()
        get_list = _list_getter(args)

        def one(name: str) -> str:
            values = get_list(name)
            return values[-1].strip() if values else ""

        filters = {attr: _unique(get_list(name)) for name, attr in FILTERS.items()}
        since, until = _date_arg("since", one("since")), _date_arg("until", one("until"))
        if since and until and date_bounds(since)[0] > date_bounds(until)[1]:
            raise ParamError(f"since ({since}) is after until ({until})")
        sort = one("sort") or "relevance"
        if sort not in SORTS:
            raise ParamError(f"sort must be one of {', '.join(SORTS)}; got {sort!r}")
        match = one("match") or "all"
        if match not in MATCHES:
            raise ParamError(f"match must be one of {', '.join(MATCHES)}; got {match!r}")
        page = _int_arg("page", one("page"), default=1, low=1, high=MAX_PAGE)
        size = _int_arg("per_page", one("per_page"), default=limits.per_page, low=1, high=limits.max_per_page)
        semantic = one("semantic") or "0"
        if semantic not in ("0", "1"):
            raise ParamError(f"semantic must be 1 or 0; got {semantic!r}")
        q_values = get_list("q")
        return cls(
            semantic=semantic == "1",
            q=q_values[-1] if q_values else "",
            since=since,
            until=until,
            sort=sort,
            page=page,
            per_page=size,
            match=match,
            default_per_page=limits.per_page,
            **filters,
        )

    # -- using --------------------------------------------------------------

    def search_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``Index.search``."""
        extra = {"semantic": True} if self.semantic else {}
        return {
            **extra,
            "authors": list(self.authors),
            "affiliations": list(self.affiliations),
            "sources": list(self.sources),
            "tags": list(self.tags),
            "date_from": self.since,
            "date_to": self.until,
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
            "match": self.match,
        }

    @property
    def has_filters(self) -> bool:
        """True when any filter (exact values or dates) narrows the search."""
        return bool(self.authors or self.affiliations or self.sources or self.tags or self.since or self.until)

    def values(self, name: str) -> tuple[str, ...]:
        """The active values of a filter by its URL name (``author`` ...)."""
        return getattr(self, FILTERS[name])

    # -- writing URLs -------------------------------------------------------

    def to_args(self, **changes: Any) -> dict[str, Any]:
        """URL arguments for this search with ``changes`` applied (names as in URLs).

        Defaults are left out so links stay short.  Any change other than
        ``page`` itself sends the reader back to page 1, since the old page
        number means nothing in the new result set.
        """
        if "page" not in changes:
            changes["page"] = 1
        state = self
        plain = {k: v for k, v in changes.items() if k not in FILTERS}
        state = replace(state, **plain)
        for name, attr in FILTERS.items():
            if name in changes:
                state = replace(state, **{attr: tuple(changes[name] or ())})
        args: dict[str, Any] = {}
        if state.q:
            args["q"] = state.q
        for name, attr in FILTERS.items():
            if getattr(state, attr):
                args[name] = list(getattr(state, attr))
        if state.since:
            args["since"] = state.since
        if state.until:
            args["until"] = state.until
        if state.sort != "relevance":
            args["sort"] = state.sort
        if state.match != "all":
            args["match"] = state.match
        if state.semantic:
            args["semantic"] = 1
        if state.per_page != self.default_per_page:
            args["per_page"] = state.per_page
        if state.page != 1:
            args["page"] = state.page
        return args

    def toggle(self, name: str, value: str) -> dict[str, Any]:
        """URL arguments with one filter value added, or removed if present."""
        current = self.values(name)
        if value in current:
            return self.to_args(**{name: [v for v in current if v != value]})
        return self.to_args(**{name: [*current, value]})

    def period_args(self, since: str | None, until: str | None) -> dict[str, Any]:
        """URL arguments restricted to a period, or unrestricted if it is the active one."""
        if (since, until) == (self.since, self.until):
            return self.to_args(since=None, until=None)
        return self.to_args(since=since, until=until)


def date_bounds(value: str) -> tuple[str, str]:
    """The first and last day (``YYYY-MM-DD``) of a ``YYYY[-MM[-DD]]`` period."""
    m = _DATE.match(value)
    if not m:
        raise ParamError(f"not a date: {value!r}")
    year = int(m.group(1))
    if m.group(3):
        return value, value
    if m.group(2):
        month = int(m.group(2))
        last = calendar.monthrange(year, month)[1]
        return f"{value}-01", f"{value}-{last:02d}"
    return f"{year:04d}-01-01", f"{year:04d}-12-31"


def _date_arg(name: str, value: str) -> str | None:
    """A valid ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` or None; else ``ParamError``."""
    if not value:
        return None
    m = _DATE.match(value)
    problem = f"{name} must be a date as YYYY, YYYY-MM or YYYY-MM-DD; got {value!r}"
    if not m or int(m.group(1)) < 1:
        raise ParamError(problem)
    if m.group(2):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise ParamError(problem)
        if m.group(3) and not 1 <= int(m.group(3)) <= calendar.monthrange(int(m.group(1)), month)[1]:
            raise ParamError(problem)
    return value


def _int_arg(name: str, value: str, *, default: int, low: int, high: int) -> int:
    if not value:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", value):
        raise ParamError(f"{name} must be a whole number; got {value!r}")
    number = int(value)
    if not low <= number <= high:
        raise ParamError(f"{name} must be between {low} and {high}; got {number}")
    return number


def _unique(values: Sequence[str]) -> tuple[str, ...]:
    """Non-empty values, each once, in the order given."""
    seen: list[str] = []
    for value in values:
        value = value.strip()
        if value and value not in seen:
            seen.append(value)
    return tuple(seen)


def _list_getter(args: Any) -> Callable[[str], list[str]]:
    """A function returning every value of an argument, for MultiDicts and dicts alike."""
    if hasattr(args, "getlist"):
        return lambda name: [str(v) for v in args.getlist(name)]

    def get_list(name: str) -> list[str]:
        value = args.get(name) if isinstance(args, Mapping) else None
        if value is None:
            return []
        if isinstance(value, (list, tuple)):
            return [str(v) for v in value]
        return [str(value)]

    return get_list

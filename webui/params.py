"""Search parameters: read from a request once, written back into URLs.

Every page that searches (the HTML search page, the author page, the Atom
feed, the JSON API) reads its arguments with ``SearchParams.from_args`` so a
parameter means the same thing everywhere and is refused the same way.  The
same object writes links (facet toggles, chips, paging, sort), keeping the
whole state of a search in its URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

from search import FILTERS, QueryError, SearchOptions, check_options, date_bounds

__all__ = ["ParamError", "SearchParams", "Limits", "FILTERS", "date_bounds", "read_format"]

# URL arguments renamed when the library, the CLI and the URL took one
# vocabulary: an old link is told the new name instead of being ignored.
_RENAMED = {"per_page": "limit", "date_from": "since", "date_to": "until"}

# Every link on a results page (facet toggles, chips, pager, timeline) repeats
# the whole search, so the size of a page grows with the number and length of
# filter values times the number of links: these caps keep it bounded.  A
# filter list beyond them is refused, not cut, so a URL never means less than
# it says; q is cut, because a query never fails.
MAX_VALUES_PER_FILTER = 10   # values of one filter (author=a&author=b ...)
MAX_FILTER_VALUES = 20       # values of all filters together
MAX_VALUE_CHARS = 200        # characters of one filter value
MAX_Q_CHARS = 2_000          # characters of q kept (the engine reads the first 1,000)


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
class SearchParams(SearchOptions):
    """What to search for and how to show it, as given in a URL.

    The options of ``Index.search`` under its names (``author``, ``since``,
    ``limit`` ...), which are the URL's names, plus the query ``q``.
    ``default_limit`` is not a parameter: it lets ``to_args`` leave a default
    page size out of URLs.
    """

    q: str = ""
    # Fuse with sentence embeddings (``semantic=1``; needs an index built with them).
    semantic: bool = False
    default_limit: int = field(default=10, compare=False, repr=False)

    # -- reading ------------------------------------------------------------

    @classmethod
    def from_args(cls, args: Any, limits: Limits | None = None) -> "SearchParams":
        """Read request arguments (a werkzeug ``MultiDict`` or a plain mapping).

        Empty values count as absent, because an HTML form submits its empty
        fields.  Unknown arguments are ignored.  Values are checked by
        ``search.check_options``, as ``Index.search`` checks them.  Raises
        ``ParamError``.
        """
        limits = limits or Limits()
        get_list = _list_getter(args)

        def one(name: str) -> str:
            values = get_list(name)
            return values[-1].strip() if values else ""

        for old, new in _RENAMED.items():
            if get_list(old):
                raise ParamError(f"{old} is now called {new}")
        filters = {name: _capped_values(name, get_list(name)) for name in FILTERS}
        total = sum(len(values) for values in filters.values())
        if total > MAX_FILTER_VALUES:
            raise ParamError(f"at most {MAX_FILTER_VALUES} filter values in all may be given; got {total}")
        try:
            options = check_options(
                **filters,
                since=one("since"),
                until=one("until"),
                sort=one("sort"),
                page=one("page"),
                limit=one("limit") or limits.per_page,
                match=one("match"),
                max_limit=limits.max_per_page,
            )
        except QueryError as exc:
            raise ParamError(str(exc)) from None
        q_values = get_list("q")
        # Cut, not refused: a query never fails, and the engine reads (and
        # says it reads) only its first 1,000 characters anyway.
        q = q_values[-1][:MAX_Q_CHARS] if q_values else ""
        semantic = one("semantic") or "0"
        if semantic not in ("0", "1"):
            raise ParamError(f"semantic must be 1 or 0; got {semantic!r}")
        return cls(q=q, default_limit=limits.per_page, semantic=semantic == "1", **options.as_kwargs())

    # -- using --------------------------------------------------------------

    def search_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``Index.search`` (the same names, ``q`` aside)."""
        extra = {"semantic": True} if self.semantic else {}
        return {**SearchOptions.as_kwargs(self), **extra}

    @property
    def has_filters(self) -> bool:
        """True when any filter (exact values or dates) narrows the search."""
        return bool(self.author or self.affiliation or self.source or self.tag or self.since or self.until)

    def values(self, name: str) -> tuple[str, ...]:
        """The active values of a filter by its name (``author`` ...)."""
        if name not in FILTERS:
            raise KeyError(name)
        return getattr(self, name)

    # -- writing URLs -------------------------------------------------------

    def to_args(self, **changes: Any) -> dict[str, Any]:
        """URL arguments for this search with ``changes`` applied (names as in URLs).

        Defaults are left out so links stay short.  Any change other than
        ``page`` itself sends the reader back to page 1, since the old page
        number means nothing in the new result set.
        """
        if "page" not in changes:
            changes["page"] = 1
        plain = {k: v for k, v in changes.items() if k not in FILTERS}
        state = replace(self, **plain)
        for name in FILTERS:
            if name in changes:
                state = replace(state, **{name: tuple(changes[name] or ())})
        args: dict[str, Any] = {}
        if state.q:
            args["q"] = state.q
        for name in FILTERS:
            if getattr(state, name):
                args[name] = list(getattr(state, name))
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
        if state.limit != self.default_limit:
            args["limit"] = state.limit
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


def _capped_values(name: str, values: list[str]) -> list[str]:
    """A filter's values if within the caps; else ``ParamError``.

    Counted before anything else is done with them, so a URL with thousands
    of values is refused in time linear in its length.
    """
    if len(values) > MAX_VALUES_PER_FILTER:
        raise ParamError(f"{name} may be given at most {MAX_VALUES_PER_FILTER} times; got {len(values)}")
    for value in values:
        if len(value) > MAX_VALUE_CHARS:
            raise ParamError(f"a value of {name} must be at most {MAX_VALUE_CHARS} characters; got {len(value):,}")
    return values


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

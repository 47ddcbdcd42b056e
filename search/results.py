"""What a search returns: plain dataclasses, ready for JSON."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any

from .document import join_names

__all__ = ["Hit", "Snippet", "FacetValue", "SearchResults", "mark_html"]


def mark_html(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` HTML-escaped, each of ``spans`` wrapped in ``<mark>``.

    The one place a snippet or highlight becomes HTML.  Spans index the
    plain text and each piece is escaped on its own, so a mark can never
    open or close inside an entity; spans that overlap an earlier one or
    fall outside the text are skipped.
    """
    out, pos = [], 0
    for start, end in spans:
        if start < pos or end > len(text) or start >= end:
            continue
        out.append(html.escape(text[pos:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


@dataclass
class Snippet:
    """A short passage of a hit's body and where the query matched in it.

    ``text`` is plain text (white space folded, " … " where passages were
    cut or joined); ``spans`` are ``(start, end)`` character offsets into
    ``text`` (Unicode code points, end exclusive), in order and not
    overlapping.
    """

    text: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)

    def html(self) -> str:
        """The text, escaped, with every span in ``<mark>``."""
        return mark_html(self.text, self.spans)

    def __bool__(self) -> bool:
        return bool(self.text)


@dataclass
class Hit:
    """One matching document as shown in a result list.

    ``excerpt`` is the snippet as structure (text and match spans);
    ``snippet`` is the same as HTML: escaped text with matched words in
    ``<mark>``.  ``score`` is None when results are sorted by date.
    """

    id: str
    title: str
    authors: list[str]
    affiliation: str
    date: str | None
    source: str
    url: str
    tags: list[str]
    format: str
    score: float | None
    excerpt: Snippet
    rank: int

    @property
    def snippet(self) -> str:
        """The snippet as HTML (``Snippet.html``): escaped, matches in ``<mark>``."""
        return self.excerpt.html()

    @property
    def author(self) -> str:
        """The authors as one display string."""
        return join_names(self.authors)

    @property
    def year(self) -> int | None:
        """The year of ``date``, if known."""
        return int(self.date[:4]) if self.date else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (with ``author``, ``year`` and the ``snippet`` HTML added)."""
        data = asdict(self)
        data["excerpt"]["spans"] = [list(span) for span in self.excerpt.spans]
        data["snippet"] = self.snippet
        data["author"] = self.author
        data["year"] = self.year
        return data


@dataclass
class FacetValue:
    """One value of a facet and how many matching documents have it.

    ``count`` is what choosing this value alone would show: the matches that
    have it and pass every other facet's filter.  ``adds`` is set on the
    values of a facet that is filtered on: how many of those the filter now
    leaves out (0 for a chosen value), i.e. what choosing it as well adds.
    ``selected`` is true for the values a filter chose (as stored, whatever
    the case or the part of the name the filter was given in).
    """

    value: str | int
    count: int
    adds: int | None = None
    selected: bool = False


@dataclass
class SearchResults:
    """A page of results, facet counts over all matches, and what was repaired.

    ``limit`` is the page size asked for; ``filters`` echoes the filters
    under the option names (``author``, ``affiliation``, ``source``, ``tag``,
    ``since``, ``until``) with dates written as ISO.

    ``suggestion`` is a corrected query ("did you mean") or None; ``notice``
    explains anything the engine changed in the query, or None.  When
    ``corrected`` is true, ``query`` matched nothing and the hits, total and
    facets are those of ``suggestion`` instead ("showing results for").
    """

    query: str
    total: int
    page: int
    limit: int
    sort: str
    match: str
    filters: dict[str, Any]
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None
    notice: str | None = None
    took: float = 0.0
    corrected: bool = False

    @property
    def pages(self) -> int:
        """How many pages the results fill."""
        return (self.total + self.limit - 1) // self.limit

    def to_dict(self) -> dict[str, Any]:
        """Exactly what ``commentary search --json`` prints and the API returns."""
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "limit": self.limit,
            "pages": self.pages,
            "sort": self.sort,
            "match": self.match,
            "filters": self.filters,
            "took": round(self.took, 4),
            "suggestion": self.suggestion,
            "corrected": self.corrected,
            "notice": self.notice,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {
                name: [{"value": v.value, "count": v.count, "adds": v.adds, "selected": v.selected} for v in values]
                for name, values in self.facets.items()
            },
        }

"""The HTML pages: search, document, author.  Each has a JSON twin (``?format=json``).

Views read their arguments through ``SearchParams`` (``params.py``), ask the
shared ``Index`` (``holder.py``), and hand plain objects to the templates.
Links that change the search (facet toggles, chips, paging, sort, timeline)
are computed here from the parameters, so the whole state stays in the URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable
from urllib.parse import urlencode

from flask import g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from search import Document, Hit, Index, SearchResults

from .errors import Missing, wants_json
from .holder import get_index
from .jsonout import json_response
from .links import url
from .params import FILTERS, ParamError, SearchParams, read_format
from .render import display_date, render_body, safe_snippet, safe_url
from .timeline import build_timeline
from .tips import search_tips

__all__ = ["search_page", "document_page", "author_page", "read_params", "read_correct", "FacetGroup", "Chip", "Pager"]

# Builds a URL to the page being shown from URL arguments (search or author page).
LinkBuilder = Callable[..., str]

# Facets shown beside results, in this order, with their labels.
FACETS = (("author", "Author"), ("affiliation", "Affiliation"), ("source", "Source"), ("tag", "Topic"))
FACET_VALUES_SHOWN = 8  # the rest sit behind a "more" disclosure
MORE_LIKE_THIS = 5

# The date fields of the search form, and the other arguments a bad value of
# which can be left out: each is checked on its own, so that a bad one is
# named (a date beside its field) while the rest of the search still runs.
DATE_FIELDS = ("since", "until")
DROPPABLE = DATE_FIELDS + ("sort", "match", "page", "limit", "per_page", "date_from", "date_to")


def read_correct() -> bool:
    """False when the URL asks for the query as typed (``correct=0``), not its correction."""
    return request.args.get("correct", "1").strip() != "0"


def read_params() -> SearchParams:
    """This request's search parameters, within the blueprint's limits."""
    return SearchParams.from_args(request.args, g.commentary_limits)


# -- view models -----------------------------------------------------------------


@dataclass
class FacetValueLink:
    """One facet value: its count, whether it is an active filter, and the toggle URL."""

    value: str
    label: str
    count: int
    active: bool
    url: str
    adds: int | None = None  # set when other values of the facet are chosen: what a click adds

    @property
    def count_text(self) -> str:
        """The number shown: "+14" for what a click adds, else what it yields."""
        if self.adds is not None and not self.active:
            return f"+{self.adds:,}"
        return f"{self.count:,}" if self.count else ""

    @property
    def title(self) -> str:
        """The link's tooltip: what a click does, in words."""
        if self.active:
            return f"Remove filter: {self.label}"
        return f"{'Also' if self.adds is not None else 'Only'} {self.label}"


@dataclass
class FacetGroup:
    """One facet beside the results."""

    name: str
    label: str
    values: list[FacetValueLink] = field(default_factory=list)

    @property
    def shown(self) -> list[FacetValueLink]:
        """Values listed at once (active ones always among them)."""
        return self.values[:FACET_VALUES_SHOWN]

    @property
    def more(self) -> list[FacetValueLink]:
        """Values behind the "more" disclosure."""
        return self.values[FACET_VALUES_SHOWN:]


@dataclass
class Chip:
    """An active filter shown as a removable chip."""

    label: str
    value: str
    remove_url: str
    alternative: bool = False  # another value of the facet of the chip before: "or"


@dataclass
class PageLink:
    """A page number in the pager (``number`` None for a gap)."""

    number: int | None
    url: str = ""
    current: bool = False


@dataclass
class Pager:
    """Previous/next links and a window of page numbers."""

    prev_url: str | None
    next_url: str | None
    pages: list[PageLink]


def facet_groups(results: SearchResults, params: SearchParams, link: LinkBuilder,
                 names: tuple[tuple[str, str], ...] = FACETS) -> list[FacetGroup]:
    """Facets with toggle URLs; ``link(**args)`` builds a URL for the page being shown."""
    groups = []
    for name, label in names:
        active = params.values(name)
        engine_values = results.facets.get(name, [])
        listed = {str(v.value) for v in engine_values}
        # Values given in another spelling ("hamilton"), which the engine
        # resolved to a stored one ("Alexander Hamilton", then ``selected``).
        aliases = [value for value in active if value not in listed]
        without_aliases = link(**params.to_args(**{name: [v for v in active if v not in aliases]}))
        values = []
        for v in engine_values:
            value = str(v.value)
            by_alias = v.selected and value not in active and bool(aliases)
            values.append(FacetValueLink(value, value, v.count, value in active or by_alias,
                                         without_aliases if by_alias else link(**params.toggle(name, value)),
                                         v.adds if active else None))
        resolved = any(v.active and v.value not in active for v in values)
        # An active filter must stay visible (and removable) even when the
        # engine's top-N list of values no longer includes it.
        for value in active if not resolved else ():
            if value not in listed:
                values.insert(0, FacetValueLink(value, value, 0, True, link(**params.toggle(name, value))))
        values.sort(key=lambda v: not v.active)  # active first, otherwise the engine's order
        if values:
            groups.append(FacetGroup(name, label, values))
    years = [
        FacetValueLink(str(v.value), str(v.value), v.count,
                       params.since == params.until == str(v.value),
                       link(**params.period_args(str(v.value), str(v.value))))
        for v in sorted(results.facets.get("year", []), key=lambda v: -int(v.value))
    ]
    if years:
        years.sort(key=lambda v: not v.active)
        groups.insert(min(3, len(groups)), FacetGroup("year", "Year", years))
    return groups


def chips(params: SearchParams, link: LinkBuilder) -> list[Chip]:
    """Every active filter as a chip whose link removes it."""
    out = []
    labels = dict(FACETS)
    for name in FILTERS:
        for i, value in enumerate(params.values(name)):
            out.append(Chip(labels[name], value, link(**params.toggle(name, value)), alternative=i > 0))
    if params.since and params.since == params.until:
        out.append(Chip("Period", _period_label(params.since), link(**params.to_args(since=None, until=None))))
    else:
        if params.since:
            out.append(Chip("Since", _period_label(params.since), link(**params.to_args(since=None))))
        if params.until:
            out.append(Chip("Until", _period_label(params.until), link(**params.to_args(until=None))))
    return out


def pager(results: SearchResults, params: SearchParams, link: LinkBuilder, window: int = 2) -> Pager | None:
    """Paging links, or None when everything fits on one page."""
    last = results.pages
    if last <= 1:
        return None
    current = params.page
    numbers = sorted({1, last, *range(max(1, current - window), min(last, current + window) + 1)})
    pages: list[PageLink] = []
    previous = 0
    for n in numbers:
        if n - previous > 1:
            pages.append(PageLink(None))
        pages.append(PageLink(n, link(**params.to_args(page=n)), n == current))
        previous = n
    return Pager(
        prev_url=link(**params.to_args(page=current - 1)) if 1 < current <= last + 1 else None,
        next_url=link(**params.to_args(page=current + 1)) if current < last else None,
        pages=pages,
    )


def _period_label(value: str) -> str:
    if len(value) == 4:
        return value
    if len(value) == 7:
        return display_date(value + "-01").split(" ", 1)[1]
    return display_date(value)


def result_range(results: SearchResults) -> tuple[int, int]:
    """The rank of the first and last hit shown (0, 0 when none)."""
    if not results.hits:
        return 0, 0
    return results.hits[0].rank, results.hits[-1].rank


# -- views -------------------------------------------------------------------------


def search_page() -> ResponseReturnValue:
    """The search page: results, facets, timeline, chips, paging (``/`` and ``/search``).

    ``correct=0`` searches the query as typed even when it matches nothing
    and a correction would.  A bad date (``since=1788-13``) re-renders the
    page with 400, the search kept and the error beside its field; the JSON
    twin answers the JSON error instead.
    """
    fmt = read_format(request.args)
    arg_errors: dict[str, str] = {}
    try:
        params = read_params()
    except ParamError:
        if fmt == "json" or wants_json():
            raise  # machines get the one JSON error shape
        params, arg_errors = _params_without_bad_args()
    date_errors = {name: message for name, message in arg_errors.items() if name in DATE_FIELDS}
    index = get_index()
    results = index.search(params.q, correct=read_correct(), **params.search_kwargs())
    if fmt == "json":
        return json_response(results.to_dict())

    def link(**args: Any) -> str:
        return url("search", **args)

    browsing = not params.q.strip()
    hit_query = _hit_query(results, params)
    html = render_template(
        "commentary/search.html",
        params=params,
        form_params=params,
        results=results,
        first_last=result_range(results),
        facets=facet_groups(results, params, link),
        chips=chips(params, link),
        pager=pager(results, params, link),
        timeline=build_timeline(results.facets, params.since, params.until),
        link=link,
        examples=search_tips(index) if (browsing or not results.total) else (),
        browsing=browsing,
        hit_query=hit_query,
        hit_titles=hit_titles(index, results.hits, hit_query),
        arg_errors=arg_errors,
        date_errors=date_errors,
        date_input={name: request.args.get(name, "") for name in date_errors},
        date_example=next((h.date[:10] for h in results.hits if h.date and len(h.date) >= 10), None),
        semantic_available=index.has_embeddings,
    )
    return html, 400 if arg_errors else 200


def _params_without_bad_args() -> tuple[SearchParams, dict[str, str]]:
    """The request's parameters with its unusable ones left out, and why each is unusable.

    Re-raises the ``ParamError`` when what is wrong cannot be left out.
    """
    args = MultiDict(request.args)
    errors: dict[str, str] = {}
    for name in DROPPABLE:
        if name not in args:
            continue
        try:
            SearchParams.from_args({name: args.getlist(name)}, g.commentary_limits)
        except ParamError as exc:
            errors[name] = str(exc)
            args.poplist(name)
    if not errors:
        # Each date is fine on its own, so they contradict each other.
        try:
            SearchParams.from_args({name: args.get(name, "") for name in DATE_FIELDS})
        except ParamError as exc:
            errors["until"] = str(exc)
            for name in DATE_FIELDS:
                args.poplist(name)
    # Anything else wrong is answered by the error handler, as an error page.
    return SearchParams.from_args(args, g.commentary_limits), errors


def _hit_query(results: SearchResults, params: SearchParams) -> str:
    """The query whose words the hits match: the correction when one is shown."""
    if results.corrected and results.suggestion:
        return results.suggestion
    return params.q.strip()


def hit_titles(index: Index, hits: list[Hit], query: str) -> dict[str, Markup]:
    """Each hit's title (by id) as safe HTML, with the words matching ``query`` in ``<mark>``."""
    if not query.strip():
        return {}
    return {hit.id: safe_snippet(index.highlight(hit.title or hit.id, query)) for hit in hits}


def document_page(doc_id: str) -> ResponseReturnValue:
    """One document, its matches highlighted when reached with ``?q=``, and related pieces."""
    fmt = read_format(request.args)
    params = read_params()
    index = get_index()
    doc = index.get(doc_id)
    if doc is None:
        raise Missing(f"There is no document with the id “{_shorten(doc_id)}”. It may have been removed from the index.")
    body = render_body(doc, index, params.q)
    if fmt == "json":
        return json_response(document_json(doc, body.html))
    by_author: list[Hit] = []
    if doc.authors:
        same = index.search("", author=doc.authors, sort="newest", limit=MORE_LIKE_THIS + 1)
        by_author = [h for h in same.hits if h.id != doc.id][:MORE_LIKE_THIS]
    return render_template(
        "commentary/doc.html",
        doc=doc,
        source_url=safe_url(doc.url),
        body=body,
        q=params.q.strip(),
        title_html=safe_snippet(index.highlight(doc.title or doc.id, params.q)) if params.q.strip() else None,
        related=index.more_like(doc.id, limit=MORE_LIKE_THIS),
        by_author=by_author,
    )


def author_page(name: str) -> ResponseReturnValue:
    """Every piece by one author, newest first, with their affiliations and timeline."""
    fmt = read_format(request.args)
    # The author is in the path; author= arguments would only confuse the links.
    params = replace(read_params(), author=())
    index = get_index()
    kwargs = params.search_kwargs()
    kwargs["author"] = [name]
    if params.sort == "relevance" and not params.q.strip():
        kwargs["sort"] = "newest"
    probe = index.search("", author=name, limit=1, snippets=False)
    if probe.total == 0:
        # The engine's notice names the closest authors, if any.
        raise Missing(probe.notice or f"There is no commentary by “{_shorten(name)}” in the index.")
    if name not in probe.hits[0].authors:
        # A hand-typed URL rarely matches the byline's case and spacing, or
        # gives only a surname: the filter found the author, the URL names them.
        listed = _listed_author(probe.hits[0].authors, name)
        # The arguments are copied as a query string, never as url_for
        # keywords: names like endpoint, _external or _anchor are url_for's
        # own, and the Location stays relative (not built from Host).
        query = urlencode(list(request.args.items(multi=True)))
        return redirect(url("author", name=listed) + (f"?{query}" if query else ""))
    results = index.search(params.q, **kwargs)
    if fmt == "json":
        return json_response({"author": name, **results.to_dict()})

    def link(**args: Any) -> str:
        return url("author", name=name, **args)

    hit_query = _hit_query(results, params)
    return render_template(
        "commentary/author.html",
        name=name,
        author_page=name,
        params=params,
        results=results,
        first_last=result_range(results),
        facets=facet_groups(results, params, link, names=(("affiliation", "Affiliation"), ("source", "Source"))),
        chips=chips(params, link),
        pager=pager(results, params, link),
        timeline=build_timeline(results.facets, params.since, params.until),
        link=link,
        hit_query=hit_query,
        hit_titles=hit_titles(index, results.hits, hit_query),
    )


def _listed_author(authors: list[str], name: str) -> str:
    """Which of a document's authors a typed name stands for (the first if unsure)."""
    wanted = set(name.casefold().split())
    for author in authors:
        if wanted <= set(author.casefold().split()):
            return author
    return authors[0]


def document_json(doc: Document, body_html: str) -> dict[str, Any]:
    """A document as the API returns it: every field plus the rendered, sanitized ``html``."""
    data = doc.to_dict()
    data["html"] = str(body_html)
    return data


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"

"""Machine-readable descriptions: the Atom feed of a search, and OpenSearch.

Both are written with ``xml.etree`` rather than a template so every value is
escaped by the XML writer, and characters XML 1.0 forbids (control
characters a document may carry) are dropped first: one stray ``\\x0b`` in a
title would otherwise make the whole feed unreadable.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from flask import Response, g, request
from flask.typing import ResponseReturnValue

from search import Hit, SearchResults

from .holder import get_index
from .links import absolute_url
from .params import FILTERS, SearchParams
from .views import FACETS, read_params

__all__ = ["atom_feed", "opensearch_description", "ATOM_NS", "OPENSEARCH_NS"]

ATOM_NS = "http://www.w3.org/2005/Atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
SITE_NAME = "Commentary search"

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    """A value as text XML 1.0 can carry."""
    return _NOT_XML.sub("", str(value))


def _sub(parent: ET.Element, tag: str, text: object | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _timestamp(date: str | None) -> str | None:
    """An ISO date as an Atom timestamp (midnight UTC), or None."""
    if not date:
        return None
    try:
        return dt.date.fromisoformat(date[:10]).isoformat() + "T00:00:00Z"
    except ValueError:
        return None


def feed_title(params: SearchParams) -> str:
    """What the feed follows, in words: the query and the filters."""
    parts = [f"“{params.q.strip()}”"] if params.q.strip() else []
    labels = dict(FACETS)
    for name in FILTERS:
        values = params.values(name)
        if values:
            parts.append(f"{labels[name].lower()}: {' or '.join(values)}")
    if params.since:
        parts.append(f"since {params.since}")
    if params.until:
        parts.append(f"until {params.until}")
    return f"{SITE_NAME}: {', '.join(parts)}" if parts else f"{SITE_NAME}: latest commentary"


def atom_feed() -> ResponseReturnValue:
    """The newest matches of a search as an Atom feed (``/search.atom``, the search page's arguments)."""
    params = read_params()
    size = params.limit if request.args.get("limit") else g.commentary_limits.feed_size
    results = get_index().search(params.q, **{**params.search_kwargs(), "sort": "newest", "page": 1, "limit": size})
    body = build_atom(params, results)
    return Response(body, mimetype="application/atom+xml", content_type="application/atom+xml; charset=utf-8")


def build_atom(params: SearchParams, results: SearchResults) -> bytes:
    """The Atom document (RFC 4287) for a page of newest-first results."""
    args = params.to_args(sort="relevance", page=1)  # the feed is always newest first, page 1
    self_url = absolute_url("feed", **args)
    stamps = [s for s in (_timestamp(h.date) for h in results.hits) if s]
    updated = max(stamps) if stamps else dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    a = f"{{{ATOM_NS}}}"
    _sub(feed, a + "id", self_url)
    _sub(feed, a + "title", feed_title(params))
    _sub(feed, a + "subtitle", f"The newest of {results.total:,} matching pieces of commentary.")
    _sub(feed, a + "updated", updated)
    _sub(feed, a + "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, a + "link", rel="alternate", type="text/html",
         href=absolute_url("search", **params.to_args(sort="newest", page=1)))
    # A feed-level author keeps the feed valid when an entry names none.
    author = _sub(feed, a + "author")
    _sub(author, a + "name", SITE_NAME)
    _sub(feed, a + "generator", "commentary-search")
    for hit in results.hits:
        _entry(feed, hit, params.q.strip(), updated)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _entry(feed: ET.Element, hit: Hit, query: str, fallback_updated: str) -> None:
    a = f"{{{ATOM_NS}}}"
    entry = _sub(feed, a + "entry")
    _sub(entry, a + "id", absolute_url("doc", doc_id=hit.id))
    _sub(entry, a + "title", hit.title or hit.id)
    link_args = {"q": query} if query else {}
    _sub(entry, a + "link", rel="alternate", type="text/html",
         href=absolute_url("doc", doc_id=hit.id, **link_args))
    stamp = _timestamp(hit.date)
    _sub(entry, a + "updated", stamp or fallback_updated)
    if stamp:
        _sub(entry, a + "published", stamp)
    for name in hit.authors:
        author = _sub(entry, a + "author")
        _sub(author, a + "name", name)
        _sub(author, a + "uri", absolute_url("author", name=name))
    for tag in hit.tags:
        _sub(entry, a + "category", term=tag)
    byline = " · ".join(x for x in (hit.affiliation, hit.source) if x)
    summary = hit.excerpt.text  # plain text: the snippet's structure, no HTML to strip
    _sub(entry, a + "summary", f"{byline}: {summary}" if byline else summary)


def opensearch_description() -> ResponseReturnValue:
    """The OpenSearch description that lets browsers add this search engine."""
    ET.register_namespace("", OPENSEARCH_NS)
    o = f"{{{OPENSEARCH_NS}}}"
    root = ET.Element(o + "OpenSearchDescription")
    _sub(root, o + "ShortName", "Commentary")
    _sub(root, o + "Description", "Search opinion and analysis by author, affiliation, date and source.")
    _sub(root, o + "InputEncoding", "UTF-8")
    _sub(root, o + "Image", absolute_url("static", filename="favicon.svg"),
         type="image/svg+xml", width="64", height="64")
    # url_for would percent-encode the braces of the template parameters, so
    # they are appended to the built URL.
    _sub(root, o + "Url", type="text/html", method="get",
         template=absolute_url("search") + "?q={searchTerms}&page={startPage?}")
    _sub(root, o + "Url", type="application/atom+xml",
         template=absolute_url("feed") + "?q={searchTerms}")
    _sub(root, o + "Url", type="application/json",
         template=absolute_url("api_search") + "?q={searchTerms}&page={startPage?}")
    _sub(root, o + "Url", type="application/opensearchdescription+xml", rel="self",
         template=absolute_url("opensearch"))
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, content_type="application/opensearchdescription+xml; charset=utf-8")

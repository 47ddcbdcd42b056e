"""The blueprint: every page, feed and API of the web UI, over one ``Index``.

``create_blueprint(index)`` is for a host application that opened the index
itself; ``create_app`` (in ``app.py``) builds the same blueprint over an index
it opens from its configuration.  All links are built with ``url_for``
relative to the blueprint, so the pages work under any URL prefix.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, Response, g
from jinja2 import BaseLoader, FileSystemLoader, PrefixLoader

from search import Index

from . import api, feeds, views
from .assets import asset_url, cache_static
from .errors import register_error_handlers
from .holder import IndexHolder
from .links import BLUEPRINT_NAME, check_base_url, url
from .params import Limits
from .render import display_date, safe_snippet

__all__ = ["create_blueprint", "make_blueprint", "BLUEPRINT_NAME", "SECURITY_HEADERS", "add_security_headers", "template_helpers"]

# No inline script or style anywhere: the pages, the SVG timeline and the
# highlights use classes and SVG attributes only, so the policy can be strict.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class _Blueprint(Blueprint):
    """A blueprint whose templates are named ``commentary/<file>``.

    A host application's own templates win over a blueprint's in Flask, so
    plain names like ``base.html`` could be shadowed by the host's.  The files
    stay flat in ``templates/`` (as packaged) and are addressed under a prefix.
    """

    @property
    def jinja_loader(self) -> BaseLoader | None:  # type: ignore[override]
        assert self.root_path is not None
        return PrefixLoader({BLUEPRINT_NAME: FileSystemLoader(f"{self.root_path}/templates")})


def template_helpers() -> dict[str, Any]:
    """Names every template may use."""
    return {"url": url, "asset_url": asset_url, "display_date": display_date, "safe_snippet": safe_snippet}


def add_security_headers(response: Response) -> Response:
    """Set the security headers (CSP and friends) on a response."""
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response


def create_blueprint(index: Index, *, limits: Limits | None = None, name: str = BLUEPRINT_NAME,
                     base_url: str | None = None) -> Blueprint:
    """The web UI as a blueprint over an ``Index`` the host application opened.

    Mount it with ``app.register_blueprint(bp, url_prefix="/commentary")``.
    The host keeps ownership of ``index`` (the blueprint never closes it).
    ``limits`` sets the default and maximum page size and the feed length.
    ``base_url`` (``https://example.org``) is where the host application is
    reached from outside: the Atom feed and the OpenSearch description build
    their absolute links on it instead of on the request's ``Host`` header.
    """
    return make_blueprint(IndexHolder(index=index), limits=limits, name=name, base_url=base_url)


def make_blueprint(holder: IndexHolder, *, limits: Limits | None = None, name: str = BLUEPRINT_NAME,
                   base_url: str | None = None) -> Blueprint:
    """The blueprint over an ``IndexHolder`` (``create_app`` passes one that opens lazily)."""
    limits = limits or Limits()
    base = check_base_url(base_url)
    bp = _Blueprint(name, __name__, template_folder="templates",
                    static_folder="static", static_url_path="/assets")

    @bp.before_request
    def attach_state() -> None:
        # Per-blueprint state travels on g, so one app can mount two blueprints
        # over two indexes without them seeing each other.
        g.commentary_index_holder = holder
        g.commentary_limits = limits
        g.commentary_base_url = base

    bp.after_request(add_security_headers)
    bp.after_request(cache_static)
    bp.context_processor(template_helpers)
    register_error_handlers(bp)

    # Werkzeug answers "//doc/x" (merged slashes) and "/prefix" (missing
    # trailing slash) with a redirect to an absolute URL built from the Host
    # header; these rules take no part in either.
    rule = partial(bp.add_url_rule, merge_slashes=False)
    rule("/", "home", views.search_page, strict_slashes=False)
    rule("/search", "search", views.search_page)
    rule("/doc/<path:doc_id>", "doc", views.document_page)
    rule("/author/<path:name>", "author", views.author_page)
    rule("/search.atom", "feed", feeds.atom_feed)
    rule("/opensearch.xml", "opensearch", feeds.opensearch_description)
    rule("/healthz", "healthz", api.healthz)
    rule("/api/search", "api_search", api.api_search)
    rule("/api/doc/<path:doc_id>", "api_doc", api.api_document)
    return bp

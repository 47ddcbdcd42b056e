"""The application factory: configuration in layers, one ``Index`` per app.

Configuration is read, later layers winning, from

1. defaults (below),
2. ``config.py`` in the instance folder, if there is one,
3. environment variables prefixed ``COMMENTARY_`` (``COMMENTARY_INDEX_DIR``,
   ``COMMENTARY_PER_PAGE``, ``COMMENTARY_BASE_URL`` ...; values are read as JSON when they parse),
4. the ``config`` mapping given to ``create_app`` (tests).
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask

from .blueprint import add_security_headers, make_blueprint, template_helpers
from .compression import compress_response
from .errors import register_error_handlers
from .holder import IndexHolder
from .params import Limits

__all__ = ["create_app", "DEFAULTS"]

DEFAULTS: dict[str, Any] = {
    "PER_PAGE": 10,       # results per page unless the URL asks for limit
    "MAX_PER_PAGE": 100,  # a larger limit is refused with 400
    "FEED_SIZE": 20,      # entries in an Atom feed unless the URL asks for limit
    "URL_PREFIX": "",     # mount the pages under this path, e.g. "/commentary"
    "BASE_URL": "",       # public address, e.g. "https://example.org": absolute links in feeds use it, not Host
}


def create_app(config: Mapping[str, Any] | None = None, *, instance_path: str | None = None) -> Flask:
    """Create the web UI application.

    The index at ``INDEX_DIR`` is opened once, here, and shared by every
    request and thread.  If it is missing or unreadable the app still starts:
    its pages answer 503 until the index exists, then work without a restart.
    ``app.extensions["commentary"]`` is the ``IndexHolder``; call its
    ``close()`` when the app is discarded (tests).
    """
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path, static_folder=None)
    # No redirects from "//x" to "/x": werkzeug builds them from the Host
    # header (the blueprint's own rules opt out too, for host applications).
    app.url_map.merge_slashes = False
    app.config.from_mapping(DEFAULTS, INDEX_DIR=os.environ.get("COMMENTARY_INDEX") or "index")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("COMMENTARY")
    if config:
        app.config.from_mapping(config)

    limits = Limits(
        per_page=app.config["PER_PAGE"],
        max_per_page=app.config["MAX_PER_PAGE"],
        feed_size=app.config["FEED_SIZE"],
    )
    holder = IndexHolder(path=str(app.config["INDEX_DIR"]))
    holder.try_open()  # open now so the first request does not pay for it; 503s until it works
    app.extensions["commentary"] = holder

    prefix = str(app.config["URL_PREFIX"] or "").rstrip("/") or None
    app.register_blueprint(make_blueprint(holder, limits=limits, base_url=app.config["BASE_URL"]), url_prefix=prefix)
    # The blueprint answers its own pages; these cover URLs that match none of
    # them (404/405), so those too get the friendly page and the headers.
    register_error_handlers(app)
    app.context_processor(template_helpers)
    app.after_request(add_security_headers)
    # Compression is the serving application's business (a host application
    # mounting the blueprint may have its own, or a proxy that does it).
    app.after_request(compress_response)
    # Keep JSON in the order the engine writes it (query, total, ... hits, facets).
    app.json.sort_keys = False  # type: ignore[attr-defined]
    return app

"""gzip for text responses, when the client accepts it (an ``after_request``).

Pages, JSON, feeds, CSS and JavaScript shrink to a quarter or less.  Small
bodies and anything already encoded are left alone.
"""

from __future__ import annotations

import gzip

from flask import Response, request

__all__ = ["compress_response", "COMPRESSIBLE", "MIN_BYTES"]

COMPRESSIBLE = frozenset({
    "text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
    "application/json", "application/atom+xml", "application/opensearchdescription+xml",
    "image/svg+xml",
})
MIN_BYTES = 500  # below this the gzip header and a round of work buy nothing


def compress_response(response: Response) -> Response:
    """Gzip ``response`` in place if the request accepts gzip and the body is worth it."""
    response.vary.add("Accept-Encoding")
    if (
        request.method != "GET"
        or response.status_code < 200 or response.status_code in (204, 206, 304)
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
        or response.is_streamed and not response.direct_passthrough
        or request.accept_encodings.quality("gzip") <= 0
    ):
        return response
    # Static files come as a file wrapper; read them (they are small text files).
    response.direct_passthrough = False
    data = response.get_data()
    if len(data) < MIN_BYTES:
        return response
    response.set_data(gzip.compress(data, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag:
        # The bytes differ from the file's, so the tag may only match weakly.
        response.set_etag(etag, weak=True)
    return response

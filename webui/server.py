"""Serving the web UI with waitress (``commentary serve``).

waitress's defaults suit a server behind a reverse proxy; facing clients
directly, 100 idle connections held open for 120 s each lock everyone else
out.  The defaults here drop idle connections sooner and allow more of them,
and refuse request bodies (every page is a GET) and huge headers before they
are buffered.  A public deployment still belongs behind a reverse proxy
(see ``docs/security.md``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Flask, waitress and the app load when serving, not when `commentary search` starts
    from flask import Flask

__all__ = ["serve", "make_server", "CONNECTION_LIMIT", "CHANNEL_TIMEOUT"]

CONNECTION_LIMIT = 200        # open connections at once (waitress: 100)
CHANNEL_TIMEOUT = 15          # seconds an idle connection is kept (waitress: 120)
MAX_REQUEST_HEADER_SIZE = 65_536   # bytes of request line and headers (waitress: 256 KB)
MAX_REQUEST_BODY_SIZE = 65_536     # bytes of body; the app reads none (waitress: 1 GB)


def make_server(app: Flask, host: str = "127.0.0.1", port: int = 8000, threads: int = 4, *,
                connection_limit: int = CONNECTION_LIMIT, channel_timeout: int = CHANNEL_TIMEOUT) -> Any:
    """A waitress server for ``app``, bound but not yet running (``port=0`` picks a free port).

    Call ``run()`` to serve (blocks) and ``close()`` to stop; tests run it in a thread.
    ``connection_limit`` and ``channel_timeout`` (seconds) bound what idle
    clients can hold.  Raises ``ValueError`` for a value out of range and
    ``OSError`` when the address cannot be bound.
    """
    for name, value in (("threads", threads), ("connection_limit", connection_limit),
                        ("channel_timeout", channel_timeout)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a whole number of at least 1; got {value!r}")
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ValueError(f"port must be a whole number from 0 to 65535; got {port!r}")
    from waitress.server import create_server

    return create_server(
        app, host=host, port=port, threads=threads, ident="commentary",
        connection_limit=connection_limit, channel_timeout=channel_timeout,
        # Idle connections are looked for every cleanup_interval seconds
        # (waitress: 30), so a short timeout needs checks as frequent.
        cleanup_interval=max(1, min(30, channel_timeout // 2)),
        max_request_header_size=MAX_REQUEST_HEADER_SIZE,
        max_request_body_size=MAX_REQUEST_BODY_SIZE,
    )


def serve(index_dir: Path | str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8000, threads: int = 4, *,
          connection_limit: int = CONNECTION_LIMIT, channel_timeout: int = CHANNEL_TIMEOUT) -> None:
    """Serve the index at ``index_dir`` until interrupted; prints the URL.

    Builds nothing: ``commentary serve`` builds a missing index before calling this.
    """
    from .app import create_app

    app = create_app({"INDEX_DIR": str(index_dir)})
    server = make_server(app, host=host, port=port, threads=threads,
                         connection_limit=connection_limit, channel_timeout=channel_timeout)
    shown_host = f"[{host}]" if ":" in host else host
    port_used = getattr(server, "effective_port", port)
    print(f"Serving commentary search for {index_dir} on http://{shown_host}:{port_used}/  (Ctrl+C to stop)", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        app.extensions["commentary"].close()

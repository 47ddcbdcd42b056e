"""Serving the web UI with waitress (``commentary serve``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from waitress.server import create_server

from .app import create_app

__all__ = ["serve", "make_server"]


def make_server(app: Flask, host: str = "127.0.0.1", port: int = 8000, threads: int = 4) -> Any:
    """A waitress server for ``app``, bound but not yet running (``port=0`` picks a free port).

    Call ``run()`` to serve (blocks) and ``close()`` to stop; tests run it in a thread.
    """
    return create_server(app, host=host, port=port, threads=threads, ident="commentary")


def serve(index_dir: Path | str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8000, threads: int = 4) -> None:
    """Serve the index at ``index_dir`` until interrupted; prints the URL.

    Builds nothing: ``commentary serve`` builds a missing index before calling this.
    """
    app = create_app({"INDEX_DIR": str(index_dir)})
    server = make_server(app, host=host, port=port, threads=threads)
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

"""Serving the web UI (``commentary serve``): gunicorn workers on POSIX, else waitress.

A search is CPU-bound Python, so threads in one process share one core (the
GIL); using every core takes processes.  With ``workers`` above 1 (on POSIX)
a pre-forking gunicorn master binds the socket and forks that many workers,
each of which creates the app and opens the index *after* the fork: no
searcher or file handle is shared between processes, and the index files are
shared through the page cache instead.  Each worker's ``Index`` notices index
updates on disk as a single process does.  One worker, or Windows, keeps the
single-process waitress server.

waitress's defaults suit a server behind a reverse proxy; facing clients
directly, 100 idle connections held open for 120 s each lock everyone else
out.  The defaults here drop idle connections sooner and allow more of them,
and refuse request bodies (every page is a GET) and huge headers before they
are buffered.  A public deployment still belongs behind a reverse proxy
(see ``docs/security.md``).
"""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # Flask, waitress and the app load when serving, not when `commentary search` starts
    from flask import Flask

__all__ = ["serve", "make_server", "default_workers", "forking_supported", "gunicorn_options",
           "run_workers", "refuse_bodies", "stop_on_sigterm", "CONNECTION_LIMIT", "CHANNEL_TIMEOUT"]

CONNECTION_LIMIT = 200        # open connections at once (waitress: 100)
CHANNEL_TIMEOUT = 15          # seconds an idle connection is kept (waitress: 120)
MAX_REQUEST_HEADER_SIZE = 65_536   # bytes of request line and headers (waitress: 256 KB)
MAX_REQUEST_BODY_SIZE = 65_536     # bytes of body; the app reads none (waitress: 1 GB)
MAX_REQUEST_LINE = 8190            # bytes of request line under gunicorn (its most; its default is 4094)
WORKER_TIMEOUT = 60                # seconds a worker may stay silent before the master replaces it
GRACEFUL_TIMEOUT = 10              # seconds workers get to finish their requests on SIGTERM


def forking_supported() -> bool:
    """True where ``--workers`` above 1 can run: POSIX, with gunicorn installed."""
    if sys.platform == "win32":
        return False
    try:
        import gunicorn  # noqa: F401  (only asking whether it is there)
    except ImportError:
        return False
    return True


def default_workers() -> int:
    """One worker per core this process may run on (1 where forking is not supported).

    A search keeps one core busy for its whole duration and waits on nothing
    (the index is in the page cache), so one process per core is what keeps
    every core busy; more processes only add memory and contention.
    """
    if not forking_supported():
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS has no sched_getaffinity
        return max(1, os.cpu_count() or 1)


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
          connection_limit: int = CONNECTION_LIMIT, channel_timeout: int = CHANNEL_TIMEOUT,
          workers: int = 1) -> None:
    """Serve the index at ``index_dir`` until interrupted (Ctrl+C or SIGTERM); prints the URL.

    ``workers`` above 1 serves from that many gunicorn worker processes with
    ``threads`` threads each (POSIX only: ``ValueError`` elsewhere); 1 serves
    from this process with waitress.  Builds nothing: ``commentary serve``
    builds a missing index before calling this.
    """
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers must be a whole number of at least 1; got {workers!r}")
    if workers > 1:
        if not forking_supported():
            raise ValueError("more than one worker needs a POSIX system with gunicorn installed; "
                             "use --workers 1 (and --threads) here")
        serve_workers(index_dir, host=host, port=port, threads=threads, connection_limit=connection_limit,
                      channel_timeout=channel_timeout, workers=workers)
        return
    from .app import create_app

    app = create_app({"INDEX_DIR": str(index_dir)})
    server = make_server(app, host=host, port=port, threads=threads,
                         connection_limit=connection_limit, channel_timeout=channel_timeout)
    _announce(index_dir, host, getattr(server, "effective_port", port))
    stop_on_sigterm()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        app.extensions["commentary"].close()


def stop_on_sigterm() -> None:
    """Treat SIGTERM (a service manager stopping us) as Ctrl+C: the socket and index close, exit status 0."""
    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():  # only there can a handler be set
        signal.signal(signal.SIGTERM, interrupt)


def _announce(index_dir: Path | str | os.PathLike[str], host: str, port: int, workers: int = 1) -> None:
    """Print the URL served (the port actually bound, when 0 was asked for)."""
    shown_host = f"[{host}]" if ":" in host else host
    how = f" with {workers} worker processes" if workers > 1 else ""
    print(f"Serving commentary search for {index_dir} on http://{shown_host}:{port}/{how}  (Ctrl+C to stop)",
          flush=True)


def refuse_bodies(app: Flask, limit: int = MAX_REQUEST_BODY_SIZE) -> Callable[..., Any]:
    """``app`` as a WSGI callable that answers 413 to request bodies over ``limit`` bytes, unread.

    waitress refuses them itself; gunicorn passes them on, and every page is a GET.
    The answer is the app's own error (JSON or HTML, as asked for).
    """
    from .errors import error_response

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        length = str(environ.get("CONTENT_LENGTH") or "0")
        chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
        if chunked or not length.isdigit() or int(length) > limit:
            with app.request_context(environ):
                response = error_response(413, f"request bodies over {limit:,} bytes are refused")
            return response(environ, start_response)
        return app(environ, start_response)

    return guarded


def gunicorn_options(host: str, port: int, *, workers: int, threads: int, connection_limit: int,
                     channel_timeout: int) -> dict[str, Any]:
    """gunicorn settings for ``commentary serve --workers N`` (N > 1).

    gthread workers: a connection waits for its request in a poller, not in a
    thread, so idle clients are dropped after ``channel_timeout`` seconds as
    under waitress.  ``connection_limit`` is shared out between the workers.
    """
    per_worker = max(1, math.ceil(connection_limit / workers))
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [bind],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "worker_connections": per_worker,
        # Connections beyond the threads wait idle; a limit that leaves no room
        # for them keeps none (gunicorn would otherwise warn on every start).
        "keepalive": channel_timeout if per_worker > threads else 0,
        "timeout": WORKER_TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "limit_request_line": MAX_REQUEST_LINE,
        "proc_name": "commentary",
        "loglevel": "warning",
        "errorlog": "-",
        "accesslog": None,
        # No control socket file in the user's runtime folder: nothing here uses it.
        "control_socket_disable": True,
    }


def serve_workers(index_dir: Path | str | os.PathLike[str], host: str, port: int, *, workers: int, threads: int,
                  connection_limit: int, channel_timeout: int) -> None:
    """Run a gunicorn master with ``workers`` worker processes until SIGINT or SIGTERM.

    The master imports Flask and the app's modules (shared copy-on-write by
    the workers) but opens no index: each worker creates its app, and so
    opens the index, after the fork, and closes it when it exits.
    """
    from . import app as app_module  # imported before the fork, so the workers share its pages

    made: list[Flask] = []  # the app of this (worker) process, to close its index on exit

    def load() -> Callable[..., Any]:
        app = app_module.create_app({"INDEX_DIR": str(index_dir)})
        made.append(app)
        return refuse_bodies(app)

    def close() -> None:
        for app in made:
            app.extensions["commentary"].close()

    options = gunicorn_options(host, port, workers=workers, threads=threads,
                               connection_limit=connection_limit, channel_timeout=channel_timeout)
    run_workers(load, options, on_ready=lambda bound: _announce(index_dir, host, bound, workers), on_exit=close)


def run_workers(load: Callable[[], Callable[..., Any]], options: dict[str, Any], *,
                on_ready: Callable[[int], None], on_exit: Callable[[], None] = lambda: None) -> None:
    """Run gunicorn with ``options`` (see ``gunicorn_options``) until SIGINT or SIGTERM.

    ``load`` runs in each worker after the fork and returns its WSGI app;
    ``on_ready(port)`` runs in the master once it listens (the port bound,
    when 0 was asked for); ``on_exit`` runs in each worker as it exits.
    gunicorn stops the workers when the master is stopped, and a worker
    whose master died exits by itself.  The benchmarks serve their SQLite
    FTS5 reference app through this too, so both sit behind the same server.
    """
    from gunicorn.app.base import BaseApplication

    hooks = {"when_ready": lambda arbiter: on_ready(arbiter.LISTENERS[0].sock.getsockname()[1]),
             "worker_exit": lambda arbiter, worker: on_exit()}

    class Application(BaseApplication):  # type: ignore[misc]
        """gunicorn's embedding API: settings from a mapping, the app from ``load``."""

        def load_config(self) -> None:
            for name, value in {**options, **hooks}.items():
                if name in self.cfg.settings:  # control_socket_disable is recent
                    self.cfg.set(name, value)

        def load(self) -> Any:
            return load()

    Application().run()

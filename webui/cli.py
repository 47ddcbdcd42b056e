"""The full ``commentary`` command: ``search``'s commands plus ``serve``.

``serve`` lives here, not in ``search.cli``, because the engine never imports
Flask or ``webui``; this module sits above both and is the console script.
"""

from __future__ import annotations

import copy
import errno
import socket
from pathlib import Path

import click

# search.cli, not only the `search` API: this module extends that command group.
from search.cli import cli as search_cli, ensure_index, index_dir_option, library_errors

from . import server

__all__ = ["cli", "main", "serve_command"]


@click.command("serve")
@index_dir_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Worker processes, each with its own open index (POSIX). "
                   "[default: one per core; 1 on Windows, which serves from one process]")
# 4 threads, not 1: a search holds the GIL, so more threads buy no CPU (the same
# CPU per request at 100k), but with one a slow query (a phrase) makes its
# worker's other connections wait behind it.  docs/benchmarks.md, "Serving at
# 100,000 documents".
@click.option("--threads", type=click.IntRange(1, 1000), default=4, show_default=True,
              help="Threads per worker process.")
@click.option("--connection-limit", type=click.IntRange(min=1), default=server.CONNECTION_LIMIT, show_default=True,
              help="Most connections open at once.")
@click.option("--channel-timeout", type=click.IntRange(min=1), default=server.CHANNEL_TIMEOUT, show_default=True,
              help="Seconds an idle connection is kept open.")
@click.option("--source", "sources", multiple=True, type=click.Path(path_type=Path),
              help="Folder to build the index from when there is none (default ./seeds).")
@library_errors
def serve_command(index_dir: Path | None, host: str, port: int, workers: int | None, threads: int,
                  connection_limit: int, channel_timeout: int, sources: tuple[Path, ...]) -> None:
    """Serve the web UI and JSON API (building the index first if there is none)."""
    if workers is None:
        workers = server.default_workers()
    elif workers > 1 and not server.forking_supported():
        raise click.BadParameter("more than one worker process needs a POSIX system with gunicorn; "
                                 "use --workers 1 here", param_hint="'--workers'")
    # Built here, once, before any worker is forked: workers only open it.
    target = ensure_index(index_dir, sources)
    try:
        try_listening(host, port)
        # Looked up at call time (server.serve, not an imported name) so tests can stand in for it.
        server.serve(index_dir=target, host=host, port=port, threads=threads, workers=workers,
                     connection_limit=connection_limit, channel_timeout=channel_timeout)
    except OSError as exc:
        raise click.ClickException(listen_error(host, port, exc)) from None


def try_listening(host: str, port: int) -> None:
    """Bind host:port once and let go, raising ``OSError`` if that fails.

    Done before waitress starts: it reports an unknown host as a bare
    ValueError and leaves its socket open when the port is busy.
    """
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress does
        probe.bind(address)


def listen_error(host: str, port: int, exc: OSError) -> str:
    """Why the server cannot listen on host:port, and which option to change."""
    where = f"{host}:{port}"
    if isinstance(exc, socket.gaierror):
        return f"cannot serve on {host!r}: no such host or address; give one such as 127.0.0.1 with --host"
    if exc.errno == errno.EADDRINUSE:
        return f"cannot serve on {where}: the port is in use; choose another with --port (e.g. --port {port + 1})"
    if exc.errno == errno.EACCES:
        return f"cannot serve on {where}: permission denied; choose a port above 1023 with --port"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot serve on {where}: {host} is not an address of this machine; use --host 127.0.0.1 or --host 0.0.0.0"
    return f"cannot serve on {where}: {exc.strerror or exc}; try another --host or --port"


def with_serve(group: click.Group) -> click.Group:
    """A copy of ``group`` with ``serve`` added; ``group`` itself is left as it was.

    A copy, not ``group.add_command``: importing this module must not change
    what ``search.cli`` offers to those who embed it without the web UI.
    """
    full = copy.copy(group)
    full.commands = {**group.commands, "serve": serve_command}
    return full


cli = with_serve(search_cli)


def main() -> None:
    """Entry point of the ``commentary`` console script."""
    cli(prog_name="commentary")


if __name__ == "__main__":
    main()

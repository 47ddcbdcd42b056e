"""The SQLite FTS5 peer of the benchmarks: the same search, as a function, a one-shot script and a WSGI app.

The database is the one ``bench_engine.py`` builds from the corpus (tables
``doc``, ``doc_author`` and the FTS5 table ``fts``).  One search is what our
engine does by default: the top 10 by bm25 with snippets and their metadata,
the total, and author, source and year counts over every match.

* ``search(con, q, ...)``: that search, used by ``bench_engine.py``'s query runs.
* ``python benchmarks/fts5_reference.py search DB QUERY [--author A] [--since D --until D]``:
  the one-shot peer of ``commentary search`` (prints the top 10 as text; no
  facets, as our CLI shows none).
* ``python benchmarks/fts5_reference.py serve DB --port 0 --workers N``: the
  peer of ``commentary serve --workers N``, a minimal WSGI app answering
  ``/api/search`` and ``/healthz`` in JSON, behind the very same server
  (``webui.server``: gunicorn workers, or waitress for one), each worker
  opening the database after the fork.

Only the standard library is imported at the top, so that a one-shot run pays
for nothing else; the serving part imports ``webui.server`` when it serves.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__" and sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    # Run as a script, the benchmarks/ folder heads sys.path, and modules there
    # would shadow the standard library.  Put the repository root there instead.
    sys.path[0] = os.path.dirname(sys.path[0])

import json  # noqa: E402
import sqlite3  # noqa: E402
import threading  # noqa: E402
from typing import Any, Callable, Iterable  # noqa: E402
from urllib.parse import parse_qs  # noqa: E402

__all__ = ["FTS_COLUMNS", "FTS_WEIGHTS", "PER_PAGE", "connect", "match_expression", "search", "wsgi_app"]

PER_PAGE = 10
FTS_COLUMNS = ("title", "authors", "affiliation", "source", "tags", "body")
# bm25() weights per FTS column, title counting most, as a typical setup would.
FTS_WEIGHTS = (4.0, 2.0, 1.0, 1.0, 1.0, 1.0)

_FACETS = {
    "author": "SELECT a.author, count(*) FROM hits JOIN doc_author a ON a.doc = hits.id "
              "GROUP BY a.author ORDER BY 2 DESC",
    "source": "SELECT d.source, count(*) FROM hits JOIN doc d ON d.id = hits.id "
              "GROUP BY d.source ORDER BY 2 DESC",
    "year": "SELECT d.year, count(*) FROM hits JOIN doc d ON d.id = hits.id "
            "GROUP BY d.year ORDER BY 1",
}


def connect(db_path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open the database for searching (with the scratch table ``search`` fills)."""
    con = sqlite3.connect(db_path)
    con.execute("CREATE TEMP TABLE hits (id INTEGER PRIMARY KEY)")
    return con


def match_expression(q: str) -> str:
    """The FTS5 MATCH expression for our query text: a quoted phrase stays one; words are ANDed."""
    text = q.strip()
    if len(text) > 1 and text.startswith('"') and text.endswith('"'):
        return '"' + " ".join(text[1:-1].split()) + '"'
    return " ".join('"' + w.replace('"', "") + '"' for w in text.split())


def _where(match: str, authors: Iterable[str], since: str | None, until: str | None) -> tuple[str, list[Any]]:
    """The WHERE clause (on table ``fts``) and its parameters.

    Filters test ``+fts.rowid``: the unary plus keeps SQLite from handing the
    rowid list to FTS5 as an equality constraint, which would run the full-text
    match once per candidate row (about 17x slower for a date range).
    """
    where, params = ["fts MATCH ?"], [match]
    authors = list(authors)
    if authors:
        marks = ", ".join("?" * len(authors))
        where.append(f"+fts.rowid IN (SELECT doc FROM doc_author WHERE author IN ({marks}))")
        params += authors
    if since or until:
        where.append("+fts.rowid IN (SELECT id FROM doc WHERE date BETWEEN ? AND ?)")
        params += [since or "0000", until or "9999"]
    return " AND ".join(where), params


def search(con: sqlite3.Connection, match: str, authors: Iterable[str] = (), since: str | None = None,
           until: str | None = None, *, facets: bool = True) -> dict[str, Any]:
    """Top 10 by bm25 with snippets and metadata, the total, and (``facets``) counts over all matches."""
    where, params = _where(match, authors, since, until)
    weights = ", ".join(str(w) for w in FTS_WEIGHTS)
    body = FTS_COLUMNS.index("body")
    top = con.execute(
        f"SELECT fts.rowid, snippet(fts, {body}, '<mark>', '</mark>', '…', 24) FROM fts "
        f"WHERE {where} ORDER BY bm25(fts, {weights}) LIMIT {PER_PAGE}", params).fetchall()
    ids = [row[0] for row in top]
    marks = ", ".join("?" * len(ids))
    meta = {row[0]: row[1:] for row in con.execute(
        f"SELECT id, key, title, date, source, url FROM doc WHERE id IN ({marks})", ids)}
    hits = [dict(zip(("id", "title", "date", "source", "url"), meta[rowid]), snippet=snippet)
            for rowid, snippet in top]
    con.execute("DELETE FROM hits")
    con.execute(f"INSERT INTO hits SELECT fts.rowid FROM fts WHERE {where}", params)
    total = con.execute("SELECT count(*) FROM hits").fetchone()[0]
    counts = {name: con.execute(sql).fetchall() for name, sql in _FACETS.items()} if facets else {}
    return {"total": int(total), "hits": hits, "facets": counts}


# ---------------------------------------------------------------------------
# The reference web app
# ---------------------------------------------------------------------------


def wsgi_app(db_path: str) -> Callable[..., Any]:
    """A WSGI app answering ``/api/search?q=&author=&since=&until=`` and ``/healthz`` in JSON.

    One connection per thread, opened on its first request (so after the fork).
    """
    local = threading.local()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        con = getattr(local, "con", None)
        if con is None:
            con = local.con = connect(db_path)
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            body: dict[str, Any] = {"ok": True, "documents": con.execute("SELECT count(*) FROM doc").fetchone()[0]}
            status = "200 OK"
        elif path == "/api/search":
            args = parse_qs(environ.get("QUERY_STRING", ""))
            q = (args.get("q") or [""])[0]
            try:
                body = {"query": q, **search(con, match_expression(q), args.get("author", []),
                                             (args.get("since") or [None])[0], (args.get("until") or [None])[0])}
                status = "200 OK"
            except sqlite3.Error as exc:  # an FTS5 syntax error
                body, status = {"ok": False, "status": 400, "error": str(exc)}, "400 Bad Request"
        else:
            body, status = {"ok": False, "status": 404, "error": "not found"}, "404 Not Found"
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    return app


def serve(db_path: str, host: str, port: int, workers: int, threads: int) -> None:
    """Serve ``wsgi_app`` exactly as ``commentary serve`` serves ours (same server, workers, threads, limits)."""
    from webui import server

    def announce(bound: int) -> None:
        print(f"Serving FTS5 reference for {db_path} on http://{host}:{bound}/", flush=True)

    if workers > 1:
        options = server.gunicorn_options(host, port, workers=workers, threads=threads,
                                          connection_limit=server.CONNECTION_LIMIT,
                                          channel_timeout=server.CHANNEL_TIMEOUT)
        server.run_workers(lambda: wsgi_app(db_path), options, on_ready=announce)
        return
    waitress = server.make_server(wsgi_app(db_path), host=host, port=port, threads=threads)  # type: ignore[arg-type]
    announce(waitress.effective_port)
    server.stop_on_sigterm()
    try:
        waitress.run()
    except KeyboardInterrupt:
        pass
    finally:
        waitress.close()


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def _print_results(q: str, result: dict[str, Any]) -> None:
    """The top hits as text, as a one-shot search tool would print them."""
    print(f"Results 1–{len(result['hits'])} of {result['total']} for {q}")
    for rank, hit in enumerate(result["hits"], start=1):
        print(f"\n{rank:3}. {hit['title']}\n     {hit['date']} · {hit['source']}\n     {hit['snippet']}\n     {hit['id']}")


def main(argv: list[str] | None = None) -> int:
    """``search DB QUERY [--author A]... [--since D] [--until D]`` or ``serve DB [--port] [--workers] [--threads]``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("search", help="one search, printed as text")
    one.add_argument("db")
    one.add_argument("query")
    one.add_argument("--author", action="append", default=[])
    one.add_argument("--since")
    one.add_argument("--until")
    web = commands.add_parser("serve", help="serve /api/search behind webui.server")
    web.add_argument("db")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8001)
    web.add_argument("--workers", type=int, default=1)
    web.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    if args.command == "search":
        con = connect(args.db)
        _print_results(args.query, search(con, match_expression(args.query), args.author, args.since, args.until,
                                          facets=False))
        con.close()
        return 0
    serve(args.db, args.host, args.port, args.workers, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())

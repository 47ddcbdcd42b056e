"""Serving and fresh-process benchmark: our engine against SQLite FTS5, behind the same server.

Usage::

    python benchmarks/bench_serve.py --docs 10000 [--shape wordfreq] [--workers N] [--clients 16]
                                     [--requests 320] [--fresh 10] [--workdir DIR]

Reuses ``bench_engine.py``'s corpus, query set and index locations (building
either index if it is missing), then measures, ratios from the same run:

* serving: ``commentary serve --workers N`` and a minimal FTS5 WSGI app
  (``fts5_reference.py``) over the benchmark's FTS5 database, run by the same
  server code (``webui.server``) with the same workers and threads.
  ``--clients`` concurrent clients with keep-alive connections send the query
  set to the JSON API (``/api/search``: top 10, snippets, facets) after a
  warm-up (``--warmup`` requests per client, queries of another seed);
  requests per second, latency p50/p95, the workers' CPU time per request
  (which, unlike throughput, does not depend on what else runs on the
  machine), and the resident memory of each worker process afterwards.
* fresh process: a new interpreter imports the engine, opens the index and
  runs one query (snippets and facets included), timed from before the
  import; and a one-shot ``commentary search`` (``python -m webui.cli search``)
  against ``python benchmarks/fts5_reference.py search``, timed as wall time
  of the whole subprocess.  Each over the first ``--fresh`` queries,
  alternating the engines; medians.
* which heavy packages a one-shot ``commentary search`` imports
  (``python -X importtime``).

Results are printed as Markdown; progress goes to stderr.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__" and sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    # Run as a script, the benchmarks/ folder heads sys.path, and modules there
    # would shadow the standard library.  Put the repository root there instead.
    sys.path[0] = os.path.dirname(sys.path[0])

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlencode, urlsplit  # noqa: E402

from benchmarks import bench_engine as bench  # noqa: E402
from benchmarks import generate_corpus as gen  # noqa: E402

REPO_ROOT = bench.REPO_ROOT
FTS5_SCRIPT = REPO_ROOT / "benchmarks" / "fts5_reference.py"
ENGINES = ("ours", "fts5")
LABELS = {"ours": "ours (Whoosh)", "fts5": "SQLite FTS5"}
WARMUP_PER_CLIENT = 2  # default of --warmup
# Packages a one-shot `commentary search` has no use for (numpy only if the engine needs it).
HEAVY = ("flask", "werkzeug", "jinja2", "waitress", "gunicorn", "numpy", "yaml", "markdown", "bleach")
_URL = re.compile(r"(http://[\w.\[\]:-]+:\d+)/")


# ---------------------------------------------------------------------------
# Serving
# ---------------------------------------------------------------------------


def api_path(query: bench.Query) -> str:
    """The JSON API request for a benchmark query (the same URL for both engines)."""
    params: list[tuple[str, str]] = [("q", query.text()), ("limit", str(bench.PER_PAGE)),
                                     ("sort", "relevance"), ("match", "all")]
    params += [("author", a) for a in query.authors or ()]
    if query.date_from:
        params += [("since", query.date_from), ("until", query.date_to or "")]
    return "/api/search?" + urlencode(params)


def server_command(engine: str, index: Path, workers: int, threads: int) -> list[str]:
    """The command that serves ``engine``'s index on a free port."""
    if engine == "ours":
        return [sys.executable, "-m", "webui.cli", "serve", "--index-dir", str(index), "--host", "127.0.0.1",
                "--port", "0", "--workers", str(workers), "--threads", str(threads)]
    return [sys.executable, str(FTS5_SCRIPT), "serve", str(index), "--host", "127.0.0.1", "--port", "0",
            "--workers", str(workers), "--threads", str(threads)]


def _children(pid: int) -> list[int]:
    """Live child processes of ``pid`` (a gunicorn master's workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text(encoding="ascii")
            except OSError:
                continue
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) == pid and state != "Z":
                found.append(int(entry))
    return sorted(found)


def _memory_mb(pid: int) -> dict[str, float]:
    """Resident memory of a process, MiB: current (VmRSS), peak (VmHWM), and proportional (Pss).

    RSS counts pages shared with the master and the other workers (copy-on-write
    imports, the page cache of the index files) in full; Pss splits them.
    """
    values = {}
    for name in ("status", "smaps_rollup"):
        try:
            text = Path(f"/proc/{pid}/{name}").read_text(encoding="ascii")
        except OSError:
            continue
        for line in text.splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Pss"):
                values[key] = int(rest.split()[0]) / 1024.0
    return {"rss_mb": values.get("VmRSS", 0.0), "peak_mb": values.get("VmHWM", 0.0), "pss_mb": values.get("Pss", 0.0)}


def _cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) the processes ``pids`` have used so far, seconds.

    Unlike throughput, this does not depend on how many other processes share
    the cores: CPU per request is what an idle machine's throughput follows.
    """
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


class Server:
    """One engine's server process, started on a free port, stopped with SIGTERM."""

    def __init__(self, command: list[str], workers: int) -> None:
        self.proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        assert self.proc.stdout is not None
        seen = []
        for line in self.proc.stdout:
            seen.append(line)
            if match := _URL.search(line):
                self.base = match.group(1)
                break
        else:
            raise RuntimeError("server exited before serving:\n" + "".join(seen))
        # Keep draining its output, so a chatty server never blocks on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        self.workers = workers

    def worker_pids(self) -> list[int]:
        """The processes that answer requests: the workers, or the server itself when it has none."""
        if self.workers == 1:
            return [self.proc.pid]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            pids = _children(self.proc.pid)
            if len(pids) >= self.workers:
                return pids
            time.sleep(0.2)
        raise RuntimeError(f"only {len(_children(self.proc.pid))} of {self.workers} workers started")

    def stop(self) -> int:
        """SIGTERM, then wait; returns the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def _client(base: str, paths: list[str], latencies: list[float], errors: list[str]) -> None:
    """One client: send ``paths`` in order on one keep-alive connection, timing each."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
    for path in paths:
        start = time.perf_counter()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                errors.append(f"{response.status} {path}: {body[:200]!r}")
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{type(exc).__name__} {path}")
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
            continue
        latencies.append((time.perf_counter() - start) * 1000)
    conn.close()


def load(base: str, paths: list[str], clients: int) -> dict[str, Any]:
    """``clients`` concurrent clients sharing ``paths`` (client i starts at its own offset)."""
    per_client = max(1, len(paths) // clients)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    threads = []
    for i in range(clients):
        mine = [paths[(i * per_client + k) % len(paths)] for k in range(per_client)]
        threads.append(threading.Thread(target=_client, args=(base, mine, latencies[i], errors)))
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    flat = [x for group in latencies for x in group]
    return {"seconds": seconds, "requests": len(flat), "errors": errors, "latencies_ms": flat}


def serve_run(engine: str, index: Path, args: argparse.Namespace, paths: list[str],
              warmup: list[str]) -> dict[str, Any]:
    """Start ``engine``'s server, warm every worker, time the load, read worker memory, stop."""
    server = Server(server_command(engine, index, args.workers, args.threads), args.workers)
    try:
        pids = server.worker_pids()
        warm = (warmup * (args.clients * args.warmup // len(warmup) + 1))[:args.clients * args.warmup]
        if warm:
            load(server.base, warm, args.clients)
        cpu_before = _cpu_seconds(pids)
        result = load(server.base, paths, args.clients)
        result["cpu_seconds"] = _cpu_seconds(pids) - cpu_before
        result["workers"] = [_memory_mb(pid) for pid in pids]
        if args.workers > 1:
            result["master_rss_mb"] = _memory_mb(server.proc.pid)["rss_mb"]
    finally:
        status = server.stop()
    if status != 0:
        raise RuntimeError(f"{engine} server exited with status {status}")
    # Workers still running once the master has gone (orphans); none is the point.
    result["workers_left_after_sigterm"] = sum(1 for pid in pids if pid != server.proc.pid
                                              and _state(pid) not in ("gone", "Z"))
    return result


def _state(pid: int) -> str:
    """A process's state letter (Z: exited, not yet reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


# ---------------------------------------------------------------------------
# Fresh processes
# ---------------------------------------------------------------------------

_OURS_FRESH = """
import json, sys, time
start = time.perf_counter()
import search
ix = search.open_index(sys.argv[1])
opened = time.perf_counter()
q = json.loads(sys.argv[2])
kwargs = {"sort": "relevance", "page": 1, "limit": 10, "match": "all"}
if q["authors"]:
    kwargs["author"] = q["authors"]
if q["date_from"]:
    kwargs["since"], kwargs["until"] = q["date_from"], q["date_to"]
words = " ".join(q["words"])
res = ix.search(f'"{words}"' if q["phrase"] else words, **kwargs)
snippets = [hit.snippet for hit in res.hits]
facets = res.facets
end = time.perf_counter()
print(json.dumps({"import_open_ms": (opened - start) * 1000, "total_ms": (end - start) * 1000}))
"""

_FTS_FRESH = """
import json, sys, time
start = time.perf_counter()
from benchmarks import fts5_reference as fts
con = fts.connect(sys.argv[1])
opened = time.perf_counter()
q = json.loads(sys.argv[2])
words = " ".join(q["words"])
fts.search(con, fts.match_expression(f'"{words}"' if q["phrase"] else words), q["authors"] or (),
           q["date_from"], q["date_to"])
end = time.perf_counter()
print(json.dumps({"import_open_ms": (opened - start) * 1000, "total_ms": (end - start) * 1000}))
"""


def _env() -> dict[str, str]:
    """The environment of the children: this checkout's code first."""
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT)}


def fresh_first_query(engine: str, index: Path, query: bench.Query) -> dict[str, float]:
    """Import, open and one query (snippets, facets) in a new interpreter, timed from before the import."""
    code = _OURS_FRESH if engine == "ours" else _FTS_FRESH
    done = subprocess.run([sys.executable, "-c", code, str(index), json.dumps(asdict(query))], cwd=REPO_ROOT,
                          env=_env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{engine} fresh query failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def one_shot_command(engine: str, index: Path, query: bench.Query) -> list[str]:
    """``commentary search`` or the FTS5 one-shot script, for ``query``."""
    options: list[str] = []
    for author in query.authors or ():
        options += ["--author", author]
    if query.date_from:
        options += ["--since", query.date_from, "--until", query.date_to or ""]
    if engine == "ours":  # `--` ends the options: the rest is query text
        return [sys.executable, "-m", "webui.cli", "search", "--index-dir", str(index), *options, "--", query.text()]
    return [sys.executable, str(FTS5_SCRIPT), "search", str(index), *options, "--", query.text()]


def one_shot(engine: str, index: Path, query: bench.Query) -> float:
    """Wall time of the whole one-shot subprocess, ms."""
    start = time.perf_counter()
    done = subprocess.run(one_shot_command(engine, index, query), cwd=REPO_ROOT, env=_env(),
                          capture_output=True, text=True, check=False)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{engine} one-shot search failed:\n{done.stderr[-3000:]}")
    return elapsed


def import_profile(index: Path, query: bench.Query) -> dict[str, Any]:
    """Which heavy packages ``commentary search`` imports, and the slowest top-level imports."""
    command = one_shot_command("ours", index, query)
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], cwd=REPO_ROOT, env=_env(),
                          capture_output=True, text=True, check=False)
    cumulative: dict[str, int] = {}
    top_level: dict[str, int] = {}
    for line in done.stderr.splitlines():
        parts = line.split(":", 1)[-1].split("|")
        if not line.startswith("import time:") or len(parts) != 3 or not parts[1].strip().isdigit():
            continue  # the header, or another line of stderr
        name, total = parts[2].strip(), int(parts[1])
        cumulative[name] = total
        if len(parts[2]) - len(parts[2].lstrip()) == 1:  # imported by the command itself, not by a module
            top_level[name] = total
    loaded = sorted({name.split(".")[0] for name in cumulative} & set(HEAVY))
    slowest = sorted(top_level.items(), key=lambda item: -item[1])[:6]
    return {"heavy_loaded": loaded, "slowest_ms": [(n, us / 1000) for n, us in slowest],
            "modules": len(cumulative), "cumulative_ms": {n: us / 1000 for n, us in cumulative.items()}}


def fresh_runs(indexes: dict[str, Path], queries: list[bench.Query]) -> dict[str, dict[str, list[float]]]:
    """Both fresh-process measurements over ``queries``, the engines alternating query by query."""
    out: dict[str, dict[str, list[float]]] = {e: {"first": [], "import_open": [], "oneshot": []} for e in ENGINES}
    for i, query in enumerate(queries):
        order = ENGINES if i % 2 == 0 else ENGINES[::-1]
        for engine in order:
            first = fresh_first_query(engine, indexes[engine], query)
            out[engine]["first"].append(first["total_ms"])
            out[engine]["import_open"].append(first["import_open_ms"])
            out[engine]["oneshot"].append(one_shot(engine, indexes[engine], query))
    return out


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _ratio(ours: float, fts: float) -> str:
    return f"{ours / fts:.2f}×" if fts else "–"


def serving_table(runs: dict[str, dict[str, Any]]) -> str:
    """Throughput, latency and memory per engine, with ours/FTS5 ratios."""
    def row(name: str, pick: Any, digits: int = 1, ratio: bool = True) -> list[str]:
        ours, fts = pick(runs["ours"]), pick(runs["fts5"])
        return [name, bench._fmt(ours, digits), bench._fmt(fts, digits), _ratio(ours, fts) if ratio else ""]

    def pct(p: float) -> Any:
        return lambda r: bench._percentile(r["latencies_ms"], p)

    rows = [
        row("requests answered", lambda r: float(r["requests"]), 0, False),
        row("errors", lambda r: float(len(r["errors"])), 0, False),
        row("throughput (req/s)", lambda r: r["requests"] / r["seconds"]),
        row("latency p50 (ms)", pct(50)),
        row("latency p95 (ms)", pct(95)),
        row("latency mean (ms)", lambda r: statistics.fmean(r["latencies_ms"])),
        row("worker CPU per request (ms)", lambda r: 1000 * r["cpu_seconds"] / max(1, r["requests"])),
        row("RSS per worker after the run, max (MiB)", lambda r: max(w["rss_mb"] for w in r["workers"]), 0),
        row("peak RSS per worker, max (MiB)", lambda r: max(w["peak_mb"] for w in r["workers"]), 0),
        row("proportional set size (Pss) per worker, max (MiB)", lambda r: max(w["pss_mb"] for w in r["workers"]), 0),
        row("workers left after SIGTERM", lambda r: float(r["workers_left_after_sigterm"]), 0, False),
    ]
    if "master_rss_mb" in runs["ours"]:
        rows.append(row("gunicorn master RSS (MiB)", lambda r: r["master_rss_mb"], 0, False))
    return bench.markdown_table(["serving", LABELS["ours"], LABELS["fts5"], "ours / FTS5"], rows)


def fresh_table(fresh: dict[str, dict[str, list[float]]]) -> str:
    """Medians (and p95) of the fresh-process measurements, with ratios."""
    rows = []
    for key, name in (("import_open", "import + open index (ms)"),
                      ("first", "import + open + first query (ms)"),
                      ("oneshot", "one-shot `search` subprocess, wall (ms)")):
        ours, fts = statistics.median(fresh["ours"][key]), statistics.median(fresh["fts5"][key])
        rows.append([f"{name}, median", bench._fmt(ours), bench._fmt(fts), _ratio(ours, fts)])
        ours95, fts95 = bench._percentile(fresh["ours"][key], 95), bench._percentile(fresh["fts5"][key], 95)
        rows.append([f"{name}, p95", bench._fmt(ours95), bench._fmt(fts95), _ratio(ours95, fts95)])
    return bench.markdown_table(["fresh process", LABELS["ours"], LABELS["fts5"], "ours / FTS5"], rows)


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ensure_indexes(corpus: Path, indexes: dict[str, Path]) -> dict[str, str]:
    """Build each engine's index unless it is already there; says which were reused."""
    how = {}
    for engine, prefix in (("ours", "ours"), ("fts5", "fts")):
        path = indexes[engine]
        if path.exists():
            how[engine] = "reused"
            continue
        _log(f"building {LABELS[engine]} at {path}")
        build = bench.run_child({"task": f"{prefix}-build", "corpus": str(corpus), "index": str(path)})
        how[engine] = f"built in {build['seconds']:.0f} s"
    return how


def run(args: argparse.Namespace) -> str:
    """The whole benchmark; returns the Markdown report."""
    load_at_start = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    workdir = (args.workdir or bench.DEFAULT_WORKDIR).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    corpus, _ = bench.ensure_corpus(workdir, args.docs, args.seed, args.markdown_share, args.shape)
    indexes = bench.index_paths(workdir, args.docs, args.shape)
    built = ensure_indexes(corpus, indexes)
    queries = bench.make_queries(args.queries, args.seed, args.shape, args.docs)
    # Warm-up queries come from another seed: warm caches, not the timed queries' own answers.
    warmup = bench.make_queries(max(bench.WARMUP_QUERIES, args.clients * args.warmup), args.seed + 1000,
                                args.shape, args.docs)
    paths = [api_path(q) for q in queries]
    paths = (paths * (args.requests // len(paths) + 1))[:args.requests]
    warm = [api_path(q) for q in warmup]

    out = []
    if not args.fresh_only:
        runs = {}
        order = ENGINES if not args.fts5_first else ENGINES[::-1]
        for engine in order:
            _log(f"serving {LABELS[engine]}: {args.workers} workers × {args.threads} threads, {args.clients} clients")
            runs[engine] = serve_run(engine, indexes[engine], args, paths, warm)
            _log(f"  {runs[engine]['requests'] / runs[engine]['seconds']:.1f} req/s, "
                 f"{len(runs[engine]['errors'])} errors")
            for error in runs[engine]["errors"][:5]:
                _log(f"  error: {error}")
        out += ["## Serving", "", serving_table(runs), ""]
    if args.fresh:
        _log(f"fresh processes over {args.fresh} queries")
        fresh = fresh_runs(indexes, queries[:args.fresh])
        imports = import_profile(indexes["ours"], queries[0])
        out += ["## Fresh process", "", fresh_table(fresh), "",
                "Heavy packages a one-shot `commentary search` imports: "
                + (", ".join(imports["heavy_loaded"]) or "none of " + ", ".join(HEAVY)) + ".  "
                "Slowest top-level imports (cumulative ms, `-X importtime`): "
                + ", ".join(f"{n} {ms:.0f}" for n, ms in imports["slowest_ms"]) + ".", ""]
    info = bench.machine_info()
    settings = {"command": " ".join(["python", "benchmarks/bench_serve.py", *sys.argv[1:]]),
                "docs": args.docs, "corpus shape": args.shape, "seed": args.seed,
                "indexes": ", ".join(f"{LABELS[e]} {how}" for e, how in built.items()),
                "server": (f"gunicorn {args.workers} workers (gthread) × {args.threads} threads, both engines"
                           if args.workers > 1 else f"waitress, {args.threads} threads, both engines"),
                "clients": args.clients, "timed requests": args.requests,
                "warm-up requests per client": args.warmup,
                "load average (1/5/15 min) at the start": load_at_start}
    return "\n".join(["## Machine", "", *(f"- {k}: {v}" for k, v in info.items()), "",
                      "## Settings", "", *(f"- {k}: {v}" for k, v in settings.items()), "", *out])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    from webui.server import default_workers

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10000, help="corpus size (default 10000)")
    parser.add_argument("--shape", choices=gen.SHAPES, default="synthetic", help="corpus shape (default synthetic)")
    parser.add_argument("--seed", type=int, default=1, help="corpus and query seed (default 1)")
    parser.add_argument("--markdown-share", type=float, default=0.2, help="share of Markdown files (default 0.2)")
    parser.add_argument("--queries", type=int, default=200, help="size of the query set (default 200)")
    parser.add_argument("--workers", type=int, default=default_workers(),
                        help="server worker processes for both engines (default: one per core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4, as serve's)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--requests", type=int, default=320, help="timed requests in all (default 320)")
    parser.add_argument("--warmup", type=int, default=WARMUP_PER_CLIENT,
                        help=f"untimed requests per client before the timed ones, queries of another seed "
                             f"(default {WARMUP_PER_CLIENT}; more measures long-running workers)")
    parser.add_argument("--fresh", type=int, default=10,
                        help="queries for the fresh-process measurements (default 10; 0 skips them)")
    parser.add_argument("--fresh-only", action="store_true", help="skip the serving measurement")
    parser.add_argument("--fts5-first", action="store_true", help="serve FTS5 before ours")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where bench_engine.py keeps the corpus and indexes (default benchmarks/_work)")
    args = parser.parse_args(argv)
    if min(args.docs, args.queries, args.workers, args.threads, args.clients, args.requests) < 1 or min(args.fresh, args.warmup) < 0:
        parser.error("sizes and counts must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    print(run(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

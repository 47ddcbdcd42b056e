"""The synthetic corpus pushed into a 2-node SolrCloud, beside the Whoosh index of the same corpus.

Usage::

    python benchmarks/bench_cluster.py --corpus benchmarks/_work/corpus-100000-s1-md0.2 \
        [--queries 200] [--seed 1] [--whoosh-index DIR] [--workdir DIR]

Starts the development cluster (``search.cluster.start_cluster``: 2 nodes,
2 shards x 2 replicas, embedded ZooKeeper, one JVM), then measures for each
backend, each in a fresh child process:

* build: ``search.build_index([corpus], index_dir=LOCATION)`` — the same
  readers, the same call; only the location differs — wall time, documents
  per second, the client's peak RSS;
* queries: ``benchmarks/bench_engine.py``'s seeded query set (same seed, same
  kinds, same warm-up) through ``Index.search`` with snippets and facets,
  p50/p95 latency;
* memory: the launcher JVM's resident memory (both nodes and ZooKeeper live
  in it) when ready, after the build and after the queries, each node's heap
  in use as Solr reports it, and each node's index size on disk (its cores).

The Whoosh side is built from the same folder unless ``--whoosh-index`` names
an index of it already built.  Prints Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__" and sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    # Run as a script: the repository root, not benchmarks/, heads sys.path.
    sys.path[0] = os.path.dirname(sys.path[0])

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from dataclasses import asdict  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from benchmarks import bench_engine as be  # noqa: E402
from benchmarks.cluster_start import rss_mb  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- children


def solr_build(corpus: str, location: str, progress_file: str) -> dict[str, Any]:
    """Push the corpus into the collection with ``search.build_index``; runs in a fresh child.

    Every 1,000 documents a line "documents seconds" goes to ``progress_file``,
    so a long push can be followed (and its rate read if it is cut short).
    """
    import search

    start = time.perf_counter()
    with open(progress_file, "a", encoding="utf-8") as out:
        def progress(done: int, total: int, label: str) -> None:
            if done % 1000 == 0 or done == total:
                out.write(f"{done} {time.perf_counter() - start:.1f}\n")
                out.flush()

        report = search.build_index([corpus], index_dir=location, progress=progress)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "added": report.added, "skipped": len(report.skipped),
            "peak_rss_mb": be._peak_rss_mb()}


def solr_queries(location: str, queries: list[be.Query], warmup: list[be.Query]) -> dict[str, Any]:
    """Time every query against the collection; runs in a fresh child."""
    import search

    start = time.perf_counter()
    ix = search.open_index(location)
    open_ms = (time.perf_counter() - start) * 1000
    try:
        return be._timed_queries(lambda q: be._ours_one(ix, q), queries, warmup, open_ms, None)
    finally:
        ix.close()


def run_child(task: dict[str, Any]) -> dict[str, Any]:
    """One task of this script in a fresh interpreter; its JSON result."""
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child"], cwd=REPO_ROOT,
                          input=json.dumps(task), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"child {task['task']} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def child_main(task: dict[str, Any]) -> dict[str, Any]:
    """Dispatch one child task."""
    from search.solr.client import TIMEOUT_VARIABLE

    # The client's 30 s per request is for serving; on a machine shared by
    # many, one 500-document /update can take longer, and a benchmark should
    # measure it rather than fail.
    os.environ[TIMEOUT_VARIABLE] = str(task["timeout"])
    if task["task"] == "solr-build":
        return solr_build(task["corpus"], task["location"], task["progress_file"])
    queries = [be.Query(**q) for q in task["queries"]]
    warmup = [be.Query(**q) for q in task["warmup"]]
    return solr_queries(task["location"], queries, warmup)


# ---------------------------------------------------------------- the cluster's side


def solr_json(url: str) -> dict[str, Any]:
    """GET one of Solr's admin endpoints as JSON."""
    with urllib.request.urlopen(url + ("&" if "?" in url else "?") + "wt=json", timeout=60) as response:
        return json.loads(response.read().decode("utf-8"))


def node_figures(nodes: list[str]) -> list[dict[str, Any]]:
    """Per node: heap in use (MB, as Solr reports it) and its cores' index size on disk (MB)."""
    rows = []
    for node in nodes:
        system = solr_json(f"{node}/admin/info/system")
        heap = system.get("jvm", {}).get("memory", {}).get("raw", {}).get("used", 0) / 2**20
        cores = solr_json(f"{node}/admin/cores?action=STATUS").get("status", {})
        size = sum(core.get("index", {}).get("sizeInBytes", 0) for core in cores.values()) / 2**20
        docs = {name: core.get("index", {}).get("numDocs", 0) for name, core in cores.items()}
        rows.append({"node": node, "heap_used_mb": heap, "index_mb": size, "cores": docs})
    return rows


def measure(args: argparse.Namespace) -> str:
    """Run every measurement; the Markdown report."""
    from search.cluster import start_cluster

    corpus = Path(args.corpus).resolve()
    docs = len(be._corpus_files(corpus))
    queries = be.make_queries(args.queries, args.seed)
    warmup = be.make_queries(be.WARMUP_QUERIES, args.seed + 1000)
    as_dicts = {"queries": [asdict(q) for q in queries], "warmup": [asdict(q) for q in warmup], "timeout": args.timeout}
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    work.mkdir(parents=True, exist_ok=True)
    saved = work / "results.json"
    # A run cut short keeps what it measured: the Whoosh side is not measured twice.
    results: dict[str, Any] = json.loads(saved.read_text(encoding="utf-8")) if saved.exists() else {}
    if results.get("docs") != docs or results.get("seed") != args.seed or results.get("queries") != args.queries:
        results = {"docs": docs, "seed": args.seed, "queries": args.queries}

    def keep() -> None:
        saved.write_text(json.dumps(results, indent=1), encoding="utf-8")

    # Whoosh first, while the cluster is not yet taking memory and CPU.
    whoosh_index = Path(args.whoosh_index) if args.whoosh_index else work / "whoosh"
    if args.skip_whoosh:
        be._log("whoosh: skipped (--skip-whoosh)")
    elif not args.whoosh_index and "whoosh_build" not in results:
        be._log(f"whoosh: building {docs} documents")
        results["whoosh_build"] = be.run_child({"task": "ours-build", "corpus": str(corpus), "index": str(whoosh_index)})
        keep()
    if "whoosh_query" not in results and not args.skip_whoosh:
        be._log("whoosh: queries")
        results["whoosh_query"] = be.run_child({"task": "ours-query", "index": str(whoosh_index), **as_dicts})
        keep()

    be._log("solr: starting the cluster")
    started = time.perf_counter()
    with open(work / "launcher.log", "w", encoding="utf-8") as log:
        cluster = start_cluster(nodes=2, shards=2, replicas=2, log=log)
    try:
        results["start_s"] = time.perf_counter() - started
        results["rss_ready_mb"] = rss_mb(cluster.pid)
        be._log(f"solr: building into {cluster.location}")
        results["solr_build"] = run_child({"task": "solr-build", "corpus": str(corpus), "location": cluster.location,
                                           "timeout": args.timeout, "progress_file": str(work / "progress.txt")})
        results["rss_built_mb"] = rss_mb(cluster.pid)
        be._log("solr: queries")
        results["solr_query"] = run_child({"task": "solr-query", "location": cluster.location, **as_dicts})
        results["rss_queried_mb"] = rss_mb(cluster.pid)
        results["nodes"] = node_figures(cluster.nodes)
    finally:
        cluster.stop()
    keep()
    be._log(f"raw figures in {saved}")
    return report(results, args)


def report(results: dict[str, Any], args: argparse.Namespace) -> str:
    """The figures as Markdown tables, Whoosh beside Solr."""
    info = be.machine_info()
    docs = results["docs"]

    def build_row(name: str, build: dict[str, Any] | None, query: dict[str, Any]) -> list[str]:
        lat = query["latencies_ms"]
        if build is None:
            seconds = rate = "(prebuilt)"
        else:
            seconds, rate = be._fmt(build["seconds"]), be._fmt(docs / build["seconds"], 0)
        return [name, seconds, rate, be._fmt(be._percentile(lat, 50)), be._fmt(be._percentile(lat, 95)),
                be._fmt(query["first_ms"]), str(sum(query["totals"]))]

    lines = [
        f"Corpus: {docs:,} documents ({args.corpus}); {args.queries} queries, seed {args.seed} "
        f"(bench_engine.py's set), {be.WARMUP_QUERIES} warm-up queries; each side in a fresh client process.",
        "",
        be.markdown_table(
            ["backend", "build s", "docs/s", "query p50 ms", "query p95 ms", "first query ms", "sum of totals"],
            ([build_row("Whoosh (folder)", results.get("whoosh_build"), results["whoosh_query"])]
             if "whoosh_query" in results else []) +
            [build_row("SolrCloud 2 nodes, 2x2", results["solr_build"], results["solr_query"])]),
        "",
        be.markdown_table(
            ["SolrCloud memory", "MB"],
            [["launcher JVM RSS (2 nodes + ZooKeeper), ready", be._fmt(results["rss_ready_mb"], 0)],
             ["... after the build", be._fmt(results["rss_built_mb"], 0)],
             ["... after the queries", be._fmt(results["rss_queried_mb"], 0)],
             *[[f"node {i}: heap in use / index on disk",
                f"{be._fmt(n['heap_used_mb'], 0)} / {be._fmt(n['index_mb'], 0)}"]
               for i, n in enumerate(results["nodes"])],
             ["client peak RSS during the Solr build", be._fmt(results["solr_build"]["peak_rss_mb"], 0)]]),
        "",
        "Both nodes run in one JVM (the launcher), so their heaps are one heap: Solr reports the same "
        "figure for each; the RSS is the whole cluster's.",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items() if k not in ("sqlite",)) + ".",
    ]
    if "whoosh_query" not in results:
        lines += ["", "Whoosh was not measured in this run (--skip-whoosh): no side-by-side figures."]
    elif results["solr_query"]["totals"] != results["whoosh_query"]["totals"]:
        differ = sum(a != b for a, b in zip(results["solr_query"]["totals"], results["whoosh_query"]["totals"]))
        lines += ["", f"Totals differ between the backends on {differ} of {args.queries} queries."]
    else:
        lines += ["", f"Totals agree on all {args.queries} queries."]
    return "\n".join(lines)


def main() -> None:
    """Parse the arguments, run (or be a child), print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", help="a folder of the synthetic corpus (benchmarks/generate_corpus.py)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--whoosh-index", help="an index of the same corpus already built (skips the Whoosh build)")
    parser.add_argument("--workdir", help="keep the Whoosh index and results.json here; a second run reuses "
                                          "the Whoosh figures it finds (default: a new temporary folder)")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds the Solr client waits for one request (search.solr's default: 30)")
    parser.add_argument("--skip-whoosh", action="store_true",
                        help="measure the cluster only (no side-by-side figures: say so where they are quoted)")
    parser.add_argument("--report-only", action="store_true", help="print the report of --workdir's figures, measure nothing")
    parser.add_argument("--whoosh-from", help="with --report-only: take the Whoosh figures from this work folder")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_main(json.loads(sys.stdin.read()))))
        return
    if not args.corpus:
        parser.error("--corpus is required")
    if args.report_only:
        # Print the report of figures already measured (``--workdir``), the
        # Whoosh ones taken from another run's folder when ``--whoosh-from``
        # says so (two invocations run side by side, same corpus and seed).
        results = json.loads((Path(args.workdir) / "results.json").read_text(encoding="utf-8"))
        if args.whoosh_from:
            other = json.loads((Path(args.whoosh_from) / "results.json").read_text(encoding="utf-8"))
            if (other["docs"], other["seed"], other["queries"]) != (results["docs"], results["seed"], results["queries"]):
                parser.error("--whoosh-from holds figures of another corpus, seed or query count")
            results.update({k: v for k, v in other.items() if k.startswith("whoosh_")})
        print(report(results, args))
        return
    print(measure(args))


if __name__ == "__main__":
    main()

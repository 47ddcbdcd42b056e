"""The search rows of ``bench_engine.py`` on indexes that are already built.

Usage::

    python benchmarks/search_rows.py --index-ours DIR --index-fts5 FILE --docs 100000 \
        [--shape wordfreq] [--rounds 3] [--before CHECKOUT]

A change that leaves the index format alone needs no 10-17 minute rebuild to
be measured: this runs ``bench_engine``'s query children (the same 200
seeded queries, warm-up, top 10 with snippets and facet counts) against the
given indexes, which it only reads.  With ``--before`` it also runs our
engine from another checkout (e.g. ``git worktree add /tmp/before main``),
so before, after and FTS5 alternate round by round under the same load.
Prints Markdown: p50/p95 per round and the median over rounds, with the
ratio to FTS5 from the same round.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__" and sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    # As in bench_engine: the repository root, not benchmarks/, heads sys.path.
    sys.path[0] = os.path.dirname(sys.path[0])

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from benchmarks import bench_engine as be  # noqa: E402


def _child(checkout: Path, task: dict[str, Any]) -> dict[str, Any]:
    """One ``bench_engine`` child task, run with ``checkout``'s code."""
    script = checkout / "benchmarks" / "bench_engine.py"
    proc = subprocess.run([sys.executable, str(script), "--child"], cwd=checkout, input=json.dumps(task),
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{task['task']} from {checkout} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    """Latencies of every engine, round by round."""
    queries = [asdict(q) for q in be.make_queries(args.queries, args.seed, args.shape, args.docs)]
    warmup = [asdict(q) for q in be.make_queries(be.WARMUP_QUERIES, args.seed + 1000, args.shape, args.docs)]
    engines: list[tuple[str, Path, str, Path]] = []
    if args.before:
        engines.append(("ours, before", args.before.resolve(), "ours-query", args.index_ours))
    engines += [("ours", be.REPO_ROOT, "ours-query", args.index_ours),
                ("SQLite FTS5", be.REPO_ROOT, "fts-query", args.index_fts5)]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in engines}
    for round_no in range(args.rounds):
        for name, checkout, task, index in engines:
            load = os.getloadavg()[0]
            result = _child(checkout, {"task": task, "index": str(index.resolve()), "queries": queries,
                                       "warmup": warmup})
            lat = result["latencies_ms"]
            runs[name].append({"p50": be._percentile(lat, 50), "p95": be._percentile(lat, 95), "load": load,
                               "totals": result["totals"]})
            print(f"[{time.strftime('%H:%M:%S')}] round {round_no + 1} {name}: p50 {runs[name][-1]['p50']:.1f} "
                  f"p95 {runs[name][-1]['p95']:.1f} ms (load {load:.1f})", file=sys.stderr, flush=True)
    return runs


def report(runs: dict[str, list[dict[str, Any]]]) -> str:
    """Markdown: each round, then the medians, ours over FTS5 from the same round."""
    fts = runs["SQLite FTS5"]
    rows = []
    for name, rounds in runs.items():
        for i, r in enumerate(rounds):
            rows.append([f"{name}, round {i + 1} (load {r['load']:.1f})", be._fmt(r["p50"]), be._fmt(r["p95"]),
                         f"{r['p50'] / fts[i]['p50']:.2f}× / {r['p95'] / fts[i]['p95']:.2f}×"])
    for name, rounds in runs.items():
        p50 = statistics.median(r["p50"] for r in rounds)
        p95 = statistics.median(r["p95"] for r in rounds)
        ratio50 = statistics.median(r["p50"] / f["p50"] for r, f in zip(rounds, fts))
        ratio95 = statistics.median(r["p95"] / f["p95"] for r, f in zip(rounds, fts))
        rows.append([f"**{name}, median**", be._fmt(p50), be._fmt(p95), f"{ratio50:.2f}× / {ratio95:.2f}×"])
    same = all(r["totals"] == runs["ours"][0]["totals"] for name, rs in runs.items() if name != "SQLite FTS5"
               for r in rs)
    return (be.markdown_table(["search, 200 queries, defaults", "p50 (ms)", "p95 (ms)", "/ FTS5 p50 / p95"], rows)
            + f"\n\nOur match counts identical across runs and checkouts: {'yes' if same else 'NO'}.\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-ours", type=Path, required=True, help="our index folder (only read)")
    parser.add_argument("--index-fts5", type=Path, required=True, help="the FTS5 database of the same corpus")
    parser.add_argument("--docs", type=int, required=True, help="the corpus size the indexes hold (picks the queries)")
    parser.add_argument("--shape", choices=be.gen.SHAPES, default="synthetic")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", type=Path, default=None, help="another checkout to run as 'ours, before'")
    args = parser.parse_args(argv)
    print(report(measure(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

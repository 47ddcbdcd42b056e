"""Open + first query in a fresh process, ours against SQLite FTS5, on indexes that are already built.

``bench_engine.py`` measures this once per run, after building both
indexes (10-17 minutes at 100,000 documents).  This script runs the very
same child measurement (``bench_engine.py --child``, tasks ``ours-query``
and ``fts-query``: open the index, then the warm-up set's first query, with
snippets and facets) on the indexes a kept ``bench_engine.py --keep`` run
left in the work folder, several rounds with the engines alternating, so
that a change to the query path can be measured in minutes::

    python benchmarks/bench_first_query.py --docs 100000 --workdir /path/to/work [--rounds 7]

It prints the medians (and the best round) of each engine's open and first
query and their ratio; the issue 7 target is open + first query <= 3x FTS5.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import bench_engine as bench  # noqa: E402

TASKS = {"ours": "ours-query", "fts5": "fts-query"}


def measure(index: Path, engine: str, first: bench.Query) -> dict[str, float]:
    """One fresh child: open the index, run ``first``; milliseconds."""
    found = bench.run_child({"task": TASKS[engine], "index": str(index), "queries": [],
                             "warmup": [asdict(first)]})
    return {"open": found["open_ms"], "first": found["first_ms"], "both": found["open_ms"] + found["first_ms"]}


def run(args: argparse.Namespace) -> str:
    """All rounds; returns the Markdown report."""
    workdir = (args.workdir or bench.DEFAULT_WORKDIR).resolve()
    indexes = bench.index_paths(workdir, args.docs, args.shape)
    for engine, path in indexes.items():
        if not path.exists():
            raise SystemExit(f"no {engine} index at {path}: run bench_engine.py --docs {args.docs} --keep first")
    first = bench.make_queries(bench.WARMUP_QUERIES, args.seed + 1000, args.shape, args.docs)[0]
    load_at_start = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    runs: dict[str, list[dict[str, float]]] = {engine: [] for engine in TASKS}
    for i in range(args.rounds):
        for engine in (("ours", "fts5") if i % 2 == 0 else ("fts5", "ours")):
            runs[engine].append(measure(indexes[engine], engine, first))
    rows = []
    for key, label in (("open", "open"), ("first", "first query"), ("both", "open + first query")):
        ours = statistics.median(r[key] for r in runs["ours"])
        fts = statistics.median(r[key] for r in runs["fts5"])
        best_ours, best_fts = min(r[key] for r in runs["ours"]), min(r[key] for r in runs["fts5"])
        rows.append([label, f"{ours:.1f} (best {best_ours:.1f})", f"{fts:.1f} (best {best_fts:.1f})",
                     f"{ours / fts:.1f}×" if fts else "-"])
    table = bench.markdown_table(["fresh process, ms (median of rounds)", "ours", "SQLite FTS5", "ours / FTS5"], rows)
    load_at_end = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n".join([
        f"{args.docs:,} documents ({args.shape}), query {first.text()!r}, {args.rounds} rounds, engines alternating",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average {load_at_start} -> {load_at_end}",
        "", table, ""])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000, help="corpus size (default 10000)")
    parser.add_argument("--shape", choices=("synthetic", "wordfreq"), default="synthetic")
    parser.add_argument("--seed", type=int, default=1, help="query seed, as bench_engine's (default 1)")
    parser.add_argument("--rounds", type=int, default=7, help="fresh processes per engine (default 7)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="the work folder of a kept bench_engine.py run (default benchmarks/_work)")
    args = parser.parse_args(argv)
    if args.docs < 1 or args.rounds < 1:
        parser.error("--docs and --rounds must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run and print the report."""
    print(run(parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``bench_engine``'s query timings against indexes already built, in rounds.

Usage::

    python -m benchmarks.bench_queries --workdir DIR --docs 100000 [--rounds 3] [--shape wordfreq] \
        [--before CHECKOUT]

A 100,000-document build takes a quarter of an hour on a loaded machine;
a change on the query path needs none.  This reads the two indexes
``bench_engine.py --keep`` leaves in DIR (``index-ours-N``,
``index-fts5-N.sqlite``; symlinks to someone else's are fine, nothing is
written into them) and runs exactly ``bench_engine``'s query children: the
same 200 seeded queries after the same warm-up set, each engine in a fresh
process.  The engines alternate which goes first from round to round, so
that a change in the machine's load falls on both.  With ``--before`` our
engine also runs from another checkout (e.g. ``git worktree add /tmp/before
main``) on the same index, as a third engine of each round.  Prints, as
Markdown, each round's p50 / p95 by query kind for every engine with its
ratio to FTS5, and whether our match counts agreed with FTS5's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

if __name__ == "__main__" and sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    # As in bench_engine: the benchmarks/ folder must not shadow the standard library.
    sys.path[0] = os.path.dirname(sys.path[0])

from benchmarks import bench_engine as bench  # noqa: E402

ENGINES = {"ours": "ours-query", "fts5": "fts-query"}
BEFORE = "before"  # our engine from another checkout (--before)


def _before_child(checkout: Path, task: dict) -> dict:
    """One ``bench_engine`` child task run with ``checkout``'s code (``bench.run_child`` runs this one's)."""
    proc = subprocess.run([sys.executable, str(checkout / "benchmarks" / "bench_engine.py"), "--child"],
                          cwd=checkout, input=json.dumps(task), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{task['task']} from {checkout} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _round(indexes: dict, queries: list, warmup: list, order: list[str], before: Path | None) -> dict[str, dict]:
    """One round: each engine's query child, in ``order``."""
    runs = {}
    for name in order:
        bench._log(f"  {name}")
        task = {"task": ENGINES.get(name, "ours-query"), "index": str(indexes["fts5" if name == "fts5" else "ours"]),
                "warmup": warmup, "queries": [asdict(q) for q in queries]}
        runs[name] = _before_child(before, task) if name == BEFORE else bench.run_child(task)
    return runs


def _summary(queries: list, runs: dict[str, dict]) -> list[list[str]]:
    """p50 / p95 per kind and over all queries, each engine over FTS5."""
    rows = []
    ours = [name for name in runs if name != "fts5"]
    for kind in [*bench.KINDS, "all"]:
        idx = [i for i, q in enumerate(queries) if kind == "all" or q.kind == kind]
        if not idx:
            continue
        pcts = {}
        for name in runs:
            lat = [runs[name]["latencies_ms"][i] for i in idx]
            pcts[name] = (bench._percentile(lat, 50), bench._percentile(lat, 95))
        fts = pcts["fts5"]
        cells = [kind, str(len(idx))]
        cells += [f"{pcts[name][0]:.1f} / {pcts[name][1]:.1f}" for name in [*ours, "fts5"]]
        cells += [f"{pcts[name][0] / fts[0]:.2f}× / {pcts[name][1] / fts[1]:.2f}×" for name in ours]
        same = sum(runs["ours"]["totals"][i] == runs["fts5"]["totals"][i] for i in idx)
        cells.append(f"{same} of {len(idx)}; {sum(runs['ours']['totals'][i] for i in idx):,} / "
                     f"{sum(runs['fts5']['totals'][i] for i in idx):,}")
        rows.append(cells)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, required=True,
                        help="folder with the indexes of bench_engine --keep")
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shape", choices=bench.gen.SHAPES, default="synthetic")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", type=Path, default=None,
                        help="another checkout whose engine runs too, as 'before', on the same index")
    args = parser.parse_args(argv)
    indexes = bench.index_paths(args.workdir, args.docs, args.shape)
    missing = [str(p) for p in indexes.values() if not p.exists()]
    if missing:
        raise SystemExit(f"no index at {', '.join(missing)} (build them with bench_engine.py --keep)")
    queries = bench.make_queries(args.queries, args.seed, args.shape, args.docs)
    warmup = [asdict(q) for q in bench.make_queries(bench.WARMUP_QUERIES, args.seed + 1000, args.shape, args.docs)]
    engines = [*([BEFORE] if args.before else []), *ENGINES]
    ours = [name for name in engines if name != "fts5"]
    header = ["query kind", "n", *[f"{name} p50 / p95 (ms)" for name in [*ours, "fts5"]],
              *[f"{name} / FTS5" for name in ours], "ours = FTS5 totals; sum of totals"]
    out = [f"- command: python -m benchmarks.bench_queries {' '.join(sys.argv[1:] if argv is None else argv)}",
           f"- indexes: {indexes['ours'].resolve()}, {indexes['fts5'].resolve()}", ""]
    for number in range(args.rounds):
        order = engines if number % 2 == 0 else list(reversed(engines))
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
        bench._log(f"round {number + 1}, {' then '.join(order)}, load {load}")
        runs = _round(indexes, queries, warmup, order, args.before and args.before.resolve())
        out += [f"Round {number + 1} ({', then '.join(order)}; {time.strftime('%H:%M', time.gmtime())} UTC, "
                f"load at the start {load}):", "", bench.markdown_table(header, _summary(queries, {name: runs[name] for name in engines})), ""]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

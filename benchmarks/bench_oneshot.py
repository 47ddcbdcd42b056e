"""Where a one-shot ``commentary search`` spends its time, beside FTS5's one-shot script.

Each stage is a fresh interpreter that goes one step further than the one
before: Python's start, ``import numpy``, the Whoosh modules the read path
needs, ``import click``, the whole console script (our modules), opening
the index, the first query, and finally the real one-shot command (which
adds the CLI's printing).  The difference between two stages is what the
step costs.  CPU (user + system of the child) and wall time, median of
``--rounds`` rounds; the stages, the checkouts and FTS5's one-shot
(``benchmarks/fts5_reference.py search``) alternate within every round, so
they see the same machine::

    python benchmarks/bench_oneshot.py --index DIR --fts5 DB [--before CHECKOUT] \\
        [--rounds 7] [--query "market policy"]

Use the real interpreter (``sys.executable`` is what runs the children; a
pyenv shim on PATH adds its own start-up to every stage).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FTS5_SCRIPT = ROOT / "benchmarks" / "fts5_reference.py"

# The Whoosh modules that opening an index and reading its term infos,
# postings and stored fields import (whoosh.reading pulls cached_property and
# with it asyncio; whoosh.compat pulls urllib.request), and the Snowball
# stemmers that the schema's analyzers load.
WHOOSH_READ_PATH = "import whoosh.index, whoosh.filedb.filestore, whoosh.codec.whoosh3, whoosh.lang.snowball"

# (label, code run with -c, or None for the one-shot command itself); each includes the ones above.
STAGES: list[tuple[str, str | None]] = [
    ("Python start", "pass"),
    ("numpy", "import numpy"),
    ("Whoosh read path", "import numpy; " + WHOOSH_READ_PATH),
    ("click", "import numpy, click; " + WHOOSH_READ_PATH),
    ("ours (import webui.cli)", "import webui.cli"),
    ("open", "import sys, webui.cli, search; search.open_index(sys.argv[1])"),
    ("first query", "import sys, webui.cli, search; search.open_index(sys.argv[1]).search(sys.argv[2])"),
    ("print (the one-shot command)", None),
]
SHARED = 4  # the first stages import none of our code: measured once, not per checkout


def run(command: list[str], code_root: Path) -> tuple[float, float]:
    """CPU and wall milliseconds of one child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=code_root, env={**os.environ, "PYTHONPATH": str(code_root)},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
    return cpu, wall


def command_for(code: str | None, index: Path, query: str) -> list[str]:
    """The child's command line for a stage."""
    if code is None:
        return [sys.executable, "-m", "webui.cli", "search", "--index-dir", str(index), "--", query]
    return [sys.executable, "-c", code, str(index), query]


def measure(args: argparse.Namespace) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Every stage of every checkout, and FTS5's one-shot, ``args.rounds`` times."""
    checkouts = {"after": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    found: dict[str, dict[str, list[tuple[float, float]]]] = {name: {} for name in [*checkouts, "shared"]}
    found["fts5"] = {"one-shot": []}
    for round_number in range(args.rounds):
        order = list(checkouts) if round_number % 2 == 0 else list(checkouts)[::-1]
        found["fts5"]["one-shot"].append(run([sys.executable, str(FTS5_SCRIPT), "search", str(args.fts5),
                                               "--", args.query], ROOT))
        for i, (label, code) in enumerate(STAGES):
            command = command_for(code, args.index, args.query)
            if i < SHARED:
                found["shared"].setdefault(label, []).append(run(command, ROOT))
                continue
            for name in order:
                found[name].setdefault(label, []).append(run(command, checkouts[name]))
    return found


def _median(runs: list[tuple[float, float]], which: int) -> float:
    return statistics.median(r[which] for r in runs)


def table(found: dict[str, dict[str, list[tuple[float, float]]]]) -> str:
    """Markdown: each stage's cumulative CPU and wall medians per checkout, and the step's own cost."""
    names = [n for n in ("before", "after") if n in found]
    head = "| stage |" + "".join(f" {n}: CPU | {n}: wall |" for n in names) + " step (after): CPU / wall | best CPU (after) |"
    lines = [head, "|:---|" + "---:|---:|" * len(names) + "---:|---:|"]
    previous = (0.0, 0.0)
    totals: dict[str, tuple[float, float]] = {}
    for label, _ in STAGES:
        row = f"| {label} |"
        for n in names:
            runs = found[n].get(label) or found["shared"][label]
            totals[n] = (_median(runs, 0), _median(runs, 1))
            row += f" {totals[n][0]:.0f} | {totals[n][1]:.0f} |"
        after = found["after"].get(label) or found["shared"][label]
        cpu, wall = _median(after, 0), _median(after, 1)
        row += f" {cpu - previous[0]:+.0f} / {wall - previous[1]:+.0f} | {min(r[0] for r in after):.0f} |"
        previous = (cpu, wall)
        lines.append(row)
    fts = found["fts5"]["one-shot"]
    fts_cpu, fts_wall = _median(fts, 0), _median(fts, 1)
    lines.append(f"| FTS5 one-shot script |" + f" {fts_cpu:.0f} | {fts_wall:.0f} |" * len(names)
                 + f" | {min(r[0] for r in fts):.0f} |")
    lines.append("")
    for n in names:
        lines.append(f"- {n}: one-shot / FTS5 = {totals[n][0] / fts_cpu:.2f}× CPU, {totals[n][1] / fts_wall:.2f}× wall")
    return "\n".join(lines)


def main() -> None:
    """Parse the arguments, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="our index folder")
    parser.add_argument("--fts5", type=Path, required=True, help="the FTS5 database of the same corpus")
    parser.add_argument("--before", type=Path, help="another checkout to time side by side (e.g. main)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--query", default="market policy")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{args.rounds} rounds, query {args.query!r}, load at the start {load}", file=sys.stderr)
    print(table(measure(args)))
    print(f"\nload at the end: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

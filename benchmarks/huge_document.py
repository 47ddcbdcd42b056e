"""What one 10 MB document adds to a search that matches it.

Usage::

    python -m benchmarks.huge_document [--workdir DIR] [--runs 5]

Builds two small indexes of the same 30 essays, the second with one more
document of 10,000,000 characters that every query matches too (as
``tests/test_webui_hardening.py`` does), then runs each query on both and
prints CPU milliseconds (best of ``--runs``, after a warm-up) side by side
and their difference: the cost of the huge document.  CPU time rather than
wall time, so that other work on a shared machine does not count.  Issue 7's
budget: at most 50 ms more.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

QUERIES = ("tariffs", "liberty tariffs", '"tariffs fall"', '"union shall"', '"government of the union"', "platypus")
_WORDS = ("the government of the union shall protect liberty and commerce across several "
          "states while taxes remain and tariffs fall").split()


def essays() -> list[dict]:
    """Thirty ordinary documents that the queries match."""
    return [{"id": f"essay-{i}.txt", "title": f"Essay {i}", "authors": [f"Writer {i}"],
             "body": "The tariffs debate continues among merchants and farmers. " * 40} for i in range(30)]


def huge_body() -> str:
    """10,000,000 characters of the essays' words, "platypus" only in the middle."""
    rng = random.Random(8)
    huge = " ".join(rng.choice(_WORDS) for _ in range(1_750_000))[:10_000_000]
    middle = len(huge) // 2
    return huge[:middle] + " platypus " + huge[middle:]


def cpu_ms(index, query: str, runs: int) -> float:
    """Best CPU milliseconds of ``runs`` searches, after one to warm up."""
    index.search(query)
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        index.search(query)
        best = min(best, time.process_time() - started)
    return best * 1000


def main(argv: list[str] | None = None) -> int:
    """Build both indexes (unless already in --workdir), time, print a Markdown table."""
    import search

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=None, help="keep the indexes here (default: a temporary folder)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        root = args.workdir or Path(scratch)
        small_dir, big_dir = root / "small", root / "with-huge"
        if not search.index_exists(big_dir):
            search.build_index(documents=essays(), index_dir=small_dir)
            search.build_index(documents=[*essays(), {"id": "huge.txt", "title": "Huge", "body": huge_body()}],
                               index_dir=big_dir)
        with search.open_index(small_dir) as small, search.open_index(big_dir) as big:
            print("| query | without (CPU ms) | with the 10 MB document (CPU ms) | difference (ms) |")
            print("|:---|---:|---:|---:|")
            for query in QUERIES:
                assert "huge.txt" in [h.id for h in big.search(query, limit=50).hits], query
                without, with_huge = cpu_ms(small, query, args.runs), cpu_ms(big, query, args.runs)
                print(f"| `{query}` | {without:.1f} | {with_huge:.1f} | {with_huge - without:+.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

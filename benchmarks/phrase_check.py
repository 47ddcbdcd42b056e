"""Phrases: our matches against SQLite FTS5's, and their latency side by side.

Usage::

    python -m benchmarks.phrase_check --workdir DIR [--docs 10000] [--rounds 3]

Reads the two indexes ``benchmarks/bench_engine.py --keep`` leaves in DIR
(``index-ours-N`` and ``index-fts5-N.sqlite``) and, for every phrase of the
corpus generator's topics (two- and three-word, some with stop words, as
the benchmark's phrase queries are drawn from them):

* compares the set of documents each engine matches (FTS5 removes no word,
  so for phrases with stop words this checks that ours keep their places);
* times each phrase the way ``bench_engine`` does (search, 10 snippets,
  facet counts over all matches), median of ``--rounds`` runs per phrase,
  and prints p50 / p95 over the phrases for both engines.

Exits 1 when a phrase's match sets differ.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks import bench_engine as bench
from benchmarks import generate_corpus as gen


def topic_phrases() -> list[str]:
    """Every phrase the generator writes into topic documents (and the benchmark queries)."""
    return sorted({p for topic in gen.TOPICS.values() for p in topic["phrases"]})


def ours_matches(ix, phrase: str) -> set[str]:
    """Ids of the documents our engine matches for the quoted phrase."""
    from search.engine import match_documents
    from search.query import parse_query
    from search.ranking import QueryBuilder
    from search.scoring import Scorer

    searcher = ix._searcher()
    reader = searcher.reader()
    builder = QueryBuilder(reader, ix.ranking)
    scorer = Scorer(searcher, ix._generation(searcher).stats)
    found = match_documents(builder, scorer, parse_query(f'"{phrase}"'), "all")
    ids = reader.column_reader("id")
    return set() if found is None else {ids[d] for d in np.flatnonzero(found).tolist()}


def fts_matches(con: sqlite3.Connection, phrase: str) -> set[str]:
    """Keys of the documents FTS5 matches for the quoted phrase."""
    rows = con.execute("SELECT d.key FROM fts JOIN doc d ON d.id = fts.rowid WHERE fts MATCH ?",
                       (f'"{phrase}"',))
    return {key for (key,) in rows}


def _median_ms(run, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Compare match sets, then time both engines; print a Markdown report."""
    import search

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, required=True, help="folder of bench_engine --keep")
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    ix = search.open_index(args.workdir / f"index-ours-{args.docs}")
    con = sqlite3.connect(args.workdir / f"index-fts5-{args.docs}.sqlite")
    con.execute("CREATE TEMP TABLE hits (id INTEGER PRIMARY KEY)")
    from search.schema import STOP_WORDS as stops
    phrases = topic_phrases()
    # Compared on the documents both engines hold (a file one reader skips
    # would count as a difference of every phrase it has).
    reader = ix._searcher().reader()
    id_column = reader.column_reader("id")
    both = {id_column[d] for d in reader.all_doc_ids()} & {key for (key,) in con.execute("SELECT key FROM doc")}
    rows, differing = [], 0
    ours_ms, fts_ms = [], []
    for phrase in phrases:
        ours, fts = ours_matches(ix, phrase) & both, fts_matches(con, phrase) & both
        query = bench.Query("phrase", phrase.split(), phrase=True)
        bench._ours_one(ix, query)  # warm
        bench._fts_one(con, query)
        ours_ms.append(_median_ms(lambda: bench._ours_one(ix, query), args.rounds))
        fts_ms.append(_median_ms(lambda: bench._fts_one(con, query), args.rounds))
        same = ours == fts
        differing += not same
        has_stop = any(w in stops for w in phrase.split())
        rows.append([phrase, "yes" if has_stop else "", str(len(ours)), str(len(fts)),
                     "same" if same else f"{len(ours - fts)} only ours, {len(fts - ours)} only FTS5",
                     f"{ours_ms[-1]:.1f}", f"{fts_ms[-1]:.1f}"])
    print(bench.markdown_table(["phrase", "stop word", "ours", "FTS5", "match sets", "ours ms", "FTS5 ms"], rows))
    print()
    p = bench._percentile
    print(bench.markdown_table(
        ["", "ours", "FTS5", "ratio"],
        [["phrases p50 (ms)", f"{p(ours_ms, 50):.1f}", f"{p(fts_ms, 50):.1f}", f"{p(ours_ms, 50) / p(fts_ms, 50):.2f}"],
         ["phrases p95 (ms)", f"{p(ours_ms, 95):.1f}", f"{p(fts_ms, 95):.1f}", f"{p(ours_ms, 95) / p(fts_ms, 95):.2f}"],
         ["phrases with the same match set", f"{len(phrases) - differing} of {len(phrases)}", "", ""],
         ["documents compared (held by both)", f"{len(both):,}", "", ""]]))
    ix.close()
    con.close()
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())

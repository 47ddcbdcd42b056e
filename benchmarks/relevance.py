"""Ranking quality of our search engine on Cranfield and CISI, next to BM25.

Run from the repository root::

    python -m benchmarks.relevance [--eval-dir DIR] [--collections cranfield,cisi]
                                   [--json FILE] [--check]
    python benchmarks/relevance.py ...

For each collection the script indexes the documents three ways in the same
run and runs every judged query (top 1,000) against each:

* ``ours``: ``search.build_index`` into a temporary directory (removed
  afterwards), then ``search.open_index(...).search(q, match="any",
  limit=1000, snippets=False)``.  Documents are passed whole (id, title,
  authors, source, body), as the product would index them, and everything
  else is the product's default analysis and ranking (``DEFAULT_RANKING``,
  pseudo-relevance feedback included); there is no evaluation mode.
* ``fts5 unicode61``: SQLite FTS5 ``bm25()`` (k1 = 1.2, b = 0.75, built in),
  tokenizer ``unicode61``: no stemming, no stop words.
* ``fts5 porter unicode61``: the same with the Porter stemmer.  This is the
  baseline ``--check`` compares against.

The FTS5 tables have two columns, ``title`` and ``body``, holding the same
title and body text that ours receives, weighted equally (``bm25(t, 1, 1)``).

Query cleaning: collection queries contain punctuation, parentheses, quotes,
colons, hyphens and capitalised AND/OR/NOT, which our query language would
read as syntax (``-word`` excludes, ``"..."`` is a phrase, ``OR`` is an
operator, ``field:`` restricts).  Every query is therefore cleaned before any
system sees it: each character that is not a letter, digit or whitespace
becomes a space, and the text is lowercased (which also turns AND/OR/NOT into
plain words).  For FTS5 the cleaned words become an OR-query of quoted tokens
(``"word" OR "word" ...``; double quotes doubled, empty tokens dropped), so all
three systems see the same words.

Measures (``benchmarks.measures``, trec_eval-compatible): MAP, nDCG@10 with
graded gains (Cranfield: 5 - code), P@10 and Recall@100, averaged over judged
queries; a judged query with no results scores 0.  The table also shows ours
and the plain baseline as a ratio of the stemmed FTS5 baseline on MAP and
nDCG@10.

Options: ``--eval-dir`` (default ``../shared/eval`` from the repository root),
``--collections`` (comma-separated), ``--json FILE`` (write the figures) and
``--check`` (exit status 1, with the reason, when ours scores a lower MAP than
the stemmed FTS5 baseline on any collection).
"""

from __future__ import annotations

import os
import sys

# Run as a script, Python puts benchmarks/ first on sys.path; the package
# imports below need the repository root there instead.
if not __package__:
    _HERE = os.path.dirname(os.path.realpath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != _HERE]
    sys.path.insert(0, os.path.dirname(_HERE))

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable, Sequence  # noqa: E402

from benchmarks.ir_collections import Collection, load_cisi, load_cranfield  # noqa: E402
from benchmarks.measures import evaluate  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"
TOP_K = 1000
LOADERS: dict[str, Callable[[Path], Collection]] = {
    "cranfield": load_cranfield,
    "cisi": load_cisi,
}
OURS = "ours"
FTS5_PLAIN = "fts5 unicode61"
FTS5_PORTER = "fts5 porter unicode61"
BASELINE = FTS5_PORTER
TOKENIZERS = {FTS5_PLAIN: "unicode61", FTS5_PORTER: "porter unicode61"}
MEASURES = (("map", "MAP"), ("ndcg@10", "nDCG@10"), ("p@10", "P@10"), ("recall@100", "R@100"))

Run = dict[str, list[str]]


@dataclass
class SystemResult:
    """One system's figures on one collection."""

    name: str
    scores: dict[str, float]
    index_seconds: float
    query_seconds: float


@dataclass
class CollectionResult:
    """All systems' figures on one collection."""

    name: str
    documents: int
    judged_queries: int
    systems: list[SystemResult] = field(default_factory=list)

    def system(self, name: str) -> SystemResult:
        """The result of the system called ``name``."""
        return next(s for s in self.systems if s.name == name)


# --- queries -----------------------------------------------------------------

def clean_query(text: str) -> str:
    """Neutralise query syntax: every character that is not a letter, digit
    or whitespace becomes a space, then the text is lowercased."""
    kept = (ch if ch.isalnum() or ch.isspace() else " " for ch in text)
    return "".join(kept).lower()


def fts5_or_query(text: str) -> str:
    """An FTS5 MATCH expression: the cleaned words, each quoted (inner double
    quotes doubled), joined with OR; empty tokens dropped.  ``""`` if none."""
    tokens = [tok for tok in clean_query(text).split() if tok]
    return " OR ".join('"' + tok.replace('"', '""') + '"' for tok in tokens)


def judged_queries(collection: Collection) -> dict[str, str]:
    """The queries that have at least one relevant document, by id."""
    return {
        qid: text for qid, text in collection.queries.items()
        if any(grade >= 1 for grade in collection.qrels.get(qid, {}).values())
    }


# --- systems -----------------------------------------------------------------

def _fts5_index(docs: Sequence[dict[str, Any]], tokenizer: str) -> sqlite3.Connection:
    """An in-memory FTS5 table ``docs(title, body)``; rowid i+1 is ``docs[i]``."""
    con = sqlite3.connect(":memory:")
    con.execute(
        f"CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = '{tokenizer}')"
    )
    con.executemany(
        "INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)",
        ((i, d["title"], d["body"]) for i, d in enumerate(docs, start=1)),
    )
    con.commit()
    return con


def _fts5_search(con: sqlite3.Connection, ids: Sequence[str], text: str) -> list[str]:
    """The top ``TOP_K`` document ids for ``text`` by ``bm25(docs, 1, 1)``."""
    expression = fts5_or_query(text)
    if not expression:
        return []
    rows = con.execute(
        "SELECT rowid FROM docs WHERE docs MATCH ? "
        "ORDER BY bm25(docs, 1.0, 1.0), rowid LIMIT ?",
        (expression, TOP_K),
    )
    return [ids[rowid - 1] for (rowid,) in rows]


def run_fts5(collection: Collection, queries: dict[str, str], name: str) -> tuple[Run, float, float]:
    """Index with FTS5 (tokenizer from ``TOKENIZERS[name]``) and run ``queries``.

    Returns the run, the indexing time and the total query time in seconds.
    """
    ids = [d["id"] for d in collection.docs]
    started = time.perf_counter()
    con = _fts5_index(collection.docs, TOKENIZERS[name])
    indexed = time.perf_counter()
    try:
        run = {qid: _fts5_search(con, ids, text) for qid, text in queries.items()}
    finally:
        con.close()
    return run, indexed - started, time.perf_counter() - indexed


def _our_search(ix: Any, text: str) -> list[str]:
    """The top ``TOP_K`` document ids our index returns for the cleaned ``text``."""
    cleaned = " ".join(clean_query(text).split())
    if not cleaned:
        return []
    result = ix.search(cleaned, match="any", limit=TOP_K, snippets=False)
    return [str(hit.id) for hit in result.hits][:TOP_K]


def _import_search() -> Any:
    """Our public API module, or exit with a message if it is not usable yet."""
    try:
        import search
    except ImportError as exc:  # pragma: no cover - depends on the tree
        raise SystemExit(f"cannot import our search package: {exc}") from exc
    missing = [n for n in ("build_index", "open_index") if not hasattr(search, n)]
    if missing:
        raise SystemExit(f"our search package lacks {', '.join(missing)}")
    return search


def run_ours(collection: Collection, queries: dict[str, str]) -> tuple[Run, float, float]:
    """Index with our engine in a temporary directory and run ``queries``.

    Returns the run, the indexing time and the total query time in seconds.
    """
    search = _import_search()
    with tempfile.TemporaryDirectory(prefix="relevance-") as tmp:
        index_dir = Path(tmp) / "index"
        started = time.perf_counter()
        search.build_index(documents=collection.docs, index_dir=index_dir)
        ix = search.open_index(index_dir)
        indexed = time.perf_counter()
        try:
            run = {qid: _our_search(ix, text) for qid, text in queries.items()}
        finally:
            ix.close()
        return run, indexed - started, time.perf_counter() - indexed


def measure_collection(collection: Collection) -> CollectionResult:
    """Run ours and both FTS5 baselines on one collection and score them."""
    queries = judged_queries(collection)
    result = CollectionResult(collection.name, len(collection.docs), len(queries))
    runners: list[tuple[str, Callable[[], tuple[Run, float, float]]]] = [
        (OURS, lambda: run_ours(collection, queries)),
        (FTS5_PLAIN, lambda: run_fts5(collection, queries, FTS5_PLAIN)),
        (FTS5_PORTER, lambda: run_fts5(collection, queries, FTS5_PORTER)),
    ]
    for name, runner in runners:
        run, index_s, query_s = runner()
        scores = evaluate(run, collection.qrels)
        result.systems.append(SystemResult(name, scores, index_s, query_s))
    return result


# --- output ------------------------------------------------------------------

def _ratio(value: float, base: float) -> str:
    """``value / base`` to three decimals, or ``-`` when ``base`` is 0."""
    return f"{value / base:.3f}" if base else "-"


def format_table(result: CollectionResult) -> str:
    """A plain-text table of every system's figures on one collection."""
    base = result.system(BASELINE).scores
    header = (f"{'system':<24}" + "".join(f"{label:>9}" for _, label in MEASURES)
              + f"{'MAP/stem':>10}{'nDCG/stem':>11}{'index s':>9}{'query s':>9}")
    lines = [
        f"{result.name}: {result.documents} documents, {result.judged_queries} "
        f"judged queries, top {TOP_K}; ratios vs {BASELINE}",
        header,
        "-" * len(header),
    ]
    for system in result.systems:
        s = system.scores
        lines.append(
            f"{system.name:<24}" + "".join(f"{s[key]:>9.4f}" for key, _ in MEASURES)
            + f"{_ratio(s['map'], base['map']):>10}"
            + f"{_ratio(s['ndcg@10'], base['ndcg@10']):>11}"
            + f"{system.index_seconds:>9.2f}{system.query_seconds:>9.2f}"
        )
    return "\n".join(lines)


def check_failures(results: Sequence[CollectionResult]) -> list[str]:
    """Why ours falls below the stemmed FTS5 baseline on MAP, per collection."""
    failures = []
    for result in results:
        ours = result.system(OURS).scores["map"]
        base = result.system(BASELINE).scores["map"]
        if ours < base:
            failures.append(
                f"{result.name}: ours MAP {ours:.4f} is below {BASELINE} MAP {base:.4f}"
            )
    return failures


def environment() -> dict[str, Any]:
    """Where and when the figures were measured."""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "top_k": TOP_K,
    }


def to_json(results: Sequence[CollectionResult], seconds: float) -> dict[str, Any]:
    """The figures as a JSON-ready dict."""
    return {
        "environment": environment(),
        "baseline": BASELINE,
        "total_seconds": round(seconds, 2),
        "collections": {
            r.name: {
                "documents": r.documents,
                "judged_queries": r.judged_queries,
                "systems": {
                    s.name: {
                        **s.scores,
                        "index_seconds": round(s.index_seconds, 3),
                        "query_seconds": round(s.query_seconds, 3),
                    }
                    for s in r.systems
                },
            }
            for r in results
        },
        "check_failures": check_failures(results),
    }


# --- command line ------------------------------------------------------------

def _collection_names(value: str) -> list[str]:
    """Parse ``--collections``: comma-separated names from ``LOADERS``."""
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in LOADERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown collection(s) {', '.join(unknown) or '(none)'}; "
            f"choose from {', '.join(LOADERS)}"
        )
    return names


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.relevance",
        description="Measure ranking quality on Cranfield and CISI against SQLite FTS5 BM25.",
    )
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR,
                        help=f"folder holding cranfield/ and cisi/ (default {DEFAULT_EVAL_DIR})")
    parser.add_argument("--collections", type=_collection_names, default=list(LOADERS),
                        help="comma-separated collections (default cranfield,cisi)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures here")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 if ours has a lower MAP than {BASELINE} on any collection")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; return the process exit status."""
    args = parse_args(argv)
    started = time.perf_counter()
    results = []
    for name in args.collections:
        folder = args.eval_dir / name
        if not folder.is_dir():
            print(f"error: no {name} collection at {folder}", file=sys.stderr)
            return 2
        results.append(measure_collection(LOADERS[name](folder)))
        print(format_table(results[-1]), end="\n\n", flush=True)
    seconds = time.perf_counter() - started
    print(f"total {seconds:.1f} s (Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs)")
    if args.json:
        args.json.write_text(json.dumps(to_json(results, seconds), indent=2) + "\n",
                             encoding="utf-8")
    if args.check:
        failures = check_failures(results)
        for failure in failures:
            print(f"check failed: {failure}", file=sys.stderr)
        if failures:
            return 1
        print(f"check passed: ours MAP >= {BASELINE} MAP on every collection")
    return 0


if __name__ == "__main__":
    sys.exit(main())

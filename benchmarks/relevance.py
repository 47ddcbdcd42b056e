"""Ranking quality on five test collections, next to SQLite FTS5's BM25.

Run from the repository root::

    python -m benchmarks.relevance [--eval-dir DIR] [--collections cranfield,cisi,adi,time,lisa]
                                   [--protocol] [--json FILE] [--check]
    python benchmarks/relevance.py ...

For each collection (``benchmarks.ir_collections``) the script indexes the
documents once with our engine (``search.build_index`` into a temporary
directory, removed afterwards, from whole documents: id, title, authors,
source, body) and twice with SQLite FTS5, then runs every judged query
(top 1,000) against each:

* ``default``: ``search.open_index(dir).search(q, match="any",
  limit=1000, snippets=False)`` with the product's ``DEFAULT_RANKING``
  and ``search``'s own ``expand`` default; there is no evaluation mode.
* ``fts5 unicode61``: FTS5 ``bm25(docs, 1, 1)`` over ``title`` and ``body``
  (k1 1.2, b 0.75), no stemming, no stop words.
* ``fts5 porter unicode61``: the same with the Porter stemmer: the baseline
  of every ratio, significance test and ``--check``.

Queries are searched as words, never as syntax: every character that is
not a letter, digit or whitespace becomes a space and the text is
lowercased (``NON-USERS`` -> ``non users``, ``AND`` -> ``and``).  FTS5 gets
the words as ``"w1" OR "w2" ...``, ours with ``match="any"``.

Measures (``benchmarks.measures``, trec_eval-compatible): MAP, nDCG@10
(graded on Cranfield), P@10, Recall@100 over judged queries, and a paired
randomization test of per-query AP against stemmed FTS5.

``--protocol`` also runs every configuration of ``grid()`` and chooses by
leave-one-collection-out: for each collection, the configuration best on
the other four (mean of MAP and nDCG@10 ratios) gives its *validation*
figures; the best on the collection itself its *tuned* figures.  It prints
both, and the validation means when the choice is limited to each feature
family (see docs/relevance.md).

``--check`` exits 1, with the reason, when the default's MAP is below
``CHECK_FLOOR`` times stemmed FTS5's on a collection, or below
``CHECK_MEAN`` times on average.
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

from benchmarks.ir_collections import LOADERS, Collection  # noqa: E402
from benchmarks.measures import evaluate, paired_randomization, per_query  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"
TOP_K = 1000
OURS = "ours"
FTS5_PLAIN = "fts5 unicode61"
FTS5_PORTER = "fts5 porter unicode61"
BASELINE = FTS5_PORTER
TOKENIZERS = {FTS5_PLAIN: "unicode61", FTS5_PORTER: "porter unicode61"}
MEASURES = (("map", "MAP"), ("ndcg@10", "nDCG@10"), ("p@10", "P@10"), ("recall@100", "R@100"))
# --check: the default's MAP over stemmed FTS5's, on every collection and on average.
CHECK_FLOOR = 0.98
CHECK_MEAN = 1.03
# A difference is called significant below this p-value.
ALPHA = 0.05

Run = dict[str, list[str]]


@dataclass(frozen=True)
class Config:
    """One ranking configuration: the settings and whether feedback is on."""

    name: str
    ranking: Any
    expand: bool = False


@dataclass
class SystemResult:
    """One system's figures on one collection, with its per-query values."""

    name: str
    scores: dict[str, float]
    index_seconds: float
    query_seconds: float
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)

    def ratio(self, base: "SystemResult", measure: str) -> float:
        """This system's mean ``measure`` over ``base``'s (0 when base is 0)."""
        return self.scores[measure] / base.scores[measure] if base.scores[measure] else 0.0

    def p_value(self, base: "SystemResult", measure: str = "map") -> float:
        """Paired randomization p-value of the per-query difference to ``base``."""
        qids = sorted(base.per_query[measure])
        return paired_randomization([self.per_query[measure][q] for q in qids],
                                    [base.per_query[measure][q] for q in qids])


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


def _our_search(ix: Any, text: str, expand: bool) -> list[str]:
    """The top ``TOP_K`` document ids our index returns for the cleaned ``text``."""
    cleaned = " ".join(clean_query(text).split())
    if not cleaned:
        return []
    result = ix.search(cleaned, match="any", limit=TOP_K, snippets=False, expand=expand)
    return [str(hit.id) for hit in result.hits][:TOP_K]


def _import_search() -> Any:
    """Our public API module, or exit with a message if it is not usable yet."""
    try:
        import search
    except ImportError as exc:  # pragma: no cover - depends on the tree
        raise SystemExit(f"cannot import our search package: {exc}") from exc
    missing = [n for n in ("build_index", "open_index", "Ranking") if not hasattr(search, n)]
    if missing:
        raise SystemExit(f"our search package lacks {', '.join(missing)}")
    return search


def default_config() -> Config:
    """The product's default: ``DEFAULT_RANKING`` and ``Index.search``'s own
    ``expand`` default."""
    import inspect

    search = _import_search()
    expand = inspect.signature(search.Index.search).parameters["expand"].default
    return Config("default", search.DEFAULT_RANKING, bool(expand))


def previous_config() -> Config:
    """The default before the held-out protocol: k1 2, title weight 2, feedback on."""
    search = _import_search()
    return Config("previous default (k1 2, title 2, feedback)",
                  search.Ranking(k1=2.0, b=0.75, field_weights=_weights(2.0)), True)


def _weights(title: float) -> dict[str, float]:
    """The default field weights with the title's replaced."""
    search = _import_search()
    return {**search.DEFAULT_RANKING.field_weights, "title": title}


def grid() -> list[Config]:
    """Every configuration the protocol chooses from.

    BM25F's k1 and b and the title weight on a full grid, feedback off; then
    each optional feature (a title bonus outside saturation, term proximity,
    adjacent-pair phrases, both, pseudo-relevance feedback) on the four corners k1 in {1.2, 2.0} x title
    in {1, 2} at b 0.75, with fixed weights (never fitted per collection).
    """
    search = _import_search()
    configs = [
        Config(f"k1 {k1} b {b} title {t}",
               search.Ranking(k1=k1, b=b, field_weights=_weights(t)))
        for k1 in (0.9, 1.2, 1.6, 2.0) for b in (0.6, 0.75, 0.9) for t in (1.0, 1.5, 2.0, 3.0)
    ]
    extras = {
        "+ title bonus 0.5": dict(title_bonus=0.5),
        "+ title bonus 1": dict(title_bonus=1.0),
        "+ proximity": dict(proximity_weight=0.5),
        "+ phrase": dict(phrase_weight=0.5),
        "+ proximity + phrase": dict(proximity_weight=0.3, phrase_weight=0.3),
    }
    for k1 in (1.2, 2.0):
        for t in (1.0, 2.0):
            base = f"k1 {k1} b 0.75 title {t}"
            for label, extra in extras.items():
                configs.append(Config(f"{base} {label}", search.Ranking(
                    k1=k1, b=0.75, field_weights=_weights(t), **extra)))
            configs.append(Config(f"{base} + feedback", search.Ranking(
                k1=k1, b=0.75, field_weights=_weights(t)), True))
    return configs


def run_config(search: Any, index_dir: Path, config: Config, queries: dict[str, str]) -> tuple[Run, float]:
    """Run ``queries`` on the index at ``index_dir`` with ``config``; the run
    and the total query time in seconds."""
    ix = search.open_index(index_dir, ranking=config.ranking)
    started = time.perf_counter()
    try:
        run = {qid: _our_search(ix, text, config.expand) for qid, text in queries.items()}
    finally:
        ix.close()
    return run, time.perf_counter() - started


def _scored(name: str, run: Run, qrels: Any, index_s: float, query_s: float) -> SystemResult:
    """A system's figures on one collection, with per-query MAP and nDCG@10."""
    return SystemResult(
        name, evaluate(run, qrels), index_s, query_s,
        {m: per_query(run, qrels, m) for m in ("map", "ndcg@10")},
    )


def measure_collection(collection: Collection, configs: Sequence[Config]) -> CollectionResult:
    """Index the collection once with ours and with both FTS5 tokenizers,
    run every configuration in ``configs`` and both baselines, and score them.

    Our index is built with ``search.build_index`` in a temporary directory
    (removed afterwards) from whole documents (id, title, authors, source,
    body), exactly as the product indexes; each configuration opens it with
    its ``Ranking`` through ``search.open_index``.
    """
    search = _import_search()
    queries = judged_queries(collection)
    result = CollectionResult(collection.name, len(collection.docs), len(queries))
    with tempfile.TemporaryDirectory(prefix="relevance-") as tmp:
        index_dir = Path(tmp) / "index"
        started = time.perf_counter()
        search.build_index(documents=collection.docs, index_dir=index_dir)
        index_s = time.perf_counter() - started
        for config in configs:
            run, query_s = run_config(search, index_dir, config, queries)
            result.systems.append(_scored(config.name, run, collection.qrels, index_s, query_s))
    for name in (FTS5_PLAIN, FTS5_PORTER):
        run, index_s, query_s = run_fts5(collection, queries, name)
        result.systems.append(_scored(name, run, collection.qrels, index_s, query_s))
    return result


# --- the held-out protocol ---------------------------------------------------

def objective(result: CollectionResult, name: str) -> float:
    """What the protocol maximises on a collection: the mean of the MAP and
    nDCG@10 ratios of configuration ``name`` to stemmed FTS5."""
    system, base = result.system(name), result.system(BASELINE)
    return (system.ratio(base, "map") + system.ratio(base, "ndcg@10")) / 2


def choose(results: Sequence[CollectionResult], names: Sequence[str]) -> str:
    """The configuration among ``names`` with the best mean ``objective``
    over ``results`` (the first listed wins a tie)."""
    return max(names, key=lambda n: (sum(objective(r, n) for r in results) / len(results), -names.index(n)))


@dataclass
class Fold:
    """One round of leave-one-collection-out."""

    held_out: str
    chosen: str          # chosen on the other collections: validation
    tuned: str           # best on the held-out collection itself: tuned


def leave_one_out(results: Sequence[CollectionResult], names: Sequence[str]) -> list[Fold]:
    """For each collection, the configuration chosen on all the others, and
    the one that would have been chosen on the collection itself."""
    return [
        Fold(r.name, choose([o for o in results if o is not r], names), choose([r], names))
        for r in results
    ]


# --- output ------------------------------------------------------------------

def _ratio(value: float, base: float) -> str:
    """``value / base`` to three decimals, or ``-`` when ``base`` is 0."""
    return f"{value / base:.3f}" if base else "-"


def _p(system: SystemResult, base: SystemResult) -> str:
    """The MAP p-value against ``base``, starred when significant."""
    if system is base:
        return ""
    p = system.p_value(base)
    return f"{p:.3f}" + ("*" if p < ALPHA else " ")


def format_table(result: CollectionResult, names: Sequence[str] | None = None) -> str:
    """A plain-text table of the systems called ``names`` (default all) on one collection."""
    base = result.system(BASELINE)
    shown = [result.system(n) for n in names] if names else result.systems
    width = max(24, *(len(s.name) + 1 for s in shown))
    header = (f"{'system':<{width}}" + "".join(f"{label:>8}" for _, label in MEASURES)
              + f"{'MAP/stem':>9}{'nDCG/stem':>10}{'p(MAP)':>8}{'index s':>8}{'query s':>8}")
    lines = [
        f"{result.name}: {result.documents} documents, {result.judged_queries} "
        f"judged queries, top {TOP_K}; ratios and paired randomization p vs {BASELINE}",
        header,
        "-" * len(header),
    ]
    for system in shown:
        s = system.scores
        lines.append(
            f"{system.name:<{width}}" + "".join(f"{s[key]:>8.4f}" for key, _ in MEASURES)
            + f"{_ratio(s['map'], base.scores['map']):>9}"
            + f"{_ratio(s['ndcg@10'], base.scores['ndcg@10']):>10}"
            + f"{_p(system, base):>8}"
            + f"{system.index_seconds:>8.2f}{system.query_seconds:>8.2f}"
        )
    return "\n".join(lines)


def _ratios(result: CollectionResult, name: str) -> tuple[float, float, float]:
    """MAP ratio, nDCG@10 ratio and MAP p-value of ``name`` against the baseline."""
    system, base = result.system(name), result.system(BASELINE)
    return system.ratio(base, "map"), system.ratio(base, "ndcg@10"), system.p_value(base)


def format_protocol(results: Sequence[CollectionResult], names: Sequence[str], default: str) -> str:
    """The leave-one-collection-out table: validation next to tuned figures,
    the default's figures, and the validation means of each feature family."""
    by_name = {r.name: r for r in results}
    folds = leave_one_out(results, names)
    lines = [
        f"Leave-one-collection-out over {len(names)} configurations, ratios to {BASELINE}",
        "(validation: chosen on the other collections; tuned: chosen on the collection itself)",
        f"{'held out':<10}{'val MAP':>8}{'val nDCG':>9}{'p':>7}  {'tun MAP':>8}{'tun nDCG':>9}  chosen on the others | tuned",
    ]
    val_map, val_ndcg, tun_map, tun_ndcg = [], [], [], []
    for fold in folds:
        r = by_name[fold.held_out]
        vm, vn, vp = _ratios(r, fold.chosen)
        tm, tn, _ = _ratios(r, fold.tuned)
        val_map.append(vm), val_ndcg.append(vn), tun_map.append(tm), tun_ndcg.append(tn)
        lines.append(f"{fold.held_out:<10}{vm:>8.3f}{vn:>9.3f}{vp:>7.3f}  {tm:>8.3f}{tn:>9.3f}  "
                     f"{fold.chosen} | {fold.tuned}")
    n = len(folds)
    lines.append(f"{'mean':<10}{sum(val_map) / n:>8.3f}{sum(val_ndcg) / n:>9.3f}{'':>7}  "
                 f"{sum(tun_map) / n:>8.3f}{sum(tun_ndcg) / n:>9.3f}")
    votes: dict[str, int] = {}
    for fold in folds:
        votes[fold.chosen] = votes.get(fold.chosen, 0) + 1
    lines.append("folds' choices: " + "; ".join(f"{c} ({k} of {n})" for c, k in
                                                 sorted(votes.items(), key=lambda kv: -kv[1])))
    held = [f.held_out for f in folds if f.chosen == default]
    lines.append(f"the code's default ({default}) is the held-out choice on: {', '.join(held) or 'none'}")
    lines.append("")
    lines.append("Validation means (MAP / nDCG@10 ratio) when the protocol may choose only from:")
    families = {
        "BM25F grid (k1, b, title), no extras": lambda c: "+" not in c,
        "  ... or + proximity": lambda c: "+" not in c or c.endswith("+ proximity"),
        "  ... or + phrase": lambda c: "+" not in c or c.endswith("+ phrase"),
        "  ... or + proximity + phrase": lambda c: "+" not in c or "proximity + phrase" in c,
        "  ... or + feedback": lambda c: "+" not in c or c.endswith("+ feedback"),
        "  ... or + title bonus": lambda c: "+" not in c or "+ title bonus" in c,
        "everything": lambda c: True,
    }
    for label, keep in families.items():
        subset = [c for c in names if keep(c)]
        sub = leave_one_out(results, subset)
        m = sum(_ratios(by_name[f.held_out], f.chosen)[0] for f in sub) / n
        g = sum(_ratios(by_name[f.held_out], f.chosen)[1] for f in sub) / n
        lines.append(f"  {label:<38} {m:.3f} / {g:.3f}")
    return "\n".join(lines)


def check_failures(results: Sequence[CollectionResult], name: str = "default") -> list[str]:
    """Why configuration ``name`` fails the CI check: MAP below ``CHECK_FLOOR``
    times stemmed FTS5's on a collection, or a mean ratio below ``CHECK_MEAN``."""
    failures = []
    ratios = []
    for result in results:
        ours, base = result.system(name), result.system(BASELINE)
        ratio = ours.ratio(base, "map")
        ratios.append(ratio)
        if ratio < CHECK_FLOOR:
            failures.append(
                f"{result.name}: ours MAP {ours.scores['map']:.4f} is {ratio:.3f}x "
                f"{BASELINE}'s {base.scores['map']:.4f} (floor {CHECK_FLOOR})"
            )
    if ratios and sum(ratios) / len(ratios) < CHECK_MEAN:
        failures.append(f"mean MAP ratio {sum(ratios) / len(ratios):.3f} is below {CHECK_MEAN}")
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


def to_json(results: Sequence[CollectionResult], seconds: float, folds: Sequence[Fold] = ()) -> dict[str, Any]:
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
        "folds": [vars(f) for f in folds],
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
        description="Measure ranking quality on the test collections against SQLite FTS5 BM25.",
    )
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR,
                        help=f"folder holding the collections (default {DEFAULT_EVAL_DIR})")
    parser.add_argument("--collections", type=_collection_names, default=list(LOADERS),
                        help=f"comma-separated collections (default {','.join(LOADERS)})")
    parser.add_argument("--protocol", action="store_true",
                        help="also run the whole configuration grid and the leave-one-collection-out choice")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures here")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 if the default's MAP is below {CHECK_FLOOR}x {BASELINE}'s on a "
                             f"collection or {CHECK_MEAN}x on average")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; return the process exit status."""
    args = parse_args(argv)
    started = time.perf_counter()
    default, previous = default_config(), previous_config()
    configs = [default] + ([previous] + grid() if args.protocol else [])
    results = []
    for name in args.collections:
        folder = args.eval_dir / name
        if not folder.is_dir():
            print(f"error: no {name} collection at {folder}", file=sys.stderr)
            return 2
        results.append(measure_collection(LOADERS[name](folder), configs))
        shown = [c.name for c in configs[:2]] + [FTS5_PLAIN, FTS5_PORTER]
        print(format_table(results[-1], shown), end="\n\n", flush=True)
    folds: list[Fold] = []
    if args.protocol and len(results) > 1:
        names = [c.name for c in configs[2:]]
        default_name = next((c.name for c in configs[2:] if c.ranking == default.ranking
                             and c.expand == default.expand), "default (not in the grid)")
        print(format_protocol(results, names, default_name), end="\n\n")
        folds = leave_one_out(results, names)
    seconds = time.perf_counter() - started
    print(f"total {seconds:.1f} s (Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs)")
    if args.json:
        args.json.write_text(json.dumps(to_json(results, seconds, folds), indent=2) + "\n",
                             encoding="utf-8")
    if args.check:
        failures = check_failures(results)
        for failure in failures:
            print(f"check failed: {failure}", file=sys.stderr)
        if failures:
            return 1
        print(f"check passed: the default's MAP is at least {CHECK_FLOOR}x {BASELINE}'s on every "
              f"collection and {CHECK_MEAN}x on average")
    return 0


if __name__ == "__main__":
    sys.exit(main())

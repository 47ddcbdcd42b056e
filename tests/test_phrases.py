"""Phrases mean what they say: every typed word keeps its place, stop words too."""

from __future__ import annotations

import copy
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import search
from search.cli import cli
from search import phrases, postings
from search.phrases import is_removed, phrase_postings
from search.schema import WORD_PATTERN, phrase_slots, slot_term

DOCS = [
    {"id": "of", "title": "Origins", "body": "The war of independence lasted eight years."},
    {"id": "for", "title": "Claims", "body": "Their war for independence was short."},
    {"id": "bare", "title": "Slogans", "body": "A war independence slogan, nothing more."},
    {"id": "far", "title": "Drift", "body": "The war dragged on and independence came later."},
    {"id": "own", "title": "Goals", "body": "Large own goals decided it. Large crowds came."},
    {"id": "large", "title": "Crowds", "body": "Large crowds came. It was large, very large."},
    {"id": "law", "title": "The Rule of Law", "authors": ["Ann Rule"], "body": "Courts and rules."},
    {"id": "rules", "title": "Rules", "authors": ["Bo Law"], "body": "The rule of the law."},
]


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phrases")
    search.build_index(documents=DOCS, index_dir=folder)
    with search.open_index(folder) as index:
        yield index


def ids(index, query: str, **options) -> set[str]:
    return {h.id for h in index.search(query, limit=50, correct=False, **options).hits}


def test_a_stop_word_in_a_phrase_is_that_word_at_that_place(ix) -> None:
    assert ids(ix, '"war of independence"') == {"of"}
    assert ids(ix, '"war for independence"') == {"for"}
    # Without the stop word the words must be next to each other.
    assert ids(ix, '"war independence"') == {"bare"}
    # The unquoted words still match wherever they are.
    assert ids(ix, "war independence") == {"of", "for", "bare", "far"}


def test_stop_words_at_either_end_count_too(ix) -> None:
    # "own" is a stop word: it used to be dropped, and the phrase meant "large".
    assert ids(ix, '"large own"') == {"own"}
    assert ids(ix, '"large"') == {"own", "large"}
    assert ids(ix, '"very large"') == {"large"}
    assert ids(ix, '"the war"') == {"of", "far"}


def test_phrases_in_titles_and_names(ix) -> None:
    assert ids(ix, 'title:"rule of law"') == {"law"}
    assert ids(ix, '"rule of law"') == {"law"}  # the body says "rule of the law"
    assert ids(ix, '"rule of the law"') == {"rules"}
    assert ids(ix, 'author:"ann rule"') == {"law"}
    assert ids(ix, 'author:"rule ann"') == set()


def test_a_phrase_of_stop_words_only_is_ignored(ix) -> None:
    results = ix.search('"of the" courts')
    assert {h.id for h in results.hits} == {"law"}


def test_snippets_mark_only_the_phrase(ix) -> None:
    hit = ix.search('"war of independence"').hits[0]
    assert "<mark>war</mark> <mark>of</mark> <mark>independence</mark>" in hit.snippet
    spans = ix.match_spans("A war for independence, then the war of independence.", '"war of independence"')
    text = "A war for independence, then the war of independence."
    assert [text[s:e] for s, e in spans] == ["war", "of", "independence"]
    assert spans[0][0] == text.index("war of")
    # Escaping is unchanged.
    assert ix.highlight("<b>war of independence</b>", '"war of independence"') == (
        "&lt;b&gt;<mark>war</mark> <mark>of</mark> <mark>independence</mark>&lt;/b&gt;")


ADJACENT = [
    {"id": "after", "title": "A", "body": "Many people and their towns were counted."},
    {"id": "before", "title": "B", "body": "Towns and people were counted."},
    {"id": "apart", "title": "C", "body": "People were counted, and towns too."},
    {"id": "gap", "title": "D", "body": "People say and do."},
    {"id": "twice", "title": "E", "body": "People and towns; people and roads."},
    {"id": "end", "title": "F", "body": "Roads were built for the people"},
]


def test_a_stop_word_counts_only_at_its_own_place(tmp_path: Path) -> None:
    # "people and": the stop word right after the word, nowhere else; the
    # documents with "and" before "people", or a word between, do not match.
    search.build_index(documents=ADJACENT, index_dir=tmp_path / "ix")
    with search.open_index(tmp_path / "ix") as index:
        assert ids(index, '"people and"') == {"after", "twice"}
        assert ids(index, '"and people"') == {"before"}
        assert ids(index, '"the people"') == {"end"}
        # At the body's end there is no word after "people".
        assert ids(index, '"people the"') == set()
        assert ids(index, '"people and their towns"') == {"after"}
        assert ids(index, '"people and towns"') == {"twice"}
        assert ids(index, '"people and roads"') == {"twice"}
        # Counted twice where it occurs twice (the phrase's frequency).
        docnums, counts = phrase_postings(index._searcher().reader(), "body", phrase_slots("people and"))
        assert sorted(counts.tolist()) == [1.0, 2.0]
        # The same answers once the stop word's positions are cached.
        assert ids(index, '"people and"') == {"after", "twice"}
        assert ids(index, '"and people"') == {"before"}


def _brute_force(text: str, slots: tuple[tuple[int, str], ...]) -> int:
    """Occurrences of a phrase in a text, from its words one by one (no index)."""
    terms = [slot_term(w) for w in re.findall(WORD_PATTERN, text)]
    terms = [t for t in terms if t is not None]
    low = min(o for o, _ in slots)
    high = max(o for o, _ in slots)
    return sum(all(terms[i + o] == t for o, t in slots) for i in range(-low, len(terms) - high))


def _random_docs(rng: random.Random, count: int, first: int = 0) -> list[dict]:
    return [{"id": str(i), "title": "T", "body": " ".join(rng.choice(VOCABULARY) for _ in range(40))}
            for i in range(first, first + count)]


VOCABULARY = "war of the independence large own free and fair a rule law i x".split()


@pytest.mark.parametrize("deleted", [(), ("3", "17")])
@pytest.mark.parametrize("how", ["reader", "cached", "candidates only", "small ranges"])
def test_phrase_postings_agree_with_reading_the_texts(tmp_path: Path, deleted: tuple[str, ...], how: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Positions straight from the reader, through the generation's cache
    # (each term read whole, then reused; a stop word's streamed whole, then
    # cached), with every term after the rarest read for the candidates
    # only, and matched a few candidates at a time (ranges that end inside
    # posting blocks).  Deleted documents never match.
    if how == "candidates only":
        monkeypatch.setattr(postings, "POSITIONS_WHOLE", 0)
    if how == "small ranges":
        monkeypatch.setattr(phrases, "PHRASE_RANGE", 7)
    rng = random.Random(7)
    # 300 documents: posting lists of several blocks (Whoosh writes 128 postings a block).
    docs = _random_docs(rng, 300)
    search.build_index(documents=docs, index_dir=tmp_path / "ix")
    if deleted:
        search.delete_documents(tmp_path / "ix", deleted)
    with search.open_index(tmp_path / "ix") as index:
        searcher = index._searcher()
        reader = searcher.reader()
        columns = None if how == "reader" else postings.Columns(searcher, index.ranking.b)
        id_of = reader.column_reader("id")
        live = {d["id"]: d["body"] for d in docs if d["id"] not in deleted}
        for _ in range(60):
            words = [rng.choice(VOCABULARY) for _ in range(rng.randint(2, 4))]
            slots = phrase_slots(" ".join(words))
            if not slots:
                continue
            docnums, counts = phrase_postings(reader, "body", slots, columns)
            found = {id_of[d]: c for d, c in zip(docnums.tolist(), counts.tolist())}
            expected = {k: float(n) for k, v in live.items() if (n := _brute_force(v, slots))}
            assert found == expected, words
        if columns is not None and how in ("cached", "small ranges"):
            cached = [term for _, term in columns._positions._items]
            assert any(is_removed(term) for term in cached) and not all(is_removed(term) for term in cached)


def test_a_stop_word_underestimated_by_its_first_block_is_not_held_whole(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # Short documents first, long ones after: the estimate from the first
    # block is far below the stop word's real size.  With the cache's share
    # between the two, the phrase still matches exactly, and the stop word's
    # ranges are given up before they add up to more than that share.
    docs = [{"id": f"s{i}", "title": "T", "body": f"the cat sat word{i}"} for i in range(300)]
    docs += [{"id": f"l{i}", "title": "T", "body": "the dog ran and the cat sat " * 40} for i in range(300)]
    search.build_index(documents=docs, index_dir=tmp_path / "ix")
    stop = " removed the"
    with search.open_index(tmp_path / "ix") as index:
        searcher = index._searcher()
        reader = searcher.reader()
        live = postings.live_mask(reader, reader.doc_count_all())
        estimate = postings.estimated_bytes(reader, "body", stop)
        actual = postings.positions_bytes([postings.read_positions(reader, "body", stop, live)])
        assert actual > 5 * estimate  # the situation this test is about
        share = (estimate + actual) // 2
        monkeypatch.setattr(postings, "POSITIONS_CACHE_BYTES", 4 * share)
        monkeypatch.setattr(phrases, "PHRASE_RANGE", 50)
        joined: list[int] = []
        real_join = phrases.join_positions
        monkeypatch.setattr(phrases, "join_positions", lambda parts: joined.append(
            postings.positions_bytes(parts)) or real_join(parts))
        columns = postings.Columns(searcher, index.ranking.b)
        assert columns.could_keep(reader, "body", stop)
        id_of = reader.column_reader("id")
        for text in ("the dog", "ran and the", "the cat"):
            slots = phrase_slots(text)
            docnums, counts = phrase_postings(reader, "body", slots, columns)
            found = {id_of[d]: c for d, c in zip(docnums.tolist(), counts.tolist())}
            expected = {d["id"]: float(n) for d in docs if (n := _brute_force(d["body"], slots))}
            assert found == expected, text
        assert all(size <= share for size in joined)
        assert columns.cached_positions("body", stop) is None


def test_searches_find_the_phrases_of_each_generation(tmp_path: Path) -> None:
    # One open index across adding and deleting: each generation's cached
    # positions give exactly that generation's documents.
    rng = random.Random(11)
    docs = _random_docs(rng, 200)
    folder = tmp_path / "ix"
    search.build_index(documents=docs, index_dir=folder)
    phrases = ['"war of the"', '"free and fair"', '"rule law"', '"large own"', '"a war"', '"independence x i"']

    def check(index, texts: dict[str, str]) -> None:
        for phrase in phrases:
            slots = phrase_slots(phrase.strip('"'))
            expected = {k for k, v in texts.items() if _brute_force(v, slots)}
            results = index.search(phrase, limit=1000)
            assert {h.id for h in results.hits} == expected, phrase
            assert results.total == len(expected)

    texts = {d["id"]: d["body"] for d in docs}
    with search.open_index(folder) as index:
        check(index, texts)
        added = _random_docs(rng, 150, first=200)
        search.add_documents(folder, added)
        texts.update({d["id"]: d["body"] for d in added})
        check(index, texts)
        gone = [str(i) for i in range(0, 350, 7)]
        search.delete_documents(folder, gone)
        for key in gone:
            del texts[key]
        check(index, texts)


def test_an_index_of_the_previous_version_is_rebuilt_by_index_and_refused_by_search(tmp_path: Path) -> None:
    from whoosh import fields, index as whoosh_index
    from whoosh.analysis import StopFilter

    from search.schema import SCHEMA, STOP_WORDS, text_analyzer

    # The schema before stop words kept their places.
    old = copy.deepcopy(SCHEMA)
    old_analyzer = text_analyzer()
    old_analyzer.items[3] = StopFilter(STOP_WORDS)
    for name, stored in (("title", True), ("body", True), ("tags", False)):
        old.remove(name)
        old.add(name, fields.TEXT(analyzer=old_analyzer, stored=stored, spelling=name != "tags"))
    folder = tmp_path / "index"
    folder.mkdir()
    writer = whoosh_index.create_in(str(folder), old).writer()
    writer.add_document(id="x", body="Large own goals.")
    writer.commit()
    with pytest.raises(search.IndexCorruptError, match="another version"):
        search.open_index(folder)
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "own.txt").write_text("Goals\n\nLarge own goals decided it.\n", encoding="utf-8")
    (corpus / "crowds.txt").write_text("Crowds\n\nLarge crowds came.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["index", str(corpus), "--index-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("\n") >= 1
    assert f"The index at {folder} was built by another version; rebuilding it from {corpus}…" in result.stderr
    with search.open_index(folder) as index:
        assert index.doc_count == 2
        assert [h.id for h in index.search('"large own"').hits] == ["own.txt"]


def test_long_bodies_and_markdown_sources_come_back_whole(tmp_path: Path) -> None:
    from search.storedtext import STORED_BODY_CHARS

    long_text = "Tariffs rose. " * (STORED_BODY_CHARS // 10)
    long_markdown = "# Head\n\n" + "*Levies* fell. " * (STORED_BODY_CHARS // 10)
    docs = [
        search.Document(id="long.txt", title="Long", body=long_text + "Platypus at the end."),
        search.Document(id="long.md", title="Long md", body=long_markdown, format="markdown"),
        search.Document(id="short.md", title="Short md", body="Some *short* text.", format="markdown"),
    ]
    search.build_index(documents=docs, index_dir=tmp_path / "ix")
    with search.open_index(tmp_path / "ix") as index:
        for doc in docs:
            assert index.get(doc.id).body == doc.body
        assert index.get_text("long.txt") == long_text + "Platypus at the end."
        assert index.get_text("short.md") == "Some short text."
        assert index.get_text("long.md").count("Levies fell.") == STORED_BODY_CHARS // 10
        # Found beyond the stored opening, and shown.
        assert "<mark>Platypus</mark>" in index.search("platypus").hits[0].snippet

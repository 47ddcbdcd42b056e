"""Documents given from Python: one bad document never stops a build (issue 8, items 5 and 6)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import search
from search.document import checked_document


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


def good(doc_id: str, **fields: object) -> dict[str, object]:
    return {"id": doc_id, "title": f"Essay {doc_id}", "body": f"Budgets and tariffs, essay {doc_id}.", **fields}


@pytest.mark.parametrize("entry", ["build", "add"])
def test_bad_documents_are_skipped_with_their_id_and_the_rest_is_indexed(index_dir: Path, entry: str) -> None:
    docs = [
        good("one"),
        good("fives", authors=5),
        good("nested", tags=[["a"]]),
        good("numeric-title", title=2023),
        {"id": "", "body": "no id"},
        {"title": "missing id"},
        "not a document",
        good("two"),
    ]
    if entry == "build":
        report = search.build_index(documents=docs, index_dir=index_dir)
    else:
        search.build_index(documents=[good("zero")], index_dir=index_dir)
        report = search.add_documents(index_dir, docs)
    assert report.added == 2
    skipped = {p.path: p for p in report.skipped}
    assert set(skipped) == {"fives", "nested", "numeric-title", "document #5", "document #6", "document #7"}
    assert skipped["fives"].id == "fives" and "authors" in skipped["fives"].reason
    assert "title must be text" in skipped["numeric-title"].reason
    assert skipped["document #5"].id is None and "id" in skipped["document #5"].reason
    assert "not str" in skipped["document #7"].reason
    # The JSON summary (``commentary index --json``) names them too.
    assert {"path": "fives", "reason": skipped["fives"].reason, "id": "fives"} in report.to_dict()["skipped"]
    with search.open_index(index_dir) as ix:
        assert ix.get("one") is not None and ix.get("two") is not None and ix.get("fives") is None


def test_dates_are_read_with_the_readers_parser(index_dir: Path) -> None:
    docs = [
        good("prose", date="March 19, 2023"),
        good("short", date="2023-3-5"),
        good("object", date=dt.date(2021, 7, 4)),
        good("datetime", date=dt.datetime(2020, 1, 2, 23, 59)),
        good("impossible", date="2023-13-45"),
        good("compact", date="20230101"),
        good("number", date=20230101),
        good("none", date=None),
    ]
    report = search.build_index(documents=docs, index_dir=index_dir)
    assert report.added == len(docs) and not report.skipped
    warned = {p.path: p.reason for p in report.warnings}
    assert set(warned) == {"impossible", "compact", "number"}
    assert "2023-13-45" in warned["impossible"] and "undated" in warned["impossible"]
    with search.open_index(index_dir) as ix:
        dates = {d: ix.get(d).date for d in (doc["id"] for doc in docs)}
        assert dates == {
            "prose": "2023-03-19", "short": "2023-03-05", "object": "2021-07-04", "datetime": "2020-01-02",
            "impossible": None, "compact": None, "number": None, "none": None,
        }
        # Normalised dates sort and filter: none of the unreadable ones leaks into a range.
        in_2023 = ix.search("", since="2023-01-01", until="2023-12-31", limit=100)
        assert {h.id for h in in_2023.hits} == {"prose", "short"}
        newest = [h.id for h in ix.search("", sort="newest", limit=100).hits]
        assert newest[:4] == ["prose", "short", "object", "datetime"]
        assert ix.stats()["undated"] == 4


def test_lone_surrogates_are_replaced_in_every_text_field(index_dir: Path) -> None:
    bad = "caf\ud800"
    doc = good("surrogates", title=bad, authors=[bad], affiliation=bad, source=bad, url=bad,
               tags=[bad], body=f"{bad} budgets", extra={"note": bad, bad: [bad]})
    report = search.build_index(documents=[doc, good("plain")], index_dir=index_dir)
    assert report.added == 2 and not report.skipped
    assert [p.id for p in report.warnings] == ["surrogates"]
    assert "surrogates" in report.warnings[0].reason
    with search.open_index(index_dir) as ix:
        stored = ix.get("surrogates")
        fixed = "caf\ufffd"
        assert (stored.title, stored.authors, stored.affiliation, stored.source, stored.url, stored.tags) == (
            fixed, [fixed], fixed, fixed, fixed, [fixed])
        assert stored.extra == {"note": fixed, fixed: [fixed]}
        assert ix.search("budgets").total == 2


def test_a_surrogate_pair_written_in_halves_is_kept_as_one_character() -> None:
    doc = checked_document(search.Document(id="emoji", title="\ud83d\ude00 smile"))
    assert doc.title == "\U0001F600 smile" and not doc.warnings


def test_an_id_that_is_not_valid_unicode_is_skipped_not_altered(index_dir: Path) -> None:
    report = search.build_index(documents=[good("a\udc80b"), good("fine")], index_dir=index_dir)
    assert report.added == 1
    assert [p.reason for p in report.skipped] == [
        "id is not valid Unicode: it has a lone surrogate (as a file name that is not UTF-8 gives)"]


def test_document_objects_pass_the_same_checks(index_dir: Path) -> None:
    docs = [
        search.Document(id="obj", title="Object", date="2023-3-5", body="budgets"),
        search.Document(id="bad-authors", authors=5),  # type: ignore[arg-type]
        search.Document(id=7, title="Numbered"),  # type: ignore[arg-type]
    ]
    report = search.build_index(documents=docs, index_dir=index_dir)
    assert report.added == 2 and [p.id for p in report.skipped] == ["bad-authors"]
    with search.open_index(index_dir) as ix:
        assert ix.get("obj").date == "2023-03-05"
        assert ix.get("7").title == "Numbered"
    # The caller's object is not changed behind its back.
    assert docs[0].date == "2023-3-5"


def test_extra_values_are_made_storable(index_dir: Path) -> None:
    doc = good("extra", extra={"when": dt.date(2020, 1, 1), "set": {3, 1}, "call": print,
                               "nan": float("nan"), "inf": float("-inf"), 5: "number key"})
    report = search.build_index(documents=[doc], index_dir=index_dir)
    assert report.added == 1 and not report.skipped
    with search.open_index(index_dir) as ix:
        extra = ix.get("extra").extra
    assert extra["when"] == "2020-01-01" and extra["set"] == [1, 3]
    assert extra["nan"] is None and extra["inf"] is None and extra["5"] == "number key"
    assert isinstance(extra["call"], str)


def test_extra_that_nests_without_end_is_skipped(index_dir: Path) -> None:
    loop: dict[str, object] = {}
    loop["self"] = loop
    deep: list[object] = []
    for _ in range(100):
        deep = [deep]
    report = search.build_index(documents=[good("loop", extra=loop), good("deep", topic=deep), good("ok")],
                                index_dir=index_dir)
    assert report.added == 1
    assert {p.id: "nests" in p.reason for p in report.skipped} == {"loop": True, "deep": True}


def test_unknown_format_is_indexed_as_text_with_a_warning(index_dir: Path) -> None:
    report = search.build_index(documents=[good("html", format="html")], index_dir=index_dir)
    assert report.added == 1 and "unknown format 'html'" in report.warnings[0].reason
    with search.open_index(index_dir) as ix:
        assert ix.get("html").format == "text"


def test_duplicate_ids_in_one_batch_last_one_wins(index_dir: Path) -> None:
    docs = [good("dup", body="first version"), good("other"), good("dup", body="second version"),
            good("dup", body="third version")]
    report = search.build_index(documents=docs, index_dir=index_dir)
    assert report.added == 2
    assert [(p.id, p.reason) for p in report.warnings] == [("dup", "given 3 times; the last one was indexed")]
    with search.open_index(index_dir) as ix:
        assert ix.search("version").total == 1
        assert ix.get("dup").body == "third version"
    again = search.add_documents(index_dir, [good("dup", body="fourth"), good("dup", body="fifth")])
    assert (again.added, again.updated) == (0, 1) and again.warnings[0].id == "dup"
    with search.open_index(index_dir) as ix:
        assert ix.get("dup").body == "fifth" and ix.search("fifth").total == 1


def test_documents_must_be_a_collection(index_dir: Path) -> None:
    for wrong in (5, "abc", {"id": "x"}, search.Document(id="x")):
        with pytest.raises(search.SearchError, match="documents must be a list"):
            search.build_index(documents=wrong, index_dir=index_dir)  # type: ignore[arg-type]
    # A generator is a collection too.
    report = search.build_index(documents=(good(str(i)) for i in range(3)), index_dir=index_dir)
    assert report.added == 3


def test_one_string_is_one_source_and_one_id(tmp_path: Path, index_dir: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("A Title – Ann Author\n\n2020-01-01\n\nBody about budgets.\n")
    assert search.build_index(str(folder), index_dir=index_dir).added == 1
    search.add_documents(index_dir, [good("a"), good("b"), good("c"), good("abc")])
    # "abc" used to delete "a", "b" and "c", one per character.
    report = search.delete_documents(index_dir, "abc")
    assert report.removed == 1
    with search.open_index(index_dir) as ix:
        assert ix.get("abc") is None and ix.get("a") is not None
    with pytest.raises(search.SearchError, match="document ids are text"):
        search.delete_documents(index_dir, [None])  # type: ignore[list-item]


def test_deleting_from_no_index_says_so(tmp_path: Path) -> None:
    with pytest.raises(search.IndexMissingError):
        search.delete_documents(tmp_path / "none", ["a"])
    assert not (tmp_path / "none").exists() or not search.index_exists(tmp_path / "none")


# -- any document at all ----------------------------------------------------------------

# Text with everything a caller may send: control characters, lone surrogates, any plane.
_TEXT = st.text(st.one_of(st.characters(), st.sampled_from(["\ud800", "\udfff", "\x00", "\x1b", "\u2028"])),
                max_size=40)
_VALUE = st.one_of(st.none(), _TEXT, st.integers(), st.floats(), st.booleans(), st.binary(max_size=8),
                   st.dates(), st.lists(_TEXT, max_size=3), st.dictionaries(_TEXT, _TEXT, max_size=2))
_DOCUMENT = st.one_of(
    st.fixed_dictionaries(
        {"id": st.one_of(_TEXT, st.integers(), st.none())},
        optional={name: _VALUE for name in
                  ("title", "authors", "author", "affiliation", "date", "source", "url", "tags", "body",
                   "format", "extra", "topic")},
    ),
    _VALUE,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(documents=st.lists(_DOCUMENT, max_size=6))
def test_any_batch_of_documents_is_indexed_or_reported(tmp_path_factory: pytest.TempPathFactory,
                                                       documents: list[object]) -> None:
    index_dir = tmp_path_factory.mktemp("any") / "index"
    report = search.build_index(documents=documents, index_dir=index_dir)
    # Every document is accounted for: indexed, skipped with a reason, or replaced by a later one with its id.
    duplicates = sum(int(p.reason.split()[1]) - 1 for p in report.warnings if p.reason.startswith("given "))
    assert report.added + len(report.skipped) + duplicates == len(documents)
    assert all(p.reason for p in report.skipped)
    with search.open_index(index_dir) as ix:
        hits = ix.search("", limit=100).hits
        assert len(hits) == report.added
        for hit in hits:
            doc = ix.get(hit.id)
            assert doc is not None and doc.id == hit.id
            assert doc.date is None or search.date_bounds(doc.date) == (doc.date, doc.date)


def test_names_are_one_line_so_a_separator_cannot_split_a_facet(index_dir: Path) -> None:
    doc = good("ctl", authors=["Ann\x1fLee", " Bo \t Kim\n"], affiliation="Lab\x0bOne", tags=["a\x1fb"],
               title="Two\nLines", body="Keeps\nits\nlines")
    search.build_index(documents=[doc], index_dir=index_dir)
    with search.open_index(index_dir) as ix:
        stored = ix.get("ctl")
        assert (stored.authors, stored.affiliation, stored.tags, stored.title) == (
            ["Ann Lee", "Bo Kim"], "Lab One", ["a b"], "Two Lines")
        assert stored.body == "Keeps\nits\nlines"
        assert [v.value for v in ix.facet_values("author")] == ["Ann Lee", "Bo Kim"]
        assert ix.search("", author="Ann Lee").total == 1

"""Querying: the query language, filters, facets, sorting, paging, snippets."""

from __future__ import annotations

import copy
import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import search


from corpus import DOCS, SEED, long_document, plain_text, write_corpus


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("searching")
    corpus = write_corpus(root / "docs")
    (corpus / "long.txt").write_text(long_document(300, 280, "platypus"))
    (corpus / "hostile.txt").write_text(plain_text(
        "<script>alert(1)</script> Hostile Title", "Mal Icious", "2005-05-05", ["Nowhere"],
        ["Watch this <script>alert('x')</script> and <img src=x onerror=alert(1)> tag & co. "
         "It goes on for a while, as commentary does, so that it reads as a paragraph of prose.",
         "A second paragraph makes the layout plain."], "Bad Press"))
    report = search.build_index([corpus], index_dir=root / "index")
    assert not report.skipped
    index = search.open_index(root / "index")
    yield index
    index.close()


def hit_ids(results: search.SearchResults) -> list[str]:
    return [h.id for h in results.hits]


# -- query language --------------------------------------------------------------


def test_plain_words_must_all_match(ix) -> None:
    res = ix.search("carbon dividend")
    assert hit_ids(res) == ["climate-2020.txt"]
    assert res.match == "all" and res.notice is None


def test_match_any_ranks_partial_matches(ix) -> None:
    res = ix.search("carbon drones", match="any")
    assert set(hit_ids(res)) == {"climate-2020.txt", "security-2012.txt"}


def test_all_falls_back_to_partial_matches_with_a_notice(ix) -> None:
    res = ix.search("carbon drones")
    assert set(hit_ids(res)) == {"climate-2020.txt", "security-2012.txt"}
    assert res.match == "any" and "some of them" in res.notice


def test_stemming_and_accent_folding_meet(ix) -> None:
    for q in ("election", "Elections", "élection", "ELECTORAL"):
        assert "elections-2021.txt" in hit_ids(ix.search(q)), q
    # The accented spelling in a body is found by the plain one.
    assert "climate-2023.txt" in hit_ids(ix.search("election pledges"))


def test_phrase_requires_adjacent_words(ix) -> None:
    assert hit_ids(ix.search('"standing army"')) == ["security-2010.txt"]
    assert ix.search('"army standing"').total == 0


def test_exclusion(ix) -> None:
    with_army = set(hit_ids(ix.search("parliament")))
    assert with_army == {"security-2010.txt"}
    assert ix.search("voters -parliament").total == ix.search("voters").total - 1
    assert "security-2010.txt" not in hit_ids(ix.search("voters NOT parliament"))


def test_or(ix) -> None:
    res = ix.search("hospitals OR platforms")
    assert set(hit_ids(res)) == {"health-2015.txt", "tech-2018.txt"}


def test_field_prefixes(ix) -> None:
    assert set(hit_ids(ix.search("author:chen"))) == {"climate-2020.txt", "climate-2023.txt"}
    assert hit_ids(ix.search("title:offsets")) == ["climate-2023.txt"]
    assert set(hit_ids(ix.search("affiliation:lund"))) == {"climate-2020.txt", "climate-2023.txt"}
    assert set(hit_ids(ix.search("source:defence"))) == {"security-2010.txt", "security-2012.txt"}
    assert hit_ids(ix.search('author:"sara okafor"')) == ["health-2015.txt"]
    assert hit_ids(ix.search("tag:notes")) == ["undated.md"]


@pytest.mark.parametrize("query, expected", [
    ("date:2012", {"security-2012.txt"}),
    ("date:2019-11", {"elections-2019.txt"}),
    ("date:2012-02-29", {"security-2012.txt"}),
    ("date:[2019-11-20 TO 2021-03-03]", {"elections-2019.txt", "climate-2020.txt", "elections-2021.txt"}),
    ("date:[2019-11-21 TO 2021-03-02]", {"climate-2020.txt"}),
    ("date:[2020 TO *]", {"climate-2020.txt", "elections-2021.txt", "climate-2023.txt", SEED.name}),
    ("voters date:2019", {"elections-2019.txt"}),
    ("voters -date:2019", {"elections-2021.txt", "security-2010.txt", SEED.name}),
])
def test_dates_in_queries(ix, query: str, expected: set[str]) -> None:
    assert set(hit_ids(ix.search(query, limit=100))) == expected


def test_trailing_wildcard(ix) -> None:
    res = ix.search("regulat*")
    assert hit_ids(res) == ["tech-2018.txt"]
    assert "<mark>Regulating</mark>" not in res.hits[0].snippet  # title word, not body
    res = ix.search("dron*")
    assert hit_ids(res) == ["security-2012.txt"]
    assert "<mark>Drone</mark>" in res.hits[0].snippet


HOSTILE = [
    '"unbalanced', "(unbalanced", "[1 TO", "date:[2020 TO", "author:", "author:   ", "AND OR NOT",
    "OR", "-", "--", "*", "*elect", "?", "e*", "\x00\x01\x1b[31m", "a" * 10_000, "elect* " * 500,
    "title:", 'title:"', "date:notadate", "date:2023-13-45", "unknownfield:value", "\\", "'", "<script>",
    "😀 emoji", "NOT", "-elections", "::::", "[]", '""', "a OR OR b", "((((", "date:[* TO *]",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_any_string_is_answered(ix, query: str) -> None:
    res = ix.search(query)
    assert isinstance(res.total, int) and res.total >= 0
    assert len(res.hits) <= 10
    for hit in res.hits:
        assert "<script" not in hit.snippet


def test_repairs_are_explained(ix) -> None:
    assert "not closed" in ix.search('"free elections').notice
    assert "needs a value" in ix.search("author:").notice
    assert "cut to" in ix.search("a" * 5000).notice
    assert "date" in ix.search("date:notadate").notice
    assert "end of a word" in ix.search("*elect").notice


def test_wildcard_expansion_is_capped(ix) -> None:
    # Any prefix works; only a bounded number of words is searched.
    from search.ranking import MAX_EXPANSION
    res = ix.search("te*")
    assert res.total > 0
    assert MAX_EXPANSION >= 50


def test_only_exclusions_match_everything_else(ix) -> None:
    everything = ix.search("").total
    assert ix.search("-elections").total == everything - ix.search("elections").total


# -- filters, facets, sorting, paging --------------------------------------------


def test_facets_cover_all_matches_not_just_the_page(ix) -> None:
    res = ix.search("", limit=1)
    assert len(res.hits) == 1
    authors = {f.value: f.count for f in res.facets["author"]}
    assert authors["Anna Berg"] == 2 and authors["Mei Chen"] == 2 and authors["John Carter"] == 2
    assert sum(f.count for f in res.facets["year"]) == res.total - 1  # one undated
    assert {f.value: f.count for f in res.facets["source"]}["Climate Weekly"] == 2


def test_facets_respect_other_facets_filters(ix) -> None:
    res = ix.search("", author=["Mei Chen"])
    assert res.total == 2
    # Other facets count only what the author filter lets through ...
    assert {f.value: f.count for f in res.facets["year"]} == {2020: 1, 2023: 1}
    # ... while the author facet ignores its own filter: every author stays
    # listed, with the count choosing them alone would show.
    unfiltered = {f.value: f.count for f in ix.search("").facets["author"]}
    authors = {f.value: f for f in res.facets["author"]}
    assert {v: f.count for v, f in authors.items()} == unfiltered
    assert authors["Mei Chen"].adds == 0
    assert [v for v, f in authors.items() if f.selected] == ["Mei Chen"]
    # A filter in another case selects the stored value all the same.
    assert [f.value for f in ix.search("", author="mei chen").facets["author"] if f.selected] == ["Mei Chen"]
    assert authors["Anna Berg"].adds == ix.search("", author=["Mei Chen", "Anna Berg"]).total - res.total > 0
    assert all(f.adds is None for f in res.facets["source"])


def test_filters_combine(ix) -> None:
    assert ix.search("", author=["Anna Berg", "John Carter"]).total == 4
    assert ix.search("", author=["Anna Berg"], source=["Policy Review"], since="2020").total == 1
    assert ix.search("", affiliation=["Director of the Security Forum"]).total == 2
    assert ix.search("", author=["anna  BERG"]).total == 2  # case and spacing do not matter


@pytest.mark.parametrize("since, until, expected", [
    ("2012-02-29", "2012-02-29", 1),
    ("2012-03-01", "2015-05-01", 1),
    ("2012", "2012", 1),
    ("2019-11", "2021-03", 3),
    (None, "2010-11-04", 3),
])
def test_date_range_edges(ix, since, until, expected) -> None:
    assert ix.search("", since=since, until=until).total == expected


def test_bad_parameters_raise_query_error(ix) -> None:
    for kwargs in ({"sort": "random"}, {"match": "some"}, {"page": 0}, {"page": "x"},
                   {"limit": 0}, {"limit": 1001}, {"since": "yesterday"},
                   {"since": "2020-02-30"}, {"since": "2021", "until": "2020"}):
        with pytest.raises(search.QueryError):
            ix.search("x", **kwargs)


def test_sorting_by_date_keeps_undated_last(ix) -> None:
    newest = ix.search("elections", sort="newest", limit=100)
    dates = [h.date for h in newest.hits]
    assert dates[-1] is None and dates[:-1] == sorted(dates[:-1], reverse=True)
    oldest = ix.search("elections", sort="oldest", limit=100)
    dates = [h.date for h in oldest.hits]
    assert dates[-1] is None and dates[:-1] == sorted(dates[:-1])
    assert all(h.score is None for h in oldest.hits)


def test_empty_query_lists_newest_first(ix) -> None:
    res = ix.search("")
    assert res.sort == "newest" and res.hits[0].id == SEED.name


def test_paging(ix) -> None:
    total = ix.search("", limit=1000).total
    seen = []
    for page in range(1, 5):
        seen += hit_ids(ix.search("", page=page, limit=4))
    assert len(seen) == len(set(seen)) == min(total, 16)
    past = ix.search("", page=99, limit=10)
    assert past.hits == [] and past.total == total
    assert ix.search("", limit=1000).pages == 1


def test_relevance_ranks_title_matches_first(ix) -> None:
    res = ix.search("offsets")
    assert res.hits[0].id == "climate-2023.txt"
    scores = [h.score for h in ix.search("elections", limit=100).hits]
    assert scores == sorted(scores, reverse=True)


def test_did_you_mean(ix) -> None:
    res = ix.search("hospitls reform")
    assert res.suggestion == "hospitals reform"
    assert ix.search("hospitals").suggestion is None
    assert ix.search("Carter").suggestion is None  # a name, known from the author field
    assert ix.search("okafr").suggestion == "okafor"  # names are suggested too


def test_a_misspelling_that_matches_nothing_shows_the_suggestions_results(ix) -> None:
    res = ix.search("hospitls")
    intended = ix.search("hospitals")
    assert intended.total > 0
    assert res.corrected and res.suggestion == "hospitals" and res.query == "hospitls"
    assert hit_ids(res) == hit_ids(intended) and res.total == intended.total
    assert res.to_dict()["corrected"] is True
    # Asked not to, the engine searches what was typed and still suggests.
    typed = ix.search("hospitls", correct=False)
    assert typed.total == 0 and not typed.corrected and typed.suggestion == "hospitals"
    # A known word is never "corrected".
    assert not intended.corrected and intended.suggestion is None


def test_a_word_no_document_has_is_left_out_before_relaxing_to_any(ix) -> None:
    res = ix.search("hospitals reform zeppelinography")
    both = ix.search("hospitals reform")
    assert both.total > 0 and both.match == "all"
    assert res.match == "all" and hit_ids(res) == hit_ids(both) and res.total == both.total
    assert res.notice and "zeppelinography" in res.notice and not res.corrected
    # Relaxing to "any" is still the last resort: nothing holds both known words.
    assert ix.search("hospitals platypus zeppelinography").match == "any"


def test_no_suggestion_that_finds_no_more_than_the_query(ix) -> None:
    # "hospitals" finds documents: "or hospitls" corrected would find no more.
    res = ix.search("hospitals OR hospitls")
    assert res.total > 0 and res.suggestion is None and not res.corrected


def test_no_far_fetched_suggestion_on_a_one_document_index(tmp_path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / SEED.name).write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    search.build_index([tmp_path / "docs"], index_dir=tmp_path / "index")
    with search.open_index(tmp_path / "index") as index:
        assert index.search("force").total == 1  # "force" is there, two edits from "free"
        res = index.search("free elections")
        assert res.suggestion is None and not res.corrected


# -- snippets ----------------------------------------------------------------------


def test_snippet_marks_original_words(ix) -> None:
    snippet = ix.search("election").hits[0].snippet
    assert "<mark>elections</mark>" in snippet.lower() or "<mark>election</mark>" in snippet.lower()


def test_snippet_is_escaped(ix) -> None:
    res = ix.search("watch")
    snippet = res.hits[0].snippet
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    assert "<img" not in snippet and "&amp;" in snippet
    assert "<mark>Watch</mark>" in snippet


def test_match_deep_in_long_document(ix) -> None:
    res = ix.search("platypus")
    assert hit_ids(res) == ["long.txt"]
    snippet = res.hits[0].snippet
    assert "<mark>platypus</mark>" in snippet and not snippet.startswith("The committee")
    assert len(snippet) < 800


def test_title_only_match_gets_the_opening(ix) -> None:
    res = ix.search("title:trustworthy")
    assert res.hits[0].snippet.startswith("I think elections have become more open.")
    assert "<mark>" not in res.hits[0].snippet


def test_phrase_highlights_only_the_phrase(ix) -> None:
    snippet = ix.search('"standing army"').hits[0].snippet
    assert "<mark>standing</mark> <mark>army</mark>" in snippet
    assert "The <mark>army</mark> should" not in snippet


# -- documents -------------------------------------------------------------------


def test_get_and_more_like(ix) -> None:
    doc = ix.get("climate-2020.txt")
    assert doc.authors == ["Tomás Ruiz", "Mei Chen"] and doc.date == "2020-06-12"
    assert "dividend" in doc.body
    md = ix.get("undated.md")
    assert md.format == "markdown" and "*thoughts*" in md.body and md.tags == ["elections", "notes"]
    assert ix.get("nope.txt") is None
    similar = [h.id for h in ix.more_like("elections-2021.txt")]
    assert similar and "elections-2021.txt" not in similar
    assert ix.more_like("nope.txt") == []


def test_highlight_whole_text(ix) -> None:
    html = ix.highlight("Free <b>elections</b>\n\nand voters.", "election voter")
    assert html == "Free &lt;b&gt;<mark>elections</mark>&lt;/b&gt;\n\nand <mark>voters</mark>."


def test_to_dict_shape(ix) -> None:
    data = ix.search("voters", author=["Anna Berg"]).to_dict()
    assert set(data) >= {"query", "total", "page", "limit", "pages", "sort", "match", "filters",
                         "hits", "facets", "suggestion", "notice", "took"}
    assert data["filters"]["author"] == ["Anna Berg"]
    hit = data["hits"][0]
    assert set(hit) >= {"id", "title", "authors", "author", "affiliation", "date", "year", "source", "score", "snippet"}
    assert set(data["facets"]) >= {"author", "affiliation", "source", "year"}


def test_facet_values_cover_the_whole_index(ix) -> None:
    authors = {f.value: f.count for f in ix.facet_values("author")}
    assert authors["Anna Berg"] == 2 and authors["Sara Okafor"] == 1
    assert len(authors) == ix.stats()["authors"]
    with pytest.raises(search.QueryError):
        ix.facet_values("colour")


def test_stats(ix) -> None:
    stats = ix.stats()
    assert stats["documents"] == len(DOCS) + 4
    assert stats["undated"] == 1 and stats["earliest"] == "2001-01-01" and stats["latest"] == "2023-03-19"


def test_api_works_without_flask(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / SEED.name).write_bytes(SEED.read_bytes())
    code = textwrap.dedent(f"""
        import sys
        sys.modules["flask"] = None  # any `import flask` now fails
        import search
        search.build_index([{str(source)!r}], index_dir={str(tmp_path / 'ix')!r})
        with search.open_index({str(tmp_path / 'ix')!r}) as ix:
            assert ix.search("elections").total == 1
        assert not any(name.startswith(("flask", "webui")) for name in sys.modules if sys.modules[name] is not None)
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_one_vocabulary_old_keyword_names_name_the_new_one(ix):
    for old, new in (("authors", "author"), ("date_from", "since"), ("per_page", "limit")):
        with pytest.raises(search.QueryError, match=f"search\\(\\) has no option '{old}'; it is called '{new}'"):
            ix.search("", **{old: "x"})
    with pytest.raises(search.QueryError, match="the options are author, affiliation"):
        ix.search("", colour="red")


def test_filters_echo_the_option_names(ix):
    res = ix.search("", author="Anna Berg", since="2020-1", until=dt.date(2024, 12, 31))
    assert res.filters == {"author": ["Anna Berg"], "affiliation": [], "source": [], "tag": [],
                           "since": "2020-01", "until": "2024-12-31"}
    assert res.total == ix.search("", author=["Anna Berg"], since="2020-01", until="2024").total


def test_an_index_without_documents_answers_every_search(tmp_path) -> None:
    (tmp_path / "docs").mkdir()
    search.build_index([tmp_path / "docs"], index_dir=tmp_path / "index")
    with search.open_index(tmp_path / "index") as index:
        for res in (index.search(""), index.search("anything"), index.search("x", author="Nobody", since="2020")):
            assert res.total == 0 and res.hits == [] and res.suggestion is None
            assert all(values == [] for values in res.facets.values())
        assert index.facet_values("author") == []


@pytest.mark.parametrize("options, message", [
    ({"page": float("inf")}, "page must be a whole number; got inf"),
    ({"page": True}, "page must be a whole number; got True"),
    ({"page": 2.7}, "page must be a whole number; got 2.7"),
    ({"limit": "ten"}, "limit must be a whole number; got 'ten'"),
    ({"page": 10**12}, "page must be between 1 and 10000"),
    ({"author": [1]}, "author must be a string or a list of strings; got [1]"),
    ({"tag": 5}, "tag must be a string or a list of strings; got 5"),
    ({"since": 2020}, "since must be a date as YYYY, YYYY-MM or YYYY-MM-DD; got 2020"),
    ({"sort": None, "match": "most"}, "match must be one of all, any; got 'most'"),
    ({"expand": "no"}, "expand must be True or False; got 'no'"),
])
def test_loose_api_arguments_are_refused_clearly(ix, options, message):
    with pytest.raises(search.QueryError) as caught:
        ix.search("elections", **options)
    assert str(caught.value) == message or str(caught.value).startswith(message)


def test_a_string_filter_is_one_value(ix):
    one = ix.search("", author="Anna Berg")
    assert one.total == 2 and {h.author for h in one.hits} == {"Anna Berg"}
    assert one.filters["author"] == ["Anna Berg"]
    assert ix.search("", author=("Anna Berg", "  Anna   Berg ")).filters["author"] == ["Anna Berg"]
    with pytest.raises(search.QueryError, match="the query must be a string"):
        ix.search(None)  # type: ignore[arg-type]


# -- names are not prose ------------------------------------------------------------

NAMES = [
    {"id": "will", "title": "On Standing Armies", "authors": ["Will Turner"], "affiliation": "The Society of Friends",
     "source": "The Independent Journal", "date": "1788-01-02", "body": "A standing army in time of peace."},
    {"id": "adams", "title": "On Taxation", "authors": ["John Adams"], "affiliation": "Boston Committee",
     "source": "Boston Gazette", "date": "1788-02-03", "body": "Taxation without representation, in peace or war."},
    {"id": "adam", "title": "On Commerce", "authors": ["Adam Smith"], "affiliation": "University of Glasgow",
     "source": "The Wealth of Nations", "date": "1776-03-09", "body": "The division of labour in commerce."},
]


@pytest.fixture(scope="module")
def names_ix(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("names") / "index"
    search.build_index(documents=NAMES, index_dir=folder)
    with search.open_index(folder) as index:
        yield index


@pytest.mark.parametrize("query, expected", [
    ("author:will", {"will"}),              # a stop word in prose, a name here
    ("author:adams", {"adams"}),            # no stemming: Adams is not Adam
    ("author:adam", {"adam"}),
    ("affiliation:\"society of friends\"", {"will"}),
    ("source:\"wealth of nations\"", {"adam"}),
    ("affiliation:of", {"will", "adam"}),
])
def test_names_keep_stop_words_and_are_not_stemmed(names_ix, query, expected):
    assert set(hit_ids(names_ix.search(query))) == expected


def test_a_plain_stop_word_is_not_looked_for_in_names(names_ix):
    # "will" and "of" are prose stop words: a plain query ignores them
    # instead of asking for documents by Will or from a Society "of" ...
    assert set(hit_ids(names_ix.search("will peace"))) == {"will", "adams"}
    assert set(hit_ids(names_ix.search("division of labour"))) == {"adam"}


def test_an_index_with_an_older_schema_is_rebuilt(tmp_path: Path):
    from whoosh import fields, index as whoosh_index
    from whoosh.analysis import StopFilter

    from search.schema import SCHEMA, STOP_WORDS, name_analyzer

    # The schema before names kept their stop words.
    old = copy.deepcopy(SCHEMA)
    old.remove("author")
    old.add("author", fields.TEXT(analyzer=name_analyzer() | StopFilter(STOP_WORDS, minsize=1), stored=False))
    folder = tmp_path / "index"
    folder.mkdir()
    whoosh_index.create_in(str(folder), old).writer().commit()
    with pytest.raises(search.IndexCorruptError, match="another version"):
        search.open_index(folder)
    report = search.build_index(documents=NAMES, index_dir=folder)
    assert report.rebuilt and report.added == len(NAMES)
    with search.open_index(folder) as index:
        assert hit_ids(index.search("author:will")) == ["will"]


# -- filter values as typed ------------------------------------------------------------


@pytest.mark.parametrize("typed, expected, notice", [
    ("will  TURNER", {"will"}, None),                                   # case and spacing
    ("Jöhn Adams", {"adams"}, None),                                    # accents
    ("turner", {"will"}, "Author “turner” taken as Will Turner."),       # one name holds the word
    ("jon adams", set(), "No author “jon adams”; did you mean John Adams?"),
    ("adamz", set(), "No author “adamz”; did you mean Adam Smith or John Adams?"),
    ("zzzz", set(), "No author “zzzz” in the index."),
])
def test_author_filter_finds_the_stored_value(names_ix, typed, expected, notice):
    res = names_ix.search("", author=typed)
    assert set(hit_ids(res)) == expected
    assert res.notice == notice
    assert res.filters["author"] == [" ".join(typed.split())]  # the echo is what was asked


def test_a_word_in_several_names_offers_them(names_ix):
    res = names_ix.search("", source="the")
    assert res.total == 0
    assert res.notice == "No source “the”; did you mean The Independent Journal or The Wealth of Nations?"


def test_a_filter_value_that_matches_nothing_does_not_widen_the_search(names_ix):
    # One unknown value among known ones: the known ones still filter.
    res = names_ix.search("", author=["Adam Smith", "nobody at all"])
    assert hit_ids(res) == ["adam"] and "No author “nobody at all”" in res.notice


def test_other_methods_refuse_wrong_types_with_query_errors(ix):
    doc_id = ix.search("elections").hits[0].id
    for call, message in (
        (lambda: ix.get(5), "doc_id must be a string; got int"),
        (lambda: ix.get_text(None), "doc_id must be a string; got NoneType"),
        (lambda: ix.more_like(doc_id, limit="x"), "limit must be a whole number; got 'x'"),
        (lambda: ix.more_like(doc_id, limit=float("inf")), "limit must be a whole number; got inf"),
        (lambda: ix.highlight(None, "x"), "text must be a string; got NoneType"),
        (lambda: ix.match_spans("x", 3), "the query must be a string; got int"),
        (lambda: ix.facet_values(["author"]), "no facet named ['author']"),
    ):
        with pytest.raises(search.QueryError) as caught:
            call()
        assert str(caught.value) == message
    assert len(ix.more_like(doc_id, limit=2)) <= 2


_ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20),
    st.from_regex(r"\A[0-9]{1,5}(-[0-9]{1,3}){0,2}\Z"),
    st.lists(st.one_of(st.text(max_size=10), st.integers()), max_size=3), st.dates(),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["author", "affiliation", "source", "tag", "since", "until", "sort",
                                        "page", "limit", "match"]), _ANY_VALUE))
def test_check_options_accepts_or_refuses_with_a_query_error(options):
    try:
        checked = search.check_options(**options)
    except search.QueryError as exc:
        assert str(exc).split()[0] in options  # the message starts with the option's name
        return
    assert checked.page in range(1, search.MAX_PAGE + 1) and checked.limit in range(1, search.MAX_LIMIT + 1)
    assert checked.sort in search.SORTS and checked.match in search.MATCHES
    for name in search.FILTERS:
        assert all(isinstance(v, str) and v == " ".join(v.split()) and v for v in getattr(checked, name))
    for bound in (checked.since, checked.until):
        assert bound is None or search.date_bounds(bound)[0] <= search.date_bounds(bound)[1]

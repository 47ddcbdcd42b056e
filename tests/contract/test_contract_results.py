"""Filters, facets, sorting, paging, snippets and the document methods over every backend.

Moved from tests/test_searching.py; the assertions are unchanged and hold for
each backend (see conftest.py).
"""

from __future__ import annotations

import datetime as dt

import pytest

import search
from corpus import DOCS, SEED, hit_ids


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


# -- the CLI and the web over the backend ---------------------------------------------


def test_the_cli_and_the_web_work_unchanged_over_the_backend(ix, backend) -> None:
    import json

    from click.testing import CliRunner

    from webui import create_app
    from webui.cli import cli

    result = CliRunner().invoke(cli, ["search", "carbon", "dividend", "--index", backend.location, "--json"])
    assert result.exit_code == 0, result.output
    assert [hit["id"] for hit in json.loads(result.output)["hits"]] == ["climate-2020.txt"]
    shown = CliRunner().invoke(cli, ["show", "climate-2023.txt", "--index", backend.location, "--json"])
    assert shown.exit_code == 0 and json.loads(shown.output)["title"] == "The Limits of Offsets", shown.output
    app = create_app({"TESTING": True, "INDEX_DIR": backend.location})
    try:
        client = app.test_client()
        answer = client.get("/api/search?q=offsets&author=Mei+Chen").get_json()
        assert [hit["id"] for hit in answer["hits"]] == ["climate-2023.txt"] and answer["filters"]["author"] == ["Mei Chen"]
        assert client.get("/healthz").get_json() == {"ok": True, "documents": ix.stats()["documents"]}
        page = client.get("/search?q=watch")
        assert page.status_code == 200 and "&lt;script&gt;" in page.get_data(as_text=True)
    finally:
        app.extensions["commentary"].close()

"""Names are not prose, and filter values are found as typed, over every backend.

Moved from tests/test_searching.py; the assertions are unchanged and hold for
each backend (see conftest.py).
"""

from __future__ import annotations

from typing import Iterator

import pytest
from backends import Backend

import search
from corpus import NAMES, hit_ids


@pytest.fixture(scope="module")
def names_ix(backend: Backend) -> Iterator[search.Index]:
    backend.fresh()
    search.build_index(documents=NAMES, index_dir=backend.location)
    yield backend.open()
    backend.empty()


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

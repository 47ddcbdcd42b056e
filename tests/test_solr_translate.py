"""The Solr backend's pure parts: query translation, facet lists, documents, locations.

No cluster needed: these check what would be sent to Solr and how its
answers are read.  ``tests/contract/`` runs the same behaviour end to end.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from search import DEFAULT_RANKING, Document
from search.backend import is_remote_location
from search.query import parse_query
from search.solr import translate
from search.solr.build import solr_fields
from search.solr.index import _facets, _partial_notice

REPO_ROOT = Path(__file__).resolve().parent.parent
HOSTILE = REPO_ROOT / "tests" / "hostile"

# Words a fake collection holds, per field, for wildcard expansion.
WORDS = {"spell_body": ["elect", "election", "elections", "electoral"], "spell_title": ["electric"],
         "author": ["elena"], "affiliation": [], "source": [], "tags": ["elect"]}


def expand(field: str, prefix: str) -> list[str]:
    return [w for w in WORDS.get(field, []) if w.startswith(prefix)]


def build(text: str, match: str = "all") -> dict[str, Any] | None:
    return translate.parsed_query(parse_query(text), match, translate.builder(expand, DEFAULT_RANKING))


def leaves(query: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every (parser, params) leaf of a JSON DSL tree."""
    if isinstance(query, list):
        return [leaf for item in query for leaf in leaves(item)]
    if not isinstance(query, dict):
        return []
    (kind, params), = query.items()
    if kind == "bool":
        return [leaf for key in ("must", "should", "must_not") for leaf in leaves(params.get(key, []))]
    return [(kind, params)]


def test_words_become_stemmed_term_queries_in_every_text_field() -> None:
    query = build("Elections")
    terms = {(p["f"], p["query"]) for kind, p in leaves(query) if kind == "term"}
    assert ("body", "elect") in terms and ("title", "elect") in terms
    assert ("author", "elections") in terms  # names are not stemmed
    assert {kind for kind, _ in leaves(query)} == {"term"}


def test_all_and_any_join_groups_as_must_and_should() -> None:
    assert set(build("tax levy", "all")["bool"]) == {"must"}
    assert set(build("tax levy", "any")["bool"]) == {"should"}
    assert len(build("tax OR levy", "all")["bool"]["must"]) == 1  # one group of two alternatives


def test_phrases_go_as_field_queries_with_their_text_as_a_value() -> None:
    query = build('"standing army" -"free and fair"')
    phrases = [p for kind, p in leaves(query) if kind == "field"]
    assert {"f": "body", "query": "standing army"} in phrases
    assert {"f": "body", "query": "free and fair"} in phrases
    assert "must_not" in query["bool"]


def test_field_clauses_search_only_their_field() -> None:
    query = build("author:Will title:elections")
    assert {(p["f"], p["query"]) for _, p in leaves(query)} == {("author", "will"), ("title", "elect")}


def test_a_wildcard_expands_per_field_then_stems_into_one_set_query_a_field() -> None:
    query = build("elect*")
    sets = {p["f"]: p["query"].split(p.get("separator", ",")) for kind, p in leaves(query) if kind == "terms"}
    terms = {(p["f"], p["query"]) for kind, p in leaves(query) if kind == "term"}
    assert sets == {"body": ["elect", "elector"]}  # one Solr clause, whatever the expansion
    assert ("title", "electr") in terms and ("tags", "elect") in terms and ("author", "elena") not in terms
    assert translate.clause_query(parse_query("zzz*").groups[0][0], translate.builder(expand, DEFAULT_RANKING)) \
        == translate.MATCH_NOTHING


def test_dates_and_filters_are_built_from_integers_and_stored_values() -> None:
    assert build("date:2023-03") == {"bool": {"must": [{"lucene": {"query": "dateord:[20230301 TO 20230331]"}}]}}
    assert translate.date_query(None, 20001231) == {"lucene": {"query": "dateord:[10101 TO 20001231]"}}
    hostile = 'Smith") OR *:* {!xmlparser'
    assert translate.filter_query("author", [hostile]) == {
        "bool": {"should": [{"term": {"f": "author_facet", "query": hostile}}]}}
    assert translate.filter_query("source", []) == translate.MATCH_NOTHING


def test_only_stop_words_or_exclusions_match_everything_not_excluded() -> None:
    assert build("") is None
    assert build("the of") == translate.MATCH_ALL
    excluding = build("-war")["bool"]
    assert excluding["must"] == [translate.MATCH_ALL]
    assert ("body", "war") in {(p["f"], p["query"]) for _, p in leaves(excluding["must_not"])}


HOSTILE_QUERIES = [
    '*:*', '{!lucene}*:*', 'title:(a OR b', 'x^99 y~2', '"unclosed', 'a AND OR NOT', '\\', '/regex/',
    'field:[* TO *]', '{!join from=id to=id}x', '_query_:"{!dismax}x"', 'date:[x TO y]', '-' * 50, '()[]{}:^~"',
]


@pytest.mark.parametrize("text", HOSTILE_QUERIES + [p.read_text(encoding="utf-8", errors="replace")[:1000]
                                                   for p in sorted(HOSTILE.iterdir()) if p.is_file()])
def test_user_text_only_ever_travels_as_values_never_as_syntax(text: str) -> None:
    query = build(text)
    for kind, params in leaves(query):
        if kind == "lucene":
            # The only Lucene syntax we send: match-all and integer date ranges.
            assert params["query"] == "*:*" or params["query"].startswith("dateord:[")
            assert all(part.isdigit() for part in params["query"][9:-1].split(" TO ")) or params["query"] == "*:*"
        else:
            assert kind in ("term", "field", "terms") and set(params) - {"separator"} == {"f", "query"}
    json.dumps(query)  # always serialisable


def test_facet_answers_become_the_same_value_lists() -> None:
    answer = {
        "author": {"buckets": [{"val": "B", "count": 2}, {"val": "A", "count": 2}, {"val": "C", "count": 5}]},
        "author_in": {"buckets": [{"val": "A", "count": 2}]},
        "year": {"buckets": [{"val": 2020, "count": 1}, {"val": 2001, "count": 3}]},
        "month": {"buckets": [{"val": "2020-02", "count": 1}]},
    }
    facets = _facets(answer, {"author": {}}, {"author": ["A"]})
    assert [(v.value, v.count, v.adds, v.selected) for v in facets["author"]] == [
        ("C", 5, 5, False), ("A", 2, 0, True), ("B", 2, 2, False)]
    assert [(v.value, v.count) for v in facets["year"]] == [(2001, 3), (2020, 1)]
    assert facets["source"] == [] and facets["month"][0].value == "2020-02"


def test_a_lost_shard_is_named_in_the_notice() -> None:
    assert _partial_notice(1, 2) == "Some of the collection is unreachable: results from 1 of 2 shards."
    assert "partial" in _partial_notice(0, 0)


def test_documents_carry_hash_signature_and_date_parts_and_leave_empty_values_out() -> None:
    doc = Document(id="a.md", title="T", authors=["Ann Lee"], body="# Head\n\nText", format="markdown",
                   date="2023-03-19", extra={"k": 1})
    fields = solr_fields(doc, "sig", "hash")
    assert (fields["signature"], fields["content_hash"]) == ("sig", "hash")
    assert (fields["dateord"], fields["year"], fields["month"]) == (20230319, 2023, "2023-03")
    assert fields["markdown"].startswith("# Head") and "#" not in fields["body"]
    assert json.loads(fields["extra"]) == {"k": 1}
    assert "affiliation" not in fields and "source" not in fields and "tags" not in fields
    assert "dateord" not in solr_fields(Document(id="b", body="x"), "s", "h")


@pytest.mark.parametrize(("location", "remote"), [
    ("solr://127.0.0.1:8983/solr/c", True), ("HTTP://host/solr/c", True), ("https://h/solr/c", True),
    ("index", False), ("solr:", False), (Path("solr://x"), False), (None, False),
])
def test_locations_choose_the_backend(location: Any, remote: bool) -> None:
    assert is_remote_location(location) is remote


def test_searching_a_whoosh_index_never_loads_the_solr_code(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Title: A\n\nSome words.\n", encoding="utf-8")
    probe = (
        "import sys, search\n"
        f"search.build_index([{str(tmp_path / 'docs')!r}], index_dir={str(tmp_path / 'ix')!r})\n"
        f"with search.open_index({str(tmp_path / 'ix')!r}) as ix: ix.search('words')\n"
        "print(sorted(m for m in sys.modules if m.startswith(('search.solr', 'search.cluster'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(REPO_ROOT)}, cwd=tmp_path)
    assert out.stdout.strip() == "[]"


def test_an_unreachable_location_is_one_clear_error() -> None:
    import socket

    import search

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(search.BackendUnavailableError, match=f"cannot reach the Solr collection solr://127.0.0.1:{port}"):
        search.open_index(f"solr://127.0.0.1:{port}/solr/commentary")
    with pytest.raises(search.BackendUnavailableError, match="not a Solr location"):
        search.open_index("solr://")


@pytest.mark.parametrize("value, expected", [("", 30.0), ("120", 120.0), ("abc", 30.0), ("-5", 30.0), ("0", 30.0)])
def test_the_request_timeout_follows_the_environment(monkeypatch: pytest.MonkeyPatch, value: str,
                                                     expected: float) -> None:
    from search.solr.client import TIMEOUT_VARIABLE, SolrClient
    monkeypatch.setenv(TIMEOUT_VARIABLE, value)
    assert SolrClient("solr://127.0.0.1:1/solr/commentary").timeout == expected
    assert SolrClient("solr://127.0.0.1:1/solr/commentary", timeout=2.5).timeout == 2.5

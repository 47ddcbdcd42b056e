"""The Solr configset against search/schema.py, and the cluster module's pure parts.

No Java needed: these read files and parse strings, so the configset cannot
drift from the Whoosh schema unnoticed on a machine without a cluster.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from search.cluster import ClusterError, parse_location
from search.schema import SCHEMA, STOP_WORDS

REPO_ROOT = Path(__file__).resolve().parent.parent
CONF = REPO_ROOT / "cluster" / "solr" / "configset" / "conf"
STOPWORDS_SCRIPT = REPO_ROOT / "cluster" / "solr" / "stopwords.py"

# Whoosh's display-only lists are the stored multi-valued text fields in Solr.
# fulltext: the long bodies Whoosh keeps out of its stored record; Solr stores body whole.
SOLR_NAME = {"authors": "author", "tag_list": "tags", "fulltext": "body"}


def solr_schema() -> ET.Element:
    return ET.parse(CONF / "schema.xml").getroot()


def test_stopwords_file_lists_exactly_our_stop_words() -> None:
    lines = (CONF / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    words = [line for line in lines if line and not line.startswith("#")]
    assert words == sorted(STOP_WORDS)


def test_stopwords_check_fails_when_the_file_drifts(tmp_path: Path) -> None:
    # The script's own --check, run on a copy of the tree with one word removed.
    copy = tmp_path / "cluster" / "solr"
    (copy / "configset" / "conf").mkdir(parents=True)
    script = copy / "stopwords.py"
    script.write_text(STOPWORDS_SCRIPT.read_text(encoding="utf-8"), encoding="utf-8")
    good = (CONF / "stopwords.txt").read_text(encoding="utf-8")
    target = copy / "configset" / "conf" / "stopwords.txt"
    env_path = {"PYTHONPATH": str(REPO_ROOT)}

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True,
                              env=env_path, check=False)

    target.write_text(good, encoding="utf-8")
    assert check().returncode == 0
    target.write_text(good.replace("\nthe\n", "\n"), encoding="utf-8")
    drifted = check()
    assert drifted.returncode == 1
    assert "out of date" in drifted.stderr


def test_every_schema_field_has_a_solr_field() -> None:
    solr_fields = {f.get("name") for f in solr_schema().iter("field")}
    missing = {SOLR_NAME.get(name, name) for name in SCHEMA.names()} - solr_fields
    assert not missing


def test_prose_and_name_fields_are_analysed_as_in_whoosh() -> None:
    root = solr_schema()
    types = {t.get("name"): t for t in root.iter("fieldType")}
    field_type = {f.get("name"): f.get("type") for f in root.iter("field")}

    def filters(name: str) -> list[str]:
        return [f.get("class", "") for f in types[field_type[name]].iter("filter")]

    for name in ("title", "body", "tags"):
        assert filters(name) == ["solr.LowerCaseFilterFactory", "solr.ASCIIFoldingFilterFactory",
                                 "solr.StopFilterFactory", "solr.SnowballPorterFilterFactory"]
    for name in ("author", "affiliation", "source"):
        assert filters(name) == ["solr.LowerCaseFilterFactory", "solr.ASCIIFoldingFilterFactory"]


def test_facet_and_date_fields_have_doc_values() -> None:
    fields = {f.get("name"): f for f in solr_schema().iter("field")}
    for name in ("author_facet", "affiliation_facet", "source_facet", "tag_facet", "dateord"):
        assert fields[name].get("docValues") == "true", name
    copies = {(c.get("source"), c.get("dest")) for c in solr_schema().iter("copyField")}
    assert {("author", "author_facet"), ("affiliation", "affiliation_facet"),
            ("source", "source_facet"), ("tags", "tag_facet")} <= copies


@pytest.mark.parametrize(("location", "base_url", "collection", "shown"), [
    ("solr://127.0.0.1:8983/solr/commentary", "http://127.0.0.1:8983/solr", "commentary",
     "solr://127.0.0.1:8983/solr/commentary"),
    ("http://localhost/solr/c1", "http://localhost/solr", "c1", "solr://localhost/solr/c1"),
    ("https://[::1]:8984/solr/c", "https://[::1]:8984/solr", "c", "https://[::1]:8984/solr/c"),
])
def test_locations_are_parsed(location: str, base_url: str, collection: str, shown: str) -> None:
    where = parse_location(location)
    assert (where.base_url, where.collection, where.location) == (base_url, collection, shown)


@pytest.mark.parametrize(("location", "says"), [
    ("index", "not a Solr location"),
    ("solr://127.0.0.1:8983/", "the path must be /solr/COLLECTION"),
    ("solr://127.0.0.1:port/solr/c", "the port is not a number"),
    ("solr://127.0.0.1/solr/c?x", "it takes no"),
    ("solr://127.0.0.1/solr/c!", "not a collection name"),
    ("ftp://host/solr/c", "not a Solr location"),
])
def test_bad_locations_are_refused_with_a_reason(location: str, says: str) -> None:
    with pytest.raises(ClusterError, match=says):
        parse_location(location)


def test_import_search_does_not_load_the_cluster_code() -> None:
    probe = "import sys, search; print('search.cluster' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(REPO_ROOT)}, cwd=REPO_ROOT)
    assert out.stdout.strip() == "False"

"""Querying, where it is the Whoosh index's own business: its schema versions, the
one-document spelling corner, the API without Flask, and ``check_options``.

The behaviour every backend shares (query language, filters, facets, sorting,
paging, snippets, documents) is tested in tests/contract/, over Whoosh and
over a real SolrCloud.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import search
from corpus import NAMES, SEED, hit_ids


def test_no_far_fetched_suggestion_on_a_one_document_index(tmp_path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / SEED.name).write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    search.build_index([tmp_path / "docs"], index_dir=tmp_path / "index")
    with search.open_index(tmp_path / "index") as index:
        assert index.search("force").total == 1  # "force" is there, two edits from "free"
        res = index.search("free elections")
        assert res.suggestion is None and not res.corrected


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

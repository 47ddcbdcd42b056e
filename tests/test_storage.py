"""Opening an index for search loads neither the writer nor the document readers.

Storage primitives (``search/storage.py``) sit apart from both sides: the
reader imports them, never ``search.indexer``; the package and the CLI
import the writer's and the readers' names on first use (issue 7, STYLE.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import search

from corpus import write_corpus

ROOT = Path(__file__).resolve().parent.parent
KEPT_OUT = ["yaml", "search.indexer", "search.readers", "search.markdown_reader", "search.plaintext",
            "flask", "waitress",  # the console script is webui.cli: `commentary search` must not load the web
            "markdown", "bleach", "gunicorn", "jinja2",  # the web's rendering and serving
            "whoosh.qparser", "whoosh.writing", "search.segments", "search.docpostings",  # parsing and writing
            "search.solr", "search.cluster", "sqlite3", "multiprocessing",
            # Whoosh's searcher and query objects: a search matches from postings
            # (storage.IndexView reads the reader directly), so it needs none of them.
            "whoosh.searching", "whoosh.query", "whoosh.scoring", "whoosh.highlight", "whoosh.classify",
            "whoosh.collectors", "whoosh.sorting", "whoosh.spelling",
            "search.semantic",  # semantic search, only when asked for
            "search.filtervalues", "difflib"]  # matching typed filter values, only with a filter

PROBE = """
import json, sys
import search
with search.open_index(sys.argv[1]) as ix:
    total = ix.search("elections").total
print(json.dumps({"total": total, "loaded": [m for m in sys.argv[2:] if m in sys.modules]}))
"""


def _run_probe(tmp_path: Path, probe: str) -> str:
    """Build a small index, run ``probe`` over it in a fresh interpreter, return its output."""
    index_dir = tmp_path / "index"
    search.build_index([write_corpus(tmp_path / "docs")], index_dir=index_dir)
    done = subprocess.run([sys.executable, "-c", probe, str(index_dir), *KEPT_OUT],
                          capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_searching_loads_neither_writer_nor_readers(tmp_path: Path) -> None:
    answer = json.loads(_run_probe(tmp_path, PROBE))
    assert answer["total"] >= 1
    assert answer["loaded"] == []


CLI_PROBE = """
import json, sys
from webui.cli import main  # the console script
index_dir, wanted = sys.argv[1], sys.argv[2:]
sys.argv = ["commentary", "search", "elections", "--index-dir", index_dir, "--json"]
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print(json.dumps([m for m in wanted if m in sys.modules]))
"""


def test_commentary_search_loads_neither_writer_nor_readers(tmp_path: Path) -> None:
    results, loaded = _run_probe(tmp_path, CLI_PROBE).strip().rsplit("\n", 1)
    assert json.loads(results)["total"] >= 1
    assert json.loads(loaded) == []


def test_every_public_name_resolves() -> None:
    names = {}
    exec("from search import *", names)  # noqa: S102 - the star import is what is tested
    assert set(search.__all__) <= set(names)
    assert set(search.__all__) <= set(dir(search))
    assert search.build_index.__module__ == "search.indexer"
    assert search.read_document.__module__ == "search.readers"

"""The serving benchmark's parts: the FTS5 reference (search, WSGI app, one-shot) and the one-shot import profile."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from benchmarks import bench_engine as bench
from benchmarks import bench_serve, fts5_reference
from benchmarks import generate_corpus as gen

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fts_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark's FTS5 database over 30 synthetic documents."""
    folder = tmp_path_factory.mktemp("fts")
    gen.generate(folder / "corpus", 30, seed=3)
    db = folder / "fts.sqlite"
    assert bench.fts_build(folder / "corpus", db)["added"] == 30
    return db


def _documents_with(db: Path, word: str) -> int:
    """How many bodies or titles contain ``word`` as a whole word, counted without FTS5."""
    con = fts5_reference.connect(db)
    try:
        texts = con.execute("SELECT title || ' ' || body FROM fts").fetchall()
    finally:
        con.close()
    return sum(1 for (text,) in texts if word in text.lower().replace(",", " ").replace(".", " ").split())


def test_match_expression_keeps_phrases_and_ands_words() -> None:
    assert fts5_reference.match_expression('"interest  rates"') == '"interest rates"'
    assert fts5_reference.match_expression("interest rates") == '"interest" "rates"'
    assert fts5_reference.match_expression('say "x') == '"say" "x"'  # a stray quote cannot break the syntax


def test_search_counts_every_match_and_returns_the_top_ten(fts_db: Path) -> None:
    con = fts5_reference.connect(fts_db)
    try:
        result = fts5_reference.search(con, '"the"')
    finally:
        con.close()
    assert result["total"] == _documents_with(fts_db, "the") > 10
    assert len(result["hits"]) == 10 and all("<mark>" in hit["snippet"].lower() for hit in result["hits"])
    assert sum(count for _, count in result["facets"]["year"]) == result["total"]


def test_wsgi_app_answers_like_the_function(fts_db: Path) -> None:
    app = fts5_reference.wsgi_app(str(fts_db))
    statuses: list[str] = []

    def call(path: str, query: str = "") -> dict:
        body = app({"PATH_INFO": path, "QUERY_STRING": query}, lambda status, headers: statuses.append(status))
        return json.loads(b"".join(body))

    assert call("/healthz") == {"ok": True, "documents": 30}
    answer = call("/api/search", "q=the&limit=10")
    con = fts5_reference.connect(fts_db)
    try:
        direct = fts5_reference.search(con, '"the"')
    finally:
        con.close()
    assert answer["total"] == direct["total"] and [h["id"] for h in answer["hits"]] == [h["id"] for h in direct["hits"]]
    assert call("/api/search", "q=%22%22%22")["status"] == 400  # an FTS5 syntax error is a 400, not a crash
    assert statuses[-1].startswith("400") and call("/nowhere")["status"] == 404


def test_one_shot_script_prints_the_results(fts_db: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "fts5_reference.py"), "search", str(fts_db),
                           "--", "the"], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.startswith(f"Results 1–10 of {_documents_with(fts_db, 'the')} for the")


def test_api_path_carries_the_query_and_its_filters() -> None:
    query = bench.Query("date range", ["interest", "rates"], phrase=True, authors=["Ana Li"],
                        date_from="2010-01-01", date_to="2012-12-31")
    args = parse_qs(urlsplit(bench_serve.api_path(query)).query)
    assert args["q"] == ['"interest rates"'] and args["author"] == ["Ana Li"]
    assert (args["since"], args["until"], args["limit"]) == (["2010-01-01"], ["2012-12-31"], ["10"])


def test_one_shot_commentary_search_loads_no_web_stack(webui_index_dir: Path) -> None:
    profile = bench_serve.import_profile(webui_index_dir, bench.Query("word", ["policy"]))
    assert profile["modules"] > 50 and "search.cli" in profile["cumulative_ms"]  # the profile was read
    assert not {"flask", "werkzeug", "jinja2", "waitress", "gunicorn"} & set(profile["heavy_loaded"])

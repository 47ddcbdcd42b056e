"""The README's examples, run against an index of ``seeds/``: docs that cannot rot.

Each example is parsed out of README.md, so editing an example edits the
test: the query-language table, the ``commentary search`` lines, and the
Python snippets (executed as pasted, from a folder holding ``seeds``).
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import search
from webui.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    """The README text from a heading to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(title)}\n", README, re.M)
    assert match, f"README has no section {title!r}"
    level = len(match.group(1))
    rest = README[match.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[:end.start()] if end else rest


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.M | re.S)


def table_queries() -> list[str]:
    """Every code span in the first column of the query-language table."""
    queries = []
    for line in _section("Query language").splitlines():
        if line.startswith("| `"):
            queries += re.findall(r"`([^`]+)`", line.split(" | ")[0])
    return queries


def cli_examples() -> list[str]:
    """The runnable ``commentary search`` lines (the synopsis has [OPTIONS] in brackets)."""
    lines = [line.strip() for block in _blocks(_section("Command line"), "sh") for line in block.splitlines()]
    return [line for line in lines if line.startswith("commentary search ") and "[" not in line]


def python_examples() -> list[str]:
    return _blocks(README, "python")


@pytest.fixture(scope="module")
def pasted(tmp_path_factory: pytest.TempPathFactory):
    """The README's first Python example, run as pasted in a folder holding ``seeds``.

    It builds ``index`` from ``seeds/``, which the other examples then search.
    """
    folder = tmp_path_factory.mktemp("readme")
    (folder / "seeds").symlink_to(ROOT / "seeds")
    scope: dict[str, Any] = {"__name__": "readme"}
    before = os.getcwd()
    os.chdir(folder)
    try:
        exec(compile(python_examples()[0], "README.md: Python API", "exec"), scope)
    finally:
        os.chdir(before)
    yield folder, scope
    scope["ix"].close()


@pytest.fixture(scope="module")
def seeds_index(pasted) -> Path:
    folder, scope = pasted
    assert scope["report"].added >= 94 and not scope["report"].skipped
    return folder / "index"


def test_the_readme_has_examples_of_each_kind() -> None:
    # Parsing that found nothing would make the tests below pass vacuously.
    assert len(table_queries()) >= 12
    assert len(cli_examples()) >= 5
    assert len(python_examples()) >= 3


@pytest.mark.parametrize("query", table_queries())
def test_each_query_language_example_finds_something(seeds_index: Path, query: str) -> None:
    with search.open_index(seeds_index) as ix:
        res = ix.search(query)
    assert res.total > 0, query
    assert res.notice is None, (query, res.notice)  # it was understood as written


@pytest.mark.parametrize("line", cli_examples())
def test_each_command_line_example_finds_something(seeds_index: Path, line: str) -> None:
    args = shlex.split(line)[1:]
    result = CliRunner().invoke(cli, [*args, "--index-dir", str(seeds_index)])
    assert result.exit_code == 0, (line, result.output)
    assert "No results" not in result.stdout and '"total": 0' not in result.stdout, line
    assert result.stdout.startswith("Results 1–") or '"hits": [\n    {' in result.stdout, line


def test_the_python_examples_run_as_pasted(pasted, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, scope = pasted
    monkeypatch.chdir(folder)
    _, own_documents, embed = python_examples()
    assert scope["res"].total > 0 and "<mark>" in scope["res"].hits[0].snippet
    assert scope["similar"] and scope["data"]["hits"]
    exec(compile(own_documents, "README.md: documents", "exec"), {"__name__": "readme"})
    embedded = dict(scope)
    try:
        exec(compile(embed, "README.md: embedding", "exec"), embedded)
        page = embedded["host"].test_client().get("/commentary/search?q=standing+army")
        # Match words in titles are marked: read the page's text without the marks.
        assert page.status_code == 200 and "Standing Armies" in re.sub(r"</?mark>", "", page.get_data(as_text=True))
    finally:
        embedded["ix"].close()
        if "app" in embedded:
            embedded["app"].extensions["commentary"].close()

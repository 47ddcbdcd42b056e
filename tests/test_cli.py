"""The `commentary` command, through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import search
from search.cli import cli

from corpus import DOCS, write_corpus


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def built(tmp_path: Path, runner: CliRunner) -> Path:
    corpus = write_corpus(tmp_path / "docs")
    index_dir = tmp_path / "index"
    result = runner.invoke(cli, ["index", str(corpus), "--index-dir", str(index_dir)])
    assert result.exit_code == 0, result.output
    return index_dir


def test_index_prints_summary_and_json(tmp_path: Path, runner: CliRunner) -> None:
    corpus = write_corpus(tmp_path / "docs")
    (corpus / "empty.txt").write_text("")
    index_dir = tmp_path / "index"
    result = runner.invoke(cli, ["index", str(corpus), "--index-dir", str(index_dir)])
    assert result.exit_code == 0
    assert f"{len(DOCS) + 2} added" in result.output
    assert "skipped" in result.output and "empty.txt" in result.output
    result = runner.invoke(cli, ["index", str(corpus), "--index-dir", str(index_dir), "--json"])
    data = json.loads(result.output)
    assert data["unchanged"] == len(DOCS) + 2 and data["added"] == 0
    assert data["skipped"][0]["path"].endswith("empty.txt") and data["skipped"][0]["reason"]


def test_index_dir_from_environment(tmp_path: Path, runner: CliRunner) -> None:
    corpus = write_corpus(tmp_path / "docs")
    env = {"COMMENTARY_INDEX": str(tmp_path / "envindex")}
    assert runner.invoke(cli, ["index", str(corpus)], env=env).exit_code == 0
    result = runner.invoke(cli, ["search", "carbon", "--json"], env=env)
    assert json.loads(result.output)["hits"][0]["id"] == "climate-2020.txt"


def test_search_text_output(built: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["search", "carbon", "tax", "--index-dir", str(built)])
    assert result.exit_code == 0
    assert "Results 1–1 of 1" in result.output
    assert "Carbon Taxes Work" in result.output
    assert "Tomás Ruiz and Mei Chen · Economist at the Green Growth Centre" in result.output
    assert "2020-06-12 · Climate Weekly" in result.output
    assert "<mark>" not in result.output and "carbon tax" in result.output


def test_search_json_is_to_dict(built: Path, runner: CliRunner) -> None:
    args = ["search", "voters", "--author", "Anna Berg", "--since", "2020", "--sort", "newest",
            "--limit", "5", "--match", "any", "--index-dir", str(built), "--json"]
    data = json.loads(runner.invoke(cli, args).output)
    with search.open_index(built) as ix:
        expected = ix.search("voters", author=["Anna Berg"], since="2020", sort="newest",
                             limit=5, match="any").to_dict()
    data.pop("took"), expected.pop("took")
    assert data == expected
    assert [h["id"] for h in data["hits"]] == ["elections-2021.txt"]


def test_search_filters_and_paging(built: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["search", "--source", "Defence Journal", "--page", "2", "--limit", "1",
                                 "--index-dir", str(built), "--json"])
    data = json.loads(result.output)
    assert data["total"] == 2 and data["page"] == 2 and len(data["hits"]) == 1


def test_show(built: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["show", "health-2015.txt", "--index-dir", str(built)])
    assert result.exit_code == 0
    assert "Paying for Hospitals" in result.output and "Author: Sara Okafor, Li Wei and Paul Dumas" in result.output
    data = json.loads(runner.invoke(cli, ["show", "health-2015.txt", "--json", "--index-dir", str(built)]).output)
    assert data["authors"] == ["Sara Okafor", "Li Wei", "Paul Dumas"]
    missing = runner.invoke(cli, ["show", "nope.txt", "--index-dir", str(built)])
    assert missing.exit_code == 1 and "no document with id 'nope.txt'" in missing.output


def test_stats(built: Path, runner: CliRunner) -> None:
    data = json.loads(runner.invoke(cli, ["stats", "--json", "--index-dir", str(built)]).output)
    assert data["documents"] == len(DOCS) + 2
    assert "documents: " in runner.invoke(cli, ["stats", "--index-dir", str(built)]).output


@pytest.mark.parametrize("args, message", [
    (["search", "x", "--index-dir", "{missing}"], "no index in"),
    (["search", "x", "--page", "0", "--index-dir", "{built}"], "--page must be between 1 and 10000; got 0"),
    (["search", "x", "--since", "yesterday", "--index-dir", "{built}"], "--since must be a date as YYYY, YYYY-MM or YYYY-MM-DD; got 'yesterday'"),
    (["search", "x", "--limit", "5000", "--index-dir", "{built}"], "--limit must be between 1 and 1000; got 5000"),
    (["index", "{missing}/docs", "--index-dir", "{built}"], "source not found"),
])
def test_errors_are_one_line_and_non_zero(built: Path, tmp_path: Path, runner: CliRunner, args, message) -> None:
    args = [a.format(built=built, missing=tmp_path / "missing") for a in args]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_hostile_query_from_the_command_line(built: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["search", '"unclosed', "author:", "--index-dir", str(built)])
    assert result.exit_code == 0
    assert "Note:" in result.output


def test_every_command_and_option_is_documented() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert f"commentary {name}" in readme, f"README does not document `commentary {name}`"
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert opt in readme, f"README does not document {opt} of `commentary {name}`"

"""The `commentary` command, through click's CliRunner."""

from __future__ import annotations

import html
import json
import re
import socket
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import search
from webui.cli import cli  # the whole `commentary` command, serve included

from corpus import DOCS, write_corpus
from search.terminal import wrap_snippet


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
    assert f"Indexed {corpus} into {index_dir} in " in result.output
    assert f": {len(DOCS) + 2} added, 0 updated, 0 removed, 0 unchanged." in result.output
    assert "Skipped 1 file:" in result.output and "empty.txt: " in result.output
    assert "Indexed 1 file with 1 warning:" in result.output
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
    (["search", "x", "--index-dir", "{missing}"], "no index at"),
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


def _commands(group: click.Group, prefix: str = "commentary") -> list[tuple[str, click.Command]]:
    """Every command under ``group`` by its full name, the subcommands of groups (``cluster up``) included."""
    found = []
    for name, command in group.commands.items():
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix} {name}")
    return found


def test_every_command_and_option_is_documented() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    commands = _commands(cli)
    assert "commentary cluster up" in dict(commands)  # the walk reaches into groups
    for name, command in commands:
        assert name in readme, f"README does not document `{name}`"
        for param in command.params:
            for opt in [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]:
                if opt.startswith("--") and opt != "--help":
                    assert opt in readme, f"README does not document {opt} of `{name}`"


def test_filter_values_as_typed_and_did_you_mean(built: Path, runner: CliRunner) -> None:
    found = runner.invoke(cli, ["search", "--author", "anna berg", "--index-dir", str(built)])
    assert found.exit_code == 0 and "Results 1–2 of 2" in found.stdout
    missed = runner.invoke(cli, ["search", "--author", "Ana Berg", "--index-dir", str(built)])
    assert missed.exit_code == 0
    assert "No author “Ana Berg”; did you mean Anna Berg?" in missed.stderr
    assert "Anna Berg" not in missed.stdout


@pytest.mark.parametrize("args, query", [
    (["-carbon"], "-carbon"),
    (["elections", "-turnout"], "elections -turnout"),
    (["elections", "-turnout", "--limit", "1"], "elections -turnout"),
    (["--limit", "1", "-hospitals", "voters"], "-hospitals voters"),
])
def test_query_words_that_look_like_options_are_query_text(built: Path, runner: CliRunner, args, query) -> None:
    result = runner.invoke(cli, ["search", *args, "--index-dir", str(built), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    with search.open_index(built) as ix:
        expected = ix.search(query, limit=data["limit"])
    assert data["query"] == query and data["total"] == expected.total > 0
    assert [h["id"] for h in data["hits"]] == [h.id for h in expected.hits]


def test_after_double_dash_everything_is_query_text_and_said(built: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["search", "--index-dir", str(built), "--json", "--", "-carbon", "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["query"] == "-carbon --limit 1"
    assert "“--limit” comes after “--”, so it is searched as text" in result.stderr
    typo = runner.invoke(cli, ["search", "x", "--limt", "1", "--index-dir", str(built)])
    assert typo.exit_code == 2 and "No such option '--limt'" in typo.output


def test_a_page_past_the_last_is_empty_not_an_error(built: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["search", "--page", "99", "--limit", "2", "--index-dir", str(built)])
    assert result.exit_code == 0
    pages = -(-(len(DOCS) + 2) // 2)
    assert result.stdout == f"No results on page 99; there are {pages} pages.\n"
    data = json.loads(runner.invoke(cli, ["search", "--page", "99", "--json", "--index-dir", str(built)]).stdout)
    assert data["hits"] == [] and data["total"] == len(DOCS) + 2 and data["page"] == 99


def test_snippets_wrap_to_the_terminal_with_a_hanging_indent(built: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["search", "carbon", "--index-dir", str(built)], env={"COLUMNS": "40"})
    lines = result.stdout.splitlines()
    assert lines[2].startswith("  1. ")
    first_hit = lines[3:lines.index("", 3)]
    assert len(first_hit) > 4  # byline, a snippet of several lines, id
    assert all(len(line) <= 40 and line.startswith("     ") and line[5] != " " for line in first_hit)
    with search.open_index(built) as ix:
        hit = ix.search("carbon").hits[0]
    plain = html.unescape(re.sub("</?mark>", "", hit.snippet))
    byline = " · ".join(x for x in (hit.author, hit.affiliation, hit.date or "undated", hit.source) if x)
    assert " ".join(first_hit).split() == f"{byline} {plain} {hit.id}".split()  # nothing lost or cut


def test_terminal_snippets_come_from_spans_not_from_parsing_html() -> None:
    text = "Tariffs <mark>fake</mark> &amp; tariffs\x1b]0;owned\x07 end"
    spans = [(0, 7), (32, 39)]
    lines = wrap_snippet(text, spans, 30, 2, lambda word: f"[{word}]")
    shown = " ".join(line.strip() for line in lines)
    # Only the spans are emphasised; markup-looking text is shown as it is;
    # control characters are made visible.
    assert re.findall(r"\[(\w+)\]", shown) == ["Tariffs", "tariffs"]
    assert "<mark>fake</mark> &amp;" in shown and "\x1b" not in shown and "\u241b" in shown
    assert all(len(re.sub(r"[\[\]]", "", line)) <= 30 and line.startswith("  ") for line in lines)


def test_serve_on_a_busy_port_or_a_bad_host_is_one_line(built: Path, runner: CliRunner) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--port", str(port), "--index-dir", str(built)])
    assert result.exit_code == 1
    assert result.output == f"Error: cannot serve on 127.0.0.1:{port}: the port is in use; choose another with --port (e.g. --port {port + 1})\n"
    bad = runner.invoke(cli, ["serve", "--host", "no-such-host.invalid", "--index-dir", str(built)])
    assert bad.exit_code == 1 and len(bad.output.splitlines()) == 1
    assert "cannot serve on 'no-such-host.invalid': no such host or address" in bad.output and "--host" in bad.output


HOSTILE = "\x1b]0;owned\x07\x1b[2J\x9b31m\r\x08"  # no NUL: that makes a file binary, and skipped


def test_nothing_from_documents_reaches_the_terminal_raw(tmp_path: Path, runner: CliRunner) -> None:
    folder = write_corpus(tmp_path / "docs")
    (folder / f"empty{HOSTILE}.txt").write_text("")  # reported as skipped, by name
    (folder / f"binary{HOSTILE}.txt").write_text(HOSTILE * 20)
    index_dir = tmp_path / "index"
    outputs = [runner.invoke(cli, ["index", str(folder), "--index-dir", str(index_dir)])]
    # Control characters in a file make it binary; the Python API takes them.
    search.add_documents(index_dir, [{
        "id": f"evil{HOSTILE}", "title": f"Standing Armies {HOSTILE}", "authors": [f"Eve {HOSTILE}Mallory"],
        "affiliation": f"Society {HOSTILE}", "source": f"Gazette {HOSTILE}", "date": "1788-01-02",
        "tags": [f"war{HOSTILE}"], "body": f"A standing army {HOSTILE} in time of peace.\nArmies {HOSTILE}."}])
    doc_id = f"evil{HOSTILE}"
    for args in (["search", "standing", "army"], ["search", "army", "--json"], ["show", doc_id],
                 ["show", doc_id, "--json"], ["show", f"nope{HOSTILE}"], ["search", "--author", f"x{HOSTILE}"],
                 ["search", f"armz{HOSTILE}"], ["stats"]):
        outputs.append(runner.invoke(cli, [*args, "--index-dir", str(index_dir)]))
    for result in outputs:
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        for stream in (result.stdout, result.stderr):
            assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", stream), (result, stream)
    assert "\u241b]0;owned\u2407" in outputs[0].stdout  # the file name is shown, not obeyed
    assert "Standing Armies \u241b]0;owned\u2407" in outputs[1].stdout


def test_clean_shows_control_characters_and_keeps_text() -> None:
    from search.terminal import clean, json_text

    assert clean("a\x1b[31mb\x07c\x9bd\ne\tf") == "a\u241b[31mb\u2407c\ufffdd e f"
    assert clean("line one\nline two\r", lines=True) == "line one\nline two\u240d"
    assert clean("Élections à Genève — “quoted”") == "Élections à Genève — “quoted”"
    assert json.loads(json_text({"t": "x\x9by\x7f\x1b"})) == {"t": "x\x9by\x7f\x1b"}
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", json_text({"t": "x\x9by\x7f\x1b"}).replace("\n", ""))


def test_serve_rebuilds_an_index_of_another_version(tmp_path: Path, runner: CliRunner) -> None:
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, Schema

    corpus = write_corpus(tmp_path / "docs")
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    whoosh_index.create_in(str(index_dir), Schema(id=ID(stored=True))).writer().commit()
    with socket.socket() as busy:  # so that serve stops after the build, with a clear error
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--source", str(corpus), "--port", str(port), "--index-dir", str(index_dir)])
    assert f"The index at {index_dir} was built by another version; rebuilding it from {corpus}…" in result.stderr
    assert "the port is in use" in result.stderr and result.exit_code == 1
    with search.open_index(index_dir) as ix:
        assert ix.doc_count == len(DOCS) + 2

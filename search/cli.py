"""The ``commentary`` command: a thin layer over the ``search`` API.

Commands and options carry the API's names; library errors become one clear
line and a non-zero exit (``click.ClickException``).
"""

from __future__ import annotations

import functools
import html
import json
import re
import sys
from pathlib import Path
from typing import Any, Callable

import click

from . import __version__
from .errors import SearchError
from .indexer import BuildReport, build_index, default_index_dir
from .options import MATCHES, MAX_LIMIT, SORTS, check_options
from .searching import index_exists, open_index

__all__ = ["cli", "main"]


def index_dir_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--index-dir``, defaulting to ``$COMMENTARY_INDEX`` or ``./index``."""
    return click.option(
        "--index-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="COMMENTARY_INDEX",
        default=None,
        help="Index directory [env COMMENTARY_INDEX; default ./index].",
    )(func)


def json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--json``: print machine-readable output instead of text."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(func)


def library_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn engine errors into one-line CLI errors with exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SearchError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="commentary")
def cli() -> None:
    """Search engine for commentary: index documents, search them, serve the web UI."""


@cli.command("index")
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@index_dir_option
@click.option("--rebuild", is_flag=True, help="Rewrite every document instead of only changed ones.")
@click.option("--wait", type=float, default=0.0, show_default=True,
              help="Seconds to wait for another build to finish.")
@json_option
@library_errors
def index_command(sources: tuple[Path, ...], index_dir: Path | None, rebuild: bool, wait: float, as_json: bool) -> None:
    """Build or update the index from SOURCES (folders or files; default ./seeds).

    Incremental: only added, changed and removed documents are touched.
    """
    report = run_build(list(sources) or None, index_dir, rebuild=rebuild, wait=wait, quiet=as_json)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_report(report)


def run_build(sources: list[Path] | None, index_dir: Path | None, *, rebuild: bool = False,
              wait: float = 0.0, quiet: bool = False) -> BuildReport:
    """Run ``build_index`` with a progress bar when stderr is a terminal."""
    if quiet or not sys.stderr.isatty():
        return build_index(sources, index_dir, rebuild=rebuild, wait=wait)
    bar: Any = None  # created on the first call, when the total is known

    def progress(done: int, total: int, label: str) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="Indexing", file=sys.stderr).__enter__()
        bar.update(1)
        if done == total:
            # Reading is done; the commit that follows can take as long again.
            bar.__exit__(None, None, None)
            click.echo("Saving the index…", err=True)

    try:
        return build_index(sources, index_dir, rebuild=rebuild, wait=wait, progress=progress)
    except BaseException:
        if bar is not None:
            bar.__exit__(None, None, None)  # leave the terminal tidy before the error
        raise


def print_report(report: BuildReport) -> None:
    """The build summary for people, problems listed with path and reason."""
    click.echo(f"Index {report.index_dir}: {report.summary()}")
    for problem in report.skipped:
        click.echo(f"  skipped {problem.path}: {problem.reason}")
    for problem in report.warnings:
        click.echo(f"  warning {problem.path}: {problem.reason}")


@cli.command("search")
@click.argument("query", nargs=-1)
@click.option("--author", multiple=True, help="Only this author (repeatable).")
@click.option("--affiliation", multiple=True, help="Only this affiliation (repeatable).")
@click.option("--source", multiple=True, help="Only this source (repeatable).")
@click.option("--tag", multiple=True, help="Only this tag (repeatable).")
@click.option("--since", help="From this date: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--until", help="Up to this date, inclusive.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--page", default="1", show_default=True, help="Page of results.")
@click.option("--limit", default="10", show_default=True, help=f"Results per page (1–{MAX_LIMIT}).")
@click.option("--match", type=click.Choice(MATCHES), default="all", show_default=True,
              help="all: every word must match; any: any word may.")
@click.option("--expand/--no-expand", default=True, show_default=True,
              help="Re-rank with words from the best matches (pseudo-relevance feedback).")
@index_dir_option
@json_option
@library_errors
def search_command(query: tuple[str, ...], index_dir: Path | None, as_json: bool, expand: bool, **options: Any) -> None:
    """Search the index for QUERY and print ranked results with snippets."""
    # Checked here, with the options' names as typed, so an error says
    # "--since", not the library's "since"; the library checks them again.
    checked = check_options(**options, spell=lambda name: f"--{name}")
    with open_index(index_dir) as ix:
        results = ix.search(" ".join(query), expand=expand, **checked.as_kwargs())
    if as_json:
        click.echo(json.dumps(results.to_dict(), indent=2, ensure_ascii=False))
        return
    print_results(results)


def print_results(results: Any) -> None:
    """Ranked hits for a terminal: title, byline, snippet with matches emphasised."""
    if results.notice:
        click.secho(f"Note: {results.notice}", fg="yellow", err=True)
    if results.corrected:
        click.secho(f"Showing results for {results.suggestion}; nothing matches {results.query}.", fg="yellow", err=True)
    elif results.suggestion:
        click.secho(f"Did you mean: {results.suggestion}", fg="yellow", err=True)
    if not results.total:
        click.echo("No results.")
        return
    first = (results.page - 1) * results.limit + 1
    last = first + len(results.hits) - 1
    click.echo(f"Results {first}–{last} of {results.total} ({results.took:.3f} s)\n" if results.hits
               else f"No results on page {results.page} of {results.pages}.")
    for hit in results.hits:
        click.echo(f"{hit.rank:>3}. " + click.style(hit.title or hit.id, bold=True))
        byline = " · ".join(x for x in (hit.author, hit.affiliation, hit.date or "undated", hit.source) if x)
        click.echo(f"     {byline}")
        click.echo(f"     {terminal_snippet(hit.snippet)}")
        click.echo(click.style(f"     {hit.id}", dim=True) + "\n")


def terminal_snippet(snippet_html: str) -> str:
    """A snippet's HTML as terminal text, ``<mark>`` shown bold and underlined."""
    parts = re.split(r"(<mark>.*?</mark>)", snippet_html)
    out = []
    for part in parts:
        if part.startswith("<mark>"):
            out.append(click.style(html.unescape(part[6:-7]), bold=True, underline=True))
        else:
            out.append(html.unescape(part))
    return "".join(out)


@cli.command("show")
@click.argument("doc_id")
@index_dir_option
@json_option
@library_errors
def show_command(doc_id: str, index_dir: Path | None, as_json: bool) -> None:
    """Print one document, DOC_ID as listed in search results."""
    with open_index(index_dir) as ix:
        doc = ix.get(doc_id)
    if doc is None:
        raise click.ClickException(f"no document with id {doc_id!r}")
    if as_json:
        click.echo(json.dumps(doc.to_dict(), indent=2, ensure_ascii=False))
        return
    click.secho(doc.title or doc.id, bold=True)
    for label, value in (("Author", doc.author), ("Affiliation", doc.affiliation),
                         ("Date", doc.date), ("Source", doc.source), ("URL", doc.url),
                         ("Tags", ", ".join(doc.tags))):
        if value:
            click.echo(f"{label}: {value}")
    click.echo("")
    click.echo(doc.body)


@cli.command("stats")
@index_dir_option
@json_option
@library_errors
def stats_command(index_dir: Path | None, as_json: bool) -> None:
    """Print what the index holds: documents, authors, sources, dates, size."""
    with open_index(index_dir) as ix:
        stats = ix.stats()
    if as_json:
        click.echo(json.dumps(stats, indent=2))
        return
    for key, value in stats.items():
        click.echo(f"{key.replace('_', ' '):>13}: {value}")


@cli.command("serve")
@index_dir_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--threads", type=int, default=4, show_default=True, help="Worker threads.")
@click.option("--source", "sources", multiple=True, type=click.Path(path_type=Path),
              help="Folder to build the index from when there is none (default ./seeds).")
@library_errors
def serve_command(index_dir: Path | None, host: str, port: int, threads: int, sources: tuple[Path, ...]) -> None:
    """Serve the web UI and JSON API (building the index first if there is none)."""
    # Imported here: the engine itself never depends on Flask.
    from webui.server import serve

    target = index_dir or default_index_dir()
    if not index_exists(target):
        click.echo(f"No index in {target}; building it first.", err=True)
        print_report(run_build(list(sources) or None, target))
    serve(index_dir=target, host=host, port=port, threads=threads)


def main() -> None:
    """Entry point of the ``commentary`` console script."""
    cli(prog_name="commentary")


if __name__ == "__main__":
    main()

"""The ``commentary`` command: a thin layer over the ``search`` API.

Commands and options carry the API's names; library errors become one clear
line and a non-zero exit (``click.ClickException``).

This group holds everything but ``serve``: the engine never imports Flask
or ``webui``, so ``webui.cli`` adds ``serve`` to a copy of this group and is
the ``commentary`` console script.  ``python -m search.cli`` offers the rest
without loading the web UI.
"""

from __future__ import annotations

import functools
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

from . import __version__
from .errors import IndexCorruptError, SearchError
from .storage import default_index_dir, default_sources, has_current_schema, open_whoosh_index
from .options import MATCHES, MAX_LIMIT, SORTS, check_options
from .backend import is_remote_location
from .searching import index_exists, open_index
from .terminal import clean, json_text, terminal_width, wrap_snippet

if TYPE_CHECKING:  # the writer is imported by the commands that build, not by `commentary search`
    from .indexer import BuildReport

__all__ = ["cli", "main"]


class IndexLocation(click.ParamType):
    """An index folder (a ``Path``), or a Solr collection's location kept as typed (``solr://…``)."""

    name = "directory"
    _folder = click.Path(file_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if is_remote_location(value):
            return value.strip()  # a Path would fold "//" and lose the scheme
        return self._folder.convert(value, param, ctx)


def index_dir_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--index-dir`` (or ``--index``), defaulting to ``$COMMENTARY_INDEX`` or ``./index``."""
    return click.option(
        "--index-dir",
        "--index",
        "index_dir",
        type=IndexLocation(),
        envvar="COMMENTARY_INDEX",
        default=None,
        help="Index directory, or a SolrCloud collection solr://HOST:PORT/solr/NAME "
             "[env COMMENTARY_INDEX; default ./index].",
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
            raise click.ClickException(clean(exc)) from exc

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
@click.option("--semantic/--no-semantic", default=None,
              help="Add (or remove) sentence embeddings for --semantic search; needs the [semantic] extra. "
                   "Default: keep what the index has.")
@click.option("--follow-links", is_flag=True,
              help="Follow symbolic links that lead outside the source folders.")
@click.option("--max-file-mb", type=float, default=None,
              help="Skip files larger than this many megabytes [env COMMENTARY_MAX_FILE_MB; default 20].")
@json_option
@library_errors
def index_command(sources: tuple[Path, ...], index_dir: Path | None, rebuild: bool, wait: float,
                  follow_links: bool, max_file_mb: float | None, as_json: bool, semantic: bool | None) -> None:
    """Build or update the index from SOURCES (folders or files; default ./seeds).

    Incremental: only added, changed and removed documents are touched.
    """
    target = index_dir or default_index_dir()
    if index_exists(target) and not index_is_current(target):
        _say_outdated(target, sources)  # the build rewrites it: say why it takes a while
    report = run_build(list(sources) or None, index_dir, rebuild=rebuild, wait=wait, quiet=as_json,
                       follow_links=follow_links, max_file_mb=max_file_mb, semantic=semantic)
    if as_json:
        click.echo(json_text(report.to_dict()))
    else:
        print_report(report, sources)


def run_build(sources: list[Path] | None, index_dir: Path | None, *, rebuild: bool = False,
              wait: float = 0.0, quiet: bool = False, **options: Any) -> BuildReport:
    """Run ``build_index`` with a progress bar when stderr is a terminal.

    ``options`` go to ``build_index`` as they are (``follow_links``, ``max_file_mb``,
    ``semantic``).
    """
    from .indexer import build_index  # only the commands that build pay for the writer and readers

    if quiet or not sys.stderr.isatty():
        return build_index(sources, index_dir, rebuild=rebuild, wait=wait, **options)
    bar: Any = None  # created on the first call, when the total is known
    embedding = False

    def progress(done: int, total: int, label: str) -> None:
        nonlocal bar, embedding
        if label.startswith("embedding ") and not embedding:
            # A second phase with its own total: the documents without vectors.
            # (The indexing bar, if any, closed when it reached its total.)
            embedding = True
            bar = click.progressbar(length=total, label="Embedding", file=sys.stderr).__enter__()
            bar.update(done)
            return
        if bar is None:
            bar = click.progressbar(length=total, label="Indexing", file=sys.stderr).__enter__()
        bar.update(done - bar.pos if embedding else 1)
        if done == total:
            # Reading is done; the commit that follows can take as long again.
            bar.__exit__(None, None, None)
            click.echo("Saving the index…", err=True)

    try:
        return build_index(sources, index_dir, rebuild=rebuild, wait=wait, progress=progress, **options)
    except BaseException:
        if bar is not None:
            bar.__exit__(None, None, None)  # leave the terminal tidy before the error
        raise


def print_report(report: BuildReport, sources: list[Path] | tuple[Path, ...] = ()) -> None:
    """The build summary for people, in sentences, problems listed with path and reason."""
    counts = (f"{report.added} added, {report.updated} updated, {report.removed} removed, "
              f"{report.unchanged} unchanged")
    click.echo(f"Indexed {_shown_sources(sources)} into {shown_path(report.index_dir)} "
               f"in {report.seconds:.1f} s: {counts}.")
    if report.embedded:
        click.echo(f"Embedded {plural(report.embedded, 'document')} for semantic search.")
    if report.skipped:
        click.echo(f"Skipped {plural(len(report.skipped), 'file')}:")
        for problem in report.skipped:
            click.echo(f"  {clean(problem.path)}: {clean(problem.reason)}")
    if report.warnings:
        files = len({problem.path for problem in report.warnings})
        click.echo(f"Indexed {plural(files, 'file')} with {plural(len(report.warnings), 'warning')}:")
        for problem in report.warnings:
            click.echo(f"  {clean(problem.path)}: {clean(problem.reason)}")
    if report.ignored:
        reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(report.ignored_reasons.items()))
        click.echo(f"Ignored {plural(report.ignored, 'file')}" + (f" ({reasons})." if reasons else "."))


def plural(count: int, noun: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def shown_path(path: str | Path) -> str:
    """A path as a person would type it: ``./index`` rather than ``index``."""
    text = str(path)
    if not is_remote_location(text) and not Path(text).is_absolute() and not text.startswith("."):
        text = "./" + text
    return clean(text)


def _shown_sources(sources: list[Path] | tuple[Path, ...]) -> str:
    return ", ".join(shown_path(s) for s in sources) if sources else shown_path(default_sources()[0])


class QueryCommand(click.Command):
    """A command whose words are query text, even those that look like options.

    ``commentary search militia -war`` searches for militia without war:
    a word starting with one ``-`` is query text unless it is an option of
    the command (``-h``).  Long options (``--limit``) are options wherever
    they stand, and an unknown one is an error, so a typo is not searched.
    After ``--`` everything is query text.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        valued = {opt for param in self.get_params(ctx) if isinstance(param, click.Option)
                  and not param.is_flag and not param.count for opt in param.opts}
        known = {opt for param in self.get_params(ctx) for opt in getattr(param, "opts", [])}
        known |= {opt for param in self.get_params(ctx) for opt in getattr(param, "secondary_opts", [])}
        options: list[str] = []
        words: list[str] = []
        rest = iter(args)
        for arg in rest:
            if arg == "--":
                after = list(rest)
                looks = [a for a in after if a.split("=", 1)[0] in known and a.startswith("--")]
                if looks:
                    # Said, not silently searched: the user may have meant an option.
                    ctx.meta["options_as_text"] = looks
                words.extend(after)
                break
            if arg.startswith("--") or arg in known:
                options.append(arg)
                value = next(rest, None) if arg in valued else None
                if value is not None:
                    options.append(value)
            else:
                words.append(arg)
        return super().parse_args(ctx, options + ["--"] + words)


@cli.command("search", cls=QueryCommand)
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
@click.option("--expand/--no-expand", default=False, show_default=True,
              help="Re-rank with words from the best matches (pseudo-relevance feedback).")
@click.option("--semantic", is_flag=True,
              help="Fuse the ranking with sentence embeddings (index built with --semantic).")
@index_dir_option
@json_option
@library_errors
def search_command(query: tuple[str, ...], index_dir: Path | None, as_json: bool, expand: bool, semantic: bool,
                   **options: Any) -> None:
    """Search the index for QUERY and print ranked results with snippets.

    QUERY is in the query language of the README: `militia -war` leaves out
    documents with "war". Options may come before or after it; after `--`
    everything is query text.
    """
    for text in click.get_current_context().meta.get("options_as_text", []):
        click.echo(f"Note: “{clean(text)}” comes after “--”, so it is searched as text; put options before “--”.", err=True)
    # Checked here, with the options' names as typed, so an error says
    # "--since", not the library's "since"; the library checks them again.
    checked = check_options(**options, spell=lambda name: f"--{name}")
    with open_index(index_dir) as ix:
        results = ix.search(" ".join(query), expand=expand, semantic=semantic, **checked.as_kwargs())
    if as_json:
        click.echo(json_text(results.to_dict()))
        return
    print_results(results)


def print_results(results: Any) -> None:
    """Ranked hits for a terminal: title, byline, snippet wrapped under the title."""
    if results.notice:
        click.secho(f"Note: {clean(results.notice)}", fg="yellow", err=True)
    if results.corrected:
        click.secho(f"Showing results for {clean(results.suggestion)}; nothing matches {clean(results.query)}.",
                    fg="yellow", err=True)
    elif results.suggestion:
        click.secho(f"Did you mean: {clean(results.suggestion)}", fg="yellow", err=True)
    if not results.total:
        click.echo("No results.")
        return
    if not results.hits:
        # Past the last page: not an error, as on the web page and in the API.
        pages = results.pages
        click.echo(f"No results on page {results.page}; there {'is' if pages == 1 else 'are'} {plural(pages, 'page')}.")
        return
    first = (results.page - 1) * results.limit + 1
    last = first + len(results.hits) - 1
    click.echo(f"Results {first}–{last} of {results.total} ({results.took:.3f} s)\n")
    width = terminal_width()
    for hit in results.hits:
        heading = hit.title or hit.id
        title = wrap_snippet(heading, [(0, len(heading))], width, _HANGING, bold)
        title[0] = f"{hit.rank:>3}. " + title[0][_HANGING:]
        for line in title:
            click.echo(line)
        byline = " · ".join(x for x in (hit.author, hit.affiliation, hit.date or "undated", hit.source) if x)
        for line in wrap_snippet(byline, [], width, _HANGING, str):
            click.echo(line)
        for line in wrap_snippet(hit.excerpt.text, hit.excerpt.spans, width, _HANGING, emphasise):
            click.echo(line)
        click.echo(click.style(f"{' ' * _HANGING}{clean(hit.id)}", dim=True) + "\n")


# Columns under a hit's number ("  1. "), where its other lines start.
_HANGING = 5


def bold(text: str) -> str:
    """A title's words as the terminal shows them."""
    return click.style(text, bold=True)


def emphasise(text: str) -> str:
    """A matched word as the terminal shows it: bold and underlined."""
    return click.style(text, bold=True, underline=True)


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
        raise click.ClickException(f"no document with id {clean(repr(doc_id))}")
    if as_json:
        click.echo(json_text(doc.to_dict()))
        return
    click.secho(clean(doc.title or doc.id), bold=True)
    for label, value in (("Author", doc.author), ("Affiliation", doc.affiliation),
                         ("Date", doc.date), ("Source", doc.source), ("URL", doc.url),
                         ("Tags", ", ".join(doc.tags))):
        if value:
            click.echo(f"{label}: {clean(value)}")
    click.echo("")
    click.echo(clean(doc.body, lines=True))


@cli.command("stats")
@index_dir_option
@json_option
@library_errors
def stats_command(index_dir: Path | None, as_json: bool) -> None:
    """Print what the index holds: documents, authors, sources, dates, size."""
    with open_index(index_dir) as ix:
        stats = ix.stats()
    if as_json:
        click.echo(json_text(stats))
        return
    for key, value in stats.items():
        if key == "size_bytes":
            key, value = "size", f"{value / 1e6:.1f} MB"
        click.echo(f"{key.replace('_', ' '):>13}: {clean(value)}")


def ensure_index(index_dir: Path | None, sources: tuple[Path, ...] = ()) -> Path:
    """The index directory to use, built from ``sources`` first if it has no index or an outdated one.

    For commands that need an index to exist (``commentary serve``); says on
    stderr why it builds, then prints the build summary.
    """
    target = index_dir or default_index_dir()
    if not index_exists(target):
        click.echo(f"No index at {shown_path(target)} yet; building it from {_shown_sources(sources)}…", err=True)
        print_report(run_build(list(sources) or None, target), sources)
    elif not index_is_current(target):
        _say_outdated(target, sources)
        print_report(run_build(list(sources) or None, target), sources)
    return target


def _say_outdated(target: Path, sources: tuple[Path, ...]) -> None:
    """One line on stderr: the index is of another version and is being rebuilt."""
    # Written by an older version (another schema): a build rewrites it.
    click.echo(f"The index at {shown_path(target)} was built by another version; "
               f"rebuilding it from {_shown_sources(sources)}…", err=True)


def index_is_current(index_dir: Path) -> bool:
    """False when the index there was written with another schema (a build rewrites it)."""
    if is_remote_location(index_dir):
        return True  # the collection's schema is the configset's (`commentary cluster init`)
    try:
        ix = open_whoosh_index(index_dir)
    except IndexCorruptError:
        return True  # damaged, not outdated: opening it says so
    return has_current_schema(ix)


@cli.group("cluster")
def cluster_group() -> None:
    """Run a development SolrCloud, or set up our collection on an existing one."""


@cluster_group.command("up")
@click.option("--nodes", type=click.IntRange(1, 8), default=2, show_default=True)
@click.option("--shards", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--replicas", type=click.IntRange(1, 8), default=2, show_default=True, help="Replicas per shard.")
@click.option("--collection", default="commentary", show_default=True)
@click.option("--info", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the node URLs and ZooKeeper's address here as JSON.")
@library_errors
def cluster_up_command(nodes: int, shards: int, replicas: int, collection: str, info: Path | None) -> None:
    """Start a local SolrCloud (Java and Maven needed) and run until Ctrl+C or SIGTERM.

    The first line of standard output is the collection's location, printed
    once it is ready: give it to --index-dir, or to `cluster init`.  The
    first run builds the launcher, which downloads Solr (about 150 MB) into
    ~/.m2.
    """
    # Imported here: only this command needs the launcher code.
    from .cluster import launcher_is_current, solr_dir, start_cluster

    if not launcher_is_current(solr_dir() / "launcher"):
        click.echo("Building the Solr launcher with Maven (the first time downloads Solr)…", err=True)
    click.echo(f"Starting {plural(nodes, 'Solr node')} with ZooKeeper on 127.0.0.1…", err=True)
    stop = threading.Event()
    starting = True

    def on_signal(*_: object) -> None:
        stop.set()
        if starting:
            raise KeyboardInterrupt  # abandons the start; start_cluster stops the JVM

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            cluster = start_cluster(collection=collection, nodes=nodes, shards=shards, replicas=replicas, info_file=info)
        except KeyboardInterrupt:
            raise click.ClickException("stopped before the cluster was ready") from None
        starting = False
        try:
            click.echo(cluster.location)
            sys.stdout.flush()
            click.echo(f"Nodes: {', '.join(cluster.nodes)}; ZooKeeper: {cluster.zk}. Stop with Ctrl+C.", err=True)
            while not stop.is_set() and cluster.running:
                stop.wait(0.5)
        finally:
            code = cluster.stop()
        if not stop.is_set():
            raise click.ClickException(f"the cluster stopped on its own (status {code}); see the messages above")
        click.echo("Cluster stopped.", err=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@cluster_group.command("init")
@click.argument("location")
@click.option("--shards", type=click.IntRange(1, 1024), default=2, show_default=True)
@click.option("--replicas", type=click.IntRange(1, 64), default=2, show_default=True, help="Replicas per shard.")
@click.option("--configset", help="Name of the configset on the cluster [default: the collection's name].")
@library_errors
def cluster_init_command(location: str, shards: int, replicas: int, configset: str | None) -> None:
    """Upload our configset to the SolrCloud at LOCATION and create the collection.

    LOCATION is solr://HOST:PORT/solr/COLLECTION.  Run again after a schema
    change: the configset is replaced and an existing collection reloaded.
    """
    from .cluster import init_collection

    report = init_collection(location, shards=shards, replicas=replicas, configset=configset)
    done = "created" if report.created else "reloaded (it existed)"
    click.echo(f"Configset {report.configset} uploaded; collection {report.location} {done} and active.")


def main() -> None:
    """Entry point of the ``commentary`` console script."""
    cli(prog_name="commentary")


if __name__ == "__main__":
    main()

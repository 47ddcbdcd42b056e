"""Querying the index: the ``Index`` object an application keeps open.

``Index`` owns its searchers (``storage.IndexView``, a Whoosh reader read
directly): one per thread, kept for the life of the
process because opening one is expensive (about half a second at 100,000
documents), and replaced by a new one when the index has changed on disk.
``Searcher.refresh()`` is never used: in this Whoosh it can return duplicate
and stale hits.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import warnings
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np

from .backend import is_remote_location, open_remote, remote_exists
from .arguments import check_text, doc_id_arg, text_arg, unknown_options
from .boundary import as_path, reads_index
from .document import Document
from .engine import Engine, filter_masks
from .errors import IndexCorruptError, IndexMissingError, QueryError, SemanticUnavailableError
from .expansion import FEEDBACK_TEXT_CHARS
from .generation import Generation
from .options import FILTERS, MATCHES, MAX_LIMIT, SORTS, check_options
from .present import date_order, hit_from_row, stored_hit, suggestion, term_matcher
from .query import ParsedQuery, parse_date_bound, parse_query
from .ranking import DEFAULT_RANKING, QueryBuilder, Ranking
from .results import FacetValue, Hit, SearchResults
from .scoring import RankingStats
from .schema import STOP_TERM, STOP_WORDS
from .snippets import TermMatcher, highlight_html, match_spans
from .storedtext import full_texts
from .storage import IndexView, default_index_dir, has_current_schema, has_index, open_whoosh_index

if TYPE_CHECKING:  # the writer is imported only when documents are added or deleted
    from .indexer import BuildReport, DocumentLike
    # ... and semantic search only when asked for (a plain search never is).
    from .semantic.hybrid import SemanticView

__all__ = ["Index", "open_index", "index_exists", "SORTS", "MATCHES", "MAX_LIMIT"]


def index_exists(index_dir: str | os.PathLike[str] | None = None) -> bool:
    """True when ``index_dir`` (default as for ``open_index``) holds an index (or names an existing Solr collection)."""
    location = index_dir if index_dir is not None else os.environ.get("COMMENTARY_INDEX")
    if is_remote_location(location):
        return remote_exists(location)  # type: ignore[arg-type]
    return has_index(as_path(index_dir, "index_dir") if index_dir is not None else default_index_dir())


def open_index(index_dir: str | os.PathLike[str] | None = None, *, ranking: Ranking = DEFAULT_RANKING) -> "Index":
    """Open the index at ``index_dir`` (default ``$COMMENTARY_INDEX`` or ``./index``).

    A ``solr://host:port/solr/collection`` (or ``http(s)://…``) location
    opens that SolrCloud collection instead, with the same methods
    (``search.backend.IndexBackend``).  Raises ``IndexMissingError`` when
    there is none, ``IndexCorruptError`` when it cannot be read or was
    written by another version, ``BackendUnavailableError`` when a Solr
    cluster cannot be reached.
    """
    location = index_dir if index_dir is not None else os.environ.get("COMMENTARY_INDEX")
    if is_remote_location(location):
        return open_remote(location, ranking=ranking)  # type: ignore[arg-type, return-value]
    return Index(index_dir if index_dir is not None else default_index_dir(), ranking=ranking)


class Index:
    """An open index: search it, fetch documents, add or delete documents.

    Safe to share between threads.  Close it (or use ``with``) to release
    its files.
    """

    def __init__(self, path: str | os.PathLike[str], *, ranking: Ranking = DEFAULT_RANKING) -> None:
        self.path = as_path(path, "index_dir")
        if not isinstance(ranking, Ranking):
            raise QueryError(f"ranking must be a search.Ranking, not {type(ranking).__name__}")
        self.ranking = ranking
        if not has_index(self.path):
            raise IndexMissingError(
                f"no index at {self.path} yet; build one with `commentary index` "
                "(or search.build_index())"
            )
        self._ix = open_whoosh_index(self.path)
        if not has_current_schema(self._ix):
            raise IndexCorruptError(
                f"the index in {self.path} was built by another version of this program; "
                "rebuild it with `commentary index --rebuild`"
            )
        self._local = threading.local()
        self._lock = threading.Lock()
        self._searchers: list[Any] = []
        self._generations: dict[int, Generation] = {}

    # -- resources --------------------------------------------------------

    def _searcher(self) -> Any:
        """This thread's searcher, reopened if the index changed since."""
        current = getattr(self._local, "searcher", None)
        if current is not None:
            try:
                if current.up_to_date():
                    return current
            except Exception:  # noqa: BLE001 - files replaced under us: reopen
                pass
            self._discard(current)
            # Forget it now: if reopening fails, the next call must try
            # again rather than find a closed searcher.
            self._local.searcher = None
        try:
            # Whoosh retries opening a damaged segment ten times and leaves
            # each attempt's open files to the garbage collector.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ResourceWarning)
                fresh = IndexView(self._ix, self.ranking.weighting)
        except Exception as exc:  # noqa: BLE001
            if not has_index(self.path):
                raise IndexMissingError(f"the index in {self.path} is gone; build one with `commentary index`") from None
            raise IndexCorruptError(
                f"the index in {self.path} cannot be read ({type(exc).__name__}: {exc}); "
                "rebuild it with `commentary index --rebuild`"
            ) from None
        with self._lock:
            self._searchers.append(fresh)
        self._local.searcher = fresh
        return fresh

    def _discard(self, searcher: Any) -> None:
        with self._lock:
            if searcher in self._searchers:
                self._searchers.remove(searcher)
        searcher.close()

    def _generation(self, searcher: Any) -> Generation:
        """What is kept between queries for the searcher's index generation."""
        generation = searcher.reader().generation()
        with self._lock:
            kept = self._generations.get(generation)
            if kept is None:
                kept = Generation(RankingStats(searcher, self.ranking), self.path)
                # Older generations are not needed once a newer one is read.
                self._generations = {generation: kept}
            return kept

    def close(self) -> None:
        """Close every searcher this index opened."""
        with self._lock:
            searchers, self._searchers = self._searchers, []
            self._generations = {}
        for searcher in searchers:
            searcher.close()
        self._local = threading.local()

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- searching --------------------------------------------------------

    @reads_index
    def search(
        self,
        query: str = "",
        *,
        author: str | Sequence[str] | None = None,
        affiliation: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        tag: str | Sequence[str] | None = None,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        sort: str = "relevance",
        page: int = 1,
        limit: int = 10,
        match: str = "all",
        snippets: bool = True,
        expand: bool = False,
        semantic: bool = False,
        correct: bool = True,
        **unknown: Any,
    ) -> SearchResults:
        """Search the commentary; see the README for the query language.

        Filters (``author`` ...) take one value (a string) or several (a
        list); values of one filter are alternatives, different filters must
        all hold.  ``since``/``until`` are ``YYYY``, ``YYYY-MM`` or
        ``YYYY-MM-DD`` (or a ``datetime.date``), inclusive.  ``limit`` is
        results per page.  An empty query lists every document that passes
        the filters, newest first.  ``snippets=False`` leaves ``Hit.snippet``
        empty, for callers that only need ids and scores of many hits.
        ``expand=True`` re-ranks with words learnt from the best first-pass
        results (pseudo-relevance feedback); it changes the order of the
        matches, never which documents match.  It is off by default: it did
        not generalise to collections it was not tuned on (see
        ``docs/relevance.md``).  ``semantic`` (an index built with
        embeddings, see ``docs/semantic.md``) fuses the ranking with
        sentence-embedding similarity and adds the nearest documents that
        share no word with the query; it raises ``SemanticUnavailableError``
        when the index or the install cannot.  When the query matches
        nothing and its spelling suggestion does, the suggestion's results
        are returned with ``corrected`` set, unless ``correct=False``; a
        suggestion that would find no more than the query is not made.
        Facet counts are disjunctive (see ``FacetValue``).  The options are checked by
        ``search.check_options``, as the CLI and the web check theirs.
        Raises ``QueryError`` for unusable options; never for query text.
        """
        started = time.perf_counter()
        if unknown:
            raise QueryError(unknown_options(unknown))
        check_text("the query", query)
        for name, flag in (("snippets", snippets), ("expand", expand), ("semantic", semantic),
                           ("correct", correct)):
            if not isinstance(flag, bool):
                raise QueryError(f"{name} must be True or False; got {flag!r}")
        options = check_options(author=author, affiliation=affiliation, source=source, tag=tag,
                                since=since, until=until, sort=sort, page=page, limit=limit, match=match)
        sort, page, limit = options.sort, options.page, options.limit
        lo = parse_date_bound(options.since, end=False) if options.since else None
        hi = parse_date_bound(options.until, end=True) if options.until else None
        filters = options.filters()
        searcher = self._searcher()
        kept = self._generation(searcher)
        view = self._semantic_view(searcher, kept) if semantic else None
        if semantic and view is None:
            raise SemanticUnavailableError(
                f"the index in {self.path} has no embeddings; add them with `commentary index --semantic`")
        table = kept.facets(searcher)
        filter_notices: list[str] = []
        stored: dict[str, list[str]] = {name: [] for name in FILTERS}
        if any(filters[name] for name in FILTERS):  # the finders cost a pass over the index, once
            for name, finder in kept.finders(searcher).items():
                stored[name], missing = finder.find(filters[name])
                filter_notices.extend(missing)
        # Each filter's documents on their own: facets are counted with every
        # filter but their own, so each is needed apart from the others.
        filter_sets = filter_masks(kept.stats, table, filters, stored, lo, hi)
        allowed = np.logical_and.reduce(list(filter_sets.values())) if filter_sets else None
        engine = Engine(searcher, kept.stats, self.ranking, allowed)

        # Match, and match the spelling suggestion too: it is offered only
        # when it finds more, and replaces a query that finds nothing.
        parsed = parse_query(query)
        # The model and the vector scan run while the lexical half does.
        ahead = view.prepare(parsed, allowed) if view is not None and sort == "relevance" else None
        found = engine.match(parsed, match)
        hint = suggestion(searcher.reader(), parsed, kept.spelling)
        corrected = False
        if hint is not None:
            tried = engine.match(parse_query(hint), match)
            if tried.strict <= found.strict:
                hint = None  # a "correction" that finds no more is a guess
            elif found.strict == 0 and correct:
                # Its results beat none, and beat the query relaxed to "any".
                found, corrected = tried, True
        parsed = found.parsed
        notices = filter_notices + found.notices
        if found.browsing and sort == "relevance":
            sort = "newest"  # nothing to rank by: show the latest first

        # Score and rerank, or order by date.
        matched = found.matched
        offset = (page - 1) * limit
        if sort == "relevance":
            depth = offset + limit if view is None else max(offset + limit, _semantic().fuse_depth())
            feedback = expand or (view is not None and _semantic().lexical_feedback())
            ranked = engine.rank(found, feedback, lambda docnum: kept.terms(searcher, docnum), depth)
            if view is not None:
                ranked, matched = _fused_masks(view, ranked, parsed, matched, allowed, ahead)
            page_docs = ranked[offset:offset + limit]
        else:
            ordered = date_order(matched, kept.stats.columns.dates, newest=(sort == "newest"))
            page_docs = [(int(d), None) for d in ordered[offset:offset + limit]]

        # Present.
        if snippets:
            matcher = term_matcher(parsed, found.builder)
            hits = [stored_hit(searcher, docnum, score, offset + i + 1, matcher)
                    for i, (docnum, score) in enumerate(page_docs)]
        else:
            # Without snippets a hit needs only the short display fields:
            # keep them, instead of decompressing whole documents (bodies
            # included) for every one of up to 1,000 hits again.
            hits = [hit_from_row(kept.row(searcher, docnum), score, offset + i + 1)
                    for i, (docnum, score) in enumerate(page_docs)]
        return SearchResults(
            query=query,
            total=int(matched.sum()),
            page=page,
            limit=limit,
            sort=sort,
            match=found.match,
            filters=filters,
            hits=hits,
            facets=(table.count(found.found, filters=filter_sets, chosen=stored) if filter_sets
                    else table.count(matched)),
            suggestion=hint,
            corrected=corrected,
            notice=" ".join(dict.fromkeys(notices)) or None,  # each notice once, in order
            took=time.perf_counter() - started,
        )

    # -- documents --------------------------------------------------------

    @reads_index
    def get(self, doc_id: str) -> Document | None:
        """The whole document with this id (Markdown bodies as Markdown), or None."""
        doc_id = doc_id_arg(doc_id)
        if doc_id is None:
            return None
        searcher = self._searcher()
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return None
        stored = searcher.stored_fields(docnum)
        body, markdown = full_texts(searcher.reader(), docnum, stored)
        fmt = stored.get("format") or "text"
        return Document(
            id=stored["id"],
            title=stored.get("title") or "",
            authors=list(stored.get("authors") or []),
            affiliation=stored.get("affiliation") or "",
            date=stored.get("date"),
            source=stored.get("source") or "",
            url=stored.get("url") or "",
            tags=list(stored.get("tag_list") or []),
            body=(markdown if fmt == "markdown" else body) or "",
            format=fmt,
            extra=dict(stored.get("extra") or {}),
            warnings=list(stored.get("warnings") or []),
        )

    @reads_index
    def get_text(self, doc_id: str) -> str | None:
        """The plain text of a document as indexed (Markdown stripped), or None."""
        doc_id = doc_id_arg(doc_id)
        if doc_id is None:
            return None
        searcher = self._searcher()
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return None
        return full_texts(searcher.reader(), docnum, searcher.stored_fields(docnum))[0] or ""

    @reads_index
    def more_like(self, doc_id: str, limit: int = 5) -> list[Hit]:
        """Documents closest to this one (not itself); ``limit`` as in ``search``.

        By sentence embedding when the index has them, else by wording.
        """
        from whoosh import query as wq  # only here: a search never builds a Whoosh query

        limit = check_options(limit=limit).limit
        doc_id = doc_id_arg(doc_id)
        if doc_id is None:
            return []
        searcher = self._searcher()
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return []
        view = self._semantic_view(searcher, self._generation(searcher))
        similar = view.similar(docnum, limit) if view is not None else None
        if similar is not None:
            return [stored_hit(searcher, d, score, i + 1, TermMatcher()) for i, (d, score) in enumerate(similar)]
        # Whoosh would re-analyse the whole stored body on every call (15 s
        # for a 10 MB document); its opening says what it is about.
        text = (searcher.stored_fields(docnum).get("body") or "")[:FEEDBACK_TEXT_CHARS]
        # Whoosh's more_like, without the terms that record removed words
        # (schema.STOP_TERM): asked for enough terms that 25 others remain.
        found = searcher.key_terms_from_text("body", text, numterms=26 + len(STOP_WORDS), normalize=False)
        terms = [(w, weight) for w, weight in found if not w.startswith(STOP_TERM)][:25]
        query = wq.Or([wq.Term("body", w, boost=weight) for w, weight in terms])
        results = searcher.search(query, limit=limit, mask={docnum})
        empty = TermMatcher()
        return [stored_hit(searcher, hit.docnum, hit.score, i + 1, empty) for i, hit in enumerate(results)]

    @reads_index
    def highlight(self, text: str, query: str) -> str:
        """All of ``text`` HTML-escaped, with the words matching ``query`` in ``<mark>``."""
        return highlight_html(text_arg("text", text), self._matcher_for(query))

    @reads_index
    def match_spans(self, text: str, query: str) -> list[tuple[int, int]]:
        """Character spans of ``text`` that match ``query``, in order."""
        return match_spans(text_arg("text", text), self._matcher_for(query))

    def _matcher_for(self, query: str) -> TermMatcher:
        builder = QueryBuilder(self._searcher().reader(), self.ranking)
        return term_matcher(parse_query(text_arg("the query", query)), builder)

    @reads_index
    def facet_values(self, facet: str) -> list[FacetValue]:
        """Every value of a facet over the whole index, most frequent first.

        ``facet`` is ``author``, ``affiliation``, ``source``, ``tag``, ``year``
        or ``month``; raises ``QueryError`` for anything else.
        """
        values = self._all_facets().get(facet) if isinstance(facet, str) else None
        if values is None:
            raise QueryError(f"no facet named {facet!r}")
        return list(values)

    def _all_facets(self) -> dict[str, list[FacetValue]]:
        """Facet counts over every live document, computed once per generation."""
        searcher = self._searcher()
        kept = self._generation(searcher)
        return kept.all_facets(searcher)

    @reads_index
    def stats(self) -> dict[str, Any]:
        """Counts and dates that describe the index."""
        searcher = self._searcher()
        reader = searcher.reader()
        columns = self._generation(searcher).stats.columns
        facets = self._all_facets()
        dates = columns.dates[columns.live]
        dates = dates[dates > 0]
        size = _folder_size(self.path)
        return {
            "index_dir": str(self.path),
            "documents": columns.live_count,
            "authors": len(facets["author"]),
            "affiliations": len(facets["affiliation"]),
            "sources": len(facets["source"]),
            "undated": columns.live_count - int(dates.size),
            "earliest": _iso_of(int(dates.min())) if dates.size else None,
            "latest": _iso_of(int(dates.max())) if dates.size else None,
            "size_bytes": size,
            # An index with no segments has a reader without a generation.
            "generation": reader.generation() if reader.generation() is not None else self._ix.latest_generation(),
            "modified": dt.datetime.fromtimestamp(self._ix.last_modified(), dt.timezone.utc).isoformat(timespec="seconds"),
        }

    @property
    @reads_index
    def has_embeddings(self) -> bool:
        """True when the index holds sentence embeddings (``search(semantic=True)`` can work)."""
        # The file, not its contents: the web form asks on every page.
        from .semantic.store import has_embeddings

        return has_embeddings(self.path, self._searcher().reader().generation())

    def _semantic_view(self, searcher: Any, kept: Generation) -> SemanticView | None:
        """The generation's embeddings joined to its documents, or None without any."""
        return kept.semantic(searcher, self.path)

    @property
    @reads_index
    def doc_count(self) -> int:
        """How many documents the index holds."""
        return self._searcher().doc_count()

    # -- writing ----------------------------------------------------------

    def add_documents(self, documents: Iterable[DocumentLike], *, wait: float = 10.0) -> BuildReport:
        """Add or update documents (``Document`` objects or dicts) by id.

        The change is committed atomically; this object sees it on its next
        search.
        """
        from .indexer import add_documents  # the writer, only when writing

        return add_documents(self.path, documents, wait=wait)

    def delete_documents(self, ids: Iterable[str], *, wait: float = 10.0) -> BuildReport:
        """Delete documents by id; unknown ids are ignored."""
        from .indexer import delete_documents  # the writer, only when writing

        return delete_documents(self.path, ids, wait=wait)


# -- helpers -------------------------------------------------------------------

def _folder_size(path: Path) -> int:
    """Bytes in the files of ``path``; a file a concurrent build deletes meanwhile counts as 0."""
    total = 0
    for entry in os.scandir(path):
        with suppress(OSError):
            if entry.is_file():
                total += entry.stat().st_size
    return total


def _semantic() -> Any:
    """``semantic.hybrid``, imported when a semantic search first needs it."""
    from .semantic import hybrid

    return hybrid


def _fused_masks(view: SemanticView, ranked: list[tuple[int, float]], parsed: ParsedQuery, matched: np.ndarray,
                 allowed: np.ndarray | None, ahead: Any) -> tuple[list[tuple[int, float]], np.ndarray]:
    """The lexical ranking fused with the dense one, and the documents that now match (a mask).

    Dense neighbours join the matches only when the query is plain words
    (``joins``); otherwise the fusion only reorders the lexical matches.
    ``ahead`` is what ``view.prepare`` started.
    """
    plain = _semantic().joins(parsed)
    fused, dense = view.fuse(ranked, _semantic().query_text(parsed), allowed if plain else matched, ahead)
    if not plain or not dense:
        return fused, matched
    now = matched.copy()
    now[list(dense)] = True
    return fused, now


def _iso_of(dateord: int) -> str:
    return f"{dateord // 10000:04d}-{dateord // 100 % 100:02d}-{dateord % 100:02d}"

"""Querying the index: the ``Index`` object an application keeps open.

``Index`` owns its Whoosh searchers: one per thread, kept for the life of the
process because opening one is expensive (about half a second at 100,000
documents), and replaced by a new one when the index has changed on disk.
``Searcher.refresh()`` is never used: in this Whoosh it can return duplicate
and stale hits.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
import warnings
from collections import Counter
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from whoosh import query as wq

from .boundary import as_path, reads_index
from .document import Document, clean_text
from .errors import IndexCorruptError, IndexMissingError, QueryError, SemanticUnavailableError
from .expansion import FEEDBACK_TEXT_CHARS, stored_terms
from .facets import DATE_FILTER, FacetTable
from .filtervalues import ValueFinder
from .options import FILTERS, MATCHES, MAX_LIMIT, SORTS, check_options
from .query import ParsedQuery, parse_date_bound, parse_query
from .ranking import DEFAULT_RANKING, QueryBuilder, Ranking, analyze, date_range_query
from .scoring import RankingStats, Scorer, match_documents, rank_documents
from .results import FacetValue, Hit, SearchResults
from .schema import FACET_FIELDS, SCHEMA, STOP_TERM, STOP_WORDS, TEXT_FIELDS
from .semantic.hybrid import FUSE_DEPTH, SemanticView
from .semantic.store import has_embeddings, load_embeddings
from .spelling import closest_word
from .snippets import TermMatcher, highlight_html, make_snippet, match_spans
from .storedtext import full_texts, is_cut
from .storage import default_index_dir, has_current_schema, has_index, open_whoosh_index

if TYPE_CHECKING:  # the writer is imported only when documents are added or deleted
    from .indexer import BuildReport, DocumentLike

__all__ = ["Index", "open_index", "index_exists", "SORTS", "MATCHES", "MAX_LIMIT"]


def index_exists(index_dir: str | os.PathLike[str] | None = None) -> bool:
    """True when ``index_dir`` (default as for ``open_index``) holds an index."""
    return has_index(as_path(index_dir, "index_dir") if index_dir is not None else default_index_dir())


def open_index(index_dir: str | os.PathLike[str] | None = None, *, ranking: Ranking = DEFAULT_RANKING) -> "Index":
    """Open the index at ``index_dir`` (default ``$COMMENTARY_INDEX`` or ``./index``).

    Raises ``IndexMissingError`` when there is none and ``IndexCorruptError``
    when it cannot be read or was written by another version.
    """
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
        self._generations: dict[int, _Generation] = {}

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
                fresh = self._ix.searcher(weighting=self.ranking.weighting())
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

    def _generation(self, searcher: Any) -> "_Generation":
        """What is kept between queries for the searcher's index generation."""
        generation = searcher.reader().generation()
        with self._lock:
            kept = self._generations.get(generation)
            if kept is None:
                kept = _Generation(RankingStats(searcher, self.ranking))
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
            raise QueryError(_unknown_options(unknown))
        _check_text("the query", query)
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
        scorer = Scorer(searcher, kept.stats)
        view = self._semantic_view(searcher, kept) if semantic else None
        if semantic and view is None:
            raise SemanticUnavailableError(
                f"the index in {self.path} has no embeddings; add them with `commentary index --semantic`")
        filter_notices: list[str] = []
        stored: dict[str, list[str]] = {name: [] for name in FILTERS}
        if any(filters[name] for name in FILTERS):  # the finders cost a pass over the index, once
            for name, finder in kept.finders(searcher).items():
                stored[name], missing = finder.find(filters[name])
                filter_notices.extend(missing)
        # Each filter's documents on their own: facets are counted with every
        # filter but their own, so each is needed apart from the others.
        filter_sets = _filter_sets(searcher, filters, stored, lo, hi)
        allowed = set.intersection(*filter_sets.values()) if filter_sets else None

        def passing(docnums: set[int]) -> set[int]:
            """Those of ``docnums`` that every filter allows."""
            return docnums & allowed if allowed is not None else docnums

        def run(parsed: ParsedQuery) -> tuple[QueryBuilder, set[int], set[int], str, list[str], bool, int]:
            """Match one parsed query.

            Returns the builder, the matches before and after filtering, the
            match mode used, notices, whether it only browses, and how many
            matched before any relaxing to "any".
            """
            builder = QueryBuilder(searcher.reader(), self.ranking)
            found = match_documents(searcher, builder, scorer, parsed, match)
            browsing = found is None
            if found is None:
                found = set(searcher.reader().all_doc_ids())
            matched = passing(found)
            strict = len(matched)
            effective_match, notes = match, list(parsed.notices)
            if not matched and match == "all" and len(parsed.groups) > 1:
                # Words no document has cannot be matched by relaxing less:
                # first try all the other words, still all of them.
                known = [g for g in parsed.groups if not _unknown_group(searcher.reader(), g)]
                if known and len(known) < len(parsed.groups):
                    reduced = ParsedQuery(text=parsed.text, groups=known, excluded=parsed.excluded)
                    kept_found = match_documents(searcher, builder, scorer, reduced, "all") or set()
                    kept_matched = passing(kept_found)
                    if kept_matched:
                        found, matched = kept_found, kept_matched
                        missing = " ".join(f"“{c.text}”" for g in parsed.groups if g not in known for c in g)
                        notes.append(f"No document contains {missing}; showing those that contain the other words.")
            if not matched and match == "all" and len(parsed.groups) > 1:
                relaxed = match_documents(searcher, builder, scorer, parsed, "any") or set()
                relaxed_matched = passing(relaxed)
                if relaxed_matched:
                    found, matched, effective_match = relaxed, relaxed_matched, "any"
                    notes.append("No document contains all of your search terms; showing those that contain some of them.")
            notes.extend(builder.notices)
            return builder, found, matched, effective_match, notes, browsing, strict

        parsed = parse_query(query)
        builder, found, matched, effective_match, notices, browsing, strict = run(parsed)
        suggestion = self._suggestion(searcher, parsed, kept.spelling)
        corrected = False
        if suggestion is not None:
            alternative = parse_query(suggestion)
            tried = run(alternative)
            if tried[-1] <= strict:
                suggestion = None  # a "correction" that finds no more is a guess
            elif strict == 0 and correct:
                # Its results beat none, and beat the query relaxed to "any".
                parsed, corrected = alternative, True
                builder, found, matched, effective_match, notices, browsing, strict = tried
        notices = filter_notices + notices
        if browsing and sort == "relevance":
            sort = "newest"  # nothing to rank by: show the latest first

        table = kept.facets(searcher)
        matcher = _term_matcher(parsed, builder) if snippets else None
        offset = (page - 1) * limit
        if sort == "relevance":
            depth = offset + limit if view is None else max(offset + limit, FUSE_DEPTH)
            ranked = rank_documents(searcher, scorer, builder.features(parsed), matched, expand,
                                    lambda docnum: kept.terms(searcher, docnum), depth)
            if view is not None:
                ranked, matched = _fused(view, ranked, parsed, depth, matched, allowed)
            page_docs = ranked[offset:offset + limit]
        else:
            ordered = _sort_by_date(matched, table, newest=(sort == "newest"))
            page_docs = [(d, None) for d in ordered[offset:offset + limit]]
        if matcher is None:
            # Without snippets a hit needs only the short display fields:
            # keep them, instead of decompressing whole documents (bodies
            # included) for every one of up to 1,000 hits again.
            hits = [
                _hit_from_row(kept.row(searcher, docnum), score, offset + i + 1)
                for i, (docnum, score) in enumerate(page_docs)
            ]
        else:
            hits = [
                self._hit(searcher, docnum, score, offset + i + 1, matcher)
                for i, (docnum, score) in enumerate(page_docs)
            ]
        return SearchResults(
            query=query,
            total=len(matched),
            page=page,
            limit=limit,
            sort=sort,
            match=effective_match,
            filters=filters,
            hits=hits,
            facets=table.count(found, filters=filter_sets, chosen=stored) if filter_sets else table.count(matched),
            suggestion=suggestion,
            corrected=corrected,
            notice=" ".join(dict.fromkeys(notices)) or None,  # each notice once, in order
            took=time.perf_counter() - started,
        )

    def _hit(self, searcher: Any, docnum: int, score: float | None, rank: int, matcher: TermMatcher) -> Hit:
        """A result row from stored fields, with a snippet of its body."""
        stored = searcher.stored_fields(docnum)
        # The stored body is a bounded opening (search.storedtext); the
        # whole is read only when the query's words are not in it.
        whole = (lambda: full_texts(searcher.reader(), docnum, stored, markdown=False)[0]) if is_cut(stored) else None
        snippet = make_snippet(stored.get("body") or "", matcher, whole=whole)
        return _hit_from_row(_display_row(stored), score, rank, snippet)

    def _suggestion(self, searcher: Any, parsed: ParsedQuery, known: dict[str, str | None] | None = None) -> str | None:
        """The query with unknown words replaced by close known ones, or None.

        ``known`` remembers each word's correction (None: none needed or
        found) for this index generation; finding one is the slow part.
        """
        reader = searcher.reader()
        spell_field = SCHEMA["body"].spelling_fieldname("body")
        known = {} if known is None else known
        replacements: dict[str, str] = {}
        for clause in parsed.positive:
            if clause.kind != "word" or clause.field is not None:
                continue
            for word in re.findall(r"\w+", clause.text):
                if word in replacements:
                    continue
                if word not in known:
                    if len(known) >= _KEEP_SUGGESTIONS:
                        known.clear()
                    known[word] = None if _known(reader, word) else (
                        closest_word(reader, spell_field, word)
                        # Names are not in the body's word list: "madisson".
                        or closest_word(reader, "author", word, term_of=_name_term)
                    )
                found = known[word]
                if found:
                    replacements[word] = found
        if not replacements:
            return None
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, replacements)) + r")\b")
        return pattern.sub(lambda m: replacements[m.group(1)], parsed.text)

    # -- documents --------------------------------------------------------

    @reads_index
    def get(self, doc_id: str) -> Document | None:
        """The whole document with this id (Markdown bodies as Markdown), or None."""
        doc_id = _doc_id(doc_id)
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
        doc_id = _doc_id(doc_id)
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
        limit = check_options(limit=limit).limit
        doc_id = _doc_id(doc_id)
        if doc_id is None:
            return []
        searcher = self._searcher()
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return []
        view = self._semantic_view(searcher, self._generation(searcher))
        similar = view.similar(docnum, limit) if view is not None else None
        if similar is not None:
            return [self._hit(searcher, d, score, i + 1, TermMatcher()) for i, (d, score) in enumerate(similar)]
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
        return [self._hit(searcher, hit.docnum, hit.score, i + 1, empty) for i, hit in enumerate(results)]

    @reads_index
    def highlight(self, text: str, query: str) -> str:
        """All of ``text`` HTML-escaped, with the words matching ``query`` in ``<mark>``."""
        return highlight_html(_text_arg("text", text), self._matcher_for(query))

    @reads_index
    def match_spans(self, text: str, query: str) -> list[tuple[int, int]]:
        """Character spans of ``text`` that match ``query``, in order."""
        return match_spans(_text_arg("text", text), self._matcher_for(query))

    def _matcher_for(self, query: str) -> TermMatcher:
        builder = QueryBuilder(self._searcher().reader(), self.ranking)
        return _term_matcher(parse_query(_text_arg("the query", query)), builder)

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
        table = self._generation(searcher).facets(searcher)
        live = list(reader.all_doc_ids())
        facets = self._all_facets()
        dates = sorted(d for d in (table.date_of(n) for n in live) if d)
        size = _folder_size(self.path)
        return {
            "index_dir": str(self.path),
            "documents": len(live),
            "authors": len(facets["author"]),
            "affiliations": len(facets["affiliation"]),
            "sources": len(facets["source"]),
            "undated": len(live) - len(dates),
            "earliest": _iso_of(dates[0]) if dates else None,
            "latest": _iso_of(dates[-1]) if dates else None,
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
        return has_embeddings(self.path, self._searcher().reader().generation())

    def _semantic_view(self, searcher: Any, kept: "_Generation") -> SemanticView | None:
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

# Bounds on what a generation keeps: display rows of hits and spelling
# corrections (a few hundred bytes each).  When full, they start over.
_KEEP_ROWS = 50_000
_KEEP_SUGGESTIONS = 10_000
# Term counts of feedback documents (a few kilobytes each): the best
# documents come back often, with every page of the same query.
_KEEP_TERMS = 2_000

# The stored values a result row shows: id, title, authors, affiliation,
# date, source, url, tags, format.
_Row = tuple[str, str, tuple[str, ...], str, Any, str, str, tuple[str, ...], str]


class _Generation:
    """What one index generation keeps between queries.

    Everything here is derived from the index files of that generation,
    so it can never go stale; a new generation starts afresh.
    """

    def __init__(self, stats: RankingStats) -> None:
        self.stats = stats
        self.rows: dict[int, _Row] = {}
        self.spelling: dict[str, str | None] = {}
        self.doc_terms: dict[int, Counter[str]] = {}
        self._facets: FacetTable | None = None
        self._all_facets: dict[str, list[FacetValue]] | None = None
        self._finders: dict[str, ValueFinder] | None = None
        self._facets_lock = threading.Lock()
        self._semantic: SemanticView | None | bool = False  # False: not looked for yet

    def facets(self, searcher: Any) -> FacetTable:
        """Every document's facet values, read from the postings once."""
        with self._facets_lock:
            if self._facets is None:
                self._facets = FacetTable(searcher.reader())
            return self._facets

    def all_facets(self, searcher: Any) -> dict[str, list[FacetValue]]:
        """Facet counts over every live document, counted once."""
        table = self.facets(searcher)
        with self._facets_lock:
            if self._all_facets is None:
                live = searcher.reader().all_doc_ids()
                self._all_facets = table.count(live, limit=10**9)
            return self._all_facets

    def finders(self, searcher: Any) -> dict[str, ValueFinder]:
        """For each filter, its stored values findable by what people type."""
        facets = self.all_facets(searcher)
        with self._facets_lock:
            if self._finders is None:
                self._finders = {name: ValueFinder(name, ((str(v.value), v.count) for v in facets[name]))
                                 for name in FILTERS}
            return self._finders

    def semantic(self, searcher: Any, path: Path) -> SemanticView | None:
        """This generation's embeddings, read once; None when it has none."""
        with self._facets_lock:
            if self._semantic is False:
                reader = searcher.reader()
                found = load_embeddings(path, reader.generation())
                self._semantic = SemanticView(found, reader) if found is not None else None
            return self._semantic  # type: ignore[return-value]

    def row(self, searcher: Any, docnum: int) -> _Row:
        """The display fields of a document, read once."""
        row = self.rows.get(docnum)
        if row is None:
            if len(self.rows) >= _KEEP_ROWS:
                self.rows.clear()
            row = self.rows[docnum] = _display_row(searcher.stored_fields(docnum))
        return row


    def terms(self, searcher: Any, docnum: int) -> Counter[str]:
        """A document's term counts for feedback, computed once."""
        counts = self.doc_terms.get(docnum)
        if counts is None:
            if len(self.doc_terms) >= _KEEP_TERMS:
                self.doc_terms.clear()
            counts = self.doc_terms[docnum] = stored_terms(searcher, docnum)
        return counts


def _display_row(stored: dict[str, Any]) -> _Row:
    """The values of a result row, from a document's stored fields."""
    return (
        stored["id"],
        stored.get("title") or "",
        tuple(stored.get("authors") or ()),
        stored.get("affiliation") or "",
        stored.get("date"),
        stored.get("source") or "",
        stored.get("url") or "",
        tuple(stored.get("tag_list") or ()),
        stored.get("format") or "text",
    )


def _hit_from_row(row: _Row, score: float | None, rank: int, snippet: str = "") -> Hit:
    """A fresh ``Hit`` (its lists are its own) from display values."""
    doc_id, title, authors, affiliation, date, source, url, tags, fmt = row
    return Hit(
        id=doc_id,
        title=title,
        authors=list(authors),
        affiliation=affiliation,
        date=date,
        source=source,
        url=url,
        tags=list(tags),
        format=fmt,
        score=round(score, 4) if score is not None else None,
        snippet=snippet,
        rank=rank,
    )


def _folder_size(path: Path) -> int:
    """Bytes in the files of ``path``; a file a concurrent build deletes meanwhile counts as 0."""
    total = 0
    for entry in os.scandir(path):
        with suppress(OSError):
            if entry.is_file():
                total += entry.stat().st_size
    return total


def _fused(view: SemanticView, ranked: list[tuple[int, float]], parsed: ParsedQuery, depth: int,
           matched: set[int], allowed: set[int] | None) -> tuple[list[tuple[int, float]], set[int]]:
    """The lexical ranking fused with the dense one, and the documents that now match.

    Dense neighbours join the matches only when the query is plain words:
    an excluded word, a field or a phrase is something embeddings cannot
    honour, so then the fusion only reorders the lexical matches.
    """
    plain = not parsed.excluded and all(c.field is None and c.kind == "word" for c in parsed.positive)
    text = " ".join(c.text for c in parsed.positive) or parsed.text
    pool = (allowed if plain else matched)
    fused, dense = view.fuse([d for d, _ in ranked], text, depth, pool)
    return fused, (matched | dense) if plain else matched


def _doc_id(doc_id: Any) -> str | None:
    """A document id to look up; None for one no document can have (a lone surrogate)."""
    _check_text("doc_id", doc_id)
    # Ids are stored as UTF-8, so one that cannot be encoded was never stored.
    return None if clean_text(doc_id) is not doc_id else doc_id


def _text_arg(name: str, value: Any) -> str:
    """A text argument with lone surrogates replaced (they cannot be analysed)."""
    _check_text(name, value)
    return clean_text(value)


# Keyword names ``search`` had before the library, the CLI and the URL
# shared one vocabulary: a caller still using one is told the new name.
_RENAMED = {
    "authors": "author", "affiliations": "affiliation", "sources": "source", "tags": "tag",
    "date_from": "since", "date_to": "until", "per_page": "limit",
}


def _check_text(name: str, value: Any) -> None:
    """A QueryError unless ``value`` is a string (whoosh would fail deep inside)."""
    if not isinstance(value, str):
        raise QueryError(f"{name} must be a string; got {type(value).__name__}")


def _unknown_options(unknown: dict[str, Any]) -> str:
    """The error for keywords ``search`` does not take, naming the right ones."""
    name = sorted(unknown)[0]
    if name in _RENAMED:
        return f"search() has no option {name!r}; it is called {_RENAMED[name]!r}"
    return (f"search() has no option {name!r}; the options are "
            "author, affiliation, source, tag, since, until, sort, page, limit, match, snippets, expand, "
            "semantic, correct")


def _iso_of(dateord: int) -> str:
    return f"{dateord // 10000:04d}-{dateord // 100 % 100:02d}-{dateord % 100:02d}"


def _filter_sets(searcher: Any, typed: dict[str, Any], stored: dict[str, list[str]],
                 lo: int | None, hi: int | None) -> dict[str, set[int]]:
    """The documents each active filter lets through, by facet name (``DATE_FILTER`` for dates).

    Values within one facet are alternatives; the caller intersects facets.
    ``stored`` holds the index's values for what was ``typed``; a filter
    that was given values none of which is stored lets nothing through.
    """
    sets: dict[str, set[int]] = {}
    for facet in FILTERS:
        if stored[facet]:
            query = wq.Or([wq.Term(FACET_FIELDS[facet], v) for v in stored[facet]])
            sets[facet] = set(searcher.docs_for_query(query))
        elif typed[facet]:
            sets[facet] = set()
    if lo is not None or hi is not None:
        sets[DATE_FILTER] = set(searcher.docs_for_query(date_range_query(lo, hi)))
    return sets


def _sort_by_date(docnums: set[int], table: FacetTable, *, newest: bool) -> list[int]:
    """Documents by date, undated ones last either way."""
    if newest:
        return sorted(docnums, key=lambda d: (table.date_of(d) == 0, -table.date_of(d), d))
    return sorted(docnums, key=lambda d: (table.date_of(d) == 0, table.date_of(d), d))


def _term_matcher(parsed: ParsedQuery, builder: QueryBuilder) -> TermMatcher:
    """What to highlight in bodies: the body terms the positive clauses search for."""
    matcher = TermMatcher()
    for clause in parsed.positive:
        if clause.field not in (None, "body"):
            continue
        for part in builder.parts(clause) or ():
            if part.field != "body":
                continue
            if part.phrase:
                matcher.phrases.append(part.phrase_slots())
            else:
                matcher.terms.update(part.words)
    return matcher


def _name_term(word: str) -> str | None:
    """The author-field term of one word (None for a stop word)."""
    terms = analyze("author", word)
    return terms[0] if terms else None


def _unknown_group(reader: Any, group: list[Any]) -> bool:
    """True when no clause of a query group can match: plain words the index does not have."""
    return all(
        clause.kind == "word" and clause.field is None and not any(_known(reader, w) for w in re.findall(r"\w+", clause.text))
        for clause in group
    )


def _known(reader: Any, word: str) -> bool:
    """True when ``word`` occurs in any searchable field."""
    for name in TEXT_FIELDS:
        for term in analyze(name, word):
            if reader.doc_frequency(name, term):
                return True
    # A stop word or a number-only token is never "misspelled".
    return not analyze("body", word)

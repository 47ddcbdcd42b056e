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
from pathlib import Path
from typing import Any, Iterable, Sequence

from whoosh import query as wq

from .document import Document
from .errors import IndexCorruptError, IndexMissingError, QueryError
from .facets import FacetTable
from .indexer import BuildReport, DocumentLike, add_documents, default_index_dir, delete_documents, has_index, open_whoosh_index
from .query import ParsedQuery, parse_date_bound, parse_query
from .ranking import DEFAULT_RANKING, QueryBuilder, Ranking, analyze, date_range_query
from .results import Hit, SearchResults
from .schema import FACET_FIELDS, SCHEMA, TEXT_FIELDS, schema_fingerprint
from .spelling import closest_word
from .snippets import TermMatcher, highlight_html, make_snippet, match_spans

__all__ = ["Index", "open_index", "index_exists", "SORTS", "MATCHES", "MAX_PER_PAGE"]

SORTS = ("relevance", "newest", "oldest")
MATCHES = ("all", "any")
MAX_PER_PAGE = 1000


def index_exists(index_dir: str | os.PathLike[str] | None = None) -> bool:
    """True when ``index_dir`` (default as for ``open_index``) holds an index."""
    return has_index(Path(index_dir) if index_dir is not None else default_index_dir())


def open_index(index_dir: str | os.PathLike[str] | None = None, *, ranking: Ranking = DEFAULT_RANKING) -> "Index":
    """Open the index at ``index_dir`` (default ``$COMMENTARY_INDEX`` or ``./index``).

    Raises ``IndexMissingError`` when there is none and ``IndexCorruptError``
    when it cannot be read or was written by another version.
    """
    return Index(Path(index_dir) if index_dir is not None else default_index_dir(), ranking=ranking)


class Index:
    """An open index: search it, fetch documents, add or delete documents.

    Safe to share between threads.  Close it (or use ``with``) to release
    its files.
    """

    def __init__(self, path: Path, *, ranking: Ranking = DEFAULT_RANKING) -> None:
        self.path = Path(path)
        self.ranking = ranking
        if not has_index(self.path):
            raise IndexMissingError(
                f"no index in {self.path}; build one with `commentary index` "
                "(or search.build_index())"
            )
        self._ix = open_whoosh_index(self.path)
        if schema_fingerprint(self._ix.schema) != schema_fingerprint(SCHEMA):
            raise IndexCorruptError(
                f"the index in {self.path} was built by another version of this program; "
                "rebuild it with `commentary index --rebuild`"
            )
        self._local = threading.local()
        self._lock = threading.Lock()
        self._searchers: list[Any] = []
        self._tables: dict[int, FacetTable] = {}

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
        try:
            fresh = self._ix.searcher(weighting=self.ranking.weighting())
        except Exception as exc:  # noqa: BLE001
            raise IndexCorruptError(f"the index in {self.path} cannot be read: {exc}") from exc
        with self._lock:
            self._searchers.append(fresh)
        self._local.searcher = fresh
        return fresh

    def _discard(self, searcher: Any) -> None:
        with self._lock:
            if searcher in self._searchers:
                self._searchers.remove(searcher)
        searcher.close()

    def _table(self, searcher: Any) -> FacetTable:
        """The facet table for the searcher's generation, built once."""
        generation = searcher.reader().generation()
        with self._lock:
            table = self._tables.get(generation)
            if table is None:
                table = FacetTable(searcher.reader())
                # Older generations are not needed once a newer one is read.
                self._tables = {generation: table}
            return table

    def close(self) -> None:
        """Close every searcher this index opened."""
        with self._lock:
            searchers, self._searchers = self._searchers, []
            self._tables = {}
        for searcher in searchers:
            searcher.close()
        self._local = threading.local()

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- searching --------------------------------------------------------

    def search(
        self,
        query: str = "",
        *,
        authors: Sequence[str] | None = None,
        affiliations: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        tags: Sequence[str] | None = None,
        date_from: str | dt.date | None = None,
        date_to: str | dt.date | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 10,
        match: str = "all",
        snippets: bool = True,
    ) -> SearchResults:
        """Search the commentary; see the README for the query language.

        Filters (``authors`` ...) take exact values as listed in facets; values
        of one filter are alternatives, different filters must all hold.
        Dates are ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, inclusive.  An empty
        query lists every document that passes the filters, newest first.
        ``snippets=False`` leaves ``Hit.snippet`` empty, for callers that
        only need ids and scores of many hits.
        Raises ``QueryError`` for unusable parameters; never for query text.
        """
        started = time.perf_counter()
        _check_choice("sort", sort, SORTS)
        _check_choice("match", match, MATCHES)
        page, per_page = _check_paging(page, per_page)
        lo, hi = _date_bound("date_from", date_from, end=False), _date_bound("date_to", date_to, end=True)
        if lo and hi and lo > hi:
            raise QueryError("date_from is after date_to")
        filters = {
            "authors": list(authors or []),
            "affiliations": list(affiliations or []),
            "sources": list(sources or []),
            "tags": list(tags or []),
            "date_from": _iso(date_from),
            "date_to": _iso(date_to),
        }
        parsed = parse_query(query)
        searcher = self._searcher()
        builder = QueryBuilder(searcher.reader(), self.ranking)
        notices = list(parsed.notices)

        q = builder.build(parsed, match)
        if q is None:
            q = wq.Every()
            if sort == "relevance":
                sort = "newest"  # nothing to rank by: show the latest first
        filter_q = _filter_query(filters, lo, hi)
        matched = _matching(searcher, q, filter_q)
        effective_match = match
        if not matched and match == "all" and len(parsed.groups) > 1:
            relaxed = builder.build(parsed, "any")
            matched = _matching(searcher, relaxed, filter_q)
            if matched:
                q, effective_match = relaxed, "any"
                notices.append("No document contains all of your search terms; showing those that contain some of them.")
        notices.extend(builder.notices)

        table = self._table(searcher)
        matcher = _term_matcher(parsed, builder) if snippets else None
        offset = (page - 1) * per_page
        if sort == "relevance":
            ranked = searcher.search(q, limit=offset + per_page, filter=matched) if matched else []
            page_docs = [(hit.docnum, hit.score) for hit in list(ranked)[offset:offset + per_page]]
        else:
            ordered = _sort_by_date(matched, table, newest=(sort == "newest"))
            page_docs = [(d, None) for d in ordered[offset:offset + per_page]]
        hits = [
            self._hit(searcher, docnum, score, offset + i + 1, matcher)
            for i, (docnum, score) in enumerate(page_docs)
        ]
        return SearchResults(
            query=query,
            total=len(matched),
            page=page,
            per_page=per_page,
            sort=sort,
            match=effective_match,
            filters=filters,
            hits=hits,
            facets=table.count(matched),
            suggestion=self._suggestion(searcher, parsed),
            notice=" ".join(_unique(notices)) or None,
            took=time.perf_counter() - started,
        )

    def _hit(self, searcher: Any, docnum: int, score: float | None, rank: int, matcher: TermMatcher | None) -> Hit:
        """A result row from stored fields; no snippet when ``matcher`` is None."""
        stored = searcher.stored_fields(docnum)
        return Hit(
            id=stored["id"],
            title=stored.get("title") or "",
            authors=list(stored.get("authors") or []),
            affiliation=stored.get("affiliation") or "",
            date=stored.get("date"),
            source=stored.get("source") or "",
            url=stored.get("url") or "",
            tags=list(stored.get("tag_list") or []),
            format=stored.get("format") or "text",
            score=round(score, 4) if score is not None else None,
            snippet=make_snippet(stored.get("body") or "", matcher) if matcher is not None else "",
            rank=rank,
        )

    def _suggestion(self, searcher: Any, parsed: ParsedQuery) -> str | None:
        """The query with unknown words replaced by close known ones, or None."""
        reader = searcher.reader()
        spell_field = SCHEMA["body"].spelling_fieldname("body")
        replacements: dict[str, str] = {}
        for clause in parsed.positive:
            if clause.kind != "word" or clause.field is not None:
                continue
            for word in re.findall(r"\w+", clause.text):
                if word in replacements or _known(reader, word):
                    continue
                found = closest_word(reader, spell_field, word)
                if found:
                    replacements[word] = found
        if not replacements:
            return None
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, replacements)) + r")\b")
        return pattern.sub(lambda m: replacements[m.group(1)], parsed.text)

    # -- documents --------------------------------------------------------

    def get(self, doc_id: str) -> Document | None:
        """The whole document with this id (Markdown bodies as Markdown), or None."""
        searcher = self._searcher()
        stored = searcher.document(id=doc_id)
        if stored is None:
            return None
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
            body=(stored.get("markdown") if fmt == "markdown" else stored.get("body")) or "",
            format=fmt,
            extra=dict(stored.get("extra") or {}),
            warnings=list(stored.get("warnings") or []),
        )

    def get_text(self, doc_id: str) -> str | None:
        """The plain text of a document as indexed (Markdown stripped), or None."""
        stored = self._searcher().document(id=doc_id)
        return None if stored is None else stored.get("body") or ""

    def more_like(self, doc_id: str, limit: int = 5) -> list[Hit]:
        """Documents whose wording is closest to this one's (not itself)."""
        searcher = self._searcher()
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return []
        results = searcher.more_like(docnum, "body", top=limit, numterms=25)
        empty = TermMatcher()
        return [self._hit(searcher, hit.docnum, hit.score, i + 1, empty) for i, hit in enumerate(results)]

    def highlight(self, text: str, query: str) -> str:
        """All of ``text`` HTML-escaped, with the words matching ``query`` in ``<mark>``."""
        return highlight_html(text, self._matcher_for(query))

    def match_spans(self, text: str, query: str) -> list[tuple[int, int]]:
        """Character spans of ``text`` that match ``query``, in order."""
        return match_spans(text, self._matcher_for(query))

    def _matcher_for(self, query: str) -> TermMatcher:
        parsed = parse_query(query)
        builder = QueryBuilder(self._searcher().reader(), self.ranking)
        builder.build(parsed, "any")
        return _term_matcher(parsed, builder)

    def stats(self) -> dict[str, Any]:
        """Counts and dates that describe the index."""
        searcher = self._searcher()
        reader = searcher.reader()
        table = self._table(searcher)
        live = list(reader.all_doc_ids())
        facets = table.count(live, limit=10**9)
        dates = sorted(d for d in (table.date_of(n) for n in live) if d)
        size = sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())
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
            "generation": reader.generation(),
            "modified": dt.datetime.fromtimestamp(self._ix.last_modified(), dt.timezone.utc).isoformat(timespec="seconds"),
        }

    @property
    def doc_count(self) -> int:
        """How many documents the index holds."""
        return self._searcher().doc_count()

    # -- writing ----------------------------------------------------------

    def add_documents(self, documents: Iterable[DocumentLike], *, wait: float = 10.0) -> BuildReport:
        """Add or update documents (``Document`` objects or dicts) by id.

        The change is committed atomically; this object sees it on its next
        search.
        """
        return add_documents(self.path, documents, wait=wait)

    def delete_documents(self, ids: Iterable[str], *, wait: float = 10.0) -> BuildReport:
        """Delete documents by id; unknown ids are ignored."""
        return delete_documents(self.path, ids, wait=wait)


# -- helpers -------------------------------------------------------------------


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise QueryError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def _check_paging(page: Any, per_page: Any) -> tuple[int, int]:
    try:
        page, per_page = int(page), int(per_page)
    except (TypeError, ValueError):
        raise QueryError("page and per_page must be whole numbers") from None
    if page < 1:
        raise QueryError(f"page must be 1 or more; got {page}")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}; got {per_page}")
    return page, per_page


def _date_bound(name: str, value: str | dt.date | None, *, end: bool) -> int | None:
    if value is None or value == "":
        return None
    bound = parse_date_bound(_iso(value) or "", end=end)
    if bound is None:
        raise QueryError(f"{name} must be a date as YYYY, YYYY-MM or YYYY-MM-DD; got {value!r}")
    return bound


def _iso(value: str | dt.date | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return str(value).strip()


def _iso_of(dateord: int) -> str:
    return f"{dateord // 10000:04d}-{dateord // 100 % 100:02d}-{dateord % 100:02d}"


def _filter_query(filters: dict[str, Any], lo: int | None, hi: int | None) -> wq.Query | None:
    """Exact-value filters: any value within one facet, every facet."""
    parts: list[wq.Query] = []
    for key, facet in (("authors", "author"), ("affiliations", "affiliation"), ("sources", "source"), ("tags", "tag")):
        values = [v for v in filters[key] if v]
        if values:
            parts.append(wq.Or([wq.Term(FACET_FIELDS[facet], v) for v in values]))
    if lo is not None or hi is not None:
        parts.append(date_range_query(lo, hi))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _matching(searcher: Any, q: wq.Query, filter_q: wq.Query | None) -> set[int]:
    """Every live document number matching the query and the filters."""
    combined = wq.And([q, filter_q]) if filter_q is not None else q
    return set(searcher.docs_for_query(combined))


def _sort_by_date(docnums: set[int], table: FacetTable, *, newest: bool) -> list[int]:
    """Documents by date, undated ones last either way."""
    if newest:
        return sorted(docnums, key=lambda d: (table.date_of(d) == 0, -table.date_of(d), d))
    return sorted(docnums, key=lambda d: (table.date_of(d) == 0, table.date_of(d), d))


def _term_matcher(parsed: ParsedQuery, builder: QueryBuilder) -> TermMatcher:
    """What to highlight in bodies: the positive words, phrases and expansions."""
    matcher = TermMatcher()
    for clause in parsed.positive:
        if clause.field not in (None, "body") or clause.kind == "date":
            continue
        if clause.kind == "prefix":
            continue
        terms = analyze("body", clause.text)
        if clause.kind == "phrase" and len(terms) > 1:
            matcher.phrases.append(tuple(terms))
        else:
            matcher.terms.update(terms)
    matcher.terms.update(builder.expanded.get("body", ()))
    return matcher


def _known(reader: Any, word: str) -> bool:
    """True when ``word`` occurs in any searchable field."""
    for name in TEXT_FIELDS:
        for term in analyze(name, word):
            if reader.doc_frequency(name, term):
                return True
    # A stop word or a number-only token is never "misspelled".
    return not analyze("body", word)


def _unique(items: list[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen

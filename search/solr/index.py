"""A SolrCloud collection behind the ``Index`` contract.

``SolrIndex`` answers ``search``, ``get``, ``more_like``, ``facet_values``,
``stats`` ... with the same parameters, results and errors as the Whoosh
``search.Index``.  What decides *which* documents match is ours, so totals,
filters, facets and paging agree with the Whoosh backend on the same corpus:
the query is parsed and analysed by our code (``translate``), filter values
are resolved by our ``ValueFinder``, the partial-match fallback and the
spelling correction follow ``Index.search`` step by step, and snippets are
cut by our ``snippets`` module from the stored body.  Solr decides the
ranking (BM25 with our field weights as boosts), the counting (JSON Facet
API, disjunctive through tagged filters) and the spelling candidates.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from typing import Any, Iterable, Sequence

from ..document import Document
from ..errors import BackendUnavailableError, QueryError, SemanticUnavailableError
from ..facets import FACET_LIMIT
from ..filtervalues import ValueFinder
from ..options import FILTERS, check_options
from ..query import ParsedQuery, parse_date_bound, parse_query
from ..ranking import DEFAULT_RANKING, QueryBuilder, Ranking, analyze
from ..results import FacetValue, Hit, SearchResults, Snippet
from ..schema import FACET_FIELDS, TEXT_FIELDS
from ..arguments import check_text, doc_id_arg, text_arg, unknown_options
from ..present import corrected, name_term, term_matcher
from ..spelling import closest_word
from ..snippets import TermMatcher, highlight_html, make_snippet, match_spans
from . import translate
from .client import SolrClient, _NodeDown

__all__ = ["SolrIndex"]

# Stored fields a result row shows.
_ROW_FIELDS = "id,title,author,affiliation,date,source,url,tags,format"
# Whole-index facet lists and filter finders are read again after this many
# seconds (Solr makes new documents visible within one second anyway); a
# write through this object forgets them at once.
_FRESH_SECONDS = 2.0
# Words a wildcard may expand to are read from Solr in pages of this many.
_TERMS_PAGE = 1000
_FACET_NAMES = {name: field for name, field in FACET_FIELDS.items()}
# From this offset on, a page is asked for only when the matches reach it.
_DEEP_OFFSET = 10_000
# Result orders: undated documents have no dateord and sort last both ways.
_SORTS = {"relevance": "score desc,id asc", "newest": "dateord desc,id asc", "oldest": "dateord asc,id asc"}


class _Candidates:
    """The two reader calls ``spelling.closest_word`` makes, answered by a Solr spellchecker."""

    def __init__(self, index: "SolrIndex", dictionary: str) -> None:
        self.index = index
        self.dictionary = dictionary
        self.freqs: dict[str, int] = {}

    def terms_within(self, fieldname: str, term: str, distance: int, prefix: int = 1) -> list[str]:
        self.freqs = self.index._spelling_candidates(self.dictionary, term)
        return [w for w in self.freqs if w[:prefix] == term[:prefix]]

    def frequency(self, fieldname: str, word: str) -> int:
        return self.freqs.get(word, 0)


class SolrIndex:
    """A SolrCloud collection opened as an index: the same methods as ``search.Index``.

    Safe to share between threads (each call is its own HTTP request).
    ``close`` releases nothing but is there for ``with``.
    """

    def __init__(self, location: str, *, ranking: Ranking = DEFAULT_RANKING) -> None:
        if not isinstance(ranking, Ranking):
            raise QueryError(f"ranking must be a search.Ranking, not {type(ranking).__name__}")
        self.ranking = ranking
        self.client = SolrClient(location)
        self.client.discover()
        self.location = self.client.location
        self.path = self.location  # what Index.path is for callers that show it
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, list[FacetValue]]] | None = None
        self._finders: tuple[float, dict[str, ValueFinder]] | None = None

    # -- resources --------------------------------------------------------

    def close(self) -> None:
        """Nothing to release (no connection is kept); forget cached facet lists."""
        self.forget()

    def forget(self) -> None:
        """Drop what is cached about the collection (after a write)."""
        with self._lock:
            self._cached = None
            self._finders = None

    def __enter__(self) -> "SolrIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- searching --------------------------------------------------------

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
        """Search the collection: the same options and results as ``search.Index.search``.

        ``expand`` is accepted and changes nothing here (feedback re-ranks,
        and Solr ranks); ``semantic=True`` raises ``SemanticUnavailableError``.
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
        if semantic:
            raise SemanticUnavailableError(
                f"the Solr collection {self.location} has no embeddings; semantic search needs the Whoosh index")
        sort, page, limit = options.sort, options.page, options.limit
        lo = parse_date_bound(options.since, end=False) if options.since else None
        hi = parse_date_bound(options.until, end=True) if options.until else None
        filters = options.filters()
        notices: list[str] = []
        stored: dict[str, list[str]] = {name: [] for name in FILTERS}
        if any(filters[name] for name in FILTERS):
            for name, finder in self._value_finders().items():
                stored[name], missing = finder.find(filters[name])
                notices.extend(missing)
        # Each active filter, tagged so that its own facet can leave it out.
        tagged: dict[str, dict[str, Any]] = {}
        for name in FILTERS:
            if filters[name]:
                tagged[name] = translate.filter_query(name, stored[name])
        if lo is not None or hi is not None:
            tagged["date"] = translate.date_query(lo, hi)
        fq = [{f"#f_{name}": q} for name, q in tagged.items()]
        known_words: dict[str, bool] = {}

        offset = (page - 1) * limit
        answers: dict[str, dict[str, Any]] = {}

        def page_of(q: dict[str, Any] | None) -> dict[str, Any]:
            """The whole answer for ``q``: the page, its total and the facets (asked once)."""
            key = json.dumps(q, sort_keys=True)
            if key not in answers:
                shown = "newest" if q is None and sort == "relevance" else sort  # browsing: latest first
                start, rows = offset, limit
                if offset >= _DEEP_OFFSET and offset >= _count(q):
                    # Past the last match: asking Solr for it would make
                    # every shard collect offset + limit documents first.
                    start = rows = 0
                answers[key] = self._select({
                    "query": q or translate.MATCH_ALL,
                    "filter": fq,
                    "offset": start,
                    "limit": rows,
                    "fields": _ROW_FIELDS + (",body" if snippets else "") + (",score" if shown == "relevance" else ""),
                    "sort": _SORTS[shown],
                    "facet": _facet_request(tagged),
                })
            return answers[key]

        def _count(q: dict[str, Any] | None) -> int:
            body = {"query": q or translate.MATCH_ALL, "filter": fq, "limit": 0}
            return int(self._select(body)["response"]["numFound"])

        def count(q: dict[str, Any] | None) -> int:
            if not answers:
                # The query as typed usually matches: its count comes with its page.
                return int(page_of(q)["response"]["numFound"])
            key = json.dumps(q, sort_keys=True)
            if key in answers:
                return int(answers[key]["response"]["numFound"])
            return _count(q)

        def run(parsed: ParsedQuery) -> tuple[QueryBuilder, dict[str, Any] | None, str, list[str], int]:
            """The builder, the query to show (None: browse), its match mode, notices, and how many matched strictly."""
            qb = translate.builder(self._expand, self.ranking)
            q = translate.parsed_query(parsed, match, qb)
            matched = count(q)
            strict = matched
            effective, notes = match, list(parsed.notices)
            if not matched and match == "all" and len(parsed.groups) > 1:
                # Words no document has cannot be matched by relaxing less.
                known = [g for g in parsed.groups if not self._unknown_group(g, known_words)]
                if known and len(known) < len(parsed.groups):
                    reduced = ParsedQuery(text=parsed.text, groups=known, excluded=parsed.excluded)
                    reduced_q = translate.parsed_query(reduced, "all", qb)
                    reduced_matched = count(reduced_q)
                    if reduced_matched:
                        q, matched = reduced_q, reduced_matched
                        missing = " ".join(f"“{c.text}”" for g in parsed.groups if g not in known for c in g)
                        notes.append(f"No document contains {missing}; showing those that contain the other words.")
            if not matched and match == "all" and len(parsed.groups) > 1:
                relaxed_q = translate.parsed_query(parsed, "any", qb)
                relaxed = count(relaxed_q)
                if relaxed:
                    q, matched, effective = relaxed_q, relaxed, "any"
                    notes.append("No document contains all of your search terms; showing those that contain some of them.")
            notes.extend(qb.notices)
            return qb, q, effective, notes, strict

        parsed = parse_query(query)
        qb, q, effective_match, query_notices, strict = run(parsed)
        suggestion = self._suggestion(parsed, known_words)
        corrected = False
        if suggestion is not None:
            alternative = parse_query(suggestion)
            tried = run(alternative)
            if tried[-1] <= strict:
                suggestion = None  # a "correction" that finds no more is a guess
            elif strict == 0 and correct:
                parsed, corrected = alternative, True
                qb, q, effective_match, query_notices, strict = tried
        notices.extend(query_notices)
        browsing = q is None
        if browsing and sort == "relevance":
            sort = "newest"  # nothing to rank by: show the latest first
        answer = page_of(q)
        partial = self._partial_notice(answer)
        if partial:
            notices.append(partial)
        matcher = term_matcher(parsed, qb) if snippets else None
        hits = [
            _hit(doc, doc.get("score") if sort == "relevance" else None, offset + i + 1, matcher)
            for i, doc in enumerate(answer["response"]["docs"])
        ]
        return SearchResults(
            query=query,
            total=int(answer["response"]["numFound"]),
            page=page,
            limit=limit,
            sort=sort,
            match=effective_match,
            filters=filters,
            hits=hits,
            facets=_facets(answer.get("facets") or {}, tagged, stored),
            suggestion=suggestion,
            corrected=corrected,
            notice=" ".join(dict.fromkeys(notices)) or None,
            took=time.perf_counter() - started,
        )

    def _select(self, body: dict[str, Any]) -> dict[str, Any]:
        """A search request; shards that cannot answer make it partial, not failed.

        Solr 9 fails facet refinement (an internal error) when a shard has
        no live replica: the request is then made again unrefined, which is
        exact over the shards that answer.
        """
        try:
            return self.client.request("/select", body=body)
        except BackendUnavailableError as exc:
            if isinstance(exc, _NodeDown) or not body.get("facet"):
                raise
        unrefined = {name: {k: v for k, v in facet.items() if k != "refine"} if isinstance(facet, dict) else facet
                     for name, facet in body["facet"].items()}
        return self.client.request("/select", body={**body, "facet": unrefined})

    def _partial_notice(self, answer: dict[str, Any]) -> str | None:
        """"… results from 1 of 2 shards" when some shard had no live replica, else None."""
        if not (answer.get("responseHeader") or {}).get("partialResults"):
            return None
        try:
            serving, total = self.client.shard_health()
        except BackendUnavailableError:
            serving = total = 0
        return _partial_notice(serving, total)

    def _expand(self, fieldname: str, prefix: str) -> Iterable[str]:
        """The collection's words of ``fieldname`` starting with ``prefix``, in index order."""
        after = None
        while True:
            params = [("terms.fl", fieldname), ("terms.prefix", prefix), ("terms.limit", _TERMS_PAGE),
                      ("terms.sort", "index"), ("terms.mincount", 1)]
            if after is not None:
                params += [("terms.lower", after), ("terms.lower.incl", "false")]
            answer = self.client.request("/terms", params)
            words = [str(w) for w, _ in _pairs((answer.get("terms") or {}).get(fieldname) or [])]
            yield from words
            if len(words) < _TERMS_PAGE:
                return
            after = words[-1]

    def _known(self, words: Iterable[str], known: dict[str, bool]) -> None:
        """Record for each word whether any searchable field holds it (as ``searching._known``)."""
        todo = [w for w in dict.fromkeys(words) if w not in known]
        if not todo:
            return
        wanted = {(name, w): analyze(name, w) for w in todo for name in TEXT_FIELDS}
        terms = sorted({t for ts in wanted.values() for t in ts})
        present: set[tuple[str, str]] = set()
        if terms:
            # Terms are analysed \w+ runs: they hold no comma, the list separator.
            params = [("terms.fl", name) for name in TEXT_FIELDS] + [("terms.list", ",".join(terms))]
            answer = self.client.request("/terms", params)
            for name, flat in (answer.get("terms") or {}).items():
                present.update((name, str(t)) for t, freq in _pairs(flat) if freq)
        for word in todo:
            # A stop word or a number-only token is never "misspelled".
            known[word] = any((name, t) in present for name in TEXT_FIELDS for t in wanted[(name, word)]) \
                or not analyze("body", word)

    def _unknown_group(self, group: list[Any], known: dict[str, bool]) -> bool:
        """True when no clause of a group can match: plain words the collection does not have."""
        plain = [c for c in group if c.kind == "word" and c.field is None]
        if len(plain) < len(group):
            return False
        words = [w for c in plain for w in re.findall(r"\w+", c.text)]
        self._known(words, known)
        return all(not any(known[w] for w in re.findall(r"\w+", c.text)) for c in plain)

    def _suggestion(self, parsed: ParsedQuery, known: dict[str, bool]) -> str | None:
        """The query with unknown words replaced by close known ones, or None (as ``Index._suggestion``).

        Solr's spellcheckers only propose candidates (with their document
        frequencies); ``spelling.closest_word`` picks among them by the same
        rules as for the Whoosh index.
        """
        words = [w for c in parsed.positive if c.kind == "word" and c.field is None
                 for w in re.findall(r"\w+", c.text)]
        self._known(words, known)
        replacements: dict[str, str] = {}
        for word in dict.fromkeys(words):
            if known[word] or word in replacements:
                continue
            found = (closest_word(_Candidates(self, "body"), "spell_body", word)
                     # Names are not in the body's word list: "madisson".
                     or closest_word(_Candidates(self, "author"), "author", word, term_of=name_term))
            if found:
                replacements[word] = found
        return corrected(parsed.text, replacements)

    def _spelling_candidates(self, dictionary: str, term: str) -> dict[str, int]:
        """Words of a spellcheck dictionary near ``term``, with their document frequencies."""
        answer = self.client.request("/select", {
            "q": "*:*", "rows": 0, "spellcheck": "true", "spellcheck.q": term,
            "spellcheck.dictionary": dictionary, "spellcheck.count": 50, "spellcheck.accuracy": 0.0,
            "spellcheck.extendedResults": "true", "spellcheck.collate": "false",
            "spellcheck.onlyMorePopular": "false", "spellcheck.alternativeTermCount": 50})
        suggestions = (answer.get("spellcheck") or {}).get("suggestions") or []
        entries = suggestions[1::2] if isinstance(suggestions, list) else list(suggestions.values())
        found: dict[str, int] = {}
        for entry in entries:
            for option in (entry.get("suggestion") or []) if isinstance(entry, dict) else []:
                if isinstance(option, dict):
                    found[str(option.get("word"))] = int(option.get("freq") or 0)
        return found

    # -- documents --------------------------------------------------------

    def _stored(self, doc_id: str, fields: str) -> dict[str, Any] | None:
        """A document's stored fields by id, through real-time get (sees what was just written)."""
        answer = self.client.request("/get", {"id": doc_id, "fl": fields})
        doc = answer.get("doc")
        return doc if isinstance(doc, dict) else None

    def get(self, doc_id: str) -> Document | None:
        """The whole document with this id (Markdown bodies as Markdown), or None."""
        doc_id = doc_id_arg(doc_id)
        if doc_id is None:
            return None
        stored = self._stored(doc_id, _ROW_FIELDS + ",body,markdown,extra,warnings")
        if stored is None:
            return None
        fmt = stored.get("format") or "text"
        try:
            extra = json.loads(stored.get("extra") or "{}")
        except ValueError:
            extra = {}
        return Document(
            **_row_values(stored),
            body=(stored.get("markdown") if fmt == "markdown" else stored.get("body")) or "",
            format=fmt,
            extra=extra if isinstance(extra, dict) else {},
            warnings=list(stored.get("warnings") or []),
        )

    def get_text(self, doc_id: str) -> str | None:
        """The plain text of a document as indexed (Markdown stripped), or None."""
        doc_id = doc_id_arg(doc_id)
        if doc_id is None:
            return None
        stored = self._stored(doc_id, "id,body")
        return None if stored is None else stored.get("body") or ""

    def more_like(self, doc_id: str, limit: int = 5) -> list[Hit]:
        """Documents closest to this one by wording (Solr's MoreLikeThis), not itself."""
        limit = check_options(limit=limit).limit
        doc_id = doc_id_arg(doc_id)
        if doc_id is None or self._stored(doc_id, "id") is None:
            return []
        body = {
            # The id is a JSON value given to the mlt parser, never syntax.
            "query": {"mlt": {"qf": "title,body", "mintf": 1, "mindf": 1, "query": doc_id}},
            "filter": [{"bool": {"must_not": [{"term": {"f": "id", "query": doc_id}}], "must": [translate.MATCH_ALL]}}],
            "limit": limit, "fields": _ROW_FIELDS + ",body,score",
        }
        docs = self._select(body)["response"]["docs"]
        empty = TermMatcher()
        return [_hit(doc, doc.get("score"), i + 1, empty) for i, doc in enumerate(docs)]

    def highlight(self, text: str, query: str) -> str:
        """All of ``text`` HTML-escaped, with the words matching ``query`` in ``<mark>``."""
        return highlight_html(text_arg("text", text), self._matcher_for(query))

    def match_spans(self, text: str, query: str) -> list[tuple[int, int]]:
        """Character spans of ``text`` that match ``query``, in order."""
        return match_spans(text_arg("text", text), self._matcher_for(query))

    def _matcher_for(self, query: str) -> TermMatcher:
        qb = translate.builder(self._expand, self.ranking)
        return term_matcher(parse_query(text_arg("the query", query)), qb)

    # -- the whole collection ---------------------------------------------

    def facet_values(self, facet: str) -> list[FacetValue]:
        """Every value of a facet over the whole collection, most frequent first.

        ``facet`` is ``author``, ``affiliation``, ``source``, ``tag``, ``year``
        or ``month``; raises ``QueryError`` for anything else.
        """
        values = self._all_facets().get(facet) if isinstance(facet, str) else None
        if values is None:
            raise QueryError(f"no facet named {facet!r}")
        return list(values)

    def _all_facets(self) -> dict[str, list[FacetValue]]:
        """Facet counts over every document, read again after a few seconds."""
        with self._lock:
            if self._cached is not None and time.monotonic() - self._cached[0] < _FRESH_SECONDS:
                return self._cached[1]
        answer = self._select({"query": translate.MATCH_ALL, "limit": 0,
                               "facet": _facet_request({}, limit=-1)})
        # Every value, not a facet's top: filters resolve against this list.
        facets = _facets(answer.get("facets") or {}, {}, {}, limit=-1)
        with self._lock:
            self._cached = (time.monotonic(), facets)
        return facets

    def _value_finders(self) -> dict[str, ValueFinder]:
        """For each filter, the stored values findable by what people type."""
        with self._lock:
            if self._finders is not None and time.monotonic() - self._finders[0] < _FRESH_SECONDS:
                return self._finders[1]
        facets = self._all_facets()
        finders = {name: ValueFinder(name, ((str(v.value), v.count) for v in facets[name])) for name in FILTERS}
        with self._lock:
            self._finders = (time.monotonic(), finders)
        return finders

    def stats(self) -> dict[str, Any]:
        """Counts and dates that describe the collection (the keys of ``Index.stats``)."""
        facets = self._all_facets()
        answer = self._select({
            "query": translate.MATCH_ALL, "limit": 0,
            "facet": {"earliest": "min(dateord)", "latest": "max(dateord)",
                      "dated": {"type": "query", "q": "dateord:[* TO *]"}},
        })
        total = int(answer["response"]["numFound"])
        stats = answer.get("facets") or {}
        dated = int((stats.get("dated") or {}).get("count", 0))
        return {
            "index_dir": self.location,
            "documents": total,
            "authors": len(facets["author"]),
            "affiliations": len(facets["affiliation"]),
            "sources": len(facets["source"]),
            "undated": total - dated,
            "earliest": _iso_of(stats.get("earliest")) if dated else None,
            "latest": _iso_of(stats.get("latest")) if dated else None,
            "size_bytes": self._size_bytes(),
            "generation": None,
            "modified": None,
        }

    def _size_bytes(self) -> int:
        """Bytes of the collection's index over every replica (0 when the nodes do not say)."""
        total = 0
        with self.client._lock:
            nodes = list(self.client._nodes)
        for node in nodes:
            try:
                answer = self.client.request_node(node, "/admin/cores", {"action": "STATUS"})
            except Exception:  # noqa: BLE001 - sizes are informative; a down node has none
                continue
            for core in (answer.get("status") or {}).values():
                cloud = core.get("cloud") or {}
                if cloud.get("collection") == self.client.where.collection:
                    total += int((core.get("index") or {}).get("sizeInBytes") or 0)
        return total

    @property
    def has_embeddings(self) -> bool:
        """Always False: a Solr collection holds no sentence embeddings."""
        return False

    @property
    def doc_count(self) -> int:
        """How many documents the collection holds."""
        return int(self._select({"query": translate.MATCH_ALL, "limit": 0})["response"]["numFound"])

    # -- writing ----------------------------------------------------------

    def add_documents(self, documents: Iterable[Any], *, wait: float = 10.0) -> Any:
        """Add or update documents (``Document`` objects or dicts) by id; a ``BuildReport``."""
        from ..indexer import add_documents  # the writer, only when writing (it dispatches to Solr's)

        try:
            return add_documents(self.location, documents, wait=wait)
        finally:
            self.forget()

    def delete_documents(self, ids: Iterable[str], *, wait: float = 10.0) -> Any:
        """Delete documents by id; unknown ids are ignored; a ``BuildReport``."""
        from ..indexer import delete_documents  # checks the ids, then dispatches to Solr's writer

        try:
            return delete_documents(self.location, ids, wait=wait)
        finally:
            self.forget()


# -- helpers -------------------------------------------------------------------


def _facet_request(tagged: dict[str, Any], limit: int = FACET_LIMIT) -> dict[str, Any]:
    """JSON Facet API request: each facet leaves out its own filter (disjunctive counts).

    A filtered facet is also counted with its filter kept (``<name>_in``):
    the difference is what choosing a value as well would add.  Terms
    facets ask for refinement, so counts over shards are exact.
    """
    request: dict[str, Any] = {}
    wide = -1 if limit < 0 else limit * 2 + 10  # ties at the cut are ordered by us, by value
    for name, field in _FACET_NAMES.items():
        facet = {"type": "terms", "field": field, "limit": wide, "refine": True, "sort": "count desc"}
        if name in tagged:
            request[f"{name}_in"] = dict(facet)
            facet["domain"] = {"excludeTags": f"f_{name}"}
        request[name] = facet
    for name in ("year", "month"):
        facet = {"type": "terms", "field": name, "limit": -1, "refine": True}
        if "date" in tagged:
            facet["domain"] = {"excludeTags": "f_date"}
        request[name] = facet
    return request


def _facets(answer: dict[str, Any], tagged: dict[str, Any], stored: dict[str, list[str]],
            limit: int = FACET_LIMIT) -> dict[str, list[FacetValue]]:
    """``FacetValue`` lists as the Whoosh backend makes them: most frequent first, ties by value."""
    def buckets(name: str) -> dict[Any, int]:
        return {b["val"]: int(b["count"]) for b in (answer.get(name) or {}).get("buckets", [])}

    facets: dict[str, list[FacetValue]] = {}
    for name in _FACET_NAMES:
        counts = buckets(name)
        inside = buckets(f"{name}_in") if name in tagged else None
        picked = set(stored.get(name, ()))
        ordered = sorted(counts.items(), key=lambda vc: (-vc[1], vc[0]))
        facets[name] = [
            FacetValue(str(v), c, (c - inside.get(v, 0)) if inside is not None else None, v in picked)
            for v, c in (ordered if limit < 0 else ordered[:limit])
        ]
    facets["year"] = [FacetValue(int(y), c) for y, c in sorted(buckets("year").items())]
    facets["month"] = [FacetValue(str(m), c) for m, c in sorted(buckets("month").items())]
    return facets


def _partial_notice(serving: int, total: int) -> str:
    """The notice for partial results: how many of the collection's shards answered."""
    if total:
        return f"Some of the collection is unreachable: results from {serving} of {total} shards."
    return "Some of the collection is unreachable: these results are partial."


def _row_values(doc: dict[str, Any]) -> dict[str, Any]:
    """The display values of a Solr document under the names ``Hit`` and ``Document`` share."""
    return {
        "id": str(doc["id"]),
        "title": doc.get("title") or "",
        "authors": list(doc.get("author") or []),
        "affiliation": doc.get("affiliation") or "",
        "date": doc.get("date"),
        "source": doc.get("source") or "",
        "url": doc.get("url") or "",
        "tags": list(doc.get("tags") or []),
    }


def _hit(doc: dict[str, Any], score: Any, rank: int, matcher: TermMatcher | None) -> Hit:
    """A result row from a Solr document (with a snippet of its body when ``matcher``)."""
    excerpt = make_snippet(doc.get("body") or "", matcher) if matcher is not None else Snippet()
    return Hit(
        **_row_values(doc),
        format=doc.get("format") or "text",
        score=round(float(score), 4) if score is not None else None,
        excerpt=excerpt,
        rank=rank,
    )


def _pairs(flat: Any) -> list[tuple[Any, int]]:
    """(term, count) pairs of a /terms answer, flat ([t, n, ...]) or a map."""
    if isinstance(flat, dict):
        return [(t, int(n)) for t, n in flat.items()]
    return [(t, int(n)) for t, n in zip(flat[::2], flat[1::2])]


def _iso_of(dateord: Any) -> str | None:
    if dateord is None:
        return None
    value = int(dateord)
    return f"{value // 10000:04d}-{value // 100 % 100:02d}-{value % 100:02d}"

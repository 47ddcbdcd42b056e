"""Our query language in Solr's terms: pure functions, no HTTP.

Nothing a user types reaches a Solr query parser as syntax.  The query is
read by ``search.query.parse_query`` and each clause into index terms by the
same ``QueryBuilder`` the Whoosh backend uses (our analysers, our stop
words, our wildcard expansion), so both backends look for the same terms.
Those terms go to Solr as a JSON Query DSL tree of ``term`` queries, which
Solr does not analyse or parse; a phrase goes as a ``field`` query (Solr's
analysis chain mirrors ours, see the configset) whose text is a JSON value,
never syntax; dates and filters are built from integers and from values
the index holds, sent as ``term``/``terms`` queries.  So no input can cause
a Solr syntax error, and a hostile query is read exactly as Whoosh reads it.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

from ..query import Clause, ParsedQuery
from ..ranking import QueryBuilder, Ranking
from ..schema import FACET_FIELDS

__all__ = ["TermSource", "builder", "clause_query", "parsed_query", "filter_query", "date_query",
           "MATCH_NOTHING", "MATCH_ALL"]

# What matches no document, in the JSON Query DSL (a term no id has: ids are never empty).
MATCH_NOTHING: dict[str, Any] = {"term": {"f": "id", "query": ""}}
MATCH_ALL: dict[str, Any] = {"lucene": {"query": "*:*"}}

# Dates are clamped as in ranking.date_range_query; undated documents have no dateord.
_FIRST_DATE, _LAST_DATE = 10101, 29991231


class TermSource:
    """What ``QueryBuilder`` asks of a Whoosh reader, answered by a function.

    ``QueryBuilder`` expands wildcards with ``reader.expand_prefix(field,
    prefix)`` over a field's unstemmed words (``spell_title``,
    ``spell_body``) or its terms; ``expand`` answers that from Solr's
    ``/terms`` handler, in index order, as Whoosh does.
    """

    def __init__(self, expand: Callable[[str, str], Iterable[str]]) -> None:
        self._expand = expand
        # Every field QueryBuilder may ask to expand exists in the collection.
        self.schema = _EveryField()

    def expand_prefix(self, fieldname: str, prefix: str) -> Iterator[str]:
        """The field's words starting with ``prefix``, in index order."""
        return iter(self._expand(fieldname, prefix))


class _EveryField:
    def __contains__(self, name: object) -> bool:
        return True


def builder(expand: Callable[[str, str], Iterable[str]], ranking: Ranking) -> QueryBuilder:
    """A ``QueryBuilder`` whose wildcards expand through ``expand``."""
    return QueryBuilder(TermSource(expand), ranking)


def _term(field: str, word: str, boost: float = 1.0) -> dict[str, Any]:
    query: dict[str, Any] = {"term": {"f": field, "query": word}}
    return query if boost == 1.0 else {"bool": {"should": [query], "boost": boost}}


def clause_query(clause: Clause, qb: QueryBuilder, *, boost: bool = True) -> dict[str, Any] | None:
    """One clause as a JSON DSL query, or None when it is ignored (as ``QueryBuilder._clause``).

    Field weights of the ranking become boosts when ``boost``.
    """
    if clause.kind == "date":
        lo, hi = clause.date_range or (0, 0)
        return date_query(lo, hi)
    parts = qb.parts(clause)
    if parts is None:
        return None
    queries: list[dict[str, Any]] = []
    for part in parts:
        weight = qb.ranking.weight_of(part.field) if boost else 1.0
        if part.phrase:
            # Solr analyses the clause's own text with the chain that
            # mirrors ours; the text is a JSON string, never parsed as syntax.
            phrase: dict[str, Any] = {"field": {"f": part.field, "query": clause.text}}
            queries.append(phrase if weight == 1.0 else {"bool": {"should": [phrase], "boost": weight}})
        elif len(part.words) > 1:
            # A wildcard's expansion (up to 200 words a field) as one set
            # query: as separate clauses, a few wildcards would pass Solr's
            # limit of 1,024 clauses a query.  Words never hold spaces.
            words: dict[str, Any] = {"terms": {"f": part.field, "separator": " ", "query": " ".join(part.words)}}
            queries.append(words if weight == 1.0 else {"bool": {"should": [words], "boost": weight}})
        else:
            queries.extend(_term(part.field, w, weight) for w in part.words)
    if not queries:
        return MATCH_NOTHING  # a wildcard that matched no word
    return queries[0] if len(queries) == 1 else {"bool": {"should": queries}}


def parsed_query(parsed: ParsedQuery, match: str, qb: QueryBuilder, *, boost: bool = True) -> dict[str, Any] | None:
    """The whole query for ``match`` ``"all"`` or ``"any"``; None when it asks for nothing (browse).

    The same structure as ``QueryBuilder.build``: groups of OR-ed clauses,
    all (or any) of them, minus the excluded clauses; only exclusions, or
    only ignored words, match every document not excluded.
    """
    groups = []
    for group in parsed.groups:
        parts = [q for q in (clause_query(c, qb, boost=boost) for c in group) if q is not None]
        if parts:
            groups.append(parts[0] if len(parts) == 1 else {"bool": {"should": parts}})
    excluded = [q for q in (clause_query(c, qb, boost=False) for c in parsed.excluded) if q is not None]
    if groups:
        base: dict[str, Any] = {"bool": {"must": groups}} if match == "all" else {"bool": {"should": groups}}
    elif excluded or parsed.groups:
        base = MATCH_ALL
    else:
        return None
    if excluded:
        return {"bool": {"must": [base], "must_not": excluded}}
    return base


def date_query(lo: int | None, hi: int | None) -> dict[str, Any]:
    """Documents dated ``lo``..``hi`` inclusive (YYYYMMDD integers; None or 0 is open)."""
    lo = max(lo or _FIRST_DATE, _FIRST_DATE)
    hi = min(hi or _LAST_DATE, _LAST_DATE)
    # Integers we formatted: nothing of the user's text is in this string.
    return {"lucene": {"query": f"dateord:[{int(lo)} TO {int(hi)}]"}}


def filter_query(facet: str, values: list[str]) -> dict[str, Any]:
    """Documents with any of ``values`` (exact stored values) in a facet; none when ``values`` is empty."""
    if not values:
        return MATCH_NOTHING
    return {"bool": {"should": [_term(FACET_FIELDS[facet], v) for v in values]}}


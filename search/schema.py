"""The index schema and the text analysis behind it.

All knowledge of which fields exist and how their text is analysed lives
here, so the writer and the searcher cannot disagree.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from functools import lru_cache
import re
from typing import Any, Iterator

from whoosh import columns, fields
from whoosh.analysis import STOP_WORDS as STOP_FILTER_DEFAULT
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

__all__ = [
    "SCHEMA",
    "TEXT_FIELDS",
    "FACET_FIELDS",
    "FACET_SEPARATOR",
    "STEMMED_FIELDS",
    "STOP_WORDS",
    "WORD_PATTERN",
    "STOP_TERM",
    "REMOVED_WORDS_RECORDED",
    "removed_key",
    "ProseField",
    "phrase_slots",
    "slot_term",
    "text_term",
    "text_analyzer",
    "name_analyzer",
    "schema_fingerprint",
]

# Values of a multi-valued facet field are joined with this character; it
# never occurs in real names, unlike commas ("Martin Luther King, Jr.").
FACET_SEPARATOR = "\x1f"


# What a word is in prose: letters and digits, with inner apostrophes and
# dots kept ("don't", "3.5", "u.s").
WORD_PATTERN = r"\w+(?:['’]\w+)*(?:\.\w+)*"

# Words too common in English prose to tell documents apart: Whoosh's short
# default list ("a", "the", "us", "may" ...) joined with its English list
# (pronouns, auxiliaries, "what", "which", "about" ...).  Questions such as
# "what problems are there in ..." otherwise rank documents by how often
# they say "what" and "there".  Removed at indexing and query time alike,
# so phrases, highlighting and scoring agree.
# "don" is left out: it is there for "don't" split in two, which our
# tokenizer keeps whole, and it is also a first name.
STOP_WORDS = (frozenset(STOP_FILTER_DEFAULT) | frozenset(stopwords_for_language("en"))) - {"don"}


def text_analyzer():
    """Analyzer for prose: words, lower case, accents folded, stop words out, stemmed.

    ``élection``, ``Elections`` and ``election`` all become ``elect``.
    Stop words (``STOP_WORDS``, and any one-character word) are removed but
    keep their place: the words after them keep the positions they had in
    the text, so ``"war of independence"`` as a phrase means *war*, one
    removed word, *independence* (``ProseField`` records which word it was).
    """
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(STOP_WORDS, renumber=False)
        | StemFilter(lang="en")
    )


# Removed words are indexed under their own terms: this prefix (the
# tokenizer never makes a word with a space, so no real term starts so, and
# no query can ask for one), a space and the word, with the positions the
# word had; so a phrase can ask for that very stop word, as FTS5 (which
# removes nothing) does.  One-character words, removed too, share the term
# with no word after the prefix.
STOP_TERM = " removed"
_STOP_SET = frozenset(STOP_WORDS)
# Removed words are recorded in a document's first this many words only:
# "the" is 6 % of English, and a 10 MB document's 100,000 places of it
# would cost every phrase with "the" that matches it 20 ms or more.  So a
# phrase with a stop word is found in the first 100,000 words (some 600 KB)
# of a document; a phrase without one, anywhere.
REMOVED_WORDS_RECORDED = 100_000


class ProseField(fields.TEXT):
    """A text field that also indexes where its removed words were, for phrases.

    Besides each kept word's positions it indexes every removed word's
    positions under ``STOP_TERM`` + space + word, in the same one pass of
    the analyzer.  Those postings count nothing towards the field's
    length, so scores are those of a plain ``TEXT`` field.
    """

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        """(term bytes, frequency, weight, encoded positions) of each term of ``value``."""
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        kwargs.setdefault("mode", "index")
        positions: dict[str, list[int]] = defaultdict(list)
        removed: dict[str, list[int]] = defaultdict(list)
        for token in self.analyzer(value, positions=True, removestops=False, **kwargs):
            if token.stopped:
                if token.pos < REMOVED_WORDS_RECORDED:
                    removed[token.text].append(token.pos)
            else:
                positions[token.text].append(token.pos)
        encode = self.format.encode
        boost = self.format.field_boost
        for word, found in positions.items():
            yield word.encode("utf-8"), len(found), len(found) * boost, encode(found)
        for key, found in _removed_terms(removed).items():
            # Frequency 0: the writer adds frequencies up into the field length.
            yield key.encode("utf-8"), 0, 1.0, encode(found)


def _removed_terms(removed: dict[str, list[int]]) -> dict[str, list[int]]:
    """Positions of removed words by their index term (one-character words merged)."""
    terms: dict[str, list[int]] = {}
    for word, found in removed.items():
        key = removed_key(word)
        terms[key] = sorted(terms[key] + found) if key in terms else found
    return terms


def phrase_slots(text: str) -> tuple[tuple[int, str], ...]:
    """What a phrase typed in a prose field looks for, word by word.

    ``(offset, term)`` for every word of ``text`` from its first kept word
    to its last: the index term of a kept word, or ``STOP_TERM``, a space and
    the removed word (``" removed of"``), at its offset from the first kept
    word.  Stop words before the first or after the last kept word are kept
    too (``"large own"``: *large* followed by *own*).  Empty when ``text``
    has no kept word.
    """
    slots = []
    for token in _TEXT_ANALYZER(text, positions=True, removestops=False, mode="query"):
        slots.append((token.pos, removed_key(token.text) if token.stopped else token.text))
    kept = [pos for pos, term in slots if not term.startswith(STOP_TERM)]
    if not kept:
        return ()
    first = kept[0]
    return tuple((pos - first, term) for pos, term in slots)


_TEXT_ANALYZER = text_analyzer()


@lru_cache(maxsize=200_000)
def text_term(word: str) -> str | None:
    """The index term one word of prose becomes (None for a stop word).

    The analyzer treats each token on its own, so looking words up one by
    one (cached) gives the terms of a whole text several times faster than
    analysing it; snippets and feedback both read bodies this way.
    """
    for token in _TEXT_ANALYZER(word, mode="query"):
        return token.text
    return None


@lru_cache(maxsize=200_000)
def slot_term(word: str) -> str | None:
    """What one word of prose is in a phrase: its index term, ``STOP_TERM``
    and the word for a removed word (as ``phrase_slots`` gives), None for
    a word that makes no token."""
    for token in _TEXT_ANALYZER(word, removestops=False, mode="query"):
        return removed_key(token.text) if token.stopped else token.text
    return None


def removed_key(word: str) -> str:
    """A removed word as a phrase slot: ``STOP_TERM``, a space and the stop
    word; one-character words all share the key with no word (id 0)."""
    return STOP_TERM + " " + (word if word in _STOP_SET else "")


def name_analyzer():
    """Analyzer for names (authors, affiliations, sources): folded, never stemmed, no stop words.

    Names are not prose: stemming makes ``Adams`` match ``Adam``, and a stop
    list would make ``author:will`` find nobody called Will.  A plain query
    word that is a stop word in prose is not looked for in names either
    (``QueryBuilder``), so "what is inflation" does not ask for "what".
    """
    return RegexTokenizer(r"\w+(?:['’]\w+)*") | LowercaseFilter() | CharsetFilter(accent_map)


def _facet_field() -> fields.KEYWORD:
    """An exact-value, multi-valued field used for filters and facet counts."""
    field = fields.KEYWORD(stored=False, lowercase=False, scorable=False)
    field.analyzer = RegexTokenizer(r"[^%s]+" % FACET_SEPARATOR)
    return field


SCHEMA = fields.Schema(
    # Identity and change detection.
    id=fields.ID(stored=True, unique=True, sortable=True),
    signature=fields.ID(stored=False, sortable=True),
    content_hash=fields.STORED,
    # Searchable text.  Title and body keep an unstemmed word list (spelling)
    # for "did you mean".
    title=ProseField(analyzer=text_analyzer(), stored=True, spelling=True),
    body=ProseField(analyzer=text_analyzer(), stored=True, spelling=True),
    author=fields.TEXT(analyzer=name_analyzer(), stored=False),
    affiliation=fields.TEXT(analyzer=name_analyzer(), stored=True),
    source=fields.TEXT(analyzer=name_analyzer(), stored=True),
    tags=ProseField(analyzer=text_analyzer(), stored=False),
    # Exact values for filters and facets.
    author_facet=_facet_field(),
    affiliation_facet=_facet_field(),
    source_facet=_facet_field(),
    tag_facet=_facet_field(),
    # Dates as YYYYMMDD integers (0 when unknown) for ranges and sorting.
    dateord=fields.NUMERIC(int, bits=32, stored=False, sortable=True, signed=False),
    # Display-only values.
    authors=fields.STORED,
    date=fields.STORED,
    url=fields.STORED,
    tag_list=fields.STORED,
    format=fields.STORED,
    markdown=fields.STORED,
    # The whole body and Markdown source of a body too long for the stored
    # record (search.storedtext), uncompressed: read whole, it must be quick.
    fulltext=fields.COLUMN(columns.VarBytesColumn()),
    extra=fields.STORED,
    warnings=fields.STORED,
)

# Fields a plain query word is looked for in.
TEXT_FIELDS = ("title", "body", "author", "affiliation", "source", "tags")

# Text fields analysed by ``text_analyzer`` (their terms are stems).
STEMMED_FIELDS = ("title", "body", "tags")

# Facet name (as shown to users) -> index field holding exact values.
FACET_FIELDS = {
    "author": "author_facet",
    "affiliation": "affiliation_facet",
    "source": "source_facet",
    "tag": "tag_facet",
}


def schema_fingerprint(schema: fields.Schema) -> str:
    """A stable digest of a schema: field names, types and analyzer settings.

    An index whose fingerprint differs from that of ``SCHEMA`` was written by
    another version of this program and has to be rebuilt.
    """
    # Fields share analyzer parts (one character map of 707 entries, the
    # stop words): each is described once per call, by identity.
    seen: dict[int, tuple[object, object]] = {}
    description = [
        (name, type(field).__name__, _canonical(getattr(field, "analyzer", None), seen))
        for name, field in sorted(schema.items())
    ]
    return hashlib.sha1(repr(description).encode("utf-8")).hexdigest()


def _canonical(value: object, seen: dict[int, tuple[object, object]]) -> object:
    """A description of an analyzer that is the same in every process.

    ``repr()`` will not do: stop-word sets are frozensets, whose order changes
    with Python's hash seed.  ``seen`` maps the ``id`` of each set and dict
    already described to it and its description (holding it keeps the id
    from being reused by a later temporary dict).
    """
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (set, frozenset, dict)):
        if id(value) in seen:
            return seen[id(value)][1]
        if isinstance(value, dict):
            found = sorted((repr(k), repr(_canonical(v, seen))) for k, v in value.items())
        else:
            found = sorted(repr(v) for v in value)
        seen[id(value)] = (value, found)
        return found
    if isinstance(value, (list, tuple)):
        return [_canonical(v, seen) for v in value]
    if isinstance(value, re.Pattern):
        return value.pattern
    if callable(value) and not hasattr(value, "__dict__"):
        return getattr(value, "__qualname__", type(value).__name__)
    public = {k: v for k, v in vars(value).items() if not k.startswith("_")}
    return (type(value).__name__, _canonical(public, seen))

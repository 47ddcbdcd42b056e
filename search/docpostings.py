"""A document's postings for the segment writer, each distinct word analysed once.

Whoosh's ``SegmentWriter.add_document`` sends every token of every text field
through the analyzer's chain of generators (a ``Token`` object and one
generator frame per filter and word), then the whole text through it again
for the spelling words, then hands each posting to the pool through a
method that weighs it: together most of a build's time (issue 7's profile).

Our text analyzers treat each token on its own: a ``RegexTokenizer``
followed by filters that change or drop one token at a time.  What such an
analyzer makes of a word therefore never depends on its neighbours, only
the positions do, and those follow from which words were dropped.  So
``WordPlan`` analyses each distinct word once (with Whoosh's own analyzer,
so the terms cannot differ) and remembers the index term and the spelling
words; a document's postings are then a dictionary walk over the
tokenizer's matches.  ``install`` gives a writer an ``add_document`` that
uses it, with the same postings, stored values, lengths and columns as
Whoosh's (``tests/test_indexing.py`` compares both on a real index).
Fields whose analyzer or format is anything else, and documents with boosts
or custom stored values, keep Whoosh's way.
"""

from __future__ import annotations

import pickle
from collections import Counter, defaultdict
from typing import Any, Callable

from whoosh import fields as wfields, formats
from whoosh.system import pack_uint
from whoosh.analysis import CharsetFilter, CompositeAnalyzer, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

from .schema import REMOVED_WORDS_RECORDED, ProseField, removed_key
from .termpool import TermPool

__all__ = ["WordPlan", "install"]

# Filters that take one token and give back at most that one token.
_PER_TOKEN_FILTERS = (LowercaseFilter, CharsetFilter, StopFilter, StemFilter)

# Remembered words per field before the memory starts over: real archives
# have long tails of names and numbers; a word costs a few hundred bytes here
# (key, term, spelling words), so two processes stay well inside 1 GB.
_MAX_WORDS = 100_000

class _NotPerToken(Exception):
    """An analyzer made more than one token of one word: this field keeps Whoosh's way."""


class WordPlan:
    """What one text field's analyzer makes of each word, remembered, and a value's postings from it."""

    def __init__(self, field: Any, renumber: bool, findall: Callable[[str], list[str]]) -> None:
        self.field = field
        self.analyzer = field.analyzer
        self.renumber = renumber
        self.findall = findall
        self.spelling = bool(field.separate_spelling())
        # A prose field also indexes where its removed words were (schema.ProseField).
        self.prose = isinstance(field, ProseField)
        # word -> the index term of its removed place (prose fields only).
        self.removed: dict[str, bytes] = {}
        self.boost = field.format.field_boost
        # word -> its index term (None: dropped); word -> its spelling words.
        self.terms: dict[str, bytes | None] = {}
        self.spelled: dict[str, tuple[bytes, ...]] = {}
        self.usable = True

    @classmethod
    def for_field(cls, field: Any) -> WordPlan | None:
        """The plan for ``field``, or None when its analyzer or format is not one this module reproduces."""
        analyzer = getattr(field, "analyzer", None)
        if type(getattr(field, "format", None)) is not formats.Positions or field.vector:
            return None
        # A field that makes its own postings is reproduced only when it is ours.
        if type(field).index is not wfields.FieldType.index and not isinstance(field, ProseField):
            return None
        if type(analyzer) is not CompositeAnalyzer or not analyzer.items:
            return None
        tokenizer, *filters = analyzer.items
        # ``findall`` gives whole matches only for a pattern without groups.
        if type(tokenizer) is not RegexTokenizer or tokenizer.gaps or tokenizer.expression.groups:
            return None
        if not all(type(f) in _PER_TOKEN_FILTERS for f in filters):
            return None
        stops = [f for f in filters if type(f) is StopFilter]
        if len(stops) > 1:
            return None
        renumber = bool(stops and stops[0].renumber)
        if isinstance(field, ProseField) and renumber:
            return None  # removed places need the gaps renumbering closes
        return cls(field, renumber, tokenizer.expression.findall)

    def _learn(self, words: list[str]) -> None:
        """Analyse the words not known yet as Whoosh would (index mode; unstemmed for spelling)."""
        if len(self.terms) + len(words) > _MAX_WORDS:
            self.terms.clear()
            self.spelled.clear()
            self.removed.clear()
        for word in set(words):
            if word in self.terms:
                continue
            every = [(t.text, t.stopped) for t in self.analyzer(word, mode="index", positions=True, boosts=True,
                                                                removestops=False)]
            if len(every) > 1:
                self.usable = False
                raise _NotPerToken(word)
            tokens = [text for text, stopped in every if not stopped]
            self.terms[word] = tokens[0].encode("utf-8") if tokens else None
            if self.prose and every and every[0][1]:
                self.removed[word] = removed_key(every[0][0]).encode("utf-8")
            if self.spelling:
                self.spelled[word] = tuple(t.text.encode("utf-8") for t in self.analyzer(word, no_morph=True))

    def postings(self, value: str) -> tuple[list[tuple[bytes, int, float, bytes]], set[bytes]]:
        """``value``'s postings as ``field.index`` gives them, and its spelling words.

        Raises ``_NotPerToken`` (and stops being usable) when a word turns
        into several tokens, which no per-token filter does.
        """
        words = self.findall(value)
        distinct = set(words)
        missing = [w for w in distinct if w not in self.terms]
        if missing:
            self._learn(missing)
        terms = list(map(self.terms.__getitem__, words))
        positions: defaultdict[bytes, list[int]] = defaultdict(list)
        if self.renumber:
            # Whoosh's StopFilter keeps the first kept word's position and
            # numbers the following kept words from there.
            kept = [term for term in terms if term is not None]
            first = terms.index(kept[0]) if kept else 0
            for pos, term in enumerate(kept, first):
                positions[term].append(pos)
        else:
            for pos, term in enumerate(terms):
                if term is not None:
                    positions[term].append(pos)
        boost = self.boost
        items = [(term, len(poslist), len(poslist) * boost, _encode(poslist)) for term, poslist in positions.items()]
        if self.prose:
            items.extend(self._removed_places(words))
        spelled: set[bytes] = set()
        if self.spelling:
            spelled.update(*map(self.spelled.__getitem__, distinct))
        return items, spelled


    def _removed_places(self, words: list[str]) -> list[tuple[bytes, int, float, bytes]]:
        """The removed words' postings as ``ProseField.index`` gives them: frequency 0, weight 1."""
        places: defaultdict[bytes, list[int]] = defaultdict(list)
        removed = self.removed
        for pos, word in enumerate(words[:REMOVED_WORDS_RECORDED]):
            key = removed.get(word)
            if key is not None:
                places[key].append(pos)
        return [(key, 0, 1.0, _encode(poslist)) for key, poslist in places.items()]


# Position lists of one position, encoded (most terms occur once in a document).
_ONE_POSITION = [formats.Positions().encode([pos]) for pos in range(4096)]


def _encode(positions: list[int]) -> bytes:
    """``formats.Positions.encode``: the count, then the pickled gaps between positions."""
    if len(positions) == 1 and positions[0] < 4096:
        return _ONE_POSITION[positions[0]]
    gaps = [b - a for a, b in zip([0, *positions], positions)]
    return pack_uint(len(gaps)) + pickle.dumps(gaps, 2)


def install(writer: Any, pool_add: Callable[[tuple[Any, ...]], None], spelling: Counter[tuple[str, bytes]]) -> None:
    """Give ``writer`` an ``add_document`` that uses ``WordPlan`` for the text fields it can.

    ``pool_add`` adds one posting to the writer's pool; ``spelling`` counts
    (spelling field, word) -> documents (``segments.SpellingTally``).
    """
    schema = writer.schema
    if any(field.vector for _, field in schema.items()):
        return
    plans = {name: WordPlan.for_field(field) for name, field in schema.items()}
    whooshs = writer.add_document
    pool_many = _pool_many(writer.pool, pool_add)

    def add_document(**fields: Any) -> None:
        if any(name.startswith("_") for name in fields):
            whooshs(**fields)  # boosts or custom stored values
            return
        writer._check_state()
        perdoc = writer.perdocwriter
        docnum = writer.docnum
        names = sorted(fields)
        writer._check_fields(schema, names)
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                plan = plans[name]
                length = 0
                spelled: Any = None
                if plan is not None and plan.usable and isinstance(value, str):
                    try:
                        items, spelled = plan.postings(value)
                    except _NotPerToken:
                        plan = None
                if plan is None or not plan.usable or not isinstance(value, str):
                    # Whoosh's own postings, weighted by the field boost (1.0) as it does.
                    items = [(t, f, w * 1.0, v) for t, f, w, v in field.index(value)] if field.indexed else ()
                    spelled = None
                if field.indexed:
                    if field.scorable:
                        length = sum(item[1] for item in items)
                    pool_many(name, docnum, items)
                if field.separate_spelling():
                    spellfield = field.spelling_fieldname(name)
                    if spelled is None:
                        spelled = {word.encode("utf-8") for word in field.spellable_words(value)}
                    for word in spelled:
                        spelling[spellfield, word] += 1
                perdoc.add_field(name, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdoc.add_column_value(name, column, field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        writer._added = True
        writer.docnum += 1

    writer.add_document = add_document


def _pool_many(pool: Any, pool_add: Callable[[tuple[Any, ...]], None]) -> Callable[[str, int, list[Any]], None]:
    """A function adding one document's postings of one field to ``pool`` at once.

    The postings are ``field.index``'s (term, frequency, weight, value).  A
    ``TermPool`` takes them as they are when ``pool_add`` is its own ``add``
    (the spelling tally wraps ``add`` only for the spelling fields, which
    never come here); any other pool gets them one by one.
    """
    if type(pool) is TermPool and getattr(pool_add, "__func__", None) is TermPool.add and pool_add.__self__ is pool:
        return pool.add_document

    def one_by_one(name: str, docnum: int, postings: list[Any]) -> None:
        for term, _, weight, value in postings:
            pool_add((name, term, docnum, weight, value))

    return one_by_one

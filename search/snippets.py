"""Snippets and highlighting: the matched words of a query, shown in context.

Matching works on index terms (a body word matches when it analyses to a
query term), but the words shown and marked are the document's own.  A
snippet is a ``results.Snippet``: plain text and the spans of its matches;
``results.mark_html`` alone turns it into HTML, escaping everything, so a
document containing ``<script>`` comes out inert.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate, compress
from typing import Callable

from whoosh.support.charset import accent_map

from .results import Snippet, mark_html
from .schema import STOP_TERM, WORD_PATTERN, slot_term

__all__ = ["TermMatcher", "make_snippet", "highlight_html", "match_spans"]

# Splits a text into separators and words (the tokenizer's words, in its order).
_SPLIT = re.compile("(" + WORD_PATTERN + ")")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+")

SNIPPET_CHARS = 240       # a snippet's length: two to three lines of a result list
MIN_FRAGMENT = 60         # a second fragment is added only if this much room is left
CONTEXT_BEFORE = 60       # characters shown before the first match of a fragment
OPENING_CHARS = 240       # length of the opening shown when nothing matched
# Snippets look for matches in this many characters of a body at most, so a
# huge document costs a search what an ordinary one does (tokenizing is about
# 0.2 µs a character: 100,000 characters take some 20 ms, 10 MB two seconds).
SCAN_CHARS = 100_000
# The first this many characters are scanned first; the rest of SCAN_CHARS
# only when some query word was not found there.
FIRST_SCAN_CHARS = 20_000
# Beyond SCAN_CHARS, this many likely places are checked, each this wide.
_PLACES_CHECKED = 3
_PLACE_BEFORE = 1_000
_PLACE_AFTER = 4_000


Slots = tuple[tuple[int, str], ...]


@dataclass
class TermMatcher:
    """What to highlight: single terms, and phrases.

    A phrase is either its ``(offset, term)`` slots (``schema.phrase_slots``:
    stop words keep their places) or a plain tuple of terms that follow
    one another.
    """

    terms: set[str] = field(default_factory=set)
    phrases: list[tuple] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.terms or self.phrases)

    def phrase_slots(self) -> list[Slots]:
        """Every phrase as ``(offset, term)`` slots."""
        return [p if p and isinstance(p[0], tuple) else tuple(enumerate(p)) for p in self.phrases]

    def words(self) -> set[str]:
        """Every kept word's term the matcher looks for (stop words left out)."""
        found = set(self.terms)
        for slots in self.phrase_slots():
            found.update(t for _, t in slots if not t.startswith(STOP_TERM))
        return found


def match_spans(text: str, matcher: TermMatcher) -> list[tuple[int, int]]:
    """Character spans of ``text`` that match, in order and not overlapping."""
    return [(s, e) for s, e, _ in _matches(text, matcher)]


def _matches(text: str, matcher: TermMatcher) -> list[tuple[int, int, str]]:
    """``(start, end, term)`` of every matching word of ``text``, in order.

    One ``re.split`` cuts the text into separators and words, and the
    words' offsets are running sums of the pieces' lengths: both loops run
    in C, and only distinct words (or, for phrases, every word once through
    the cached ``slot_term``) are analysed in Python.  That is some four
    times cheaper than a Python step per word of a 20,000-character opening.
    """
    if not text or not matcher:
        return []
    parts = _SPLIT.split(text)   # separator, word, separator, word, ..., separator
    words = parts[1::2]
    if not matcher.phrases:
        # Which distinct words analyse to a query term, without a Python step per word.
        distinct = _candidates(set(words), matcher.terms)
        wanted = set(compress(distinct, map(matcher.terms.__contains__, map(slot_term, distinct))))
        if not wanted:
            return []
        hits = compress(range(len(words)), map(wanted.__contains__, words))
        ends = list(accumulate(map(len, parts)))  # word k spans ends[2k]..ends[2k+1]
        return [(ends[2 * k], ends[2 * k + 1], slot_term(words[k])) for k in hits]
    # Phrases count places in the words that make a token (stop words as
    # ``phrase_slots`` has them), as the index does.
    every = list(map(slot_term, words))
    kept = list(range(len(every)))
    if None in every:
        kept = [k for k, term in zip(kept, every) if term is not None]
        every = [every[k] for k in kept]
    count = len(every)
    marked = set(compress(range(count), map(matcher.terms.__contains__, every)))
    present = set(every)
    places: dict[str, list[int]] = {}  # where each anchor word occurs
    for slots in matcher.phrase_slots():
        # A phrase is tried only where its first kept word occurs, and each
        # such word is looked for once: a query of 60 phrases otherwise costs
        # 60 passes over every token of every hit.
        anchor = next(((o, t) for o, t in slots if not t.startswith(STOP_TERM)), None)
        if anchor is None or anchor[1] not in present:
            continue
        if anchor[1] not in places:
            places[anchor[1]] = list(compress(range(count), map(anchor[1].__eq__, every)))
        low = min(o for o, _ in slots) - anchor[0]
        high = max(o for o, _ in slots) - anchor[0]
        for i in places[anchor[1]]:
            if i + low < 0 or i + high >= count:
                continue
            if all(every[i + o - anchor[0]] == t for o, t in slots):
                # Every word of the occurrence, its stop words too.
                marked.update(range(i + low, i + high + 1))
    if not marked:
        return []
    ends = list(accumulate(map(len, parts)))
    return [(ends[2 * kept[i]], ends[2 * kept[i] + 1], every[i]) for i in sorted(marked)]


# A word's folded form as the English stemmer sees it: lower case, accents
# folded (the analyzer's filters), the stemmer's own apostrophes made one.
_STEMMER_VIEW = {**accent_map, **{ord(c): "'" for c in "\u2019\u2018\u201b" if ord(c) not in accent_map}}


def _candidates(distinct: set[str], terms: set[str]) -> list[str]:
    """The words of ``distinct`` that may analyse to one of ``terms``.

    Analysing a word the first time (stemming it) costs some 30 µs, and the
    hits of a process's first query hold a couple of thousand distinct
    words: most of that query's snippet time.  A word's term is its folded
    form stemmed, and the English stemmer rewrites endings only: a term
    begins with the first two characters of its word's folded form (the
    whole of a one-character term), except the stemmer's three listed
    words *dying*, *lying* and *tying* (*die*, *lie*, *tie*), whose second
    letter changes from y to i.  A stop word's removed-word key is never a
    query term.  So words that begin no query term that way are never
    analysed.  ``tests/test_snippets.py`` checks the rule on every kind of
    word character and ending.
    """
    if any(term.startswith(STOP_TERM) for term in terms):
        return list(distinct)  # not a word's term: no shortcut
    starts = {term[:2] for term in terms} | {term[0] + "y" for term in terms if term[1:2] == "i"}
    begins = tuple(starts)
    return [word for word in distinct if word.lower().translate(_STEMMER_VIEW).startswith(begins)]


def highlight_html(text: str, matcher: TermMatcher) -> str:
    """All of ``text``, escaped, with every match in ``<mark>``."""
    return mark_html(text, match_spans(text, matcher))


def make_snippet(text: str, matcher: TermMatcher, length: int = SNIPPET_CHARS,
                 whole: Callable[[], str] | None = None) -> Snippet:
    """About ``length`` characters of ``text`` around its best matches, with their spans.

    The best window (the one showing the most different query words, then
    the most matches, then the earliest) comes first; a second window
    follows only when the first leaves room.  Only the first
    ``FIRST_SCAN_CHARS`` characters are searched when every query word is
    there, else the first ``SCAN_CHARS``, which bounds the work per hit.
    Without a match there (a document found by its title or author, or
    matching only deep inside a huge body) the opening of the text is
    returned instead.  ``whole``, when given, returns the whole text of
    which ``text`` is only the opening; it is called only when nothing
    matched in ``text``, to look a few likely places further.
    """
    text = text or ""
    found = _matches(_bounded(text, FIRST_SCAN_CHARS), matcher)
    if len(text) > FIRST_SCAN_CHARS and not _shows_every_word(found, matcher):
        found = _matches(_bounded(text, SCAN_CHARS), matcher)
    if not found and len(text) > SCAN_CHARS:
        found = _matches_further(text, matcher)
    if not found and whole is not None and matcher:
        longer = whole()
        if len(longer) > len(text):
            text = longer
            found = _matches_further(text, matcher)
    if not found:
        return _opening(text)
    spans = [(s, e) for s, e, _ in found]
    pieces: list[Snippet] = []
    shown: list[tuple[int, int]] = []  # character ranges already in the snippet
    room = length
    for first, last in _ranked_windows(found, length - CONTEXT_BEFORE):
        if room < (length if not pieces else MIN_FRAGMENT):
            break
        start = _fragment_start(text, spans[first][0])
        # Show the window's matches up to the room left, at least its first.
        reach = max([first] + [k for k in range(first, last + 1) if spans[k][1] <= start + room])
        end = _fragment_end(text, spans[reach][1], start, start + room)
        if any(start < b and a < end for a, b in shown):
            continue
        # Every match in the fragment, also those before the window's first
        # one that the fragment's sentence start brought in.
        lo = bisect_left(spans, (start, -1))
        hi = bisect_left(spans, (end + 1, -1))
        inside = [s for s in spans[lo:hi] if s[1] <= end]
        piece = _fragment(text, start, end, inside)
        if start > 0 and not _at_sentence_start(text, start):
            piece = Snippet("… " + piece.text, [(a + 2, b + 2) for a, b in piece.spans])
        if end < len(text) and not _at_sentence_end(text, end):
            piece.text += " …"
        pieces.append(piece)
        shown.append((start, end))
        room -= end - start
    return _join(pieces)


def _bounded(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``text``, cut before a partial word."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit - 200, limit)
    return text[:cut if cut != -1 else limit]


def _shows_every_word(found: list[tuple[int, int, str]], matcher: TermMatcher) -> bool:
    """True when ``found`` holds every word the matcher looks for."""
    return matcher.words() <= {term for _, _, term in found}


def _matches_further(text: str, matcher: TermMatcher) -> list[tuple[int, int, str]]:
    """Matches beyond ``SCAN_CHARS`` in a long text, found without tokenizing all of it.

    A stem is (but for its last letter: "polici" for "policy") the start of
    the words it stands for, so plain substring search on the lower-cased
    text finds places worth tokenizing; the first few such places are
    checked exactly.  Words whose accents the index folds may be missed
    here; the caller then shows the opening.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters grow when lower-cased: offsets would drift
        return []
    words = matcher.words()
    prefixes = {w[:-1] if len(w) > 3 else w for w in words}
    places = sorted(p for p in (lowered.find(prefix, SCAN_CHARS - 200) for prefix in prefixes) if p != -1)
    for place in places[:_PLACES_CHECKED]:
        lo = text.find(" ", max(0, place - _PLACE_BEFORE), place) + 1 or max(0, place - _PLACE_BEFORE)
        hi = text.rfind(" ", place, place + _PLACE_AFTER)
        hi = hi if hi != -1 else min(len(text), place + _PLACE_AFTER)
        found = [(s + lo, e + lo, term) for s, e, term in _matches(text[lo:hi], matcher)]
        if found:
            return found
    return []


def _join(pieces: list[Snippet]) -> Snippet:
    """Join fragments so there is exactly one ellipsis between two of them."""
    text, spans = pieces[0].text, list(pieces[0].spans)
    for piece in pieces[1:]:
        if not text.endswith("…"):
            text += " …"
        text += " "
        skip = 2 if piece.text.startswith("… ") else 0
        spans.extend((a - skip + len(text), b - skip + len(text)) for a, b in piece.spans)
        text += piece.text[skip:]
    return Snippet(text, spans)


def _ranked_windows(found: list[tuple[int, int, str]], reach: int) -> list[tuple[int, int]]:
    """Runs of matches that fit in ``reach`` characters, best first.

    A run starts at each match and takes the following matches that end
    within ``reach`` of it.  Best means the most different terms, then the
    most matches, then the earliest.  Returns (first, last) indexes into
    ``found``.  Linear in the matches: the run's end only moves forward.
    """
    candidates = []
    j = 0
    counts: dict[str, int] = {}
    for i, (start, _, _) in enumerate(found):
        if j < i:
            j, counts = i, {}
        while j < len(found) and found[j][1] - start <= reach:
            counts[found[j][2]] = counts.get(found[j][2], 0) + 1
            j += 1
        last = max(i, j - 1)
        candidates.append((len(counts), last - i + 1, -i, i, last))
        # Slide: the match at i leaves the run before the next one starts it.
        term = found[i][2]
        if term in counts:
            counts[term] -= 1
            if not counts[term]:
                del counts[term]
    candidates.sort(reverse=True)
    return [(i, last) for *_, i, last in candidates]


def _fragment_start(text: str, match_start: int) -> int:
    """Where a fragment showing a match at ``match_start`` begins.

    At a sentence start when one is near enough, else at a word boundary.
    """
    floor = max(0, match_start - CONTEXT_BEFORE)
    window = text[floor:match_start]
    best = None
    for m in _SENTENCE_END.finditer(window):
        best = floor + m.end()
    if best is not None:
        return best
    if floor == 0:
        return 0
    space = text.find(" ", floor, match_start)
    return space + 1 if space != -1 else match_start


def _fragment_end(text: str, match_end: int, start: int, limit: int) -> int:
    """Where a fragment ends: a sentence end before ``limit``, else a word boundary."""
    ceiling = min(len(text), max(match_end, limit))
    m = _SENTENCE_END.search(text, match_end, ceiling + 1)
    if m:
        return m.start() + len(m.group().rstrip())
    if ceiling >= len(text):
        return len(text)
    space = text.rfind(" ", match_end, ceiling)
    return space if space != -1 else ceiling


def _at_sentence_start(text: str, pos: int) -> bool:
    # Only the characters just before pos matter: no copy of a long prefix.
    before = text[max(0, pos - 100):pos].rstrip()
    return not before or before[-1] in ".!?…\"”’)"


def _at_sentence_end(text: str, pos: int) -> bool:
    return text[max(0, pos - 100):pos].rstrip()[-1:] in (".", "!", "?", "…", "”", '"', "’")


def _opening(text: str) -> Snippet:
    """The first words of ``text``, cut at a word boundary, nothing marked."""
    if len(text) <= OPENING_CHARS:
        return Snippet(_squash(text))
    cut = text.rfind(" ", 0, OPENING_CHARS)
    cut = cut if cut > OPENING_CHARS // 2 else OPENING_CHARS
    return Snippet(_squash(text[:cut]) + " …")


def _fragment(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> Snippet:
    """``text[start:end]`` with runs of white space folded into single spaces
    (none at the ends), and the spans inside it moved along.

    A span is a word, which holds no white space, so folding only ever
    shortens the text between spans.
    """
    out: list[str] = []
    moved: list[tuple[int, int]] = []
    size = 0
    space = False  # white space seen since the last thing written
    pos = start
    for s, e in [*spans, (end, end)]:
        if s < start or e > end:
            continue
        gap = text[pos:s]
        folded = " ".join(gap.split())
        if folded:
            if size and (space or gap[0].isspace()):
                out.append(" ")
                size += 1
            out.append(folded)
            size += len(folded)
            space = gap[-1].isspace()
        elif gap:
            space = True
        if e > s:
            if size and space:
                out.append(" ")
                size += 1
            out.append(text[s:e])
            moved.append((size, size + e - s))
            size += e - s
            space = False
        pos = e
    return Snippet("".join(out), moved)


def _squash(fragment: str) -> str:
    """Fold runs of white space (line breaks included) into single spaces."""
    return " ".join(fragment.split())

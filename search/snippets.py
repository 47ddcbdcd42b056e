"""Snippets and highlighting: the matched words of a query, shown in context.

Matching works on index terms (a body word matches when it analyses to a
query term), but the words shown and wrapped in ``<mark>`` are the document's
own.  Everything else is HTML-escaped, so a document containing ``<script>``
comes out inert.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from .schema import WORD_PATTERN, text_term

__all__ = ["TermMatcher", "make_snippet", "highlight_html", "match_spans"]

_WORD = re.compile(WORD_PATTERN)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+")

FRAGMENTS = 3
FRAGMENT_CHARS = 220      # target length of one fragment
CONTEXT_BEFORE = 70       # characters shown before the first match of a fragment
OPENING_CHARS = 260       # length of the opening shown when nothing matched

@dataclass
class TermMatcher:
    """What to highlight: single terms, and phrases as sequences of terms."""

    terms: set[str] = field(default_factory=set)
    phrases: list[tuple[str, ...]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.terms or self.phrases)


def match_spans(text: str, matcher: TermMatcher) -> list[tuple[int, int]]:
    """Character spans of ``text`` that match, in order and not overlapping."""
    if not text or not matcher:
        return []
    tokens = []  # (start, end, term) for words that are not stop words
    for m in _WORD.finditer(text):
        term = text_term(m.group())
        if term is not None:
            tokens.append((m.start(), m.end(), term))
    marked = [t[2] in matcher.terms for t in tokens]
    for phrase in matcher.phrases:
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            if all(tokens[i + j][2] == phrase[j] for j in range(n)):
                for j in range(n):
                    marked[i + j] = True
    return [(s, e) for (s, e, _), hit in zip(tokens, marked) if hit]


def highlight_html(text: str, matcher: TermMatcher) -> str:
    """All of ``text``, escaped, with every match in ``<mark>``."""
    return _render(text, 0, len(text), match_spans(text, matcher), squash=False)


def make_snippet(text: str, matcher: TermMatcher, fragments: int = FRAGMENTS) -> str:
    """One to ``fragments`` escaped fragments around the matches, joined by ellipses.

    Without a match (a document found by its title or author) the opening of
    the text is returned instead.
    """
    text = text or ""
    spans = match_spans(text, matcher)
    if not spans:
        return _opening(text)
    windows = _best_windows(spans, fragments)
    pieces = []
    for first, last in windows:
        start = _fragment_start(text, spans[first][0])
        end = _fragment_end(text, spans[last][1], start)
        inside = [s for s in spans[first:last + 1] if s[1] <= end]
        piece = _render(text, start, end, inside)
        if start > 0 and not _at_sentence_start(text, start):
            piece = "… " + piece
        if end < len(text) and not _at_sentence_end(text, end):
            piece += " …"
        pieces.append(piece)
    return _join(pieces)


def _join(pieces: list[str]) -> str:
    """Join fragments so there is exactly one ellipsis between two of them."""
    out = pieces[0]
    for piece in pieces[1:]:
        if not out.endswith("…"):
            out += " …"
        out += " " + (piece[2:] if piece.startswith("… ") else piece)
    return out


def _best_windows(spans: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Pick up to ``limit`` non-overlapping runs of matches, densest first.

    Returns (first, last) indexes into ``spans``, in text order.
    """
    candidates = []
    for i, (start, _) in enumerate(spans):
        j = i
        while j + 1 < len(spans) and spans[j + 1][1] - start <= FRAGMENT_CHARS - CONTEXT_BEFORE:
            j += 1
        candidates.append((j - i + 1, -i, i, j))
    candidates.sort(reverse=True)
    chosen: list[tuple[int, int]] = []
    for _, _, i, j in candidates:
        if len(chosen) >= limit:
            break
        lo, hi = spans[i][0] - FRAGMENT_CHARS, spans[j][1] + FRAGMENT_CHARS
        if any(not (hi <= spans[a][0] or spans[b][1] <= lo) for a, b in chosen):
            continue
        chosen.append((i, j))
    return sorted(chosen)


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


def _fragment_end(text: str, match_end: int, start: int) -> int:
    """Where a fragment ends: a sentence end within reach, else a word boundary."""
    ceiling = min(len(text), max(match_end, start + FRAGMENT_CHARS))
    m = _SENTENCE_END.search(text, match_end, ceiling + 1)
    if m:
        return m.start() + len(m.group().rstrip())
    if ceiling >= len(text):
        return len(text)
    space = text.rfind(" ", match_end, ceiling)
    return space if space != -1 else ceiling


def _at_sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip()
    return not before or before[-1] in ".!?…\"”’)"


def _at_sentence_end(text: str, pos: int) -> bool:
    return text[:pos].rstrip()[-1:] in (".", "!", "?", "…", "”", '"', "’")


def _opening(text: str) -> str:
    """The first words of ``text``, escaped, cut at a word boundary."""
    if len(text) <= OPENING_CHARS:
        return _squash(html.escape(text))
    cut = text.rfind(" ", 0, OPENING_CHARS)
    cut = cut if cut > OPENING_CHARS // 2 else OPENING_CHARS
    return _squash(html.escape(text[:cut])) + " …"


def _render(text: str, start: int, end: int, spans: list[tuple[int, int]], squash: bool = True) -> str:
    """Escape ``text[start:end]`` and wrap the spans in ``<mark>``."""
    out, pos = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return _squash("".join(out)) if squash else "".join(out)


def _squash(fragment: str) -> str:
    """Fold runs of white space (line breaks included) into single spaces."""
    return " ".join(fragment.split())

"""Search tips built from the index itself: its authors, years and words.

Each tip is an example query that is run before it is shown, so every tip
on the page finds something in the index being searched.  Tips are worked
out once per state of the index (its author and year counts) and kept.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import Counter
from typing import Any

from search import Index

__all__ = ["search_tips", "TITLES_READ"]

# How many of the newest titles supply the example words.
TITLES_READ = 200
# Words too short or too common in titles to be a telling example.
_WORD = re.compile(r"[^\W\d_]{5,}")
_TRIES = 8
_PREFIX = "words starting with"
_COMMON_SHARE = 0.1  # a word in more titles than this is boilerplate ("federalist", "subject", "continued")

_lock = threading.Lock()
_kept: "weakref.WeakKeyDictionary[Index, tuple[Any, list[tuple[str, str]]]]" = weakref.WeakKeyDictionary()


def search_tips(index: Index) -> list[tuple[str, str]]:
    """(example query, what it shows) pairs, each finding at least one document."""
    authors, years = index.facet_values("author"), index.facet_values("year")
    state = (tuple((v.value, v.count) for v in authors), tuple((v.value, v.count) for v in years))
    with _lock:
        kept = _kept.get(index)
        if kept is not None and kept[0] == state:
            return kept[1]
    tips = []
    for meaning, tries in _candidates(index, authors, years):
        # The first few tries of each kind only: a tip is not worth many searches.
        found = next((query for query in tries[:_TRIES] if _finds(index, query)), None)
        if found:
            tips.append((found, f"{meaning} “{found[:-1]}”" if meaning == _PREFIX else meaning))
    with _lock:
        _kept[index] = (state, tips)
    return tips


def _candidates(index: Index, authors: list[Any], years: list[Any]) -> list[tuple[str, list[str]]]:
    """For each part of the query language, example queries to try, from this index's own words."""
    titles = [h.title for h in index.search("", sort="newest", limit=TITLES_READ, snippets=False, expand=False).hits]
    words = _telling_words(titles)
    rank = {w: i for i, w in enumerate(words)}
    # Pairs of telling words that share a title: they belong together.
    pairs: list[tuple[str, str]] = []
    neighbours: list[tuple[str, str]] = []
    for title in titles:
        in_title = [w.lower() for w in _WORD.findall(title)]
        telling = sorted({w for w in in_title if w in rank}, key=rank.__getitem__)
        pairs += [(a, b) for i, a in enumerate(telling) for b in telling[i + 1:]]
        neighbours += [(a, b) for a, b in zip(in_title, in_title[1:]) if a in rank and b in rank]
    pairs = sorted(dict.fromkeys(pairs), key=lambda ab: rank[ab[0]] + rank[ab[1]])
    out: list[tuple[str, list[str]]] = [
        ("both words", [f"{a} {b}" for a, b in pairs]),
        ("an exact phrase", [f'"{a} {b}"' for a, b in dict.fromkeys(neighbours)]),
        ("either word", [f"{a} OR {b}" for a, b in zip(words, words[3:])]),
        ("without a word", [f"{a} -{b}" for a, b in pairs]),
    ]
    if authors:
        out.append(("in one field (title, author, affiliation, source, tag)",
                    [f"author:{str(a.value).split()[-1].lower()}" for a in authors]))
    if years:
        busiest = sorted(years, key=lambda v: (-v.count, v.value))
        out.append(("from one year, month or day", [f"date:{v.value}" for v in busiest]))
    out.append((_PREFIX, [f"{w[:5]}*" for w in words if len(w) > 6]))
    return out


def _telling_words(titles: list[str]) -> list[str]:
    """Title words by how many titles use them, boilerplate left out."""
    counts: Counter[str] = Counter()
    for title in titles:
        counts.update({w.lower() for w in _WORD.findall(title)})
    limit = max(2, int(len(titles) * _COMMON_SHARE))
    return [w for w, n in sorted(counts.items(), key=lambda wn: (-wn[1], wn[0])) if n <= limit][:20]


def _finds(index: Index, query: str) -> bool:
    """True when ``query`` finds a document as typed: no correction, no relaxing."""
    res = index.search(query, limit=1, snippets=False, expand=False, correct=False)
    return res.total > 0 and not res.corrected and res.match == "all" and res.notice is None

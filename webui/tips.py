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
_COMMON_SHARE = 0.3  # a word in more titles than this is boilerplate ("federalist", "continued")

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
    tips = [(query, meaning) for query, meaning in _candidates(index, authors, years) if _finds(index, query)]
    with _lock:
        _kept[index] = (state, tips)
    return tips


def _candidates(index: Index, authors: list[Any], years: list[Any]) -> list[tuple[str, str]]:
    """Example queries for each part of the query language, from this index's own words."""
    titles = [h.title for h in index.search("", sort="newest", per_page=TITLES_READ, snippets=False, expand=False).hits]
    words = _telling_words(titles)
    out: list[tuple[str, str]] = []
    if len(words) >= 2:
        out.append((f"{words[0]} {words[1]}", "both words"))
    phrase = _title_phrase(titles, set(words))
    if phrase:
        out.append((f'"{phrase}"', "an exact phrase"))
    if len(words) >= 3:
        out.append((f"{words[0]} OR {words[2]}", "either word"))
    if len(words) >= 2:
        out.append((f"{words[0]} -{words[1]}", "without a word"))
    if authors:
        surname = str(authors[0].value).split()[-1].lower()
        out.append((f"author:{surname}", "in one field (title, author, affiliation, source, tag)"))
    if years:
        busiest = max(years, key=lambda v: (v.count, v.value))
        out.append((f"date:{busiest.value}", "from one year, month or day"))
    if words and len(words[0]) > 6:
        stem = words[0][:5]
        out.append((f"{stem}*", f"words starting with “{stem}”"))
    return out


def _telling_words(titles: list[str]) -> list[str]:
    """Title words by how many titles use them, boilerplate left out."""
    counts: Counter[str] = Counter()
    for title in titles:
        counts.update({w.lower() for w in _WORD.findall(title)})
    limit = max(2, int(len(titles) * _COMMON_SHARE))
    return [w for w, n in sorted(counts.items(), key=lambda wn: (-wn[1], wn[0])) if n <= limit][:10]


def _title_phrase(titles: list[str], telling: set[str]) -> str | None:
    """Two neighbouring words of a title, one of them a telling word."""
    for title in titles:
        words = [w.lower() for w in re.findall(r"[^\W\d_]+", title)]
        for first, second in zip(words, words[1:]):
            if len(first) >= 4 and len(second) >= 4 and (first in telling or second in telling):
                return f"{first} {second}"
    return None


def _finds(index: Index, query: str) -> bool:
    """True when ``query`` finds a document as typed: no correction, no relaxing."""
    res = index.search(query, per_page=1, snippets=False, expand=False, correct=False)
    return res.total > 0 and not res.corrected and res.match == "all" and res.notice is None

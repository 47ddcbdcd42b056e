"""Filter values as people type them, found among the values the index holds.

A filter (``author``, ``affiliation``, ``source``, ``tag``) selects documents
by an exact stored value, but nobody types "Alexander Hamilton" exactly every
time.  ``ValueFinder`` takes what was typed to the stored values it means:

* a value equal to a stored one ignoring case, accents and spacing is that
  value (``alexander  HAMILTON``);
* otherwise, a value whose words are all words of exactly one stored value
  is that value (``hamilton``, ``daily advertiser``), and a notice says so;
* otherwise it matches nothing, and the notice names the closest values:
  "No author “hamiltn”; did you mean Alexander Hamilton?".
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Iterable

__all__ = ["ValueFinder", "fold_value"]

# Typed values longer than this are not looked for among near misses.
_MAX_TYPED_CHARS = 200
# How close a typed word must be to a stored one (difflib ratio) to be offered.
_CLOSE = 0.75
# Values offered in one "did you mean", and unknown values given suggestions per search.
_OFFERED = 3
_SUGGESTED_VALUES = 5
_WORD = re.compile(r"\w+")


def fold_value(text: str) -> str:
    """Lower case, accents removed, runs of spaces made one: how values are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


class ValueFinder:
    """The stored values of one facet, findable by what a person types."""

    def __init__(self, label: str, values: Iterable[tuple[str, int]]) -> None:
        """``values`` are (stored value, document count), most frequent first."""
        self.label = label
        self.values: list[str] = []
        self.counts: list[int] = []
        self._by_fold: dict[str, list[int]] = {}
        self._folds: list[str] = []
        self._by_word: dict[str, set[int]] = {}
        for i, (value, count) in enumerate(values):
            self.values.append(value)
            self.counts.append(count)
            folded = fold_value(value)
            self._folds.append(folded)
            self._by_fold.setdefault(folded, []).append(i)
            for word in _WORD.findall(folded):
                self._by_word.setdefault(word, set()).add(i)

    def find(self, typed: Iterable[str]) -> tuple[list[str], list[str]]:
        """The stored values the typed values stand for, and notices about them.

        A typed value that stands for nothing adds no value: the filter then
        matches no document through it, and a notice says what is close.
        """
        found: dict[str, None] = {}
        notices: list[str] = []
        suggested = 0
        for value in typed:
            folded = fold_value(value)
            exact = self._by_fold.get(folded)
            if exact:
                found.update(dict.fromkeys(self.values[i] for i in exact))
                continue
            words = _WORD.findall(folded)
            holders = set.intersection(*(self._by_word.get(w, set()) for w in words)) if words else set()
            if len(holders) == 1:
                (only,) = holders
                found[self.values[only]] = None
                notices.append(f"{self.label.capitalize()} “{value}” taken as {self.values[only]}.")
                continue
            if len(holders) > 1:
                offered = sorted(holders, key=lambda i: (-self.counts[i], self.values[i]))[:_OFFERED]
            elif suggested < _SUGGESTED_VALUES:
                suggested += 1
                offered = self._closest(folded, words)
            else:
                offered = []
            notices.append(self._missing(value, [self.values[i] for i in offered]))
        return list(found), notices

    def _missing(self, value: str, offered: list[str]) -> str:
        if not offered:
            return f"No {self.label} “{value}” in the index."
        choices = offered[0] if len(offered) == 1 else ", ".join(offered[:-1]) + " or " + offered[-1]
        return f"No {self.label} “{value}”; did you mean {choices}?"

    def _closest(self, folded: str, words: list[str]) -> list[int]:
        """Stored values close to a typed one: word by word, else as a whole."""
        if not words or len(folded) > _MAX_TYPED_CHARS:
            return []
        score: dict[int, float] = {}
        for n, word in enumerate(words):
            near: dict[int, float] = {}
            for known, holders in self._by_word.items():
                if abs(len(known) - len(word)) > 3:
                    continue
                matcher = difflib.SequenceMatcher(None, word, known)
                if matcher.real_quick_ratio() < _CLOSE or matcher.quick_ratio() < _CLOSE:
                    continue
                ratio = matcher.ratio()
                if ratio >= _CLOSE:
                    for i in holders:
                        near[i] = max(near.get(i, 0.0), ratio)
            # Every typed word must be close to a word of the value.
            score = near if n == 0 else {i: s + near[i] for i, s in score.items() if i in near}
            if not score:
                break
        if not score:
            whole = difflib.get_close_matches(folded, self._folds, n=_OFFERED, cutoff=_CLOSE)
            return [self._by_fold[f][0] for f in whole]
        return sorted(score, key=lambda i: (-score[i], -self.counts[i], self.values[i]))[:_OFFERED]

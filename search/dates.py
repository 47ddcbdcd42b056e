"""Reading publication dates written the many ways people write them.

``parse_date`` turns one date, written as a whole line or field, into an ISO
``YYYY-MM-DD`` string, or ``None`` when it cannot be sure of a full date.

Choices (kept deliberately conservative, because a wrong date sorts and
filters a document silently, while a missing one is at least visible):

* Partial dates (``March 2023``, ``2023-03``, ``2023``) give ``None``: inventing
  "the first of the month" would make the date look more precise than it is.
* Dotted and dashed numeric dates with the year last (``19.03.2023``,
  ``19-03-2023``) are day-first, as in most of Europe.
* Slashed dates with the year last (``03/19/2023``) are read whichever way
  is unambiguous; when both readings are valid (``03/04/2023``) they give
  ``None`` rather than a guess.
* A weekday (``Thursday, ...``) is accepted and ignored, even when it does not
  match the date: the day of the month is the more reliable part.
* A time after the date (``2023-03-19T10:00:00Z``, ``... 10:00 AM``) is
  ignored; the date is taken as written, not converted between time zones.
* Impossible dates (``February 30``) give ``None``.

Only the standard library is used.
"""

from __future__ import annotations

import datetime as _dt
import re

__all__ = ["parse_date", "looks_like_date", "as_iso_date"]

# Month names and the abbreviations seen in bylines ("Sept." included).
_MONTHS = {
    "january": 1, "jan": 1,
    "february": 2, "feb": 2,
    "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "may": 5,
    "june": 6, "jun": 6,
    "july": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = (
    r"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)\.?,?\s+)?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
# A trailing clock time, optionally with seconds, fraction, AM/PM and a zone.
_TIME = (
    r"(?:(?:[t\s]|,\s*|\s+at\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"(?:\s*[ap]\.?m\.?)?(?:\s*(?:z|utc|gmt|[a-z]{2,4}|[+-]\d{2}:?\d{2}))?)?"
)
# Labels that often precede a date on its own line ("Published: ...").
_LABEL = r"(?:(?:date|dated|published|posted|updated|first published)(?:\s+on)?\s*:?\s+)?"

# Each pattern must match the whole (normalised) text, so a sentence that
# merely contains a date is never taken for a date line.
_PATTERNS = [
    # 2023-03-19, 2023/03/19, 2023.03.19, with an optional time.
    re.compile(_LABEL + _YEAR + r"(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})" + _TIME),
    # March 19, 2023 / Mar. 19 2023 / Thursday, November 22, 1787 / March 1st, 2023
    re.compile(_LABEL + _WEEKDAY + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + _TIME),
    # 19 March 2023 / Thu, 22 Nov 1787 / the 5th of May 2021 / 5 May, 2021
    re.compile(
        _LABEL + _WEEKDAY + r"(?:the\s+)?" + _DAY + r"\s+(?:of\s+)?" + _MONTH
        + r",?\s+" + _YEAR + _TIME
    ),
]
# Numeric dates with the year last: 19.03.2023, 19-03-2023, 03/19/2023.
_YEAR_LAST = re.compile(_LABEL + r"(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)" + _YEAR + _TIME)

# Loose shapes for ``looks_like_date``: a month name near a year, or any
# all-numeric date; used to notice date lines that do not parse.
_DATE_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu "
    "thur thurs fri sat sun st nd rd th the of date dated published posted updated on".split()
)
_LOOSE_YEAR = re.compile(r"\b\d{4}\b")
_LOOSE_NUMERIC = re.compile(_LABEL + r"\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?")


def _normalise(text: str) -> str:
    """Lower-case, trim, and collapse whitespace so the patterns stay simple."""
    return " ".join(text.strip().lower().split()).rstrip(".")


def _make(year: int, month: int, day: int) -> str | None:
    """Return the ISO date, or ``None`` when the calendar has no such day."""
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """Parse one written date into ISO ``YYYY-MM-DD``; ``None`` if not a full, valid date.

    Accepts month-name forms (``March 19, 2023``, ``19 March 2023``,
    ``Mar. 19 2023``, ``Thursday, November 22, 1787``, ``the 5th of May 2021``),
    ISO dates and datetimes, ``2023/03/19``, and day-first ``19.03.2023``.
    See the module docstring for how partial and ambiguous dates are treated.
    """
    if not isinstance(text, str):
        return None
    norm = _normalise(text)
    if not norm or len(norm) > 80:
        return None
    for pattern in _PATTERNS:
        match = pattern.fullmatch(norm)
        if not match:
            continue
        groups = match.groupdict()
        year = int(groups["year"])
        if groups.get("m"):
            return _make(year, int(groups["m"]), int(groups["d"]))
        return _make(year, _MONTHS[groups["month"]], int(groups["day"]))
    match = _YEAR_LAST.fullmatch(norm)
    if match:
        return _year_last(int(match["a"]), int(match["b"]), int(match["year"]), match["sep"])
    return None


def _year_last(a: int, b: int, year: int, sep: str) -> str | None:
    """Resolve ``a<sep>b<sep>year``: day-first for dots and dashes, unambiguous only for slashes."""
    if sep != "/":
        return _make(year, b, a)
    day_first = _make(year, b, a)
    month_first = _make(year, a, b)
    if day_first and month_first and a != b:
        return None  # 03/04/2023: both readings valid, refuse to guess
    return day_first or month_first


def looks_like_date(line: str) -> bool:
    """Tell whether a line is meant as a date, even one that does not parse.

    True for anything ``parse_date`` accepts, and for short lines shaped like a
    date that it rejects (``February 30, 2023``, ``March 2023``), so a reader
    can report an unreadable date instead of mistaking it for text.
    """
    if parse_date(line):
        return True
    norm = _normalise(line)
    if not norm or len(norm) > 40 or len(norm.split()) > 6:
        return False
    if _LOOSE_NUMERIC.fullmatch(norm) and _LOOSE_YEAR.search(norm):
        return True
    # A month name with a year and only date words around them:
    # "March 2023", "Feb 30, 2023" (but not "I may 2023").
    words = re.findall(r"[a-z]+", norm)
    if _LOOSE_YEAR.search(norm) and any(w in _MONTHS for w in words):
        return all(w in _MONTHS or w in _DATE_WORDS for w in words)
    return False


def as_iso_date(value: object) -> tuple[str | None, str | None]:
    """A date given from Python as ISO ``YYYY-MM-DD``, and a warning when it is unusable.

    Accepts ``datetime.date`` and ``datetime.datetime`` objects and any text
    ``parse_date`` reads (so ``2023-3-5`` becomes ``2023-03-05``).  Anything
    else (``2023-13-45``, ``20230101``, a number) gives ``(None, warning)``:
    the document is kept, undated, rather than stored with a date that would
    sort and filter wrongly.  ``None`` and ``""`` mean "no date" and give no warning.
    """
    if value is None or value == "":
        return None, None
    if isinstance(value, _dt.datetime):
        return value.date().isoformat(), None
    if isinstance(value, _dt.date):
        return value.isoformat(), None
    if not isinstance(value, str):
        return None, f"date must be text or a date, not {type(value).__name__}; indexed as undated"
    iso = parse_date(value)
    if iso is None:
        shown = value if len(value) <= 40 else value[:40] + "…"
        return None, f"unreadable date {shown!r}; indexed as undated"
    return iso, None

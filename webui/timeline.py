"""The timeline above results: how many matches per year, month or decade.

Built from the engine's ``year`` and ``month`` facets, which count the whole
result set, not just the page shown.  The geometry is computed here and drawn
by ``_timeline.html`` as inline SVG.  Positions along the axis are
percentages, so the chart stretches to any width while its text keeps its
size (a scaled viewBox would shrink labels to nothing on a phone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from .params import date_bounds

__all__ = ["Bar", "Timeline", "build_timeline", "CHART_HEIGHT"]

CHART_HEIGHT = 84  # px available to the tallest bar
MONTHS_UP_TO_YEARS = 2  # results within this many calendar years are shown per month
DECADES_FROM_YEARS = 60  # longer spans are shown per decade
MAX_LABELS = 6

_MONTHS_LONG = ("January", "February", "March", "April", "May", "June", "July",
                "August", "September", "October", "November", "December")
_SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class Bar:
    """One period: what it is called, what it filters to, and where it is drawn."""

    label: str          # "2019", "March 2019", "1990s"
    since: str
    until: str
    count: int
    x: float            # percent of the chart width
    width: float        # percent of the chart width
    height: int         # px
    y: int              # px from the top
    axis_label: str = ""  # shown under the axis for some bars only
    active: bool = False

    @property
    def description(self) -> str:
        """Text for the bar's <title>: the period and its count."""
        noun = "document" if self.count == 1 else "documents"
        return f"{self.label}: {self.count:,} {noun}" if self.count else f"{self.label}: no documents"

    @property
    def center(self) -> float:
        """The middle of the bar, in percent, for its axis label."""
        return self.x + self.width / 2


@dataclass
class Timeline:
    """Bars for every period between the first and the last match."""

    unit: str  # "year", "month" or "decade"
    bars: list[Bar] = field(default_factory=list)
    total: int = 0
    height: int = CHART_HEIGHT

    @property
    def caption(self) -> str:
        """What the chart shows, for people who cannot see it."""
        return f"Matching documents per {self.unit}"

    @property
    def peak(self) -> Bar | None:
        """The period with the most matches, if one period has more than any other."""
        counts = sorted((b.count for b in self.bars), reverse=True)
        if not counts or (len(counts) > 1 and counts[0] == counts[1]):
            return None
        return max(self.bars, key=lambda b: b.count)


def build_timeline(facets: dict[str, Sequence[Any]], since: str | None = None, until: str | None = None) -> Timeline | None:
    """Bars for the ``year``/``month`` facets, or None when no match has a date.

    Months when the results (or the requested date range) fit in
    ``MONTHS_UP_TO_YEARS`` calendar years, decades beyond
    ``DECADES_FROM_YEARS`` years, else years.  Periods without matches get a
    slot so gaps show.
    """
    years = {int(v.value): v.count for v in facets.get("year", []) if v.count}
    months = {str(v.value): v.count for v in facets.get("month", [])}
    if since or until:
        years, months = _within(months, since, until)
    if not years:
        return None
    first, last = min(years), max(years)
    # A requested range that fits in two years is shown month by month even
    # when the matches fill only part of it, so the reader sees the whole range.
    if since and until:
        lo, hi = int(date_bounds(since)[0][:4]), int(date_bounds(until)[1][:4])
        if hi - lo < MONTHS_UP_TO_YEARS:
            first, last = min(first, lo), max(last, hi)
    span = last - first + 1
    if span <= MONTHS_UP_TO_YEARS:
        quarter_labels = span == 1  # room for "Apr", "Jul", "Oct" when only one year is drawn
        timeline = _layout("month", [
            (f"{_MONTHS_LONG[m - 1]} {y}", f"{y:04d}-{m:02d}", f"{y:04d}-{m:02d}",
             months.get(f"{y:04d}-{m:02d}", 0),
             f"Jan {y}" if m == 1 else (_SHORT_MONTHS[m - 1] if quarter_labels and m in (4, 7, 10) else ""))
            for y in range(first, last + 1) for m in range(1, 13)
        ])
    elif span > DECADES_FROM_YEARS:
        decades: dict[int, int] = {}
        for year, count in years.items():
            decades[year // 10 * 10] = decades.get(year // 10 * 10, 0) + count
        keys = range(first // 10 * 10, last // 10 * 10 + 1, 10)
        timeline = _layout("decade", [
            (f"{d}s", f"{d:04d}", f"{d + 9:04d}", decades.get(d, 0), "") for d in keys
        ])
        _label_every(timeline.bars, lambda bar: bar.label)
    else:
        timeline = _layout("year", [
            (str(y), f"{y:04d}", f"{y:04d}", years.get(y, 0), "") for y in range(first, last + 1)
        ])
        _label_every(timeline.bars, lambda bar: bar.label)
    for bar in timeline.bars:
        bar.active = (bar.since, bar.until) == (since, until)
    return timeline


def _within(months: dict[str, int], since: str | None, until: str | None) -> tuple[dict[int, int], dict[str, int]]:
    """Year and month counts inside the requested range.

    The engine counts the date facets without the date filter (a click on a
    period shows that period's count, whatever range is chosen), so the
    chart keeps the months of the range, and sums years from them.  A range
    bounded by a day keeps that bound's whole month.
    """
    lo = date_bounds(since)[0][:7] if since else "0000-00"
    hi = date_bounds(until)[1][:7] if until else "9999-99"
    kept = {m: c for m, c in months.items() if lo <= m <= hi}
    years: dict[int, int] = {}
    for month, count in kept.items():
        if count:
            years[int(month[:4])] = years.get(int(month[:4]), 0) + count
    return years, kept


def _layout(unit: str, periods: list[tuple[str, str, str, int, str]]) -> Timeline:
    """Place (label, since, until, count, axis label) periods side by side."""
    peak = max((p[3] for p in periods), default=0) or 1
    slot = 100.0 / len(periods)
    gap = min(slot * 0.2, 0.6)  # a hairline between thin bars, a real gap between wide ones
    bars = []
    for i, (label, since, until, count, axis) in enumerate(periods):
        height = round(CHART_HEIGHT * count / peak) if count else 0
        if count and height < 3:
            height = 3  # one match must still be visible and clickable
        bars.append(Bar(label=label, since=since, until=until, count=count,
                        x=round(i * slot + gap / 2, 3), width=round(slot - gap, 3),
                        height=height, y=CHART_HEIGHT - height, axis_label=axis))
    return Timeline(unit=unit, bars=bars, total=sum(p[3] for p in periods))


def _label_every(bars: list[Bar], label_of: Any) -> None:
    """Label the first bar and then evenly spaced ones, at most ``MAX_LABELS``."""
    step = max(1, -(-len(bars) // MAX_LABELS))
    for i, bar in enumerate(bars):
        # Labels start at their bar and run right: none too close to the right edge.
        if i % step == 0 and (bar.x < 90 or i == 0):
            bar.axis_label = label_of(bar)

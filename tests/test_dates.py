"""Tests for search.dates: every date style the readers meet, and what is refused."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from search.dates import looks_like_date, parse_date  # noqa: E402


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("March 19, 2023", "2023-03-19"),
        ("19 March 2023", "2023-03-19"),
        ("2023-03-19", "2023-03-19"),
        ("Mar. 19, 2023", "2023-03-19"),
        ("Mar 19 2023", "2023-03-19"),
        ("Sept. 5, 2021", "2021-09-05"),
        ("Sep 5, 2021", "2021-09-05"),
        ("Thursday, November 22, 1787", "1787-11-22"),
        ("Thu, 22 Nov 1787", "1787-11-22"),
        ("Thu, 22 Nov 1787 10:00:00 +0000", "1787-11-22"),
        ("2023/03/19", "2023-03-19"),
        ("19.03.2023", "2023-03-19"),
        ("01.02.2023", "2023-02-01"),  # dotted is day-first
        ("19-03-2023", "2023-03-19"),
        ("March 1st, 2023", "2023-03-01"),
        ("May 22nd 2023", "2023-05-22"),
        ("the 5th of May 2021", "2021-05-05"),
        ("3rd June 2020", "2020-06-03"),
        ("2023-03-19T10:00:00Z", "2023-03-19"),
        ("2023-03-19T23:30:00.123+05:00", "2023-03-19"),
        ("2023-03-19 10:00", "2023-03-19"),
        ("March 19, 2023, 10:00 AM", "2023-03-19"),
        ("  march 19,   2023  ", "2023-03-19"),
        ("MARCH 19, 2023", "2023-03-19"),
        ("Published: March 19, 2023", "2023-03-19"),
        ("Date: 2023-03-19", "2023-03-19"),
        ("Feb 29, 2024", "2024-02-29"),
        ("03/19/2023", "2023-03-19"),  # slashed, only one reading valid
        ("19/03/2023", "2023-03-19"),
    ],
)
def test_parse_date_styles(text: str, expected: str) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "February 30, 2023",  # no such day
        "Feb 29, 2023",  # not a leap year
        "2023-02-30",
        "2023-13-01",
        "31.04.2023",
        "March 2023",  # partial dates are refused, not padded to the 1st
        "2023-03",
        "2023",
        "03/04/2023",  # slashed and ambiguous: refused rather than guessed
        "",
        "   ",
        "yesterday",
        "I think elections have become more open on March 19, 2023.",
        "Writing as Publius",
    ],
)
def test_parse_date_refuses(text: str) -> None:
    assert parse_date(text) is None


def test_parse_date_ignores_weekday_mismatch() -> None:
    # 22 Nov 1787 was a Thursday; the day of the month wins over the weekday.
    assert parse_date("Friday, November 22, 1787") == "1787-11-22"


def test_parse_date_non_string() -> None:
    assert parse_date(None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "line",
    ["March 19, 2023", "February 30, 2023", "March 2023", "2023-03", "2023-13-45",
     "Thursday, February 30th, 2023"],
)
def test_looks_like_date_true(line: str) -> None:
    assert looks_like_date(line) is True


@pytest.mark.parametrize(
    "line",
    ["Writing as Publius", "I may 2023", "12.5", "May", "Ilyas Imamzarov",
     "Member of the Young Experts Platform", "In 2023 the elections were held in March."],
)
def test_looks_like_date_false(line: str) -> None:
    assert looks_like_date(line) is False

"""Tests for search.readers: the seed layout, its variations, bad files, and Markdown."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

from search.errors import DocumentError
from search.readers import (
    SUPPORTED_SUFFIXES,
    markdown_to_text,
    parse_markdown,
    parse_plain_text,
    read_document,
)

SEED = ROOT / "seeds" / "000_54abd231519280a8.txt"

SEED_AFFILIATION = (
    "Student at Kazakh Abylai Khan University of International Relations and World languages; "
    "Faculty of International Relations; "
    "Member of the Young Experts Platform at the Public Academy of Political Science (PAPS)"
)

# A made-up essay in the seed's layout; the variations below are built from it.
TITLE_LINE = "Why Cities Need Trees – Jane Doe"
DATE_LINE = "May 5, 2021"
# Two blocks; the second line starts lower-case, so it continues the first item.
AFFILIATION_LINES = [
    "Professor of Urban Planning",
    "at the University of Somewhere",
    "",
    "Fellow, Green Streets Institute",
]
PARA_1 = (
    "Trees cool streets in summer. They also clean the air, shelter birds and make a "
    "walk to work something to look forward to rather than a chore."
)
PARA_2 = "Yet most cities plant fewer trees each year than they cut down."
SIGN_OFF = "JANE DOE"
SOURCE_LINE = "Source: The Daily Planet"


def essay(
    *,
    title: str = TITLE_LINE,
    date: str | None = DATE_LINE,
    byline: str | None = "Jane Doe",
    affiliation: list[str] | None = None,
    source: str | None = SOURCE_LINE,
    date_first: bool = False,
) -> str:
    """Build an essay in the seed layout, leaving out or moving the parts asked for."""
    parts: list[str] = []
    if date_first and date:
        parts += [date, ""]
    parts += [title, ""]
    if date and not date_first:
        parts += [date, ""]
    if byline:
        parts.append(byline)
    parts += AFFILIATION_LINES if affiliation is None else affiliation
    parts += ["", PARA_1, "", PARA_2, "", SIGN_OFF]
    if source:
        parts += ["", source]
    return "\n".join(parts) + "\n"


FULL_AFFILIATION = (
    "Professor of Urban Planning at the University of Somewhere; Fellow, Green Streets Institute"
)


# ---------------------------------------------------------------------------
# The seed document
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_doc():
    """The seed read through ``read_document``, as the indexer will read it."""
    return read_document(SEED, ROOT)


def test_seed_fields(seed_doc) -> None:
    assert seed_doc.id == "seeds/000_54abd231519280a8.txt"
    assert seed_doc.title == "Transparent and Trustworthy Elections Mark a New Era in Voting Process"
    assert seed_doc.authors == ["Ilyas Imamzarov"]
    assert seed_doc.author == "Ilyas Imamzarov"
    assert seed_doc.date == "2023-03-19"
    assert seed_doc.affiliation == SEED_AFFILIATION
    assert seed_doc.source == "NIKA Group Perspective Research Center"
    assert seed_doc.format == "text"
    assert seed_doc.warnings == []


def test_seed_body(seed_doc) -> None:
    body = seed_doc.body
    assert body.startswith("I think elections have become more open.")
    assert body.endswith("due to its greater openness.")
    assert "Source:" not in body
    assert "Imamzarov" not in body  # the byline and affiliation stay out of the body
    assert "Young Experts Platform" not in body
    # Paragraph breaks are kept, and only single blank lines separate paragraphs.
    assert "\n\nFrom what I see" in body
    assert "\n\n\n" not in body
    # A line break inside a paragraph is kept as it is.
    assert "more tangible.\nThe single-mandate" in body


def test_seed_json_ready(seed_doc) -> None:
    data = json.loads(json.dumps(seed_doc.to_dict()))
    assert data["date"] == "2023-03-19"


# ---------------------------------------------------------------------------
# Plain-text layouts
# ---------------------------------------------------------------------------


def test_full_layout() -> None:
    doc = parse_plain_text(essay(), "essays/trees.txt")
    assert doc.id == "essays/trees.txt"
    assert doc.title == "Why Cities Need Trees"
    assert doc.authors == ["Jane Doe"]
    assert doc.date == "2021-05-05"
    assert doc.affiliation == FULL_AFFILIATION
    assert doc.source == "The Daily Planet"
    assert doc.body == f"{PARA_1}\n\n{PARA_2}\n\n{SIGN_OFF}"
    assert doc.warnings == []


def test_sign_off_and_footnotes_stay_in_body() -> None:
    text = essay(source=None).rstrip("\n") + "\n\n1. A footnote that explains something.\n\nSource: X\n"
    doc = parse_plain_text(text, "a.txt")
    assert doc.body.endswith(f"{SIGN_OFF}\n\n1. A footnote that explains something.")
    assert doc.source == "X"


def test_without_source() -> None:
    doc = parse_plain_text(essay(source=None), "a.txt")
    assert doc.source == ""
    assert doc.body.endswith(SIGN_OFF)
    assert doc.affiliation == FULL_AFFILIATION


def test_without_affiliation() -> None:
    doc = parse_plain_text(essay(affiliation=[]), "a.txt")
    assert doc.affiliation == ""
    assert doc.authors == ["Jane Doe"]
    assert doc.body.startswith(PARA_1)


def test_without_affiliation_or_byline_repeat() -> None:
    doc = parse_plain_text(essay(affiliation=[], byline=None), "a.txt")
    assert doc.affiliation == ""
    assert doc.authors == ["Jane Doe"]
    assert doc.body.startswith(PARA_1)


def test_without_date() -> None:
    doc = parse_plain_text(essay(date=None), "a.txt")
    assert doc.date is None
    assert "no date found" in doc.warnings
    assert doc.authors == ["Jane Doe"]
    assert doc.affiliation == FULL_AFFILIATION


def test_without_byline_repeat() -> None:
    doc = parse_plain_text(essay(byline=None), "a.txt")
    assert doc.authors == ["Jane Doe"]
    assert doc.affiliation == FULL_AFFILIATION


def test_date_before_title() -> None:
    doc = parse_plain_text(essay(date_first=True), "a.txt")
    assert doc.title == "Why Cities Need Trees"
    assert doc.date == "2021-05-05"
    assert doc.affiliation == FULL_AFFILIATION


def test_by_byline_without_title_separator() -> None:
    doc = parse_plain_text(essay(title="Why Cities Need Trees", byline="By Jane Doe and John Roe"), "a.txt")
    assert doc.title == "Why Cities Need Trees"
    assert doc.authors == ["Jane Doe", "John Roe"]
    assert doc.affiliation == FULL_AFFILIATION


def test_bare_byline_without_title_separator() -> None:
    doc = parse_plain_text(essay(title="Why Cities Need Trees", byline="Jane Doe"), "a.txt")
    assert doc.authors == ["Jane Doe"]
    assert doc.affiliation == FULL_AFFILIATION


@pytest.mark.parametrize("separator", [" – ", " — ", " - "])
def test_title_separators(separator: str) -> None:
    doc = parse_plain_text(essay(title=f"Why Cities Need Trees{separator}Jane Doe"), "a.txt")
    assert doc.title == "Why Cities Need Trees"
    assert doc.authors == ["Jane Doe"]


def test_title_split_on_last_separator() -> None:
    doc = parse_plain_text(essay(title="Trees – and Why Cities - Need Them – Jane Doe"), "a.txt")
    assert doc.title == "Trees – and Why Cities - Need Them"
    assert doc.authors == ["Jane Doe"]


def test_dash_inside_title_without_author() -> None:
    doc = parse_plain_text(essay(title="Elections 2023 - A New Era", byline=None), "a.txt")
    assert doc.title == "Elections 2023 - A New Era"
    assert doc.authors == []
    assert "no author found" in doc.warnings


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("Jane Doe, John Roe and Ann Lee", ["Jane Doe", "John Roe", "Ann Lee"]),
        ("A. B. Smith, Jr.", ["A. B. Smith, Jr."]),
    ],
)
def test_multiple_authors(byline: str, expected: list[str]) -> None:
    doc = parse_plain_text(essay(title=f"Why Cities Need Trees – {byline}", byline=byline), "a.txt")
    assert doc.authors == expected
    assert doc.affiliation == FULL_AFFILIATION  # the repeated byline is not an affiliation item
    assert doc.warnings == []


def test_crlf_and_extra_blank_lines() -> None:
    text = essay().replace("\n\n", "\n\n\n\n").replace("\n", "\r\n")
    doc = parse_plain_text(text, "a.txt")
    assert doc.title == "Why Cities Need Trees"
    assert doc.date == "2021-05-05"
    assert doc.affiliation == FULL_AFFILIATION
    assert doc.source == "The Daily Planet"
    assert "\r" not in doc.body
    assert doc.body == f"{PARA_1}\n\n{PARA_2}\n\n{SIGN_OFF}"


LONG_PARAGRAPH = (
    "When the public is called to decide upon a question in which not only the present "
    "members of the community are deeply interested but upon which the happiness of "
    "generations yet unborn is in great measure suspended, the mind cannot help feeling "
    "itself interested. It weighs every argument twice."
)


@pytest.mark.parametrize("width", [50, 66, 72, 79])
def test_hard_wrapped_body_is_not_affiliation(width: int) -> None:
    wrapped = textwrap.fill(LONG_PARAGRAPH, width)
    text = "\n".join([TITLE_LINE, "", DATE_LINE, "", "Jane Doe", "Lecturer in History", "", wrapped, ""])
    doc = parse_plain_text(text, "a.txt")
    assert doc.affiliation == "Lecturer in History"
    assert doc.body == wrapped


@pytest.mark.parametrize("width", [50, 66, 72, 79])
def test_hard_wrapped_body_without_affiliation(width: int) -> None:
    wrapped = textwrap.fill(LONG_PARAGRAPH, width)
    doc = parse_plain_text("\n".join([TITLE_LINE, DATE_LINE, "Jane Doe", "", wrapped]), "a.txt")
    assert doc.affiliation == ""
    assert doc.body == wrapped


@pytest.mark.parametrize("width", [66, 72])
def test_affiliation_running_into_wrapped_body(width: int) -> None:
    wrapped = textwrap.fill(LONG_PARAGRAPH, width)
    text = "\n".join([TITLE_LINE, DATE_LINE, "Jane Doe", "Lecturer in History", "at Some College", wrapped])
    doc = parse_plain_text(text, "a.txt")
    assert doc.affiliation == "Lecturer in History at Some College"
    assert doc.body == wrapped


def test_two_line_affiliation_with_long_first_line() -> None:
    # The first line is the longer one and the second continues it: not wrapped prose.
    affiliation = ["Senior Fellow at the Center for Strategic and International Studies", "in Washington"]
    doc = parse_plain_text(essay(affiliation=affiliation), "a.txt")
    assert doc.affiliation == "Senior Fellow at the Center for Strategic and International Studies in Washington"
    assert doc.body.startswith(PARA_1)


def test_affiliation_running_into_body_without_blank_line() -> None:
    text = "\n".join([TITLE_LINE, DATE_LINE, "Jane Doe", "Fellow, Green Streets Institute", PARA_1, PARA_2])
    doc = parse_plain_text(text, "a.txt")
    assert doc.affiliation == "Fellow, Green Streets Institute"
    assert doc.body == f"{PARA_1}\n{PARA_2}"


@pytest.mark.parametrize(
    "first_line",
    [
        "The fourth class comprises the following powers:",
        "We proceed now to the question of trees.",
        "Dear friends,",
        "“Plant a tree,” my grandmother used to say",
    ],
)
def test_short_opening_sentence_is_body(first_line: str) -> None:
    text = "\n".join([TITLE_LINE, "", DATE_LINE, "", "Jane Doe", "Writing as a Gardener", "", first_line, "", PARA_1])
    doc = parse_plain_text(text, "a.txt")
    assert doc.affiliation == "Writing as a Gardener"
    assert doc.body.startswith(first_line)


def test_affiliation_with_abbreviation_and_acronym() -> None:
    text = "\n".join([TITLE_LINE, DATE_LINE, "Jane Doe", "Senior Economist, Acme Inc.", "Washington, D.C.", "", PARA_1])
    doc = parse_plain_text(text, "a.txt")
    assert doc.affiliation == "Senior Economist, Acme Inc.; Washington, D.C."
    assert doc.body == PARA_1


@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_date_below_affiliation(gap: str) -> None:
    text = f"{TITLE_LINE}\nJane Doe\nProfessor of Urban Planning{gap}{DATE_LINE}\n\n{PARA_1}\n"
    doc = parse_plain_text(text, "a.txt")
    assert doc.date == "2021-05-05"
    assert doc.affiliation == "Professor of Urban Planning"
    assert doc.body == PARA_1


def test_date_after_author_in_title_line() -> None:
    doc = parse_plain_text(essay(title=f"{TITLE_LINE} – {DATE_LINE}", date=None), "a.txt")
    assert doc.title == "Why Cities Need Trees"
    assert doc.authors == ["Jane Doe"]
    assert doc.date == "2021-05-05"


def test_collective_author_after_separator() -> None:
    doc = parse_plain_text(essay(title="Why Cities Need Trees – The Editorial Board", byline=None), "a.txt")
    assert doc.title == "Why Cities Need Trees"
    assert doc.authors == ["The Editorial Board"]


def test_labelled_header_lines() -> None:
    text = (
        "Title: Why Cities Need Trees\nAuthor: Jane Doe, John Roe\nDate: 2021-05-05\n"
        "Affiliation: Green Streets\n\n" + PARA_1
    )
    doc = parse_plain_text(text, "a.txt")
    assert doc.title == "Why Cities Need Trees"
    assert doc.authors == ["Jane Doe", "John Roe"]
    assert doc.date == "2021-05-05"
    assert doc.affiliation == "Green Streets"
    assert doc.body == PARA_1


def test_unreadable_date_line() -> None:
    doc = parse_plain_text(essay(date="February 30, 2021"), "a.txt")
    assert doc.date is None
    assert any("unreadable date" in w and "February 30, 2021" in w for w in doc.warnings)
    # The bad date is still recognised as the date line, not as text.
    assert "February" not in doc.affiliation and "February" not in doc.body
    assert doc.affiliation == FULL_AFFILIATION


def test_partial_date_is_reported() -> None:
    doc = parse_plain_text(essay(date="May 2021"), "a.txt")
    assert doc.date is None
    assert any("unreadable date" in w for w in doc.warnings)


def test_no_title_uses_file_name() -> None:
    doc = parse_plain_text(PARA_1 + " " + PARA_1 + "\n\n" + PARA_2 + "\n", "essays/why-cities_need-trees.txt")
    assert doc.title == "why cities need trees"
    assert any("no title" in w for w in doc.warnings)
    assert doc.body.startswith(PARA_1)


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "–", " – ", "Source:", "Source: X", "By", "Title – ", "---\n---", "\x0c\t", "a\nb\nc"],
)
def test_weird_text_never_raises(text: str) -> None:
    doc = parse_plain_text(text, "odd.txt")
    assert doc.title  # always some title, from the file name at worst
    json.dumps(doc.to_dict())


# ---------------------------------------------------------------------------
# read_document: files, encodings and what must be skipped
# ---------------------------------------------------------------------------


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``tmp_path/name`` (creating folders) and return the path."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_supported_suffixes() -> None:
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".md", ".markdown"}


def test_id_is_relative_posix_path(tmp_path: Path) -> None:
    path = write(tmp_path, "sub/dir/essay.txt", essay().encode())
    doc = read_document(path, tmp_path)
    assert doc.id == "sub/dir/essay.txt"
    assert doc.format == "text"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\t\r\n  ", "whitespace"),
        (b"Title\x00\x01\x02binary", "binary"),
        (essay().encode() + b"\x00", "NUL"),  # one NUL byte in otherwise plain text
        (bytes(range(1, 32)) * 20 + b"some text", "binary"),
        ("\ufeff \n".encode(), "whitespace"),
    ],
)
def test_files_that_must_be_skipped(tmp_path: Path, data: bytes, reason: str) -> None:
    path = write(tmp_path, "bad.txt", data)
    with pytest.raises(DocumentError) as info:
        read_document(path, tmp_path)
    assert info.value.path == str(path)
    assert reason in info.value.reason


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "folder.txt"
    path.mkdir()  # reading a directory fails with an OSError, even as root
    with pytest.raises(DocumentError) as info:
        read_document(path, tmp_path)
    assert "cannot be read" in info.value.reason


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError):
        read_document(tmp_path / "gone.txt", tmp_path)


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = write(tmp_path, "essay.pdf", b"%PDF-1.4")
    with pytest.raises(DocumentError) as info:
        read_document(path, tmp_path)
    assert ".pdf" in info.value.reason


def test_invalid_utf8_is_read_as_cp1252(tmp_path: Path) -> None:
    text = essay(title="Caf\u00e9 Culture \u2013 Jane Doe")
    path = write(tmp_path, "cp.txt", text.encode("cp1252"))
    doc = read_document(path, tmp_path)
    assert doc.title == "Caf\u00e9 Culture"
    assert doc.authors == ["Jane Doe"]
    assert any("not valid UTF-8" in w for w in doc.warnings)


def test_invalid_utf8_outside_cp1252_is_replaced(tmp_path: Path) -> None:
    # 0x81 is undefined in Windows-1252 too, so the replacement character is used.
    path = write(tmp_path, "odd.txt", essay().encode() + b"\n\nBad byte \x81 here.\n")
    doc = read_document(path, tmp_path)
    assert "\ufffd" in doc.body
    assert any("replaced" in w for w in doc.warnings)


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + essay().encode())
    doc = read_document(path, tmp_path)
    assert doc.title == "Why Cities Need Trees"
    assert doc.warnings == []


def test_crlf_file(tmp_path: Path) -> None:
    path = write(tmp_path, "crlf.txt", essay().replace("\n", "\r\n").encode())
    doc = read_document(path, tmp_path)
    assert doc.affiliation == FULL_AFFILIATION
    assert doc.source == "The Daily Planet"
    assert "\r" not in doc.body


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "u16.txt", essay().encode("utf-16"))
    doc = read_document(path, tmp_path)
    assert doc.title == "Why Cities Need Trees"
    assert any("UTF-16" in w for w in doc.warnings)


def test_unreadable_date_in_file(tmp_path: Path) -> None:
    path = write(tmp_path, "d.txt", essay(date="Feb. 30, 2021").encode())
    doc = read_document(path, tmp_path)
    assert doc.date is None
    assert any("unreadable date" in w for w in doc.warnings)


def test_no_title_in_file(tmp_path: Path) -> None:
    path = write(tmp_path, "my_first-essay.txt", (PARA_1 * 3 + "\n").encode())
    doc = read_document(path, tmp_path)
    assert doc.title == "my first essay"
    assert any("no title" in w for w in doc.warnings)


@pytest.mark.parametrize("suffix", [".md", ".markdown", ".MD"])
def test_markdown_dispatch(tmp_path: Path, suffix: str) -> None:
    path = write(tmp_path, f"essay{suffix}", b"---\ntitle: Hello\n---\n\n# Hello\n\nText.\n")
    doc = read_document(path, tmp_path)
    assert doc.format == "markdown"
    assert doc.title == "Hello"


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------

MD_FULL = """---
title: 'Federal Trees: A Proposal'
author: Jane Doe and John Roe
authors:
  - Jane Doe
  - John Roe
affiliation: Green Streets Institute
date: 2021-05-05
source: The Daily Planet
url: https://example.org/trees
topic: Urban Planning
series: Green Papers
number: 7
reviewed: 2021-06-01
meta:
  updated: 2021-06-02 10:30:00
  notes: [a, 2021-06-03]
---

# Federal Trees

Trees are **good** for [cities](https://example.org).
"""


def test_markdown_front_matter() -> None:
    doc = parse_markdown(MD_FULL, "md/trees.md")
    assert doc.id == "md/trees.md"
    assert doc.format == "markdown"
    assert doc.title == "Federal Trees: A Proposal"
    assert doc.authors == ["Jane Doe", "John Roe"]
    assert doc.affiliation == "Green Streets Institute"
    assert doc.date == "2021-05-05"
    assert doc.source == "The Daily Planet"
    assert doc.url == "https://example.org/trees"
    assert doc.tags == ["Urban Planning"]
    assert doc.body == "# Federal Trees\n\nTrees are **good** for [cities](https://example.org)."
    assert doc.warnings == []


def test_markdown_extra_is_json_safe() -> None:
    doc = parse_markdown(MD_FULL, "md/trees.md")
    assert doc.extra == {
        "series": "Green Papers",
        "number": 7,
        "reviewed": "2021-06-01",
        "meta": {"updated": "2021-06-02T10:30:00", "notes": ["a", "2021-06-03"]},
    }
    json.dumps(doc.to_dict())


def test_markdown_authors_list_preferred_over_author() -> None:
    doc = parse_markdown("---\nauthor: Somebody Else\nauthors: [Jane Doe, John Roe]\n---\nText.", "a.md")
    assert doc.authors == ["Jane Doe", "John Roe"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jane Doe", ["Jane Doe"]),
        ("Jane Doe, John Roe and Ann Lee", ["Jane Doe", "John Roe", "Ann Lee"]),
        ("[Jane Doe, John Roe]", ["Jane Doe", "John Roe"]),
    ],
)
def test_markdown_author_forms(value: str, expected: list[str]) -> None:
    doc = parse_markdown(f"---\ntitle: T\nauthor: {value}\ndate: 2021-05-05\n---\nText.", "a.md")
    assert doc.authors == expected


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("tags: [trees, cities]", ["trees", "cities"]),
        # A string is one tag, commas and all; several tags are a YAML list.
        ("tags: trees, cities", ["trees, cities"]),
        ("topic: Commerce, Navy, and Union", ["Commerce, Navy, and Union"]),
        ("topic: [Commerce, Navy, and Union]", ["Commerce", "Navy", "and Union"]),
        ("tags:\n  - trees\n  - cities\n  - trees", ["trees", "cities"]),
        ("topic: Urban Planning", ["Urban Planning"]),
        ("topic: [Parks]\ntags: [trees, Parks]", ["trees", "Parks"]),
    ],
)
def test_markdown_tags_and_topic(front: str, expected: list[str]) -> None:
    doc = parse_markdown(f"---\ntitle: T\n{front}\n---\nText.", "a.md")
    assert doc.tags == expected
    assert "topic" not in doc.extra and "tags" not in doc.extra


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-05-05", "2021-05-05"),  # YAML date
        ("'2021-05-05'", "2021-05-05"),  # quoted string
        ("2021-05-05 10:30:00", "2021-05-05"),  # YAML datetime
        ("2021-05-05T23:30:00Z", "2021-05-05"),
        ("May 5, 2021", "2021-05-05"),
        ("5 May 2021", "2021-05-05"),
    ],
)
def test_markdown_dates(value: str, expected: str) -> None:
    doc = parse_markdown(f"---\ntitle: T\ndate: {value}\n---\nText.", "a.md")
    assert doc.date == expected


@pytest.mark.parametrize("value", ["2021-02-30", "'May 2021'", "soon", "2021"])
def test_markdown_unreadable_date(value: str) -> None:
    doc = parse_markdown(f"---\ntitle: T\nauthor: Jane Doe\ndate: {value}\n---\nText.", "a.md")
    assert doc.date is None
    assert doc.title == "T"  # the rest of the front matter survives
    assert doc.authors == ["Jane Doe"]
    assert any("unreadable date" in w for w in doc.warnings)


def test_markdown_malformed_yaml() -> None:
    text = "---\ntitle: [unclosed\nauthor: Jane Doe\n---\n\n# The Real Heading\n\nText."
    doc = parse_markdown(text, "a.md")
    assert doc.title == "The Real Heading"
    assert doc.body == text  # the whole file is kept as the body
    assert doc.authors == []
    assert any("malformed front matter" in w for w in doc.warnings)


def test_markdown_front_matter_not_a_mapping() -> None:
    doc = parse_markdown("---\n- a\n- b\n---\n# Head\n", "a.md")
    assert doc.title == "Head"
    assert any("not a mapping" in w for w in doc.warnings)


def test_markdown_unclosed_front_matter() -> None:
    doc = parse_markdown("---\ntitle: T\n\n# Heading\nText.", "a.md")
    assert doc.title == "Heading"
    assert any("not closed" in w for w in doc.warnings)


def test_markdown_without_front_matter() -> None:
    doc = parse_markdown("Intro line.\n\n## The *Big* Heading ##\n\nText.\n", "a.md")
    assert doc.title == "The Big Heading"
    assert doc.body == "Intro line.\n\n## The *Big* Heading ##\n\nText."
    assert "no front matter" in doc.warnings


def test_markdown_without_any_title() -> None:
    doc = parse_markdown("Just text.\n", "notes/some_notes.md")
    assert doc.title == "some notes"
    assert any("no title" in w for w in doc.warnings)


def test_markdown_crlf_and_bom() -> None:
    doc = parse_markdown("\ufeff---\r\ntitle: T\r\ndate: 2021-05-05\r\n---\r\nLine one.\r\n\r\nLine two.\r\n", "a.md")
    assert doc.title == "T"
    assert doc.date == "2021-05-05"
    assert doc.body == "Line one.\n\nLine two."


def test_markdown_to_text() -> None:
    md = """# Heading One

Some **bold**, *italic*, _under_ and `code` with a [link](https://x.org) and
an ![alt text](img.png) and <b>html</b> &amp; a snake_case_name.

> A quote

- item one
* item two
1. numbered

```python
print("hi")
```

Setext
------
"""
    text = markdown_to_text(md)
    assert text.startswith("Heading One\n\n")
    assert "Some bold, italic, under and code with a link and\nan alt text and html & a snake_case_name." in text
    assert "A quote" in text and ">" not in text
    assert "item one\nitem two\nnumbered" in text
    assert 'print("hi")' in text and "```" not in text
    assert "Setext" in text and "------" not in text
    assert "https://x.org" not in text and "img.png" not in text
    assert "\n\n\n" not in text

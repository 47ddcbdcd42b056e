"""Property-based tests of the readers: any text or bytes gives a well-formed document or a DocumentError.

A fixed, modest example budget keeps these to a few seconds in CI; the
alphabets lean on the characters that mean something to the readers
(Markdown syntax, dashes, colons, YAML indicators) so that the examples hit
the parsers' branches rather than plain prose.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.errors import DocumentError
from search.markdown_reader import markdown_to_text, parse_markdown
from search.plaintext import parse_plain_text
from search.readers import decode_bytes, read_document
from search.textshape import TITLE_MAX_CHARS

# No example database: CI runs the same fixed budget every time and writes nothing.
# Line breaks and the separators (\x1f splits facet values) never stay in a one-line field.
SEPARATORS = re.compile("[\n\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]")
BUDGET = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

SYNTAX = list("[]()!*_~`<>#-|:=&;,.'\"{}?@%\\ \t\n") + ["–", "—", "---", "\n\n", "http:", "By ", "Title: ", "Source: "]
WORDS = ["Jane", "Doe", "and", "March", "19,", "2023", "University", "the", "a", "Ltd.", "Dr."]
readerish = st.lists(st.one_of(st.sampled_from(SYNTAX), st.sampled_from(WORDS), st.text(max_size=5)), max_size=60).map("".join)
any_text = st.one_of(st.text(), readerish)


def check_document(doc: object, doc_id: str, fmt: str) -> None:
    """The invariants every document from a reader holds."""
    data = doc.to_dict()  # type: ignore[attr-defined]
    # JSON without NaN, and every string encodable as UTF-8 (the index needs both).
    json.dumps(data, allow_nan=False, ensure_ascii=False).encode("utf-8")
    assert data["id"] == doc_id and data["format"] == fmt
    title = data["title"]
    assert title and title == title.strip() and "\n" not in title and len(title) <= TITLE_MAX_CHARS + 1
    for name in data["authors"]:
        assert name and name == name.strip() and "\n" not in name
    for tag in data["tags"]:
        assert tag and tag == tag.strip() and "\n" not in tag
    for field in ("affiliation", "source", "url"):
        assert "\n" not in data[field]
    for value in [title, data["affiliation"], data["source"], data["url"], *data["authors"], *data["tags"]]:
        assert not SEPARATORS.search(value), f"line break or separator in {value!r}"
    if data["date"] is not None:
        assert dt.date.fromisoformat(data["date"]).isoformat() == data["date"]
    assert all(isinstance(w, str) and w for w in data["warnings"])


@BUDGET
@given(any_text)
def test_plain_text_never_raises(text: str) -> None:
    check_document(parse_plain_text(text, "x.txt"), "x.txt", "text")


@BUDGET
@given(any_text)
def test_markdown_never_raises(text: str) -> None:
    doc = parse_markdown(text, "x.md")
    check_document(doc, "x.md", "markdown")
    stripped = markdown_to_text(doc.body)
    assert "\n\n\n" not in stripped and stripped == stripped.strip()


yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30), readerish,
    st.dates().map(lambda d: d.isoformat()),
)
yaml_values = st.recursive(yaml_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)
front_keys = st.sampled_from(["title", "author", "authors", "affiliation", "date", "source", "url",
                              "tags", "topic", "topics", "extra", "Title", "score"])


@BUDGET
@given(st.dictionaries(front_keys, yaml_values, max_size=8), any_text)
def test_markdown_with_any_front_matter(meta: dict[str, object], body: str) -> None:
    front = yaml.safe_dump(meta, allow_unicode=True)
    doc = parse_markdown(f"---\n{front}---\n{body}", "x.md")
    check_document(doc, "x.md", "markdown")


@BUDGET
@given(st.text(alphabet=st.characters(exclude_categories=["Cc", "Cs"]), min_size=1, max_size=40).filter(str.strip))
def test_a_string_topic_is_one_tag(topic: str) -> None:
    doc = parse_markdown("---\n" + yaml.safe_dump({"title": "T", "topic": topic}, allow_unicode=True) + "---\nBody.", "x.md")
    assert doc.tags == [" ".join(topic.split())]


@BUDGET
@given(st.text(alphabet=st.sampled_from(list("abc &*[]{},:-'\"\n!|>%@")), max_size=80))
def test_markdown_with_garbled_front_matter(front: str) -> None:
    check_document(parse_markdown(f"---\n{front}\n---\nBody text.", "x.md"), "x.md", "markdown")


@BUDGET
@given(st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Zs", "L"]), max_size=40))
def test_file_names_make_one_line_titles(stem: str) -> None:
    doc = parse_plain_text("", f"{stem}.txt")
    assert doc.title and not SEPARATORS.search(doc.title)


@BUDGET
@given(st.binary(max_size=300))
def test_decode_bytes_gives_text_or_a_reason(data: bytes) -> None:
    try:
        text, warnings = decode_bytes(data)
    except ValueError as exc:
        assert str(exc)
        return
    assert text.strip()
    text.encode("utf-8")
    assert all(isinstance(w, str) for w in warnings)


@BUDGET
@given(st.one_of(st.binary(max_size=300), any_text.map(lambda t: t.encode("utf-8"))), st.sampled_from([".txt", ".md"]))
def test_read_document_gives_a_document_or_a_document_error(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"doc{suffix}"
        path.write_bytes(data)
        try:
            doc = read_document(path, folder)
        except DocumentError as exc:
            assert exc.path == str(path) and exc.reason
            return
        check_document(doc, f"doc{suffix}", "markdown" if suffix == ".md" else "text")

"""Small text-shaping helpers shared by the document readers."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

__all__ = [
    "TITLE_MAX_CHARS", "cap_title", "normalise_newlines", "one_line", "title_from_id",
    "tidy_body", "tidy_text", "valid_text",
]

# Longest title kept whole.  Real titles are well under 200 characters; a
# longer "title" is a paragraph or an attack, and would fill every results page.
TITLE_MAX_CHARS = 250


def normalise_newlines(text: str) -> str:
    """Turn CRLF/CR into LF and drop a BOM, so the parsers see one kind of line."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


_SURROGATES = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> str:
    """``text`` with lone surrogates (e.g. from YAML ``"\\ud800"``) replaced by U+FFFD.

    They cannot be encoded as UTF-8, so the index could not store them.
    """
    return text if text.isascii() else _SURROGATES.sub("\ufffd", text)


def one_line(text: str) -> str:
    """A metadata value as one line: every run of white space one space, lone surrogates replaced.

    Python's white space includes line breaks and the separators
    ``\\x1c``-``\\x1f`` (``\\x1f`` separates facet values, so it must not
    stay inside a name).  Other control characters are kept, as for documents
    given from Python: the front ends show them as symbols, never obey them.
    """
    return " ".join(valid_text(text).split())


def cap_title(title: str, warnings: list[str]) -> str:
    """``title`` cut to ``TITLE_MAX_CHARS`` at a word boundary (with a warning) when longer."""
    if len(title) <= TITLE_MAX_CHARS:
        return title
    cut = title[:TITLE_MAX_CHARS]
    if " " in cut[TITLE_MAX_CHARS // 2:]:
        cut = cut[: cut.rindex(" ")]
    warnings.append(f"title is longer than {TITLE_MAX_CHARS} characters; shortened")
    return cut.rstrip() + "…"


def title_from_id(doc_id: str) -> str:
    """A readable title from the file name: stem with dashes/underscores as spaces."""
    stem = PurePosixPath(doc_id).stem or doc_id
    return one_line(re.sub(r"[-_]+", " ", stem)) or one_line(doc_id) or "Untitled"


def tidy_body(lines: list[str]) -> str:
    """Join body lines, keeping paragraph breaks but no runs of blank lines."""
    out: list[str] = []
    for line in lines:
        if not line.strip():
            if out and out[-1] != "":
                out.append("")
        else:
            out.append(line.rstrip())
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


_SPACE_RUNS = re.compile(r"[^\S\n]+")
_LINE_EDGES = re.compile(r" ?\n ?")
_BLANK_RUNS = re.compile(r"\n{3,}")


def tidy_text(text: str) -> str:
    """``tidy_body`` of the lines of ``text`` with each line's whitespace collapsed.

    The same result as ``tidy_body([" ".join(line.split()) for line in
    text.split("\\n")])``, in a few passes over the whole text instead of
    Python work per line: a file of millions of short lines stays fast.
    """
    text = _SPACE_RUNS.sub(" ", text)
    text = _LINE_EDGES.sub("\n", text).strip(" \n")
    return _BLANK_RUNS.sub("\n\n", text)

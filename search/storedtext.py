"""Where a document's text is kept: a bounded opening for every hit, the whole for `get`.

Whoosh keeps a document's stored fields in one compressed record, read
whole for every hit that shows it.  A 10 MB body in that record made every
search it matched pay for decompressing 10 MB (about 60 ms).  So the record
holds at most ``STORED_BODY_CHARS`` of the body (what snippets, feedback and
"more like this" read), and a longer body, with its Markdown source, lives
in the ``fulltext`` column, read only by ``Index.get`` and ``get_text`` and
by a snippet whose words occur only beyond the opening.
"""

from __future__ import annotations

from typing import Any

__all__ = ["STORED_BODY_CHARS", "FULLTEXT_FIELD", "stored_values", "full_texts", "is_cut"]

# More than snippets scan (snippets.SCAN_CHARS): a hit never needs more.
STORED_BODY_CHARS = 120_000
FULLTEXT_FIELD = "fulltext"


def stored_values(body: str, markdown: str | None) -> dict[str, Any]:
    """The writer's values for the body's stored opening, the Markdown source
    and the full-text column (none for a body that fits the record)."""
    if len(body) <= STORED_BODY_CHARS and (markdown is None or len(markdown) <= STORED_BODY_CHARS):
        return {"markdown": markdown}
    # The body's length in bytes, a colon, the body, then the Markdown
    # source if any: the body is read without decoding the source.
    encoded = body.encode("utf-8", "surrogatepass")
    source = b"" if markdown is None else b"\x00" + markdown.encode("utf-8", "surrogatepass")
    whole = b"%d:" % len(encoded) + encoded + source
    # ``_stored_body`` is what Whoosh stores for ``body`` instead of the
    # indexed value, which stays the whole text.
    return {"_stored_body": body[:STORED_BODY_CHARS], "markdown": None, FULLTEXT_FIELD: whole}


def is_cut(stored: dict[str, Any]) -> bool:
    """True when the stored record holds only the opening of the body (or,
    for a Markdown document, not its source)."""
    if stored.get("format") == "markdown" and stored.get("markdown") is None:
        return True
    return len(stored.get("body") or "") >= STORED_BODY_CHARS


def full_texts(reader: Any, docnum: int, stored: dict[str, Any], *,
               markdown: bool = True) -> tuple[str, str | None]:
    """The whole body and Markdown source (with ``markdown``; else None) of a
    document whose stored fields are ``stored``."""
    if not is_cut(stored) or FULLTEXT_FIELD not in reader.schema:
        return stored.get("body") or "", stored.get("markdown") if markdown else None
    raw = reader.column_reader(FULLTEXT_FIELD)[docnum]
    if not raw:  # an opening that happens to be exactly this long
        return stored.get("body") or "", stored.get("markdown") if markdown else None
    # Through a memoryview: slicing 10 MB of bytes would copy them first.
    colon = raw.index(b":", 0, 24)
    start, size = colon + 1, int(raw[:colon])
    view = memoryview(raw)
    body = str(view[start:start + size], "utf-8", "surrogatepass")
    rest = start + size + 1  # after the separator
    source = str(view[rest:], "utf-8", "surrogatepass") if markdown and len(raw) > rest - 1 else None
    return body, source

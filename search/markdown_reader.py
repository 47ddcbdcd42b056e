"""Reading Markdown with YAML front matter into a ``Document``.

The body stays Markdown (the web UI renders it); ``markdown_to_text`` gives
the plain text that is indexed and shown in snippets.
"""

from __future__ import annotations

import datetime as _dt
import html
import re
from typing import Any

import yaml

from .dates import parse_date
from .document import Document
from .names import split_authors
from .textshape import normalise_newlines, tidy_body, title_from_id

__all__ = ["parse_markdown", "markdown_to_text"]

# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------

_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(?P<text>.+?)[ \t#]*$", re.MULTILINE)
_KNOWN_KEYS = frozenset(
    "title author authors affiliation date source url tags topic topics".split()
)


class _FrontMatterLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that keeps impossible timestamps (``2023-02-30``) as strings.

    The stock loader raises ``ValueError`` for them, which would throw away
    every other key; kept as text, the date is reported as unreadable instead.
    """


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """Build a YAML timestamp, falling back to its text when it is not a real date."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError:
        return loader.construct_scalar(node)  # type: ignore[arg-type]


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def parse_markdown(text: str, doc_id: str) -> Document:
    """Parse Markdown with YAML front matter into a ``Document`` (format ``"markdown"``).

    The body is the Markdown after the front matter, unchanged.  Without
    usable front matter the whole file is the body and the title comes from
    the first ``# heading`` (or the file name), with a warning.
    """
    text = normalise_newlines(text)
    warnings: list[str] = []
    meta, body = _split_front_matter(text, warnings)
    doc = Document(id=doc_id, format="markdown", body=body.strip("\n"))
    _apply_front_matter(doc, meta, warnings)
    if not doc.title:
        heading = _HEADING.search(body)
        if heading:
            doc.title = _plain_inline(heading["text"]).strip()
        else:
            doc.title = title_from_id(doc_id)
            warnings.append(f"no title found; using the file name {doc.title!r}")
    if not doc.authors:
        warnings.append("no author found")
    if doc.date is None and not any(w.startswith("unreadable date") for w in warnings):
        warnings.append("no date found")
    doc.warnings = warnings
    return doc


def _split_front_matter(text: str, warnings: list[str]) -> tuple[dict[str, Any], str]:
    """Separate YAML front matter from the body; on any problem the whole text is body."""
    stripped = text.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    if first.strip() != "---":
        warnings.append("no front matter")
        return {}, text
    end = _FRONT_MATTER_END.search(rest)
    if not end:
        warnings.append("front matter is not closed by '---'; reading the whole file as body")
        return {}, text
    try:
        meta = yaml.load(rest[: end.start()], Loader=_FrontMatterLoader)  # noqa: S506 (safe loader)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        reason = " ".join(str(exc).split())[:200]
        warnings.append(f"malformed front matter ({reason}); reading the whole file as body")
        return {}, text
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        warnings.append("front matter is not a mapping of keys to values; ignoring it")
        return {}, text
    return meta, rest[end.end():]


def _apply_front_matter(doc: Document, meta: dict[str, Any], warnings: list[str]) -> None:
    """Fill ``doc`` from front matter keys; unknown keys go to ``extra``."""
    meta = {str(key).strip().lower(): value for key, value in meta.items()}
    doc.title = _as_text(meta.get("title"))
    doc.authors = _as_authors(meta.get("authors")) or _as_authors(meta.get("author"))
    affiliation = meta.get("affiliation")
    if isinstance(affiliation, list):
        doc.affiliation = "; ".join(_as_text(a) for a in affiliation if _as_text(a))
    else:
        doc.affiliation = _as_text(affiliation)
    doc.date = _as_date(meta.get("date"), warnings)
    doc.source = _as_text(meta.get("source"))
    doc.url = _as_text(meta.get("url"))
    tags: list[str] = []
    for key in ("tags", "topic", "topics"):
        for tag in _as_list(meta.get(key)):
            if tag not in tags:
                tags.append(tag)
    doc.tags = tags
    doc.extra = {key: _json_safe(value) for key, value in meta.items() if key not in _KNOWN_KEYS}


def _as_text(value: Any) -> str:
    """A front matter scalar as a trimmed one-line string (``None`` → ``""``)."""
    if value is None:
        return ""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return " ".join(str(value).split())


def _as_list(value: Any) -> list[str]:
    """A string (comma-separated) or list value as a list of non-empty strings."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return [text for text in (_as_text(item) for item in items) if text]


def _as_authors(value: Any) -> list[str]:
    """Authors from a list of names or one byline string (``"A and B"``)."""
    if isinstance(value, (list, tuple)):
        return [name for name in (_as_text(item) for item in value) if name]
    return split_authors(_as_text(value))


def _as_date(value: Any, warnings: list[str]) -> str | None:
    """A front matter date (YAML date, datetime or string) as ISO, warning when unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    iso = parse_date(str(value))
    if iso is None:
        warnings.append(f"unreadable date {str(value)!r}")
    return iso


def _json_safe(value: Any) -> Any:
    """Convert YAML values (dates, nested containers, odd scalars) into JSON-ready ones."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(item) for item in value]
    return str(value)


# ---------------------------------------------------------------------------
# Markdown to plain text, for indexing
# ---------------------------------------------------------------------------

_MD_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"<!--.*?-->", re.DOTALL), ""),                       # HTML comments
    (re.compile(r"^ {0,3}(?:```|~~~).*$", re.MULTILINE), ""),           # code fence markers
    (re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S+.*$", re.MULTILINE), ""),     # link definitions
    (re.compile(r"^ {0,3}(?:[-*_][ \t]*){3,}$", re.MULTILINE), ""),     # horizontal rules
    (re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$", re.MULTILINE), ""),         # setext underlines
    (re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.MULTILINE), r"\1"),  # ATX headings
    (re.compile(r"^ {0,3}(?:>[ \t]?)+", re.MULTILINE), ""),             # blockquote markers
    (re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+", re.MULTILINE), ""),  # list markers
    (re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.MULTILINE), ""),
]


def markdown_to_text(md: str) -> str:
    """Strip Markdown syntax to plain text for indexing, keeping paragraph breaks.

    Removes heading, list, quote and code-fence markers, emphasis, HTML tags
    and link/image syntax (keeping the visible text).  Not a full Markdown
    parser: odd constructs may leave stray characters, which is harmless for
    search.
    """
    text = normalise_newlines(md)
    for pattern, replacement in _MD_RULES:
        text = pattern.sub(replacement, text)
    text = _plain_inline(text)
    text = text.replace("|", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return tidy_body(lines)


def _plain_inline(text: str) -> str:
    """Strip inline Markdown (links, images, emphasis, code, HTML) from a span of text."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)                # images → alt text
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)                 # inline links
    text = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", text)                # reference links
    text = re.sub(r"<((?:https?|mailto):[^>\s]+)>", r"\1", text)         # autolinks
    text = re.sub(r"</?[A-Za-z][^<>]*>", "", text)                       # HTML tags
    text = re.sub(r"`+([^`]*)`+", r"\1", text)                           # inline code
    text = re.sub(r"(\*{1,3}|~~)(?=\S)(.+?)(?<=\S)\1", r"\2", text)      # *em*, **strong**, ~~del~~
    text = re.sub(r"(?<!\w)(_{1,3})(?=\S)(.+?)(?<=\S)\1(?!\w)", r"\2", text)  # _em_, not snake_case
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>])", r"\1", text)           # backslash escapes
    return html.unescape(text)

"""Reading Markdown with YAML front matter into a ``Document``.

The body stays Markdown (the web UI renders it); ``markdown_to_text`` gives
the plain text that is indexed and shown in snippets.
"""

from __future__ import annotations

import datetime as _dt
import html
import itertools
import math
import re
from typing import Any

import yaml

from .dates import parse_date
from .document import Document
from .names import split_authors
from .textshape import cap_title, normalise_newlines, one_line, tidy_text, title_from_id, valid_text

__all__ = ["parse_markdown", "markdown_to_text"]

# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------

_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
# The closing ``#``s and spaces are stripped in code: a lazy ``(.+?)[ \t#]*$``
# retries the tail at every character, quadratic on a long line of spaces.
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(?P<text>.*)$", re.MULTILINE)
# Real front matter is a few hundred bytes.  PyYAML in pure Python reads
# about 150-500 KB/s, so this bounds its time per file to a fraction of a second.
_MAX_FRONT_MATTER_CHARS = 64 * 1024
_MAX_DEPTH = 20
_MAX_INT_CHARS = 40
_MAX_HEADINGS_FOR_TITLE = 20
_KNOWN_KEYS = frozenset(
    "title author authors affiliation date source url tags topic topics".split()
)


class _FrontMatterRefused(yaml.YAMLError):
    """Front matter that parses but is refused; the message is the warning to report."""


class _FrontMatterLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` for untrusted front matter.

    * Aliases (``*name``) are refused: nested ones expand exponentially (a
      few hundred bytes become gigabytes) and a self-reference builds a
      cycle that nothing downstream can walk.  Metadata has no use for them.
    * Nesting deeper than ``_MAX_DEPTH`` is refused before PyYAML's recursive
      composer runs out of stack.
    * Impossible timestamps (``2023-02-30``) stay strings, so the date is
      reported as unreadable instead of throwing away every other key.
    * Integers longer than ``_MAX_INT_CHARS`` stay strings: converting them is
      quadratic (base 60) or fails later in ``json.dumps``.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 - see the class
        if self.check_event(yaml.AliasEvent):
            raise _FrontMatterRefused("front matter uses YAML aliases; ignored")
        self._depth += 1
        if self._depth > _MAX_DEPTH:
            raise _FrontMatterRefused(f"front matter is nested more than {_MAX_DEPTH} levels deep; ignored")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """Build a YAML timestamp, falling back to its text when it is not a real date."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError:
        return loader.construct_scalar(node)  # type: ignore[arg-type]


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """Build a YAML integer, keeping an overlong one as its text."""
    text = loader.construct_scalar(node)  # type: ignore[arg-type]
    if len(text) > _MAX_INT_CHARS:
        return text
    return yaml.SafeLoader.construct_yaml_int(loader, node)  # type: ignore[arg-type]


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_FrontMatterLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)

# PyYAML's parser in C (libyaml), when installed: the pure-Python scanner
# was most of the time spent reading a Markdown file.  Its composer cannot
# refuse aliases or deep nesting, so ``_load_front_matter`` checks the
# events first; the constructors are the same as ``_FrontMatterLoader``'s.
_CLoader: Any = getattr(yaml, "CSafeLoader", None)
if _CLoader is not None:
    class _CFrontMatterLoader(_CLoader):  # type: ignore[misc, valid-type]
        """``yaml.CSafeLoader`` with ``_FrontMatterLoader``'s timestamp and integer constructors."""

    _CFrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
    _CFrontMatterLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
    _CLoader = _CFrontMatterLoader


def _load_front_matter(source: str) -> Any:
    """``yaml.load`` with ``_FrontMatterLoader``, through libyaml when it gives the same answer.

    libyaml is used only when its events show no alias and no node deeper
    than ``_MAX_DEPTH`` (as ``_FrontMatterLoader.compose_node`` counts them)
    and it parses without error; anything else goes to the Python loader,
    so refusals, errors and their messages stay the Python loader's.
    """
    if _CLoader is not None:
        try:
            depth = 0
            for event in yaml.parse(source, Loader=_CLoader):
                if isinstance(event, yaml.AliasEvent):
                    raise _FrontMatterRefused("alias")
                if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                    depth += 1
                    if depth > _MAX_DEPTH:
                        raise _FrontMatterRefused("deep")
                elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                    depth -= 1
                elif isinstance(event, yaml.ScalarEvent) and depth + 1 > _MAX_DEPTH:
                    raise _FrontMatterRefused("deep")
            return yaml.load(source, Loader=_CLoader)  # noqa: S506 (a safe loader)
        except Exception:  # noqa: BLE001 - the Python loader gives the answer and the message
            pass
    return yaml.load(source, Loader=_FrontMatterLoader)  # noqa: S506 (a safe loader)


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
        doc.title = _first_heading(body)
        if not doc.title:
            doc.title = title_from_id(doc_id)
            warnings.append(f"no title found; using the file name {doc.title!r}")
    doc.title = cap_title(doc.title, warnings)
    if not doc.authors:
        warnings.append("no author found")
    if doc.date is None and not any(w.startswith("unreadable date") for w in warnings):
        warnings.append("no date found")
    doc.warnings = warnings
    return doc


def _first_heading(body: str) -> str:
    """The text of the first non-empty ``# heading`` in ``body``, or ``""``.

    Looks at the first few headings only: a file of a million empty ones
    must not cost a million inline passes.
    """
    for match in itertools.islice(_HEADING.finditer(body), _MAX_HEADINGS_FOR_TITLE):
        text = _plain_inline(match["text"].rstrip(" \t#")).strip()
        if text:
            return text
    return ""


def _split_front_matter(text: str, warnings: list[str]) -> tuple[dict[str, Any], str]:
    """Separate YAML front matter from the body.

    Malformed front matter makes the whole text the body (it may be a
    ``---`` rule, not front matter at all); front matter that is refused
    (aliases, too deep, too large) is dropped and the body after it kept.
    """
    stripped = text.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    if first.strip() != "---":
        warnings.append("no front matter")
        return {}, text
    end = _FRONT_MATTER_END.search(rest)
    if not end:
        warnings.append("front matter is not closed by '---'; reading the whole file as body")
        return {}, text
    source, body = rest[: end.start()], rest[end.end():]
    if len(source) > _MAX_FRONT_MATTER_CHARS:
        warnings.append(f"front matter is larger than {_MAX_FRONT_MATTER_CHARS // 1024} KB; ignored")
        return {}, body
    try:
        meta = _load_front_matter(source)
    except _FrontMatterRefused as exc:
        warnings.append(str(exc))
        return {}, body
    except Exception as exc:  # noqa: BLE001 - hostile YAML fails in many ways; the text is still worth indexing
        reason = " ".join(str(exc).split())[:200]
        warnings.append(f"malformed front matter ({reason}); reading the whole file as body")
        return {}, text
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        warnings.append("front matter is not a mapping of keys to values; ignoring it")
        return {}, text
    return meta, body


def _apply_front_matter(doc: Document, meta: dict[str, Any], warnings: list[str]) -> None:
    """Fill ``doc`` from front matter keys; unknown keys go to ``extra``."""
    meta = {valid_text(str(key)).strip().lower(): value for key, value in meta.items()}
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
    return one_line(str(value))


def _as_list(value: Any) -> list[str]:
    """A YAML list as a list of non-empty strings; any other value is one item.

    A string is one item even with commas in it (``"Commerce, Navy, and
    Union"`` is one topic): lists are written as YAML lists.
    """
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
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
    """Convert YAML values (dates, nested containers, odd scalars) into JSON-ready ones.

    ``.nan`` and ``.inf`` become ``None`` (JSON ``null``, as the web API
    shows them): bare ``NaN`` is not JSON.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return valid_text(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {valid_text(str(key)): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(item) for item in value]
    return valid_text(str(value))


# ---------------------------------------------------------------------------
# Markdown to plain text, for indexing
# ---------------------------------------------------------------------------
#
# Every pattern here must stay linear in the length of the text: files come
# from whoever can write to the source folder.  Python's ``re`` backtracks, so
# a pattern is quadratic when a failed attempt at one position rescans text
# that attempts at the following positions rescan again.  The rules below
# avoid that by never letting one quantifier run over the character that
# starts the next attempt (``[^\[\]]`` inside a link, ``[^*]`` inside
# emphasis), by never putting two quantifiers over the same characters side
# by side, and by trimming the ends of headings in code.
# tests/test_reader_limits.py times every shape that used to be quadratic.

_MD_RULES: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"^ {0,3}(?:```|~~~).*$", re.MULTILINE), ""),           # code fence markers
    (re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]+\S.*$", re.MULTILINE), ""),  # link definitions
    # Horizontal rules.  The look-ahead (one fast character-class scan) keeps
    # the grouped repeat, slow to backtrack, away from lines that are not rules.
    (re.compile(r"^(?=[-*_ \t]+$) {0,3}(?:[-*_][ \t]*){3,}$", re.MULTILINE), ""),
    (re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$", re.MULTILINE), ""),         # setext underlines
    (re.compile(r"^ {0,3}#{1,6}[ \t]+(.*)$", re.MULTILINE),             # ATX headings
     lambda m: m[1].rstrip(" \t#")),
    (re.compile(r"^ {0,3}(?:>[ \t]?)+", re.MULTILINE), ""),             # blockquote markers
    (re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+", re.MULTILINE), ""),  # list markers
    # Table rules (| --- | :-: |): spaces around a pipe are matched only
    # together with the pipe, so no two space runs are adjacent; the
    # look-ahead again keeps other lines away from the grouped repeat.
    (re.compile(r"^(?=[-|: \t]+$)[ \t]*(?:\|[ \t]*)?:?-{3,}:?(?:[ \t]*\|[ \t]*:?-{3,}:?)*[ \t]*(?:\|[ \t]*)?$",
                re.MULTILINE), ""),
]

_INLINE_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"!\[([^\[\]]*)\]\([^()]*\)"), r"\1"),                 # images → alt text
    (re.compile(r"\[([^\[\]]+)\]\([^()]*\)"), r"\1"),                  # inline links
    (re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]"), r"\1"),                # reference links
    (re.compile(r"<((?:https?|mailto):[^<>\s]+)>"), r"\1"),            # autolinks
    (re.compile(r"</?[A-Za-z][^<>]*>"), ""),                           # HTML tags
    (re.compile(r"`+([^`]*)`+"), r"\1"),                               # inline code
]
# Emphasis never spans a delimiter of its own kind; nested emphasis
# (``**a *b* c**``) is undone from the inside out, one pass per level.
_EMPHASIS = [
    re.compile(r"(\*{1,3})(?=[^\s*])([^*\n]*[^\s*])\1"),                # *em*, **strong**
    re.compile(r"~~(?=[^\s~])([^~\n]*[^\s~])~~"),                       # ~~del~~
    re.compile(r"\b(_{1,3})(?=[^\s_])([^_\n]*[^\s_])\1(?!\w)"),          # _em_, not snake_case
]
_EMPHASIS_LEVELS = 3
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")


def markdown_to_text(md: str) -> str:
    """Strip Markdown syntax to plain text for indexing, keeping paragraph breaks.

    Removes heading, list, quote and code-fence markers, emphasis, HTML tags
    and comments, and link/image syntax (keeping the visible text).  Not a
    full Markdown parser: odd constructs may leave stray characters, which is
    harmless for search.  Linear in the length of ``md``.
    """
    text = _strip_comments(normalise_newlines(md))
    for pattern, replacement in _MD_RULES:
        text = pattern.sub(replacement, text)
    text = _plain_inline(text)
    return tidy_text(text.replace("|", " "))


def _strip_comments(text: str) -> str:
    """Remove ``<!-- ... -->`` comments; an unclosed one is left as text.

    A loop of ``find`` instead of ``<!--.*?-->``: the lazy pattern rescans
    to the end of the text from every unclosed ``<!--``.
    """
    parts: list[str] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        end = text.find("-->", start + 4) if start >= 0 else -1
        if end < 0:
            parts.append(text[pos:])
            return "".join(parts)
        parts.append(text[pos:start])
        pos = end + 3


def _plain_inline(text: str) -> str:
    """Strip inline Markdown (links, images, emphasis, code, HTML) from a span of text."""
    for pattern, replacement in _INLINE_RULES:
        text = pattern.sub(replacement, text)
    for _ in range(_EMPHASIS_LEVELS):
        before = text
        text = _EMPHASIS[0].sub(r"\2", text)
        text = _EMPHASIS[1].sub(r"\1", text)
        text = _EMPHASIS[2].sub(r"\2", text)
        if text == before:
            break
    text = _ESCAPE.sub(r"\1", text)
    return html.unescape(text)

"""Turning document text into safe HTML, with matched words highlighted.

Two rules hold for everything here:

* Text from documents is escaped, or, for Markdown, rendered and then cleaned
  with an allowlist (bleach), before anything is marked safe.
* Highlighting never touches markup: it works on the text of the document and
  inserts ``<mark>`` around the engine's match spans, so a query cannot
  reach inside a tag or an attribute.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import threading
from collections import OrderedDict
from html.parser import HTMLParser
from typing import Any, Callable

import bleach
import markdown
from bleach.linkifier import LinkifyFilter, build_url_re
from bleach.sanitizer import Cleaner
from markdown.extensions import Extension
from markupsafe import Markup

from search import Document, Index, Snippet

__all__ = [
    "render_body",
    "RenderedBody",
    "markdown_to_safe_html",
    "rendered_markdown",
    "markdown_refusal",
    "safe_snippet",
    "safe_url",
    "display_date",
    "FIRST_MATCH_ID",
]

FIRST_MATCH_ID = "first-match"

# What Markdown may produce and keep.  No <img>: a picture would be fetched
# from another server, which the page must not do (CSP img-src 'self').
# No <mark>: the only marks on the page are the highlights we insert.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"], "th": ["colspan", "rowspan"], "td": ["colspan", "rowspan"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"

_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")


class _EscapeRawHtml(Extension):
    """Show raw HTML written in a Markdown document as text instead of passing it on.

    Commentary is prose; HTML pasted into it is junk or hostile.  Escaping it
    shows the reader exactly what the file holds, where stripping would make
    words silently disappear (and leave the text of a <style> or <script>).
    """

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API name
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def _link_attributes(attrs: dict[Any, str], new: bool = False) -> dict[Any, str] | None:
    """bleach callback: keep links to http(s)/mailto only, and mark them nofollow noopener."""
    href = attrs.get((None, "href"), "")
    scheme = href.split(":", 1)[0].lower() if ":" in href.split("/", 1)[0] else ""
    if not href or (scheme and scheme not in ALLOWED_PROTOCOLS):
        return None  # bleach then drops the <a> and keeps its text
    attrs[(None, "rel")] = LINK_REL
    return attrs


# bleach's Cleaner holds parser state and is not thread-safe: one per thread.
_local = threading.local()


def _cleaner() -> Cleaner:
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        # Only http(s) text is turned into links; bleach's default list would
        # also linkify data: and other schemes, after its sanitizer has run.
        url_re = build_url_re(protocols=["http", "https"])

        def make_filter(source: Any) -> Any:
            return LinkifyFilter(source, callbacks=[_link_attributes], skip_tags={"pre", "code"}, url_re=url_re)

        cleaner = Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
            filters=[make_filter],
        )
        _local.cleaner = cleaner
    return cleaner


_HEADING_TAG = re.compile(r"<(/?)h([1-5])>")


# Python-Markdown is quadratic in some shapes (runs of "[" in one paragraph,
# thousands of entities) and recursive in nesting; at about 8 ms a kilobyte
# even for ordinary prose it is also slow.  A document beyond these bounds is
# shown as escaped text instead (see ``markdown_refusal``).  Measured on the
# development machine (2 cores): at these bounds every shape tried renders in
# under half a second, once per document version thanks to the cache.
MAX_MARKDOWN_CHARS = 100_000   # about 15,000 words
MAX_NESTING = 16               # list or quote levels (4 columns of indent each)
# Each markup character of a paragraph can make the inline patterns rescan
# the rest of that paragraph, so the work is bounded by the sum, over
# paragraphs, of length times markup characters.  Ordinary prose scores about
# 10 a character (a 100,000-character piece: about a million).
MARKUP_CHARS = "[`*_<&\\!|"
MAX_INLINE_WORK = 2_000_000
HIGHLIGHT_CHARS = 500_000      # characters of a plain body searched for matches to mark
RENDER_CACHE_SIZE = 256        # rendered documents kept (by content)

_BLOCK_BREAK = re.compile(r"\n[ \t]*\n")
_LINE_START = re.compile(r"^([ \t>]*)", re.MULTILINE)


def markdown_refusal(source: str) -> str | None:
    """Why ``source`` is not rendered as Markdown (too large, deep or costly), or None.

    Linear in the source: a few counts and one pass over line starts.
    """
    if len(source) > MAX_MARKDOWN_CHARS:
        return f"longer than {MAX_MARKDOWN_CHARS:,} characters"
    for m in _LINE_START.finditer(source):
        lead = m.group(1)
        columns = len(lead.expandtabs(4).replace(">", ""))
        if lead.count(">") > MAX_NESTING or columns >= 4 * MAX_NESTING:
            return f"nested more than {MAX_NESTING} levels deep"
    work = 0
    for block in _BLOCK_BREAK.split(source):
        work += len(block) * sum(block.count(char) for char in MARKUP_CHARS)
    if work > MAX_INLINE_WORK:
        return "too much inline markup"
    return None


class _RenderCache:
    """Rendered Markdown by content: each document version is rendered once.

    Keyed by a digest of the source, so a changed document (a new index
    generation) gets a new entry and stale ones age out; least recently used
    entries go first.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[bytes, str | None] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, source: str, render: Callable[[str], str | None]) -> str | None:
        key = hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = render(source)  # outside the lock: two threads may render one document once each
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


_render_cache = _RenderCache(RENDER_CACHE_SIZE)


def rendered_markdown(source: str) -> str | None:
    """``markdown_to_safe_html(source)``, cached; None when it is refused or fails.

    None means: show the source as escaped text.  Never raises for content.
    """
    return _render_cache.get(source, _render_or_none)


def _render_or_none(source: str) -> str | None:
    if markdown_refusal(source) is not None:
        return None
    try:
        return markdown_to_safe_html(source)
    except RecursionError:  # a nesting shape the checks above did not foresee
        return None


def markdown_to_safe_html(source: str) -> str:
    """Markdown rendered to HTML and cleaned down to the allowlist.

    Headings move one level down (``#`` becomes ``<h2>``): the page's only
    ``<h1>`` is the document's title, which keeps the outline sound.  This
    renders unconditionally; pages use ``rendered_markdown``, which bounds
    the cost and caches.
    """
    md = markdown.Markdown(extensions=["fenced_code", "tables", "sane_lists", _EscapeRawHtml()])
    cleaned = _cleaner().clean(md.convert(source))
    # Safe on cleaned output: headings carry no attributes there, and any "<"
    # in text is escaped, so only real heading tags match.
    return _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}>", cleaned)


class RenderedBody:
    """A document body as safe HTML, and how many matches were highlighted in it."""

    def __init__(self, html_text: str, matches: int) -> None:
        self.html = Markup(html_text)
        self.matches = matches


def render_body(doc: Document, index: Index | None = None, query: str = "") -> RenderedBody:
    """The body of ``doc`` as safe HTML; with a query, its matches in ``<mark>``.

    The first mark gets ``id="first-match"`` so a link can jump to it.
    Markdown is rendered and cleaned; plain text, and Markdown too large or
    too intricate to render safely, becomes escaped paragraphs.
    """
    query = query.strip()
    highlighting = bool(query and index is not None)
    cleaned = rendered_markdown(doc.body) if doc.format == "markdown" else None
    if cleaned is not None:
        if not highlighting:
            return RenderedBody(cleaned, 0)
        assert index is not None
        return _highlight_markup(cleaned, lambda text: index.match_spans(text, query))
    if highlighting:
        assert index is not None
        # highlight() escapes every character it does not wrap in <mark>, and
        # never puts a line break inside a mark, so splitting its output into
        # paragraphs afterwards is safe.
        # Highlighting tokenizes what it marks (about 0.2 µs a character):
        # past HIGHLIGHT_CHARS a huge body is shown escaped, unmarked.
        head = _head(doc.body, HIGHLIGHT_CHARS)
        marked = index.highlight(head, query) + html.escape(doc.body[len(head):])
    else:
        marked = html.escape(doc.body)
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(marked.strip()) if p.strip()]
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    count = body.count("<mark>")
    if count:
        body = body.replace("<mark>", f'<mark id="{FIRST_MATCH_ID}">', 1)
    return RenderedBody(body, count)


def _head(text: str, limit: int) -> str:
    """At most ``limit`` characters of ``text``, ending at a line break or space if one is near."""
    if len(text) <= limit:
        return text
    cut = max(text.rfind("\n", limit - 1000, limit), text.rfind(" ", limit - 1000, limit))
    return text[:cut if cut > 0 else limit]


class _TextNodeHighlighter(HTMLParser):
    """Re-emits clean HTML unchanged except for ``<mark>`` inside text nodes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[tuple[str, str]] = []  # ("tag", raw markup) or ("text", unescaped text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(("tag", self.get_starttag_text() or ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(("tag", self.get_starttag_text() or ""))

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(("tag", f"</{tag}>"))

    def handle_data(self, data: str) -> None:
        self.parts.append(("text", data))


def _highlight_markup(clean_html: str, spans_of: Callable[[str], list[tuple[int, int]]]) -> RenderedBody:
    """Wrap matches in the text nodes of already-clean HTML in ``<mark>``.

    The text nodes are joined (with line breaks, which no match spans) so the
    engine sees the document's words in order and a phrase split by inline
    markup still matches; spans are then cut back to their nodes.
    """
    parser = _TextNodeHighlighter()
    parser.feed(clean_html)
    parser.close()
    texts = [(i, text) for i, (kind, text) in enumerate(parser.parts) if kind == "text"]
    joined, starts, pos = [], [], 0
    for _, text in texts:
        starts.append(pos)
        joined.append(text)
        pos += len(text) + 1
    spans = spans_of("\n".join(joined))
    out = [part if kind == "tag" else html.escape(part) for kind, part in parser.parts]
    count, next_span = 0, 0
    for (index, text), start in zip(texts, starts):
        # Spans and nodes are both in text order: walk them together.
        local = []
        while next_span < len(spans) and spans[next_span][0] < start + len(text):
            s, e = spans[next_span]
            if s >= start and e <= start + len(text):
                local.append((s - start, e - start))
            next_span += 1
        if local:
            # The engine's one renderer of text and spans (search.Snippet).
            out[index] = Snippet(text, local).html()
            count += len(local)
    body = "".join(out)
    # Tags come from the cleaner, which allows no <mark>, and text is
    # escaped: the first "<mark>" is the first match.
    return RenderedBody(body.replace("<mark>", f'<mark id="{FIRST_MATCH_ID}">', 1), count)


_SNIPPET_TAG = re.compile(r"</?mark>")


def safe_snippet(snippet: str) -> Markup:
    """A hit's snippet as Markup, after checking it holds no markup but ``<mark>``.

    The engine promises escaped text with only ``<mark>`` tags; if that
    promise is ever broken, the snippet is shown escaped rather than trusted.
    """
    rest = _SNIPPET_TAG.sub("", snippet)
    if "<" in rest or ">" in rest or snippet.count("<mark>") != snippet.count("</mark>"):
        return Markup.escape(html.unescape(_SNIPPET_TAG.sub("", snippet)))
    return Markup(snippet)


def safe_url(url: str) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (never a javascript: link)."""
    url = (url or "").strip()
    if re.match(r"^https?://[^\s/]", url, re.IGNORECASE) and not any(c in url for c in "\"'<> \t\r\n"):
        return url
    return None


def display_date(value: str | None) -> str:
    """``2023-03-19`` as ``19 March 2023``; anything unreadable as given; None as ``Undated``."""
    if not value:
        return "Undated"
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"

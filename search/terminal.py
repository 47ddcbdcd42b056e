"""Text for a terminal: control characters made harmless, snippets wrapped.

Everything the CLI prints that came from a document, a file name or an
error goes through ``clean`` first: a title holding ``ESC ] 0 ; owned BEL``
would otherwise retitle the window, and other sequences can move the cursor,
rewrite lines already printed or paste text into the shell.  Control
characters are shown as visible symbols (U+241B for ESC) rather than
dropped, so a reader can see that something odd is there.
"""

from __future__ import annotations

import json
import re
import shutil
from typing import Any, Callable, Sequence

__all__ = ["clean", "json_text", "wrap_snippet", "terminal_width"]

# C0 controls (tab and newline aside), DEL and the C1 controls: the
# characters a terminal acts on instead of showing.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")
_LINE_BREAKS = re.compile(r"[\t\n]")
# Outside JSON strings nothing can hold a control character; inside them
# json.dumps escapes C0 but leaves DEL and C1 raw when ensure_ascii is off.
_JSON_RAW = re.compile(r"[\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control picture": ␛ for ESC
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def clean(text: Any, *, lines: bool = False) -> str:
    """``text`` safe to print: control characters shown as symbols.

    With ``lines`` newlines and tabs are kept (document bodies); otherwise
    they become spaces, so one value cannot fake another line of output.
    """
    text = _CONTROL.sub(_visible, str(text))
    return text if lines else _LINE_BREAKS.sub(" ", text)


def json_text(data: Any) -> str:
    """``data`` as indented JSON, readable (not ASCII-escaped) and safe to print."""
    dumped = json.dumps(data, indent=2, ensure_ascii=False)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


def terminal_width(default: int = 80) -> int:
    """Columns of the terminal (``$COLUMNS`` first), at least 40."""
    return max(40, shutil.get_terminal_size((default, 24)).columns)


def wrap_snippet(text: str, spans: Sequence[tuple[int, int]], width: int, indent: int,
                 emphasis: Callable[[str], str]) -> list[str]:
    """Plain ``text`` as terminal lines of at most ``width`` columns.

    Every line starts with ``indent`` spaces (a hanging indent under the
    hit's number); the characters of ``spans`` (a ``Snippet``'s match spans)
    are passed through ``emphasis``.  Lines break between words; a word
    longer than a line is cut.
    """
    room = max(10, width - indent)
    words: list[list[tuple[str, bool]]] = []  # each word: runs of (text, marked)
    current: list[tuple[str, bool]] = []
    for part, marked in _runs(text, spans):
        for piece in re.split(r"(\s+)", clean(part)):
            if not piece:
                continue
            if piece.isspace():
                if current:
                    words.append(current)
                current = []
            else:
                current.append((piece, marked))
    if current:
        words.append(current)

    lines: list[str] = []
    line: list[str] = []
    used = 0
    for word in words:
        size = sum(len(t) for t, _ in word)
        if line and used + 1 + size > room:
            lines.append(" ".join(line))
            line, used = [], 0
        while size > room:  # a run of characters longer than a line
            head, word = _cut(word, room)
            lines.append(_styled(head, emphasis))
            size -= room
        used += size + (1 if line else 0)
        line.append(_styled(word, emphasis))
    if line:
        lines.append(" ".join(line))
    return [" " * indent + text for text in lines]


def _runs(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut into runs of (characters, inside a span)."""
    runs, pos = [], 0
    for start, end in spans:
        if start < pos or end > len(text):
            continue
        runs += [(text[pos:start], False), (text[start:end], True)]
        pos = end
    runs.append((text[pos:], False))
    return [(part, marked) for part, marked in runs if part]


def _styled(word: list[tuple[str, bool]], emphasis: Callable[[str], str]) -> str:
    return "".join(emphasis(text) if marked else text for text, marked in word)


def _cut(word: list[tuple[str, bool]], room: int) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """The first ``room`` characters of a word's runs, and the rest."""
    head: list[tuple[str, bool]] = []
    rest: list[tuple[str, bool]] = []
    left = room
    for text, marked in word:
        if left >= len(text):
            head.append((text, marked))
            left -= len(text)
        elif left > 0:
            head.append((text[:left], marked))
            rest.append((text[left:], marked))
            left = 0
        else:
            rest.append((text, marked))
    return head, rest

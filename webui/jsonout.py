"""JSON responses that are valid JSON whatever a document carries.

Python's ``json`` writes ``NaN`` and ``Infinity`` for non-finite floats,
which no JSON parser must accept, and fails outright on values it does not
know.  Documents carry arbitrary front matter (``score: .nan``) and the
Python API takes arbitrary ``extra`` values, so every JSON the web UI sends
goes through ``json_ready`` first.

``json_ready`` walks every value in Python, and a search answer at 100,000
documents holds thousands of facet values (about 40 KB of JSON): the walk
cost more than the encoding.  So ``json_response`` first lets the C encoder
try strictly (non-finite floats and unknown types raise instead of being
written) and walks only when that fails, which for a search answer is never:
documents' ``extra`` is made JSON-safe when they are read.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask import Response, current_app

__all__ = ["json_response", "json_ready"]


def json_ready(value: Any) -> Any:
    """``value`` with only JSON types left: non-finite floats become None.

    Dates become ISO strings, sets and tuples lists, mapping keys strings,
    and anything else its ``str``.
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_key(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [json_ready(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (dt.date, dt.time)):  # datetime is a date
        return value.isoformat()
    return str(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, float) and not math.isfinite(key):
        return "null"
    ready = json_ready(key)
    return ready if isinstance(ready, str) else str(key)


def json_response(data: Any) -> Response:
    """``data`` as a JSON response, laid out as ``jsonify`` lays it out: always valid JSON.

    Identical to ``jsonify(json_ready(data))`` except for ``None`` and ``bool``
    mapping keys, which come out as JSON spells them (``"null"``, ``"true"``).
    """
    try:
        body = _dumps(data, allow_nan=False, default=_unknown)
    except (ValueError, TypeError):  # a non-finite float, an unknown type, or keys that do not sort
        body = _dumps(json_ready(data))
    return current_app.response_class(body + "\n", mimetype=current_app.json.mimetype)


def _dumps(data: Any, **options: Any) -> str:
    """The app's JSON encoding (sorted keys, ASCII), compact unless debugging, as ``jsonify``."""
    layout: dict[str, Any] = {"indent": 2} if current_app.debug else {"separators": (",", ":")}
    return current_app.json.dumps(data, **layout, **options)


def _unknown(value: Any) -> Any:
    """Refuse what plain JSON has no type for, so that ``json_ready`` decides what it becomes."""
    raise TypeError(f"{type(value).__name__} is not plain JSON")

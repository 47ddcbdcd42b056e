"""JSON responses that are valid JSON whatever a document carries.

Python's ``json`` writes ``NaN`` and ``Infinity`` for non-finite floats,
which no JSON parser must accept, and fails outright on values it does not
know.  Documents carry arbitrary front matter (``score: .nan``) and the
Python API takes arbitrary ``extra`` values, so every JSON the web UI sends
goes through ``json_ready`` first.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask import Response, jsonify

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
    """``jsonify(data)`` after ``json_ready``: always valid JSON."""
    return jsonify(json_ready(data))

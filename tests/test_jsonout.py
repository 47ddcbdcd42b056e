"""``webui.jsonout.json_response``: the C encoder's strict pass, and the ``json_ready`` walk when it fails.

Both paths must give the bytes ``jsonify(json_ready(value))`` gives, so
that which one ran never shows in an answer.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from flask import Flask, jsonify

from webui.jsonout import json_ready, json_response

PLAIN = {"query": "policy", "total": 2, "took": 0.0123, "suggestion": None,
         "hits": [{"id": "a.md", "title": "Caf\u00e9 \u201cpolicy\u201d", "score": 1.5, "tags": ["x", "y"]}],
         "facets": {"year": [{"value": 2024, "count": 2, "adds": None, "selected": False}]}}
# Each needs the walk: a non-finite float, a date, a set, keys that do not sort, a nested NaN in a tuple.
NEEDS_WALK = [{"score": math.nan}, {"when": dt.date(2020, 1, 2)}, {"tags": {"b", "a"}}, {1: "one", "two": 2},
              {"nested": {"pair": (1.5, -math.inf)}}, {"raw": b"bytes"}]


@pytest.fixture(params=[False, True], ids=["compact", "debug"])
def flask_app(request):
    app = Flask(__name__)
    app.debug = request.param  # jsonify indents in debug mode: so must the fast path
    with app.app_context():
        yield app


@pytest.mark.parametrize("value", [PLAIN, *NEEDS_WALK])
def test_json_response_gives_the_bytes_jsonify_of_json_ready_gives(flask_app, value):
    answer = json_response(value)
    assert answer.mimetype == "application/json"
    assert answer.get_data() == jsonify(json_ready(value)).get_data()


def test_the_walk_replaces_what_strict_json_refuses(flask_app):
    assert json_response({"score": math.inf, "when": dt.date(2020, 1, 2)}).get_json() == {
        "score": None, "when": "2020-01-02"}

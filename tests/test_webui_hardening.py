"""The web UI against hostile URLs and documents (issue 8, items 11-17).

Each test reproduces one way a request could cost unbounded work, answer
500, emit invalid JSON or build links from the client's ``Host`` header,
and checks it no longer can.  Indexes are real, on disk; the server tests
run a real ``commentary serve``.
"""

from __future__ import annotations

import json
import math
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import search
from live_server import running_server
from webui import create_app
from webui.jsonout import json_ready
from webui.params import MAX_FILTER_VALUES, MAX_Q_CHARS, MAX_VALUE_CHARS, MAX_VALUES_PER_FILTER
from webui.render import MAX_NESTING, markdown_refusal, rendered_markdown

ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


def strict_json(data: bytes) -> object:
    """Parse JSON as a strict parser would: NaN and Infinity are errors."""
    def refuse(name: str) -> object:
        raise ValueError(f"not JSON: {name}")
    return json.loads(data, parse_constant=refuse)


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.data[:300])
    assert response.content_type == "application/json"
    body = strict_json(response.data)
    assert set(body) == {"ok", "status", "error"} and body["ok"] is False and body["status"] == status
    return body


# -- 11: filter values ---------------------------------------------------------------------------


def test_two_thousand_filter_values_are_refused_fast(client):
    values = [f"Author {i}" for i in range(2000)]
    for path in ("/api/search", "/search", "/search.atom", "/author/Li%20Wei"):
        started = time.perf_counter()
        response = client.get(path, query_string={"q": "policy", "author": values, "tag": values, "format": "json"})
        elapsed = time.perf_counter() - started
        body = assert_error_shape(response, 400)
        assert "at most" in body["error"]
        assert elapsed < 2.0, (path, elapsed)  # was 69 s; generous for a shared machine


def test_filter_caps_are_exact(client):
    ok = [f"v{i}" for i in range(MAX_VALUES_PER_FILTER)]
    assert client.get("/api/search", query_string={"author": ok}).status_code == 200
    assert_error_shape(client.get("/api/search", query_string={"author": ok + ["one more"]}), 400)
    # Within each filter's cap but over the cap for all filters together.
    half = MAX_FILTER_VALUES // 2
    spread = {"author": ok[:half], "tag": ok[:half], "source": ["one more"]}
    assert client.get("/api/search", query_string={"author": ok[:half], "tag": ok[:half]}).status_code == 200
    assert "in all" in assert_error_shape(client.get("/api/search", query_string=spread), 400)["error"]
    assert client.get("/api/search", query_string={"tag": "x" * MAX_VALUE_CHARS}).status_code == 200
    assert_error_shape(client.get("/api/search", query_string={"tag": "x" * (MAX_VALUE_CHARS + 1)}), 400)


def test_page_at_the_caps_stays_small(client):
    """Every link repeats the search: at the caps, the page is still bounded."""
    values = [f"{i:02d}" + "é" * (MAX_VALUE_CHARS - 2) for i in range(MAX_VALUES_PER_FILTER)]
    response = client.get("/search", query_string={"q": "policy " + "é" * MAX_Q_CHARS,
                                                   "author": values, "source": values})
    assert response.status_code == 200
    # 20 chips and toggles each linking to the other values (percent-encoded,
    # 6 bytes a character) plus q: about 1.5 MB; 2,000 values made 133 MB.
    assert len(response.data) < 3_000_000


def test_long_query_is_cut_not_refused(client):
    response = client.get("/api/search", query_string={"q": "policy " * 1000})
    body = strict_json(response.data)
    assert response.status_code == 200 and body["total"] > 0
    assert len(body["query"]) == MAX_Q_CHARS
    assert "cut" in body["notice"]


# -- 12: Markdown rendering ----------------------------------------------------------------------

HOSTILE_MARKDOWN = {
    "nested.md": "".join("    " * i + "- level\n" for i in range(300)),
    "nested-short.md": "".join("  " * i + "- level\n" for i in range(300)),
    "brackets.md": "[" * 5000 + "x" + "]" * 5000,
    "entities.md": "&amp;" * 100_000,
    "quotes.md": ">" * 300 + " deep\n",
}


@pytest.fixture(scope="module")
def markdown_client(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-md")
    docs = root / "docs"
    docs.mkdir()
    for name, body in HOSTILE_MARKDOWN.items():
        (docs / name).write_text(f"---\ntitle: Hostile {name}\nauthors: [Mal Formed]\n---\n{body}\n", encoding="utf-8")
    (docs / "fine.md").write_text("---\ntitle: Fine\n---\n" + "".join("    " * i + "- item\n" for i in range(4))
                                  + "\nA [link](https://example.org) & *emphasis*.\n", encoding="utf-8")
    search.build_index([docs], index_dir=root / "index")
    app = create_app({"TESTING": True, "INDEX_DIR": str(root / "index")})
    yield app.test_client()
    app.extensions["commentary"].close()


@pytest.mark.parametrize("name", sorted(HOSTILE_MARKDOWN))
def test_hostile_markdown_is_shown_as_text_quickly_never_500(markdown_client, name):
    for path in (f"/doc/{name}", f"/doc/{name}?q=level+deep+x", f"/api/doc/{name}"):
        started = time.perf_counter()
        response = markdown_client.get(path)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (path, response.status_code)
        assert elapsed < 3.0, (path, elapsed)  # 13.6 s and 32 s before; generous for a shared machine
    html = strict_json(markdown_client.get(f"/api/doc/{name}").data)["html"]
    assert "<ul>" not in html and "<blockquote>" not in html  # shown as text, not rendered
    assert "<p>" in html


def test_ordinary_markdown_still_renders(markdown_client):
    html = strict_json(markdown_client.get("/api/doc/fine.md").data)["html"]
    assert html.count("<ul>") == 4  # nested four deep
    assert '<a href="https://example.org" rel="nofollow noopener">link</a>' in html
    assert "<em>emphasis</em>" in html and "&amp;" in html


def test_markdown_refusal_names_the_reason():
    assert markdown_refusal("# Title\n\nSome *prose* with a [link](https://x.org).") is None
    assert "nested" in markdown_refusal("    " * (MAX_NESTING + 1) + "- deep")
    assert "nested" in markdown_refusal(">" * (MAX_NESTING + 1) + " deep")
    assert "longer" in markdown_refusal("word " * 30_000)
    assert "markup" in markdown_refusal("[" * 3000)
    # Many brackets spread over short paragraphs cost little and render.
    assert markdown_refusal("\n\n".join("[a](https://x.org) and [b](https://y.org)" for _ in range(200))) is None


def test_rendering_is_cached_by_content():
    source = "Cached *once* " + str(random.random())
    first = rendered_markdown(source)
    assert first is not None and "<em>once</em>" in first
    assert rendered_markdown(source) is first  # the same object: not rendered again
    assert rendered_markdown(source + " changed") is not first


# -- 13: one huge document -----------------------------------------------------------------------

_WORDS = ("the government of the union shall protect liberty and commerce across several "
          "states while taxes remain and tariffs fall").split()


def _essays() -> list[dict]:
    return [{"id": f"essay-{i}.txt", "title": f"Essay {i}", "authors": [f"Writer {i}"],
             "body": "The tariffs debate continues among merchants and farmers. " * 40} for i in range(30)]


@pytest.fixture(scope="module")
def huge_indexes(tmp_path_factory):
    """The same essays without and with a 10 MB document that matches too."""
    root = tmp_path_factory.mktemp("huge")
    rng = random.Random(8)
    huge = " ".join(rng.choice(_WORDS) for _ in range(1_750_000))[:10_000_000]
    assert len(huge) == 10_000_000
    # A word that only occurs deep inside, to check the snippet still finds it.
    middle = len(huge) // 2
    huge = huge[:middle] + " platypus " + huge[middle:]
    search.build_index(documents=_essays(), index_dir=root / "small")
    search.build_index(documents=[*_essays(), {"id": "huge.txt", "title": "Huge", "body": huge}],
                       index_dir=root / "with-huge")
    small, big = search.open_index(root / "small"), search.open_index(root / "with-huge")
    yield small, big
    small.close()
    big.close()


def _best_time(index, query: str, runs: int = 5) -> float:
    index.search(query)  # warm the searcher and caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        index.search(query)
        times.append(time.perf_counter() - started)
    return min(times)


def test_a_huge_document_costs_a_search_little(huge_indexes):
    small, big = huge_indexes
    results = big.search("tariffs")
    assert "huge.txt" in [h.id for h in results.hits]
    snippet = next(h.snippet for h in results.hits if h.id == "huge.txt")
    assert "<mark>tariffs</mark>" in snippet and len(snippet) < 600
    without, with_huge = _best_time(small, "tariffs"), _best_time(big, "tariffs")
    # Re-tokenizing the 10 MB body for its snippet made this ratio about
    # 5,000 (12-15 s against 3 ms); reading the whole stored body kept it
    # near 40 until hits read only its stored opening (search.storedtext).
    assert with_huge < 250 * without, (with_huge, without)


def _extra_cpu(small, big, query: str, runs: int = 5) -> float:
    """CPU seconds a search costs more on the index with the huge document (best of ``runs``)."""
    def best(index) -> float:
        index.search(query)  # warm the searcher and caches
        times = []
        for _ in range(runs):
            started = time.process_time()
            index.search(query)
            times.append(time.process_time() - started)
        return min(times)
    return best(big) - best(small)


def test_a_huge_document_costs_a_search_a_bounded_amount(huge_indexes):
    """Issue 7: a search matching a 10 MB document costs at most 50 ms more.

    Every hit decompressed the whole stored body (about 60 ms for this one),
    and a phrase decoded its words' 100,000 positions in a Python loop
    (about 150 ms).  CPU time, best of five, so that a busy machine does
    not count; the phrase gets twice the budget as a margin.
    """
    small, big = huge_indexes
    assert "huge.txt" in [h.id for h in big.search('"tariffs fall"').hits]
    assert _extra_cpu(small, big, "tariffs") < 0.050
    assert _extra_cpu(small, big, '"tariffs fall"') < 0.100


def test_the_whole_of_a_huge_document_is_still_there(huge_indexes):
    _, big = huge_indexes
    text = big.get_text("huge.txt")
    assert len(text) == 10_000_010 and " platypus " in text
    assert big.get("huge.txt").body == text


def test_a_match_deep_inside_a_huge_document_is_shown(huge_indexes):
    _, big = huge_indexes
    hit = big.search("platypus").hits[0]
    assert hit.id == "huge.txt" and "<mark>platypus</mark>" in hit.snippet


def _best_get(client, path: str, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        times.append(time.perf_counter() - started)
    return min(times)


def test_the_page_of_a_huge_document_costs_what_sending_it_does(huge_indexes):
    """"More like this" re-analysed the whole body (15 s), highlighting tokenized all of it."""
    from flask import Flask

    from webui import create_blueprint

    _, big = huge_indexes
    app = Flask(__name__)
    app.register_blueprint(create_blueprint(big))
    client = app.test_client()
    related = big.more_like("huge.txt")
    assert related and "huge.txt" not in [h.id for h in related]
    # The API sends the same body (twice: text and HTML) with neither step.
    sending = _best_get(client, "/api/doc/huge.txt")
    assert _best_get(client, "/doc/huge.txt") < 8 * sending
    assert _best_get(client, "/api/doc/huge.txt?q=tariffs") < 8 * sending
    html = strict_json(client.get("/api/doc/huge.txt?q=tariffs").data)["html"]
    assert '<mark id="first-match">tariffs</mark>' in html


# -- 14: the author redirect ---------------------------------------------------------------------


@pytest.mark.parametrize("arg", ["name", "endpoint", "_anchor", "_method", "_external", "_scheme", "blueprint"])
def test_author_redirect_copies_arguments_as_a_query_string(client, arg):
    response = client.get(f"/author/maria%20%20ALVAREZ?{arg}=x&since=2000", headers={"Host": "evil.example"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil.example" not in location and not urlsplit(location).netloc
    assert urlsplit(location).path == "/author/Maria%20Alvarez"
    assert f"{arg}=x" in urlsplit(location).query and "since=2000" in location
    assert client.get(location).status_code == 200


def test_author_redirect_with_external_stays_relative(client):
    response = client.get("/author/maria%20%20ALVAREZ?_external=1", headers={"Host": "evil.example"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/author/Maria%20Alvarez?_external=1"


# -- 15: the Host header -------------------------------------------------------------------------


def test_base_url_builds_feed_and_opensearch_links(webui_index_dir, monkeypatch):
    monkeypatch.setenv("COMMENTARY_BASE_URL", "https://search.example.org/")
    app = create_app({"TESTING": True, "INDEX_DIR": str(webui_index_dir)})
    try:
        client = app.test_client()
        feed = ET.fromstring(client.get("/search.atom?q=policy", headers={"Host": "evil.example"}).data)
        links = [e.get("href") for e in feed.iter(f"{ATOM}link")] + [e.text for e in feed.iter(f"{ATOM}id")]
        links += [e.text for e in feed.iter(f"{ATOM}uri")]
        assert len(links) > 5
        assert all(link.startswith("https://search.example.org/") for link in links), links
        description = ET.fromstring(client.get("/opensearch.xml", headers={"Host": "evil.example"}).data)
        templates = [e.get("template") for e in description.iter(f"{OPENSEARCH}Url")]
        templates.append(description.find(f"{OPENSEARCH}Image").text)
        assert all(t.startswith("https://search.example.org/") for t in templates), templates
        assert b"evil.example" not in client.get("/search?q=policy", headers={"Host": "evil.example"}).data
    finally:
        app.extensions["commentary"].close()


def test_base_url_keeps_the_url_prefix(webui_index_dir):
    app = create_app({"TESTING": True, "INDEX_DIR": str(webui_index_dir), "URL_PREFIX": "/commentary",
                      "BASE_URL": "https://example.org"})
    try:
        template = ET.fromstring(app.test_client().get("/commentary/opensearch.xml").data).find(f"{OPENSEARCH}Url")
        assert template.get("template") == "https://example.org/commentary/search?q={searchTerms}&page={startPage?}"
    finally:
        app.extensions["commentary"].close()


@pytest.mark.parametrize("path", ["/api//search", "/search//", "/doc//2019/li-trade.md", "/assets//style.css",
                                  "/author//Li%20Wei"])
def test_no_redirect_is_built_from_the_host_header(client, path):
    response = client.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 404 and "Location" not in response.headers


def test_a_prefix_without_its_slash_is_served_not_redirected(webui_index_dir):
    app = create_app({"TESTING": True, "INDEX_DIR": str(webui_index_dir), "URL_PREFIX": "/commentary"})
    try:
        response = app.test_client().get("/commentary?q=policy", headers={"Host": "evil.example"})
        assert response.status_code == 200 and "Location" not in response.headers
        assert b"evil.example" not in response.data
    finally:
        app.extensions["commentary"].close()


def test_without_base_url_links_follow_the_host_header(client):
    """The documented behaviour when BASE_URL is unset (docs/security.md)."""
    feed = ET.fromstring(client.get("/search.atom", headers={"Host": "other.example"}).data)
    assert feed.find(f"{ATOM}id").text.startswith("http://other.example/")


@pytest.mark.parametrize("bad", ["example.org", "javascript:alert(1)", "https://x.org/?a=1", "https://x.org/#f", "ftp://x.org"])
def test_a_malformed_base_url_is_refused_at_start(webui_index_dir, bad):
    with pytest.raises(ValueError, match="BASE_URL"):
        create_app({"TESTING": True, "INDEX_DIR": str(webui_index_dir), "BASE_URL": bad})


# -- 16: NaN and Infinity ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nan_client(tmp_path_factory):
    root = tmp_path_factory.mktemp("nan")
    (root / "docs").mkdir()
    (root / "docs" / "nan.md").write_text(
        "---\ntitle: Not a Number\nauthors: [Nan Writer]\nscore: .nan\nbig: .inf\nsmall: -.inf\n"
        "nested: {a: [1.5, .nan]}\n---\nA body about numbers.\n", encoding="utf-8")
    search.build_index([root / "docs"], index_dir=root / "index")
    app = create_app({"TESTING": True, "INDEX_DIR": str(root / "index")})
    yield app.test_client()
    app.extensions["commentary"].close()


@pytest.mark.parametrize("path", ["/api/doc/nan.md", "/doc/nan.md?format=json", "/api/search?q=numbers",
                                  "/search?q=numbers&format=json", "/author/Nan%20Writer?format=json", "/healthz"])
def test_json_is_valid_with_non_finite_numbers(nan_client, path):
    response = nan_client.get(path)
    assert response.status_code == 200
    body = strict_json(response.data)  # bare NaN made this raise
    if "extra" in body:
        assert body["extra"]["score"] is None and body["extra"]["big"] is None and body["extra"]["small"] is None
        assert body["extra"]["nested"] == {"a": [1.5, None]}


def test_json_ready_makes_anything_json():
    import datetime as dt

    value = {"f": math.inf, 1: {2.5, 1.5}, dt.date(2020, 1, 2): dt.datetime(2020, 1, 2, 3, 4), "b": b"x",
             "t": (1, -math.nan), None: object}
    ready = json_ready(value)
    text = json.dumps(ready, allow_nan=False)
    assert strict_json(text.encode()) == {"f": None, "1": [1.5, 2.5], "2020-01-02": "2020-01-02T03:04:00",
                                          "b": "b'x'", "t": [1, None], "None": "<class 'object'>"}


# -- 17: waitress limits -------------------------------------------------------------------------


def test_serve_options_match_the_server_defaults():
    from webui.server import CHANNEL_TIMEOUT, CONNECTION_LIMIT

    out = subprocess.run([sys.executable, "-m", "webui.cli", "serve", "--help"],
                         capture_output=True, text=True, check=True).stdout
    flat = " ".join(out.split())
    assert f"--connection-limit INTEGER RANGE Most connections open at once. [default: {CONNECTION_LIMIT};" in flat
    assert f"--channel-timeout INTEGER RANGE Seconds an idle connection is kept open. [default: {CHANNEL_TIMEOUT};" in flat


def _serve(index_dir, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "webui.cli", "serve", "--index-dir", str(index_dir), *args],
                          capture_output=True, text=True, timeout=60)


def test_serve_refuses_what_it_cannot_serve_on_in_one_line(webui_index_dir):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        for args in (["--port", str(taken.getsockname()[1])], ["--host", "nosuch.invalid"]):
            done = _serve(webui_index_dir, *args)
            assert done.returncode == 1, (args, done.stdout, done.stderr)
            assert done.stderr.startswith("Error: cannot serve on ") and done.stderr.count("\n") == 1, done.stderr
    finally:
        taken.close()
    for args in (["--threads", "0"], ["--port", "99999"], ["--connection-limit", "0"]):
        done = _serve(webui_index_dir, *args)
        assert done.returncode == 2 and "Invalid value" in done.stderr and "Traceback" not in done.stderr


def test_make_server_applies_the_limits(webui_index_dir):
    from webui.server import make_server

    app = create_app({"TESTING": True, "INDEX_DIR": str(webui_index_dir)})
    server = make_server(app, port=0, connection_limit=7, channel_timeout=3)
    try:
        assert server.adj.connection_limit == 7 and server.adj.channel_timeout == 3
        assert server.adj.cleanup_interval <= 3
        assert server.adj.max_request_body_size <= 65_536
    finally:
        server.close()
        app.extensions["commentary"].close()
    with pytest.raises(ValueError, match="channel_timeout"):
        make_server(app, port=0, channel_timeout=0)


def test_idle_connections_are_dropped_and_bodies_refused(webui_index_dir):
    with running_server(webui_index_dir, args=["--channel-timeout", "1", "--connection-limit", "3"]) as base:
        host, port = urlsplit(base).hostname, urlsplit(base).port
        idle = [socket.create_connection((host, port), timeout=20) for _ in range(3)]
        try:
            started = time.perf_counter()
            for conn in idle:
                assert conn.recv(1) == b""  # closed by the server, not by us
            assert time.perf_counter() - started < 15  # waitress's default kept them 120 s
        finally:
            for conn in idle:
                conn.close()
        # With the idle ones gone, others are served again.
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
            assert strict_json(response.read())["ok"] is True
        request = urllib.request.Request(f"{base}/search", data=b"x" * 200_000, method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 413
        refused.value.close()


# -- properties of the URL parameters ------------------------------------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
_NAMES = st.sampled_from(["q", "author", "affiliation", "source", "tag", "since", "until", "sort", "page",
                          "per_page", "limit", "match", "format", "name", "endpoint", "_external", "_anchor", "x"])
_VALUES = st.one_of(_TEXT, st.sampled_from(["", "0", "-1", "1", "2", "99999999999", "1e3", "NaN", "json", "html",
                                            "newest", "relevance", "any", "2019", "2019-02", "2019-02-30",
                                            "0000", "9999-12-31", "policy", "Maria Alvarez"]))
_ARGS = st.lists(st.tuples(_NAMES, _VALUES), max_size=12)
_PATHS = st.one_of(
    st.sampled_from(["/search", "/api/search", "/search.atom", "/", "/opensearch.xml"]),
    _TEXT.map(lambda s: "/author/" + quote(s)), _TEXT.map(lambda s: "/doc/" + quote(s)),
    st.sampled_from(["/author/Maria Alvarez", "/author/maria  alvarez", "/doc/2019/li-trade.md"]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=_PATHS, args=_ARGS)
def test_no_url_gives_a_server_error(webui_index_dir_app, path, args):
    client = webui_index_dir_app.test_client()
    response = client.get(path, query_string=args)
    assert response.status_code < 500, (path, args, response.status_code)
    formats = [value.strip() for name, value in args if name == "format"]
    html_page = not path.startswith(("/search.atom", "/opensearch.xml"))
    wants_json = path.startswith("/api/") or (html_page and formats[-1:] == ["json"])
    if wants_json and response.status_code != 302:
        assert response.content_type == "application/json", (path, args)
    if response.content_type == "application/json":
        strict_json(response.data)


@pytest.fixture(scope="module")
def webui_index_dir_app(webui_index_dir):
    """One app for every generated example (hypothesis reruns the test body, not fixtures)."""
    app = create_app({"TESTING": True, "INDEX_DIR": str(webui_index_dir), "PER_PAGE": 5})
    yield app
    app.extensions["commentary"].close()


def test_errors_follow_the_last_format_as_pages_do(client):
    assert client.get("/search?q=policy&format=html&format=json").content_type == "application/json"
    assert_error_shape(client.get("/search?sort=x&format=html&format=json"), 400)
    assert client.get("/search?sort=x&format=json&format=html").content_type.startswith("text/html")

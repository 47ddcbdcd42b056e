"""The web UI through Flask's test client: every route, parameter and error.

Fixtures (``app``, ``client``, ``webui_*``) are in ``conftest.py``; the app
shows 5 results per page so the small corpus fills several pages.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from contextlib import redirect_stdout
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from live_server import running_server
from flask import Flask

import search
import webui
from webui import create_app, create_blueprint
from webui.params import Limits, ParamError, SearchParams
from webui.render import markdown_to_safe_html, safe_snippet, safe_url
from webui.timeline import build_timeline

ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"

ALVAREZ_BANKS = "2009/alvarez-banks.txt"
RICH_MD = "2023/alvarez-central-banks.md"


# -- helpers --------------------------------------------------------------------


class Page(HTMLParser):
    """A parsed HTML page: its elements (tag, attrs), link texts, and text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.links: list[dict[str, str]] = []  # attrs of <a>, plus "text"
        self._open_links: list[dict[str, str]] = []
        self.text_parts: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = {k: (v or "") for k, v in attrs}
        self.elements.append((tag, attributes))
        if tag == "a":
            link = dict(attributes, text="")
            self.links.append(link)
            self._open_links.append(link)

    def handle_endtag(self, tag):
        if tag == "a" and self._open_links:
            self._open_links.pop()

    def handle_data(self, data):
        self.text_parts.append(data)
        for link in self._open_links:
            link["text"] += data

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        """Elements with this tag whose attributes contain the given values."""
        out = []
        for name, attributes in self.elements:
            if name != tag:
                continue
            if all(value in attributes.get(key.rstrip("_").replace("_", "-"), "").split() or
                   attributes.get(key.rstrip("_").replace("_", "-")) == value for key, value in attrs.items()):
                out.append(attributes)
        return out

    def link(self, text: str) -> dict[str, str]:
        """The first link whose text (whitespace folded) contains ``text``."""
        for link in self.links:
            if text in " ".join(link["text"].split()):
                return link
        raise AssertionError(f"no link with text {text!r}")


def page_of(response) -> Page:
    assert response.content_type.startswith("text/html"), response.content_type
    return Page(response.get_data(as_text=True))


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def api(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.data[:300])
    assert response.content_type == "application/json"
    return response.get_json()


def assert_error_shape(response, status: int) -> dict:
    """The one JSON error shape, with the right status."""
    assert response.status_code == status
    assert response.content_type == "application/json"
    body = response.get_json()
    assert set(body) == {"ok", "status", "error"}
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    return body


@pytest.fixture(scope="module")
def total_docs(webui_index_dir: Path) -> int:
    with search.open_index(webui_index_dir) as ix:
        return ix.doc_count


# -- package surface ----------------------------------------------------------------


def test_package_exports_factory_and_blueprint():
    assert set(webui.__all__) >= {"create_app", "create_blueprint"}
    assert callable(webui.create_app) and callable(webui.create_blueprint)


def test_webui_uses_only_the_public_search_api():
    """No whoosh, no search submodules: only names exported by ``search``.

    The one exception is ``search.cli``, which ``webui.cli`` extends with
    ``serve`` (the CLI sits above both packages).
    """
    package = Path(webui.__file__).parent
    for source in package.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "whoosh" not in text, source
        assert not re.search(r"^\s*(from|import)\s+search\.(?!cli\b)", text, re.M), source
        for names in re.findall(r"^from search import (.+)$", text, re.M):
            for name in re.split(r"[,\s()]+", names):
                if name:
                    assert name in search.__all__, (source, name)


# -- search page ------------------------------------------------------------------------


def test_home_lists_everything_newest_first(client, total_docs):
    page = page_of(client.get("/"))
    assert "Latest commentary" in page.text
    assert f"Results 1–5 of {total_docs}" in page.text
    titles = [h["text"].strip() for h in page.links if "/doc/" in h.get("href", "")][:2]
    assert titles[0] == "Housing Is an Economic Policy"  # 2024, the newest
    assert "Search tips" in page.text


def test_search_shows_count_hits_and_marks(client):
    response = client.get("/search?q=inflation")
    html = response.get_data(as_text=True)
    page = page_of(response)
    status = page.find("p", role="status")
    assert status and status[0].get("aria-live") == "polite"
    assert re.search(r"Results 1–5 of \d+ \(\d\.\d{3} s\)", page.text)
    assert "<mark>Inflation</mark>" in html or "<mark>inflation</mark>" in html
    # Each hit: title to the document with ?q= and the first-match fragment.
    link = page.link("Inflation Is Back on the Agenda")
    assert link["href"] == "/doc/2019/alvarez-inflation.md?q=inflation#first-match"
    # Authors filter by that author; affiliation, date and source are shown.
    author = page.link("Maria Alvarez")
    assert query_of(author["href"]) == {"q": ["inflation"], "author": ["Maria Alvarez"]}
    assert "Institute for Fiscal Studies" in page.text
    assert "15 January 2019" in page.text and "The Economic Review" in page.text
    assert page.find("time", datetime="2019-01-15")


def test_search_box_is_labelled_and_keeps_the_query(client):
    page = page_of(client.get("/search?q=free+elections"))
    box = page.find("input", id="q")[0]
    assert box["name"] == "q" and box["value"] == "free elections"
    assert page.find("label", for_="q")
    form = page.find("form", id="search-form")[0]
    assert form["method"] == "get" and form["action"] == "/search"


def test_search_form_carries_active_filters(client):
    page = page_of(client.get("/search?q=policy&author=Li+Wei&sort=newest"))
    hidden = {(e["name"], e["value"]) for e in page.find("input", type="hidden")}
    assert ("author", "Li Wei") in hidden and ("sort", "newest") in hidden


def test_facets_have_counts_and_toggle_urls(client):
    page = page_of(client.get("/search?q=policy"))
    li_wei = next(l for l in page.links if l.get("title") == "Only Li Wei")  # the facet value, not a byline
    assert query_of(li_wei["href"]) == {"q": ["policy"], "author": ["Li Wei"]}
    assert re.search(r"Li Wei\s+3", li_wei["text"])
    for heading in ("Author", "Affiliation", "Source", "Year"):
        assert page.find("h2", id=f"facet-{heading.lower()}"), heading

    # Active: marked, and its link removes the filter (keeping the query).
    page = page_of(client.get("/search?q=policy&author=Li+Wei"))
    active = [l for l in page.links if l.get("aria-current") == "true" and "Li Wei" in l["text"]]
    assert active and query_of(active[0]["href"]) == {"q": ["policy"]}
    assert all(h["text"].strip() for h in page.links)
    assert "Results 1–3 of 3" in page.text


def test_facet_toggle_adds_a_second_value_of_another_facet(client):
    page = page_of(client.get("/search?q=policy&author=Li+Wei"))
    source = next(l for l in page.links if "source=Global+Affairs+Weekly" in l["href"])
    assert query_of(source["href"]) == {"q": ["policy"], "author": ["Li Wei"], "source": ["Global Affairs Weekly"]}


def test_year_facet_filters_to_that_year(client):
    page = page_of(client.get("/search?q=policy"))
    year = next(l for l in page.links if l["text"].strip().startswith("2019") and "since" in l["href"])
    assert query_of(year["href"]) == {"q": ["policy"], "since": ["2019"], "until": ["2019"]}


def test_chips_show_active_filters_and_remove_one_each(client):
    page = page_of(client.get("/search?q=policy&author=John+Okafor&source=Policy+Quarterly&since=2000&until=2019"))
    removes = [l for l in page.links if "chip__remove" in l.get("class", "")]
    labels = [l["aria-label"] for l in removes]
    assert labels == ["Remove filter Author: John Okafor", "Remove filter Source: Policy Quarterly",
                      "Remove filter Since: 2000", "Remove filter Until: 2019"]
    assert query_of(removes[0]["href"]) == {"q": ["policy"], "source": ["Policy Quarterly"], "since": ["2000"], "until": ["2019"]}
    assert query_of(removes[2]["href"]) == {"q": ["policy"], "author": ["John Okafor"], "source": ["Policy Quarterly"], "until": ["2019"]}
    clear = page.link("Clear all")
    assert query_of(clear["href"]) == {"q": ["policy"]}


def test_chip_for_a_single_period(client):
    page = page_of(client.get("/search?q=policy&since=2019-06&until=2019-06"))
    chip = next(l for l in page.links if "chip__remove" in l.get("class", ""))
    assert chip["aria-label"] == "Remove filter Period: June 2019"


def test_paging_links(client):
    first = page_of(client.get("/search?q=policy"))
    pager = first.find("nav", aria_label="Result pages")
    assert pager
    next_link = next(l for l in first.links if l.get("rel") == "next")
    assert query_of(next_link["href"]) == {"q": ["policy"], "page": ["2"]}
    current = [l for l in first.links if l.get("aria-current") == "page"]
    assert [c["text"].strip() for c in current] == ["1"]

    second = page_of(client.get(next_link["href"]))
    assert "Results 6–10 of" in second.text
    prev_link = next(l for l in second.links if l.get("rel") == "prev")
    assert query_of(prev_link["href"]) == {"q": ["policy"]}  # page 1 is the default: left out
    numbers = [l["text"].strip() for l in second.links if l.get("aria-label", "").startswith("Page ")]
    assert numbers[:3] == ["1", "2", "3"]


def test_page_past_the_end_says_so(client):
    page = page_of(client.get("/search?q=policy&page=50"))
    assert "No results on page 50" in page.text
    assert page.link("Go to the last page")


def test_sort_links_and_orders(client):
    page = page_of(client.get("/search?q=policy"))
    sort_links = {l["text"].strip(): l for l in page.links if l["text"].strip() in ("Relevance", "Newest", "Oldest")}
    assert sort_links["Relevance"].get("aria-current") == "true"
    assert query_of(sort_links["Newest"]["href"]) == {"q": ["policy"], "sort": ["newest"]}
    newest = api(client, "/api/search?q=policy&sort=newest")
    oldest = api(client, "/api/search?q=policy&sort=oldest")
    assert newest["hits"][0]["date"] == "2024-02-12"
    assert oldest["hits"][0]["date"] == "1998-06-03"
    page = page_of(client.get("/search?q=policy&sort=oldest"))
    assert [l for l in page.links if l["text"].strip() == "Oldest"][0].get("aria-current") == "true"


def test_date_range_inputs_and_filtering(client):
    page = page_of(client.get("/search?q=policy&since=2019&until=2020-06"))
    assert page.find("input", id="since")[0]["value"] == "2019"
    assert page.find("input", id="until")[0]["value"] == "2020-06"
    assert page.find("label", for_="since") and page.find("label", for_="until")
    data = api(client, "/api/search?q=policy&since=2019&until=2020-06")
    assert data["total"] == 4
    assert all("2019-01-01" <= h["date"] <= "2020-06-30" for h in data["hits"])


def test_empty_form_fields_count_as_absent(client):
    """A form submits empty since/until; that must not be an error."""
    response = client.get("/search?q=policy&since=&until=&match=all&page=")
    assert response.status_code == 200


def test_a_misspelling_shows_the_corrections_results_and_a_way_back(client):
    page = page_of(client.get("/search?q=inflaton&author=Maria+Alvarez"))
    intended = api(client, "/api/search?q=inflation&author=Maria+Alvarez")
    assert intended["total"] > 0
    assert "Showing results for inflation" in page.text and "search instead for inflaton" in page.text
    assert "Did you mean" not in page.text
    assert len(page.find("li", class_="hit")) == len(intended["hits"])
    link = next(l for l in page.links if l.get("class", "") == "suggestion")
    assert link["text"] == "inflation"
    assert query_of(link["href"]) == {"q": ["inflation"], "author": ["Maria Alvarez"]}
    original = next(l for l in page.links if "suggestion__original" in l.get("class", ""))
    assert query_of(original["href"]) == {"q": ["inflaton"], "author": ["Maria Alvarez"], "correct": ["0"]}
    # The way back searches what was typed: nothing, and the suggestion once.
    typed = page_of(client.get(original["href"]))
    assert "No commentary matches “inflaton”" in typed.text
    assert typed.text.count("Did you mean") == 1 and "Showing results for" not in typed.text
    assert not typed.find("li", class_="hit")
    # The JSON twin says the same.
    twin = api(client, "/search?q=inflaton&author=Maria+Alvarez&format=json")
    assert twin["corrected"] is True and twin["suggestion"] == "inflation" and twin["total"] == intended["total"]


def test_engine_notice_is_shown(client):
    page = page_of(client.get('/search?q="unclosed+policy'))
    note = page.find("p", role="note")
    assert note
    assert "quotation mark was not closed" in page.text


def test_empty_state_helps(client):
    page = page_of(client.get("/search?q=zeppelinography+airships&author=Li+Wei"))
    assert "No results" in page.text
    assert "No commentary matches “zeppelinography airships” with these filters" in page.text
    without = page.link("search without any filter")
    assert query_of(without["href"]) == {"q": ["zeppelinography airships"]}
    assert "Search tips" in page.text
    assert page.link("any of the words")


def test_match_any(client):
    all_words = api(client, "/api/search?q=zoning+glasgow")
    assert all_words["match"] == "any"  # relaxed by the engine, with a notice
    assert all_words["notice"]
    explicit = api(client, "/api/search?q=zoning+glasgow&match=any")
    assert explicit["total"] == 2 and explicit["notice"] is None


def test_queries_with_syntax_noise_still_search(client):
    for q in ['"', "author:", "title:(", "-", "*", "<script>alert(1)</script>", "a" * 3000, "date:2019-99"]:
        response = client.get("/search", query_string={"q": q})
        assert response.status_code == 200, q
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


# -- timeline ------------------------------------------------------------------------------


def test_timeline_years_with_links_and_titles(client):
    html = client.get("/search?q=policy").get_data(as_text=True)
    page = Page(html)
    assert page.find("figure", class_="timeline")
    svg = re.search(r"<svg class=\"timeline__chart\".*?</svg>", html, re.S).group(0)
    bars = re.findall(r'<a class="timeline__bar[^"]*" href="([^"]+)"[^>]*>\s*<title>([^<]+)</title>', svg)
    assert len(bars) >= 10
    by_title = {title: href for href, title in bars}
    href = by_title["2019: 3 documents"].replace("&amp;", "&")
    assert query_of(href) == {"q": ["policy"], "since": ["2019"], "until": ["2019"]}
    assert "1998: 1 document" in by_title
    assert "Matching documents per year" in page.text


def test_timeline_months_within_two_years(client):
    html = client.get("/search?q=policy&since=2019&until=2020").get_data(as_text=True)
    assert "Matching documents per month" in html
    bars = re.findall(r'<a class="timeline__bar[^"]*" href="([^"]+)"[^>]*>\s*<title>([^<]+)</title>', html)
    titles = [t for _, t in bars]
    assert "June 2019: 1 document" in titles
    href = dict((t, h) for h, t in bars)["June 2019: 1 document"].replace("&amp;", "&")
    assert query_of(href) == {"q": ["policy"], "since": ["2019-06"], "until": ["2019-06"]}
    # An active bar links back to all dates.
    html = client.get("/search?q=policy&since=2019-06&until=2019-06").get_data(as_text=True)
    active = re.search(r'<a class="timeline__bar is-active" href="([^"]+)"', html)
    assert active and query_of(active.group(1).replace("&amp;", "&")) == {"q": ["policy"]}


def test_timeline_unit_choice():
    class FV:
        def __init__(self, value, count):
            self.value, self.count = value, count

    def facets(years, months=()):
        return {"year": [FV(y, c) for y, c in years], "month": [FV(m, c) for m, c in months]}

    assert build_timeline(facets([])) is None
    one_year = build_timeline(facets([(2021, 2)], [("2021-03", 1), ("2021-11", 1)]))
    assert one_year.unit == "month" and len(one_year.bars) == 12
    assert [b.count for b in one_year.bars if b.count] == [1, 1]
    years = build_timeline(facets([(2001, 1), (2010, 4)]))
    assert years.unit == "year" and len(years.bars) == 10
    assert years.bars[-1].height > years.bars[0].height > 0
    decades = build_timeline(facets([(1901, 1), (2020, 2)]))
    assert decades.unit == "decade" and decades.bars[0].label == "1900s"
    # Geometry stays within the chart.
    for bar in years.bars + decades.bars:
        assert 0 <= bar.x and bar.x + bar.width <= 100.001


# -- document page --------------------------------------------------------------------------


def test_document_page_shows_metadata_and_paragraphs(client):
    page = page_of(client.get(f"/doc/{ALVAREZ_BANKS}"))
    assert page.find("h1", id="doc-title")
    assert "Central Banks in the Storm" in page.text
    author = page.link("Maria Alvarez")
    assert author["href"] == "/author/Maria%20Alvarez"
    assert "Economist, Institute for Fiscal Studies" in page.text
    assert "20 February 2009" in page.text and "The Economic Review" in page.text
    html = client.get(f"/doc/{ALVAREZ_BANKS}").get_data(as_text=True)
    assert html.count("<p>") >= 2  # paragraphs kept
    assert "<mark" not in html


def test_document_page_highlights_plain_text(client):
    html = client.get(f"/doc/{ALVAREZ_BANKS}?q=inflation+policy").get_data(as_text=True)
    page = Page(html)
    assert '<mark id="first-match">' in html
    assert html.count('id="first-match"') == 1
    body = html[html.index('class="document__body'):]
    assert body.count("<mark") >= 3
    jump = page.link("Jump to first match")
    assert jump["href"] == "#first-match"
    assert "matches for “inflation policy” highlighted" in page.text
    assert page.link("Clear highlighting")["href"] == f"/doc/{ALVAREZ_BANKS}"


def test_document_page_markdown_rendered_and_highlighted_in_text_only(client):
    html = client.get(f"/doc/{RICH_MD}?q=report+example+statement").get_data(as_text=True)
    body = html[html.index('class="document__body'):html.index("</article>")]
    assert "<strong>markets</strong>" in body and "<ol>" in body and "<blockquote>" in body and "<table>" in body
    # Words in link text are marked; the same words inside href and title are not
    # ("example" occurs only in URLs, so it is never marked).
    assert '<a href="https://example.org/report" rel="nofollow noopener">annual <mark id="first-match">report</mark></a>' in body
    assert '<a href="http://example.org/statement" title="Statement" rel="nofollow noopener">the previous <mark>statement</mark></a>' in body
    assert "<mark>example" not in body
    tags_only = re.sub(r"</?mark[^>]*>", "", body)
    assert all("mark" not in tag for tag in re.findall(r"<[^>]*>", tags_only))
    # Source linked to its URL.
    page = Page(html)
    assert page.link("The Economic Review")["href"] == "https://example.org/economic-review/central-banks"


def test_document_page_related_lists(client):
    page = page_of(client.get(f"/doc/{RICH_MD}"))
    assert "More commentary like this" in page.text
    assert "More by Maria Alvarez" in page.text
    more_by = [l for l in page.links if l.get("class") == "related__title"]
    assert more_by and all(l["href"] != f"/doc/{RICH_MD}" for l in more_by)
    assert page.link("All commentary by Maria Alvarez")["href"] == "/author/Maria%20Alvarez"


def test_document_json_twins(client):
    api_doc = api(client, f"/api/doc/{RICH_MD}")
    twin = api(client, f"/doc/{RICH_MD}?format=json")
    assert api_doc == twin
    assert api_doc["id"] == RICH_MD and api_doc["format"] == "markdown"
    assert api_doc["body"].startswith("Central banks speak to **markets**")
    assert "<strong>markets</strong>" in api_doc["html"]
    highlighted = api(client, f"/api/doc/{RICH_MD}?q=markets")
    assert "<mark" in highlighted["html"]


def test_unknown_document_is_404_page_not_500(client):
    for path in ("/doc/no/such/doc.txt", "/doc/..%2F..%2Fetc%2Fpasswd", "/doc/%2Fetc%2Fpasswd",
                 "/doc/C:%5Cwindows%5Cwin.ini", "/doc/" + "x" * 2000):
        response = client.get(path)
        assert response.status_code == 404, path
        page = page_of(response)
        # /doc//etc/passwd matches no route (no id starts with a slash, and
        # double slashes are not merged by a redirect): the plain 404 page.
        expected = "There is nothing at this address" if "%2Fetc" in path and ".." not in path else "There is no document with the id"
        assert expected in page.text, path
        assert "root:" not in response.get_data(as_text=True)
    assert_error_shape(client.get("/api/doc/no/such/doc.txt"), 404)
    assert_error_shape(client.get("/doc/no/such/doc.txt?format=json"), 404)


# -- author page -------------------------------------------------------------------------------


def test_author_page_newest_first_with_affiliations_and_timeline(client):
    response = client.get("/author/Maria%20Alvarez")
    page = page_of(response)
    assert page.find("h1")[0] is not None and "Maria Alvarez" in page.text
    assert "4 pieces" in page.text
    data = api(client, "/author/Maria%20Alvarez?format=json")
    dates = [h["date"] for h in data["hits"]]
    assert dates == sorted(dates, reverse=True)
    assert data["author"] == "Maria Alvarez"
    affiliations = {f["value"] for f in data["facets"]["affiliation"]}
    assert affiliations == {"Institute for Fiscal Studies", "Economist, Institute for Fiscal Studies"}
    assert page.find("h2", id="facet-affiliation")
    aff = next(l for l in page.links if "affiliation=Economist" in l["href"])
    assert aff["href"].startswith("/author/Maria%20Alvarez?")
    assert page.find("figure", class_="timeline")
    # Every author name on the page leads to an author page, not a filter.
    okafor = page.link("John Okafor")
    assert okafor["href"] == "/author/John%20Okafor"


def test_author_page_paging_and_period(client):
    page = page_of(client.get("/author/Maria%20Alvarez?limit=2"))
    next_link = next(l for l in page.links if l.get("rel") == "next")
    assert next_link["href"] == "/author/Maria%20Alvarez?limit=2&page=2"
    second = page_of(client.get(next_link["href"]))
    assert "showing 3–4" in second.text
    data = api(client, "/author/Maria%20Alvarez?since=2019&until=2019&format=json")
    assert data["total"] == 1


def test_unknown_author_is_404(client):
    response = client.get("/author/Nobody%20Atall")
    assert response.status_code == 404
    assert "No author “Nobody Atall” in the index." in page_of(response).text
    assert_error_shape(client.get("/author/Nobody%20Atall?format=json"), 404)
    misspelt = client.get("/author/Maria%20Alvares?format=json")
    assert misspelt.status_code == 404
    assert misspelt.get_json()["error"] == "No author “Maria Alvares”; did you mean Maria Alvarez?"


def test_author_url_is_forgiving_about_case_and_spacing(client):
    response = client.get("/author/maria%20%20ALVAREZ?format=json")
    assert response.status_code == 302
    assert response.headers["Location"] == "/author/Maria%20Alvarez?format=json"
    assert client.get(response.headers["Location"]).get_json()["author"] == "Maria Alvarez"
    surname = client.get("/author/alvarez?page=2")
    assert surname.status_code == 302 and surname.headers["Location"] == "/author/Maria%20Alvarez?page=2"


# -- feed, opensearch, healthz --------------------------------------------------------------------


def test_atom_feed_is_valid_and_newest_first(client):
    response = client.get("/search.atom?q=policy&author=John+Okafor")
    assert response.status_code == 200
    assert response.content_type == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{tag}") is not None, tag
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert query_of(self_link.get("href")) == {"q": ["policy"], "author": ["John Okafor"]}
    assert "John Okafor" in root.find(f"{ATOM}title").text
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 4
    updated = [e.find(f"{ATOM}updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert root.find(f"{ATOM}updated").text == updated[0] == "2023-05-17T00:00:00Z"
    for entry in entries:
        assert entry.find(f"{ATOM}id").text.startswith("http://localhost/doc/")
        assert entry.find(f"{ATOM}title").text
        assert "John Okafor" in [a.find(f"{ATOM}name").text for a in entry.findall(f"{ATOM}author")]
        link = entry.find(f"{ATOM}link[@rel='alternate']").get("href")
        assert link.startswith("http://localhost/doc/") and "q=policy" in link
    co_written = [e for e in entries if len(e.findall(f"{ATOM}author")) == 2]
    assert co_written


def test_atom_feed_takes_search_parameters_and_refuses_bad_ones(client):
    root = ET.fromstring(client.get("/search.atom").data)
    assert len(root.findall(f"{ATOM}entry")) == 17  # FEED_SIZE 20 > corpus
    root = ET.fromstring(client.get("/search.atom?limit=3").data)
    assert len(root.findall(f"{ATOM}entry")) == 3
    assert client.get("/search.atom?sort=bogus").status_code == 400
    assert client.get("/search.atom?since=nope").status_code == 400


def test_pages_advertise_feed_and_json(client):
    page = page_of(client.get("/search?q=policy"))
    alternates = {l["type"]: l["href"] for l in page.find("link", rel="alternate")}
    assert alternates["application/atom+xml"] == "/search.atom?q=policy"
    assert alternates["application/json"] == "/api/search?q=policy"


def test_opensearch_description(client):
    response = client.get("/opensearch.xml")
    assert response.status_code == 200
    assert response.content_type.startswith("application/opensearchdescription+xml")
    root = ET.fromstring(response.data)
    assert root.tag == f"{OPENSEARCH}OpenSearchDescription"
    assert len(root.find(f"{OPENSEARCH}ShortName").text) <= 16
    templates = {u.get("type"): u.get("template") for u in root.findall(f"{OPENSEARCH}Url")}
    assert templates["text/html"].startswith("http://localhost/search?q={searchTerms}")
    assert templates["application/atom+xml"] == "http://localhost/search.atom?q={searchTerms}"


@pytest.mark.parametrize("path", ["/", "/search?q=policy", f"/doc/{RICH_MD}", "/author/Li%20Wei", "/doc/missing", "/nowhere"])
def test_every_page_links_opensearch(client, path):
    page = page_of(client.get(path))
    found = page.find("link", rel="search")
    assert found and found[0]["type"] == "application/opensearchdescription+xml"
    assert found[0]["href"] == "/opensearch.xml"


def test_healthz(client, total_docs):
    assert api(client, "/healthz") == {"ok": True, "documents": total_docs}


# -- JSON API --------------------------------------------------------------------------------------


def test_api_search_returns_to_dict(client, webui_index_dir):
    data = api(client, "/api/search?q=policy&author=Li+Wei&author=Anna+Kowalska&sort=newest&limit=3&page=2")
    with search.open_index(webui_index_dir) as ix:
        expected = ix.search("policy", author=["Li Wei", "Anna Kowalska"], sort="newest", limit=3, page=2).to_dict()
    data.pop("took"), expected.pop("took")
    assert data == expected
    assert list(data) == [k for k in expected]  # same key order as to_dict


def test_api_hits_carry_the_snippet_as_text_and_spans_and_as_html(client):
    hits = api(client, "/api/search?q=policy")["hits"]
    assert hits and all(set(hit["excerpt"]) == {"text", "spans"} for hit in hits)
    for hit in hits:
        text, spans = hit["excerpt"]["text"], hit["excerpt"]["spans"]
        assert spans and all(text[s:e].lower().startswith("polic") for s, e in spans)
        # The HTML is the one rendering of that structure.
        assert hit["snippet"] == search.Snippet(text, [tuple(span) for span in spans]).html()


def test_feed_summaries_are_the_snippets_plain_text(client, webui_index_dir):
    root = ET.fromstring(client.get("/search.atom?q=policy&author=John+Okafor").data)
    summaries = [e.find(f"{ATOM}summary").text for e in root.findall(f"{ATOM}entry")]
    with search.open_index(webui_index_dir) as ix:
        hits = ix.search("policy", author=["John Okafor"], sort="newest").hits
    assert summaries and all("<mark>" not in s and "&amp;" not in s for s in summaries)
    assert sorted(summaries) == sorted(f"{' · '.join(x for x in (h.affiliation, h.source) if x)}: {h.excerpt.text}"
                                       for h in hits)


def test_api_search_filters_and_dates(client):
    data = api(client, "/api/search?affiliation=Asia+Pacific+Forum&source=Global+Affairs+Weekly&tag=trade&since=2019-06-30&until=2019-06-30")
    assert data["total"] == 1 and data["hits"][0]["id"] == "2019/li-trade.md"
    assert data["filters"]["since"] == "2019-06-30"


def test_api_and_library_share_one_date_check(client):
    # The URL accepted what the library accepted, and both write it as ISO.
    assert api(client, "/api/search?since=1788-3")["filters"]["since"] == "1788-03"
    response = client.get("/api/search?since=1788-13")
    assert_error_shape(response, 400)
    assert response.get_json()["error"] == "since must be a date as YYYY, YYYY-MM or YYYY-MM-DD; got '1788-13'"


def test_api_notice_names_the_closest_filter_value(client):
    data = api(client, "/api/search?author=Maria+Alvares")
    assert data["total"] == 0 and data["notice"] == "No author “Maria Alvares”; did you mean Maria Alvarez?"
    assert api(client, "/api/search?author=maria+alvarez")["total"] == api(client, "/api/search?author=Maria+Alvarez")["total"] > 0


def test_old_parameter_names_say_the_new_one(client):
    response = client.get("/api/search?per_page=3")
    assert_error_shape(response, 400)
    assert response.get_json()["error"] == "per_page is now called limit"


def test_search_page_json_twin_equals_api(client):
    a = api(client, "/search?q=elections&format=json")
    b = api(client, "/api/search?q=elections")
    a.pop("took"), b.pop("took")
    assert a == b


def test_limit_limits(client):
    assert api(client, "/api/search?limit=100")["limit"] == 100
    assert_error_shape(client.get("/api/search?limit=101"), 400)
    assert api(client, "/api/search")["limit"] == 5  # PER_PAGE from config


BAD_PARAMETERS = [
    ("page=abc", "page must be a whole number"),
    ("page=0", "page must be between 1"),
    ("page=-1", "page must be a whole number"),
    ("page=99999999", "page must be between 1"),
    ("limit=100000", "limit must be between 1 and 100"),
    ("limit=0", "limit must be between 1"),
    ("limit=2.5", "limit must be a whole number"),
    ("sort=foo", "sort must be one of relevance, newest, oldest"),
    ("match=most", "match must be one of all, any"),
    ("since=notadate", "since must be a date"),
    ("until=2020-02-30", "until must be a date"),
    ("since=2021-13", "since must be a date"),
    ("since=2021&until=2020", "since (2021) is after until (2020)"),
]


@pytest.mark.parametrize("query, message", BAD_PARAMETERS)
def test_bad_parameters_have_one_json_error_shape(client, query, message):
    body = assert_error_shape(client.get(f"/api/search?{query}"), 400)
    assert message in body["error"]
    # The same parameters mean the same everywhere: JSON twins, feed, API.
    assert assert_error_shape(client.get(f"/search?{query}&format=json"), 400) == body
    assert assert_error_shape(client.get(f"/author/Li%20Wei?{query}&format=json"), 400) == body
    assert client.get(f"/search.atom?{query}").status_code == 400


def test_unknown_format_is_refused(client):
    response = client.get("/search?q=x&format=xml")
    assert response.status_code == 400
    assert "format must be html or json" in page_of(response).text
    assert client.get(f"/doc/{RICH_MD}?format=pdf").status_code == 400


@pytest.mark.parametrize("query, message", BAD_PARAMETERS)
def test_bad_parameters_have_friendly_html_pages(client, query, message):
    response = client.get(f"/search?{query}")
    assert response.status_code == 400
    page = page_of(response)
    assert message in page.text
    # A bad argument does not lose the search: the search page comes back,
    # the argument left out and named (see tests/test_web_results.py).
    assert page.find("p", class_="callout--error")
    if query.startswith(("since", "until")):
        assert page.find("p", class_="field-error")  # beside its field too


def test_json_errors_for_unknown_urls_and_methods(client):
    assert_error_shape(client.get("/api/nothing"), 404)
    assert_error_shape(client.post("/api/search"), 405)
    assert client.post("/search").status_code == 405
    response = client.get("/nowhere")
    assert response.status_code == 404 and "There is nothing at this address" in page_of(response).text
    response = client.get("/search", headers={"Accept": "application/json"})
    assert response.status_code == 200


# -- safety ------------------------------------------------------------------------------------------

SECURITY_PATHS = ["/", "/search?q=policy", f"/doc/{RICH_MD}?q=report", "/author/Li%20Wei", "/search.atom",
                  "/opensearch.xml", "/healthz", "/api/search", f"/api/doc/{RICH_MD}", "/assets/style.css",
                  "/assets/app.js", "/doc/missing", "/api/search?page=abc", "/nowhere", "/search?sort=x"]


@pytest.mark.parametrize("path", SECURITY_PATHS)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    response.close()  # static files are streamed from open files
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                      "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")


@pytest.mark.parametrize("path", ["/", "/search?q=policy", f"/doc/{RICH_MD}?q=report", "/author/Li%20Wei", "/doc/missing"])
def test_pages_have_no_inline_script_or_style_and_nothing_external(client, path):
    html = client.get(path).get_data(as_text=True)
    page = Page(html)
    for script in page.find("script"):
        assert script.get("src", "").startswith("/assets/")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html
    assert not any("style" in attrs for _, attrs in page.elements)
    assert not any(re.match(r"on\w+", name) for _, attrs in page.elements for name in attrs)
    for tag, attr in (("link", "href"), ("script", "src"), ("img", "src")):
        for element in page.find(tag):
            assert not re.match(r"(https?:)?//", element.get(attr, "")), element


@pytest.mark.parametrize("path", ["/", "/search?q=policy", f"/doc/{RICH_MD}", "/author/Li%20Wei", "/nowhere"])
def test_pages_are_accessible_landmarks(client, path):
    page = page_of(client.get(path))
    assert page.find("html")[0]["lang"] == "en"
    skip = page.links[0]
    assert skip["href"] == "#main" and "Skip" in skip["text"]
    assert page.find("header") and page.find("main", id="main")
    assert page.find("form", role="search") and page.find("label", for_="q")
    if path in ("/", "/search?q=policy", "/author/Li%20Wei"):
        assert page.find("aside") and page.find("nav")


def test_static_files(client):
    with client.get("/assets/style.css") as css:
        assert css.status_code == 200 and css.content_type.startswith("text/css")
        text = css.get_data(as_text=True)
    assert "prefers-color-scheme: dark" in text and ":focus-visible" in text
    assert "@import" not in text and "url(http" not in text
    with client.get("/assets/app.js") as js:
        assert js.status_code == 200 and "javascript" in js.content_type
    assert client.get("/assets/../app.py").status_code == 404
    assert client.get("/assets/%2e%2e/app.py").status_code == 404


HOSTILE_MD = "script-everywhere.md"


def test_hostile_search_results_are_escaped(webui_hostile_client):
    html = webui_hostile_client.get("/search?q=hostile+policy&match=any").get_data(as_text=True)
    assert "&lt;script&gt;window.__xss=1" in html
    assert "<script>window" not in html and "<img" not in html and "<svg onload" not in html
    page = Page(html)
    assert not any(re.match(r"on\w+", name) for _, attrs in page.elements for name in attrs)
    assert not any(tag in ("img", "iframe", "style", "object", "embed") for tag, _ in page.elements)
    assert not any(attrs.get("href", "").lower().startswith(("javascript:", "data:", "vbscript:"))
                   for _, attrs in page.elements)


def test_hostile_markdown_document_is_sanitized(webui_hostile_client):
    html = webui_hostile_client.get(f"/doc/{HOSTILE_MD}?q=policy").get_data(as_text=True)
    page = Page(html)
    assert not {tag for tag, _ in page.elements} & {"img", "iframe", "style", "object", "embed", "script"} - {"script"}
    assert all(attrs.get("src", "").startswith("/assets/") for tag, attrs in page.elements if tag == "script")
    body = html[html.index('class="document__body'):html.index("</article>")]
    body_page = Page(body)
    assert not {tag for tag, _ in body_page.elements} & {"script", "img", "iframe", "style", "svg", "object", "div", "span"}
    for _, attrs in body_page.elements:
        assert not any(name.startswith("on") or name == "style" for name in attrs), attrs
        assert not attrs.get("href", "https:").lower().startswith(("javascript:", "data:", "vbscript:")), attrs
    for link in body_page.links:
        assert link.get("rel") == "nofollow noopener", link
    # Raw HTML is shown as text, so the reader sees what the file holds.
    assert "&lt;script&gt;window.__xss = 7" in body
    assert "&lt;iframe" in body and "&lt;style&gt;" in body
    # The javascript: URL of the front matter is not linked.
    assert not any(l.get("href", "").startswith("javascript") for l in page.links)
    assert "<mark" in body
    # Author, affiliation and source from the front matter are escaped text.
    assert "&lt;script&gt;window.__xss=2&lt;/script&gt;Eve Attacker" in html
    assert "&lt;img src=x onerror=" in html


def test_hostile_plain_text_document_is_escaped(webui_hostile_client):
    html = webui_hostile_client.get("/doc/plain-hostile.txt?q=policy").get_data(as_text=True)
    body = html[html.index('class="document__body'):html.index("</article>")]
    assert "&lt;script&gt;window.__xss=22" in body
    assert "&amp;lt;b&amp;gt;" in body  # entities stay literal text
    assert {tag for tag, _ in Page(body).elements} <= {"div", "p", "mark"}


def test_hostile_author_pages_and_feed(webui_hostile_client):
    name = "<script>window.__xss=2</script>Eve Attacker"
    response = webui_hostile_client.get("/author/" + urllib.request.quote(name, safe=""))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>window" not in html and "&lt;script&gt;window.__xss=2" in html
    feed = webui_hostile_client.get("/search.atom?q=policy")
    root = ET.fromstring(feed.data)
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert any(t.startswith("<script>") for t in titles)  # text in XML, escaped by the writer
    assert b"<script>" not in feed.data


def test_hostile_long_line_document(webui_hostile_client):
    response = webui_hostile_client.get("/doc/long-line.txt?q=tariffs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>window" not in html
    assert html.count("<mark") > 100


def test_markdown_sanitizer_unit():
    html = markdown_to_safe_html(
        "[a](javascript:alert(1)) [b](https://ok.example/) <b onclick=x>raw</b> "
        "[c](JaVaScRiPt:alert(1)) [d](//evil.example) https://bare.example.org/x\n\n"
        "```\n<script>alert(1)</script>\n```\n")
    assert "javascript" not in html.lower().replace("&lt;", "")
    assert '<a href="https://ok.example/" rel="nofollow noopener">b</a>' in html
    assert "&lt;b onclick=x&gt;raw&lt;/b&gt;" in html
    assert '<a href="https://bare.example.org/x" rel="nofollow noopener">' in html
    assert "<pre><code>&lt;script&gt;" in html
    assert "<script" not in html
    assert markdown_to_safe_html("# Top\n\n## Sub\n\n###### Deep") == "<h2>Top</h2>\n<h3>Sub</h3>\n<h6>Deep</h6>"


def test_snippets_are_trusted_only_with_marks_alone():
    assert str(safe_snippet("a <mark>b</mark> &lt;c&gt;")) == "a <mark>b</mark> &lt;c&gt;"
    assert "<img" not in str(safe_snippet("a <img src=x onerror=alert(1)> <mark>b</mark>"))
    assert "<b>" not in str(safe_snippet("<b>x</b>"))
    assert "<mark" not in str(safe_snippet("<mark>unclosed"))


def test_safe_url():
    assert safe_url("https://example.org/a?b=c") == "https://example.org/a?b=c"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url(" JAVASCRIPT:alert(1)") is None
    assert safe_url("data:text/html,x") is None
    assert safe_url('https://x.example/"onmouseover=1') is None
    assert safe_url("") is None


# -- parameters (unit) ---------------------------------------------------------------------------------


def test_params_read_and_write_urls():
    params = SearchParams.from_args({"q": "x", "author": ["A", "A", " ", "B"], "page": "3", "limit": "7"},
                                    Limits(per_page=10, max_per_page=50))
    assert params.author == ("A", "B") and params.page == 3 and params.limit == 7
    assert params.to_args() == {"q": "x", "author": ["A", "B"], "limit": 7}
    assert params.to_args(page=4)["page"] == 4
    assert params.toggle("author", "A") == {"q": "x", "author": ["B"], "limit": 7}
    assert params.toggle("source", "S") == {"q": "x", "author": ["A", "B"], "source": ["S"], "limit": 7}
    assert params.period_args("2019", "2019")["since"] == "2019"
    with pytest.raises(ParamError):
        SearchParams.from_args({"limit": "51"}, Limits(per_page=10, max_per_page=50))
    with pytest.raises(ValueError):
        Limits(per_page=20, max_per_page=10)


# -- app factory, config, blueprint --------------------------------------------------------------------


def test_config_layers(webui_index_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("COMMENTARY_INDEX_DIR", str(webui_index_dir))
    monkeypatch.setenv("COMMENTARY_PER_PAGE", "3")
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("MAX_PER_PAGE = 4\nPER_PAGE = 2\n")
    app = create_app(instance_path=str(instance))
    try:
        assert app.config["INDEX_DIR"] == str(webui_index_dir)
        assert app.config["PER_PAGE"] == 3  # environment beats the instance file
        assert app.config["MAX_PER_PAGE"] == 4  # instance file beats defaults
        client = app.test_client()
        assert api(client, "/api/search")["limit"] == 3
        assert_error_shape(client.get("/api/search?limit=5"), 400)
    finally:
        app.extensions["commentary"].close()
    app = create_app({"PER_PAGE": 4}, instance_path=str(instance))
    try:
        assert api(app.test_client(), "/api/search")["limit"] == 4  # the mapping beats everything
    finally:
        app.extensions["commentary"].close()


def test_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("COMMENTARY_INDEX", raising=False)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["INDEX_DIR"] == "index"
    assert (app.config["PER_PAGE"], app.config["MAX_PER_PAGE"]) == (10, 100)
    monkeypatch.setenv("COMMENTARY_INDEX", str(tmp_path / "elsewhere"))
    assert create_app(instance_path=str(tmp_path)).config["INDEX_DIR"] == str(tmp_path / "elsewhere")
    with pytest.raises(ValueError):
        create_app({"PER_PAGE": 500}, instance_path=str(tmp_path))


def test_one_index_per_app(webui_index_dir, monkeypatch):
    import webui.holder

    calls = []
    real_open = webui.holder.open_index
    monkeypatch.setattr(webui.holder, "open_index", lambda path: calls.append(path) or real_open(path))
    app = create_app({"INDEX_DIR": str(webui_index_dir)})
    try:
        client = app.test_client()
        for path in ("/", "/search?q=policy", f"/doc/{RICH_MD}", "/api/search", "/healthz"):
            assert client.get(path).status_code == 200
        threads = [threading.Thread(target=lambda: app.test_client().get("/search?q=trade")) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(calls) == 1
    finally:
        app.extensions["commentary"].close()


def test_blueprint_under_a_prefix_in_another_app(webui_index_dir):
    host = Flask("host")

    @host.route("/")
    def host_home():
        return "host home"

    with search.open_index(webui_index_dir) as ix:
        host.register_blueprint(create_blueprint(ix), url_prefix="/commentary")
        client = host.test_client()
        assert client.get("/").data == b"host home"
        assert "Content-Security-Policy" not in client.get("/").headers  # the host's pages are the host's
        page = page_of(client.get("/commentary/search?q=policy"))
        assert page.find("form", id="search-form")[0]["action"] == "/commentary/search"
        assert page.find("link", rel="stylesheet")[0]["href"].startswith("/commentary/assets/style.css?v=")
        internal = [l["href"] for l in page.links if l["href"].startswith("/")]
        assert internal and all(h.startswith("/commentary/") for h in internal), internal
        with client.get("/commentary/assets/style.css") as css:
            assert css.status_code == 200
        next_link = next(l for l in page.links if l.get("rel") == "next")
        assert next_link["href"].startswith("/commentary/search?")
        doc = page_of(client.get(f"/commentary/doc/{RICH_MD}"))
        assert doc.link("Maria Alvarez")["href"] == "/commentary/author/Maria%20Alvarez"
        assert client.get("/commentary/author/Maria%20Alvarez").status_code == 200
        feed = ET.fromstring(client.get("/commentary/search.atom?q=policy").data)
        assert feed.find(f"{ATOM}entry/{ATOM}id").text.startswith("http://localhost/commentary/doc/")
        assert api(client, "/commentary/api/search?q=policy")["total"] > 0
        assert_error_shape(client.get("/commentary/api/search?sort=x"), 400)
        missing = client.get("/commentary/doc/missing")
        assert missing.status_code == 404 and "/commentary/search" in missing.get_data(as_text=True)
        assert client.get("/commentary/healthz").get_json()["ok"] is True
        assert client.get("/commentary/search").headers["X-Content-Type-Options"] == "nosniff"
    # The host owns its index: the blueprint did not close it early (searching above worked).


def test_blueprint_templates_are_not_shadowed_by_the_host(webui_index_dir, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "base.html").write_text("HOST BASE")
    (templates / "search.html").write_text("HOST SEARCH")
    host = Flask("host", template_folder=str(templates))
    with search.open_index(webui_index_dir) as ix:
        host.register_blueprint(create_blueprint(ix))
        html = host.test_client().get("/search?q=policy").get_data(as_text=True)
    assert "HOST" not in html and "Results 1–10 of" in Page(html).text


def test_missing_index_answers_503_then_recovers(tmp_path, webui_corpus_dir):
    target = tmp_path / "not-yet"
    app = create_app({"INDEX_DIR": str(target)})
    try:
        client = app.test_client()
        response = client.get("/search?q=policy")
        assert response.status_code == 503
        assert "search index has not been built yet" in page_of(response).text
        assert str(target) not in response.get_data(as_text=True)  # no server paths in public pages
        for path in ("/api/search?q=policy", "/healthz", "/api/doc/x", "/search?format=json"):
            assert_error_shape(client.get(path), 503)
        assert client.get("/search.atom").status_code == 503
        with client.get("/assets/style.css") as css:
            assert css.status_code == 200  # the error page still has its styles
        search.build_index([webui_corpus_dir], index_dir=target)
        assert client.get("/search?q=policy").status_code == 200
        assert api(client, "/healthz")["ok"] is True
    finally:
        app.extensions["commentary"].close()


def test_rebuild_is_picked_up_without_restart(tmp_path, webui_corpus_dir):
    corpus = tmp_path / "corpus"
    shutil.copytree(webui_corpus_dir, corpus)
    target = tmp_path / "index"
    search.build_index([corpus], index_dir=target)
    app = create_app({"INDEX_DIR": str(target)})
    try:
        client = app.test_client()
        assert api(client, "/api/search?q=zeppelin")["total"] == 0
        (corpus / "zeppelin.md").write_text(
            "---\ntitle: Airships Return\nauthors: [Zoe Zeppelin]\ndate: 2024-06-01\n---\nThe zeppelin policy debate.\n",
            encoding="utf-8")
        search.build_index([corpus], index_dir=target)
        data = api(client, "/api/search?q=zeppelin")
        assert data["total"] == 1 and data["hits"][0]["id"] == "zeppelin.md"
        assert client.get("/doc/zeppelin.md").status_code == 200
        assert client.get("/author/Zoe%20Zeppelin").status_code == 200
    finally:
        app.extensions["commentary"].close()


@pytest.mark.parametrize("workers", ["1", "2"])  # waitress, and gunicorn's workers
def test_real_server(webui_index_dir, workers):
    with running_server(webui_index_dir, threads=2, args=["--workers", workers]) as base:
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
            assert json.load(response)["ok"] is True
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{base}/api/search?page=abc", timeout=10)
        assert json.load(caught.value)["status"] == 400
        caught.value.close()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_stops_the_server_cleanly(webui_index_dir, workers):
    import signal

    from live_server import server_process

    with server_process(webui_index_dir, args=["--workers", workers]) as server:
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=30) == 0  # not killed by the signal: it closed down


def test_serve_prints_its_url(monkeypatch, webui_index_dir):
    import webui.server

    events = []

    class FakeServer:
        effective_port = 8123

        def run(self):
            events.append("run")

        def close(self):
            events.append("close")

    monkeypatch.setattr(webui.server, "make_server", lambda app, host, port, threads, **limits: FakeServer())
    out = io.StringIO()
    with redirect_stdout(out):
        webui.server.serve(index_dir=webui_index_dir, host="127.0.0.1", port=8123, threads=2)
    assert "http://127.0.0.1:8123/" in out.getvalue()
    assert events == ["run", "close"]


def test_cli_serve_calls_webui(monkeypatch, webui_index_dir):
    from click.testing import CliRunner

    import webui.server
    from webui.cli import cli

    seen = {}
    monkeypatch.setattr(webui.server, "serve", lambda **kwargs: seen.update(kwargs))
    result = CliRunner().invoke(cli, ["serve", "--index-dir", str(webui_index_dir), "--port", "0", "--threads", "3",
                                      "--connection-limit", "50", "--channel-timeout", "7", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert seen == {"index_dir": webui_index_dir, "host": "127.0.0.1", "port": 0, "threads": 3, "workers": 1,
                    "connection_limit": 50, "channel_timeout": 7}
    seen.clear()
    assert CliRunner().invoke(cli, ["serve", "--index-dir", str(webui_index_dir), "--port", "0"]).exit_code == 0
    assert seen["workers"] == webui.server.default_workers()


def test_accept_header_json_gets_json_errors(client):
    response = client.get("/doc/missing", headers={"Accept": "application/json"})
    assert_error_shape(response, 404)
    response = client.get("/search?sort=x", headers={"Accept": "application/json, text/html;q=0.5"})
    assert_error_shape(response, 400)
    assert client.get("/doc/missing", headers={"Accept": "text/html,*/*;q=0.8"}).content_type.startswith("text/html")


def test_url_prefix_config(webui_index_dir):
    app = create_app({"INDEX_DIR": str(webui_index_dir), "URL_PREFIX": "/c/"})
    try:
        client = app.test_client()
        page = page_of(client.get("/c/search?q=policy"))
        assert page.find("form", id="search-form")[0]["action"] == "/c/search"
        assert client.get("/search").status_code == 404
        assert page_of(client.get("/nowhere")).link("Go to the search page")["href"] == "/c/"
    finally:
        app.extensions["commentary"].close()


def test_blueprint_mounted_twice_over_two_indexes(webui_index_dir, webui_hostile_index_dir):
    host = Flask("host")
    with search.open_index(webui_index_dir) as main_ix, search.open_index(webui_hostile_index_dir) as hostile_ix:
        host.register_blueprint(create_blueprint(main_ix), url_prefix="/main")
        host.register_blueprint(create_blueprint(hostile_ix, name="hostile"), url_prefix="/hostile")
        client = host.test_client()
        assert api(client, "/main/api/search")["total"] == 17
        assert api(client, "/hostile/api/search")["total"] == 4
        page = page_of(client.get("/hostile/search?q=policy"))
        assert all(l["href"].startswith(("/hostile/", "#")) for l in page.links if not l["href"].startswith("http"))


# -- docs that cannot rot ------------------------------------------------------------------------------


def test_docs_cover_routes_config_and_parameters(app):
    docs = (Path(__file__).resolve().parent.parent / "docs" / "webui.md").read_text(encoding="utf-8")
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith("static"):
            continue
        documented = re.sub(r"<(?:path:)?(\w+)>", lambda m: {"doc_id": "<id>", "name": "<name>"}[m.group(1)], rule.rule)
        assert f"`{documented}" in docs, rule.rule
    from webui.app import DEFAULTS

    for key in [*DEFAULTS, "INDEX_DIR"]:
        assert f"`{key}`" in docs, key
    for name in ("q", "author", "affiliation", "source", "tag", "since", "until", "sort", "page", "limit", "match", "format"):
        assert f"`{name}`" in docs, name
    assert '{"ok": false, "status": 400, "error":' in docs

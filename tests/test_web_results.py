"""What the search page says about its results (issue 9), through Flask's test client.

Facet counts that predict a click, corrections with their results, match
words in titles, tips that find something, a bad date that keeps the
search, the skip link to the filters, compression and static caching.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from click.testing import CliRunner

from search.cli import cli

from test_webui import api, page_of, query_of


def facet_links(page, facet: str) -> dict[str, dict[str, str]]:
    """The links of one facet's values, by the value's label, with their count text."""
    html = page.raw
    section = re.search(rf'<section class="panel facet facet--{facet}".*?</section>', html, re.S)
    assert section, f"no {facet} facet"
    out = {}
    for m in re.finditer(r'<a href="([^"]+)"[^>]*title="([^"]+)">.*?facet__label">([^<]+)</span>.*?'
                         r'<span class="facet__count[^"]*">([^<]*)</span>', section.group(0), re.S):
        href, title, label, count = m.groups()
        out[_unescape(label)] = {"href": _unescape(href), "title": _unescape(title), "count": count}
    return out


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def get_page(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    page = page_of(response)
    page.raw = response.get_data(as_text=True)
    return page


# -- 1. facet counts say what a click does ----------------------------------------------


def test_unchosen_authors_show_what_a_click_adds(client):
    base = api(client, "/api/search?q=policy&author=Li+Wei")["total"]
    authors = facet_links(get_page(client, "/search?q=policy&author=Li+Wei"), "author")
    others = {name: link for name, link in authors.items() if name != "Li Wei"}
    # Every author stays listed (the facet ignores its own filter) ...
    everyone = {f["value"] for f in api(client, "/api/search?q=policy")["facets"]["author"]}
    assert set(authors) == everyone and len(others) >= 3
    for name, link in others.items():
        # ... and the number is exactly what following the link adds.
        args = query_of(link["href"])
        assert sorted(args["author"]) == sorted(["Li Wei", name]) and link["title"] == f"Also {name}"
        after = api(client, "/api/search?" + urlsplit(link["href"]).query)["total"]
        assert link["count"] == f"+{after - base}", name
    assert authors["Li Wei"]["title"] == "Remove filter: Li Wei"


def test_other_facets_show_what_a_click_yields(client):
    sources = facet_links(get_page(client, "/search?q=policy&author=Li+Wei"), "source")
    assert sources
    for name, link in sources.items():
        assert link["title"] == f"Only {name}"
        yielded = api(client, "/api/search?" + urlsplit(link["href"]).query)["total"]
        assert link["count"] == f"{yielded:,}", name


def test_year_facet_counts_ignore_the_chosen_period(client):
    years = facet_links(get_page(client, "/search?q=policy&since=2019&until=2019"), "year")
    assert len(years) > 1  # the other years are still there to switch to
    for year, link in years.items():
        if link["title"].startswith("Remove filter"):
            continue  # the chosen year: its link removes the period
        yielded = api(client, "/api/search?" + urlsplit(link["href"]).query)["total"]
        assert link["count"] == f"{yielded:,}", year


# -- 2. corrections: one suggestion, the same in the CLI ------------------------------------


def test_cli_and_web_make_the_same_correction(client, webui_index_dir: Path):
    result = CliRunner().invoke(cli, ["search", "inflaton", "--index-dir", str(webui_index_dir)])
    assert result.exit_code == 0, result.output
    assert "Showing results for inflation; nothing matches inflaton." in result.output
    assert "Did you mean" not in result.output
    web = get_page(client, "/search?q=inflaton")
    assert "Showing results for inflation" in web.text
    titles = [h["text"] for h in web.links if "/doc/" in h.get("href", "") and "q=inflation" in h["href"]]
    assert titles and all(" ".join(t.split()) in result.output for t in titles[:3])


# -- 3. match words in titles ---------------------------------------------------------------


def test_match_words_in_hit_titles_are_marked(client):
    page = get_page(client, "/search?q=sanctions")
    titles = re.findall(r'<h2 class="hit__title">\s*<a [^>]*>(.*?)</a>', page.raw, re.S)
    assert titles and any("<mark>Sanctions</mark>" in t for t in titles)
    # A corrected search marks the correction's words.
    corrected = get_page(client, "/search?q=sanctons")
    assert "<mark>Sanctions</mark>" in corrected.raw


def test_hit_titles_stay_escaped_when_marked(webui_hostile_client):
    response = webui_hostile_client.get("/search?q=hostile+title+script")
    html = response.get_data(as_text=True)
    titles = re.findall(r'<h2 class="hit__title">\s*<a [^>]*>(.*?)</a>', html, re.S)
    hostile = [t for t in titles if "xss" in t]
    assert hostile, titles
    for title in hostile:
        assert "<script" not in title and "&lt;<mark>script</mark>&gt;" in title
        assert set(re.findall(r"</?(\w+)", title)) == {"mark"}


# -- 16. tips from the index ------------------------------------------------------------------


def test_search_tips_come_from_the_index_and_each_finds_something(client):
    page = get_page(client, "/")
    tips = re.findall(r'<dt><a href="([^"]+)"><code>', page.raw)
    assert len(tips) >= 5
    queries = [parse_qs(urlsplit(_unescape(t)).query)["q"][0] for t in tips]
    authors = {f["value"].split()[-1].lower() for f in api(client, "/api/search")["facets"]["author"]}
    years = {str(f["value"]) for f in api(client, "/api/search")["facets"]["year"]}
    assert any(q.startswith("author:") and q[7:] in authors for q in queries), queries
    assert any(q.startswith("date:") and q[5:] in years for q in queries), queries
    assert any(" OR " in q for q in queries) and any(q.startswith('"') for q in queries)
    for query in queries:
        found = api(client, "/api/search?" + urlsplit(_unescape(tips[queries.index(query)])).query)
        assert found["total"] > 0 and found["match"] == "all" and not found["corrected"], query


def test_empty_results_offer_the_same_tips(client):
    page = get_page(client, "/search?q=zeppelinography")
    assert "Search tips" in page.text
    assert "author:smith" not in page.raw and "tariffs OR sanctions" not in page.raw


# -- 14. a bad date keeps the search ----------------------------------------------------------


def test_bad_date_keeps_the_search(client):
    page = get_page(client, "/search?q=policy&author=Li+Wei&since=1788-13&until=2020", status=400)
    inputs = {a.get("id"): a for tag, a in page.elements if tag == "input" and a.get("id")}
    assert inputs["q"]["value"] == "policy"
    assert inputs["since"]["value"] == "1788-13" and inputs["since"]["aria-invalid"] == "true"
    assert inputs["until"]["value"] == "2020" and "aria-invalid" not in inputs["until"]
    error = re.search(r'<p class="field-error" id="since-error">([^<]+)</p>', page.raw)
    assert error and "since must be a date" in error.group(1) and "1788-13" in _unescape(error.group(1))
    assert "since-error" in inputs["since"]["aria-describedby"]
    # The rest of the search still ran: the author filter and the valid date hold.
    expected = api(client, "/api/search?q=policy&author=Li+Wei&until=2020")
    assert expected["total"] > 0
    assert len(page.find("li", class_="hit")) == len(expected["hits"])
    assert any(a.get("value") == "Li Wei" for tag, a in page.elements if tag == "input" and a.get("type") == "hidden")


def test_a_bad_page_number_keeps_the_search_too(client):
    page = get_page(client, "/search?q=policy&author=Li+Wei&page=abc&sort=oldest", status=400)
    inputs = {a.get("id"): a for tag, a in page.elements if tag == "input" and a.get("id")}
    assert inputs["q"]["value"] == "policy"
    assert re.search(r'class="callout callout--error" role="alert"><strong>page must be a whole number', page.raw)
    expected = api(client, "/api/search?q=policy&author=Li+Wei&sort=oldest")
    titles = re.findall(r'<h2 class="hit__title">\s*<a [^>]*>(.*?)</a>', page.raw, re.S)
    assert [re.sub("</?mark>", "", t) for t in titles] == [h["title"] for h in expected["hits"]]
    # What cannot be left out still gets the error page.
    assert client.get("/search?q=policy&format=xml").status_code == 400


def test_contradicting_dates_mark_until(client):
    page = get_page(client, "/search?q=policy&since=2021&until=2020", status=400)
    assert re.search(r'id="until-error">since \(2021\) is after until \(2020\)', page.raw)


def test_bad_date_json_twin_keeps_the_error_shape(client):
    response = client.get("/search?q=policy&since=1788-13&format=json")
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 400 and "since must be a date" in body["error"]


# -- 17. skip link, compression, static caching ------------------------------------------------


def test_skip_link_to_the_filters(client):
    for url in ("/search?q=policy", "/author/Li%20Wei"):
        page = get_page(client, url)
        skip = [a for a in page.links if "skip-link" in a.get("class", "")]
        assert [a["href"] for a in skip] == ["#main", "#filters"], url
        assert page.find("aside", id="filters"), url


def test_pages_and_json_are_gzipped_when_accepted(client):
    for url, mimetype in (("/search?q=policy", "text/html"), ("/api/search?q=policy", "application/json")):
        plain = client.get(url)
        zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
        assert plain.headers.get("Content-Encoding") is None and "Accept-Encoding" in plain.headers["Vary"]
        assert zipped.headers["Content-Encoding"] == "gzip" and zipped.mimetype == mimetype
        assert "Accept-Encoding" in zipped.headers["Vary"]
        unzipped = gzip.decompress(zipped.data)
        assert len(zipped.data) < len(unzipped) / 2
        assert unzipped.count(b"<li class=\"hit\">") == plain.data.count(b"<li class=\"hit\">")


def test_static_files_have_hashed_urls_and_a_long_cache(client):
    page = get_page(client, "/")
    assets = re.findall(r'(?:href|src)="(/assets/[^"]+)"', page.raw)
    assert {urlsplit(a).path for a in assets} >= {"/assets/style.css", "/assets/app.js", "/assets/favicon.svg"}
    for asset in assets:
        digest = parse_qs(urlsplit(_unescape(asset)).query)["v"][0]
        assert re.fullmatch(r"[0-9a-f]{12}", digest)
        response = client.get(_unescape(asset), headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        response.close()
    # Without the current hash the file is served, but checked again next time.
    stale = client.get("/assets/style.css?v=000000000000")
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    stale.close()


def test_chips_of_one_facet_read_as_alternatives(client):
    page = get_page(client, "/search?q=policy&author=Li+Wei&author=Maria+Alvarez&source=The+Ledger")
    kinds = re.findall(r'<span class="chip__kind">([^<]+)</span> <span class="chip__value">([^<]+)</span>', page.raw)
    assert kinds == [("Author:", "Li Wei"), ("or", "Maria Alvarez"), ("Source:", "The Ledger")]
    # Each still removes only itself, and says which filter it is.
    assert 'aria-label="Remove filter Author: Maria Alvarez"' in page.raw


def test_the_api_takes_correct_0_like_the_page(client):
    assert api(client, "/api/search?q=inflaton")["corrected"] is True
    typed = api(client, "/api/search?q=inflaton&correct=0")
    assert typed["corrected"] is False and typed["total"] == 0 and typed["suggestion"] == "inflation"
    twin = api(client, "/search?q=inflaton&correct=0&format=json")
    assert {k: v for k, v in twin.items() if k != "took"} == {k: v for k, v in typed.items() if k != "took"}


def test_a_filter_given_in_another_spelling_shows_as_its_stored_value(client):
    authors = facet_links(get_page(client, "/search?q=policy&author=li+wei"), "author")
    assert "li wei" not in authors  # no second, empty row for the spelling typed
    assert authors["Li Wei"]["title"] == "Remove filter: Li Wei"
    assert query_of(authors["Li Wei"]["href"]) == {"q": ["policy"]}
    base = api(client, "/api/search?q=policy&author=li+wei")["total"]
    assert base == api(client, "/api/search?q=policy&author=Li+Wei")["total"] > 0
    for name, link in authors.items():
        if name != "Li Wei":
            assert query_of(link["href"])["author"] == ["li wei", name]
            after = api(client, "/api/search?" + urlsplit(link["href"]).query)["total"]
            assert link["count"] == f"+{after - base}", name

"""End to end: the real waitress server, driven by headless Chromium (Playwright).

Needs Debian's Chromium at /usr/bin/chromium (``apt-get install chromium``)
(or the binary named in ``$COMMENTARY_CHROMIUM``) and the ``playwright``
package; no browser download.  When either is missing
these tests FAIL with a message saying so: they never skip silently.
Run only these with ``pytest -m browser``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest

import search

from live_server import running_server

pytestmark = pytest.mark.browser

# Debian's Chromium; another binary can be named in $COMMENTARY_CHROMIUM.
CHROMIUM = Path(os.environ.get("COMMENTARY_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def live_url(webui_corpus_dir: Path, webui_hostile_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a real waitress server over the test corpus plus the hostile one."""
    index_dir = tmp_path_factory.mktemp("browser-index") / "index"
    search.build_index([webui_corpus_dir, webui_hostile_dir], index_dir=index_dir)
    with running_server(index_dir, env={"COMMENTARY_PER_PAGE": "5"}) as base:
        yield base


def _missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return (f"Chromium is not installed at {CHROMIUM}: run `apt-get install -y chromium` "
                "(the browser tests never download a browser).")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return ("playwright is not installed: `pip install playwright` "
                "(do not run `playwright install`; the tests use /usr/bin/chromium).")
    return None


def test_chromium_and_playwright_are_installed():
    """Reported as a plain failure; the tests below then error in their setup with the same message."""
    problem = _missing_browser()
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium; fails (never skips) when it cannot be started."""
    problem = _missing_browser()
    if problem:
        pytest.fail(problem, pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page plus what it did that it should not have: dialogs, console errors,
    requests to any server but ours (blocked, and recorded)."""

    def __init__(self, page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.external: list[str] = []
        page.route("**/*", self._route)
        page.on("dialog", self._dialog)
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.set_default_timeout(TIMEOUT_MS)

    def _route(self, route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def _page(browser, **context_options) -> Iterator[Watched]:
    context = browser.new_context(**context_options)
    watched = Watched(context.new_page())
    yield watched
    context.close()


@pytest.fixture
def page(browser) -> Iterator[Watched]:
    yield from _page(browser, viewport={"width": 1280, "height": 900})


@pytest.fixture
def nojs_page(browser) -> Iterator[Watched]:
    yield from _page(browser, viewport={"width": 1280, "height": 900}, java_script_enabled=False)


@pytest.fixture
def phone_page(browser) -> Iterator[Watched]:
    yield from _page(browser, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)


def _in_viewport(page, selector: str) -> bool:
    return page.eval_on_selector(
        selector, "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }")


def test_type_a_query_and_see_highlighted_results(page, live_url):
    p = page.page
    p.goto(live_url + "/")
    p.fill("#q", "inflation")
    p.press("#q", "Enter")
    p.wait_for_url("**/search?q=inflation")  # empty and default fields left out of the URL by app.js
    assert p.locator(".result-count").inner_text().startswith("Results 1–")
    assert p.locator(".hit__snippet mark").count() >= 3
    assert p.locator(".hit__snippet mark").first.inner_text().lower() == "inflation"
    assert not page.errors and not page.dialogs
    assert not page.external  # works offline: nothing from other servers


def test_author_facet_adds_a_chip_and_the_chip_removes_it(page, live_url):
    p = page.page
    p.goto(live_url + "/search?q=policy")
    p.click(".facet--author a[title='Only Li Wei']")
    p.wait_for_url("**author=Li+Wei**")
    chip = p.locator(".chip")
    assert chip.count() == 1 and "Li Wei" in chip.inner_text()
    assert p.locator(".result-count").inner_text().startswith("Results 1–3 of 3")
    p.click(".chip__remove")
    p.wait_for_url(lambda url: "author=" not in url)
    assert p.locator(".chip").count() == 0


def test_go_to_page_two(page, live_url):
    p = page.page
    p.goto(live_url + "/search?q=policy")
    p.click("a[rel=next]")
    p.wait_for_url("**page=2**")
    assert p.locator(".result-count").inner_text().startswith("Results 6–10")
    assert p.locator(".pager a[aria-current=page]").inner_text() == "2"


def test_open_a_document_and_see_the_first_match(page, live_url):
    p = page.page
    p.goto(live_url + "/search?q=inflation&sort=oldest")
    p.click(".hit__title a >> nth=0")
    p.wait_for_url("**/doc/**")
    assert "q=inflation" in p.url and p.url.endswith("#first-match")
    first = p.locator("mark#first-match")
    assert first.is_visible() and first.inner_text().lower() == "inflation"
    assert _in_viewport(p, "mark#first-match")
    assert p.locator(".document__body mark").count() >= 1


def test_slash_focuses_the_search_box(page, live_url):
    p = page.page
    p.goto(live_url + "/doc/2019/li-trade.md")
    p.click("h1")
    p.keyboard.press("/")
    assert p.evaluate("document.activeElement.id") == "q"
    # Inside the box, "/" is just a character.
    p.keyboard.type("a/b")
    assert p.input_value("#q") == "a/b"


def test_timeline_bar_filters_to_its_period(page, live_url):
    p = page.page
    p.goto(live_url + "/search?q=policy")
    bars = p.locator("a.timeline__bar")
    assert bars.count() >= 10
    p.locator("a.timeline__bar:has(title:text-matches('^2019:'))").click()
    p.wait_for_url("**since=2019&until=2019**")
    assert "Matching documents per month" in p.locator(".timeline__caption").inner_text()


HOSTILE_URLS = [
    "/search?q=hostile+policy+script+alert&match=any",
    "/search?q=%3Cscript%3Ewindow.__xss%3D99%3C%2Fscript%3E",
    "/doc/script-everywhere.md?q=policy+alert+script",
    "/doc/plain-hostile.txt?q=script+policy",
    "/doc/no-front-matter.md?q=policy",
    "/doc/long-line.txt?q=tariffs",
    "/author/%3Cscript%3Ewindow.__xss%3D2%3C%2Fscript%3EEve%20Attacker",
    "/search?author=%3Cscript%3Ewindow.__xss%3D2%3C%2Fscript%3EEve%20Attacker",
]


def test_hostile_documents_do_not_execute(page, live_url):
    p = page.page
    for path in HOSTILE_URLS:
        response = p.goto(live_url + path)
        assert response.status == 200, path
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        p.wait_for_load_state("load")
        assert p.evaluate("typeof window.__xss") == "undefined", path
        assert len(p.frames) == 1, path  # no iframe got in
        assert p.locator("img").count() == 0, path
    # Hover and click what might carry handlers (the javascript: and data:
    # links were reduced to their text).
    p.goto(live_url + "/doc/script-everywhere.md")
    for text in ("click me", "data link", "Hostile title"):
        locator = p.get_by_text(text)
        assert locator.count(), text
        locator.first.hover()
        locator.first.click()
    p.hover("text=Inline handler paragraph")
    p.wait_for_timeout(100)
    assert p.evaluate("typeof window.__xss") == "undefined"
    assert page.dialogs == []
    assert page.external == []  # no iframe, image or script from elsewhere was even requested
    # Nothing on our pages trips the CSP either (a violation would be a console error).
    assert not [e for e in page.errors if "Content Security Policy" in e], page.errors


def test_everything_works_without_javascript(nojs_page, live_url):
    p = nojs_page.page
    p.goto(live_url + "/")
    p.fill("#q", "rule of law")
    p.click(".search-form__submit")
    p.wait_for_url("**/search?q=rule+of+law**")
    assert p.locator(".hit").count() >= 2
    p.click(".hit__title a >> nth=0")
    p.wait_for_url("**/doc/**")
    p.click(".match-bar__jump")
    assert p.url.endswith("#first-match")
    assert _in_viewport(p, "mark#first-match")
    # The date fields belong to the header form and submit with it.
    p.goto(live_url + "/search?q=policy")
    p.fill("#since", "2019")
    p.fill("#until", "2020")
    p.click(".refine .button")
    p.wait_for_url("**since=2019**")
    assert "until=2020" in p.url and "q=policy" in p.url
    assert p.locator(".chip").count() == 2


def test_phone_width_facets_under_results(phone_page, live_url):
    p = phone_page.page
    p.goto(live_url + "/search?q=policy")
    width = p.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide on a 375px screen"
    last_hit = p.locator(".hit").last.bounding_box()
    aside = p.locator("aside.sidebar").bounding_box()
    assert aside["y"] >= last_hit["y"] + last_hit["height"]
    p.goto(live_url + "/doc/long-line.txt?q=tariffs")
    assert p.evaluate("document.documentElement.scrollWidth") <= 375


def test_keyboard_skip_link_and_focus_outline(page, live_url):
    p = page.page
    p.goto(live_url + "/search?q=policy")
    p.keyboard.press("Tab")
    assert p.evaluate("document.activeElement.className") == "skip-link"
    assert _in_viewport(p, ".skip-link")
    outline = p.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"

"""Accessibility and phone layout in headless Chromium, on the default corpus.

axe-core (from the npm registry) is injected into every kind of page, in the
light and the dark colour scheme, and must find nothing.  The script is
looked for in ``$COMMENTARY_AXE_JS``, else installed once with npm into the
gitignored ``.cache/axe-core`` of the repository.  When it cannot be had
(no npm, no registry) the audit FAILS saying so: it never passes unchecked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

import search

from live_server import running_server
# The browser fixture and the page watcher are shared with the other browser tests.
from test_browser import Watched, _missing_browser, browser, CHROMIUM, CHROMIUM_ARGS  # noqa: F401

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
AXE_DIR = REPO / ".cache" / "axe-core"
AXE_VERSION = "4"  # any 4.x: its rules are stable within a major version
PHONE = {"width": 390, "height": 844}


def _axe_source() -> str:
    """The axe-core script, installing it with npm the first time."""
    named = os.environ.get("COMMENTARY_AXE_JS")
    if named:
        path = Path(named)
        if not path.is_file():
            pytest.fail(f"COMMENTARY_AXE_JS names {path}, which does not exist.", pytrace=False)
        return path.read_text(encoding="utf-8")
    path = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not path.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("axe-core is needed for the accessibility audit and npm is not installed: "
                        "`apt-get install -y npm`, or set COMMENTARY_AXE_JS to an axe.min.js.", pytrace=False)
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR),
                               f"axe-core@{AXE_VERSION}"], capture_output=True, text=True, timeout=300)
        if done.returncode or not path.is_file():
            pytest.fail(f"`npm install axe-core@{AXE_VERSION}` failed, so the accessibility audit cannot run:\n"
                        f"{done.stderr[-1500:]}", pytrace=False)
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def axe_source() -> str:
    return _axe_source()


@pytest.fixture(scope="module")
def corpus_url(webui_corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server over the default corpus (``seeds/``) plus the web UI test corpus."""
    index_dir = tmp_path_factory.mktemp("audit-index") / "index"
    search.build_index([REPO / "seeds", webui_corpus_dir], index_dir=index_dir)
    with running_server(index_dir) as base:
        yield base


# Every kind of page: (path, expected status).
PAGES = [
    ("/", 200),
    ("/search?q=standing+armies", 200),
    ("/search?q=taxation&author=Alexander+Hamilton&since=1787", 200),
    ("/search?q=goverment", 200),                      # corrected
    ("/search?q=goverment&correct=0", 200),            # nothing found, a suggestion
    ("/search?q=zeppelinography", 200),                # nothing found, tips
    ("/search?q=militia&since=1788-13", 400),          # a bad date beside its field
    ("/doc/federalist-029.txt?q=militia", 200),
    ("/doc/2023/alvarez-central-banks.md", 200),       # Markdown: headings, lists, a table
    ("/author/James%20Madison", 200),
    ("/nowhere", 404),
    ("/search?q=taxation&page=abc", 400),             # a bad argument, named above the results
    ("/search?format=xml", 400),                       # the error page
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_any_page(browser, corpus_url, axe_source, scheme):
    # The page's CSP forbids injected scripts; the audit context bypasses it.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme, bypass_csp=True)
    try:
        page = Watched(context.new_page()).page
        found = {}
        for path, status in PAGES:
            response = page.goto(corpus_url + path)
            assert response.status == status, path
            page.add_script_tag(content=axe_source)
            violations = page.evaluate("""async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.map(v => v.id + " (" + v.impact + "): " +
                    v.nodes.slice(0, 3).map(n => n.target.join(" ") + " " + (n.failureSummary || "")).join(" | "));
            }""")
            if violations:
                found[path] = violations
        assert not found, "\n".join(f"{p}:\n  " + "\n  ".join(v) for p, v in found.items())
    finally:
        context.close()


def test_phone_filters_near_the_top_and_first_result_above_the_fold(browser, corpus_url):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(corpus_url + "/search?q=standing+armies")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        first = page.locator(".hit").first.bounding_box()
        assert first["y"] + 120 <= PHONE["height"], f"the first result starts at {first['y']}px"
        control = page.locator("a.filters-link")
        box = control.bounding_box()
        assert box and box["y"] + box["height"] <= first["y"], "the Filters control is not above the results"
        # Without JavaScript it is an anchor: following it brings the filters into view.
        control.click()
        page.wait_for_url("**#filters")
        aside = page.locator("#filters").bounding_box()
        assert -2 <= aside["y"] < PHONE["height"] / 2  # scrolled to it (within a sub-pixel)
        assert page.locator(".facet--author").is_visible()
        # And the way back.
        page.click(".sidebar__back")
        page.wait_for_url("**#main")
        assert page.locator(".hit").first.is_visible()
    finally:
        context.close()


def test_tab_reaches_the_filters_through_the_skip_link(browser, corpus_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(corpus_url + "/search?q=taxation")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.getAttribute('href')") == "#filters"
        page.keyboard.press("Enter")
        # The next Tab lands on the first filter link.
        page.keyboard.press("Tab")
        inside = page.evaluate("document.getElementById('filters').contains(document.activeElement)")
        assert inside
    finally:
        context.close()

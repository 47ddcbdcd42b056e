"""Regenerate the web UI screenshots in this folder.

    python docs/screenshots/take.py [--index-dir DIR] [--chromium /usr/bin/chromium]

Without ``--index-dir`` it builds a temporary index of the default corpus
(``seeds/``: the Federalist and Anti-Federalist essays and the seed), serves
it with waitress on a free port, and drives headless Chromium (Playwright)
to take:

* ``search.png``        search page with results, facets and timeline (desktop)
* ``document.png``      a document reached from a search, matches highlighted
* ``search-phone.png``  the search page at phone width
* ``search-dark.png``   the search page in the dark theme
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def build_demo_index(workdir: Path) -> Path:
    """An index of the default corpus, built in ``workdir``."""
    import search

    target = workdir / "index"
    search.build_index([REPO / "seeds"], index_dir=target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=HERE)
    options = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from webui import create_app
    from webui.server import make_server

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = options.index_dir or build_demo_index(Path(tmp))
        app = create_app({"INDEX_DIR": str(index_dir)})
        server = make_server(app, host="127.0.0.1", port=0, threads=2)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.effective_port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=options.chromium, args=CHROMIUM_ARGS)
                desktop = browser.new_page(viewport={"width": 1280, "height": 1000})
                desktop.goto(f"{base}/search?q=standing+armies")
                desktop.screenshot(path=str(options.out / "search.png"), full_page=False)
                desktop.goto(f"{base}/doc/federalist-029.txt?q=standing+armies")
                desktop.evaluate("window.scrollTo(0, 0)")  # app.js brings the first match into view
                desktop.screenshot(path=str(options.out / "document.png"), full_page=False)
                dark = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
                dark.goto(f"{base}/search?q=taxation&author=Alexander+Hamilton&author=James+Madison")
                dark.screenshot(path=str(options.out / "search-dark.png"))
                phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
                phone.goto(f"{base}/search?q=standing+armies")
                phone.screenshot(path=str(options.out / "search-phone.png"))
                browser.close()
        finally:
            server.close()
            app.extensions["commentary"].close()
    print(f"screenshots written to {options.out}")


if __name__ == "__main__":
    main()

"""Live reload in a real headless browser: an open page follows edits with no action from anyone.

Uses the system Chromium through Playwright (never a downloaded browser); skipped without them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_serve import SLUGS, EventStream, ServeProcess, replace, set_title, small_project

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 15_000

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no system Chromium at /usr/bin/chromium")


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def test_an_open_page_follows_edits_by_itself(tmp_path, browser):
    project = small_project(tmp_path / "project")
    article = project.content / f"{SLUGS[0]}.md"
    with ServeProcess(project) as server:
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{server.url}ar/{SLUGS[0]}/")
        page.wait_for_function("() => window.__digestLivereload === true")
        page.evaluate("() => { window.__marker = 'before' }")

        set_title(article, "عنوان تغيّر في المتصفح")
        page.wait_for_function("t => document.querySelector('h1').textContent.includes(t)",
                               arg="عنوان تغيّر في المتصفح")
        assert page.evaluate("() => window.__marker") is None  # a fresh document: the page reloaded

        text = article.read_text(encoding="utf-8")
        page.evaluate("() => { window.__marker = 'kept' }")
        replace(article, re.sub(r"(?m)^source: .*$", "source: : broken", text, count=1))
        overlay = page.wait_for_selector("#__digest_overlay")
        assert f"{SLUGS[0]}.md:4" in overlay.text_content()
        assert page.evaluate("() => window.__marker") == "kept"  # shown over the last good page
        assert "عنوان تغيّر في المتصفح" in page.text_content("h1")

        replace(article, text)
        page.wait_for_selector("#__digest_overlay", state="detached")

        page.evaluate("() => { window.__marker = 'styled' }")
        css = project.root / "theme" / "style.css"
        css.parent.mkdir(exist_ok=True)
        with css.open("a", encoding="utf-8") as handle:
            handle.write("\nhtml { --probe: 7; }\n")
        page.wait_for_function(
            "() => getComputedStyle(document.documentElement).getPropertyValue('--probe').trim() === '7'")
        assert page.evaluate("() => window.__marker") == "styled"  # swapped without a reload


def test_a_stylesheet_saved_while_the_page_connects_is_swapped_not_reloaded(tmp_path, browser):
    """The race behind a flaky CI run: the page's event stream connects only after a stylesheet
    build ended. It must still get that build as a swap, not reload for a generation it missed."""
    project = small_project(tmp_path / "project")
    with ServeProcess(project) as server:
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        held = []
        stream = re.compile(r"/__livereload(\?|$)")

        def hold(route):  # the page's event stream waits until let through
            held.append(route)

        page.route(stream, hold)
        page.goto(f"{server.url}en/{SLUGS[1]}/")
        page.wait_for_function("() => window.__digestLivereload === true")
        for _ in range(100):
            if held:
                break
            page.wait_for_timeout(50)
        assert held, "the page never opened its event stream"
        page.evaluate("() => { window.__marker = 'kept' }")

        events = EventStream(server)
        css = project.root / "theme" / "style.css"
        css.parent.mkdir(exist_ok=True)
        with css.open("a", encoding="utf-8") as handle:
            handle.write("\nhtml { --late: 3; }\n")
        events.wait_for("css")
        events.close()

        for route in held:
            route.continue_()
        page.unroute(stream, hold)
        page.wait_for_function(
            "() => getComputedStyle(document.documentElement).getPropertyValue('--late').trim() === '3'")
        assert page.evaluate("() => window.__marker") == "kept"

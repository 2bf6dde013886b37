"""The built site in a real headless browser (Debian's chromium, driven by Playwright for Python).

One build of the sample site (see conftest_browser.py), served on 127.0.0.1 by a thread, and one
browser for the whole module. Needs /usr/bin/chromium (apt-get install chromium) and axe-core
(npm ci --prefix tests); Playwright never downloads a browser here.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
from conftest_browser import AXE, DESKTOP, MIXED, PHONE, ROOT, SEED, build_sample, chromium, needs_chromium, serving

ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """URL of the sample site, built for that very URL and served from a thread."""
    tmp = tmp_path_factory.mktemp("browser")
    with serving(tmp / "site") as url:
        build_sample(tmp, url)
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def tab(browser):
    """One page for the module (opening a page costs more than loading one of ours). The CSP is
    enforced as on the web; fr-FR keeps the root page from redirecting; `tab.requested` lists
    every URL the page asked for."""
    ctx = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    page = ctx.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    yield page
    ctx.close()


@pytest.fixture
def fresh(tab):
    """The shared page, put back to a desktop size in light mode after each test."""
    yield tab
    tab.set_viewport_size(DESKTOP)
    tab.emulate_media(color_scheme="light")


def go(page, url: str, wait_until: str = "load"):
    page.goto(url, wait_until=wait_until)
    page.evaluate("document.fonts.ready.then(() => true)")
    return page


def test_direction_follows_the_language(fresh, base_url):
    page = fresh
    for path, direction in ((f"ar/{SEED}/", "rtl"), ("ar/", "rtl"), (f"en/{SEED}/", "ltr"), ("en/", "ltr")):
        go(page, base_url + path)
        assert page.evaluate("getComputedStyle(document.documentElement).direction") == direction, path
        assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == direction, path
        switch = page.evaluate("getComputedStyle(document.querySelector('a.lang-switch')).direction")
        assert switch == ("ltr" if direction == "rtl" else "rtl"), path
    go(page, f"{base_url}en/category/economy/")  # an English section with nothing translated yet
    assert page.evaluate("getComputedStyle(document.querySelector('p.empty')).direction") == "ltr"
    go(page, f"{base_url}ar/{MIXED}/")
    code = page.evaluate("[...document.querySelectorAll('.body code, .body pre')]"
                         ".map(e => [e.tagName, getComputedStyle(e).direction, getComputedStyle(e).unicodeBidi])")
    assert code and all(d == "ltr" and b in ("isolate", "plaintext") for _, d, b in code), code
    assert any(tag == "PRE" for tag, _, _ in code)
    family = page.evaluate("getComputedStyle(document.querySelector('.body p')).fontFamily")
    assert family.startswith('"Noto Naskh Arabic"'), family
    loaded = page.evaluate("[...document.fonts].filter(f => f.status == 'loaded').map(f => f.weight)")
    assert "400" in loaded, loaded  # the bundled face, not a system fallback


@pytest.mark.parametrize("width", [360, 320])
def test_no_horizontal_overflow_on_phones(fresh, base_url, width):
    page = fresh
    page.set_viewport_size({"width": width, "height": 740})
    paths = ["ar/", "en/", f"ar/{SEED}/", f"en/{SEED}/", f"ar/{MIXED}/", "en/category/economy/", "ar/2016/09/01/", ""]
    for path in paths if width == 360 else paths[:2] + paths[4:5]:
        go(page, base_url + path)
        sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert sizes[0] <= sizes[1], f"/{path} at {width}px: scrollWidth {sizes[0]} > clientWidth {sizes[1]}"


def test_language_switch_leads_to_the_paired_page(fresh, base_url):
    page = fresh
    for start, paired in ((f"ar/{SEED}/", f"en/{SEED}/"), (f"ar/{MIXED}/", "en/"), ("en/", "ar/"),
                          ("ar/category/middleeast/", "en/category/middleeast/")):
        go(page, base_url + start)
        page.click("a.lang-switch")
        page.wait_for_url(base_url + paired)
        assert page.evaluate("document.documentElement.lang") == paired[:2]


def test_root_page_sends_readers_to_their_language(browser, fresh, base_url):
    go(fresh, base_url)  # fr-FR: neither language, so the page stays and offers both
    assert fresh.url == base_url and fresh.locator("a.choice").count() == 2
    for locale, landing in (("en-GB", "en/"), ("ar-SY", "ar/")):
        ctx = browser.new_context(locale=locale)
        page = ctx.new_page()
        page.goto(base_url, wait_until="commit")
        page.wait_for_url(base_url + landing)
        ctx.close()


def test_skip_link_and_visible_focus(fresh, base_url):
    page = fresh
    for lang in ("ar", "en"):
        go(page, f"{base_url}{lang}/{SEED}/")
        page.keyboard.press("Tab")
        state = page.evaluate("""() => {
            const e = document.activeElement, r = e.getBoundingClientRect(), s = getComputedStyle(e);
            return {cls: e.className, top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                    outline: s.outlineStyle, width: parseFloat(s.outlineWidth), vw: innerWidth};
        }""")
        assert state["cls"] == "skip-link"
        assert 0 <= state["top"] and state["bottom"] <= 200 and 0 <= state["left"] and state["right"] <= state["vw"]
        assert state["outline"] != "none" and state["width"] >= 2, state  # the :focus-visible ring
        assert (state["right"] > state["vw"] / 2) == (lang == "ar")  # at the start side: right in Arabic
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "content"
        page.keyboard.press("Tab")
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"


def test_no_request_leaves_the_site(fresh, base_url):
    page = fresh
    paths = ["", "ar/", "en/", f"ar/{SEED}/", f"en/{SEED}/", f"ar/{MIXED}/", "en/category/economy/",
             "ar/category/technology/", "en/2018/08/20/", "no/such/page/"]
    for path in paths:
        go(page, base_url + path)
    go(page, f"{base_url}en/", wait_until="networkidle")
    outside = [url for url in page.requested if not url.startswith(base_url)]
    assert not outside, outside
    assert any(url.endswith(".woff2") for url in page.requested)  # the bundled font, from the site
    # Even an image that an article's Markdown could link from elsewhere is refused (the CSP meta):
    # the browser reports the request to Playwright, but it fails without touching the network.
    failed = []

    def record(request):
        failed.append((request.url, request.failure))

    page.on("requestfailed", record)
    go(page, f"{base_url}ar/{MIXED}/")
    blocked = page.evaluate("""() => new Promise(resolve => {
        document.addEventListener('securitypolicyviolation', e => resolve(e.violatedDirective));
        const img = document.createElement('img');
        img.src = 'http://198.51.100.7/tracker.gif';
        document.body.append(img);
        setTimeout(() => resolve(null), 3000);
    })""")
    assert blocked and blocked.startswith("img-src")
    page.wait_for_timeout(100)
    page.remove_listener("requestfailed", record)
    assert failed and all(failure in ("csp", "net::ERR_BLOCKED_BY_CSP") for _, failure in failed), failed


def test_axe_finds_no_serious_or_critical_violation(browser, base_url):
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run 'npm ci --prefix tests' (needs node and npm)")
    report, problems = {}, []
    # axe goes in as an inline script, which the pages' CSP refuses; fr-FR keeps the root page in place.
    ctx = browser.new_context(viewport=DESKTOP, bypass_csp=True, locale="fr-FR")
    page = ctx.new_page()
    checks = [("light", f"ar/{SEED}/"), ("light", f"en/{SEED}/"), ("light", "en/category/economy/"), ("light", "ar/"),
              ("light", "en/"), ("light", ""), ("light", "404.html"), ("dark", f"ar/{MIXED}/"), ("dark", "en/")]
    try:
        for scheme, path in checks:
            page.emulate_media(color_scheme=scheme)
            go(page, base_url + path)
            page.add_script_tag(path=str(AXE))
            found = page.evaluate("""() => axe.run(document, {resultTypes: ['violations']}).then(r =>
                r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                         nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))""")
            report[f"{scheme} /{path}"] = found
            problems += [f"{scheme} /{path}: {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
                         for v in found if v["impact"] in ("serious", "critical")]
    finally:
        ctx.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    assert not problems, "\n".join(problems)


def test_screenshots_of_article_pages(fresh, base_url):
    """Artifacts for CI (tests/artifacts/); with DIGEST_UPDATE_SCREENSHOTS=1, also the copies the
    README shows (docs/screenshots/), which a plain test run leaves as they are: tracked files
    must not change whenever someone runs the tests."""
    page = fresh
    update_docs = os.environ.get("DIGEST_UPDATE_SCREENSHOTS") == "1"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = [("ar", DESKTOP, "light"), ("en", DESKTOP, "light"), ("ar", PHONE, "light"), ("en", PHONE, "light"),
             ("ar", PHONE, "dark")]
    for lang, viewport, scheme in shots:
        page.set_viewport_size(viewport)
        page.emulate_media(color_scheme=scheme)
        go(page, f"{base_url}{lang}/{SEED}/")
        name = f"article-{lang}-{viewport['width']}{'-dark' if scheme == 'dark' else ''}.png"
        page.screenshot(path=str(ARTIFACTS / name), animations="disabled", caret="hide")
        assert (ARTIFACTS / name).stat().st_size > 10_000
        if update_docs:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ARTIFACTS / name, SCREENSHOTS / name)

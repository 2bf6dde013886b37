"""The browsing polish in Chromium (Playwright, Debian's /usr/bin/chromium) at 360 and 1280 px:
day headings keep their month name in one line on desktop, the phone's main navigation shows
that it scrolls and lets every section be reached, teasers under a day heading show only the
time, and the 404 page has both navigations. Built with the longest month names there are
(Levantine تشرين الأول, English September) on long weekday names."""

from __future__ import annotations

import pytest
from conftest import article, make_project
from conftest_browser import AXE, DESKTOP, PHONE, chromium, needs_chromium, serving

from digest.build import Builder

pytestmark = needs_chromium

SETTINGS = "months: levantine\nper_page: 3\n"
LONG_DATES = ("2018-10-31T10:00:00+03:00", "2018-09-26T09:00:00+03:00", "2018-09-26T11:30:00+03:00",
              "2018-11-28T08:00:00+03:00")  # Wednesdays: the longest weekday name in both languages


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("browse-browser")
    project = make_project(root / "p", sample=True, settings=SETTINGS)
    for i, when in enumerate(LONG_DATES):
        project.write(f"long-{i}.md", article(title=f"خبر بتاريخ طويل {i}", date=when, category="economy",
                                              title_en=f'"A long date {i}"', tags="[سوريا]"))
    with serving(project.output) as url:
        Builder(project.options(jobs=1, progress=False, base_url=url)).build()
        yield url


@pytest.fixture(scope="module")
def tab():
    with chromium() as launched:
        page = launched.new_page(viewport=DESKTOP)
        yield page


def go(page, url: str):
    page.goto(url, wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")


# The date after the weekday (the month's name, the day and the year): one line, inside the heading.
DAY_HEADINGS = """[...document.querySelectorAll('.day > h2 time .nowrap')].map(t => {
  const h = t.closest('h2').getBoundingClientRect(), r = t.getBoundingClientRect();
  const lines = new Set([...t.getClientRects()].map(b => Math.round(b.top)));  // a box per bidi run
  return [t.textContent, lines.size, r.left >= h.left - 1 && r.right <= h.right + 1];
})"""


@pytest.mark.parametrize("path", ["ar/", "en/", "ar/page/2/", "ar/category/economy/", "ar/tag/سوريا/"])
def test_day_headings_keep_the_month_in_one_line_on_desktop(tab, base_url, path):
    tab.set_viewport_size(DESKTOP)
    go(tab, base_url + path)
    headings = tab.evaluate(DAY_HEADINGS)
    assert headings
    for text, lines, inside in headings:
        assert lines == 1 and inside, (path, text, lines, inside)
    texts = " ".join(text for text, _, _ in headings)
    if path == "ar/":
        assert "تشرين الأول" in texts and "تشرين الثاني" in texts
    if path == "en/":
        assert "September 26, 2018" in texts and "November 28, 2018" in texts


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_phone_navigation_shows_that_it_scrolls_and_reaches_every_section(tab, base_url, lang):
    tab.set_viewport_size(PHONE)
    go(tab, f"{base_url}{lang}/")
    nav = tab.evaluate("""(() => {
      const ul = document.querySelector('.site-nav ul'), s = getComputedStyle(ul);
      return {scroll: ul.scrollWidth, client: ul.clientWidth, overflow: s.overflowX,
              images: s.backgroundImage, attachment: s.backgroundAttachment,
              page: document.documentElement.scrollWidth, width: document.documentElement.clientWidth};
    })()""")
    assert nav["scroll"] > nav["client"], "the sections fit: nothing to show"
    assert nav["overflow"] in ("auto", "scroll")
    # Edge shadows (fixed to the box) under covers that scroll with the content.
    assert nav["images"].count("radial-gradient") == 2 and nav["images"].count("linear-gradient") == 2
    assert "local" in nav["attachment"] and "scroll" in nav["attachment"]
    assert nav["page"] <= nav["width"], "the page itself scrolls sideways"
    # Every section can be reached: scrolled to its end, the last link is wholly on screen.
    tab.evaluate("(() => { const ul = document.querySelector('.site-nav ul');"
                 " ul.scrollLeft = getComputedStyle(ul).direction == 'rtl' ? -ul.scrollWidth : ul.scrollWidth; })()")
    box = tab.locator(".site-nav li:last-child a").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP])
def test_teasers_under_a_day_heading_show_only_the_time(tab, base_url, viewport):
    tab.set_viewport_size(viewport)
    go(tab, f"{base_url}ar/")
    times = tab.evaluate("[...document.querySelectorAll('.teaser .meta time')].map(t => t.textContent)")
    assert times and all(len(t) <= 8 for t in times), times  # "10:00 ص", not the whole date


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP])
def test_404_page_has_the_navigation(tab, base_url, viewport):
    tab.set_viewport_size(viewport)
    go(tab, f"{base_url}404.html")
    links = tab.evaluate("[...document.querySelectorAll('nav a')].filter(a => a.getBoundingClientRect().width > 0)"
                         ".map(a => a.getAttribute('href'))")
    assert "/ar/category/economy/" in links and "/en/category/economy/" in links
    assert tab.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation_on_browsing_pages(tab, base_url, scheme):

    assert AXE.is_file(), f"{AXE} is missing: run 'npm ci --prefix tests'"
    context = tab.context.browser.new_context(viewport=PHONE if scheme == "dark" else DESKTOP, bypass_csp=True)
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    problems = []
    try:
        for path in ("ar/", "ar/page/2/", "ar/2018/", "ar/2018/10/", "ar/2018/10/31/", "en/2018/09/",
                     "ar/tag/سوريا/", "en/long-0/", "ar/long-0/"):
            go(page, base_url + path)
            page.add_script_tag(path=str(AXE))
            found = page.evaluate("""() => axe.run(document, {resultTypes: ['violations']}).then(r =>
                r.violations.map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' ')).slice(0, 3)]))""")
            problems += [f"/{path}: {v}" for v in found if v[1] in ("serious", "critical")]
    finally:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("en", "ltr")])
def test_page_numbers_read_in_the_page_direction(tab, base_url, lang, direction):
    """Newer, 1, 2, ..., older from the start edge: right to left in Arabic, left to right in English."""
    tab.set_viewport_size(DESKTOP)
    go(tab, f"{base_url}{lang}/page/2/")
    xs = tab.evaluate("[...document.querySelectorAll('nav.pagination a')].map(a => [a.textContent.trim(),"
                      " a.getBoundingClientRect().left])")
    assert len(xs) >= 4, xs
    lefts = [x for _, x in xs]
    assert lefts == (sorted(lefts, reverse=True) if direction == "rtl" else sorted(lefts)), xs
    assert tab.evaluate("document.querySelector('nav.pagination a[aria-current=page]').textContent.trim()") \
        in ("2", "٢")

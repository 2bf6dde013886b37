"""Pictures in a real headless browser (Debian's chromium through Playwright): the lead image and
the teasers' thumbnails load under the pages' Content-Security-Policy, from the site only, with
their boxes reserved before they load; screenshots at 360 and 1280 px go to tests/artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import article, make_project
from conftest_browser import chromium, needs_chromium, serving
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
STORIES = ("2019-05-01-harbour", "2019-05-02-market")

pytestmark = needs_chromium


def photo(path: Path, hue: int) -> None:
    """A 2400×1600 picture with shapes, so a screenshot shows it is really there."""
    image = Image.new("RGB", (2400, 1600), (30 + hue, 90, 160 - hue // 2))
    draw = ImageDraw.Draw(image)
    for i in range(12):
        draw.ellipse((i * 190, 300 + (i % 3) * 200, i * 190 + 300, 700 + (i % 3) * 200), fill=(240, 200 - i * 10, 40))
    image.save(path, "JPEG", quality=88)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pictures")
    project = make_project(tmp / "project")
    for day, name in enumerate(STORIES, 1):
        folder = project.content / name
        folder.mkdir()
        photo(folder / "lead.jpg", hue=day * 40)
        photo(folder / "detail.jpg", hue=day * 80)
        project.write(f"{name}/index.md", article(
            title=f"صورة من الميناء رقم {day}", date=f"2019-05-0{day}T10:00:00+03:00", category="middleEast",
            title_en=f'"Picture from the harbour, {day}"', summary_en='"Photographs from the port."',
            image="lead.jpg", image_caption='"سفن في الميناء عند الفجر"', image_credit='"المصور"',
            image_caption_en='"Ships in the harbour at dawn"',
            body="فقرة أولى عن الميناء والسفن.\n\n![تفصيل من الصورة](detail.jpg)\n\nفقرة أخيرة."))
    with serving(project.output) as url:
        project.build("--base-url", url)
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


LOADED = """sel => Array.from(document.querySelectorAll(sel)).map(img => ({
    complete: img.complete, natural: img.naturalWidth, src: img.currentSrc,
    box: img.getBoundingClientRect().height}))"""


@pytest.mark.parametrize("width", [360, 1280])
def test_lead_and_teaser_pictures_load_from_the_site_under_the_csp(browser, base_url, width):
    ARTIFACTS.mkdir(exist_ok=True)
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    page = ctx.new_page()
    requested, violations = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: violations.append(message.text) if "Content Security" in message.text
            else None)
    try:
        for lang in ("ar", "en"):
            page.goto(f"{base_url}{lang}/", wait_until="load")
            for img in page.locator(".teaser img").all():  # lazy: each loads once scrolled to
                img.scroll_into_view_if_needed()
            page.wait_for_load_state("networkidle")
            teasers = page.evaluate(LOADED, ".teaser img")
            assert len(teasers) == len(STORIES), teasers
            assert all(t["complete"] and t["natural"] > 0 and t["src"].startswith(base_url) for t in teasers), teasers
            # A thumbnail is the narrowest size the srcset offers for its 8rem box (before the article page
            # has put a bigger one in the browser's cache, which Chromium would then reuse).
            if lang == "ar":
                assert all("-480." in t["src"] for t in teasers), teasers
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(ARTIFACTS / f"pictures-home-{lang}-{width}.png"))
            page.goto(f"{base_url}{lang}/{STORIES[0]}/", wait_until="load")
            # The lead's box is reserved from its width and height before any pixel arrives.
            lead = page.evaluate(LOADED, ".lead img")
            assert len(lead) == 1 and lead[0]["complete"] and lead[0]["natural"] > 0, lead
            assert lead[0]["src"].startswith(base_url) and lead[0]["src"].endswith(".webp")
            assert lead[0]["box"] > 100
            page.screenshot(path=str(ARTIFACTS / f"pictures-article-{lang}-{width}.png"))
        page.goto(f"{base_url}ar/{STORIES[1]}/", wait_until="load")
        body = page.locator(".body picture img")
        body.scroll_into_view_if_needed()
        page.wait_for_load_state("networkidle")
        assert page.evaluate(LOADED, ".body picture img")[0]["natural"] > 0
    finally:
        ctx.close()
    assert not [url for url in requested if not url.startswith(base_url)]
    assert any("/images/" in url for url in requested)
    assert not violations, violations


def test_axe_finds_no_serious_or_critical_violation_on_pages_with_pictures(browser, base_url):
    axe = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
    assert axe.is_file(), f"{axe} is missing: run 'npm ci --prefix tests'"
    # axe goes in as an inline script, which the pages' CSP refuses.
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True, locale="fr-FR")
    page = ctx.new_page()
    problems = []
    try:
        for scheme in ("light", "dark"):
            for path in (f"ar/{STORIES[0]}/", f"en/{STORIES[0]}/", "ar/", "en/"):
                page.emulate_media(color_scheme=scheme)
                page.goto(base_url + path, wait_until="load")
                page.add_script_tag(path=str(axe))
                found = page.evaluate("""() => axe.run(document, {resultTypes: ['violations']}).then(r =>
                    r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                             nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))""")
                problems += [f"{scheme} /{path}: {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
                             for v in found if v["impact"] in ("serious", "critical")]
    finally:
        ctx.close()
    assert not problems, "\n".join(problems)

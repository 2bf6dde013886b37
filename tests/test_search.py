"""Search (digest/search/): the Arabic folding, the shards Pagefind builds and rebuilds, the
search pages in Chromium.

Builds run Pagefind's real program (pagefind[bin]); the browser tests serve the sample site
(conftest_browser.build_sample) on 127.0.0.1 and drive Debian's Chromium through Playwright.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import html5lib
import pytest
from conftest import article, make_project
from conftest_browser import AXE, CHROMIUM, SEED, build_sample, chromium, serving

from digest.build import Builder
from digest.problems import ContentError
from digest.search import indexer
from digest.search.normalise import FOLDS, fold

NS = {"h": "http://www.w3.org/1999/xhtml"}


# ---------------------------------------------------------------------------- folding


@pytest.mark.parametrize(("written", "folded"), [
    ("الإِرْهَابُ", "الارهاب"),  # harakat and sukun dropped, alef with hamza below
    ("أحمد", "احمد"),  # hamza above
    ("آمال", "امال"),  # madda
    ("ٱلله", "الله"),  # alef wasla
    ("كـــبير", "كبير"),  # tatweel
    ("مدرسة", "مدرسه"),  # taa marbuta
    ("مستشفى", "مستشفي"),  # alef maqsura
    ("شدّة", "شده"),  # shadda
    ("كتابٌ", "كتاب"),  # tanwin
    ("Kerry <b>lavrov</b> &amp; 2018", "Kerry <b>lavrov</b> &amp; 2018"),  # Latin text and HTML untouched
])
def test_fold(written, folded):
    assert fold(written) == folded
    assert fold(folded) == folded  # folding twice changes nothing: the query may arrive folded


def test_fold_agrees_with_its_table():
    """The page's script folds with FOLDS, character by character; fold() must do the same."""
    sample = "".join(FOLDS) + "ابتثجحخدذرزسشصضطظعغفقكلمنهوي abc"
    assert fold(sample) == "".join(FOLDS.get(c, c) for c in sample)


# ---------------------------------------------------------------------------- builds


def _bundle_inodes(cache: Path) -> dict[str, int]:
    """Each shard's key file in the cache, by shard: a shard indexed again gets a new one."""
    return {p.parent.name: p.stat().st_ino for p in (cache / "search").glob("*/.key")}


def _site_inodes(site: Path) -> dict[str, int]:
    return {str(p.relative_to(site)): p.stat().st_ino for p in (site / "pagefind").rglob("*") if p.is_file()}


@pytest.fixture
def project(tmp_path):
    p = make_project(tmp_path / "proj", sample=False)
    dates = ["2018-03-02T10:00:00+03:00", "2018-03-05T10:00:00+03:00", "2018-03-15T10:00:00+03:00",
             "2018-04-25T10:00:00+03:00", "2017-12-31T10:00:00+03:00"]
    for i, date in enumerate(dates):
        p.write(f"a{i}.md", article(f"خبر رقم {i} عن المدرسة", date=date, category="sport" if i == 2 else "middleEast",
                                    body=f"نص الخبر {i} عن مستشفى المدينة والإرهاب.\n\nفقرة ثانية {i}."))
    return p


def test_build_writes_shards_and_search_pages(project):
    Builder(project.options(jobs=2, progress=False)).build()
    site = project.output
    assert sorted(p.name for p in (site / "pagefind").iterdir()) == [
        "ar-2017-12-middleeast", "ar-2018-03-middleeast", "ar-2018-03-sport", "ar-2018-04-middleeast"]
    for shard in (site / "pagefind").iterdir():
        assert (shard / "pagefind.js").is_file() and (shard / "pagefind-entry.json").is_file()
        assert not (shard / "pagefind-ui.js").exists()  # Pagefind's own interface is not served
        assert not any(p.name.startswith(".") for p in shard.rglob("*"))  # the key stays in the cache
    entry = json.loads((site / "pagefind" / "ar-2018-03-middleeast" / "pagefind-entry.json").read_text())
    assert entry["languages"]["ar"]["page_count"] == 2
    for lang in ("ar", "en"):
        doc = html5lib.parse((site / lang / "search" / "index.html").read_bytes(), namespaceHTMLElements=True)
        csp = doc.find(".//h:meta[@http-equiv='Content-Security-Policy']", NS).get("content")
        assert "script-src 'self' 'wasm-unsafe-eval';" in csp
        box = doc.find(".//h:div[@id='search']", NS)
        shards = json.loads(box.get("data-shards"))
        expected = [] if lang == "en" else [["/pagefind/ar-2018-04-middleeast/", "2018", "middleeast"],
                                            ["/pagefind/ar-2018-03-sport/", "2018", "sport"],
                                            ["/pagefind/ar-2018-03-middleeast/", "2018", "middleeast"],
                                            ["/pagefind/ar-2017-12-middleeast/", "2017", "middleeast"]]
        assert shards == expected
        assert json.loads(box.get("data-folds")) == FOLDS
        assert doc.find(".//h:meta[@name='robots']", NS).get("content") == "noindex"
    # Every other page has the header's search box and a policy without WebAssembly.
    page = (site / "ar" / "a0" / "index.html").read_text(encoding="utf-8")
    assert 'action="/ar/search/"' in page and "wasm-unsafe-eval" not in page
    not_found = (site / "404.html").read_text(encoding="utf-8")
    assert 'action="/ar/search/"' in not_found and 'action="/en/search/"' in not_found


def test_only_the_changed_articles_shard_is_indexed_again(project):
    options = project.options(jobs=2, progress=False)
    Builder(options).build()
    cache_before, site_before = _bundle_inodes(project.cache), _site_inodes(project.output)
    # No change: the build stops after its scan, and touches no shard in the cache or the site.
    assert Builder(options).build().unchanged
    assert _bundle_inodes(project.cache) == cache_before and _site_inodes(project.output) == site_before
    # One article's text changes: only its shard (ar, March 2018, sport) is indexed again.
    path = project.content / "a2.md"
    path.write_text(path.read_text(encoding="utf-8").replace("فقرة ثانية", "فقرة معدلة"), encoding="utf-8")
    Builder(options).build()
    after = _bundle_inodes(project.cache)
    assert [name for name in after if after[name] != cache_before[name]] == ["ar-2018-03-sport"]
    site_after = _site_inodes(project.output)
    for path_, inode in site_after.items():
        if not path_.startswith("pagefind/ar-2018-03-sport/"):
            assert site_before.get(path_) == inode, path_  # other shards' files were left in place
    # An article deleted: its shard goes when it has no article left, from the cache and the site.
    (project.content / "a4.md").unlink()
    Builder(options).build()
    assert "ar-2017-12-middleeast" not in _bundle_inodes(project.cache)
    assert not (project.output / "pagefind" / "ar-2017-12-middleeast").exists()


def test_incremental_search_equals_a_fresh_build(project, tmp_path):
    """After edits, the shards and search pages are those a build from nothing makes."""
    options = project.options(jobs=1, progress=False)
    Builder(options).build()
    (project.content / "a1.md").unlink()
    project.write("a5.md", article("خبر جديد", date="2018-03-06T10:00:00+03:00", category="sport"))
    Builder(options).build()
    fresh = project.options(output=tmp_path / "fresh", cache=tmp_path / "fresh-cache", jobs=1, progress=False)
    Builder(fresh).build()

    def search_files(site: Path) -> dict[str, bytes]:
        found = {str(p.relative_to(site)): p.read_bytes() for p in (site / "pagefind").rglob("*") if p.is_file()}
        for lang in ("ar", "en"):
            found[f"{lang}/search"] = (site / lang / "search" / "index.html").read_bytes()
        return found

    # Byte for byte: Pagefind's own filters would differ here from run to run (see document()).
    assert search_files(project.output) == search_files(tmp_path / "fresh")


def test_a_killed_builds_leftovers_are_removed(project, tmp_path):
    """What a build killed while indexing leaves (its work folder in the cache, its documents
    in memory) goes with the next build that indexes."""
    options = project.options(jobs=1, progress=False)
    Builder(options).build()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()  # a process id no longer in use
    work = project.cache / "search" / f".work-{dead}"
    (work / "ar-2018-03-sport").mkdir(parents=True)
    scratch = indexer._scratch(project.cache / "search")
    documents = scratch / f"digest-search-{dead}-abc"
    (documents / "ar").mkdir(parents=True)
    path = project.content / "a0.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nجملة جديدة.\n", encoding="utf-8")
    Builder(options).build()
    assert not work.exists() and not documents.exists()


def test_search_false_builds_without_search(project):
    options = project.options(jobs=1, progress=False)
    Builder(options).build()
    assert (project.output / "pagefind").is_dir()
    project.config.write_text(project.config.read_text(encoding="utf-8") + "\nsearch: false\n", encoding="utf-8")
    Builder(options).build()
    assert not (project.output / "pagefind").exists()
    assert not (project.output / "ar" / "search").exists()
    assert "/ar/search/" not in (project.output / "ar" / "a0" / "index.html").read_text(encoding="utf-8")
    assert "/search/" not in (project.output / "404.html").read_text(encoding="utf-8")


def test_a_failed_pagefind_run_is_one_line_and_keeps_the_site(project, tmp_path, monkeypatch):
    options = project.options(jobs=2, progress=False)
    Builder(options).build()
    before = {str(p.relative_to(project.output)): p.read_bytes() for p in project.output.rglob("*") if p.is_file()}
    # Pagefind's real program, given an option it does not know: it fails as it would on its own.
    real = indexer.executable()
    wrapper = tmp_path / "pagefind-failing"
    wrapper.write_text(f'#!/bin/sh\nexec "{real}" --no-such-option "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setattr(indexer, "executable", lambda: wrapper)
    path = project.content / "a0.md"
    path.write_text(path.read_text(encoding="utf-8").replace("فقرة ثانية", "فقرة معدلة"), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        Builder(options).build()
    [problem] = caught.value.problems
    message = str(problem)
    assert "\n" not in message and "Pagefind failed on search shard ar-2018-03-middleeast" in message, message
    after = {str(p.relative_to(project.output)): p.read_bytes() for p in project.output.rglob("*") if p.is_file()}
    assert after == before  # the last good site, byte for byte
    assert not list((project.cache / "search").glob(".work-*"))  # nothing half-made left behind
    monkeypatch.undo()
    Builder(options).build()  # and the next good build publishes the change
    assert "فقرة معدلة" in (project.output / "ar" / "a0" / "index.html").read_text(encoding="utf-8")


def test_the_command_line_reports_a_failed_run_in_one_line(project, tmp_path):
    """As a user sees it: `build.py build` with a Pagefind that cannot start."""
    done = project.run("build", "--content", str(project.content), "--output", str(project.output))
    assert done.returncode == 0, done.stderr
    path = project.content / "a0.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nجملة جديدة.\n", encoding="utf-8")
    # The build's own process, with Pagefind's program at a path where there is none.
    code = ("import sys, digest.search.indexer as i; from pathlib import Path; "
            "i.executable = lambda: Path('/nonexistent/pagefind'); "
            "from digest.cli import main; sys.exit(main(sys.argv[1:]))")
    run = subprocess.run([sys.executable, "-c", code, "build", "--content", str(project.content),
                          "--output", str(project.output), "--cache", str(project.root / ".cache"),
                          "--config", str(project.config)],
                         capture_output=True, text=True, cwd=project.root, env={**os.environ,
                                                                                 "PYTHONPATH": str(Path(__file__).parents[1])})
    assert run.returncode == 1
    lines = [ln for ln in run.stderr.splitlines() if "Pagefind" in ln]
    assert len(lines) == 1 and "cannot run Pagefind" in lines[0], run.stderr
    assert "Traceback" not in run.stderr


# ---------------------------------------------------------------------------- browser



@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The sample site with its search, built for and served at a local URL."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    tmp = tmp_path_factory.mktemp("search-browser")
    with serving(tmp / "site") as url:
        build_sample(tmp, url)
        yield url


@pytest.fixture(scope="module")
def browser(served):
    with chromium() as launched:
        yield launched


def _checked_page(browser, site: str):
    """A page whose every request is checked: any outside `site` is refused and recorded in
    page.outside; script errors and Content-Security-Policy violations go to page.problems."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = ctx.new_page()
    page.outside, page.problems, page.requested = [], [], []

    def route(r):
        if r.request.url.startswith(site):
            page.requested.append(r.request.url)
            r.continue_()
        else:
            page.outside.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    return ctx, page


@pytest.fixture(scope="module")
def tab(browser, served):
    ctx, page = _checked_page(browser, served)
    yield page
    ctx.close()


def _links(page) -> list[str]:
    return page.evaluate("[...document.querySelectorAll('#search-results a')].map(a => a.getAttribute('href'))")


def _results(page, count_at_least: int = 1) -> list[str]:
    """The result links once the search has answered and its answer stays the same for a moment
    (typing starts a search per pause; a later one may replace an earlier one's results)."""
    last = None
    for _ in range(300):
        status = page.inner_text("#search-status")
        now = (status, _links(page))
        if re.search(r"\d|لا|No", status) and len(now[1]) >= count_at_least and now == last:
            return now[1]
        last = now
        page.wait_for_timeout(150)
    raise AssertionError(f"no stable results: {last}")


def test_arabic_query_with_marks_and_another_alef_finds_the_article(tab, served):
    tab.goto(f"{served}ar/search/")
    # The article writes الارهاب (bare alef, no marks); the reader types hamza below and harakat.
    tab.locator("#search-input").press_sequentially("الإِرْهَابُ لَافْرُوفُ", delay=10)
    links = _results(tab)
    assert links[0] == f"/ar/{SEED}/"
    first = tab.locator("#search-results li").first
    assert "كيري" in first.locator("h2").inner_text()  # the title as written, not folded
    assert re.search(r"2016", first.locator(".meta").inner_text())
    # Tatweel, taa marbuta written as haa: the same article.
    tab.fill("#search-input", "")
    tab.locator("#search-input").press_sequentially("ـكيـري الهاتفيه", delay=10)
    assert _results(tab)[0] == f"/ar/{SEED}/"
    # A result leads to the article's page.
    tab.locator("#search-results a").first.click()
    tab.wait_for_url(f"{served}ar/{SEED}/")
    assert "لافروف" in tab.locator("h1").inner_text()
    assert not tab.outside and not tab.problems, (tab.outside, tab.problems)


def test_english_word_on_the_english_search_page(tab, served):
    tab.goto(f"{served}en/search/")
    tab.locator("#search-input").press_sequentially("lavrov", delay=10)
    links = _results(tab)
    assert links == [f"/en/{SEED}/"]
    assert tab.locator("#search-results h2").first.inner_text().startswith("Fighting terrorism")
    assert tab.locator("html").get_attribute("dir") == "ltr"
    tab.locator("#search-results a").first.click()
    tab.wait_for_url(f"{served}en/{SEED}/")
    assert not tab.outside and not tab.problems, (tab.outside, tab.problems)


def test_header_box_and_filters(tab, served):
    tab.goto(f"{served}ar/{SEED}/")
    tab.fill("#header-search-input", "سوريا")
    tab.locator(".header-search button").click()
    tab.wait_for_url(re.compile(r".*/ar/search/\?q=.*"))
    everywhere = _results(tab)
    assert f"/ar/{SEED}/" in everywhere
    tab.select_option("#search-year", label="2016")
    tab.locator("#search-results li").first.wait_for()
    # The policy forbids waits that evaluate strings in the page: poll the links instead.
    for _ in range(50):
        links = _links(tab)
        if links == [f"/ar/{SEED}/"]:
            break
        tab.wait_for_timeout(100)
    assert links == [f"/ar/{SEED}/"]
    assert "year=2016" in tab.url
    # A section and no words: every article of that section.
    tab.select_option("#search-year", index=0)
    tab.fill("#search-input", "")
    tab.select_option("#search-category", label="رياضة")
    sport = ["/ar/fr-sport-215-20180630/", "/ar/sk-sport-1100-20180510/"]
    for _ in range(100):
        links = sorted(_links(tab))
        if links == sport:
            break
        tab.wait_for_timeout(100)
    assert links == sport
    assert "section=sport" in tab.url and "q=" not in tab.url
    assert not tab.outside and not tab.problems, (tab.outside, tab.problems)


@pytest.fixture(scope="module")
def served_many(tmp_path_factory):
    """A site of 45 articles that all say the same word, built for and served at a local URL."""
    tmp = tmp_path_factory.mktemp("search-many")
    p = make_project(tmp / "proj", sample=False)
    for i in range(45):
        p.write(f"n{i:02d}.md", article(f"خبر قصير رقم {i}", date=f"2018-05-{1 + i % 28:02d}T{i % 24:02d}:00:00+03:00",
                                        category=("sport", "economy", "culture")[i % 3], body=f"مباراة اليوم رقم {i}."))
    with serving(p.output) as url:
        Builder(p.options(base_url=url, jobs=1, progress=False)).build()
        yield url


def test_more_results_on_demand(browser, served_many):
    """Twenty results at a time: the rest come when asked, none twice."""
    ctx, tab = _checked_page(browser, served_many)
    tab.goto(f"{served_many}ar/search/?q=" + "مباراة")
    first = _results(tab, 20)
    assert len(first) == 20 and "45" in tab.inner_text("#search-status")
    for shown in (40, 45):
        tab.locator("#search-more").click()
        for _ in range(100):
            if len(_links(tab)) == shown:
                break
            tab.wait_for_timeout(100)
        assert len(_links(tab)) == shown
    links = _links(tab)
    assert len(set(links)) == 45 and links[:20] == first
    assert tab.locator("#search-more").is_hidden()
    assert not tab.outside and not tab.problems, (tab.outside, tab.problems)
    ctx.close()


def test_the_404_page_searches(tab, served):
    tab.goto(f"{served}404.html")
    tab.fill("#search-en", "Lavrov")
    tab.locator("section[lang=en] button").click()
    tab.wait_for_url(re.compile(r".*/en/search/\?q=Lavrov"))
    assert _results(tab) == [f"/en/{SEED}/"]
    assert not tab.outside and not tab.problems, (tab.outside, tab.problems)


def test_search_requests_stay_on_the_site(tab, served):
    """Everything a search loaded came from the site: scripts, Pagefind's WebAssembly, shards."""
    assert any("/pagefind/" in url and url.endswith("pagefind.js") for url in tab.requested)
    assert any(url.endswith(".pagefind") for url in tab.requested)  # the WebAssembly
    assert not tab.outside


def test_search_page_passes_axe(browser, served):
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run 'npm ci --prefix tests' (needs node and npm)")
    problems = []
    # axe goes in as an inline script, which the page's CSP refuses.
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = ctx.new_page()
    try:
        for scheme, path in (("light", "ar/search/?q=سوريا"), ("dark", "en/search/?q=Lavrov"),
                             ("light", f"ar/{SEED}/"), ("light", "404.html")):
            page.emulate_media(color_scheme=scheme)
            page.goto(served + path)
            if "search" in path:
                _results(page)
            page.add_script_tag(path=str(AXE))
            found = page.evaluate("""() => axe.run(document, {resultTypes: ['violations']}).then(r =>
                r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))})))""")
            problems += [f"{scheme} /{path}: {v['id']} ({v['impact']}) at {v['nodes'][:3]}" for v in found]
    finally:
        ctx.close()
    assert not problems, "\n".join(problems)

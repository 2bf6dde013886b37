"""Browsing a built site: month and year archives, day links, numbered pagination, tag pages,
per-category and per-tag feeds, related articles and named sources, read back with html5lib
and feedparser from a real build."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import feedparser
import html5lib
import pytest
from conftest import article, make_project

from digest.build import Builder
from digest.paging import page_window
from digest.related import normalise, related_lists, terms_of

NS = {"h": "http://www.w3.org/1999/xhtml"}
SETTINGS = """base_url: https://digest.example/
per_page: 2
tags: {سوريا: Syria, اقتصاد: Economy}
sources:
  bbc: {ar: بي بي سي, en: BBC, url: "https://www.bbc.com/arabic"}
"""

# (file, title, date, category, tags, source, English title)
ARTICLES = [
    ("a1", "انتخابات في سوريا", "2017-12-30T10:00:00+03:00", "politics", "[سوريا]", "bbc", "Elections in Syria"),
    ("a2", "أسعار النفط ترتفع", "2018-01-02T10:00:00+03:00", "economy", "[اقتصاد, نفط]", "bbc", ""),
    ("a3", "مباحثات حول سوريا", "2018-01-02T12:00:00+03:00", "politics", "[سوريا, روسيا]", "cnn", "Talks on Syria"),
    ("a4", "البورصة تهبط", "2018-01-15T09:00:00+03:00", "economy", "[اقتصاد]", "", "Stocks fall"),
    ("a5", "مباراة الكأس", "2018-02-01T18:00:00+03:00", "sport", "", "bbc", ""),
    ("a6", "لاجئون من سوريا", "2018-02-03T08:00:00+03:00", "politics", "[سوريا]", "bbc", "Refugees from Syria"),
]


def write_site(project) -> None:
    for name, title, when, category, tags, source, title_en in ARTICLES:
        fields = {"category": category}
        if tags:
            fields["tags"] = tags
        if source:
            fields["source"] = f'"{source}"'
        if title_en:
            fields["title_en"] = f'"{title_en}"'
        project.write(f"{name}.md", article(title=title, date=when, **fields))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("browse") / "p", sample=False, settings=SETTINGS)
    write_site(project)
    result = Builder(project.options(jobs=1, progress=False)).build()
    return SimpleNamespace(project=project, out=project.output, result=result)


def parse(path: Path):
    return html5lib.parse(path.read_bytes(), treebuilder="lxml", namespaceHTMLElements=True)


def alternates(path: Path) -> dict[str, str]:
    tree = parse(path)
    return {link.get("hreflang"): link.get("href")
            for link in tree.iterfind(".//h:link[@rel='alternate'][@hreflang]", NS)}


def page_of(out: Path, url: str) -> Path:
    path = out / url.removeprefix("https://digest.example/") / "index.html"
    assert path.is_file(), url
    return path


def test_every_year_and_month_has_an_archive_page_with_reciprocal_hreflang(site):
    days = {date.fromisoformat(when[:10]) for _, _, when, *_ in ARTICLES}
    english_days = {date.fromisoformat(a[2][:10]) for a in ARTICLES if a[6]}
    for lang, present in (("ar", days), ("en", english_days)):
        months = {(d.year, d.month) for d in present}
        for year in {y for y, _ in months}:
            assert (site.out / lang / f"{year}" / "index.html").is_file()
        for year, month in months:
            page = site.out / lang / f"{year}" / f"{month:02d}" / "index.html"
            assert page.is_file(), page
            text = page.read_text(encoding="utf-8")
            for d in present:
                if (d.year, d.month) == (year, month):
                    assert f'href="/{lang}/{d.year}/{d.month:02d}/{d.day:02d}/"' in text
    assert not (site.out / "en" / "2018" / "02" / "01").exists()  # no English that day
    # Where both languages have the page, each names the other.
    ar_links, en_links = alternates(site.out / "ar/2018/01/index.html"), alternates(site.out / "en/2018/01/index.html")
    assert ar_links["en"] == "https://digest.example/en/2018/01/" and en_links["ar"] == "https://digest.example/ar/2018/01/"
    assert ar_links["x-default"] == en_links["x-default"]
    assert "en" not in alternates(site.out / "ar/2018/02/01/index.html")  # an Arabic-only day


def test_day_pages_link_the_newer_and_older_day_and_their_month(site):
    text = (site.out / "ar/2018/01/02/index.html").read_text(encoding="utf-8")
    assert 'rel="prev" href="/ar/2018/01/15/"' in text and 'rel="next" href="/ar/2017/12/30/"' in text
    assert 'href="/ar/2018/01/"' in text
    newest = (site.out / "ar/2018/02/03/index.html").read_text(encoding="utf-8")
    assert 'rel="prev"' not in newest and 'rel="next" href="/ar/2018/02/01/"' in newest


def test_home_page_links_every_year_and_month(site):
    text = (site.out / "ar/index.html").read_text(encoding="utf-8")
    for url in ("/ar/2018/", "/ar/2017/", "/ar/2018/02/", "/ar/2018/01/", "/ar/2017/12/"):
        assert f'href="{url}"' in text


def test_numbered_pagination_has_first_last_and_the_current_page(site):
    # Six articles, two per page: three home pages.
    tree = parse(site.out / "ar/page/2/index.html")
    nav = tree.find(".//h:nav[@class='pagination']", NS)
    links = [(a.get("href"), a.get("aria-current")) for a in nav.iterfind(".//h:a", NS)]
    assert ("/ar/page/2/", "page") in links
    hrefs = [href for href, _ in links]
    assert hrefs == ["/ar/", "/ar/", "/ar/page/2/", "/ar/page/3/", "/ar/page/3/"]  # newer, 1, 2, 3, older


@pytest.mark.parametrize(("number", "count", "window"), [
    (1, 1, [1]), (1, 3, [1, 2, 3]), (5, 250, [1, 2, 3, 4, 5, 6, 7, None, 250]),
    (125, 250, [1, None, 123, 124, 125, 126, 127, None, 250]), (250, 250, [1, None, 248, 249, 250]),
    (4, 7, [1, 2, 3, 4, 5, 6, 7])])
def test_page_window_keeps_first_last_and_two_each_side(number, count, window):
    assert page_window(number, count) == window


def test_tag_pages_per_language_and_linked_from_articles_and_teasers(site):
    for slug in ("سوريا", "اقتصاد", "نفط", "روسيا"):
        assert (site.out / "ar" / "tag" / slug / "index.html").is_file()
    # English: tags named in site.yaml, on English articles only.
    assert (site.out / "en/tag/سوريا/index.html").is_file()
    assert (site.out / "en/tag/اقتصاد/index.html").is_file()  # a4 has English
    assert not (site.out / "en/tag/روسيا").exists() and not (site.out / "en/tag/نفط").exists()
    english = (site.out / "en/tag/سوريا/index.html").read_text(encoding="utf-8")
    assert "Syria" in english and english.count('class="teaser"') == 2  # page 1 of 2 (a6, a3)
    assert alternates(site.out / "en/tag/سوريا/index.html")["ar"] == "https://digest.example/ar/tag/%D8%B3%D9%88%D8%B1%D9%8A%D8%A7/" \
        or alternates(site.out / "en/tag/سوريا/index.html")["ar"] == "https://digest.example/ar/tag/سوريا/"
    page = (site.out / "ar/a3/index.html").read_text(encoding="utf-8")
    assert 'href="/ar/tag/سوريا/"' in page and 'href="/ar/tag/روسيا/"' in page
    assert 'href="/en/tag/سوريا/"' in (site.out / "en/a3/index.html").read_text(encoding="utf-8")
    assert 'href="/ar/tag/نفط/"' in (site.out / "ar/category/economy/index.html").read_text(encoding="utf-8")


def test_category_and_tag_feeds_validate_and_are_linked_from_their_pages(site):
    feeds = sorted(site.out.glob("*/category/*/feed.xml")) + sorted(site.out.glob("*/tag/*/feed.xml"))
    assert len(feeds) >= 8
    for feed in feeds:
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo, (feed, parsed.get("bozo_exception"))
        assert parsed.entries
        page = feed.parent / "index.html"
        links = [link for link in parse(page).iterfind(".//h:link[@type='application/rss+xml']", NS)]
        url = "https://digest.example/" + str(feed.relative_to(site.out))
        assert url in {link.get("href") for link in links}, page
    syria = feedparser.parse((site.out / "ar/tag/سوريا/feed.xml").read_bytes())
    assert [e.link.rsplit("/", 2)[1] for e in syria.entries] == ["a6", "a3", "a1"]
    english = feedparser.parse((site.out / "en/category/economy/feed.xml").read_bytes())
    assert [e.title for e in english.entries] == ["Stocks fall"]


def test_named_sources_and_a_warning_for_unknown_ids(site):
    page = (site.out / "ar/a1/index.html").read_text(encoding="utf-8")
    assert "بي بي سي" in page and 'href="https://www.bbc.com/arabic"' in page
    assert "BBC" in (site.out / "en/a1/index.html").read_text(encoding="utf-8")
    assert "<bdi>cnn</bdi>" in (site.out / "ar/a3/index.html").read_text(encoding="utf-8")
    warnings = [str(w) for w in site.result.warnings]
    assert any("a3.md:" in w and "'cnn'" in w for w in warnings), warnings
    done = site.project.run("check")
    assert "a3.md:" in done.stdout + done.stderr and "cnn" in done.stdout + done.stderr


def test_related_lists_rank_tags_then_category_then_newest(site):
    page = parse(site.out / "ar/a3/index.html")
    related = [a.get("href") for a in page.iterfind(".//h:section[@class='related']//h:a", NS)]
    # a6 and a1 share the tag سوريا and the category; a6 is newer. Then the rest by score.
    assert related[:2] == ["/ar/a6/", "/ar/a1/"]
    english = parse(site.out / "en/a3/index.html")
    en_related = [a.get("href") for a in english.iterfind(".//h:section[@class='related']//h:a", NS)]
    assert en_related[:2] == ["/en/a6/", "/en/a1/"] and all(h.startswith("/en/") for h in en_related)
    assert "/en/a2/" not in en_related and "/en/a5/" not in en_related  # no English


def entry(slug: str, tags=(), category="", terms=()):
    return SimpleNamespace(slug=slug, article=SimpleNamespace(tags=list(tags)), category_slug=category,
                           terms=tuple(terms))


def test_related_scores_and_newest_first_among_equals():
    entries = [entry("new", category="c"), entry("same-words", terms=("زلزال", "اليابان")),
               entry("tagged", tags=["t"]), entry("me", tags=["t"], category="c", terms=("زلزال", "اليابان")),
               entry("old-c", category="c"), entry("other")]
    fingerprints = [f"p{i}" for i in range(len(entries))]
    lists, keys = related_lists(entries, fingerprints, english=[0, 3])
    ar, en = lists[3]
    assert [entries[i].slug for i in ar] == ["tagged", "same-words", "new", "old-c"]
    assert [entries[i].slug for i in en] == ["new"]
    assert lists[1][1] == []  # no English: no English list
    changed = list(fingerprints)
    changed[2] = "edited"
    assert related_lists(entries, changed, english=[0, 3])[1][3] != keys[3]  # a related entry changed
    assert related_lists(entries, changed, english=[0, 3])[1][5] == keys[5]


def test_terms_are_normalised_arabic():
    assert normalise("إِسْلامـيّة") == normalise("اسلاميه")
    assert terms_of("والحكومة الجديدة", "") == terms_of("الحكومه جديدة", "")
    assert terms_of("مستشفى", "") == ("مستشفي",)


def test_404_page_has_both_navigations(site):
    tree = parse(site.out / "404.html")
    navs = list(tree.iterfind(".//h:nav", NS))
    assert len(navs) == 2
    hrefs = {a.get("href") for a in tree.iterfind(".//h:nav//h:a", NS)}
    assert {"/ar/", "/en/", "/ar/category/politics/", "/en/category/politics/"} <= hrefs


def test_incremental_builds_update_related_lists_archives_and_tags(tmp_path):
    """Edits that change what unedited pages show (a related list, a month, a tag page) give
    the site a fresh build gives."""
    from conftest import tree_bytes

    kept = make_project(tmp_path / "kept", sample=False, settings=SETTINGS)
    write_site(kept)
    options = kept.options(jobs=1, progress=False)
    Builder(options).build()
    before = (kept.output / "ar/a5/index.html").read_bytes()
    steps = [
        ("a2.md", article(title="مباراة الكأس في النفط", date="2018-01-02T10:00:00+03:00", category="economy")),
        ("a7.md", article(title="مباراة الكأس الثانية", date="2018-03-01T10:00:00+03:00", category="sport",
                          tags="[روسيا]")),
        ("a4.md", None),
    ]
    for name, text in steps:
        if text is None:
            (kept.content / name).unlink()
        else:
            kept.write(name, text)
        Builder(options).build()
        fresh = make_project(tmp_path / f"fresh-{name}", sample=False, settings=SETTINGS)
        for path in kept.content.glob("*.md"):
            fresh.write(path.name, path.read_text(encoding="utf-8"))
        Builder(fresh.options(jobs=1, progress=False)).build()
        assert tree_bytes(kept.output) == tree_bytes(fresh.output), name
    assert (kept.output / "ar/a5/index.html").read_bytes() != before  # a5 (unedited) gained related
    assert (kept.output / "ar/2018/03/index.html").is_file() and not (kept.output / "ar/tag/نفط").exists()


@pytest.fixture(scope="module")
def gibberish(tmp_path_factory) -> Path:
    """A real (tiny) Argos package that writes Arabic-script gibberish: the quality gate holds
    all of it back, and with the gate off it is published."""
    from argos_fixture import build_argos_package

    return build_argos_package(tmp_path_factory.mktemp("gibberish"))


@pytest.mark.parametrize("quality", ["hold", "off"])
def test_tag_names_are_machine_translated_through_the_cache_and_the_gate(tmp_path, gibberish, quality):
    project = make_project(tmp_path / "p", sample=False, settings=f"tags: {{سوريا: Syria}}\ntranslation:\n"
                                                                  f"  quality: {quality}\n")
    project.write("a.md", article(title="خبر عن روسيا", tags="[سوريا, روسيا]", title_en='"About Russia"'))
    project.run("models", "install", str(gibberish), check=True)
    first = project.build().stdout
    assert (project.output / "en/tag/سوريا/index.html").is_file()  # site.yaml's name, whatever the model says
    russia = project.output / "en/tag/روسيا/index.html"
    if quality == "hold":  # the gate holds the model's Arabic letters back: no English page
        assert not russia.exists()
        assert 'href="/en/tag/روسيا/"' not in (project.output / "en/a/index.html").read_text(encoding="utf-8")
    else:
        assert russia.is_file()
        assert 'href="/en/tag/روسيا/"' in (project.output / "en/a/index.html").read_text(encoding="utf-8")
    project.write("b.md", article(title="خبر آخر", date="2016-09-02T10:00:00+03:00", tags="[روسيا]",
                                  title_en='"Another"'))
    second = project.build().stdout
    assert "translated 0 sentences" in second, (first, second)  # the tag's name came from the cache


def test_a_title_edit_that_relates_two_articles_renders_the_other_one(tmp_path):
    """Only a title changes (the site's shape does not): the lists are made again, and the
    unedited article that now has the edited one in its list is rendered again."""
    from conftest import tree_bytes

    kept = make_project(tmp_path / "kept", sample=False, settings=SETTINGS)
    write_site(kept)
    options = kept.options(jobs=1, progress=False)
    Builder(options).build()
    before = (kept.output / "ar/a5/index.html").read_bytes()
    kept.write("a4.md", article(title="البورصة تهبط بعد مباراة الكأس", date="2018-01-15T09:00:00+03:00",
                                category="economy", tags="[اقتصاد]", title_en='"Stocks fall"'))
    Builder(options).build()
    fresh = make_project(tmp_path / "fresh", sample=False, settings=SETTINGS)
    write_site(fresh)
    fresh.write("a4.md", (kept.content / "a4.md").read_text(encoding="utf-8"))
    Builder(fresh.options(jobs=1, progress=False)).build()
    assert tree_bytes(kept.output) == tree_bytes(fresh.output)
    after = (kept.output / "ar/a5/index.html").read_text(encoding="utf-8")
    assert after.encode() != before and 'href="/ar/a4/"' in after.split('class="related"')[1]


def test_browsing_pages_pass_the_nu_html_checker(site):
    """Archive, tag (both languages), paginated, day and article pages with related lists."""
    import shutil
    import subprocess

    from test_validators import VNU

    java = shutil.which("java")
    assert java and VNU.is_file(), "make test-deps installs Java and vnu-jar (npm ci --prefix tests)"
    pages = sorted(site.out.rglob("*.html"))
    assert any("/tag/" in str(p) for p in pages) and any("/en/2018/01/" in str(p) for p in pages)
    done = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--skip-non-html", str(site.out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr[-4000:]

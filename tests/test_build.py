"""The core build on the sample content, checked with real parsers (html5lib, feedparser, lxml)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import html5lib
import pytest
from conftest import Project, article, make_project, tree_bytes
from lxml import etree

BASE = "https://digest.example/news"
XHTML = "{http://www.w3.org/1999/xhtml}"
SEED = "2016-09-01-kerry-lavrov-call"


def parse(path: Path):
    return html5lib.parse(path.read_bytes(), treebuilder="lxml", namespaceHTMLElements=False)


def slugs(project: Project) -> list[str]:
    return sorted(p.stem for p in project.content.glob("*.md"))


def test_articles_with_english_have_paired_pages_and_the_others_arabic_only(sample_site):
    assert len(slugs(sample_site)) >= 13
    with_english = {p.stem for p in sample_site.content.glob("*.md") if "\ntitle_en:" in p.read_text()}
    assert len(with_english) >= 2  # the sample content's editor-written English
    for slug in slugs(sample_site):
        pair = {}
        langs = ("ar", "en") if slug in with_english else ("ar",)
        assert (sample_site.output / "en" / slug / "index.html").exists() == (slug in with_english)
        for lang in langs:
            doc = parse(sample_site.output / lang / slug / "index.html")
            html = doc.getroot()
            assert html.get("lang") == lang and html.get("dir") == ("rtl" if lang == "ar" else "ltr")
            assert doc.find(".//link[@rel='canonical']").get("href") == f"{BASE}/{lang}/{slug}/"
            pair[lang] = {link.get("hreflang"): link.get("href")
                          for link in doc.findall(".//link[@rel='alternate']") if link.get("hreflang")}
            other = "en" if lang == "ar" else "ar"
            switch = doc.find(f".//a[@hreflang='{other}']")
            target = f"/news/{other}/{slug}/" if slug in with_english else f"/news/{other}/"
            assert switch is not None and switch.get("href") == target
            feed = doc.find(".//link[@type='application/rss+xml']")
            assert feed.get("href") == f"{BASE}/{lang}/feed.xml"
        if slug in with_english:
            expected = {"ar": f"{BASE}/ar/{slug}/", "en": f"{BASE}/en/{slug}/", "x-default": f"{BASE}/ar/{slug}/"}
            assert pair["ar"] == expected and pair["en"] == expected
        else:
            assert pair["ar"] == {}  # no English version is claimed


def test_arabic_page_shows_title_date_source_category_summary_and_body(sample_site):
    doc = parse(sample_site.output / "ar" / SEED / "index.html")
    assert "كيري ولافروف" in doc.find(".//h1").text
    time = doc.find(".//article//time")
    assert time.get("datetime") == "2016-09-01T14:46:00+03:00"
    assert "2016" in time.text and "أيلول" in time.text  # site.yaml asks for Levantine months
    text = "".join(doc.getroot().itertext())
    assert "سيريانيوز" in text and "الشرق الأوسط" in text
    summary = doc.find(".//section[@class='summary']/p").text
    assert summary and summary.split()[0] == "شدد"
    assert len(doc.findall(".//section[@class='body']/p")) >= 8


ENGLISH = "bb-culture-190-20180606"  # a sample article with the editors' English (2018-06-06, culture)


def english_slugs(project: Project) -> set[str]:
    return {p.stem for p in project.content.glob("*.md") if "\ntitle_en:" in p.read_text(encoding="utf-8")}


def test_an_article_without_english_is_nowhere_in_the_english_edition(sample_site):
    assert not (sample_site.output / "en" / SEED).exists()
    english_pages = [p for p in (sample_site.output / "en").rglob("*.html")]
    assert english_pages and not any(SEED in p.read_text(encoding="utf-8") for p in english_pages)
    assert SEED not in (sample_site.output / "en" / "feed.xml").read_text(encoding="utf-8")
    assert f"/en/{SEED}/" not in (sample_site.output / "sitemap.xml").read_text(encoding="utf-8")
    for page in english_pages:  # English only: no Arabic title leaks into the English edition
        doc = parse(page)
        for heading in doc.iter("h1", "h2", "h3"):
            text = "".join(heading.itertext())
            assert not any("\u0600" <= ch <= "\u06ff" for ch in text) or heading.get("lang") == "ar", (page, text)


def test_day_home_and_category_pages_in_both_languages(sample_site):
    for lang, slug, day_path, section in (("ar", SEED, ("2016", "09", "01"), "middleeast"),
                                          ("en", ENGLISH, ("2018", "06", "06"), "culture")):
        day = parse(sample_site.output / lang / day_path[0] / day_path[1] / day_path[2] / "index.html")
        links = [a.get("href") for a in day.findall(".//article//a")]
        assert f"/news/{lang}/{slug}/" in links
        home = parse(sample_site.output / lang / "index.html")
        days = [t.get("datetime") for t in home.findall(".//section[@class='day']//h2//time")]
        assert days == sorted(days, reverse=True) and len(days) >= (5 if lang == "ar" else 3)
        category = parse(sample_site.output / lang / "category" / section / "index.html")
        assert f"/news/{lang}/{slug}/" in [a.get("href") for a in category.findall(".//article//a")]
    # A day without English has no English page; its Arabic page switches to the English home.
    assert not (sample_site.output / "en" / "2016" / "09" / "01").exists()
    day = parse(sample_site.output / "ar" / "2016" / "09" / "01" / "index.html")
    assert day.find(".//a[@class='lang-switch']").get("href") == "/news/en/"
    # An English section with nothing translated says so, and asks not to be indexed.
    empty = parse(sample_site.output / "en" / "category" / "middleeast" / "index.html")
    assert "translated" in empty.find(".//p[@class='empty']").text
    assert empty.find(".//meta[@name='robots']").get("content") == "noindex"


def test_feeds_have_language_absolute_links_dates_and_unique_guids(sample_site):
    for lang, count in (("ar", len(slugs(sample_site))), ("en", len(english_slugs(sample_site)))):
        feed = feedparser.parse((sample_site.output / lang / "feed.xml").read_bytes())
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.feed.language == lang
        assert len(feed.entries) == count
        assert len({e.id for e in feed.entries}) == count
        self_link = [link.href for link in feed.feed.links if link.rel == "self"]
        assert self_link == [f"{BASE}/{lang}/feed.xml"]
        for entry in feed.entries:
            assert entry.link.startswith(f"{BASE}/{lang}/")
            # English items never reuse the guid that older builds gave Arabic-titled items.
            assert (entry.id == entry.link) == (lang == "ar")
            assert entry.published_parsed is not None
            local = sample_site.output / entry.link[len(BASE) + 1:] / "index.html"
            assert local.is_file()
            if lang == "en":
                assert not any("\u0600" <= ch <= "\u06ff" for ch in entry.title + entry.get("summary", ""))
        dates = [e.published_parsed for e in feed.entries]
        assert dates == sorted(dates, reverse=True)


def test_sitemap_lists_every_page_with_alternates_both_ways(sample_site):
    tree = etree.parse(str(sample_site.output / "sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    alternates = {}
    for url in tree.findall("s:url", ns):
        loc = url.findtext("s:loc", namespaces=ns)
        assert (sample_site.output / unquote(loc[len(BASE) + 1:]) / "index.html").is_file()  # Arabic tags
        alternates[loc] = {link.get("hreflang"): link.get("href") for link in url.findall("x:link", ns)}
    for loc, links in alternates.items():  # every alternate is listed too, and names this page back
        for href in links.values():
            assert href in alternates and alternates[href] == links, loc
    english = english_slugs(sample_site)
    for slug in slugs(sample_site):
        ar, en = f"{BASE}/ar/{slug}/", f"{BASE}/en/{slug}/"
        if slug in english:
            assert alternates[ar]["en"] == en and alternates[en]["ar"] == ar
            assert alternates[ar]["ar"] == ar and alternates[en]["en"] == en
        else:
            assert alternates[ar] == {} and en not in alternates
    home = {"ar": f"{BASE}/ar/", "en": f"{BASE}/en/", "x-default": f"{BASE}/"}
    assert alternates[f"{BASE}/"] == alternates[f"{BASE}/ar/"] == alternates[f"{BASE}/en/"] == home
    robots = (sample_site.output / "robots.txt").read_text()
    assert f"Sitemap: {BASE}/sitemap.xml" in robots


def test_root_index_offers_both_languages_and_404_exists(sample_site):
    doc = parse(sample_site.output / "index.html")
    hrefs = {a.get("hreflang"): a.get("href") for a in doc.findall(".//a[@hreflang]")}
    assert hrefs == {"ar": "/news/ar/", "en": "/news/en/"}
    not_found = parse(sample_site.output / "404.html")
    assert {s.get("lang") for s in not_found.findall(".//section")} == {"ar", "en"}


def test_build_prints_one_summary_line(project):
    done = project.build()
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"built {len(slugs(project))} articles, ")
    assert lines[0].endswith("translated 0 sentences (0 cached, 0 held back)")


def test_output_is_deterministic(tmp_path):
    first, second = make_project(tmp_path / "a"), make_project(tmp_path / "b")
    first.build()
    second.build()
    assert tree_bytes(first.output) == tree_bytes(second.output)


def test_pagination_splits_the_home_page(tmp_path):
    project = make_project(tmp_path / "p", settings="per_page: 4\n")
    project.build()
    count = len(slugs(project))
    pages = sorted((project.output / "ar" / "page").iterdir())
    assert len(pages) == -(-count // 4) - 1
    last = parse(pages[-1] / "index.html")
    assert last.find(".//a[@rel='prev']") is not None and last.find(".//a[@rel='next']") is None


def test_drafts_are_left_out_unless_asked_for(empty_project):
    empty_project.write("published.md", article())
    empty_project.write("secret.md", article(title="مسودة", draft="true"))
    empty_project.build()
    assert not (empty_project.output / "ar" / "secret").exists()
    empty_project.build("--drafts")
    assert (empty_project.output / "ar" / "secret" / "index.html").is_file()


def test_unknown_front_matter_keys_reach_the_templates(empty_project):
    empty_project.write("a.md", article(editor_note='"ملاحظة المحرر"'))
    (empty_project.root / "templates" / "article.html").write_text(
        '{% extends "base.html" %}{% block content %}<p id="note">{{ entry.article.extra.editor_note }}</p>'
        '{% endblock %}', encoding="utf-8")
    empty_project.build()
    doc = parse(empty_project.output / "ar" / "a" / "index.html")
    assert doc.find(".//p[@id='note']").text == "ملاحظة المحرر"


def test_date_without_offset_is_in_the_site_timezone(empty_project):
    empty_project.write("a.md", article(date="2016-09-01 14:46"))
    empty_project.build()
    time = parse(empty_project.output / "ar" / "a" / "index.html").find(".//article//time")
    assert time.get("datetime") == "2016-09-01T14:46:00+03:00"


def test_new_makes_a_slug_even_from_untransliterable_titles(empty_project):
    done = empty_project.run("new", "😀😀", check=True)
    name = Path(done.stdout.strip()).stem
    assert name.isascii() and len(name) > 10


@pytest.mark.parametrize("command", ["build", "check", "new", "summarize", "models", "serve"])
def test_every_subcommand_has_help(project, command):
    done = project.run(command, "--help")
    assert done.returncode == 0 and "usage:" in done.stdout


def test_usage_errors_exit_2(project):
    assert project.run("build", "--no-such-flag").returncode == 2
    assert project.run("frobnicate").returncode == 2


def test_a_reader_that_goes_away_gets_no_traceback(project):
    """`build.py | head`: the build is done and published, and says so in its exit status only."""
    import subprocess
    import sys

    from conftest import ROOT

    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads: the summary line cannot be written
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "build"], cwd=project.root, stdout=write_end,
                          stderr=subprocess.PIPE, text=True, env=env, timeout=300)
    os.close(write_end)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert (project.output / "ar" / "index.html").exists()


def test_broken_content_is_reported_together_and_the_previous_site_stays(project):
    project.build()
    before = tree_bytes(project.output)
    project.write("broken-yaml.md", "---\ntitle: [unclosed\ndate: 2016-09-01\n---\nنص\n")
    project.write("no-close.md", "---\ntitle: عنوان\ndate: 2016-09-01\nنص بلا نهاية\n")
    project.write("bad-date.md", article(date="2016-02-30"))
    project.write("no-title.md", "---\ndate: 2016-09-01\n---\nنص\n")
    done = project.run("build")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert ("content/broken-yaml.md:2: invalid YAML in front matter: a list '[' opened on this line is not closed "
            "with ']'\n") in done.stderr  # one line, the one to fix: no other named in the message
    assert "content/no-close.md:1: front matter not closed" in done.stderr
    assert "content/bad-date.md:3: impossible date '2016-02-30'" in done.stderr
    assert "content/no-title.md:2: missing required field 'title'" in done.stderr
    assert tree_bytes(project.output) == before
    check = project.run("check")
    assert check.returncode == 1 and "content/bad-date.md:3" in check.stderr


def test_check_writes_nothing(project):
    assert project.run("check").returncode == 0
    assert not project.output.exists() and not project.cache.exists()


def test_same_slug_twice_is_an_error(empty_project):
    empty_project.write("one.md", article(slug="same"))
    empty_project.write("two.md", article(slug="Same"))
    done = empty_project.run("build")
    assert done.returncode == 1
    assert "content/two.md:1: slug 'Same' is already used by content/one.md" in done.stderr


def test_source_is_linked_only_for_web_urls(empty_project):
    empty_project.write("web.md", article(source='"وكالة"', source_url='"https://example.org/a"'))
    empty_project.write("js.md", article(source='"وكالة"', source_url='"javascript:alert(1)"'))
    empty_project.build()
    web = parse(empty_project.output / "ar" / "web" / "index.html")
    assert next(a.get("href") for a in web.findall(".//p[@class='meta']//a")) == "https://example.org/a"
    js = (empty_project.output / "ar" / "js" / "index.html").read_text()
    assert "javascript:" not in js


def test_second_build_changes_nothing_and_an_edit_renders_only_its_pages(project):
    first = project.build().stdout
    assert "nothing changed" not in first
    unchanged = project.output / "ar" / "bb-economy-17-20180204" / "index.html"
    inode = os.stat(unchanged).st_ino
    second = project.build().stdout
    assert "nothing changed" in second
    path = project.content / f"{SEED}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("كيري ولافروف", "كيري ولافروف مجددا"),
                    encoding="utf-8")
    third = project.build().stdout
    assert "nothing changed" not in third
    rendered = int(third.split("; ")[-1].split()[0])
    assert 2 <= rendered <= 12, third
    assert os.stat(unchanged).st_ino == inode  # reused by hard link, not written again
    assert "مجددا" in (project.output / "ar" / SEED / "index.html").read_text()


def test_in_place_build_rewrites_only_the_changed_files(project):
    project.build()
    unchanged = project.output / "ar" / "bb-economy-17-20180204" / "index.html"
    changed = project.output / "ar" / SEED / "index.html"
    site_inode, unchanged_inode = os.stat(project.output).st_ino, os.stat(unchanged).st_ino
    path = project.content / f"{SEED}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("كيري ولافروف", "كيري ولافروف مجددا"),
                    encoding="utf-8")
    project.build("--in-place")
    assert os.stat(project.output).st_ino == site_inode  # the same folder, not a swapped-in one
    assert os.stat(unchanged).st_ino == unchanged_inode
    assert "مجددا" in changed.read_text(encoding="utf-8")
    path.unlink()
    project.build("--in-place")
    assert not (project.output / "ar" / SEED).exists()
    fresh = make_project(project.root.parent / "fresh")
    (fresh.content / f"{SEED}.md").unlink()
    fresh.build()
    assert tree_bytes(project.output) == tree_bytes(fresh.output)


def test_a_draft_shown_hidden_and_shown_again_keeps_its_body(empty_project):
    empty_project.write("d.md", article(title="مسودة", draft="true", body="نص المسودة الكامل هنا."))
    for flags in (("--drafts",), (), ("--drafts",)):
        empty_project.build(*flags)
    assert "نص المسودة الكامل هنا." in (empty_project.output / "ar" / "d" / "index.html").read_text()


def test_a_kept_builder_shows_a_changed_teaser_macro_and_a_changed_summary(project):
    """The preview keeps one Builder, and its renderer keeps rendered teasers between builds."""
    from digest.build import Builder

    builder = Builder(project.options(in_place=True, jobs=1), save_each_build=False)
    builder.build()
    home = project.output / "ar" / "index.html"
    assert 'class="teaser"' in home.read_text(encoding="utf-8")
    path = project.content / f"{SEED}.md"
    path.write_text(article(title="عنوان جديد تماما", summary="ملخص كتبه المحرر للتجربة."), encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different stamp even on a coarse clock
    builder.build()
    day = project.output / "ar" / "2016" / "09" / "01" / "index.html"
    assert "ملخص كتبه المحرر للتجربة." in day.read_text(encoding="utf-8")
    assert "ملخص كتبه المحرر للتجربة." in home.read_text(encoding="utf-8")
    macros = project.root / "templates" / "_macros.html"
    macros.write_text(macros.read_text(encoding="utf-8").replace('class="teaser"', 'class="teaser card"'),
                      encoding="utf-8")
    builder.build()
    text = home.read_text(encoding="utf-8")
    assert 'class="teaser"' not in text and text.count('class="teaser card"') >= 2


def test_a_small_change_rewrites_nothing_else_and_a_removed_theme_file_goes(project):
    project.build()
    kept = [project.output / "robots.txt", project.output / "404.html", project.output / "theme" / "style.css"]
    inodes = [os.stat(p).st_ino for p in kept]
    site_inode = os.stat(project.output).st_ino
    path = project.content / f"{SEED}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("كيري ولافروف", "كيري ولافروف مجددا"),
                    encoding="utf-8")
    extra = project.root / "theme" / "old.css"
    extra.write_text("p { color: red }", encoding="utf-8")
    project.build()
    assert (project.output / "theme" / "old.css").exists()
    assert [os.stat(p).st_ino for p in kept] == inodes  # same bytes: not replaced
    assert os.stat(project.output).st_ino == site_inode  # changed files moved in, no new folder
    extra.unlink()
    project.build()
    assert not (project.output / "theme" / "old.css").exists()
    fresh = make_project(project.root.parent / "fresh")
    (fresh.content / f"{SEED}.md").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    fresh.build()
    assert tree_bytes(project.output) == tree_bytes(fresh.output)


def test_after_a_failed_build_the_kept_builder_prepares_only_the_fixed_file(empty_project, monkeypatch):
    """The preview after a mistake: the articles read by the failed build are not read again."""
    import digest.entries
    from digest.build import Builder
    from digest.problems import ContentError

    for i in range(6):
        empty_project.write(f"a{i}.md", article(title=f"مقال {i}"))
    broken = empty_project.write("broken.md", "---\ntitle: [\n---\nنص.\n")
    builder = Builder(empty_project.options(in_place=True, jobs=1), save_each_build=False)
    with pytest.raises(ContentError):
        builder.build()
    prepared = []
    real_prepare = digest.entries.prepare
    monkeypatch.setattr(digest.entries, "prepare", lambda a, c: prepared.append(a.path) or real_prepare(a, c))
    broken.write_text(article(title="أصلحته"), encoding="utf-8")
    builder.build()
    assert prepared == [str(broken)]
    assert "أصلحته" in (empty_project.output / "ar" / "broken" / "index.html").read_text(encoding="utf-8")
    assert "مقال 5" in (empty_project.output / "ar" / "a5" / "index.html").read_text(encoding="utf-8")


def test_the_sitemap_is_kept_for_a_body_edit_and_made_again_for_a_new_date(project):
    project.build()
    sitemap = project.output / "sitemap.xml"
    inode = os.stat(sitemap).st_ino
    path = project.content / f"{SEED}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("كيري ولافروف", "كيري ولافروف مجددا"),
                    encoding="utf-8")
    project.build()
    assert os.stat(sitemap).st_ino == inode  # the same pages at the same dates: not made again
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("2016-09-01T14:46:00+03:00", "2016-09-02T09:00:00+03:00"), encoding="utf-8")
    project.build()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    tree = etree.parse(str(sitemap))
    lastmods = tree.xpath(f"//s:url[contains(s:loc, '/ar/{SEED}/')]/s:lastmod/text()", namespaces=ns)
    assert lastmods == ["2016-09-02T09:00:00+03:00"]
    assert tree.xpath("//s:loc[contains(., '/ar/2016/09/02/')]", namespaces=ns)
    fresh = make_project(project.root.parent / "fresh")
    (fresh.content / f"{SEED}.md").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    fresh.build()
    assert tree_bytes(project.output) == tree_bytes(fresh.output)


def test_a_watchers_list_of_edits_restats_only_those_files_and_a_new_file_scans_again(project, monkeypatch):
    """The preview passes what its watcher saw; an edit then costs one stat, not a folder scan."""
    from digest import reading
    from digest.build import Builder

    builder = Builder(project.options(in_place=True, jobs=1), save_each_build=False)
    builder.build()
    scans: list[int] = []
    real_scan = reading.scan
    monkeypatch.setattr(reading, "scan", lambda *args: scans.append(1) or real_scan(*args))
    path = project.content / f"{SEED}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("كيري ولافروف", "كيري ولافروف مجددا"),
                    encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different stamp even on a coarse clock
    template = project.root / "templates" / "base.html"
    builder.build({os.path.realpath(path), os.path.realpath(template)})
    assert scans == []  # the edited file only: the template is not content
    assert "مجددا" in (project.output / "ar" / SEED / "index.html").read_text(encoding="utf-8")
    new = project.content / "new-article.md"
    new.write_text(article(title="خبر جديد تماما"), encoding="utf-8")
    builder.build({os.path.realpath(new)})
    assert scans == [1]  # a file the last scan did not know: the whole folder again
    assert "خبر جديد تماما" in (project.output / "ar" / "new-article" / "index.html").read_text(encoding="utf-8")
    new.unlink()
    builder.build({os.path.realpath(new)})
    assert not (project.output / "ar" / "new-article").exists()


def test_a_watchers_list_is_not_trusted_where_links_or_the_folder_itself_are_involved(empty_project, tmp_path):
    from digest.build import Builder
    from digest.problems import ContentError

    project = empty_project
    target = project.write("a.md", article(title="الأصل"))
    (project.content / "b.md").symlink_to(target)
    builder = Builder(project.options(in_place=True, jobs=1), save_each_build=False)
    builder.build()
    target.write_text(article(title="الأصل بعد التعديل"), encoding="utf-8")
    os.utime(target, ns=(1, 1))
    content = os.path.realpath(project.content)
    builder.build({os.path.join(content, "a.md")})  # the watcher reports the target only
    assert "الأصل بعد التعديل" in (project.output / "ar" / "b" / "index.html").read_text(encoding="utf-8")

    plain = project.write("c.md", article(title="ملف عادي"))
    (project.content / "b.md").unlink()
    builder.build(None)
    outside = tmp_path / "outside.md"
    outside.write_text(article(title="خارج المجلد"), encoding="utf-8")
    plain.unlink()
    plain.symlink_to(outside)  # a known file turned into a link that leads outside
    with pytest.raises(ContentError, match="outside the content folder"):
        builder.build({os.path.join(content, "c.md")})

    plain.unlink()
    builder.build(None)
    moved = project.root / "moved"
    project.content.rename(moved)
    with pytest.raises(ContentError, match="content folder not found"):
        builder.build({content})


def test_feeds_are_kept_while_what_they_show_is_unchanged(empty_project):
    import feedparser as fp

    project = empty_project
    path = project.write("a.md", article(title="خبر", summary="ملخص كتبه المحرر.", body="فقرة أولى."))
    project.write("b.md", article(title="خبر آخر", date="2016-09-02T10:00:00+03:00"))
    project.build()
    feeds = [project.output / lang / "feed.xml" for lang in ("ar", "en")]
    inodes = [os.stat(f).st_ino for f in feeds]
    path.write_text(article(title="خبر", summary="ملخص كتبه المحرر.", body="فقرة أولى.\n\nفقرة جديدة."),
                    encoding="utf-8")
    project.build()
    assert [os.stat(f).st_ino for f in feeds] == inodes  # the body is not in the feed
    assert "فقرة جديدة" in (project.output / "ar" / "a" / "index.html").read_text(encoding="utf-8")
    path.write_text(article(title="خبر", summary="ملخص جديد كتبه المحرر.", body="فقرة أولى."), encoding="utf-8")
    project.build()
    items = {e.link.rstrip("/").rsplit("/", 1)[-1]: e for e in fp.parse(feeds[0].read_bytes()).entries}
    assert items["a"].summary == "ملخص جديد كتبه المحرر."


def test_a_new_base_url_reaches_every_link_though_the_compiled_templates_are_kept(tmp_path):
    """Jinja folds constant filter calls ('/theme/style.css' | href) into the compiled templates,
    which the cache folder keeps: a build under another base URL (a deploy under a sub-path,
    or the preview's local one) must not reuse those of the last."""
    project = make_project(tmp_path / "p")
    fresh = make_project(tmp_path / "fresh")
    project.build()
    for base in ("https://digest.example/news/", "https://digest.example/", "https://other.example/a/b/"):
        project.build("--base-url", base)
        fresh.build("--base-url", base)
        assert tree_bytes(project.output) == tree_bytes(fresh.output), base
        shutil.rmtree(fresh.output)
        shutil.rmtree(fresh.cache)
    path = urlsplit("https://other.example/a/b/").path
    for page in ("index.html", "ar/index.html", "404.html"):
        text = (project.output / page).read_text(encoding="utf-8")
        assert f'href="{path}theme/style.css"' in text and 'href="/theme/' not in text, page
    assert 'rel="canonical" href="https://other.example/a/b/"' in (project.output / "index.html").read_text()


def test_compiled_templates_of_base_urls_unused_for_a_week_are_removed(tmp_path):
    from digest.render import COMPILED_MAX_AGE, compiled_folder

    root = tmp_path / "templates"
    recent = compiled_folder(root, "http://127.0.0.1:8000/")
    (recent / "__jinja2_x.cache").write_bytes(b"x")
    old = compiled_folder(root, "http://127.0.0.1:8123/")
    stray = root / "__jinja2_from_an_older_version.cache"
    stray.write_bytes(b"x")
    week_ago = os.stat(root).st_mtime - COMPILED_MAX_AGE - 60
    for path in (old, stray):
        os.utime(path, (week_ago, week_ago))
    current = compiled_folder(root, "https://digest.example/news/")
    assert sorted(p.name for p in root.iterdir()) == sorted([recent.name, current.name])
    assert (recent / "__jinja2_x.cache").exists()
    assert compiled_folder(root, "http://127.0.0.1:8000/") == recent  # the same URL, the same folder


def test_reinstalling_a_library_that_shapes_the_output_rebuilds_everything(tmp_path, monkeypatch):
    """Saved articles hold HTML that markdown-it and nh3 made: a new version of either (a
    sanitizer's security fix) must reach every page, not only the articles edited since."""
    import sys

    from digest.incremental import keys

    package = tmp_path / "libs" / "fake_sanitizer"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VERSION = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "libs"))
    monkeypatch.setattr(keys, "OUTPUT_LIBRARIES", (*keys.OUTPUT_LIBRARIES, "fake_sanitizer"))
    monkeypatch.setattr(keys, "code_key", keys.code_key.__wrapped__)  # not the process's memo
    before = keys.code_key()
    assert keys.code_key() == before
    (package / "__init__.py").unlink()  # as pip replaces a package's files
    (package / "__init__.py").write_text("VERSION = 2.0\n", encoding="utf-8")  # and another size
    assert keys.code_key() != before
    assert "fake_sanitizer" not in sys.modules  # found, never imported


def test_a_compiled_templates_folder_removed_under_a_build_does_not_fail_it(tmp_path):
    """Another build's tidying (or a full disk) may take the folder away: the template is then
    compiled again next time, and this build goes on."""
    from digest.config import Config
    from digest.i18n import load_messages
    from digest.render import Renderer

    root = tmp_path / "compiled"
    templates = Path(__file__).resolve().parent.parent / "templates"
    renderer = Renderer(templates, Config(), load_messages(templates / "messages.yaml"), compiled=root)
    shutil.rmtree(root)
    assert "<html" in renderer.render_template("404.html", "ar", page=None)
    assert not root.exists()


def test_a_build_over_two_workers_writes_the_site_one_process_writes(empty_project):
    """Forked workers render the pages while this process makes the article pages' folders and
    hands them their tasks (see publish.render_pages): byte for byte the site of a build in one process."""
    from digest.publish import PARALLEL_MIN_PAGES
    from digest.reading import PARALLEL_MIN_ARTICLES

    count = max(PARALLEL_MIN_ARTICLES, PARALLEL_MIN_PAGES // 2) + 10  # forked read and render workers
    for i in range(count):
        empty_project.write(f"a{i:03}.md", article(
            title=f"خبر رقم {i}", date=f"2018-{1 + i % 3:02d}-{1 + i % 28:02d}T10:{i % 60:02d}:00+03:00",
            body=f"الفقرة الأولى من الخبر {i}.\n\nوفقرة ثانية فيها رقم {i * 13}.",
            category=("economy", "sport", "culture")[i % 3]))
    empty_project.build("--jobs", "2", "--output", "two")
    empty_project.build("--jobs", "1", "--output", "one", "--cache", ".cache-one")
    two, one = tree_bytes(empty_project.root / "two"), tree_bytes(empty_project.root / "one")
    assert len(two) > count and two == one


def test_a_build_removes_month_old_manifests(project):
    project.build()
    stale, fresh = project.cache / "manifest-0123456789abcdef.pickle", project.cache / "manifest-fedcba9876543210.pickle"
    for path in (stale, fresh):
        path.write_bytes(b"another output folder's")
    month_ago = time.time() - 31 * 86_400
    os.utime(stale, (month_ago, month_ago))
    (project.content / "new.md").write_text(article(title="خبر جديد"), encoding="utf-8")
    project.build()
    left = sorted(p.name for p in project.cache.glob("manifest*.pickle"))
    assert fresh.name in left and stale.name not in left
    assert len(left) == 2  # this output folder's own, and the fresh one

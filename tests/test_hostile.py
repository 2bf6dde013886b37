"""Hostile content comes out inert in every output: pages, feeds, sitemap and JSON-LD."""

from __future__ import annotations

import json
import re

import feedparser
import html5lib
import pytest
from conftest import article, make_project
from lxml import etree

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'</script>'
BODY = """فقرة عادية <script>alert(3)</script> و <b onclick="alert(4)">عريض</b>.

[رابط خبيث](javascript:alert(5)) و [رابط بيانات](data:text/html;base64,PHNjcmlwdD5hbGVydCg2KTwvc2NyaXB0Pg==)
و ![صورة](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=) و [عادي](https://example.org/ok)
و <a href="javascript:alert(7)">خطر</a> و [مسافة](  jAvAsCrIpT:alert(8))

<iframe src="https://evil.example"></iframe>
"""
FIELDS = {
    "title": json.dumps("عنوان " + XSS),
    "source": json.dumps("مصدر " + XSS),
    "source_url": json.dumps("javascript:alert(9)"),
    "category": json.dumps("قسم " + XSS),
    "tags": json.dumps(["وسم " + XSS, "<svg onload=alert(10)>"]),
    "image": json.dumps("javascript:alert(11)"),
    "author": json.dumps("كاتب " + XSS),
    "title_en": json.dumps("English " + XSS),
    "summary_en": json.dumps("Summary " + XSS),
}
BAD_URL = re.compile(r"^\s*(javascript|data|vbscript):", re.I)


def assert_inert_html(data: bytes, where: str) -> None:
    doc = html5lib.parse(data, treebuilder="lxml", namespaceHTMLElements=False)
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "script":
            # JSON-LD, or the site's own scripts: the language chooser, the search pages' script.
            own = where.endswith("site/index.html") or (
                where.endswith("/search/index.html") and element.get("type") == "module"
                and element.get("src", "").endswith("/theme/search.js") and not (element.text or "").strip())
            assert element.get("type") == "application/ld+json" or own, where
        assert element.tag not in ("iframe", "object", "embed", "svg"), (where, element.tag)
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (where, element.tag, name)
            if name in ("href", "src", "content", "action", "formaction"):
                assert not BAD_URL.match(value), (where, element.tag, name, value)
    for script in doc.findall(".//script[@type='application/ld+json']"):
        data = json.loads(script.text)  # the block stays one valid JSON document
        assert "headline" in data


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    # A category the settings do not name, as a site that allows new ones may have: its name
    # is the hostile text itself.
    project = make_project(tmp_path_factory.mktemp("hostile") / "p", sample=False,
                           settings="allow_new_categories: true\n")
    fields = {k: v for k, v in FIELDS.items() if k not in ("title",)}
    project.write("evil.md", article(title="عنوان " + XSS.replace('"', '\\"'), body=BODY, **fields))
    project.write("plain.md", article(title="عنوان عادي", body=BODY))
    project.build()
    return project


def test_pages_are_inert(hostile_site):
    pages = [p for p in hostile_site.output.rglob("*.html")]
    assert len(pages) > 8
    for page in pages:
        assert_inert_html(page.read_bytes(), str(page))


def test_hostile_text_is_shown_as_text(hostile_site):
    page = (hostile_site.output / "ar" / "evil" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="https://example.org/ok"' in page
    doc = html5lib.parse(page, treebuilder="lxml", namespaceHTMLElements=False)
    block = doc.find(".//script[@type='application/ld+json']")
    assert "</script>" not in block.text and "<" not in block.text
    assert json.loads(block.text)["headline"].endswith("</script>")


def test_feeds_and_sitemap_are_well_formed_and_inert(hostile_site):
    for lang in ("ar", "en"):
        raw = (hostile_site.output / lang / "feed.xml").read_bytes()
        etree.fromstring(raw)
        feed = feedparser.parse(raw)
        assert not feed.bozo
        assert len(feed.entries) == (2 if lang == "ar" else 1)  # English: only the article with English
        for entry in feed.entries:
            assert entry.title_detail.type == "text/plain"  # shown as text, whatever it says
            if "summary_detail" in entry:
                assert entry.summary_detail.type == "text/html"
                assert "<script" not in entry.summary.lower() and "<img" not in entry.summary.lower()
    etree.fromstring((hostile_site.output / "sitemap.xml").read_bytes())


def test_raw_html_is_escaped_by_default_and_sanitised_when_allowed(tmp_path):
    project = make_project(tmp_path / "p", sample=False, settings="allow_html: true\n")
    project.write("raw.md", article(body=BODY + '\n<p dir="ltr">مسموح <bdi>Ali</bdi></p>\n'))
    project.build()
    data = (project.output / "ar" / "raw" / "index.html").read_bytes()
    assert_inert_html(data, "raw")
    text = data.decode()
    assert "<b>عريض</b>" in text and '<p dir="ltr">مسموح <bdi>Ali</bdi></p>' in text
    body = text.split('class="body"', 1)[1]
    assert "alert(3)" not in body  # nh3 drops script elements with their content

"""A summary that is the article's own opening is not shown again above the full text."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import html5lib
from conftest import Project, article

from digest.config import Config
from digest.content import Article
from digest.entries import is_opening, prepare

FIRST = "أعلنت الحكومة خطة جديدة لدعم إنتاج الغاز الطبيعي في البلاد."
SECOND = "وقالت وزارة البترول إن الإنتاج اليومي سيرتفع قبل منتصف العام."
THIRD = "وشهدت الأسواق المحلية ارتفاعا في أسعار الوقود خلال الأشهر الأخيرة."


def test_is_opening_compares_words_not_line_breaks():
    text = f"{FIRST} {SECOND}\n\n{THIRD}"
    assert is_opening(FIRST, text)
    assert is_opening(f"{FIRST} {SECOND}", text)
    assert is_opening(f"{FIRST} {SECOND} {THIRD}", text.replace(" ", "\n", 3))
    assert not is_opening(f"{FIRST} {THIRD}", text)  # the first sentence, then a later one
    assert not is_opening(SECOND, text)
    assert not is_opening(FIRST[:-1], text)  # a word cut short is not the same word
    assert not is_opening("", text) and not is_opening(FIRST, "")


def _article(body: str, summary: str = "") -> Article:
    return Article(path="a.md", slug="a", title="خطة الغاز", date=datetime(2018, 2, 1, tzinfo=UTC),
                   body=body, body_line=1, summary=summary)


def test_prepare_marks_a_summary_that_repeats_the_opening():
    config = Config()
    short = prepare(_article(f"{FIRST}\n\n{SECOND}"), config)  # the whole article fits the budget
    assert short.summary == f"{FIRST} {SECOND}" and short.summary_is_opening
    edited = prepare(_article(f"{FIRST}\n\n{SECOND}", summary="ملخص كتبه المحرر."), config)
    assert edited.summary == "ملخص كتبه المحرر." and not edited.summary_is_opening
    skipping = prepare(_article(f"{FIRST}\n\n{SECOND}", summary=f"{FIRST} {THIRD}"), config)
    assert not skipping.summary_is_opening


def _page(project: Project, slug: str):
    return html5lib.parse((project.output / "ar" / slug / "index.html").read_bytes(), treebuilder="lxml",
                          namespaceHTMLElements=False)


def test_arabic_page_leaves_out_a_summary_box_that_repeats_the_first_paragraph(empty_project):
    project = empty_project
    project.write("same.md", article(title="خطة الغاز", body=f"{FIRST}\n\n{SECOND}"))
    project.write("edited.md", article(title="خطة الغاز", summary=json.dumps("ملخص كتبه المحرر للخبر."),
                                       body=f"{FIRST}\n\n{SECOND}", date="2016-09-02T10:00:00+03:00"))
    project.build()
    same, edited = _page(project, "same"), _page(project, "edited")
    assert same.find(".//section[@class='summary']") is None
    body = same.find(".//section[@class='body']")
    assert [p.text for p in body.findall("p")] == [FIRST, SECOND]  # the text itself, once
    summary = f"{FIRST} {SECOND}"
    assert same.find(".//meta[@name='description']").get("content") == summary
    assert same.find(".//meta[@property='og:description']").get("content") == summary
    ld = json.loads(same.find(".//script[@type='application/ld+json']").text)
    assert ld["description"] == summary
    home = (project.output / "ar" / "index.html").read_text(encoding="utf-8")
    assert summary in home  # the teaser keeps it
    assert summary in (project.output / "ar" / "feed.xml").read_text(encoding="utf-8")
    box = edited.find(".//section[@class='summary']/p")
    assert box is not None and box.text == "ملخص كتبه المحرر للخبر."

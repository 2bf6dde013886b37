"""The shortcut for plain-paragraph bodies gives exactly what markdown-it-py gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from digest.markup import OTHER_SPACES, _plain_paragraphs, render_markdown, render_with_markdown_it

ROOT = Path(__file__).resolve().parent.parent

# Letters and the punctuation of news text, the characters Markdown gives a meaning to, and the
# spaces that differ between parsers (tab, no-break space, line separator, carriage return).
ALPHABET = st.sampled_from(
    list("كتبالمحررفيالصحيفةخبرا") + list("abcXYZ0123456789") + [" "] * 8 + ["\n"] * 5
    + list(".,،؛؟!?\"'():;/%$@^{}") + list("-+=#*_[]<>&|~`\\") + ["\t", "\u00a0", "\u00a0 ", " \u00a0", "\u2009", "\u2028", "\r", "    ", "1. ", "  \n"]
)
CHARS = st.lists(ALPHABET, max_size=80).map("".join)
# Line structure matters as much: indentation, trailing spaces, blank lines between paragraphs.
LINE = st.tuples(st.integers(0, 5), st.lists(ALPHABET.filter(lambda c: "\n" not in c), max_size=12).map("".join),
                 st.integers(0, 3)).map(lambda t: " " * t[0] + t[1] + " " * t[2])
LINES = st.lists(st.one_of(LINE, st.just("")), max_size=8).map("\n".join)
BODIES = st.one_of(CHARS, LINES)
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(body=BODIES, allow_html=st.booleans())
@example(body='  قال "المتحدث": 3 ملايين\nفي العام.  \n\n\n ثم   أضاف!', allow_html=False)
@example(body="سطر أول \nسطر ثان\n   \nفقرة ثانية", allow_html=True)
def test_the_plain_shortcut_equals_markdown_it(body, allow_html):
    assert render_markdown(body, allow_html) == render_with_markdown_it(body, allow_html)


@pytest.mark.parametrize("body", [
    "فقرة أولى.\n\nفقرة ثانية: 25 قتيلا (حسب المصادر) - وفق \"رويترز\".",
    "سطر أول\nسطر ثان بعده\n\n\nفقرة بعد أسطر فارغة  \n",
])
def test_plain_news_paragraphs_take_the_shortcut(body):
    assert _plain_paragraphs(body) is not None
    assert render_markdown(body) == render_with_markdown_it(body)


@pytest.mark.parametrize("body", [
    "- بند", "1. بند", "# عنوان", "نص *مائل*", "نص\n===", "    شيفرة", "رابط [هنا](http://x)", "a &amp; b",
    "سطر  \nبعد فاصل", "جدول | عمود", "نص\u2009غير", "<b>x</b>",
])
def test_anything_with_markup_goes_to_markdown_it(body):
    assert _plain_paragraphs(body) is None


def test_the_sample_articles_render_the_same_both_ways():
    for path in sorted((ROOT / "content").glob("*.md")):
        body = path.read_text(encoding="utf-8").split("---\n", 2)[2]
        assert render_markdown(body) == render_with_markdown_it(body), path.name


def test_other_spaces_are_every_python_space_but_three():
    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()} - {" ", "\n", "\u00a0"}
    assert {c for c in spaces if re.fullmatch("[" + OTHER_SPACES + "]", c)} == spaces
    assert not re.search("[" + OTHER_SPACES + "]", " \n\u00a0abc")

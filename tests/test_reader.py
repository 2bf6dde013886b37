"""Property tests: the front-matter reader and the slug rules on arbitrary Unicode."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from digest.config import Config
from digest.content import read_article
from digest.slugs import RESERVED, ascii_slug, slug_key, slug_problem

CONFIG = Config()
TEXT = st.text(st.characters(codec="utf-8"), max_size=200)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def read(tmp_path: Path, data: bytes):
    path = tmp_path / "a.md"
    path.write_bytes(data)
    return read_article(path, CONFIG, "content/a.md")


@SETTINGS
@given(data=st.binary(max_size=300) | TEXT.map(lambda t: ("---\n" + t).encode()))
def test_any_bytes_give_an_article_or_located_problems(tmp_path, data):
    article, problems = read(tmp_path, data)
    lines = data.count(b"\n") + 1
    for problem in problems:
        assert problem.path == "content/a.md" and 1 <= problem.line <= lines + 1
        assert problem.message and "\n" not in problem.message
    if article is None:
        assert any(not p.warning for p in problems)


@SETTINGS
@given(title=TEXT.filter(lambda t: t.strip()), source=TEXT, tags=st.lists(TEXT, max_size=4))
def test_front_matter_text_round_trips(tmp_path, title, source, tags):
    front = yaml.safe_dump({"title": title, "date": "2016-09-01T14:46:00+03:00", "source": source,
                            "tags": tags}, allow_unicode=True)
    article, problems = read(tmp_path, f"---\n{front}---\nنص\n".encode())
    if article is None:  # only characters that YAML itself cannot carry may fail, and never silently
        assert problems and all("YAML" in p.message or "'title'" in p.message for p in problems)
        return
    # What YAML itself makes of it (it folds line breaks such as NEL), in NFC as the reader gives all text.
    expected = yaml.safe_load(unicodedata.normalize("NFC", front))
    assert article.title == expected["title"].strip() and article.source == expected["source"].strip()
    assert article.tags == list(dict.fromkeys(t.strip() for t in expected["tags"] if t.strip()))  # each once


@SETTINGS
@given(slug=TEXT)
def test_an_accepted_slug_is_one_safe_path_segment(tmp_path, slug):
    if slug_problem(slug) is not None:
        return
    target = Path(os.path.normpath(tmp_path / "ar" / slug))
    assert target.parent == tmp_path / "ar"
    assert not slug.startswith(".") and "/" not in slug and slug_key(slug) not in ("page", "category")


@SETTINGS
@given(title=TEXT)
@example(title="COM1")  # a Windows device name: no folder can have it
@example(title="Theme")  # a reserved word, which CI's Hypothesis found: ascii_slug may give one
def test_ascii_slug_is_always_url_safe(title):
    """URL-safe always; a slug the site could not use as an article's is empty, a number or a
    reserved word (callers add a date or use it under /category/, where these do not collide)."""
    slug = ascii_slug(title)
    assert slug.isascii() and all(c.isalnum() or c == "-" for c in slug)
    assert slug_problem(slug) is None or slug == "" or slug.isdigit() or slug in RESERVED

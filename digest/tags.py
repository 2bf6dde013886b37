"""Tags: one page per tag and language, named in Arabic as the articles write them and in
English as site.yaml gives them (or a machine translated them: see digest.tagnames)."""

from __future__ import annotations

import hashlib
import re

from digest.slugs import drop_arabic_marks, slug_problem

_SPACES = re.compile(r"[\s_]+")
_NOT_SLUG = re.compile(r"[^\w.~-]+")


def tag_url(lang: str, slug: str, number: int = 1) -> str:
    base = f"/{lang}/tag/{slug}/"
    return base if number == 1 else f"{base}page/{number}/"


def tag_slug(tag: str) -> str:
    """The tag's path segment: its words without vowel marks or tatweel, joined by hyphens, so
    that 'سوريا' and 'سُوريا' are one tag with one page. A tag that cannot be a path segment
    (only punctuation, a reserved name) gets a short hash."""
    text = drop_arabic_marks(tag).replace("\u0640", "").strip().casefold()
    slug = _NOT_SLUG.sub("", _SPACES.sub("-", text)).strip("-.")
    if slug_problem(slug) is not None:
        slug = "t-" + hashlib.blake2b(tag.encode(), digest_size=4).hexdigest()
    return slug


def tags_of(tags: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """(slug, tag as written) of an article's tags, each slug once, in the article's order."""
    seen: set[str] = set()
    out = []
    for tag in tags:
        slug = tag_slug(tag)
        if slug not in seen:
            seen.add(slug)
            out.append((slug, tag))
    return out


def tag_links(tags: list[str] | tuple[str, ...], lang: str, english: dict[str, str]) -> list[tuple[str, str]]:
    """(name, URL) of an article's tags that have a page in `lang`: every tag in Arabic; in
    English, those with an English name (`english`, by slug)."""
    if lang == "ar":
        return [(tag, tag_url(lang, slug)) for slug, tag in tags_of(tags)]
    return [(english[slug], tag_url(lang, slug)) for slug, _ in tags_of(tags) if slug in english]

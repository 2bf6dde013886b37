"""Generator: which pages the site has, where they go, and what each one shows.

Paths follow Hugo's pretty URLs: `/ar/<slug>/index.html`, `/en/2016/09/01/index.html`,
`/ar/page/2/index.html`, `/en/category/<key>/index.html`. Each page carries a key made from
everything it shows, so an incremental build can tell which pages changed without rendering.
"""

from __future__ import annotations

import hashlib
import itertools
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from digest.config import LANGS, Config
from digest.entries import Entry


@dataclass(slots=True)  # ten thousand and more per build: slots make them cheaper to create
class Page:
    url: str  # site path, e.g. "/ar/slug/"
    template: str
    lang: str
    context: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # hash of what the page shows; pages with equal keys render equal bytes
    output_path: str = field(init=False, repr=False)  # file path inside the output folder

    def __post_init__(self) -> None:
        path = self.url.lstrip("/")
        self.output_path = path + "index.html" if self.url.endswith("/") else path


def other(lang: str) -> str:
    return "en" if lang == "ar" else "ar"


def article_url(lang: str, slug: str) -> str:
    return f"/{lang}/{slug}/"


def day_url(lang: str, day: date) -> str:
    return f"/{lang}/{day.year:04d}/{day.month:02d}/{day.day:02d}/"  # strftime is ten times slower


def home_url(lang: str, number: int = 1) -> str:
    return f"/{lang}/" if number == 1 else f"/{lang}/page/{number}/"


def category_url(lang: str, slug: str, number: int = 1) -> str:
    base = f"/{lang}/category/{slug}/"
    return base if number == 1 else f"{base}page/{number}/"


PAGE_KEY_MAX = 96  # longer keys (list pages name every entry they show) are hashed


def _article_key(lang: str, fingerprint: str, nav_key: str) -> str:
    return f"article\x1f{lang}\x1f{fingerprint}\x1f{nav_key}"


def _key(*parts: object) -> str:
    """What a page shows, as text (fingerprints joined). A long one is hashed to keep the build
    manifest small; a hash (hex digits) never equals a raw key, which holds separators."""
    key = "\x1f".join(map(str, parts))
    if len(key) > PAGE_KEY_MAX:
        return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
    return key


def sort_entries(entries: list[Entry]) -> list[Entry]:
    """Newest first; the slug breaks ties so that output never depends on file order."""
    return sorted(entries, key=lambda e: e.order)


@dataclass
class Plan:
    """Every page of the site, in a stable order: per language, its article pages, then its lists.

    List and day pages are made up front (a few per hundred articles). Article pages, two per
    article, are made only when one is rendered: a build that changed one article need not make
    twenty thousand page objects to find the four pages that changed.
    """

    entries: list[Entry]  # newest first
    lists: dict[str, list[Page]]  # per language: home, category and day pages
    nav: dict[str, list[tuple[str, str]]]  # per language: (category name, URL)
    nav_key: str  # changes when the categories do: every page shows them
    prints: list[str] = field(default_factory=list, repr=False)  # the entries' fingerprints
    _keys: dict[str, str] = field(default_factory=dict, repr=False)

    def article_key(self, entry: Entry, lang: str) -> str:
        return _article_key(lang, entry.fingerprint(), self.nav_key)

    def article_page(self, entry: Entry, lang: str) -> Page:
        slug = entry.slug
        return Page(f"/{lang}/{slug}/", "article.html", lang,
                    {"entry": entry, "nav": self.nav[lang], "alternate": f"/{other(lang)}/{slug}/"},
                    self.article_key(entry, lang))

    def shape(self) -> str:
        """Changes when the sitemap does (given the same settings): it lists every page, and
        which pages there are follows from each article's slug, date and category, in order."""
        listing = "\x1f".join(f"{e.article.slug}\x1e{e.article.date.isoformat()}\x1e{e.article.category}"
                               for e in self.entries)
        return hashlib.blake2b(listing.encode(), digest_size=16).hexdigest()

    def keys(self) -> dict[str, str]:
        """Output path to key, for every page, in the plan's order (made once)."""
        if not self._keys:
            slugs = [e.article.slug for e in self.entries]
            prints = self.prints or [e.fingerprint() for e in self.entries]
            for lang in LANGS:
                self._keys.update((f"{lang}/{slug}/index.html", _article_key(lang, fp, self.nav_key))
                                  for slug, fp in zip(slugs, prints, strict=True))
                self._keys.update((page.output_path, page.key) for page in self.lists[lang])
        return self._keys

    def pages(self, paths: Iterable[str]) -> list[Page]:
        """The pages at these output paths (from keys())."""
        lists = {page.output_path: page for pages in self.lists.values() for page in pages}
        by_slug = {e.slug: e for e in self.entries}
        out = []
        for path in paths:
            page = lists.get(path)
            if page is None:  # an article page: "<lang>/<slug>/index.html"
                lang, slug, _ = path.split("/")
                page = self.article_page(by_slug[slug], lang)
            out.append(page)
        return out


def plan_pages(entries: list[Entry], config: Config) -> Plan:
    """The site's pages. `entries` must be sorted newest first.

    What the lists hold (chunks, days, the fingerprints they show) is worked out once and then
    made into pages for each language.
    """
    prints = [e.fingerprint() for e in entries]
    by_category: dict[tuple[str, str], list[int]] = {}
    for index, entry in enumerate(entries):
        if entry.category_slug:
            by_category.setdefault((entry.category_slug, entry.article.category), []).append(index)
    categories = sorted(by_category)
    nav_key = hashlib.blake2b(repr(categories).encode(), digest_size=8).hexdigest()
    home = _chunks(entries, prints, config.per_page)
    sections = [(slug, key, _chunks([entries[i] for i in by_category[(slug, key)]],
                                     [prints[i] for i in by_category[(slug, key)]], config.per_page))
                for slug, key in categories]
    days = []
    start = 0
    for day, members in _by_day(entries):
        days.append((day, members, "\x1e".join(prints[start : start + len(members)])))
        start += len(members)
    navs: dict[str, list[tuple[str, str]]] = {}
    lists: dict[str, list[Page]] = {}
    for lang in LANGS:
        nav = navs[lang] = [(config.category_name(key, lang), category_url(lang, slug)) for slug, key in categories]
        pages = lists[lang] = _listing(home, lang, home_url, "home", "", nav, nav_key)
        for slug, key, chunks in sections:
            pages.extend(_listing(chunks, lang, lambda lg, n, s=slug: category_url(lg, s, n),
                                  "category", config.category_name(key, lang), nav, nav_key))
        there = other(lang)
        for day, members, shown in days:
            pages.append(Page(day_url(lang, day), "day.html", lang,
                              {"day": day, "entries": members, "nav": nav, "alternate": day_url(there, day)},
                              _key("day", lang, day, shown, nav_key)))
    return Plan(entries, lists, navs, nav_key, prints)


Chunk = tuple[list[tuple[date, list[Entry]]], str]  # one list page: its days, and the fingerprints it shows


def _by_day(entries: list[Entry]) -> list[tuple[date, list[Entry]]]:
    """Entries grouped by day, in order."""
    return [(day, list(group)) for day, group in itertools.groupby(entries, key=_DAY)]


_DAY = operator.attrgetter("day")


def _chunks(entries: list[Entry], prints: list[str], size: int) -> list[Chunk]:
    """A paginated list's pages: at least one, even when empty."""
    chunks = []
    for start in range(0, max(1, len(entries)), size):
        chunk = entries[start : start + size]
        chunks.append((_by_day(chunk), "\x1e".join(prints[start : start + size])))
    return chunks


def _listing(chunks: list[Chunk], lang: str, url_of, kind: str, title: str, nav: list, nav_key: str) -> list[Page]:
    """Paginated list pages (home or one category), days newest first."""
    count = len(chunks)
    pages = []
    for number, (days, shown) in enumerate(chunks, start=1):
        context = {
            "kind": kind, "title": title, "days": days, "number": number, "count": count,
            "newer": url_of(lang, number - 1) if number > 1 else "",
            "older": url_of(lang, number + 1) if number < count else "",
            "alternate": url_of(other(lang), number),
            "nav": nav,
        }
        pages.append(Page(url_of(lang, number), "list.html", lang, context,
                          _key(kind, lang, title, number, count, shown, nav_key)))
    return pages

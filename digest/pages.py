"""Generator: which pages the site has, where they go, and what each one shows.

Paths follow Hugo's pretty URLs: `/ar/<slug>/index.html`, `/en/2016/09/01/index.html`,
`/ar/page/2/index.html`, `/en/category/<key>/index.html`. Each page carries a key made from
everything it shows, so an incremental build can tell which pages changed without rendering.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import operator
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timezone
from typing import Any

from digest.archives import Year, archive_of, month_url, neighbours, year_url
from digest.config import LANGS, Config
from digest.entries import Entry
from digest.paging import page_window
from digest.related import inputs_key, pack, related_keys, related_lists, unpack
from digest.tags import tag_links, tag_url, tags_of


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
    return f"/{lang}/{day.year:04d}/{day.month:02d}/{day.day:02d}/"  # not strftime: called for every day


def home_url(lang: str, number: int = 1) -> str:
    return f"/{lang}/" if number == 1 else f"/{lang}/page/{number}/"


def category_url(lang: str, slug: str, number: int = 1) -> str:
    base = f"/{lang}/category/{slug}/"
    return base if number == 1 else f"{base}page/{number}/"


RELATED_KEY_LEN = 16  # hex digits of each language's related-list key
PAGE_KEY_MAX = 96  # longer keys (list pages name every entry they show) are hashed


def _article_path(lang: str, slug: str) -> str:
    """An article page's output path (Page.output_path of article_url)."""
    return f"{lang}/{slug}/index.html"


def _article_key(lang: str, fingerprint: str, nav_key: str) -> str:
    return f"article\x1f{lang}\x1f{fingerprint}\x1f{nav_key}"


def _key(*parts: object) -> str:
    """What a page shows, as text (fingerprints joined). A long one is hashed to keep the build
    manifest small; a hash (hex digits) never equals a raw key, which holds separators."""
    key = "\x1f".join(map(str, parts))
    if len(key) > PAGE_KEY_MAX:
        return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
    return key


@dataclass
class SiteKeys:
    """Every page's key (see Page.key), as the build manifest keeps them from build to build.

    An article page's key follows from its slug, its entry's fingerprint and the nav key, so
    only those are kept for the article pages; list pages' keys are kept as they are. Every
    article has an Arabic page; those marked in `english` have an English one too.
    """

    slugs: list[str]  # the entries', newest first
    fingerprints: list[str]  # their fingerprints, in the same order
    nav_key: str
    lists: dict[str, str]  # output path to key, for every list page of both languages
    english: bytes = b""  # b"1" where the entry has an English page, b"0" where not
    # Per entry, what its article pages show of other articles (their related lists, see
    # digest.related): the Arabic page's key then the English page's, RELATED_KEY_LEN each.
    extras: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.slugs) + self.english.count(b"1") + len(self.lists)

    def articles(self, lang: str) -> Iterator[tuple[str, str]]:
        """(slug, fingerprint) of each article page of a language; the fingerprint is followed by
        what the page shows of other articles."""
        extras = self.extras or [""] * len(self.slugs)
        half = slice(0, RELATED_KEY_LEN) if lang == "ar" else slice(RELATED_KEY_LEN, None)
        pairs = zip(self.slugs, (p + e[half] for p, e in zip(self.fingerprints, extras, strict=True)), strict=True)
        if lang == "ar":
            return pairs
        return (pair for pair, flag in zip(pairs, self.english, strict=True) if flag == ord("1"))

    def paths(self) -> Iterator[str]:
        """Every page's output path: each language's article pages, then the lists."""
        for lang in LANGS:
            yield from (_article_path(lang, slug) for slug, _ in self.articles(lang))
        yield from self.lists

    def as_values(self) -> tuple:
        """The fields as plain values, for the manifest: SiteKeys(*values) makes it again."""
        return (self.slugs, self.fingerprints, self.nav_key, self.lists, self.english, self.extras)

    def as_dict(self) -> dict[str, str]:
        """Output path to key, for every page, in the order of paths()."""
        out = {}
        for lang in LANGS:
            out.update((_article_path(lang, slug), _article_key(lang, fp, self.nav_key))
                       for slug, fp in self.articles(lang))
        out.update(self.lists)
        return out

    def stale(self, old: SiteKeys | None) -> list[str]:
        """The pages whose key is not what it was in `old` (every page when there is none)."""
        if old is None:
            return list(self.paths())
        out = []
        for lang in LANGS:
            if old.nav_key != self.nav_key:
                out.extend(_article_path(lang, slug) for slug, _ in self.articles(lang))
            else:
                was = dict(old.articles(lang))
                out.extend(_article_path(lang, slug) for slug, fp in self.articles(lang) if was.get(slug) != fp)
        return out + [path for path, key in self.lists.items() if old.lists.get(path) != key]

    def gone(self, old: SiteKeys) -> list[str]:
        """The pages `old` has that these keys do not."""
        out = []
        for lang in LANGS:
            now = {slug for slug, _ in self.articles(lang)}
            out.extend(_article_path(lang, slug) for slug, _ in old.articles(lang) if slug not in now)
        return out + [path for path in old.lists if path not in self.lists]


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
    lists: dict[str, list[Page]]  # per language: home, category and day pages (see partial)
    nav: dict[str, list[tuple[str, str]]]  # per language: (category name, URL)
    nav_key: str  # changes when the categories do: every page shows them
    fingerprints: list[str] = field(repr=False)  # the entries' fingerprints
    layout_key: str  # changes when the sitemap does (given the same settings): see site_shape()
    english_edition: bool  # whether any article has English
    config: Config = field(repr=False)
    # A partial plan has only the lists that show a changed entry, and the keys of all pages
    # (see plan_pages); whole() makes the rest when something needs it.
    partial: bool = False
    _keys: SiteKeys | None = field(default=None, repr=False)
    # Per entry (by position in `entries`): the positions of its related entries per language,
    # and the key of what its pages show of them (see SiteKeys.extras).
    related: list[tuple[list[int], list[int]]] = field(default_factory=list, repr=False)
    extras: list[str] = field(default_factory=list, repr=False)
    # Per language: (kind, slug, name, entry positions) of each category and tag with articles,
    # for their feeds (see digest.feeds.section_feeds).
    sections: dict[str, list[tuple[str, str, str, list[int]]]] = field(default_factory=dict, repr=False)
    _where: dict[str, int] | None = field(default=None, repr=False)
    english_tags: dict[str, str] = field(default_factory=dict, repr=False)  # by slug (see plan_pages)
    related_memo: tuple[str, bytes] | None = field(default=None, repr=False)  # see PlanMemo

    def article_key(self, entry: Entry, lang: str) -> str:
        at = self.position(entry.slug)
        half = slice(0, RELATED_KEY_LEN) if lang == "ar" else slice(RELATED_KEY_LEN, None)
        return _article_key(lang, entry.fingerprint() + self.extras[at][half], self.nav_key)

    def position(self, slug: str) -> int:
        if self._where is None:
            self._where = {e.article.slug: i for i, e in enumerate(self.entries)}
        return self._where[slug]

    def article_page(self, entry: Entry, lang: str) -> Page:
        slug = entry.slug
        paired = entry.has_english
        # Without English the switch leads to the English edition's home, and nothing claims
        # an English version of the article.
        alternate = article_url(other(lang), slug) if paired else home_url(other(lang))
        ar_related, en_related = self.related[self.position(slug)]
        related = [self.entries[i] for i in (ar_related if lang == "ar" else en_related)]
        return Page(article_url(lang, slug), "article.html", lang,
                    {"entry": entry, "nav": self.nav[lang], "alternate": alternate, "paired": paired,
                     "x_default": article_url("ar", slug), "listed": True, "related": related,
                     "tags": self._tag_links(entry, lang)},
                    self.article_key(entry, lang))

    def _tag_links(self, entry: Entry, lang: str) -> list[tuple[str, str]]:
        return tag_links(entry.article.tags, lang, self.english_tags)

    def whole(self) -> Plan:
        """This plan with every list page made: itself unless it is partial."""
        return plan_pages(self.entries, self.config, english_tags=self.english_tags) if self.partial else self

    def keys(self) -> SiteKeys:
        """Every page's key (made once)."""
        if self._keys is None:
            self._keys = SiteKeys([e.article.slug for e in self.entries], self.fingerprints, self.nav_key,
                                  {page.output_path: page.key for lang in LANGS for page in self.lists[lang]},
                                  english_mask(self.entries), self.extras)
        return self._keys

    def pages(self, paths: Iterable[str]) -> list[Page]:
        """The pages at these output paths (from keys())."""
        paths = list(paths)
        lists = {page.output_path: page for pages in self.lists.values() for page in pages}
        by_slug = {e.slug: e for e in self.entries}
        out = []
        for path in paths:
            page = lists.get(path)
            if page is None:  # an article page: "<lang>/<slug>/index.html"
                lang, slug, end = path.split("/") if path.count("/") == 2 else ("", "", "")
                entry = by_slug.get(slug) if end == "index.html" else None
                if entry is not None and lang == "en" and not entry.has_english:
                    entry = None
                if entry is None:  # a list this partial plan did not make
                    return self.whole().pages(paths)
                page = self.article_page(entry, lang)
            out.append(page)
        return out


def site_shape(entries: list[Entry]) -> str:
    """Which pages the site has and what each list holds follow from every article's slug, date
    and category, in order (and the settings): a hash of them, which is also what the sitemap
    shows. A date is hashed as what its isoformat() says: the instant in its entry's order
    (with its microseconds, exact where a float is not) and its UTC offset, gathered in C loops
    (map) rather than formatted as isoformat() strings, as this runs for every article."""
    articles = list(map(_ARTICLE, entries))
    dates = list(map(_DATE, articles))
    zones = list(map(_ZONE, dates))
    fixed = {zone: zone.utcoffset(None).total_seconds() for zone in set(zones) if type(zone) is timezone}
    if len(fixed) == len(set(zones)):  # every date's offset is its zone's (as the reader makes them)
        offsets = array("d", list(map(fixed.__getitem__, zones)))  # an array fills faster from a list
    else:  # a zone with summer time: the offset depends on the date
        offsets = array("d", [NAIVE if (o := d.utcoffset()) is None else o.total_seconds() for d in dates])
    digest = hashlib.blake2b(digest_size=16)
    digest.update(array("d", list(map(_INSTANT, map(_ORDER, entries)))).tobytes())
    digest.update(array("l", list(map(_MICROSECOND, dates))).tobytes())
    digest.update(offsets.tobytes())
    for texts in (map(_SLUG, articles), map(_CATEGORY, articles), ("\x1d".join(a.tags) for a in articles)):
        digest.update("\x1f".join(texts).encode() + b"\x1e")
    digest.update(english_mask(entries))  # which articles the English edition has
    return digest.hexdigest()


def english_mask(entries: list[Entry]) -> bytes:
    """b"1" for each entry with English, b"0" for each without."""
    return bytes(49 if e.english.title else 48 for e in entries)


NAIVE = float("nan")  # the offset of a date without one (the reader gives every date one)
_ARTICLE, _ORDER, _INSTANT = operator.attrgetter("article"), operator.attrgetter("order"), operator.itemgetter(0)
_DATE, _ZONE = operator.attrgetter("date"), operator.attrgetter("tzinfo")
_MICROSECOND, _SLUG, _CATEGORY = (operator.attrgetter(name) for name in ("microsecond", "slug", "category"))


@dataclass
class PlanMemo:
    """What the last build's manifest keeps of its plan, so that the next one need not plan
    every list again when only some articles' contents changed."""

    layout_key: str
    keys: SiteKeys
    related: tuple[str, bytes] | None = None  # Plan.related_memo


def plan_pages(entries: list[Entry], config: Config, previous: PlanMemo | None = None,
               english_tags: dict[str, str] | None = None) -> Plan:
    """The site's pages. `entries` must be sorted newest first.

    The Arabic edition lists every article; the English one only those with English, so each
    language's lists (chunks, days, the fingerprints they show) are worked out from its own
    articles. A list page is paired with the page at the same place in the other language when
    both list something: only paired pages name each other as alternates. Given the last
    build's plan (made with the same settings and templates), and when the site's shape is the
    same, only the lists that show a changed entry are made: the others show what they showed,
    with the same keys. The plan is partial. `english_tags`: the English name of each tag slug
    that has one (site.yaml's and the model's: see digest.tagnames); site.yaml's by default.
    """
    fingerprints = [e.fingerprint() for e in entries]
    english_tags = config.english_tags() if english_tags is None else english_tags
    # Which English tag pages exist, and what every English list and tag link says: part of the
    # shape (the sitemap lists those pages) and of the English pages' keys.
    names_key = hashlib.blake2b(repr(sorted(english_tags.items())).encode(), digest_size=8).hexdigest()
    layout_key = hashlib.blake2b((site_shape(entries) + names_key).encode(), digest_size=16).hexdigest()
    changed: list[int] | None = None
    if previous is not None and previous.layout_key == layout_key \
            and len(previous.keys.fingerprints) == len(fingerprints):
        changed = [i for i, (new, old) in enumerate(zip(fingerprints, previous.keys.fingerprints, strict=True))
                   if new != old]
        if len(changed) * 2 > len(entries):
            changed = None  # most changed: plan it all
    categories = sorted({(e.category_slug, e.article.category) for e in entries if e.category_slug})
    nav_key = hashlib.blake2b(repr(categories).encode(), digest_size=8).hexdigest()
    members = {"ar": list(range(len(entries))), "en": [i for i, e in enumerate(entries) if e.english.title]}
    english_edition = bool(members["en"])
    editions = {lang: _Edition(entries, fingerprints, indexes, categories, config.per_page,
                               None if lang == "ar" else english_tags)
                for lang, indexes in members.items()}
    # The last build's related lists, when nothing they are made from changed (most edits).
    related_key = inputs_key(entries, layout_key)
    if previous is not None and previous.related is not None and previous.related[0] == related_key:
        related = unpack(previous.related[1])
        extras = related_keys(related, fingerprints)
    else:
        related, extras = related_lists(entries, fingerprints, members["en"])
    for i in members["en"]:  # an English article page names its tags in English
        tags = entries[i].article.tags
        if tags:
            names = "\x1f".join(english_tags.get(slug, "") for slug, _ in tags_of(tags))
            extras[i] = extras[i][:RELATED_KEY_LEN] + _short_hash(extras[i][RELATED_KEY_LEN:] + names)
    changed_set = set(changed) if changed is not None else None
    navs: dict[str, list[tuple[str, str]]] = {}
    lists: dict[str, list[Page]] = {}
    sections: dict[str, list[tuple[str, str, str, list[int]]]] = {}
    for lang in LANGS:
        edition, twin = editions[lang], editions[other(lang)]
        nav = navs[lang] = [(config.category_name(key, lang), category_url(lang, slug)) for slug, key in categories]
        shown_key = nav_key if lang == "ar" else f"{nav_key}:{names_key}"  # English teasers name tags
        local_changed = None if changed_set is None else \
            [pos for pos, i in enumerate(members[lang]) if i in changed_set]
        home_numbers, section_numbers, day_starts = _lists_to_make(edition.entries, edition.by_category,
                                                                   config.per_page, local_changed)
        pages = lists[lang] = []
        home_default = "/" if english_edition else "/ar/"
        archive_key = _key("archive", repr(edition.archive))
        for number in home_numbers:
            pages.append(_list_page(edition, twin, lang, "home", "", number, edition.home_count, nav, shown_key,
                                    lambda lg, n: home_url(lg, n), home_default if number == 1 else None,
                                    extra={"archive": edition.archive if number == 1 else ()},
                                    extra_key=archive_key if number == 1 else ""))
        for slug, key in categories:
            feed = category_feed_url(lang, slug) if edition.by_category[(slug, key)] else ""
            for number in section_numbers[(slug, key)]:
                pages.append(_list_page(edition, twin, lang, "category", config.category_name(key, lang), number,
                                        edition.section_count(slug, key), nav, shown_key,
                                        lambda lg, n, s=slug: category_url(lg, s, n), None, (slug, key),
                                        extra={"feed": feed}, extra_key=feed))
        # Tag pages are few beside the articles, and planned whole every time: a tag edit leaves
        # the site's shape as it was for the other lists (see site_shape).
        for slug in edition.by_tag:
            section = ("", "tag", slug)
            count = _page_count(len(edition.by_tag[slug]), config.per_page)
            for number in range(1, count + 1):
                pages.append(_list_page(edition, twin, lang, "tag", edition.tag_names[slug], number, count, nav,
                                        shown_key, lambda lg, n, s=slug: tag_url(lg, s, n), None, section,
                                        extra={"feed": tag_feed_url(lang, slug)}))
        for start in day_starts:
            day, shown_entries, shown = edition.day_at(start)
            paired = day in twin.days
            alternate = day_url(other(lang), day) if paired else home_url(other(lang))
            newer, older = neighbours(edition.day_list, edition.day_index[day])
            links = {"newer_day": day_url(lang, newer) if newer else "",
                     "older_day": day_url(lang, older) if older else "",
                     "month_url": month_url(lang, day.year, day.month)}
            pages.append(Page(day_url(lang, day), "day.html", lang,
                              {"day": day, "entries": shown_entries, "nav": nav, "alternate": alternate,
                               "paired": paired, "x_default": day_url("ar", day), "listed": True, **links},
                              _key("day", lang, day, shown, shown_key, paired, links["newer_day"], links["older_day"])))
        pages.extend(_archive_pages(edition, twin, lang, nav, shown_key))
        sections[lang] = [("category", slug, config.category_name(key, lang),
                           [members[lang][pos] for pos in edition.by_category[(slug, key)]])
                          for slug, key in categories if edition.by_category[(slug, key)]]
        sections[lang] += [("tag", slug, edition.tag_names[slug], [members[lang][pos] for pos in positions])
                           for slug, positions in edition.by_tag.items()]
    plan = Plan(entries, lists, navs, nav_key, fingerprints, layout_key, english_edition, config,
                partial=changed is not None,
                related=related, extras=extras, sections=sections, english_tags=english_tags,
                related_memo=(related_key, pack(related)))
    if changed is not None and previous is not None:  # the same layout_key: the same slugs and lists
        made = {page.output_path: page.key for lang in LANGS for page in lists[lang]}
        plan._keys = SiteKeys(previous.keys.slugs, fingerprints, nav_key, {**previous.keys.lists, **made},
                              english_mask(entries), extras)
    return plan


def _short_hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=RELATED_KEY_LEN // 2).hexdigest()


def category_feed_url(lang: str, slug: str) -> str:
    return f"{category_url(lang, slug)}feed.xml"


def tag_feed_url(lang: str, slug: str) -> str:
    return f"{tag_url(lang, slug)}feed.xml"


def _archive_pages(edition: _Edition, twin: _Edition, lang: str, nav: list, nav_key: str) -> Iterator[Page]:
    """A page per year (its months, with counts) and per month (its days, with counts), each
    linking the next newer and older one. Made whole every time: a few per year."""
    years = list(edition.archive)
    there = other(lang)
    twin_months = {(m.year, m.month) for y in twin.archive for m in y.months}
    twin_years = {y.year for y in twin.archive}
    months = [m for y in years for m in y.months]
    for at, year in enumerate(years):
        newer, older = neighbours(years, at)
        paired = year.year in twin_years
        context = {"kind": "year", "year": year, "nav": nav, "listed": True, "paired": paired,
                   "alternate": year_url(there, year.year) if paired else home_url(there),
                   "x_default": year_url("ar", year.year),
                   "newer": year_url(lang, newer.year) if newer else "",
                   "older": year_url(lang, older.year) if older else ""}
        yield Page(year_url(lang, year.year), "archive.html", lang, context,
                   _key("year", lang, repr(year), nav_key, paired, context["newer"], context["older"]))
    for at, month in enumerate(months):
        newer, older = neighbours(months, at)
        paired = (month.year, month.month) in twin_months
        context = {"kind": "month", "month": month, "nav": nav, "listed": True, "paired": paired,
                   "alternate": month_url(there, month.year, month.month) if paired else home_url(there),
                   "x_default": month_url("ar", month.year, month.month),
                   "year_url": year_url(lang, month.year),
                   "newer": month_url(lang, newer.year, newer.month) if newer else "",
                   "older": month_url(lang, older.year, older.month) if older else ""}
        yield Page(month_url(lang, month.year, month.month), "archive.html", lang, context,
                   _key("month", lang, repr(month), nav_key, paired, context["newer"], context["older"]))


class _Edition:
    """One language's articles (indexes into all entries) and how its lists divide them."""

    def __init__(self, entries: list[Entry], fingerprints: list[str], indexes: list[int],
                 categories: list[tuple[str, str]], per_page: int,
                 english_tags: dict[str, str] | None = None) -> None:
        """`english_tags`: for the English edition, the English name of each tag slug that has
        one (only those get pages); None for the Arabic edition, which names tags as written."""
        self.entries = [entries[i] for i in indexes]
        self.fingerprints = [fingerprints[i] for i in indexes]
        self.per_page = per_page
        self.by_category: dict[tuple[str, str], list[int]] = {key: [] for key in categories}
        self.by_tag: dict[str, list[int]] = {}
        self.tag_names: dict[str, str] = {}
        for pos, entry in enumerate(self.entries):
            if entry.category_slug:
                self.by_category[(entry.category_slug, entry.article.category)].append(pos)
            for slug, tag in tags_of(entry.article.tags):
                if english_tags is None:
                    self.tag_names.setdefault(slug, tag)
                elif slug in english_tags:
                    self.tag_names[slug] = english_tags[slug]
                else:
                    continue
                self.by_tag.setdefault(slug, []).append(pos)
        self.by_tag = dict(sorted(self.by_tag.items()))
        self.home_count = _page_count(len(self.entries), per_page)
        self.day_list = list(dict.fromkeys(e.day for e in self.entries))  # newest first
        self.day_index = {day: i for i, day in enumerate(self.day_list)}
        self.days = self.day_index
        self.archive: tuple[Year, ...] = archive_of([e.day for e in self.entries])

    def section_count(self, slug: str, key: str) -> int:
        return _page_count(len(self.by_category[(slug, key)]), self.per_page)

    def _members(self, section: tuple[str, ...]) -> list[int] | None:
        return self.by_tag.get(section[2]) if len(section) == 3 else self.by_category.get(section)

    def has_list(self, kind: str, number: int, section: tuple[str, ...] | None) -> bool:
        """Whether this edition has a list page there that lists something."""
        if kind == "home":
            return bool(self.entries) and number <= self.home_count
        members = self._members(section) if section else None
        return bool(members) and number <= _page_count(len(members), self.per_page)

    def chunk(self, number: int, section: tuple[str, ...] | None) -> Chunk:
        if section is None:
            return _chunk(self.entries, self.fingerprints, self.per_page, number)
        members = self._members(section) or []
        return _chunk([self.entries[i] for i in members], [self.fingerprints[i] for i in members], self.per_page,
                      number)

    def day_at(self, start: int) -> tuple[date, list[Entry], str]:
        end = start + 1
        while end < len(self.entries) and self.entries[end].day == self.entries[start].day:
            end += 1
        return self.entries[start].day, self.entries[start:end], "\x1e".join(self.fingerprints[start:end])


def _list_page(edition: _Edition, twin: _Edition, lang: str, kind: str, title: str, number: int, count: int,
               nav: list, nav_key: str, url_of, x_default: str | None,
               section: tuple[str, ...] | None = None, extra: dict[str, Any] | None = None,
               extra_key: str = "") -> Page:
    """Page `number` of a paginated list (home, a category or a tag), days newest first.
    `extra`: more for the template, all of it told by `extra_key` (or by the rest of the key)."""
    days, shown = edition.chunk(number, section)
    listed = edition.has_list(kind, number, section)
    paired = listed and twin.has_list(kind, number, section)
    there = other(lang)
    alternate = url_of(there, number) if paired else home_url(there)
    x_default = x_default or url_of("ar", number)
    context = {
        "kind": kind, "title": title, "days": days, "number": number, "count": count,
        "newer": url_of(lang, number - 1) if number > 1 else "",
        "older": url_of(lang, number + 1) if number < count else "",
        "pages": [(n, url_of(lang, n) if n else "") for n in page_window(number, count)],
        "alternate": alternate, "paired": paired, "x_default": x_default, "listed": listed,
        "nav": nav, "feed": "", "archive": (), **(extra or {}),
    }
    return Page(url_of(lang, number), "list.html", lang, context,
                _key(kind, lang, title, number, count, shown, nav_key, alternate, paired, x_default, extra_key,
                     context["feed"]))


def _page_count(items: int, per_page: int) -> int:
    return max(1, -(-items // per_page))  # one page even when empty


def _lists_to_make(entries: list[Entry], by_category: dict[tuple[str, str], list[int]], per_page: int,
                   changed: list[int] | None) -> tuple[list[int], dict[tuple[str, str], list[int]], list[int]]:
    """Which list pages to make: the numbers of the home pages and of each category's pages, and
    where each day's run of entries starts. All of them, or those that show a `changed` entry."""
    if changed is None:
        starts = [i for i in range(len(entries)) if i == 0 or entries[i].day != entries[i - 1].day]
        return (list(range(1, _page_count(len(entries), per_page) + 1)),
                {key: list(range(1, _page_count(len(members), per_page) + 1)) for key, members in by_category.items()},
                starts)
    home = sorted({i // per_page + 1 for i in changed})
    sections: dict[tuple[str, str], list[int]] = {key: [] for key in by_category}
    starts: set[int] = set()
    for i in changed:
        entry = entries[i]
        if entry.category_slug:
            key = (entry.category_slug, entry.article.category)
            number = bisect.bisect_left(by_category[key], i) // per_page + 1  # its place in the category
            if number not in sections[key]:
                sections[key].append(number)
        start = i
        while start > 0 and entries[start - 1].day == entry.day:
            start -= 1
        starts.add(start)
    return home, {key: sorted(numbers) for key, numbers in sections.items()}, sorted(starts)


Chunk = tuple[list[tuple[date, list[Entry]]], str]  # one list page: its days, and the fingerprints it shows


def _by_day(entries: list[Entry]) -> list[tuple[date, list[Entry]]]:
    """Entries grouped by day, in order."""
    return [(day, list(group)) for day, group in itertools.groupby(entries, key=_DAY)]


_DAY = operator.attrgetter("day")


def _chunk(entries: list[Entry], fingerprints: list[str], size: int, number: int) -> Chunk:
    """Page `number` (from 1) of a paginated list."""
    start = (number - 1) * size
    return _by_day(entries[start : start + size]), "\x1e".join(fingerprints[start : start + size])

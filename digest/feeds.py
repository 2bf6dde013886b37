"""Writers for machine readers: RSS 2.0 feeds per language, the sitemap with alternates, robots.txt."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from digest.config import LANGS, Config
from digest.entries import English, Entry
from digest.pages import Plan, article_url, category_url, home_url, other
from digest.tags import tag_url

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc822_date(when: datetime) -> str:
    """The date RSS asks for ("Thu, 01 Sep 2016 14:46:00 +0300"): what email.utils.format_datetime
    gives (a test holds them equal), without importing the email package and, through it,
    sockets, on a small rebuild."""
    zone = when.strftime("%z") if when.tzinfo is not None else "-0000"
    return (f"{_DAYS[when.weekday()]}, {when.day:02d} {_MONTHS[when.month - 1]} {when.year:04d} "
            f"{when.hour:02d}:{when.minute:02d}:{when.second:02d} {zone}")


def xml_text(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry at all; escaping is ElementTree's job."""
    return _NOT_XML.sub("", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    import xml.etree.ElementTree as ET

    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = xml_text(text)
    return element


# The RSS Advisory Board's best practice: '&' and '<' in text as numeric references, which every
# feed reader takes as characters (the W3C feed validator warns about the named ones in titles).
_NUMERIC = {b"&amp;": b"&#38;", b"&lt;": b"&#60;", b"&gt;": b"&#62;"}
_NAMED = re.compile(b"&(?:amp|lt|gt);")


def _serialise(root: ET.Element) -> bytes:
    import xml.etree.ElementTree as ET

    ET.indent(root)
    body = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + _NAMED.sub(lambda m: _NUMERIC[m.group()], body) + b"\n"


def feed_items(entries: list[Entry], lang: str, config: Config) -> list[tuple[str, ...]]:
    """What a feed shows of each of its entries (`entries` sorted newest first; the English feed
    only those with English): rss_feed() is made from this alone, so a build whose feed items
    and settings are unchanged keeps its feed."""
    out = []
    if lang == "en":
        entries = [e for e in entries if e.english.title]
    for entry in entries[: config.feed_items]:
        a = entry.article
        if lang == "ar":
            title, description = a.title, entry.summary
        else:
            english = entry.english
            title, description = english.title, english.summary
            if english.machine:  # a reader of the feed is told who wrote what, as on the page
                description = f"{description} ({provenance(english)})".lstrip()
        category = config.category_name(a.category, lang) if a.category else ""
        # The lead image as an enclosure: its largest JPEG, which every feed reader shows.
        big = entry.lead.largest_jpeg if entry.lead is not None else None
        image = ("/" + big.path, str(big.size)) if big is not None else ("", "")
        out.append((entry.slug, rfc822_date(a.date), title, description, category, *image))
    return out


_CREDITS = {
    "editors": "English by the editors.",
    "machine": "Machine translation by {model}.",
    "title_editors": "Title by the editors; summary machine-translated by {model}.",
    "title_machine": "Title machine-translated by {model}; summary by the editors.",
}


def provenance(english: English) -> str:
    """Who wrote which English field, in the words of the article page."""
    return _CREDITS[english.credit].format(model=english.model)


def feed_guid(lang: str, link: str) -> tuple[str, dict[str, str]]:
    """An item's guid and its attributes. English items carry their own guid, never the link:
    builds before the English edition listed every article in the English feed under its
    link and with its Arabic title, and a reader keeps an item it has seen by its guid."""
    if lang == "en":
        return f"{link}#english", {"isPermaLink": "false"}
    return link, {"isPermaLink": "true"}


def rss_feed(items: list[tuple[str, ...]], lang: str, config: Config, name: str = "", page: str = "") -> bytes:
    """RSS 2.0 of feed_items(), with absolute links and RFC 822 dates: the whole edition's, or
    (given a `name` and its list `page`) one category's or tag's."""
    import xml.etree.ElementTree as ET  # only when a feed changed: most rebuilds keep them

    ET.register_namespace("atom", ATOM)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _sub(rss, "channel")
    page = page or home_url(lang)
    _sub(channel, "title", f"{name} — {config.title[lang]}" if name else config.title[lang])
    _sub(channel, "link", config.url(page))
    _sub(channel, "description", config.description[lang])
    _sub(channel, "language", lang)
    _sub(channel, f"{{{ATOM}}}link", href=config.url(f"{page}feed.xml"), rel="self",
         type="application/rss+xml")
    if items:
        _sub(channel, "lastBuildDate", items[0][1])
    for slug, date, title, description, category, image, image_size in items:
        item = _sub(channel, "item")
        link = config.url(article_url(lang, slug))
        _sub(item, "title", title)
        _sub(item, "link", link)
        guid, attributes = feed_guid(lang, link)
        _sub(item, "guid", guid, **attributes)
        _sub(item, "pubDate", date)
        if description:  # readers take <description> as HTML: escape the text for HTML first
            _sub(item, "description", html.escape(description, quote=False))
        if category:
            _sub(item, "category", category)
        if image:
            _sub(item, "enclosure", url=config.url(image), length=image_size, type="image/jpeg")
    return _serialise(rss)


def section_feeds(plan: Plan, config: Config) -> dict[str, tuple[str, Callable[[], bytes]]]:
    """A feed for each category and tag page of each language, at its page's path + feed.xml:
    its path in the site, with its key (what it shows: the name and its newest entries'
    fingerprints, read from the plan without loading any article) and how to make it."""
    out: dict[str, tuple[str, Callable[[], bytes]]] = {}
    for lang in LANGS:
        for kind, slug, name, positions in plan.sections.get(lang, []):
            page = category_url(lang, slug) if kind == "category" else tag_url(lang, slug)
            newest = positions[: config.feed_items]
            key = "\x1f".join((kind, name, *(plan.fingerprints[i] for i in newest)))

            def make(newest: list[int] = newest, lang: str = lang, name: str = name, page: str = page) -> bytes:
                items = feed_items([plan.entries[i] for i in newest], lang, config)
                return rss_feed(items, lang, config, name, page)

            out[page.lstrip("/") + "feed.xml"] = (hashlib.blake2b(key.encode(), digest_size=16).hexdigest(), make)
    return out


def sitemap(plan: Plan, config: Config) -> bytes:
    """Every page readers should find, with `xhtml:link` alternates where both languages have it.

    English article pages exist only for articles with English, and lists that show nothing
    (an English edition still empty) are left out. Written as text rather than through
    ElementTree, since it lists every page of the site: the base URL is escaped once, and page
    paths are made of slugs, which cannot hold XML's specials (non-ASCII letters in a slug are
    percent-encoded, as the sitemap protocol asks).
    """
    base = html.escape(config.base_url.rstrip("/"))
    out = [f'<?xml version="1.0" encoding="utf-8"?>\n<urlset xmlns="{SITEMAP}" xmlns:xhtml="{XHTML}">\n']

    def line(url: str, lastmod: str, alternates: tuple[tuple[str, str], ...]) -> str:
        links = "".join(f'<xhtml:link rel="alternate" hreflang="{code}" href="{base}{href}"/>'
                        for code, href in alternates)
        return f"  <url><loc>{base}{url}</loc>{lastmod}{links}</url>\n"

    if plan.english_edition:  # the root chooser, in the home pages' cluster
        home = (("ar", "/ar/"), ("en", "/en/"), ("x-default", "/"))
        out.append(line("/", "", home))
    # Article pages: the date formatted once for both languages.
    for entry in plan.entries:
        slug = entry.article.slug if entry.article.slug.isascii() else quote(entry.article.slug)
        ar, en = f"/ar/{slug}/", f"/en/{slug}/"
        lastmod = f"<lastmod>{entry.article.date.isoformat()}</lastmod>"
        if entry.english.title:
            pair = (("ar", ar), ("en", en), ("x-default", ar))
            out.append(line(ar, lastmod, pair))
            out.append(line(en, lastmod, pair))
        else:
            out.append(line(ar, lastmod, ()))
    for lang in LANGS:
        for page in plan.lists[lang]:
            context = page.context
            if not context["listed"]:
                continue
            url, alternates = page.url, ()
            if context["paired"]:
                alternates = ((lang, url), (other(lang), context["alternate"]), ("x-default", context["x_default"]))
            if not url.isascii() or not all(href.isascii() for _, href in alternates):
                url = quote(url)
                alternates = tuple((code, quote(href)) for code, href in alternates)
            out.append(line(url, "", alternates))
    out.append("</urlset>\n")
    return "".join(out).encode()


def robots_txt(config: Config) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {config.url('/sitemap.xml')}\n".encode()

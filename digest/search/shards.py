"""Shards: which index an article's page is in, what a shard's key is, and its documents.

A shard is one language's articles of one section in one month: small enough that re-indexing
the shard of one edited article takes a fraction of a second, fixed by the article's own date and
section, so an edit never moves other articles between shards, and the unit of the search
page's filters (see docs/search.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from digest.search.normalise import fold

if TYPE_CHECKING:
    from digest.config import Config
    from digest.entries import Entry

LANGS = ("ar", "en")


@dataclass
class Shard:
    name: str  # e.g. "ar-2018-04-sport": also its folder under pagefind/ in the site
    lang: str
    year: int
    category: str  # the section's key, "" for articles without one
    section: str  # the section's slug in the name, and the value of the page's section filter
    entries: list[Entry] = field(default_factory=list)

    def key(self, settings: str) -> str:
        """Changes when anything indexed in this shard changes: an article's fingerprint covers
        all a page shows of it; `settings` covers the code, Pagefind and the section names."""
        digest = hashlib.blake2b(settings.encode(), digest_size=16)
        for entry in self.entries:
            digest.update(f"{entry.slug}\0{entry.fingerprint()}\n".encode("utf-8", "surrogatepass"))
        return digest.hexdigest()


def shards_of(entries: Iterable[Entry]) -> list[Shard]:
    """Every shard with its entries (an English shard holds only articles with English), newest
    shard first, entries in the order given."""
    shards: dict[str, Shard] = {}
    for entry in entries:
        day, section = entry.day, entry.category_slug
        for lang in LANGS:
            if lang == "en" and not entry.has_english:
                continue
            name = f"{lang}-{day.year:04d}-{day.month:02d}" + (f"-{section}" if section else "")
            shard = shards.get(name)
            if shard is None:
                shard = shards[name] = Shard(name, lang, day.year, entry.article.category, section)
            shard.entries.append(entry)
    return sorted(shards.values(), key=lambda s: (s.lang, s.name), reverse=True)


def document(entry: Entry, lang: str, config: Config) -> str:
    """The page Pagefind indexes for one article in one language: what its page shows readers
    (title, summary, text; each word once), folded (see digest.search.normalise), and, outside the indexed text,
    the original title, date, summary and section that results show.

    No Pagefind filters: Pagefind writes them in an order that changes from run to run, so a
    shard would come out with other bytes each time it is indexed, and an incremental build
    would not give the site a fresh one gives. The search page filters by shard instead."""
    a = entry.article
    if lang == "ar":
        title, summary, body = a.title, entry.summary, entry.html
    else:
        # An English page shows the English title and summary, and the Arabic title.
        title, summary, body = entry.english.title, entry.english.summary, f"<p>{escape(a.title)}</p>"
    # An Arabic summary made by the build is sentences of the text, indexed there already; the
    # editors' own, unless it is how the text opens, may hold other words.
    indexed_summary = (summary or "") if lang == "en" or (a.summary and not entry.summary_is_opening) else ""
    section = config.category_name(a.category, lang) if a.category else ""
    shown = [("title", title), ("date", entry.dates[lang]), ("summary", summary or ""), ("category", section)]
    meta = "".join(f'<span data-pagefind-meta="{key}">{escape(value)}</span>' for key, value in shown if value)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'</head><body><div data-pagefind-ignore>{meta}</div><main data-pagefind-body>'
            f'<h1>{escape(fold(title))}</h1><p>{escape(fold(indexed_summary))}</p>{fold(body)}'
            f'</main></body></html>')

"""Shards: which index an article's page is in, what a shard's key is, and its documents.

A shard is one language's articles of ten days of one month (days 1-10, 11-20, 21 to the end):
small enough that re-indexing the shard of one edited article takes a fraction of a second, and
fixed by the article's own date, so an edit never moves other articles between shards.
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
    name: str  # e.g. "ar-2018-04-2": also its folder under pagefind/ in the site
    lang: str
    year: int
    entries: list[Entry] = field(default_factory=list)

    def key(self, settings: str) -> str:
        """Changes when anything indexed in this shard changes: an article's fingerprint covers
        all a page shows of it; `settings` covers the code, Pagefind and the category names."""
        digest = hashlib.blake2b(settings.encode(), digest_size=16)
        for entry in self.entries:
            digest.update(f"{entry.slug}\0{entry.fingerprint()}\n".encode("utf-8", "surrogatepass"))
        return digest.hexdigest()


def shard_name(lang: str, year: int, month: int, day: int) -> str:
    part = 1 if day <= 10 else 2 if day <= 20 else 3
    return f"{lang}-{year:04d}-{month:02d}-{part}"


def shards_of(entries: Iterable[Entry]) -> list[Shard]:
    """Every shard with its entries (an English shard holds only articles with English), newest
    shard first, entries in the order given."""
    shards: dict[str, Shard] = {}
    for entry in entries:
        day = entry.day
        for lang in LANGS:
            if lang == "en" and not entry.has_english:
                continue
            name = shard_name(lang, day.year, day.month, day.day)
            shard = shards.get(name)
            if shard is None:
                shard = shards[name] = Shard(name, lang, day.year)
            shard.entries.append(entry)
    return sorted(shards.values(), key=lambda s: (s.lang, s.name), reverse=True)


def document(entry: Entry, lang: str, config: Config) -> str:
    """The page Pagefind indexes for one article in one language: what its page shows readers
    (title, summary, text), folded (see digest.search.normalise), and, outside the indexed text,
    the original title, date, summary and section the results show, and the filters."""
    a = entry.article
    if lang == "ar":
        title, summary, body = a.title, entry.summary, entry.html
    else:
        # An English page shows the English title and summary, and the Arabic title.
        title, summary, body = entry.english.title, entry.english.summary, f"<p>{escape(a.title)}</p>"
    indexed_summary = "" if lang == "ar" and entry.summary_is_opening else (summary or "")  # as the page shows
    section = config.category_name(a.category, lang) if a.category else ""
    shown = [("title", title), ("date", entry.dates[lang]), ("summary", summary or ""), ("category", section)]
    meta = "".join(f'<span data-pagefind-meta="{key}">{escape(value)}</span>' for key, value in shown if value)
    filters = f'<span data-pagefind-filter="year">{entry.day.year}</span>'
    if section:
        filters += f'<span data-pagefind-filter="category">{escape(section)}</span>'
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'</head><body><div data-pagefind-ignore>{meta}{filters}</div><main data-pagefind-body>'
            f'<h1>{escape(fold(title))}</h1><p>{escape(fold(indexed_summary))}</p>{fold(body)}</main></body></html>')

"""Prepare: an Article plus what the site derives from it (HTML, Arabic summary, English)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from digest.config import Config
from digest.content import Article, has_host
from digest.i18n import long_date, short_time
from digest.markup import render_markdown, safe_url
from digest.related import terms_of
from digest.slugs import ascii_slug
from digest.summarize import summary_text


@dataclass(frozen=True, slots=True)
class English:
    """English title and summary, each with who wrote it: the editors, a machine, or nobody yet.

    An article has English (an English page, teasers, a feed item) when it has an English title.
    A machine field that the quality gate held back is empty, with its reason in `held`.
    Never edited, only replaced (see Entry.fingerprint), so entries share PENDING."""

    title: str = ""
    summary: str = ""
    title_by: str = ""  # "editor", "machine", or "" while there is none
    summary_by: str = ""
    model: str = ""  # the package that wrote the machine fields, as pages name it ("code version")
    key: str = ""  # the translation key and gate mode the machine fields were made under (digest.build)
    held: tuple[tuple[str, str], ...] = ()  # (field, why) of each machine field held back

    @property
    def machine(self) -> bool:
        return "machine" in (self.title_by, self.summary_by)

    @property
    def credit(self) -> str:
        """Who wrote what, as pages and feeds say it: "editors" or "machine" when one hand wrote
        every field there is; "title_editors" (and a machine summary) or "title_machine"."""
        if self.title_by == self.summary_by or not self.summary_by:
            return "editors" if self.title_by == "editor" else "machine"
        return "title_editors" if self.title_by == "editor" else "title_machine"


PENDING = English()


@dataclass(slots=True)  # as Article
class Entry:
    article: Article
    html_utf8: bytes  # the body's HTML: bytes load from the saved state in a third of the time
    summary: str
    day: date
    category_slug: str
    dates: dict[str, str]
    english: English = field(default_factory=lambda: PENDING)
    order: tuple[float, str] = (0.0, "")  # newest first, then by slug; made once (timestamp() is slow)
    # The summary is the body's own first sentences: the Arabic page then leaves out the summary
    # box, which would repeat the first paragraph; lists, feeds and metadata still show it.
    summary_is_opening: bool = False
    terms: tuple[str, ...] = ()  # distinctive-word candidates for related articles (digest.related)
    _print: tuple[English, str] | None = field(default=None, repr=False, compare=False)
    _lazy: Any = field(default=None, repr=False, compare=False)  # a stub's saved rest (digest.state)

    @property
    def html(self) -> str:
        return self.html_utf8.decode()

    @property
    def slug(self) -> str:
        return self.article.slug

    @property
    def has_english(self) -> bool:
        """Whether the article is in the English edition."""
        return bool(self.english.title)

    def needs_machine(self) -> bool:
        """Whether some field lacks the editors' English. (Whether there is an Arabic summary to
        translate is not asked here: a build asks this of every entry, and the summary is not in
        the saved state's index, so asking would load every article.)"""
        e = self.english
        return e.title_by != "editor" or e.summary_by != "editor"

    @property
    def source_link(self) -> str:
        """The source URL when it is safe to link to (http or https only, with a host)."""
        url = self.article.source_url
        return url if url.startswith(("http://", "https://")) and has_host(url) and safe_url(url) else ""

    def fingerprint(self) -> str:
        """Changes whenever anything a page shows about this entry changes.

        Kept with the English it was computed for: translation replaces `english` (never edits
        it), so an unchanged entry from an earlier build is not hashed again.
        """
        a, e = self.article, self.english
        if self._print is not None and self._print[0] is e:
            return self._print[1]
        parts = (a.slug, a.title, a.date.isoformat(), a.source, a.source_url, a.category,
                 "\x1f".join(a.tags), a.image, a.author, repr(sorted(a.extra.items(), key=str)),
                 self.summary, e.title, e.summary, e.title_by, e.summary_by, e.model, repr(e.held),
                 repr(self.dates))
        digest = hashlib.blake2b("\x1e".join(parts).encode(), digest_size=16)
        digest.update(self.html_utf8)
        value = digest.hexdigest()
        self._print = (e, value)
        return value


def share_values(entry: Entry, canon: dict) -> None:
    """Make the values that many entries hold alike (a source, a category, a day, a time zone)
    one object each, as they came from separate files or workers: the saved state then holds
    and loads each once (a fifth fewer objects to make when it is loaded)."""
    a = entry.article

    def one(value):
        return canon.setdefault(value, value)

    a.source, a.category, entry.category_slug, entry.day = (one(a.source), one(a.category),
                                                           one(entry.category_slug), one(entry.day))
    zone = a.date.tzinfo
    if zone is not None and one(zone) is not zone:
        a.date = a.date.replace(tzinfo=one(zone))
    if entry.english is not PENDING and entry.english == PENDING:
        if entry._print is not None and entry._print[0] is entry.english:
            entry._print = (PENDING, entry._print[1])  # the same fingerprint: equal English
        entry.english = PENDING


def editors_english(title: str, summary: str) -> English:
    """The English the editors wrote, field by field (PENDING when they wrote none)."""
    if not (title or summary):
        return PENDING
    return English(title=title, summary=summary, title_by="editor" if title else "",
                   summary_by="editor" if summary else "")


def category_slug(key: str) -> str:
    return ascii_slug(key, max_words=6) or hashlib.sha1(key.encode()).hexdigest()[:8]


def is_opening(summary: str, text: str) -> bool:
    """Whether `summary` is how `text` begins, word for word (line breaks and spaces aside)."""
    head = summary.split()
    return bool(head) and text.split(maxsplit=len(head))[:len(head)] == head


def prepare(article: Article, config: Config) -> Entry:
    """Everything per article that does not need the other articles or the translation model."""
    html, text = render_markdown(article.body, config.allow_html)
    summary = article.summary or summary_text(text, config.summary_words, title=article.title)
    local = article.date.astimezone(config.tz)
    english = editors_english(article.title_en, article.summary_en)
    dates = {}
    for lang in ("ar", "en"):
        time = short_time(local, lang, config)
        dates[lang] = long_date(local, lang, config) + " · " + time
        dates[f"time_{lang}"] = time  # under a day heading, which says the date

    return Entry(article=article, html_utf8=html.encode(), summary=summary, day=local.date(),
                 category_slug=category_slug(article.category) if article.category else "",
                 dates=dates, english=english, order=(-article.date.timestamp(), article.slug),
                 summary_is_opening=is_opening(summary, text), terms=terms_of(article.title, summary))

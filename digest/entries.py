"""Prepare: an Article plus what the site derives from it (HTML, Arabic summary, English)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from digest.config import Config
from digest.content import Article, FilledOnUse, has_host
from digest.i18n import long_date, short_time
from digest.images import Picture
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
    # The lead image's caption: by the editors, a machine, "none" when there is none in English
    # to make (no Arabic caption, or nothing translated yet), or "" while an Arabic one waits
    # beside the editors' title and summary.
    caption: str = ""
    caption_by: str = "none"

    @property
    def machine(self) -> bool:
        return "machine" in (self.title_by, self.summary_by, self.caption_by)

    @property
    def credit(self) -> str:
        """Who wrote what, as pages and feeds say it: "editors" or "machine" when one hand wrote
        every field there is; "title_editors" (and a machine summary) or "title_machine"."""
        if self.title_by == self.summary_by or not self.summary_by:
            return "editors" if self.title_by == "editor" else "machine"
        return "title_editors" if self.title_by == "editor" else "title_machine"


PENDING = English()


@dataclass(slots=True)  # as Article
class Entry(FilledOnUse):
    article: Article
    html_utf8: bytes  # the body's HTML: bytes, which load from the saved state faster than str
    summary: str
    day: date
    category_slug: str
    dates: dict[str, str]
    english: English = field(default_factory=lambda: PENDING)
    order: tuple[float, str] = (0.0, "")  # newest first, then by slug; made once (timestamp() is slow)
    # The summary is the body's own first sentences: the Arabic page then leaves out the summary
    # box, which would repeat the first paragraph; lists, feeds and metadata still show it.
    summary_is_opening: bool = False
    lead: Picture | None = None  # the lead image (front matter `image`, a file of the bundle)
    image_paths: tuple[str, ...] = ()  # in the site: every file made from the article's images
    image_hosts: tuple[str, ...] = ()  # other hosts its body shows images from (images.remote: allow)
    terms: tuple[str, ...] = ()  # distinctive-word candidates for related articles (digest.related)
    _print: tuple[English, str] | None = field(default=None, repr=False, compare=False)
    _lazy: Any = field(default=None, repr=False, compare=False)  # see FilledOnUse

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
        return e.title_by != "editor" or e.summary_by != "editor" or e.caption_by == ""

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
                 repr(self.dates), e.caption, e.caption_by, a.image_caption, a.image_credit, a.image_credit_en,
                 repr(self.lead))
        digest = hashlib.blake2b("\x1e".join(parts).encode(), digest_size=16)
        digest.update(self.html_utf8)
        value = digest.hexdigest()
        self._print = (e, value)
        return value


def share_values(entry: Entry, canon: dict) -> None:
    """Make the values that many entries hold alike (a source, a category, a day, a time zone)
    one object each, as they came from separate files or workers: the saved state then holds
    and loads each once."""
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


def editors_english(title: str, summary: str, caption: str = "", has_caption: bool = False) -> English:
    """The English the editors wrote, field by field (PENDING when they wrote none). `caption`:
    the lead image's English caption; `has_caption`: whether there is an Arabic one."""
    if not (title or summary):
        return PENDING
    caption_by = "editor" if caption else ("" if has_caption else "none")
    return English(title=title, summary=summary, title_by="editor" if title else "",
                   summary_by="editor" if summary else "", caption=caption, caption_by=caption_by)


def category_slug(key: str) -> str:
    return ascii_slug(key, max_words=6) or hashlib.sha1(key.encode()).hexdigest()[:8]


def is_opening(summary: str, text: str) -> bool:
    """Whether `summary` is how `text` begins, word for word (line breaks and spaces aside)."""
    head = summary.split()
    return bool(head) and text.split(maxsplit=len(head))[:len(head)] == head


def summary_of(article: Article, config: Config) -> str:
    """The article's Arabic summary, as prepare() makes it, without its images (`check` needs
    only this)."""
    return article.summary or summary_text(render_markdown(article.body, config.allow_html)[1],
                                           config.summary_words, title=article.title)


def prepare(article: Article, config: Config) -> Entry:
    """Everything per article that does not need the other articles or the translation model.
    Raises ContentError when an image of its bundle cannot be used."""
    from digest.bundles import pictures_for, with_pictures
    from digest.problems import ContentError, Problem

    found, problems = pictures_for(article.path, article.image, article.image_line, article.body,
                                   article.body_line, config)
    if problems:
        raise ContentError([Problem(article.path, line, message) for line, message in problems])
    html, text = render_markdown(article.body, config.allow_html)
    html = with_pictures(html, found.body)
    hosts: tuple[str, ...] = ()
    if config.images.remote == "allow" and "//" in article.body:
        from digest.markup import hosted_images

        hosts = tuple(sorted({host for _, host in hosted_images(article.body, config.allow_html)}))
    summary = article.summary or summary_text(text, config.summary_words, title=article.title)
    local = article.date.astimezone(config.tz)
    english = editors_english(article.title_en, article.summary_en, article.image_caption_en,
                              bool(article.image_caption))
    dates = {}
    for lang in ("ar", "en"):
        time = short_time(local, lang, config)
        dates[lang] = long_date(local, lang, config) + " · " + time
        dates[f"time_{lang}"] = time  # under a day heading, which says the date

    return Entry(article=article, html_utf8=html.encode(), summary=summary, day=local.date(),
                 category_slug=category_slug(article.category) if article.category else "",
                 dates=dates, english=english, order=(-article.date.timestamp(), article.slug),
                 summary_is_opening=is_opening(summary, text), lead=found.lead, image_paths=found.paths(),
                 image_hosts=hosts, terms=terms_of(article.title, summary))


def prepare_to_keep(article: Article, config: Config) -> Entry:
    """prepare(), for an entry the build keeps between runs: the article's Markdown is dropped
    once its HTML exists (a 30,000-article state stays well under a gigabyte), and the entry's
    fingerprint is hashed now, on the core that read the file."""
    entry = prepare(article, config)
    article.body, article.body_dropped = "", True
    entry.fingerprint()
    return entry

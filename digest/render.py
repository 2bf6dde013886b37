"""Jinja rendering: one environment per process, autoescaped, with the site's helpers as globals."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from markupsafe import Markup

from digest import cachefile, i18n
from digest.archives import month_url, year_url
from digest.bundles import BODY_SIZES, TEASER_SIZES, picture_html
from digest.config import Config
from digest.content import has_host
from digest.entries import Entry
from digest.markup import safe_url
from digest.pages import Page, article_url, category_url, day_url, home_url, other
from digest.tags import tag_links, tag_url


def json_ld(data: Any) -> Markup:
    """JSON for a <script> block: '<', '>' and '&' escaped so no text can close the block."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


TEASER_MEMO_MAX = 20_000


class Renderer:
    def __init__(self, templates: Path, config: Config, messages: dict[str, dict[str, str]],
                 compiled: Path | None = None, default_image: tuple[str, int, int] | None = None):
        """`compiled`: a folder to keep compiled templates in, so that a build which renders a
        few pages does not spend most of its time compiling the templates again."""
        self.config = config
        cache = None
        if compiled is not None:
            cache = _BytecodeCache(str(compiled_folder(compiled, config.base_url)))
        self.env = Environment(
            loader=FileSystemLoader(str(templates)),
            bytecode_cache=cache,
            auto_reload=False,  # a Renderer lives while the templates stay the same (see Builder)
            autoescape=select_autoescape(("html", "xml"), default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.messages = messages
        self._per_lang: dict[str, dict[str, Any]] = {}
        # Rendered teasers by (lang, level, entry fingerprint): an article shows on its home,
        # category and day pages, so each teaser is rendered once rather than on every page.
        self._teasers: dict[tuple[str, int, str, str], Markup] = {}
        # English tag names by slug (site.yaml's and the model's, see digest.tagnames): a build
        # sets them with set_tag_names before rendering; teasers show them.
        self.tag_names: dict[str, str] = config.english_tags()
        self._names_key = ""
        self._macro_modules: dict[str, Any] = {}
        base_path = urlsplit(config.base_url).path.rstrip("/")

        def href(path: str) -> str:
            return base_path + path

        @pass_context
        def translate(context: Context, key: str) -> str:
            return messages[key][context["lang"]]

        # The helpers a page calls most are filters too ('/x/' | href, 'key' | t): Jinja calls a
        # filter directly, a global function through a slower generic path, and a page calls
        # them dozens of times.
        self.env.filters.update(jsonld=json_ld, href=href, absolute=config.url, t=translate)
        self.env.globals.update(
            config=config,
            messages=messages,
            absolute=config.url,
            href=href,
            # A path in the site, or an https address with a host; not //host/..., which is neither.
            image_url=lambda url: config.url(url) if url.startswith("/") and not url.startswith("//") else (
                url if url.startswith("https://") and has_host(url) and safe_url(url) else ""),
            news_article=self.news_article,
            # Images (digest.bundles): a <picture> of a processed image, and the site's default.
            picture=lambda pic, alt, sizes, lead=False, cls="": Markup(
                picture_html(pic, alt, base_path + "/", sizes, lead, cls)),
            default_image=default_image,
            teaser_sizes=TEASER_SIZES,
            body_sizes=BODY_SIZES,
            article_url=article_url,
            day_url=day_url,
            home_url=home_url,
            category_url=category_url,
            month_url=month_url,
            year_url=year_url,
            tag_url=tag_url,
            tag_links=lambda entry, lang: tag_links(entry.article.tags, lang, self.tag_names),
            other=other,
        )

    def news_article(self, entry: Entry, lang: str) -> dict[str, Any]:
        """schema.org NewsArticle, linking the Arabic original and its English translation (an
        English page exists only for an article with English)."""
        config, a = self.config, entry.article
        ar_url, en_url = config.url(article_url("ar", a.slug)), config.url(article_url("en", a.slug))
        url = ar_url if lang == "ar" else en_url
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "@id": url,
            "url": url,
            "headline": a.title if lang == "ar" else entry.english.title,
            "datePublished": a.date.isoformat(),
            "inLanguage": lang,
            "publisher": {"@type": "Organization", "name": config.title[lang]},
        }
        if a.author:
            data["author"] = {"@type": "Person", "name": a.author}
        if self.env.globals["default_image"]:
            path, width, height = self.env.globals["default_image"]
            data["publisher"]["logo"] = {"@type": "ImageObject", "url": config.url(path),
                                         "width": width, "height": height}
        if entry.lead is not None:
            big = entry.lead.largest_jpeg
            caption = a.image_caption if lang == "ar" else entry.english.caption
            image: dict[str, Any] = {"@type": "ImageObject", "url": config.url("/" + big.path),
                                     "contentUrl": config.url("/" + big.path),
                                     "width": big.width, "height": big.height}
            if caption:
                image["caption"] = caption
            credit = a.image_credit_en if lang == "en" and a.image_credit_en else a.image_credit
            if credit:
                image["creditText"] = credit
            data["image"] = [image]
        elif self.env.globals["default_image"]:
            path, width, height = self.env.globals["default_image"]
            data["image"] = [{"@type": "ImageObject", "url": config.url(path), "width": width, "height": height}]
        if lang == "en":
            data["translationOfWork"] = {"@id": ar_url, "inLanguage": "ar"}
        elif entry.has_english:
            data["workTranslation"] = {"@id": en_url, "inLanguage": "en"}
        return data

    def globals_for(self, lang: str) -> dict[str, Any]:
        """Per-language helpers, made once per language rather than once per page."""
        if lang not in self._per_lang:
            self._per_lang[lang] = self._make_globals(lang)
        return self._per_lang[lang]

    def _make_globals(self, lang: str) -> dict[str, Any]:
        config, messages = self.config, self.messages

        def t(key: str) -> str:
            return messages[key][lang]

        def teaser(entry: Entry, lang: str = lang, level: int = 3) -> Markup:
            return self.teaser(entry, lang, level)

        return {
            "lang": lang,
            "other_lang": other(lang),
            "dir": "rtl" if lang == "ar" else "ltr",
            "t": t,
            "teaser": teaser,
            "long_date": lambda d: i18n.long_date(_aware(d, config), lang, config),
            "full_date": lambda d: i18n.full_date(_aware(d, config), lang, config),
            "month_year": lambda d: i18n.month_year(_aware(d, config), lang, config),
            "month_name": lambda d: i18n.month_name(_aware(d, config), lang, config),
            "weekday_and_date": i18n.weekday_and_date,
            "year_text": lambda y: i18n.year_text(_aware(date(y, 1, 1), config), lang, config),
            "localized_number": lambda n: i18n.number(n, lang, config),
            "site_title": config.title[lang],
        }

    def set_tag_names(self, names: dict[str, str]) -> None:
        if names != self.tag_names:
            self.tag_names = names
            self._names_key = repr(sorted(names.items()))

    def teaser(self, entry: Entry, lang: str, level: int) -> Markup:
        """The `teaser` macro of _macros.html for one entry, rendered once and reused while the
        entry stays the same (a Renderer lives only while the templates do: see Builder)."""
        key = (lang, level, entry.fingerprint(), self._names_key if lang == "en" else "")
        html = self._teasers.get(key)
        if html is None:
            module = self._macro_modules.get(lang)
            if module is None:
                macros = self.env.get_template("_macros.html")
                module = self._macro_modules[lang] = macros.make_module(vars=self.globals_for(lang))
            if len(self._teasers) >= TEASER_MEMO_MAX:  # bound memory on a huge site
                self._teasers.clear()
            html = self._teasers[key] = module.teaser(entry, lang, level)
        return html

    def load_templates(self) -> None:
        """Load every template now, before workers are forked: they inherit them loaded, and a
        compiled template that does not verify is reported by this process (a worker's report
        would be lost with the worker)."""
        for name in self.env.list_templates(extensions=("html", "xml")):
            self.env.get_template(name)

    def render(self, page: Page) -> str:
        template = self.env.get_template(page.template)
        return template.render(page=page, **self.globals_for(page.lang), **page.context)

    def render_template(self, name: str, lang: str, **context: Any) -> str:
        return self.env.get_template(name).render(**self.globals_for(lang), **context)


COMPILED_MAX_AGE = 7 * 86_400  # seconds after which another base URL's compiled templates go


def compiled_folder(root: Path, base_url: str) -> Path:
    """Where templates compiled for this base URL are kept. Jinja's optimizer folds a filter
    call on a constant into the compiled code ('/theme/style.css' | href becomes the URL
    itself), so templates compiled under one base URL are wrong under another: a build for a
    sub-path and the preview's local server each keep their own. A folder not used for a week
    (a preview on a port no longer used) is removed."""
    name = hashlib.blake2b(base_url.encode(), digest_size=8).hexdigest()
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.utime(folder)  # in use: see below
    except OSError:
        pass  # (Windows refuses while another program has the folder open) only tidying needs it
    now = time.time()
    for entry in root.iterdir():  # other base URLs' folders, and files an older version kept here
        try:
            if entry.name != name and now - entry.lstat().st_mtime > COMPILED_MAX_AGE:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()
        except OSError:
            pass  # gone meanwhile (another build tidying up)
    return folder


class _BytecodeCache(FileSystemBytecodeCache):
    """Compiled templates in checksummed files (see digest.cachefile): one whose bytes do not
    verify, or that cannot be loaded, is reported and compiled again, never run. A compiled
    template that cannot be kept (its folder removed meanwhile by another build's tidying, a
    full disk) is compiled again next time, rather than failing this build."""

    def load_bytecode(self, bucket: Any) -> None:
        path = Path(self._get_cache_filename(bucket))
        payload = cachefile.read_bytes(path, "template")
        if payload is None:
            return
        try:
            bucket.bytecode_from_string(payload)
        except Exception as exc:  # sound bytes that this Jinja cannot load
            bucket.reset()
            cachefile.report(path, f"cannot be loaded: {type(exc).__name__}: {exc}")

    def dump_bytecode(self, bucket: Any) -> None:
        try:
            cachefile.write_bytes(Path(self._get_cache_filename(bucket)), "template", bucket.bytecode_to_string())
        except OSError:
            pass


def _aware(value: date | datetime, config: Config) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, 12, tzinfo=config.tz)

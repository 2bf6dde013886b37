"""Site settings from `site.yaml`, with defaults so that a site works with no file at all."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from digest.problems import ContentError, Problem, yaml_error

LANGS = ("ar", "en")

# Arabic and English names of the ANT corpus categories; a site may add its own in site.yaml.
DEFAULT_CATEGORIES: dict[str, dict[str, str]] = {
    "culture": {"ar": "ثقافة", "en": "Culture"},
    "economy": {"ar": "اقتصاد", "en": "Economy"},
    "internationalNews": {"ar": "العالم", "en": "World"},
    "middleEast": {"ar": "الشرق الأوسط", "en": "Middle East"},
    "sport": {"ar": "رياضة", "en": "Sport"},
    "technology": {"ar": "تكنولوجيا", "en": "Technology"},
    "politics": {"ar": "سياسة", "en": "Politics"},
}


# CTranslate2's compute types; "default" keeps the type stored in the model, as argostranslate
# does since it stopped forcing one (some packages emitted garbage under a forced type).
COMPUTE_TYPES = ("default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16",
                 "float16", "bfloat16", "float32")
QUALITY_MODES = ("hold", "warn", "off")


@dataclass(frozen=True)
class TranslationConfig:
    """`translation:` in site.yaml. Every field but `threads` and `device` changes what the model
    writes, so each of those is part of the translation cache's key (digest.translate)."""

    beam_size: int = 2  # 1 to 16
    compute_type: str = "default"  # see COMPUTE_TYPES
    threads: int = 0  # 0: every core
    device: str = "cpu"  # cpu, cuda, or auto (CUDA when it starts, else the CPU)
    max_output_ratio: float = 2.0  # output tokens at most this times the source's, plus 10
    quality: str = "hold"  # the quality gate: hold back, warn and publish, or off


# What each translation setting must be: a check, and the words that say so.
_TRANSLATION_RULES: dict[str, tuple[Any, str]] = {
    "beam_size": (lambda v: _is_int(v) and 1 <= v <= 16, "a whole number from 1 to 16"),
    "compute_type": (lambda v: v in COMPUTE_TYPES, "one of " + ", ".join(COMPUTE_TYPES)),
    "threads": (lambda v: _is_int(v) and 0 <= v <= 1024, "a whole number, 0 for every core"),
    "device": (lambda v: v in ("cpu", "cuda", "auto"), "cpu, cuda or auto"),
    "max_output_ratio": (lambda v: isinstance(v, int | float) and not isinstance(v, bool) and 0.5 <= v <= 10,
                         "a number from 0.5 to 10"),
    "quality": (lambda v: v in QUALITY_MODES, "hold, warn or off"),
}


REMOTE_MODES = ("block", "allow", "download")


@dataclass(frozen=True)
class ImagesConfig:
    """`images:` in site.yaml. `widths`, `quality` and `max_pixels` shape the files made from
    an image, so they are part of each processed image's cache key (digest.images)."""

    remote: str = "block"  # images on other hosts: block (warn), allow (CSP img-src), download
    widths: tuple[int, ...] = (480, 800, 1200)  # the sizes made of each image, never wider than it
    quality: int = 80  # WebP and JPEG quality, 1 to 100
    max_pixels: int = 50_000_000  # a bigger image is refused (a decompression bomb costs no memory)


_IMAGES_RULES: dict[str, tuple[Any, str]] = {
    "remote": (lambda v: v in REMOTE_MODES, "block, allow or download"),
    "widths": (lambda v: isinstance(v, list) and 0 < len(v) <= 8 and all(_is_int(w) and 16 <= w <= 8000 for w in v),
               "a list of up to 8 widths in pixels, each from 16 to 8000"),
    "quality": (lambda v: _is_int(v) and 1 <= v <= 100, "a whole number from 1 to 100"),
    "max_pixels": (lambda v: _is_int(v) and 1 <= v <= 1_000_000_000, "a whole number of pixels up to a billion"),
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Config:
    title: dict[str, str] = field(
        default_factory=lambda: {"ar": "النشرة العربية", "en": "The Arabic Digest"}
    )
    description: dict[str, str] = field(
        default_factory=lambda: {
            "ar": "موجز يومي للأخبار العربية بالعربية والإنكليزية",
            "en": "A daily digest of Arabic news, in Arabic and English",
        }
    )
    base_url: str = "http://localhost:8000/"
    timezone: str = "Asia/Damascus"
    per_page: int = 20
    summary_words: int = 60
    feed_items: int = 50
    allow_html: bool = False
    max_file_size: int = 5_000_000
    months: str = "standard"  # or "levantine" (أيلول rather than سبتمبر)
    digits: str = "latn"  # or "arab" for Arabic-Indic digits
    categories: dict[str, dict[str, str]] = field(default_factory=lambda: dict(DEFAULT_CATEGORIES))
    allow_new_categories: bool = False  # a category missing from `categories` is an error unless true
    search: bool = True  # full-text search pages and index (digest.search); false builds without them
    translation: TranslationConfig = field(default_factory=TranslationConfig)
    # The site's picture where an article has none (Open Graph, JSON-LD): a path in the site,
    # such as the publisher's logo in static/.
    image: str = ""
    images: ImagesConfig = field(default_factory=ImagesConfig)
    tags: dict[str, str] = field(default_factory=dict)  # a tag as articles write it: its English name
    sources: dict[str, dict[str, str]] = field(default_factory=dict)  # id: {ar: ..., en: ..., url: ...}

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def url(self, path: str) -> str:
        """Absolute URL of a site path such as `/ar/slug/`."""
        return self.base_url.rstrip("/") + path

    def category_name(self, key: str, lang: str) -> str:
        names = self.categories.get(key)
        return names.get(lang, key) if names else key

    def english_tags(self) -> dict[str, str]:
        """The English name of each tag that has one, by the tag's slug (see digest.tags)."""
        return self._english_tags

    @functools.cached_property
    def _english_tags(self) -> dict[str, str]:
        from digest.tags import tag_slug

        return {tag_slug(str(tag)): name for tag, name in self.tags.items()}

    def source_name(self, source: str, lang: str) -> str:
        """A source's display name in a language; an id site.yaml does not know, as written."""
        names = self.sources.get(source)
        return (names.get(lang) or names.get("ar") or source) if names else source

    def source_home(self, source: str) -> str:
        names = self.sources.get(source)
        return names.get("url", "") if names else ""


_SIMPLE = {f.name: f for f in dataclasses.fields(Config) if f.name not in {"translation", "images", "tags", "sources"}}


def load_config(path: Path, base_url: str | None = None) -> Config:
    """Read `site.yaml`; a missing file means all defaults. Bad values are content errors."""
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=yaml.CSafeLoader)
        except yaml.YAMLError as exc:
            line, problem = yaml_error(exc, 1)
            raise ContentError([Problem(str(path), line, f"invalid YAML: {problem}")]) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ContentError([Problem(str(path), 1, f"cannot read settings: {exc}")]) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ContentError([Problem(str(path), 1, "settings must be a mapping of keys to values")])
        raw = loaded or {}
    lines = key_lines(path) if raw else {}
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key, value in raw.items():
        line = lines.get(str(key), 1)
        if key == "translation":
            values["translation"] = _translation(value, path, lines, line, problems)
        elif key == "images":
            values["images"] = _images(value, path, lines, line, problems)
        elif key == "categories":
            values[key] = _categories(value, path, lines, line, problems)
        elif key == "tags":
            values[key] = _tag_names(value, path, lines, line, problems)
        elif key == "sources":
            values[key] = _sources(value, path, lines, line, problems)
        elif key in _SIMPLE:
            values[key] = _checked(key, value, path, line, problems)
        else:
            hint = _did_you_mean(key, [*_SIMPLE, "translation", "images", "tags", "sources"])
            problems.append(Problem(str(path), line, f"unknown setting '{key}'{hint}"))
    if base_url:
        values["base_url"] = base_url
    if problems:
        raise ContentError(problems)
    if "categories" in values:  # the site's own first: `new` gives an article the first one
        values["categories"] = {**values["categories"],
                                **{k: v for k, v in DEFAULT_CATEGORIES.items() if k not in values["categories"]}}
    config = Config(**values)
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ContentError([Problem(str(path), lines.get("timezone", 1),
                                    f"unknown timezone '{config.timezone}'")]) from None
    if not config.base_url.startswith(("http://", "https://")):
        raise ContentError([Problem(str(path), lines.get("base_url", 1),
                                    "base_url must start with http:// or https://")])
    if config.image and not (config.image.startswith("/") and not config.image.startswith("//")):
        raise ContentError([Problem(str(path), lines.get("image", 1), f"image '{config.image}' must be a path "
                                    "in the site, such as /logo.png for static/logo.png")])
    if not config.base_url.endswith("/"):
        config = dataclasses.replace(config, base_url=config.base_url + "/")
    return config


def key_lines(path: Path) -> dict[str, int]:
    """The line of each top-level key of a YAML mapping file, and of each key one level down as
    'parent.key': messages point at the line to fix. Read only when there is something to check."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[str(key.value)] = key.start_mark.line + 1
            if isinstance(value, yaml.MappingNode):
                for inner, _ in value.value:
                    lines[f"{key.value}.{inner.value}"] = inner.start_mark.line + 1
    return lines


def _did_you_mean(key: Any, known: list[str]) -> str:
    import difflib  # only for a mistake

    close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _categories(value: Any, path: Path, lines: dict[str, int], line: int,
                problems: list[Problem]) -> dict[str, dict[str, str]]:
    """`categories`: each key (text) with its names, {ar: ..., en: ...}."""
    if not isinstance(value, dict):
        problems.append(Problem(str(path), line, "'categories' must map each category key to its names, "
                                                 "like sport: {ar: رياضة, en: Sport}"))
        return {}
    for key, names in value.items():
        where = lines.get(f"categories.{key}", line)
        if not isinstance(key, str) or not key.strip():
            problems.append(Problem(str(path), where, f"category key {key!r} must be text; quote it"))
        elif not isinstance(names, dict) or not names or not all(
                lang in LANGS and isinstance(name, str) for lang, name in names.items()):
            problems.append(Problem(str(path), where, f"category '{key}' must have its names as "
                                                      f"{{ar: ..., en: ...}}, not {names!r}"))
    return value


def _tag_names(value: Any, path: Path, lines: dict[str, int], line: int,
               problems: list[Problem]) -> dict[str, str]:
    """`tags`: each tag as articles write it, with its English name."""
    if not isinstance(value, dict):
        problems.append(Problem(str(path), line, "'tags' must map each tag to its English name, "
                                                 "like سوريا: Syria"))
        return {}
    for tag, name in value.items():
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(str(path), lines.get(f"tags.{tag}", line),
                                    f"tag '{tag}' must have its English name as text, not {name!r}"))
    return {str(tag): name.strip() for tag, name in value.items() if isinstance(name, str)}


_SOURCE_FIELDS = ("ar", "en", "url")


def _sources(value: Any, path: Path, lines: dict[str, int], line: int,
             problems: list[Problem]) -> dict[str, dict[str, str]]:
    """`sources`: each source id (as articles write `source`) with its names and home page."""
    if not isinstance(value, dict):
        problems.append(Problem(str(path), line, "'sources' must map each source id to its names and "
                                                 "home page, like bbc: {ar: بي بي سي, en: BBC, url: https://www.bbc.com/}"))
        return {}
    for key, names in value.items():
        where = lines.get(f"sources.{key}", line)
        if not isinstance(names, dict) or not names or not all(
                name in _SOURCE_FIELDS and isinstance(text, str) for name, text in names.items()):
            problems.append(Problem(str(path), where, f"source '{key}' must be like {{ar: ..., en: ..., url: "
                                                      f"https://...}}, not {names!r}"))
        elif names.get("url") and not names["url"].startswith(("http://", "https://")):
            problems.append(Problem(str(path), where, f"source '{key}': url must start with http:// or https://"))
    return {str(key): names for key, names in value.items()}


def _checked(key: str, value: Any, path: Path, line: int, problems: list[Problem]) -> Any:
    default = getattr(Config(), key)
    if isinstance(default, dict):
        ok = isinstance(value, dict)
    elif isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    else:
        ok = isinstance(value, str)
    if not ok:
        problems.append(Problem(str(path), line, f"'{key}' must be like {default!r}, not {value!r}"))
    elif key == "months" and value not in ("standard", "levantine"):
        problems.append(Problem(str(path), line, "'months' must be 'standard' or 'levantine'"))
    elif key == "digits" and value not in ("latn", "arab"):
        problems.append(Problem(str(path), line, "'digits' must be 'latn' or 'arab'"))
    return value


def _settings_group(name: str, value: Any, rules: dict, path: Path, lines: dict[str, int], line: int,
                    problems: list[Problem]) -> bool:
    """Check a group of settings (`translation:`, `images:`) against its rules, each problem at
    its own line; whether it is sound."""
    if not isinstance(value, dict):
        problems.append(Problem(str(path), line, f"'{name}' must be a mapping of settings"))
        return False
    found = len(problems)
    for key, setting in value.items():
        where = lines.get(f"{name}.{key}", line)
        rule = rules.get(key)
        if rule is None:
            problems.append(Problem(str(path), where, f"unknown {name} setting '{key}'"
                                    f"{_did_you_mean(key, list(rules))} (known: {', '.join(rules)})"))
        elif not rule[0](setting):
            problems.append(Problem(str(path), where, f"{name} {key} must be {rule[1]}, not {setting!r}"))
    return len(problems) == found


def _translation(value: Any, path: Path, lines: dict[str, int], line: int,
                 problems: list[Problem]) -> TranslationConfig:
    if isinstance(value, dict) and value.get("quality") is False:  # YAML 1.1 reads an unquoted `off` as false
        value = {**value, "quality": "off"}
    if not _settings_group("translation", value, _TRANSLATION_RULES, path, lines, line, problems):
        return TranslationConfig()
    return TranslationConfig(**value)


def _images(value: Any, path: Path, lines: dict[str, int], line: int, problems: list[Problem]) -> ImagesConfig:
    if not _settings_group("images", value, _IMAGES_RULES, path, lines, line, problems):
        return ImagesConfig()
    if "widths" in value:
        value = {**value, "widths": tuple(sorted(set(value["widths"])))}
    return ImagesConfig(**value)

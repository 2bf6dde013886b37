"""Site settings from `site.yaml`, with defaults so that a site works with no file at all."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from digest.problems import ContentError, Problem

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


@dataclass(frozen=True)
class TranslationConfig:
    beam_size: int = 2
    compute_type: str = "int8"
    threads: int = 0
    device: str = "cpu"


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
    translation: TranslationConfig = field(default_factory=TranslationConfig)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def url(self, path: str) -> str:
        """Absolute URL of a site path such as `/ar/slug/`."""
        return self.base_url.rstrip("/") + path

    def category_name(self, key: str, lang: str) -> str:
        names = self.categories.get(key)
        return names.get(lang, key) if names else key


_SIMPLE = {f.name: f for f in dataclasses.fields(Config) if f.name not in {"translation"}}


def load_config(path: Path, base_url: str | None = None) -> Config:
    """Read `site.yaml`; a missing file means all defaults. Bad values are content errors."""
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=yaml.CSafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else 1
            problem = getattr(exc, "problem", None) or str(exc)
            raise ContentError([Problem(str(path), line, f"invalid YAML: {problem}")]) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ContentError([Problem(str(path), 1, f"cannot read settings: {exc}")]) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ContentError([Problem(str(path), 1, "settings must be a mapping of keys to values")])
        raw = loaded or {}
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "translation":
            values["translation"] = _translation(value, path, problems)
        elif key in _SIMPLE:
            values[key] = _checked(key, value, path, problems)
        else:
            problems.append(Problem(str(path), 1, f"unknown setting '{key}'"))
    if base_url:
        values["base_url"] = base_url
    if problems:
        raise ContentError(problems)
    if "categories" in values:
        values["categories"] = {**DEFAULT_CATEGORIES, **values["categories"]}
    config = Config(**values)
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ContentError([Problem(str(path), 1, f"unknown timezone '{config.timezone}'")]) from None
    if not config.base_url.startswith(("http://", "https://")):
        raise ContentError([Problem(str(path), 1, "base_url must start with http:// or https://")])
    if not config.base_url.endswith("/"):
        config = dataclasses.replace(config, base_url=config.base_url + "/")
    return config


def _checked(key: str, value: Any, path: Path, problems: list[Problem]) -> Any:
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
        problems.append(Problem(str(path), 1, f"'{key}' must be like {default!r}, not {value!r}"))
    elif key == "months" and value not in ("standard", "levantine"):
        problems.append(Problem(str(path), 1, "'months' must be 'standard' or 'levantine'"))
    elif key == "digits" and value not in ("latn", "arab"):
        problems.append(Problem(str(path), 1, "'digits' must be 'latn' or 'arab'"))
    return value


def _translation(value: Any, path: Path, problems: list[Problem]) -> TranslationConfig:
    if not isinstance(value, dict):
        problems.append(Problem(str(path), 1, "'translation' must be a mapping"))
        return TranslationConfig()
    known = {f.name for f in dataclasses.fields(TranslationConfig)}
    unknown = set(value) - known
    if unknown:
        problems.append(Problem(str(path), 1, f"unknown translation setting(s): {sorted(unknown)}"))
        return TranslationConfig()
    if value.get("device", "cpu") not in ("cpu", "cuda", "auto"):
        problems.append(Problem(str(path), 1, "translation device must be cpu, cuda or auto"))
        return TranslationConfig()
    return TranslationConfig(**value)

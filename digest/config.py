"""Site settings from `site.yaml`, with defaults so that a site works with no file at all."""

from __future__ import annotations

import dataclasses
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
        elif key == "categories":
            values[key] = _categories(value, path, lines, line, problems)
        elif key in _SIMPLE:
            values[key] = _checked(key, value, path, line, problems)
        else:
            hint = _did_you_mean(key, [*_SIMPLE, "translation"])
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


def _translation(value: Any, path: Path, lines: dict[str, int], line: int,
                 problems: list[Problem]) -> TranslationConfig:
    if not isinstance(value, dict):
        problems.append(Problem(str(path), line, "'translation' must be a mapping of settings"))
        return TranslationConfig()
    found = len(problems)
    if value.get("quality") is False:  # YAML 1.1 reads an unquoted `off` as false
        value = {**value, "quality": "off"}
    for key, setting in value.items():
        where = lines.get(f"translation.{key}", line)
        rule = _TRANSLATION_RULES.get(key)
        if rule is None:
            known = ", ".join(_TRANSLATION_RULES)
            problems.append(Problem(str(path), where, f"unknown translation setting '{key}'"
                                    f"{_did_you_mean(key, list(_TRANSLATION_RULES))} (known: {known})"))
        elif not rule[0](setting):
            problems.append(Problem(str(path), where, f"translation {key} must be {rule[1]}, not {setting!r}"))
    if len(problems) > found:
        return TranslationConfig()
    return TranslationConfig(**value)

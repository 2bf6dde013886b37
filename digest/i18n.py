"""Interface strings from one messages file, and dates and numbers through Babel (CLDR)."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path

import yaml
from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from digest.config import LANGS, Config
from digest.problems import ContentError, Problem


def load_messages(path: Path) -> dict[str, dict[str, str]]:
    """Messages keyed by name, each with every language, so no page falls back to the other one."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError([Problem(str(path), 1, f"cannot read messages: {exc}")]) from None
    bad = [k for k, v in data.items() if not isinstance(v, dict) or set(v) != set(LANGS)]
    if bad:
        raise ContentError([Problem(str(path), 1, f"messages need exactly {LANGS} each: {bad}")])
    return data


def babel_locale(lang: str, config: Config) -> str:
    """CLDR locale: ar_SY has the Levantine month names (أيلول), plain ar the standard ones."""
    if lang == "ar":
        return "ar_SY" if config.months == "levantine" else "ar"
    return "en"


# Unicode's ARABIC-INDIC DIGIT ZERO..NINE; CLDR's "arab" numbering system uses exactly these.
_ARAB_DIGITS = str.maketrans("0123456789", "".join(chr(0x0660 + i) for i in range(10)))


@lru_cache(maxsize=65536)
def _babel(kind: str, value: date | time, width: str, locale: str, arab_digits: bool) -> str:
    """Babel formatting is slow and news dates repeat (same days, same minutes): cache it."""
    text = format_date(value, width, locale=locale) if kind == "date" else format_time(value, width, locale=locale)
    return text.translate(_ARAB_DIGITS) if arab_digits else text


def _format(kind: str, when: datetime, width: str, lang: str, config: Config) -> str:
    local = when.astimezone(config.tz)
    value = local.date() if kind == "date" else local.time().replace(second=0, microsecond=0, tzinfo=None)
    return _babel(kind, value, width, babel_locale(lang, config), lang == "ar" and config.digits == "arab")


def long_date(when: datetime, lang: str, config: Config) -> str:
    return _format("date", when, "long", lang, config)


def full_date(when: datetime, lang: str, config: Config) -> str:
    return _format("date", when, "full", lang, config)


def short_time(when: datetime, lang: str, config: Config) -> str:
    return _format("time", when, "short", lang, config)


def number(value: int, lang: str, config: Config) -> str:
    return _number(value, babel_locale(lang, config), lang == "ar" and config.digits == "arab")


@lru_cache(maxsize=4096)
def _number(value: int, locale: str, arab_digits: bool) -> str:
    """Page numbers repeat on every list page (page 3 of 12): cached like dates."""
    text = format_decimal(value, locale=locale, numbering_system="arab" if arab_digits else "latn")
    return text.translate(_ARAB_DIGITS) if arab_digits else text

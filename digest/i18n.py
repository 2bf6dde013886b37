"""Interface strings from one messages file, and dates and numbers through Babel (CLDR)."""

from __future__ import annotations

import importlib.util
import os
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml

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


# Dates and numbers as Babel formatted them, by (kind, value, width, locale, Arabic digits). News
# dates repeat, and Babel takes a tenth of a second to load a locale: the build keeps this memo
# with its state and collects what its workers formatted, so a small rebuild needs no Babel.
_FORMATS: dict[tuple[Any, ...], str] = {}
_NEW: list[tuple[tuple[Any, ...], str]] = []  # formatted since new_formats() was last called


def _babel(kind: str, value: date | time | int, width: str, locale: str, arab_digits: bool) -> str:
    key = (kind, value, width, locale, arab_digits)
    text = _FORMATS.get(key)
    if text is None:
        from babel.dates import format_date, format_time
        from babel.numbers import format_decimal

        if kind == "date":
            text = format_date(value, width, locale=locale)
        elif kind == "time":
            text = format_time(value, width, locale=locale)
        else:
            text = format_decimal(value, locale=locale, numbering_system="arab" if arab_digits else "latn")
        text = _FORMATS[key] = text.translate(_ARAB_DIGITS) if arab_digits else text
        _NEW.append((key, text))
    return text


def babel_stamp() -> str:
    """Names the installed Babel (and so its CLDR data) without importing it: a formatted date
    kept from an earlier build is used only while the same Babel is installed."""
    spec = importlib.util.find_spec("babel")
    origin = spec.origin if spec is not None and spec.origin else ""
    try:
        st = os.stat(origin)
    except OSError:
        return origin
    return f"{origin}:{st.st_mtime_ns}:{st.st_size}"


def all_formats() -> dict[tuple[Any, ...], str]:
    """Everything formatted in this process (or remembered), to save with the build's state."""
    return _FORMATS


def new_formats() -> list[tuple[tuple[Any, ...], str]]:
    """What was formatted since the last call: a worker sends it back to the main process."""
    items = _NEW[:]
    _NEW.clear()
    return items


def remember(formats: Any) -> None:
    """Take formats made elsewhere: saved by an earlier build, or sent back by a worker."""
    _FORMATS.update(formats)


def _format(kind: str, when: datetime, width: str, lang: str, config: Config) -> str:
    local = when.astimezone(config.tz)
    value = local.date() if kind == "date" else local.time().replace(second=0, microsecond=0, tzinfo=None)
    return _babel(kind, value, width, babel_locale(lang, config), lang == "ar" and config.digits == "arab")


def long_date(when: datetime, lang: str, config: Config) -> str:
    return _format("date", when, "long", lang, config)


def full_date(when: datetime, lang: str, config: Config) -> str:
    return _format("date", when, "full", lang, config)


def month_year(when: datetime, lang: str, config: Config) -> str:
    """'أيلول 2016', 'September 2016': the standalone month name (CLDR's LLLL) and the year."""
    return _format("date", when, "LLLL y", lang, config)


def weekday_and_date(text: str) -> tuple[str, str]:
    """A full date split after its weekday ("Wednesday," and "November 28, 2018"; "الأربعاء،"
    and "28 تشرين الثاني 2018"), so that a heading may break there and nowhere else. CLDR's full
    formats in Arabic and English both start with the weekday and a comma."""
    for comma in ("، ", ", "):
        weekday, found, rest = text.partition(comma)
        if found:
            return weekday + comma.strip(), rest
    return "", text


def year_text(when: datetime, lang: str, config: Config) -> str:
    """The year as dates write it (no grouping separator: 2018, not 2,018)."""
    return _format("date", when, "y", lang, config)


def month_name(when: datetime, lang: str, config: Config) -> str:
    return _format("date", when, "LLLL", lang, config)


def short_time(when: datetime, lang: str, config: Config) -> str:
    return _format("time", when, "short", lang, config)


def number(value: int, lang: str, config: Config) -> str:
    """Page numbers repeat on every list page (page 3 of 12): formatted once, like dates."""
    return _babel("number", value, "", babel_locale(lang, config), lang == "ar" and config.digits == "arab")

"""Month and year archives: how one edition's articles spread over years, months and days."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import date


def year_url(lang: str, year: int) -> str:
    return f"/{lang}/{year:04d}/"


def month_url(lang: str, year: int, month: int) -> str:
    return f"/{lang}/{year:04d}/{month:02d}/"


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int
    days: tuple[tuple[date, int], ...]  # (day, articles that day), newest first

    @property
    def count(self) -> int:
        return sum(n for _, n in self.days)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)


@dataclass(frozen=True, slots=True)
class Year:
    year: int
    months: tuple[Month, ...]  # newest first

    @property
    def count(self) -> int:
        return sum(m.count for m in self.months)


def archive_of(days: list[date]) -> tuple[Year, ...]:
    """Years, months and days with their article counts, newest first, from each article's day
    (`days` in the order of the articles, newest first)."""
    counts = Counter(days)
    ordered = sorted(counts, reverse=True)
    years = []
    for year, in_year in itertools.groupby(ordered, key=lambda d: d.year):
        months = tuple(Month(year, month, tuple((d, counts[d]) for d in in_month))
                       for month, in_month in itertools.groupby(in_year, key=lambda d: d.month))
        years.append(Year(year, months))
    return tuple(years)


def neighbours(items: list, at: int) -> tuple[object | None, object | None]:
    """(newer, older) of the item at `at` in a newest-first list, None at either end."""
    return (items[at - 1] if at > 0 else None), (items[at + 1] if at + 1 < len(items) else None)

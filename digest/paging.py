"""Numbered pagination: which page numbers a list page links to."""

from __future__ import annotations

WINDOW = 2  # pages shown on each side of the current one


def page_window(number: int, count: int, window: int = WINDOW) -> list[int | None]:
    """The page numbers to link, in order: the first, the last, and `window` pages each side of
    `number`; None where numbers are left out (shown as an ellipsis). A gap of one page is
    filled with that page rather than an ellipsis, which would take the same room."""
    shown = {1, count, *range(max(1, number - window), min(count, number + window) + 1)}
    out: list[int | None] = []
    previous = 0
    for n in sorted(shown):
        if n - previous == 2:
            out.append(n - 1)
        elif n - previous > 2:
            out.append(None)
        out.append(n)
        previous = n
    return out

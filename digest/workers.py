"""Forked worker pools: one function over many tasks, on every core.

Workers are forked, so they inherit what the tasks share (the pages to render, the files to
read, the renderer) without pickling it; only each task and its result cross between processes.
What a worker formats on the way (dates and numbers, see digest.i18n) comes back with each
result and is remembered here, so the build saves it with the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from digest import i18n

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

# The function and what it shares, set for the pool's lifetime: forked workers inherit it.
_JOB: tuple[Callable[[Any, Any], Any], Any] | None = None


def _run(task: Any) -> tuple[Any, list]:
    assert _JOB is not None
    work, shared = _JOB
    return work(shared, task), i18n.new_formats()


def map_forked(work: Callable[[S, T], R], shared: S, tasks: Iterable[T], jobs: int,
               ordered: bool = True) -> Iterator[R]:
    """work(shared, task) for each task: here for one job, else in `jobs` forked workers. The
    results come in the tasks' order, or as they finish when not `ordered`. `tasks` is consumed
    as workers ask for more, so it may do work between tasks (in a thread of this process)."""
    global _JOB
    if jobs == 1:
        for task in tasks:
            yield work(shared, task)
            i18n.new_formats()  # kept here already: only the list of what is new is emptied
        return
    import multiprocessing  # only for a big build: imported on demand

    i18n.new_formats()  # this process has them: workers should send back only theirs
    _JOB = (work, shared)
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for result, formats in (pool.imap if ordered else pool.imap_unordered)(_run, tasks):
                i18n.remember(formats)
                yield result
    finally:
        _JOB = None


def ranges(count: int, jobs: int, least: int = 25) -> list[tuple[int, int]]:
    """Ranges of `count` items small enough to balance the workers and to show progress, big
    enough to be cheap (at least `least` items each, but for the last)."""
    step = max(least, count // (jobs * 8)) if count else 1
    return [(i, min(i + step, count)) for i in range(0, count, step)]


_FROZEN = False


def freeze_once() -> None:
    """Keep the cyclic garbage collector off the objects alive now: the articles, hundreds of
    thousands of long-lived objects, which it would otherwise walk again and again while pages
    are planned and rendered (in forked workers too, where walking them unshares their memory).
    Once per process: the preview's later rebuilds add few objects, and must not pin garbage."""
    global _FROZEN
    if not _FROZEN:
        import gc

        gc.freeze()
        _FROZEN = True

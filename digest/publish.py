"""Writing the site: pages rendered over every core, the site files besides the pages (feeds,
sitemap, robots.txt, the theme), and the changed files moved into the live folder.

The staging folder and the ways of putting it in place are digest.output's; this module decides
what goes into it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from digest.config import LANGS, Config
from digest.entries import Entry
from digest.incremental.keys import static_key
from digest.output import SiteWriter, commit_patch, same_file
from digest.pages import Page, Plan
from digest.placement import MARKER, MARKER_TEXT
from digest.problems import ContentError, Problem
from digest.progress import Progress
from digest.render import Renderer
from digest.workers import map_forked, ranges

PARALLEL_MIN_PAGES = 400
PROGRESS_MIN_ITEMS = 3000


class SiteFiles(NamedTuple):
    """The site's files besides the pages, and the key of each made from the content."""

    paths: list[str]
    keys: dict[str, str]


class _Rendering(NamedTuple):
    """What the render workers share (inherited by forking, never pickled)."""

    pages: list[Page]
    renderer: Renderer
    writer: SiteWriter


def _render_range(job: _Rendering, task: tuple[int, int, bool]) -> int:
    """Render and write these pages (`folders_made`: their folders exist already); returns how many."""
    start, end, folders_made = task
    for page in job.pages[start:end]:
        job.writer.write(page.output_path, job.renderer.render(page).encode(), folder_made=folders_made)
    return end - start


def _render_order(pages: list[Page], jobs: int) -> tuple[list[Page], list[tuple[int, int]], list[tuple[int, int]]]:
    """Pages reordered, and the ranges of them that the workers take one at a time: those of
    list pages, then those of article pages.

    All list pages of one language form one task, first: a worker then renders each teaser once
    and reuses it on the home, category and day pages. Article pages follow in even chunks.
    """
    lists = {lang: [p for p in pages if p.template != "article.html" and p.lang == lang] for lang in LANGS}
    articles = [p for p in pages if p.template == "article.html"]
    ordered: list[Page] = []
    list_tasks: list[tuple[int, int]] = []
    for group in lists.values():
        if group:
            list_tasks.append((len(ordered), len(ordered) + len(group)))
            ordered.extend(group)
    article_tasks = [(len(ordered) + a, len(ordered) + b) for a, b in ranges(len(articles), jobs)]
    ordered.extend(articles)
    return ordered, list_tasks, article_tasks


def render_pages(todo: list[Page], renderer: Renderer, writer: SiteWriter, jobs: int,
                 progress: bool | None) -> None:
    """Render and write pages, over all cores when there are enough of them."""
    jobs = jobs or os.cpu_count() or 1
    if len(todo) < PARALLEL_MIN_PAGES:
        jobs = 1
    todo, list_tasks, article_tasks = _render_order(todo, jobs)
    meter = Progress(len(todo), "rendering", "page", progress, PROGRESS_MIN_ITEMS)

    def tasks() -> Iterator[tuple[int, int, bool]]:
        """The list pages' tasks, then the article pages', each once its pages' folders are made.
        A pool takes tasks from this in a thread of this process, so the folders are made while
        the workers render the lists, instead of before while a core idles (workers making them
        would contend in the file system). While the pool runs, that thread is the only one here
        using `writer`; an error making a folder reaches this process from a worker, as it
        would from a page."""
        yield from ((start, end, False) for start, end in list_tasks)
        for start, end in article_tasks:
            for page in todo[start:end]:
                writer.parent_of(page.output_path)
            yield start, end, True

    if jobs > 1:
        renderer.load_templates()  # here, where a damaged compiled one is reported
    try:
        for done in map_forked(_render_range, _Rendering(todo, renderer, writer), tasks(), jobs, ordered=False):
            meter.update(done)
    finally:
        meter.close()


def write_site_files(writer: SiteWriter, renderer: Renderer, plan: Plan, config: Config, theme: Path,
                     live: Path, pages_key: str, old_keys: dict[str, str]) -> SiteFiles:
    """Everything but the pages: root and 404 pages, feeds, sitemap, robots.txt, the theme and
    the marker that says the folder is this project's output (see digest.placement).
    Like a page, each file but the theme's has a key made of what it shows; one whose key is
    unchanged (in `old_keys`, the last build's) is linked in from the live site rather than
    made again."""
    from digest.feeds import feed_items, robots_txt, rss_feed, section_feeds, sitemap

    makers: dict[str, tuple[str, Callable[[], bytes]]] = {
        "index.html": (static_key(pages_key, plan.english_edition), lambda: renderer.render_template(
            "index.html", "ar", page=None, english_edition=plan.english_edition).encode()),
        "404.html": (static_key(pages_key, plan.nav_key),  # it shows both languages' navigation
                     lambda: renderer.render_template("404.html", "ar", page=None, navs=plan.nav).encode()),
        "robots.txt": (static_key(pages_key), lambda: robots_txt(config)),
        "sitemap.xml": (static_key(pages_key, plan.layout_key), lambda: sitemap(plan.whole(), config)),
    }
    for lang in LANGS:
        items = feed_items(plan.entries, lang, config)
        makers[f"{lang}/feed.xml"] = (static_key(pages_key, items),
                                      lambda items=items, lang=lang: rss_feed(items, lang, config))
    # A feed per category and tag page.
    for path, (key, make) in section_feeds(plan, config).items():
        makers[path] = (static_key(pages_key, key), make)
    keys = {}
    for relpath, (key, make) in makers.items():
        keys[relpath] = key
        if old_keys.get(relpath) != key or not writer.link_from(live, relpath):
            writer.write(relpath, make())
    writer.write(MARKER, MARKER_TEXT)
    return SiteFiles([*makers, MARKER, *(writer.copy_tree(theme, "theme") if theme.is_dir() else [])], keys)


def write_images(writer: SiteWriter, entries: list[Entry], live: Path, root: Path, cache: Path) -> list[str]:
    """The files made from the articles' images (from the cache folder) and static/; returns
    their paths in the site, published and removed with the build's other site files."""
    from digest import images, static

    try:
        made = images.publish_paths(sorted({p for e in entries for p in e.image_paths}), writer, live)
    except images.ImageError as exc:
        raise ContentError([Problem(str(cache), 1, str(exc))]) from None
    images.tidy_cache(time.time())
    return made + static.copy(writer, root)


def patch_in(writer: SiteWriter, work: Path, output: Path, gone_pages: list[str] | None, todo: list[Page],
             files: SiteFiles, old_files: list[str]) -> None:
    """Move the rendered pages and the changed site files into the live site, and delete the
    files of the previous build that this one no longer has (`gone_pages` None: the previous
    build's pages are not known, so every file of the live site that this build did not write).
    `work`: what the journal is named after (see digest.placement.Place)."""
    if gone_pages is None:
        gone_pages = [path for path in files_under(output) if not os.path.isfile(writer.root / path)]
    gone = (set(gone_pages) | set(old_files)) - set(files.paths)
    changed = [rel for rel in files.paths if not same_file(writer.root, output, rel)]
    commit_patch(writer.root, work, sorted({p.output_path for p in todo} | set(changed)), sorted(gone), output)


def files_under(root: Path) -> list[str]:
    """Every file (and symbolic link) under a folder, as paths relative to it."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for name in [*filenames, *(d for d in dirnames if os.path.islink(os.path.join(dirpath, d)))]:
            found.append(name if rel == "." else f"{rel}/{name}")
    return found

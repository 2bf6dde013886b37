"""Reading the content folder: which article files there are, each one parsed and checked.

Files are known by their stamps (see digest.incremental.keys.stamp): a file whose stamp is
unchanged since the last build is not read again. A cold build reads over every core, and each
worker prepares what it read too (see entries.prepare_to_keep), so an article's text never
travels between processes; the pickles workers send back go to the article store's spool.
"""

from __future__ import annotations

import os
import pickle
import stat
import time
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from digest.bundles import bundle_stamp, is_index
from digest.config import Config, key_lines
from digest.content import Article, check_unique_slugs, content_files, field_line, read_article
from digest.incremental.keys import stamp, stamp_of
from digest.problems import ContentError, Problem
from digest.progress import Progress
from digest.workers import map_forked, ranges

if TYPE_CHECKING:
    from digest.entries import Entry
    from digest.incremental.store import Spool

PARALLEL_MIN_ARTICLES = 200
PROGRESS_MIN_ITEMS = 3000
# Said of an article whose editors' English is older than its Arabic (`check --fix` drops it).
STALE_ENGLISH = ("the Arabic changed after title_en/summary_en were written: check the English, then run "
                 "'python build.py check --fix'")

# What a build knows of one content file: its stamp (None: it cannot be read), the article
# (None: it has errors) and the problems found in it.
FileRecord = tuple[tuple[int, int, int] | None, Article | None, tuple[Problem, ...] | list[Problem]]


class Scan(NamedTuple):
    files: list[tuple[str, tuple[int, int, int] | None]]  # each content file and its stamp
    problems: list[Problem]  # with the folder: links leading out, files that are not regular
    has_links: bool = False  # symbolic links inside the folder


def scan(content: Path) -> Scan:
    """The content files with their stamps, and problems with the folder."""
    if not content.is_dir():
        raise ContentError([Problem(str(content), 1, "content folder not found")])
    links: list[str] = []
    paths, problems = content_files(content, links)
    files: list[tuple[str, tuple[int, int, int] | None]] = []
    for path in paths:
        try:
            # A bundle's article is stamped with every file beside it.
            files.append((path, bundle_stamp(path, stamp(path)) if is_index(path) else stamp(path)))
        except OSError:
            files.append((path, None))
    return Scan(files, problems, bool(links))


class Scanner:
    """Scans the content folder again and again, looking again at only what a watcher saw
    change where it can (the preview: a save need not stat thousands of files)."""

    def __init__(self, content: Path):
        self.content = content
        self._last: Scan | None = None
        self._where: dict[str, int] | None = None  # each file's place in the last scan, by real path

    def scan(self, changed: Collection[str] | None = None) -> Scan:
        """The content files. Given the paths a watcher saw change, and when those are only
        edits of regular files the last scan found, only those are looked at again. Anything
        else inside the content folder (a new, deleted or linked file, a folder, the folder
        itself) scans it all again, and so does any change while the folder holds symbolic
        links (editing a link's target changes the link, and the watcher reports only the target)."""
        if changed is not None and self._last is not None and not self._last.has_links:
            again = self._update(self._last, changed)
            if again is not None:
                self._last = again
                return again
        self._last, self._where = scan(self.content), None
        return self._last

    def _update(self, last: Scan, changed: Collection[str]) -> Scan | None:
        content = os.path.realpath(self.content) + os.sep  # watchers report real paths
        if self._where is None:
            prefix = len(str(self.content)) + 1  # content_files' paths start with it
            self._where = {content + path[prefix:]: i for i, (path, _) in enumerate(last.files)}
        files = list(last.files)
        for path in changed:
            if path + os.sep == content:
                return None
            if not path.startswith(content):
                continue  # a template, the theme or the settings: the listing stays
            at = self._where.get(path)
            try:
                if at is None:
                    return None
                st = os.lstat(files[at][0])
            except OSError:
                return None
            if not stat.S_ISREG(st.st_mode):
                return None
            own = stamp_of(st)
            files[at] = (files[at][0], bundle_stamp(files[at][0], own) if is_index(files[at][0]) else own)
        return Scan(files, last.problems, False)


class Read(NamedTuple):
    """The content as read: every file's record (the earlier one where its stamp is unchanged),
    the articles to publish, the entries prepared where they were read, and the problems."""

    records: dict[str, FileRecord]
    articles: list[Article]
    prepared: dict[str, Entry]
    problems: list[Problem]


def read_content(found: Scan, known: dict[str, FileRecord], config: Config, *, jobs: int = 0,
                 drafts: bool = False, prepare: bool = False, progress: bool | None = None,
                 spool: Spool | None = None) -> Read:
    """Read the files whose stamps differ from their record in `known`. With `prepare`, each
    article read without errors is prepared where it was read (see entries.prepare_to_keep);
    given `spool`, what workers read goes there too, as the pickles it came in."""
    stale = [path for path, current in found.files
             if current is None or path not in known or known[path][0] != current]
    fresh = dict(zip(stale, _read_all(stale, config, jobs, prepare, drafts, progress, spool), strict=True))
    records: dict[str, FileRecord] = {}
    articles: list[Article] = []
    prepared: dict[str, Entry] = {}
    problems = list(found.problems)
    now = time.time()
    for path, current in found.files:
        if path in fresh:
            article, in_file, entry = fresh[path]
            if entry is not None:
                prepared[path] = entry
            if current is not None:
                records[path] = (current, article, in_file or ())  # () is one object for every clean file
        else:
            records[path] = known[path]
            article, in_file = known[path][1], known[path][2]
        if in_file:
            problems.extend(p for p in in_file if p.holds(now))
        if article is not None and (drafts or not article.draft):
            articles.append(article)
    return Read(records, articles, prepared, problems)


def check_site(read: Read, config: Config, settings_file: Path, base_url: str | None) -> list[Problem]:
    """What holds across articles and settings: unique slugs, editors' English older than the
    Arabic, a base URL with a path. Raises ContentError with every error found (and the
    warnings); returns the warnings otherwise."""
    from digest import static
    from digest.sources import unknown_sources

    problems = read.problems + check_unique_slugs(read.articles) + unknown_sources(read.articles, config) \
        + _base_url_problems(config, settings_file, base_url) \
        + static.problems(config, settings_file.resolve().parent, settings_file)
    for article in read.articles:
        if article.title_en and article.source_hash and article.source_hash != article.arabic_hash():
            line = field_line(Path(article.path), "source_hash") or 1  # read again: seldom needed
            problems.append(Problem(article.path, line, STALE_ENGLISH, warning=True))
    errors = sorted(p for p in problems if not p.warning)
    if errors:
        raise ContentError(errors + sorted(p for p in problems if p.warning))
    return sorted(problems)


def _base_url_problems(config: Config, settings_file: Path, base_url: str | None) -> list[Problem]:
    """A site below a path of its host: crawlers read robots.txt only at the host's root."""
    path = urlsplit(config.base_url).path
    if path in ("", "/"):
        return []
    where = str(settings_file) if base_url is None else "--base-url"
    line = key_lines(settings_file).get("base_url", 1) if base_url is None else 1
    return [Problem(where, line, f"base_url has a path ({path}): robots.txt is written to {path}robots.txt, "
                    "but crawlers read it only at the host's root; copy it there (see docs/deploy.md)",
                    warning=True)]


# One file read: the article (None: errors), its problems, and its entry (when prepared).
ReadFile = tuple[Article | None, list[Problem], "Entry | None"]


class _Reading(NamedTuple):
    """What the read workers share (inherited by forking, never pickled)."""

    files: list[str]
    config: Config
    prepare: bool
    drafts: bool
    in_workers: bool


def _read_one(path: str, job: _Reading) -> ReadFile:
    article, problems = read_article(path, job.config)
    if not job.prepare or article is None or (article.draft and not job.drafts) \
            or any(not p.warning for p in problems):
        return article, problems, None
    from digest.entries import prepare_to_keep

    try:
        return article, problems, prepare_to_keep(article, job.config)
    except ContentError as exc:  # an image of the bundle cannot be used
        return None, problems + exc.problems, None


def _read_range(job: _Reading, bounds: tuple[int, int]) -> list:
    """The files in this range, read (and prepared). From a worker, each article and its entry
    go back as one pickle: the one the article store keeps, so it need not be made again."""
    reads = [_read_one(path, job) for path in job.files[bounds[0] : bounds[1]]]
    if job.in_workers:
        return [(None if article is None else pickle.dumps((article, entry), protocol=pickle.HIGHEST_PROTOCOL),
                 problems) for article, problems, entry in reads]
    return reads


def _read_all(files: list[str], config: Config, jobs: int, prepare: bool, drafts: bool,
              progress: bool | None, spool: Spool | None) -> list[ReadFile]:
    """_read_one() for many files, over all cores when there are enough of them."""
    jobs = jobs or os.cpu_count() or 1
    # A bundle's images cost hundreds of times its text, so two bundles are worth the workers,
    # one bundle to a task.
    bundles = sum(1 for path in files if is_index(path))
    in_workers = jobs > 1 and (len(files) >= PARALLEL_MIN_ARTICLES or bundles >= 2)
    job = _Reading(files, config, prepare, drafts, in_workers)
    meter = Progress(len(files), "reading", "article", progress, PROGRESS_MIN_ITEMS)
    out: list[ReadFile] = []
    try:
        tasks = ranges(len(files), jobs if in_workers else 1, least=1 if bundles >= 2 else 25)
        for part in map_forked(_read_range, job, tasks, jobs if in_workers else 1):
            meter.update(len(part))
            if not job.in_workers:
                out.extend(part)
                continue
            for blob, problems in part:  # unpickled as each part comes: the pickles go to disk
                if blob is None:
                    out.append((None, problems, None))
                    continue
                article, entry = pickle.loads(blob)
                if spool is not None:
                    spool.add(article, entry, blob)
                out.append((article, problems, entry))
    finally:
        meter.close()
    return out

"""The build: read, prepare, translate, plan, render and write, then swap the new site in."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path

from digest.config import LANGS, Config, load_config
from digest.content import Article, check_unique_slugs, content_files, read_article
from digest.entries import English, Entry, prepare
from digest.feeds import robots_txt, rss_feed, sitemap
from digest.i18n import load_messages
from digest.output import OutputLock, SiteWriter, recover, staging_dir, swap_in
from digest.pages import Page, plan_pages, sort_entries
from digest.problems import ContentError, Problem
from digest.render import Renderer

MANIFEST_VERSION = 1
PARALLEL_MIN_PAGES = 400


@dataclass
class BuildOptions:
    content: Path = Path("content")
    output: Path = Path("site")
    config: Path = Path("site.yaml")
    cache: Path = Path(".cache")
    drafts: bool = False
    base_url: str | None = None
    strict: bool = False
    jobs: int = 0  # 0: one worker per core
    progress: bool | None = None  # None: when stderr is a terminal

    @property
    def root(self) -> Path:
        """The site's own folder (templates/, theme/) is the one holding site.yaml."""
        return self.config.resolve().parent

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def theme(self) -> Path:
        return self.root / "theme"


@dataclass
class BuildResult:
    articles: int = 0
    pages: int = 0
    seconds: float = 0.0
    translated: int = 0
    cached: int = 0
    rendered: int = 0
    reused: int = 0
    unchanged: bool = False
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        line = (f"built {self.articles} articles, {self.pages} pages in {self.seconds:.2f}s; "
                f"translated {self.translated} sentences ({self.cached} cached)")
        if self.unchanged:
            line += "; nothing changed"
        elif self.reused:
            line += f"; {self.rendered} pages rendered, {self.reused} unchanged"
        return line


@dataclass
class Loaded:
    """What a build knows before it writes anything: checked content, warnings and settings."""

    config: Config
    articles: list[Article]
    warnings: list[Problem]


def load(options: BuildOptions) -> Loaded:
    """Read and check everything; raises ContentError with all the errors found."""
    config = load_config(options.config, options.base_url)
    files, problems = content_files(options.content)
    if not options.content.is_dir():
        raise ContentError([Problem(str(options.content), 1, "content folder not found")])
    articles: list[Article] = []
    for path, shown in files:
        article, found = read_article(path, shown, config)
        problems.extend(found)
        if article is not None and (options.drafts or not article.draft):
            articles.append(article)
    problems.extend(check_unique_slugs(articles))
    for article in articles:
        if article.title_en and article.source_hash and article.source_hash != article.arabic_hash():
            problems.append(Problem(article.path, 1, "the Arabic changed after title_en/summary_en were "
                                    "written: check the English, then run 'python build.py check --fix'",
                                    warning=True))
    errors = sorted(p for p in problems if not p.warning)
    if errors:
        raise ContentError(errors + sorted(p for p in problems if p.warning))
    return Loaded(config, articles, sorted(problems))


def translate_entries(entries: list[Entry], config: Config, options: BuildOptions,
                      result: BuildResult) -> None:
    """Machine English for every entry without the editor's, in one batched pass."""
    from digest.models import ModelError, find_model
    from digest.tcache import TranslationCache
    from digest.translate import TranslationSettings, translate_texts

    needing = [e for e in entries if e.english.by != "editor" or not e.english.summary]
    if not needing:
        return
    model = find_model("ar", "en")
    if model is None:
        message = ("no Arabic-English translation model is installed, so English pages say the "
                   "translation is pending; install one with 'python build.py models install'")
        if options.strict:
            raise ContentError([Problem(str(options.config), 1, message)])
        result.notes.append(message)
        return
    texts: list[str] = []
    for entry in needing:
        texts.append("" if entry.english.by == "editor" else entry.article.title)
        texts.append(entry.summary)
    settings = TranslationSettings(beam_size=config.translation.beam_size,
                                   compute_type=config.translation.compute_type,
                                   threads=config.translation.threads,
                                   device=config.translation.device)
    options.cache.mkdir(parents=True, exist_ok=True)
    with TranslationCache(options.cache, warn=result.notes.append) as cache:
        try:
            english, stats = translate_texts(texts, model, cache, settings, progress=options.progress)
        except ModelError as exc:
            raise ContentError([Problem(str(model.path), 1, str(exc))]) from None
    result.translated, result.cached = stats.translated, stats.cached
    label = f"{model.name} {model.version}"
    for i, entry in enumerate(needing):
        title, summary = english[2 * i], english[2 * i + 1]
        if entry.english.by == "editor":
            entry.english = English(entry.english.title, summary, "editor", label)
        else:
            entry.english = English(title, summary, "machine", label)


def build(options: BuildOptions) -> BuildResult:
    """Build the whole site into a staging folder and swap it in; raises ContentError."""
    started = time.perf_counter()
    result = BuildResult()
    loaded = load(options)
    config = loaded.config
    result.warnings = loaded.warnings
    messages = load_messages(options.templates / "messages.yaml")
    entries = sort_entries([prepare(a, config) for a in loaded.articles])
    translate_entries(entries, config, options, result)
    pages = plan_pages(entries, config)
    renderer = Renderer(options.templates, config, messages)
    manifest_path = options.cache / "manifest.pickle"
    previous = _read_manifest(manifest_path, options.output)
    with OutputLock(options.output):
        recover(options.output)
        staging = staging_dir(options.output)
        writer = SiteWriter(staging)
        rendered, reused = _write_pages(pages, renderer, writer, previous, options)
        writer.write("index.html", renderer.render_template("index.html", "ar", page=None).encode())
        writer.write("404.html", renderer.render_template("404.html", "ar", page=None).encode())
        for lang in LANGS:
            writer.write(f"{lang}/feed.xml", rss_feed(entries, lang, config))
        writer.write("sitemap.xml", sitemap(pages, config))
        writer.write("robots.txt", robots_txt(config))
        if options.theme.is_dir():
            writer.copy_tree(options.theme, "theme")
        swap_in(staging, options.output, background_cleanup=len(pages) > 2000)
    _write_manifest(manifest_path, options.output, pages)
    result.articles = len(entries)
    result.pages = len(pages) + 2
    result.rendered, result.reused = rendered, reused
    result.seconds = time.perf_counter() - started
    return result


def _read_manifest(path: Path, output: Path) -> dict[str, str]:
    """Keys of the pages in the current output, if the manifest describes that output."""
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ValueError):
        return {}
    if data.get("version") != MANIFEST_VERSION or data.get("output") != str(output.resolve()):
        return {}
    if not output.is_dir() or os.stat(output).st_ino != data.get("inode"):
        return {}
    return data["pages"]


def _write_manifest(path: Path, output: Path, pages: list[Page]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"version": MANIFEST_VERSION, "output": str(output.resolve()),
            "inode": os.stat(output).st_ino, "pages": {p.output_path: p.key for p in pages}}
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as handle:
        pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def templates_key(templates: Path) -> str:
    """Changes when any template changes, so every page is rendered again."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(templates.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(templates)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


# Pages to render, shared with forked workers without pickling them.
_JOB: tuple[list[Page], Renderer, SiteWriter] | None = None


def _render_range(bounds: tuple[int, int]) -> int:
    assert _JOB is not None
    pages, renderer, writer = _JOB
    for page in pages[bounds[0] : bounds[1]]:
        writer.write(page.output_path, renderer.render(page).encode())
    return bounds[1] - bounds[0]


def _write_pages(pages: list[Page], renderer: Renderer, writer: SiteWriter,
                 previous: dict[str, str], options: BuildOptions) -> tuple[int, int]:
    """Render the pages whose key changed, hard-link the rest from the current site."""
    global _JOB
    tkey = templates_key(options.templates)
    for page in pages:
        page.key = hashlib.blake2b((page.key + tkey).encode(), digest_size=16).hexdigest()
    todo: list[Page] = []
    reused = 0
    for page in pages:
        if previous.get(page.output_path) == page.key and writer.link_from(options.output, page.output_path):
            reused += 1
        else:
            todo.append(page)
    jobs = options.jobs or os.cpu_count() or 1
    if jobs == 1 or len(todo) < PARALLEL_MIN_PAGES:
        _JOB = (todo, renderer, writer)
        _render_range((0, len(todo)))
    else:
        for page in todo:  # make the directories once, here, rather than racing in the workers
            writer._parent(page.output_path)
        _JOB = (todo, renderer, writer)
        step = max(50, len(todo) // (jobs * 8))
        chunks = [(i, min(i + step, len(todo))) for i in range(0, len(todo), step)]
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for _ in pool.imap_unordered(_render_range, chunks):
                pass
    _JOB = None
    return len(todo), reused

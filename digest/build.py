"""The build: read, prepare, translate, plan, render and write, then put the new site in place."""

from __future__ import annotations

import functools
import gc
import hashlib
import importlib.util
import os
import pickle
import stat
import time
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from digest import i18n
from digest.config import LANGS, Config, load_config
from digest.content import Article, check_unique_slugs, content_files, field_line, read_article
from digest.output import (
    OutputLock,
    SiteWriter,
    clean_leftovers,
    commit_patch,
    discard,
    recover,
    same_file,
    staging_dir,
    swap_in,
)
from digest.placement import MARKER, MARKER_TEXT, Place, check_output, shown_path
from digest.problems import ContentError, Problem
from digest.progress import Progress

# The stages that make pages (Markdown, summaries, Jinja, Babel) are imported when a build has
# work to do: a no-op build only scans, and starts in a third of the time without them.
if TYPE_CHECKING:
    from digest.entries import Entry
    from digest.pages import Page, Plan, SiteKeys
    from digest.render import Renderer
    from digest.state import Spool, StateStore

MANIFEST_VERSION = 7
STATE_VERSION = 6
PARALLEL_MIN_PAGES = 400
PARALLEL_MIN_ARTICLES = 200
PROGRESS_MIN_ITEMS = 3000
MODEL_MEMO = "model-fingerprints.json"  # in the cache folder: see Model.fingerprint
T = TypeVar("T")
_FROZEN = False  # whether this process has frozen the garbage collector's view (see Builder.build)


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
    in_place: bool = False  # preview: update the output folder file by file instead of swapping
    force: bool = False  # replace a non-empty output folder that this project did not build
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
    held: int = 0  # machine fields held back by the quality gate
    untranslated: list[str] = field(default_factory=list)  # texts left for later (cached_only)
    rendered: int = 0
    reused: int = 0
    unchanged: bool = False
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase, for --timings
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def phase(self, name: str, since: float) -> float:
        """Record the time spent in a phase since `since`; returns now for the next phase."""
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + now - since
        return now

    def summary_line(self) -> str:
        line = (f"built {self.articles} articles, {self.pages} pages in {self.seconds:.2f}s; "
                f"translated {self.translated} sentences ({self.cached} cached, {self.held} held back)")
        if self.untranslated:
            line += f"; {len(self.untranslated)} texts wait for translation"
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


def stamp(path: str | Path) -> tuple[int, int, int]:
    """What tells a changed file from an unchanged one without reading it (as make and Hugo do)."""
    return stamp_of(os.stat(path))


def stamp_of(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def scan(options: BuildOptions, links: list[str] | None = None
         ) -> tuple[list[tuple[str, str, tuple | None]], list[Problem]]:
    """The content files with their stamps (None: cannot stat), and problems with the folder;
    symbolic links among the files go to `links` when given."""
    if not options.content.is_dir():
        raise ContentError([Problem(str(options.content), 1, "content folder not found")])
    files, problems = content_files(options.content, links)
    stamped = []
    for path, shown in files:
        try:
            stamped.append((path, shown, stamp(path)))
        except OSError:
            stamped.append((path, shown, None))
    return stamped, problems


# Said of an article whose editors' English is older than its Arabic (`check --fix` drops it).
STALE_ENGLISH = ("the Arabic changed after title_en/summary_en were written: check the English, then run "
                 "'python build.py check --fix'")


def load(options: BuildOptions, cache: dict[str, tuple] | None = None, config: Config | None = None,
         scanned: tuple[list[tuple[str, str, tuple | None]], list[Problem]] | None = None,
         prepared: dict[str, Entry] | None = None,
         spool: Spool | None = None) -> Loaded:
    """Read and check everything; raises ContentError with all the errors found.

    `cache` maps a file to (stamp, article, problems) from an earlier read, so unchanged files
    are not parsed again; it is updated in place. Given `prepared`, each article read without
    errors is also prepared where it was read, and its Entry put there by file: one pass over
    the cores, and the article's text never travels between processes. Given `spool`, what
    workers read goes there too, pickled as the saved state keeps it (see _read_all).
    """
    config = config or load_config(options.config, options.base_url)
    files, found_in_folder = scanned or scan(options)
    problems = list(found_in_folder) + _base_url_problems(config, options)
    cache = {} if cache is None else cache
    stale = [(path, shown) for path, shown, current in files
             if current is None or shown not in cache or cache[shown][0] != current]
    read = _read_all(stale, config, options.jobs, prepare_too=prepared is not None,
                     drafts=options.drafts, progress=options.progress, spool=spool)
    fresh: dict[str, tuple[Article | None, list[Problem]]] = {}
    for (_, shown), (article, found, entry) in zip(stale, read, strict=True):
        fresh[shown] = (article, found)
        if entry is not None and prepared is not None:
            prepared[shown] = entry
    articles: list[Article] = []
    seen = set()
    now = time.time()
    for _path, shown, current in files:
        seen.add(shown)
        if shown in fresh:
            article, found = fresh[shown]
            if current is not None:
                cache[shown] = (current, article, found or ())  # () is one object for every clean file
        else:
            article, found = cache[shown][1], cache[shown][2]
        if found:
            problems.extend(p for p in found if p.holds(now))
        if article is not None and (options.drafts or not article.draft):
            articles.append(article)
    for gone in set(cache) - seen:
        del cache[gone]
    problems.extend(check_unique_slugs(articles))
    for article in articles:
        if article.title_en and article.source_hash and article.source_hash != article.arabic_hash():
            line = field_line(Path(article.path), "source_hash") or 1  # read again: seldom needed
            problems.append(Problem(article.path, line, STALE_ENGLISH, warning=True))
    errors = sorted(p for p in problems if not p.warning)
    if errors:
        raise ContentError(errors + sorted(p for p in problems if p.warning))
    return Loaded(config, articles, sorted(problems))


def _base_url_problems(config: Config, options: BuildOptions) -> list[Problem]:
    """A site below a path of its host: crawlers read robots.txt only at the host's root."""
    from urllib.parse import urlsplit

    path = urlsplit(config.base_url).path
    if path in ("", "/"):
        return []
    from digest.config import key_lines

    where = str(options.config) if options.base_url is None else "--base-url"
    line = key_lines(options.config).get("base_url", 1) if options.base_url is None else 1
    return [Problem(where, line, f"base_url has a path ({path}): robots.txt is written to {path}robots.txt, "
                    "but crawlers read it only at the host's root; copy it there (see docs/deploy.md)",
                    warning=True)]


def translate_entries(entries: list[Entry], config: Config, options: BuildOptions, result: BuildResult,
                      cached_only: bool = False) -> list[Entry]:
    """Machine English for every field the editors did not write, through the translation cache
    and the quality gate; returns the entries whose English it replaced.

    Entries already translated under the current translation key (kept from an earlier build)
    are skipped. `cached_only`: translate nothing, take only what the cache holds, and leave the
    rest in `result.untranslated` (the preview translates it in the background).
    """
    from digest.entries import PENDING, English
    from digest.models import ModelError, find_model

    model = find_model("ar", "en")  # with nothing installed, a folder listing
    if model is None:
        if not any(e.needs_machine() for e in entries):  # all English by the editors: none missing
            return []
        message = ("no Arabic-English translation model is installed, so only articles with the editors' "
                   "English are in the English edition; install one with 'python build.py models install'")
        if options.strict:
            raise ContentError([Problem(str(options.config), 1, message)])
        result.notes.append(message)
        # The model's English goes with the model, as a build from nothing would have none.
        return [_editors_only(e) for e in entries if e.english is not PENDING
                and (e.english.machine or e.english.key or e.english.held)]
    wanting = [e for e in entries if e.needs_machine()]
    if not wanting:
        return []
    from digest.tcache import TranslationCache
    from digest.translate import translate_texts, translation_key

    settings = config.translation
    try:
        key = translation_key(model, settings, options.cache / MODEL_MEMO)
    except ModelError as exc:
        raise ContentError([Problem(str(model.path), 1, str(exc))]) from None
    # What an entry's English was made under: the translation key, and the gate's mode (a new
    # mode publishes or holds what the cache holds, without translating again).
    made_under = f"{key}:{settings.quality}"
    needing = [e for e in wanting if e.english.key != made_under]
    if not needing:
        return []
    texts: list[str] = []
    for entry in needing:
        texts.append("" if entry.english.title_by == "editor" else entry.article.title)
        texts.append("" if entry.english.summary_by == "editor" else entry.summary)
    options.cache.mkdir(parents=True, exist_ok=True)
    with TranslationCache(options.cache, warn=result.notes.append) as cache:
        try:
            english, stats = translate_texts(texts, model, cache, settings, key, progress=options.progress,
                                             cached_only=cached_only, note=result.notes.append)
        except ModelError as exc:
            raise ContentError([Problem(str(model.path), 1, str(exc))]) from None
    result.translated, result.cached = stats.translated, stats.cached
    publish_held = settings.quality != "hold"
    for i, entry in enumerate(needing):
        old = entry.english
        fields = {}
        held = []
        for name, made in (("title", english[2 * i]), ("summary", english[2 * i + 1])):
            if getattr(old, f"{name}_by") == "editor":
                fields[name] = (getattr(old, name), "editor")
            elif made.held and not publish_held:
                fields[name] = ("", "")
                held.append((name, made.held))
            else:
                fields[name] = (made.text, "machine" if made.text else "")
                if made.held:
                    held.append((name, made.held))
        waiting = english[2 * i].pending or english[2 * i + 1].pending
        if waiting:  # nothing is published half-translated: the field waits whole
            result.untranslated.extend(t for t, m in ((texts[2 * i], english[2 * i]),
                                                      (texts[2 * i + 1], english[2 * i + 1])) if m.pending)
        entry.english = English(title=fields["title"][0], summary=fields["summary"][0],
                                title_by=fields["title"][1], summary_by=fields["summary"][1],
                                model=model.label if "machine" in (fields["title"][1], fields["summary"][1]) else "",
                                key="" if waiting else made_under, held=tuple(held))
        if held and settings.quality == "warn":
            for name, why in held:
                result.warnings.append(Problem(entry.article.path, 1, f"machine English {name} published "
                                               f"although the quality gate found it doubtful: {why}", warning=True))
    return needing


def _editors_only(entry: Entry) -> Entry:
    """The entry with only the editors' English, as prepare() makes it; returns it."""
    from digest.entries import editors_english

    e = entry.english
    entry.english = editors_english(e.title if e.title_by == "editor" else "",
                                    e.summary if e.summary_by == "editor" else "")
    return entry


def held_back(entries: list[Entry]) -> int:
    """How many machine fields the quality gate keeps off the site."""
    return sum(1 for e in entries for name, _ in e.english.held if not getattr(e.english, name))


class Builder:
    """Builds the site again and again, keeping what it learnt (parsed and prepared articles).

    The command line uses one Builder per run with its state saved in the cache folder; the
    preview server keeps one alive, so a rebuild only reads and prepares the files that changed.
    """

    def __init__(self, options: BuildOptions, save_each_build: bool = True):
        self.options = options
        self._store: StateStore | None = None
        self.files: dict[str, tuple] = {}
        self.entries: dict[str, tuple[Article, Entry]] = {}
        self.settings_key = ""
        self.save_each_build = save_each_build  # the preview saves once, when it stops
        # The preview publishes what the translation cache holds, and translates the rest in the
        # background (see digest.serve); it sets translations_landed when some has arrived.
        self.translate_later = False
        self.translations_landed = False
        self._state_loaded = False
        # Entries prepared while reading, until a build adopts them: kept when that build fails
        # on another file, so the next one (the preview's, after the fix) need not read them again.
        self._prepared: dict[str, Entry] = {}
        # The articles and entries that this build's workers read, pickled as the saved state
        # keeps them (see digest.state.Spool): a cold build need not pickle them all again.
        self._spool: Spool | None = None
        self._unsaved = False
        self._renderer: tuple[str, Renderer] | None = None
        self._formats_saved = 0  # how many formatted dates and numbers the cache folder holds
        self._canon: dict = {}  # one object for each value many entries hold (see share_values)
        # The last scan of the content folder, each file's place in it by real path (made when a
        # watcher first needs it), and whether it holds symbolic links.
        self._last_scan: tuple[list[tuple[str, str, tuple | None]], list[Problem], dict[str, int] | None,
                               bool] | None = None

    @property
    def store(self) -> StateStore:
        """Made when first needed: a build with nothing to do does not import it (nor the
        article and entry modules it makes stubs of)."""
        if self._store is None:
            from digest.state import StateStore

            self._store = StateStore(self.options.cache, STATE_VERSION)
        return self._store

    def save(self) -> None:
        """Write what builds learnt to the cache folder: the prepared articles, if a build
        changed them, and the dates and numbers formatted."""
        self._save_articles()
        self._save_formats()

    def _save_articles(self) -> None:
        if self._unsaved:
            self.store.save(self.files, self.entries, self.settings_key, self._spool)
            self._spool = None
            self._unsaved = False

    def _save_formats(self) -> None:
        formats = i18n.all_formats()
        if len(formats) != self._formats_saved:
            self.store.save_formats(i18n.babel_stamp(), formats)
            self._formats_saved = len(formats)

    def renderer(self, config: Config, page_settings: str) -> Renderer:
        """One Renderer while settings and templates (messages included) stay the same, so the
        preview keeps its compiled templates and rendered teasers; a new one when they change
        (Jinja need not check every template file's time on every page)."""
        from digest.i18n import load_messages
        from digest.render import Renderer

        messages_path = self.options.templates / "messages.yaml"
        key = page_settings
        if self._renderer is None or self._renderer[0] != key:
            self._renderer = (key, Renderer(self.options.templates, config, load_messages(messages_path),
                                            compiled=self.options.cache / "templates"))
        return self._renderer[1]

    def _load_state(self, settings: str) -> None:
        """Read the saved articles only when a build has work to do (a no-op build never needs
        them), and keep them only if they were prepared with these settings."""
        if self._state_loaded:
            if settings != self.settings_key:  # settings shape every prepared article
                self.files, self.entries, self.settings_key = {}, {}, settings
                self._prepared.clear()
            return
        self._state_loaded = True
        # Loading makes hundreds of thousands of objects, none of them garbage: the collector
        # stays off meanwhile, and they are frozen before it runs again, or its next pass would
        # walk them all (40 ms for 5,000 articles).
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            self.files, self.entries, self.settings_key = self.store.load()
            if settings != self.settings_key:
                self.files, self.entries, self.settings_key = {}, {}, settings
            elif self.entries:
                _freeze_once()
        finally:
            if was_enabled:
                gc.enable()
        saved = self.store.load_formats(i18n.babel_stamp())
        i18n.remember(saved)
        self._formats_saved = len(saved)  # what this cache folder holds; the memo may hold more

    def build(self, changed: Collection[str] | None = None) -> BuildResult:
        """Build the site into a staging folder and put it in place (see digest.output); raises
        ContentError, leaving the published site as it was. `changed`: the paths a file watcher
        saw change since the last build (see _scan).

        A saved article that cannot be read back (its file damaged on disk after the state was
        saved) is found only when a page first needs it: the state is then dropped, and the
        build starts again, reading every file. Every damaged cache file gets one warning."""
        from digest import cachefile
        from digest.state import StateDamaged

        def damaged() -> list[Problem]:
            return [Problem(path, 1, f"damaged cache file ({why}): discarded, and its work done again",
                            warning=True) for path, why in cachefile.take_reports()]

        try:
            try:
                result = self._build(changed)
            except StateDamaged as exc:
                self.store.drop()
                # As if loaded under other settings: _load_state then starts from nothing.
                self._state_loaded, self.settings_key = True, ""
                cachefile.report(exc.path, f"{exc.why}; every article was read again")
                result = self._build(None)
        except ContentError as exc:
            exc.problems += damaged()
            raise
        # Not kept in the manifest with the build's other warnings: a later build has no reason
        # to repeat them.
        result.warnings += damaged()
        return result

    def _build(self, changed: Collection[str] | None) -> BuildResult:
        options = self.options
        started = time.perf_counter()
        result = BuildResult()
        place = output_place(options)  # before anything is read or written
        out, work = place.output, place.work
        clean_leftovers(work, out)
        config = load_config(options.config, options.base_url)
        settings = _settings_key(options)
        scanned = self._scan(changed)
        # What every page depends on besides its own content, read once per build.
        page_settings = _page_settings_key(options, settings) + templates_key(options.templates)
        fingerprint = _fingerprint(_inputs_key(options, page_settings), scanned[0])
        manifest_path = manifest_file(options)
        previous = _read_manifest(manifest_path, out)
        mark = result.phase("scan", started)
        # A preview that left texts to translate in the background looks at them again (after a
        # restart, that is the only way they are found).
        waiting = self.translate_later and previous.get("untranslated")
        if previous.get("fingerprint") == fingerprint and not self.translations_landed and not waiting:
            result.unchanged = True
            result.articles, result.pages = previous["articles"], previous["count"]
            now = time.time()
            result.notes = previous["notes"]
            result.warnings = [w for w in previous["warnings"] if w.holds(now)]
            result.held = previous.get("held", 0)
            result.seconds = time.perf_counter() - started
            return result
        from digest.pages import PlanMemo, SiteKeys, plan_pages, sort_entries

        self.translations_landed = False
        self._load_state(settings)
        if self._spool is not None:
            self._spool.discard()  # an earlier build's, unsaved
        # The preview saves only when it stops: what its workers read is pickled then.
        self._spool = self.store.spool() if self.save_each_build else None
        mark = result.phase("state", mark)
        try:
            loaded = load(options, self.files, config, scanned, self._prepared, self._spool)
            result.warnings = loaded.warnings
            renderer = self.renderer(config, page_settings)
            mark = result.phase("read", mark)
            entries = sort_entries(self._prepare(loaded.articles, config))
            mark = result.phase("prepare", mark)
            # The articles are saved now, before translating (which may take minutes, and be
            # interrupted) and rendering: they are what this build learnt, whether or not it
            # goes on to publish.
            self._unsaved = True
            if self.save_each_build:
                self._save_articles()
        finally:
            if self._spool is not None:  # not taken by a save: the build failed before it
                self._spool.discard()
                self._spool = None
        mark = result.phase("save", mark)
        translated = translate_entries(entries, config, options, result, cached_only=self.translate_later)
        for entry in translated:
            # A new record, so that the state saves it: an entry kept from an earlier build
            # and translated now (a model was installed) is otherwise the same object.
            self.entries[entry.article.path] = (entry.article, entry)
        if translated:
            self._unsaved = True
            if self.save_each_build:
                self._save_articles()
        result.held = held_back(entries)
        mark = result.phase("translate", mark)
        _freeze_once()
        # A page is current when its key is unchanged and so is everything every page depends
        # on (settings, templates).
        old_keys = SiteKeys(*previous["keys"]) if previous.get("page_settings") == page_settings else None
        plan = plan_pages(entries, config, None if old_keys is None else PlanMemo(previous["shape"], old_keys))
        mark = result.phase("plan", mark)
        with OutputLock(work):
            recover(work, out)
            keys = plan.keys()
            stale = keys.stale(old_keys)
            # A few pages changed: stage only those and move them in one by one. Most changed:
            # stage a whole site (unchanged pages hard-linked) and swap it in at once. Into a mount
            # point or a link's target, which are never swapped, files always move in one by one.
            patch = place.in_place or (old_keys is not None and (options.in_place or len(stale) * 2 <= len(keys)))
            writer = SiteWriter(staging_dir(work))
            try:
                if not patch:
                    rendered = set(stale)
                    stale += [path for path in keys.paths() if path not in rendered
                              and not writer.link_from(out, path)]
                todo = plan.pages(stale)
                _render_pages(todo, renderer, writer, options)
                mark = result.phase("render", mark)
                static, static_keys = _write_static(writer, renderer, plan, config, options.theme, out,
                                                    page_settings, previous)
                # Search (issue 18): index the shards that changed, stage them and the search pages.
                if config.search:
                    from digest.search.publish import publish_search

                    static += publish_search(writer, renderer, plan, config, options)
                    mark = result.phase("search", mark)
                mark = result.phase("feeds", mark)
                if patch:
                    manifest_path.unlink(missing_ok=True)  # it describes the live site: none while that changes
                    _patch_in(writer, work, out, None if old_keys is None else keys.gone(old_keys), todo,
                              static, previous)
                else:
                    swap_in(writer.root, out, background_cleanup=len(keys) > 2000)
            except BaseException:
                discard(writer.root)  # a site-sized folder: not kept until the next build
                raise
            mark = result.phase("swap", mark)
        result.articles = len(entries)
        result.pages = len(keys) + 2
        result.rendered, result.reused = len(todo), len(keys) - len(todo)
        _write_manifest(manifest_path, out, keys, static, fingerprint, page_settings, static_keys,
                        result, plan)
        if self.save_each_build:
            self._save_formats()  # render workers formatted day headings too
        result.phase("manifest", mark)
        result.seconds = time.perf_counter() - started
        return result

    def _scan(self, changed: Collection[str] | None) -> tuple[list[tuple[str, str, tuple | None]], list[Problem]]:
        """The content files with their stamps. When a watcher says what changed (the preview),
        and that is only edits of regular files the last scan found, only those are looked at
        again: a save need not stat thousands of files. Anything else inside the content folder
        (a new, deleted or linked file, a folder, the folder itself) scans it all again, and so
        does any change while the folder holds symbolic links (editing a link's target changes
        the link, and the watcher reports only the target)."""
        if changed is not None and self._last_scan is not None and not self._last_scan[3]:
            files, problems, where, _ = self._last_scan
            content = os.path.realpath(self.options.content) + os.sep  # watchers report real paths
            if where is None:
                prefix = len(str(self.options.content)) + 1  # content_files' paths start with it
                where = {content + path[prefix:]: i for i, (path, _, _) in enumerate(files)}
            files = list(files)
            for path in changed:
                if path + os.sep == content:
                    break
                if not path.startswith(content):
                    continue  # a template, the theme or the settings: the listing stays
                at = where.get(path)
                try:
                    if at is None:
                        raise FileNotFoundError(path)
                    st = os.lstat(files[at][0])
                except OSError:
                    break
                if not stat.S_ISREG(st.st_mode):
                    break
                files[at] = (files[at][0], files[at][1], stamp_of(st))
            else:
                self._last_scan = (files, problems, where, False)
                return files, problems
        links: list[str] = []
        files, problems = scan(self.options, links)
        self._last_scan = (files, problems, None, bool(links))
        return files, problems

    def _prepare(self, articles: list[Article], config: Config) -> list[Entry]:
        """An entry per article: the one prepared while it was read, or the one kept from an
        earlier build for the same article, or (rarely: a draft shown again) one prepared now."""
        from digest.entries import prepare, share_values

        out: list[Entry] = []
        for article in articles:
            ready = self._prepared.pop(article.path, None)
            known = self.entries.get(article.path)
            if ready is not None and ready.article is article:
                entry = ready
            elif known is not None and known[0] is article:
                out.append(known[1])  # kept as it is: the state saves only what changed
                continue
            else:
                source = article
                if article.body_dropped:  # its Markdown went after an earlier preparation: read it again
                    source = read_article(Path(article.path), article.path, config)[0] or article
                entry = prepare(source, config)
                entry.article = article  # the object the file cache holds, so the next build knows it
                article.body, article.body_dropped = "", True
            share_values(entry, self._canon)
            self.entries[article.path] = (article, entry)
            out.append(entry)
        self._prepared.clear()
        live = {a.path for a in articles}
        for gone in set(self.entries) - live:
            del self.entries[gone]
        return out


def build(options: BuildOptions) -> BuildResult:
    """One build with the state kept in the cache folder."""
    return Builder(options).build()


def output_place(options: BuildOptions) -> Place:
    """Where a build with these options publishes; raises OutputRefused (see digest.placement)
    when its output folder overlaps the site's sources or is not this project's to replace."""
    sources = {f"the {what} folder {shown_path(path)}": path for what, path in
               (("content", options.content), ("templates", options.templates), ("theme", options.theme))}
    holders = {f"the project folder {shown_path(options.root)} (it holds {options.config.name})": options.root,
               f"the cache folder {shown_path(options.cache)}": options.cache}
    return check_output(options.output, sources, holders, options.force,
                        lambda real: bool(_read_manifest(manifest_file(options), real)))


_READ_JOB: tuple[list[tuple[str, str]], Config, bool, bool] | None = None
Read = tuple[Article | None, list[Problem], "Entry | None"]


def _read_one(path: str, shown: str, config: Config, prepare_too: bool, drafts: bool) -> Read:
    from digest.entries import prepare

    article, problems = read_article(path, shown, config)
    if not prepare_too or article is None or (article.draft and not drafts) \
            or any(not p.warning for p in problems):
        return article, problems, None
    entry = prepare(article, config)
    # The Markdown is not needed once the HTML exists: a 30,000-article build stays well under
    # a gigabyte, and less crosses back from the worker.
    article.body, article.body_dropped = "", True
    entry.fingerprint()  # hashed here, on all cores, rather than by the planner on one
    return article, problems, entry


def _read_range(bounds: tuple[int, int]) -> tuple[list, list]:
    """The files in this range, read (and prepared), with the dates this formatted on the way.
    In a worker, each article and its entry go back as one pickle: the one the saved state keeps
    (see StateStore.save), so the main process need not pickle them again."""
    assert _READ_JOB is not None
    files, config, prepare_too, drafts, in_worker = _READ_JOB
    reads = [_read_one(path, shown, config, prepare_too, drafts) for path, shown in files[bounds[0] : bounds[1]]]
    if in_worker:
        return [(None if article is None else pickle.dumps((article, entry), protocol=pickle.HIGHEST_PROTOCOL),
                 problems) for article, problems, entry in reads], i18n.new_formats()
    return reads, i18n.new_formats()


def _read_all(files: list[tuple[str, str]], config: Config, jobs: int, prepare_too: bool = False,
              drafts: bool = False, progress: bool | None = None,
              spool: Spool | None = None) -> list[Read]:
    """_read_one() for many files, over all cores when there are enough of them (a cold build).
    What comes back from workers also goes to `spool`, as the pickles it came in."""
    global _READ_JOB
    jobs = jobs or os.cpu_count() or 1
    in_workers = jobs > 1 and len(files) >= PARALLEL_MIN_ARTICLES
    _READ_JOB = (files, config, prepare_too, drafts, in_workers)
    meter = Progress(len(files), "reading", "article", progress, PROGRESS_MIN_ITEMS)
    out: list[Read] = []
    try:
        for part in _in_chunks(_read_range, len(files), jobs if in_workers else 1, meter):
            if not in_workers:
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
        _READ_JOB = None
        meter.close()
    return out


def _in_chunks(work: Callable[[tuple[int, int]], tuple[list[T], list]], count: int,
               jobs: int, meter: Progress) -> Iterator[list[T]]:
    """work(range) over `count` items, in `jobs` forked workers (none for one job): each
    range's items, in order.

    The items reach the workers through a module global that the caller sets (forked workers
    inherit it), so only the results are pickled: each part's items, and the dates and numbers
    formatted for them, which the main process keeps (see digest.i18n).
    """

    def collect(parts: Iterable[tuple[list[T], list]]) -> Iterator[list[T]]:
        for part, formats in parts:
            i18n.remember(formats)
            meter.update(len(part))
            yield part

    if jobs == 1:
        yield from collect(map(work, _chunks(count, 1)))
    else:
        import multiprocessing  # only for a big build: imported on demand

        i18n.new_formats()  # this process has them: forked workers should send back only theirs
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            yield from collect(pool.imap(work, _chunks(count, jobs)))


def _chunks(count: int, jobs: int) -> list[tuple[int, int]]:
    """Ranges small enough to balance the workers and to show progress, big enough to be cheap."""
    step = max(25, count // (jobs * 8)) if count else 1
    return [(i, min(i + step, count)) for i in range(0, count, step)]


# The libraries whose output the saved articles and pages hold: Markdown, the HTML sanitizer,
# YAML, templates, escaping and search. (Babel's formatted dates are kept apart: see i18n.babel_stamp.)
OUTPUT_LIBRARIES = ("markdown_it", "mdit_py_plugins", "nh3", "yaml", "jinja2", "markupsafe",
                    "pagefind_bin")  # Pagefind's program writes the search shards


@functools.lru_cache(maxsize=1)
def code_key() -> str:
    """The project's own code and the libraries that shape its output: an upgrade (a better
    summarizer, a fixed renderer, a sanitizer's security fix) rebuilds everything. A library is
    known by its package file's stamp, which any reinstall changes: about a millisecond, where
    reading the versions through importlib.metadata took over a quarter of a second."""
    digest = hashlib.blake2b(repr(STATE_VERSION).encode(), digest_size=16)
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):  # subpackages too (digest/search)
        digest.update(str(path.relative_to(package)).encode() + path.read_bytes())
    for name in OUTPUT_LIBRARIES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        try:
            where = (origin, stamp(origin)) if origin else None
        except OSError:
            where = (origin, None)
        digest.update(repr((name, where)).encode())
    return digest.hexdigest()


def _settings_key(options: BuildOptions) -> str:
    """Everything besides an article itself that prepare() depends on: the settings file and the code."""
    digest = hashlib.blake2b(code_key().encode(), digest_size=16)
    if options.config.exists():
        digest.update(options.config.read_bytes())
    return digest.hexdigest()


def _page_settings_key(options: BuildOptions, settings: str) -> str:
    """What every page depends on besides its own content: settings, and base_url from the command line."""
    return hashlib.blake2b(repr((settings, options.base_url)).encode(), digest_size=16).hexdigest()


def _inputs_key(options: BuildOptions, page_settings: str) -> str:
    """Settings, templates, theme and translation model: what can change pages besides the content."""
    from digest.models import installed_listing

    theme = sorted((str(p), stamp(p)) for p in options.theme.rglob("*") if p.is_file()) \
        if options.theme.is_dir() else []
    parts = (page_settings, options.drafts, theme, installed_listing(),
             str(options.content.resolve()), options.strict)
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def _fingerprint(inputs: str, files: list[tuple[str, str, tuple | None]]) -> str:
    """Equal fingerprints mean an identical site: same inputs, same content files, unchanged."""
    digest = hashlib.blake2b(inputs.encode(), digest_size=16)
    digest.update("\0".join([shown for _, shown, _ in files]).encode("utf-8", "surrogatepass"))
    # The stamps as machine integers: formatting 15,000 numbers as text took longer than the scan
    # itself. A file that cannot be read has (0, 0, 0): no real file has inode 0.
    stamps = [st or (0, 0, 0) for _, _, st in files]
    for column, kind in ((0, "q"), (1, "q"), (2, "Q")):  # mtime (may precede 1970), size, inode
        digest.update(array(kind, [st[column] for st in stamps]).tobytes())
    return digest.hexdigest()


MANIFEST_MAX_AGE = 30 * 86_400  # seconds after which a manifest not written again is removed


def manifest_file(options: BuildOptions) -> Path:
    """One manifest per output folder: the preview's and the published site's (which share the
    cache folder) each keep their own, so neither turns the other's next build into a full one."""
    name = hashlib.blake2b(os.fsencode(options.output.resolve()), digest_size=8).hexdigest()
    return options.cache / f"manifest-{name}.pickle"


def _read_manifest(path: Path, output: Path) -> dict:
    """The manifest of the current output, or {} when it describes something else (or is
    damaged: see digest.cachefile)."""
    from digest import cachefile

    data = cachefile.read_pickle(path, "manifest")
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION \
            or data.get("output") != str(output.resolve()):
        return {}
    try:
        if os.stat(output).st_ino != data.get("inode"):
            return {}
    except OSError:
        return {}
    return data


def _write_manifest(path: Path, output: Path, keys: SiteKeys, static: list[str], fingerprint: str,
                    page_settings: str, static_keys: dict[str, str], result: BuildResult, plan: Plan) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"version": MANIFEST_VERSION, "output": str(output.resolve()), "inode": os.stat(output).st_ino,
            "fingerprint": fingerprint, "page_settings": page_settings, "static_keys": static_keys,
            "articles": result.articles,
            "count": result.pages,
            "notes": result.notes, "warnings": result.warnings, "held": result.held,
            "untranslated": len(result.untranslated),
            # A SiteKeys as plain values: unpickling the manifest, as a no-op build does, then
            # needs no import of digest.pages.
            "keys": (keys.slugs, keys.prints, keys.nav_key, keys.lists, keys.english),
            "static": static, "shape": plan.shape}  # see PlanMemo
    from digest import cachefile

    cachefile.write_pickle(path, "manifest", data)
    _tidy_manifests(path.parent)


def _tidy_manifests(cache: Path) -> None:
    """Remove the manifests of output folders not built for a month (a folder since deleted or
    renamed; the next build of one still in use is then a full one), and the single manifest
    that versions before one per output folder kept."""
    now = time.time()
    for old in [cache / "manifest.pickle", *cache.glob("manifest-*.pickle")]:
        try:
            if old.name == "manifest.pickle" or now - old.stat().st_mtime > MANIFEST_MAX_AGE:
                old.unlink()
        except OSError:
            pass  # gone meanwhile, or never there


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


def _render_range(task: tuple[int, int, bool]) -> tuple[int, list]:
    """Render and write these pages (`folders_made`: their folders exist already); returns their
    number and the dates and numbers formatted."""
    assert _JOB is not None
    start, end, folders_made = task
    pages, renderer, writer = _JOB
    for page in pages[start:end]:
        writer.write(page.output_path, renderer.render(page).encode(), folder_made=folders_made)
    return end - start, i18n.new_formats()


def _render_tasks(pages: list[Page], jobs: int) -> tuple[list[Page], list[tuple[int, int]], list[tuple[int, int]]]:
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
    article_tasks = [(len(ordered) + a, len(ordered) + b) for a, b in _chunks(len(articles), jobs)]
    ordered.extend(articles)
    return ordered, list_tasks, article_tasks


def _freeze_once() -> None:
    """Keep the cyclic garbage collector off the objects alive now: the articles, hundreds of
    thousands of long-lived objects, which it would otherwise walk again and again while pages
    are planned and rendered (in forked workers too, where walking them unshares their memory).
    Once per process: the preview's later rebuilds add few objects, and must not pin garbage."""
    global _FROZEN
    if not _FROZEN:
        gc.freeze()
        _FROZEN = True


def _patch_in(writer: SiteWriter, work: Path, output: Path, gone_pages: list[str] | None, todo: list[Page],
              static: list[str], previous: dict) -> None:
    """Move the rendered pages and the changed static files into the live site, and delete the
    files of the previous build that this one no longer has (`gone_pages` None: the previous
    build's pages are not known, so every file of the live site that this build did not write).
    `work`: what the journal is named after (see digest.placement.Place)."""
    if gone_pages is None:
        gone_pages = [path for path in _files_under(output) if not os.path.isfile(writer.root / path)]
    gone = set(gone_pages) | set(previous.get("static", []))
    gone -= set(static)
    changed = [rel for rel in static if not same_file(writer.root, output, rel)]
    commit_patch(writer.root, work, sorted({p.output_path for p in todo} | set(changed)), sorted(gone), output)


def _files_under(root: Path) -> list[str]:
    """Every file (and symbolic link) under a folder, as paths relative to it."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for name in [*filenames, *(d for d in dirnames if os.path.islink(os.path.join(dirpath, d)))]:
            found.append(name if rel == "." else f"{rel}/{name}")
    return found


def _write_static(writer: SiteWriter, renderer: Renderer, plan: Plan, config: Config, theme: Path,
                  live: Path, page_settings: str, previous: dict) -> tuple[list[str], dict[str, str]]:
    """Everything but the pages: root and 404 pages, feeds, sitemap, robots.txt, the theme and
    the marker that says the folder is this project's output (see digest.placement).
    Like a page, each file but the theme's has a key made of what it shows; one whose key is
    unchanged is linked in from the live site rather than made again. Returns the files' paths
    in the site, and their keys."""
    from digest.feeds import feed_items, robots_txt, rss_feed, sitemap

    makers: dict[str, tuple[str, Callable[[], bytes]]] = {
        "index.html": (page_settings + repr(plan.english_edition), lambda: renderer.render_template(
            "index.html", "ar", page=None, english_edition=plan.english_edition).encode()),
        "404.html": (page_settings, lambda: renderer.render_template("404.html", "ar", page=None).encode()),
        "robots.txt": (page_settings, lambda: robots_txt(config)),
        "sitemap.xml": (page_settings + plan.shape, lambda: sitemap(plan.whole(), config)),
    }
    for lang in LANGS:
        items = feed_items(plan.entries, lang, config)
        shown = hashlib.blake2b(repr(items).encode(), digest_size=16).hexdigest()
        makers[f"{lang}/feed.xml"] = (page_settings + shown,
                                      lambda items=items, lang=lang: rss_feed(items, lang, config))
    old = previous.get("static_keys", {})
    keys = {}
    for relpath, (key, make) in makers.items():
        keys[relpath] = key
        if old.get(relpath) != key or not writer.link_from(live, relpath):
            writer.write(relpath, make())
    writer.write(MARKER, MARKER_TEXT)
    return [*makers, MARKER, *(writer.copy_tree(theme, "theme") if theme.is_dir() else [])], keys


def _render_pages(todo: list[Page], renderer: Renderer, writer: SiteWriter, options: BuildOptions) -> None:
    """Render and write pages, over all cores when there are enough of them."""
    global _JOB
    jobs = options.jobs or os.cpu_count() or 1
    todo, list_tasks, article_tasks = _render_tasks(todo, jobs)
    _JOB = (todo, renderer, writer)
    meter = Progress(len(todo), "rendering", "page", options.progress, PROGRESS_MIN_ITEMS)

    def tasks() -> Iterator[tuple[int, int, bool]]:
        """The list pages' tasks, then the article pages', each once its pages' folders are made.
        A pool takes tasks from this in a thread of this process, so the folders (ten thousand
        mkdirs, half a second) are made while the workers render the lists, instead of before
        while a core idles. Workers making them contended in the file system: no faster. While
        the pool runs, that thread is the only one here using `writer`; an error making a folder
        reaches this process from a worker, as it would from a page."""
        yield from ((start, end, False) for start, end in list_tasks)
        for start, end in article_tasks:
            for page in todo[start:end]:
                writer.parent_of(page.output_path)
            yield start, end, True

    try:
        if jobs == 1 or len(todo) < PARALLEL_MIN_PAGES:
            for task in tasks():
                meter.update(_render_range(task)[0])
        else:
            import multiprocessing  # only for a big build: imported on demand

            i18n.new_formats()  # as in _in_chunks: the workers send back only what they format
            renderer.load_templates()  # here, where a damaged compiled one is reported
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                for done, formats in pool.imap_unordered(_render_range, tasks()):
                    i18n.remember(formats)
                    meter.update(done)
    finally:
        meter.close()
        _JOB = None

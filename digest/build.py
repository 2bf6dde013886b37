"""The build, as a checklist: scan, load what earlier builds kept, read and prepare what
changed, translate, plan, render and publish, then write the manifest.

Each stage is a function of the last one's values (digest.reading, digest.entries,
digest.english, digest.pages, digest.publish); what decides that a stage can be skipped is in
digest.incremental. A failed build leaves the published site as it was (see digest.output).
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from digest import i18n
from digest.config import Config, load_config
from digest.content import Article, read_article
from digest.incremental import manifest
from digest.incremental.keys import pages_key, prepared_key, site_fingerprint
from digest.incremental.manifest import Manifest, manifest_path
from digest.output import OutputLock, SiteWriter, clean_leftovers, discard, recover, staging_dir, swap_in
from digest.placement import Place, check_output, shown_path
from digest.problems import ContentError, Problem
from digest.reading import FileRecord, Scan, Scanner, check_site, read_content, scan
from digest.workers import freeze_once

# The stages that make pages (Markdown, summaries, Jinja, Babel) are imported when a build has
# work to do: a no-op build only scans, and starts faster without them.
if TYPE_CHECKING:
    from digest.english import EnglishPass
    from digest.entries import Entry
    from digest.incremental.store import ArticleStore, Spool
    from digest.pages import Plan, SiteKeys
    from digest.publish import SiteFiles
    from digest.render import Renderer


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


def load(options: BuildOptions) -> Loaded:
    """Read and check everything as a build would, writing nothing; raises ContentError with
    every error found."""
    config = load_config(options.config, options.base_url)
    read = read_content(scan(options.content), {}, config, jobs=options.jobs, drafts=options.drafts,
                        progress=options.progress)
    return Loaded(config, read.articles, check_site(read, config, options.config, options.base_url))


class Clock:
    """The seconds each phase of a build takes, for `--timings`: lap(name) ends a phase."""

    def __init__(self, phases: dict[str, float]):
        self.phases = phases
        self.started = self.mark = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + now - self.mark
        self.mark = now

    def since_start(self) -> float:
        return time.perf_counter() - self.started


class _Keys(NamedTuple):
    """This build's keys (see digest.incremental.keys)."""

    prepared: str
    pages: str
    fingerprint: str


class Builder:
    """Builds the site again and again, keeping what it learnt (parsed and prepared articles).

    The command line uses one Builder per run with its state saved in the cache folder; the
    preview server keeps one alive, so a rebuild only reads and prepares the files that changed.
    """

    def __init__(self, options: BuildOptions, save_each_build: bool = True):
        self.options = options
        self.scanner = Scanner(options.content)
        self._store: ArticleStore | None = None
        # What earlier builds learnt: each content file's record, and each article's entry.
        self.records: dict[str, FileRecord] = {}
        self.entries: dict[str, tuple[Article, Entry]] = {}
        self.prepared_key = ""  # what the entries were prepared under
        self.save_each_build = save_each_build  # the preview saves once, when it stops
        # The preview publishes what the translation cache holds, and translates the rest in the
        # background (see digest.serve); it sets translations_landed when some has arrived.
        self.translate_later = False
        self.translations_landed = False
        self._state_loaded = False
        # Entries prepared while reading, until a build adopts them: kept when that build fails
        # on another file, so the next one (the preview's, after the fix) need not read them again.
        self._ready: dict[str, Entry] = {}
        # The articles and entries that this build's workers read, pickled as the store keeps
        # them (see digest.incremental.store.Spool): a cold build need not pickle them again.
        self._spool: Spool | None = None
        self._unsaved = False
        self._renderer: tuple[str, Renderer] | None = None
        self._formats_saved = 0  # how many formatted dates and numbers the cache folder holds
        self._shared_values: dict = {}  # one object for each value many entries hold (see share_values)

    @property
    def store(self) -> ArticleStore:
        """Made when first needed: a build with nothing to do does not import it (nor the
        article and entry modules it loads)."""
        if self._store is None:
            from digest.incremental.store import ArticleStore

            self._store = ArticleStore(self.options.cache)
        return self._store

    def save(self) -> None:
        """Write what builds learnt to the cache folder: the prepared articles, if a build
        changed them, and the dates and numbers formatted."""
        self._save_articles()
        self._save_formats()

    def _save_articles(self) -> None:
        if self._unsaved:
            self.store.save(self.records, self.entries, self.prepared_key, self._spool)
            self._spool = None
            self._unsaved = False

    def _save_formats(self) -> None:
        formats = i18n.all_formats()
        if len(formats) != self._formats_saved:
            self.store.save_formats(i18n.babel_stamp(), formats)
            self._formats_saved = len(formats)

    def renderer(self, config: Config, pages: str) -> Renderer:
        """One Renderer while settings and templates (messages included) stay the same, so the
        preview keeps its compiled templates and rendered teasers; a new one when they change
        (Jinja need not check every template file's time on every page)."""
        from digest import static
        from digest.i18n import load_messages
        from digest.render import Renderer

        if self._renderer is None or self._renderer[0] != pages:
            messages = load_messages(self.options.templates / "messages.yaml")
            self._renderer = (pages, Renderer(self.options.templates, config, messages,
                                              compiled=self.options.cache / "templates",
                                              default_image=static.default_image(config, self.options.root)))
        return self._renderer[1]

    def build(self, changed: Collection[str] | None = None) -> BuildResult:
        """Build the site into a staging folder and put it in place (see digest.output); raises
        ContentError, leaving the published site as it was. `changed`: the paths a file watcher
        saw change since the last build (see reading.Scanner).

        A saved article that cannot be read back (its file damaged on disk after the state was
        saved) is found only when a page first needs it: the state is then dropped, and the
        build starts again, reading every file. Every damaged cache file gets one warning."""
        from digest import cachefile
        from digest.incremental.store import StateDamaged

        def damaged() -> list[Problem]:
            return [Problem(path, 1, f"damaged cache file ({why}): discarded, and its work done again",
                            warning=True) for path, why in cachefile.take_reports()]

        try:
            try:
                result = self._build(changed)
            except StateDamaged as exc:
                self.store.drop()
                # As if loaded under other settings: _load_state then starts from nothing.
                self._state_loaded, self.prepared_key = True, ""
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
        """The checklist. Each stage takes the values the last one returned."""
        options = self.options
        result = BuildResult()
        clock = Clock(result.phases)
        place = output_place(options)  # before anything is read or written
        clean_leftovers(place.work, place.output)
        config = load_config(options.config, options.base_url)

        found = self.scanner.scan(changed)
        keys = self._keys(found, config)
        manifest_file = manifest_path(options.cache, options.output)
        previous = manifest.read(manifest_file, place.output)
        clock.lap("scan")
        if self._nothing_changed(previous, keys):
            assert previous is not None
            return _as_before(previous, clock)
        self.translations_landed = False

        self._load_state(keys.prepared)
        clock.lap("state")

        from digest import images

        images.use_cache(options.cache)  # processed images are kept there (read workers inherit it)

        entries, result.warnings = self._read_and_prepare(found, config, clock)
        renderer = self.renderer(config, keys.pages)

        from digest.english import held_back

        entries, english = self._translate(entries, config)
        result.translated, result.cached, result.untranslated = english.translated, english.cached, \
            english.untranslated
        result.notes += english.notes
        result.warnings += english.warnings
        result.held = held_back(entries)
        from digest.tagnames import english_tag_names

        tag_names, tagged = english_tag_names(entries, config, options.cache, cached_only=self.translate_later)
        result.translated += tagged.translated
        result.cached += tagged.cached
        result.untranslated += tagged.untranslated
        result.notes += tagged.notes
        renderer.set_tag_names(tag_names)
        clock.lap("translate")

        freeze_once()
        from digest.pages import PlanMemo, SiteKeys, plan_pages

        # A page is current when its key is unchanged and so is everything every page depends
        # on (settings, templates).
        old_keys = SiteKeys(*previous.page_keys) if previous and previous.pages_key == keys.pages else None
        memo = None if old_keys is None or previous is None \
            else PlanMemo(previous.layout_key, old_keys, previous.related)
        plan = plan_pages(entries, config, memo, english_tags=tag_names)
        clock.lap("plan")

        published = self._publish(place, plan, renderer, config, keys, previous, old_keys, clock)
        result.rendered, result.reused = published.rendered, len(published.page_keys) - published.rendered

        result.articles = len(entries)
        result.pages = len(published.page_keys) + 2
        manifest.write(manifest_file, Manifest(
            output=str(place.output.resolve()), inode=os.stat(place.output).st_ino, fingerprint=keys.fingerprint,
            pages_key=keys.pages, articles=result.articles, pages=result.pages,
            page_keys=published.page_keys.as_values(), layout_key=plan.layout_key, related=plan.related_memo,
            static=published.files.paths,
            static_keys=published.files.keys, notes=result.notes, warnings=result.warnings, held=result.held,
            untranslated=len(result.untranslated)))
        if self.save_each_build:
            self._save_formats()  # render workers formatted day headings too
        clock.lap("manifest")
        result.seconds = clock.since_start()
        return result

    def _keys(self, found: Scan, config: Config) -> _Keys:
        from digest import static
        from digest.models import installed_listing

        options = self.options
        prepared = prepared_key(options.config)
        pages = pages_key(prepared, options.base_url, options.templates, static.key(config, options.root))
        fingerprint = site_fingerprint(pages, options.theme, options.drafts, options.strict, options.content,
                                       found.files, installed_listing(), static.stamps(options.root))
        return _Keys(prepared, pages, fingerprint)

    def _nothing_changed(self, previous: Manifest | None, keys: _Keys) -> bool:
        """Whether the site in place is the one this build would make. A preview that left texts
        to translate in the background looks at them again (after a restart, that is the only
        way they are found)."""
        if previous is None or previous.fingerprint != keys.fingerprint or self.translations_landed:
            return False
        return not (self.translate_later and previous.untranslated)

    def _load_state(self, prepared: str) -> None:
        """Load the saved articles only when a build has work to do (a no-op build never needs
        them), and keep them only if they were prepared under this key."""
        if self._state_loaded:
            if prepared != self.prepared_key:  # settings shape every prepared article
                self.records, self.entries, self.prepared_key = {}, {}, prepared
                self._ready.clear()
            return
        self._state_loaded = True
        # Loading makes hundreds of thousands of objects, none of them garbage: the collector
        # stays off meanwhile, and they are frozen before it runs again, or its next pass would
        # walk them all.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            self.records, self.entries, self.prepared_key = self.store.load()
            if prepared != self.prepared_key:
                self.records, self.entries, self.prepared_key = {}, {}, prepared
            elif self.entries:
                freeze_once()
        finally:
            if was_enabled:
                gc.enable()
        saved = self.store.load_formats(i18n.babel_stamp())
        i18n.remember(saved)
        self._formats_saved = len(saved)  # what this cache folder holds; the memo may hold more

    def _read_and_prepare(self, found: Scan, config: Config, clock: Clock) -> tuple[list[Entry], list[Problem]]:
        """The entries to publish, sorted, and the warnings; raises ContentError. What the
        build learnt is saved before it goes on (translating may take minutes, and be
        interrupted), whether or not it goes on to publish."""
        from digest.pages import sort_entries

        options = self.options
        if self._spool is not None:
            self._spool.discard()  # an earlier build's, unsaved
        # The preview saves only when it stops: what its workers read is pickled then.
        self._spool = self.store.spool() if self.save_each_build else None
        try:
            read = read_content(found, self.records, config, jobs=options.jobs, drafts=options.drafts,
                                prepare=True, progress=options.progress, spool=self._spool)
            self.records = read.records
            self._ready.update(read.prepared)
            warnings = check_site(read, config, options.config, options.base_url)
            clock.lap("read")
            entries = sort_entries(self._entries(read.articles, config))
            clock.lap("prepare")
            self._unsaved = True
            if self.save_each_build:
                self._save_articles()
        finally:
            if self._spool is not None:  # not taken by a save: the build failed before it
                self._spool.discard()
                self._spool = None
        clock.lap("save")
        return entries, warnings

    def _entries(self, articles: list[Article], config: Config) -> list[Entry]:
        """An entry per article: the one prepared while it was read, or the one kept from an
        earlier build for the same article, or (rarely: a draft shown again) one prepared now."""
        from digest.entries import prepare_to_keep, share_values

        out: list[Entry] = []
        for article in articles:
            ready = self._ready.pop(article.path, None)
            known = self.entries.get(article.path)
            if ready is not None and ready.article is article:
                entry = ready
            elif known is not None and known[0] is article:
                out.append(known[1])  # kept as it is: the store saves only what changed
                continue
            else:
                source = article
                if article.body_dropped:  # its Markdown went after an earlier preparation: read it again
                    source = read_article(article.path, config)[0] or article
                entry = prepare_to_keep(source, config)
                entry.article = article  # the object the file's record holds, so the next build knows it
            share_values(entry, self._shared_values)
            self.entries[article.path] = (article, entry)
            out.append(entry)
        self._ready.clear()
        live = {a.path for a in articles}
        for gone in set(self.entries) - live:
            del self.entries[gone]
        return out

    def _translate(self, entries: list[Entry], config: Config) -> tuple[list[Entry], EnglishPass]:
        """The entries with machine English (see digest.english), saved as soon as it is made,
        and what the pass did."""
        from digest.english import translate_entries

        options = self.options
        english = translate_entries(entries, config, options.cache, strict=options.strict,
                                    settings_file=options.config, progress=options.progress,
                                    cached_only=self.translate_later)
        for path, entry in english.replaced.items():
            self.entries[path] = (entry.article, entry)  # a new entry: the store saves it
        if english.replaced:
            self._unsaved = True
            if self.save_each_build:
                self._save_articles()
            entries = [english.replaced.get(e.article.path, e) for e in entries]
        return entries, english

    def _publish(self, place: Place, plan: Plan, renderer: Renderer, config: Config, keys: _Keys,
                 previous: Manifest | None, old_keys: SiteKeys | None, clock: Clock) -> _Published:
        """Render the pages whose keys changed, make the site files, and put them in place.

        A few pages changed: stage only those and move them in one by one. Most changed: stage
        a whole site (unchanged pages hard-linked) and swap it in at once. Into a mount point or
        a link's target, which are never swapped, files always move in one by one."""
        from digest.publish import patch_in, render_pages, write_images, write_site_files

        options, out, work = self.options, place.output, place.work
        with OutputLock(work):
            recover(work, out)
            page_keys = plan.keys()
            stale = page_keys.stale(old_keys)
            one_by_one = place.in_place or (old_keys is not None and (options.in_place
                                                                       or len(stale) * 2 <= len(page_keys)))
            writer = SiteWriter(staging_dir(work))
            try:
                if not one_by_one:
                    rendered = set(stale)
                    stale += [path for path in page_keys.paths() if path not in rendered
                              and not writer.link_from(out, path)]
                todo = plan.pages(stale)
                render_pages(todo, renderer, writer, options.jobs, options.progress)
                clock.lap("render")
                files = write_site_files(writer, renderer, plan, config, options.theme, out, keys.pages,
                                         previous.static_keys if previous else {})
                files = files._replace(paths=files.paths + write_images(writer, plan.entries, out, options.root,
                                                                        options.cache))
                clock.lap("feeds")
                if config.search:  # index the shards that changed; stage them and the search pages
                    from digest.search.publish import publish_search

                    files = files._replace(paths=files.paths + publish_search(writer, renderer, plan, config,
                                                                              options.cache, options.jobs))
                    clock.lap("search")
                if one_by_one:
                    # The manifest describes the live site: there is none while that changes.
                    manifest_path(options.cache, options.output).unlink(missing_ok=True)
                    patch_in(writer, work, out, None if old_keys is None else page_keys.gone(old_keys), todo,
                             files, previous.static if previous else [])
                else:
                    swap_in(writer.root, out, background_cleanup=len(page_keys) > 2000)
            except BaseException:
                discard(writer.root)  # a site-sized folder: not kept until the next build
                raise
        clock.lap("swap")
        return _Published(page_keys, files, len(todo))


class _Published(NamedTuple):
    page_keys: SiteKeys
    files: SiteFiles
    rendered: int  # pages rendered (the others were kept)


def _as_before(previous: Manifest, clock: Clock) -> BuildResult:
    """The result of a build that found nothing changed: the last build's counts, notes and
    the warnings that still hold."""
    now = time.time()
    return BuildResult(articles=previous.articles, pages=previous.pages, held=previous.held, unchanged=True,
                       notes=previous.notes, warnings=[w for w in previous.warnings if w.holds(now)],
                       phases=clock.phases, seconds=clock.since_start())


def build(options: BuildOptions) -> BuildResult:
    """One build with the state kept in the cache folder."""
    return Builder(options).build()


def output_place(options: BuildOptions) -> Place:
    """Where a build with these options publishes; raises OutputRefused (see digest.placement)
    when its output folder overlaps the site's sources or is not this project's to replace."""
    sources = {f"the {what} folder {shown_path(path)}": path for what, path in
               (("content", options.content), ("templates", options.templates), ("theme", options.theme),
                ("static", options.root / "static"))}
    holders = {f"the project folder {shown_path(options.root)} (it holds {options.config.name})": options.root,
               f"the cache folder {shown_path(options.cache)}": options.cache}
    return check_output(options.output, sources, holders, options.force,
                        lambda real: manifest.read(manifest_path(options.cache, options.output), real) is not None)

"""What a build keeps between runs: the parsed files and prepared articles, in the cache folder.

The base state is two files. The index (`articles.pickle`) holds, for each article, only what
every build reads of every article: its slug, date, category, fingerprint and the few fields
that loading checks. The other file holds each article's whole pickle, one after another.
Loading makes each article (and its entry) with only the index's fields set; the first use of
any other field reads the rest from the second file (see `SavedPair.fill`). A build that
changed one article then unpickles only the articles on the pages it renders.

A build that changed a few articles appends just those, whole, to a small delta file instead,
and the next load applies it; once that file has grown, the next save writes the base again.
A further file keeps the dates and numbers Babel formatted (see digest.i18n).

Every file is checksummed (see digest.cachefile): the index, the delta and the formats whole,
each article's pickle on its own, checked when that article is unpickled, so that loading need
not read them all. A damaged file is reported and not used; a damaged article's pickle raises
StateDamaged, and the build starts again without the saved state.

The files are kept under the prepared_key (digest.incremental.keys) they were prepared with.
"""

from __future__ import annotations

import fcntl
import mmap
import operator
import os
import pickle
import secrets
from dataclasses import fields
from pathlib import Path
from typing import Any, BinaryIO

from digest import cachefile
from digest.content import Article
from digest.entries import PENDING, Entry
from digest.incremental.keys import STATE_VERSION

DELTA_MAX_ITEMS = 2000  # changed files and articles kept beside the base before it is rewritten
SPOOL_MAX_AGE = 86_400  # seconds after which a spool file no build took is taken as abandoned
# What reading a sound file of an unexpected shape raises (a version that kept other fields).
_UNREADABLE = (OSError, pickle.PickleError, EOFError, AttributeError, ValueError, ImportError, TypeError,
               KeyError, IndexError)

# What a build reads of every kept article: loading's checks (drafts, unique slugs, stale
# English, sources), sorting, planning the pages (tags, related terms), the sitemap, the feeds'
# keys, and the files made from its images, which every build publishes. An entry's fingerprint
# is kept too. Anything else waits in the article's pickle until a page shows it.
ARTICLE_INDEX = ("path", "slug", "date", "category", "draft", "title_en", "source_hash", "arabic_digest", "tags",
                 "source")
ENTRY_INDEX = ("day", "category_slug", "order", "image_paths", "terms")  # and its article, English and fingerprint
_ARTICLE_REST = tuple(f.name for f in fields(Article) if f.name not in (*ARTICLE_INDEX, "_lazy"))
_ENTRY_REST = tuple(f.name for f in fields(Entry)
                    if f.name not in (*ENTRY_INDEX, "article", "english", "_print", "_lazy"))


# Where an article's and its entry's pickle lie: (the file, offset, length, digest). An Article
# or Entry loaded from the index holds it in `_lazy` until its first use of a field the index
# does not hold fills it in (see digest.content.FilledOnUse and _PickleFile.fill).
SavedPair = tuple["_PickleFile", int, int, bytes]


class StateDamaged(Exception):
    """An article's saved pickle cannot be read back: the build drops the state and starts over."""

    def __init__(self, path: Path, why: str):
        super().__init__(f"{path.name}: {why}")
        self.path, self.why = path, why

    def __reduce__(self) -> tuple:  # raised in a render worker, it is pickled back to the build
        return StateDamaged, (self.path, self.why)


class _PicklesMissing(ValueError):
    """The articles' pickles that the index names are not there, or not whole."""

    def __init__(self, path: Path, why: str):
        super().__init__(why)
        self.path = path


class _PickleFile:
    """The articles' pickles, mapped into memory: an article reads its own when first used, in
    forked workers too. An article and its entry share one pickle, unpickled once: it is kept
    until the other half is taken too."""

    def __init__(self, path: Path, size: int):
        self.path = path
        try:
            with open(path, "rb") as handle:
                if os.fstat(handle.fileno()).st_size != size:
                    raise _PicklesMissing(path, "not the size the index says")
                self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        except OSError as exc:
            raise _PicklesMissing(path, exc.strerror or str(exc)) from None
        self._halves: dict[int, tuple[Article, Entry | None]] = {}  # by offset: unpickled, one half taken

    def fill(self, target: Article | Entry, saved: SavedPair) -> None:
        """Set every field of `target` not set yet (one set before the fill is newer than the
        saved one) from its saved pickle."""
        _, offset, length, digest = saved
        which, names = (1, _ENTRY_REST) if isinstance(target, Entry) else (0, _ARTICLE_REST)
        source = self.take(offset, length, digest, which)
        for name in names:
            try:
                object.__getattribute__(target, name)
            except AttributeError:
                setattr(target, name, getattr(source, name))
        target._lazy = None

    def raw(self, offset: int, length: int) -> bytes:
        return self._map[offset : offset + length]

    def take(self, offset: int, length: int, digest: bytes, which: int) -> Any:
        """Half `which` (0: the article, 1: the entry) of the pickled pair at `offset`, whose
        bytes must have the digest that the (verified) index holds for them."""
        pair = self._halves.pop(offset, None)
        if pair is None:
            blob = self.raw(offset, length)
            if len(blob) != length or cachefile.blob_digest(blob) != digest:
                raise StateDamaged(self.path, f"the article at byte {offset} does not match its checksum")
            try:
                pair = pickle.loads(blob)
                if not (isinstance(pair, tuple) and isinstance(pair[0], Article)):
                    raise TypeError(f"not an article: {type(pair).__name__}")
            except Exception as exc:  # sound bytes that this code cannot load
                why = f"the article at byte {offset} cannot be loaded: {type(exc).__name__}: {exc}"
                raise StateDamaged(self.path, why) from None
            if pair[1] is not None:
                self._halves[offset] = pair
        return pair[which]


class Spool:
    """Pickles of articles made before the state is saved (read workers send each article back
    as one), written as they come to the file that the next base will use: they are neither
    held in memory meanwhile nor made again. The file appears with the first pickle."""

    def __init__(self, folder: Path):
        self.generation = secrets.token_hex(8)
        self.path = folder / _spool_name(self.generation)
        self.size = 0
        # By path: what, where, and the digest of its pickle.
        self.records: dict[str, tuple[Article, Entry | None, int, int, bytes]] = {}
        self._out: BinaryIO | None = None

    def add(self, article: Article, entry: Entry | None, blob: bytes) -> None:
        if self._out is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._out = open(self.path, "wb")  # open until the save takes it, or a discard
            # Locked while this process lives: a spool file that can be locked was left by a
            # build that was killed (see ArticleStore.spool).
            fcntl.flock(self._out.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._out.write(blob)
        self.records[article.path] = (article, entry, self.size, len(blob), cachefile.blob_digest(blob))
        self.size += len(blob)

    def take(self) -> tuple[str, BinaryIO, int, dict] | None:
        """(generation, open file, size, records) for the base to complete; None if empty."""
        if self._out is None:
            return None
        taken = (self.generation, self._out, self.size, self.records)
        self._out, self.records = None, {}
        return taken

    def discard(self) -> None:
        if self._out is not None:
            out, self._out = self._out, None
            try:
                out.close()
            finally:
                self.path.unlink(missing_ok=True)
        self.records = {}


class ArticleStore:
    """Loads and saves the files' records {shown path: (stamp, article, problems)} and the
    prepared entries {path: (article, entry)} of one cache folder, with the build's settings."""

    def __init__(self, cache: Path, version: int = STATE_VERSION):
        self.folder = cache
        self.base_path = cache / "articles.pickle"
        self.delta_path = cache / "articles.delta.pickle"
        self.formats_path = cache / "formats.pickle"
        self.version = version
        self._generation = ""  # names the base a delta belongs to
        self._settings = ""
        self._deltas: list[dict[str, Any]] = []
        self._saved: tuple[dict, dict] = ({}, {})

    def load(self) -> tuple[dict[str, tuple], dict[str, tuple], str]:
        """(files, entries, settings) as last saved; empty when missing, old or unreadable
        (reported: see digest.cachefile)."""
        base = cachefile.read_pickle(self.base_path, "articles")
        if not isinstance(base, dict) or base.get("version") != self.version:
            return {}, {}, ""
        try:
            generation, settings = base["generation"], base["settings"]
            pickles = _PickleFile(self.folder / _pickles_name(generation), base["size"])
            files, entries = _records(base["index"], pickles)
        except _PicklesMissing as exc:
            cachefile.report(exc.path, f"cannot be used: {exc}")
            return {}, {}, ""
        except _UNREADABLE as exc:
            cachefile.report(self.base_path, f"cannot be loaded: {type(exc).__name__}: {exc}")
            return {}, {}, ""
        deltas: list[dict[str, Any]] = []
        delta = cachefile.read_pickle(self.delta_path, "articles-delta")
        # Without it (none, another base's, or damaged) the base alone is a consistent older
        # state: the files changed since have other stamps than it holds, and are read again.
        if isinstance(delta, dict) and delta.get("generation") == generation:
            try:
                deltas = delta["records"]
                for record in deltas:
                    _apply(files, record["files"], record["files_gone"])
                    _apply(entries, record["entries"], record["entries_gone"])
            except _UNREADABLE as exc:
                cachefile.report(self.delta_path, f"cannot be loaded: {type(exc).__name__}: {exc}")
                files, entries = _records(base["index"], pickles)
                deltas = []
        self._generation, self._settings, self._deltas = generation, settings, deltas
        self._saved = (dict(files), dict(entries))
        return files, entries, settings

    def spool(self) -> Spool:
        """A new spool, after removing those of builds that were killed (their lock is free)."""
        for old in self.folder.glob(_spool_name("*")):
            try:
                with open(old, "rb") as handle:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    old.unlink()
            except OSError:  # locked: a build that runs now; or gone meanwhile
                continue
        return Spool(self.folder)

    def drop(self) -> None:
        """Delete the saved articles (a damaged state): the next save writes a new base."""
        for path in (self.base_path, self.delta_path, *self.folder.glob(_pickles_name("*"))):
            path.unlink(missing_ok=True)
        self._generation, self._settings, self._deltas, self._saved = "", "", [], ({}, {})

    def save(self, files: dict[str, tuple], entries: dict[str, tuple], settings: str,
             spool: Spool | None = None) -> None:
        """Write what changed since the last load or save: as a delta when it is small. A new
        base takes the pickles in `spool` of the articles and entries it still holds."""
        old_files, old_entries = self._saved
        # A file's record and its prepared entry share the Article object: both go into the
        # same record whenever either changed, so that loading keeps them one object.
        changed = {k for k, v in files.items() if old_files.get(k) is not v}
        changed |= {k for k, v in entries.items() if old_entries.get(k) is not v}
        record = {
            "files": {k: files[k] for k in changed if k in files},
            "files_gone": [k for k in old_files if k not in files],
            "entries": {k: entries[k] for k in changed if k in entries},
            "entries_gone": [k for k in old_entries if k not in entries],
        }
        size = sum(len(r["files"]) + len(r["entries"]) for r in [*self._deltas, record])
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._generation and settings == self._settings and size <= DELTA_MAX_ITEMS:
            self._deltas.append(record)
            cachefile.write_pickle(self.delta_path, "articles-delta",
                                   {"generation": self._generation, "records": self._deltas})
        else:
            self._write_base(files, entries, settings, spool.take() if spool is not None else None)
        if spool is not None:
            spool.discard()
        self._saved = (dict(files), dict(entries))

    def _write_base(self, files: dict[str, tuple], entries: dict[str, tuple], settings: str,
                    spooled: tuple[str, BinaryIO, int, dict] | None) -> None:
        """The index and the pickles, under a new generation. An article that a worker pickled
        (see Spool) keeps that pickle, and one still unused since it was loaded keeps its own; every other
        article is pickled now. An entry whose article is not the file's (left by a build that
        failed) is not kept: the next build prepares it again."""
        if spooled is None:
            generation = secrets.token_hex(8)
            out, offset, made = open(self.folder / _spool_name(generation), "wb"), 0, {}
        else:
            generation, out, offset, made = spooled
        blobs_path = self.folder / _pickles_name(generation)
        index: dict[str, tuple] = {}
        try:
            with out:
                for shown, (stamp, article, problems) in files.items():
                    if article is None:
                        index[shown] = (stamp, problems, None)
                        continue
                    pair = entries.get(article.path)
                    entry = pair[1] if pair is not None and pair[0] is article else None
                    spool = made.get(article.path)
                    if spool is not None and spool[0] is article and spool[1] is entry:
                        index[shown] = (stamp, problems, _index_values(article, entry), *spool[2:])
                        continue
                    saved = article._lazy
                    if saved is not None and (entry is None or entry._lazy is saved):
                        # Not used since it was loaded: copied with the digest it was saved
                        # with (if these bytes were damaged meanwhile, unpickling them still
                        # finds out).
                        pickles, at, length, digest = saved
                        blob = pickles.raw(at, length)
                    else:
                        blob = pickle.dumps((article, entry), protocol=pickle.HIGHEST_PROTOCOL)
                        digest = cachefile.blob_digest(blob)
                    out.write(blob)
                    index[shown] = (stamp, problems, _index_values(article, entry), offset, len(blob), digest)
                    offset += len(blob)
        except BaseException:
            (self.folder / _spool_name(generation)).unlink(missing_ok=True)
            raise
        os.replace(self.folder / _spool_name(generation), blobs_path)
        cachefile.write_pickle(self.base_path, "articles", {"version": self.version, "generation": generation,
                                                            "settings": settings, "size": offset, "index": index})
        self.delta_path.unlink(missing_ok=True)
        cachefile.remove(old for old in self.folder.glob(_pickles_name("*")) if old != blobs_path)
        cachefile.remove(self.folder.glob(_spool_name("*")), older_than=SPOOL_MAX_AGE)  # left by killed builds
        self._generation, self._settings, self._deltas = generation, settings, []

    def load_formats(self, maker: str) -> dict:
        """Dates and numbers formatted by earlier builds with the same Babel (see digest.i18n)."""
        data = cachefile.read_pickle(self.formats_path, "formats")
        if isinstance(data, dict) and data.get("version") == self.version and data.get("maker") == maker \
                and isinstance(data.get("formats"), dict):
            return data["formats"]
        return {}

    def save_formats(self, maker: str, formats: dict) -> None:
        self.formats_path.parent.mkdir(parents=True, exist_ok=True)
        cachefile.write_pickle(self.formats_path, "formats",
                               {"version": self.version, "maker": maker, "formats": formats})


def _pickles_name(generation: str) -> str:
    return f"articles-{generation}.pickles"


def _spool_name(generation: str) -> str:
    return f"articles-{generation}.tmp"  # until the base that holds it is written


_article_index = operator.attrgetter(*ARTICLE_INDEX)
_entry_index = operator.attrgetter(*ENTRY_INDEX)


def _index_values(article: Article, entry: Entry | None) -> tuple:
    if entry is None:
        return _article_index(article), None
    english = None if entry.english == PENDING else entry.english
    return _article_index(article), (*_entry_index(entry), english, entry.fingerprint())


def _records(index: dict[str, tuple], pickles: _PickleFile) -> tuple[dict[str, tuple], dict[str, tuple]]:
    """The files' records and the entries, from the index: each article and entry with only the
    index's fields set, and the rest to be filled in from `pickles` on first use."""
    files: dict[str, tuple] = {}
    entries: dict[str, tuple] = {}
    new_article, new_entry = Article.__new__, Entry.__new__
    for shown, (stamp, problems, values, *place) in index.items():
        if values is None:
            files[shown] = (stamp, None, problems)
            continue
        article_values, entry_values = values
        saved = (pickles, *place)
        article = new_article(Article)
        # As ARTICLE_INDEX and ENTRY_INDEX, in their order; plain assignments are several times
        # faster than setattr(), and this loop runs for every article.
        (article.path, article.slug, article.date, article.category, article.draft, article.title_en,
         article.source_hash, article.arabic_digest, article.tags, article.source) = article_values
        article._lazy = saved
        files[shown] = (stamp, article, problems)
        if entry_values is not None:
            entry = new_entry(Entry)
            (entry.day, entry.category_slug, entry.order, entry.image_paths, entry.terms, english,
             fingerprint) = entry_values
            entry.article, entry.english = article, english or PENDING
            entry._print, entry._lazy = (entry.english, fingerprint), saved
            entries[article.path] = (article, entry)
    return files, entries


def _apply(target: dict, changed: dict, gone: list) -> None:
    target.update(changed)
    for key in gone:
        target.pop(key, None)




"""The build's search step: bring the shards up to date, then stage them and the search pages.

Shard bundles live in the cache folder (search/<shard>/, each with the key it was made for) and
are hard-linked into the staging folder, so they are published with the rest of the site, or
not at all. A build re-indexes only the shards whose key changed (see digest.search.shards).
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from digest.problems import ContentError, Problem
from digest.search import indexer
from digest.search.normalise import FOLDS
from digest.search.shards import LANGS, Shard, document, shards_of

if TYPE_CHECKING:
    from digest.config import Config
    from digest.output import SiteWriter
    from digest.pages import Plan
    from digest.render import Renderer

SITE_FOLDER = "pagefind"  # the shards' folder in the site
CACHE_FOLDER = "search"  # and in the cache folder


def publish_search(writer: SiteWriter, renderer: Renderer, plan: Plan, config: Config, cache: Path,
                   jobs: int) -> list[str]:
    """Index what changed, stage every shard and both search pages; returns their paths in the
    site. Raises ContentError (one line) when Pagefind fails: the live site stays as it was."""
    if not config.search:
        return []
    from digest.pages import Page, other

    root = cache / CACHE_FOLDER
    shards = shards_of(plan.entries)
    try:
        update_shards(shards, root, config, jobs or os.cpu_count() or 1)
    except indexer.SearchIndexError as exc:
        raise ContentError([Problem(str(root), 1, str(exc))]) from None
    paths = [path for shard in shards for path in _stage(writer, root / shard.name, f"{SITE_FOLDER}/{shard.name}")]
    href = renderer.env.filters["href"]
    for lang in LANGS:
        page = Page(f"/{lang}/search/", "search.html", lang)
        mine = [s for s in shards if s.lang == lang]
        html = renderer.render_template(
            "search.html", lang, page=page, nav=plan.nav[lang], alternate=f"/{other(lang)}/search/",
            paired=True, x_default="/ar/search/", listed=False, sections=_sections(mine, config, lang),
            years=_years(mine, config, lang), folds=FOLDS,
            shards=[[href(f"/{SITE_FOLDER}/{s.name}/"), str(s.year), s.section] for s in mine])
        writer.write(page.output_path, html.encode())
        paths.append(page.output_path)
    return paths


def update_shards(shards: list[Shard], root: Path, config: Config, workers: int) -> list[str]:
    """Index again the shards whose key changed and remove those no longer needed; returns the
    names of the shards indexed. Builds sharing the cache folder (the preview's and the site's)
    take turns."""
    root.mkdir(parents=True, exist_ok=True)
    settings = settings_key(config)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        keys = {shard.name: shard.key(settings) for shard in shards}
        stale = [s for s in shards if indexer.read_key(root / s.name) != keys[s.name]]
        stale.sort(key=lambda s: len(s.entries), reverse=True)  # the longest runs start first
        indexer.index_all(((s.name, keys[s.name], functools.partial(_write_documents, s, config)) for s in stale),
                          root, workers)
        for folder in root.iterdir():
            if folder.is_dir() and not folder.name.startswith(".") and folder.name not in keys:
                shutil.rmtree(folder, ignore_errors=True)
    return [s.name for s in stale]


def settings_key(config: Config) -> str:
    """What every shard depends on besides its articles: this package's code, Pagefind itself,
    and the section names that results show."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    program = indexer.executable()
    try:
        st = program.stat()
    except OSError as exc:
        raise indexer.SearchIndexError(f"cannot run Pagefind ({program}): {exc.strerror or exc}") from None
    digest.update(repr((str(program), st.st_size, st.st_mtime_ns, sorted(config.categories.items()))).encode())
    return digest.hexdigest()


def _years(shards: list[Shard], config: Config, lang: str) -> list[tuple[str, str]]:
    """(value, label) of each year with articles, newest first; a year is written without grouping."""
    digits = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩") if lang == "ar" and config.digits == "arab" else {}
    return [(str(y), str(y).translate(digits)) for y in sorted({s.year for s in shards}, reverse=True)]


def _sections(shards: list[Shard], config: Config, lang: str) -> list[tuple[str, str]]:
    """(value, name) of each section with articles, in the settings' order."""
    present = {s.category: s.section for s in shards if s.section}
    order = [key for key in config.categories if key in present] + sorted(set(present) - set(config.categories))
    return [(present[key], config.category_name(key, lang)) for key in order]


def _write_documents(shard: Shard, config: Config, site: Path) -> None:
    """One file per article, all in one folder: /ar/<slug>.html stands for /ar/<slug>/ (the
    search page puts the slash back), which spares a folder per article."""
    folder = site / shard.lang
    folder.mkdir()
    for entry in shard.entries:
        with open(folder / f"{entry.slug}.html", "w", encoding="utf-8") as handle:
            handle.write(document(entry, shard.lang, config))


def _stage(writer: SiteWriter, bundle: Path, prefix: str) -> list[str]:
    """Hard-link a bundle's files into the staging folder (copy them across file systems)."""
    staged = []
    for dirpath, dirnames, filenames in os.walk(bundle):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, bundle)
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            rel = f"{prefix}/{name}" if rel_dir == "." else f"{prefix}/{rel_dir}/{name}"
            target = writer.parent_of(rel)
            source = os.path.join(dirpath, name)
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
            staged.append(rel)
    return staged

"""Every key that decides what a build makes again, in one place.

A key is a hash of everything a product depends on; equal keys mean the product kept from an
earlier build is still right. From the widest to the narrowest:

When X changes → what is made again (the key that notices):

- the project's code, STATE_VERSION, or a library whose output is kept (markdown-it, nh3,
  PyYAML, Jinja2, MarkupSafe) → every article read and prepared, every page rendered (`code_key`)
- site.yaml → every article prepared again (`prepared_key`)
- a template, `--base-url` or the default image → every page rendered again (`pages_key`)
- any of those, the theme, static/, the installed models, drafts/strict, or a content file's
  name or stamp (a bundle's: with its images') → the build runs; when none changed it stops
  after the scan (`site_fingerprint`)
- a content file's mtime, size or inode → that file is read again (`stamp`)
- anything an article's pages show → its two pages rendered again (`Entry.fingerprint`, in
  digest.entries)
- a list's members, the categories or the language pairing → that page rendered again (the
  page keys, in digest.pages)
- what a feed, the sitemap, robots.txt, the 404 or the root page shows → that file made again
  (`static_key`)
- an article's fingerprint, its shard's settings, or the search code or program → its search
  shard (language, month, section) indexed again (digest.search.shards keeps each shard's key)
- an image's bytes, the images settings or Pillow's version → that image processed again
  (digest.images names processed files by them)
- the model's code, version or files, a decoding setting, the device, or the CTranslate2,
  SentencePiece or argostranslate version → its sentences translated again (`translation_key`;
  digest.tcache keeps translations by it)

The manifest (digest.incremental.manifest) keeps the last build's keys; the article store
(digest.incremental.store) keeps prepared articles under their prepared_key.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from digest.config import TranslationConfig
    from digest.models import Model

MODEL_MEMO = "model-fingerprints.json"  # in the cache folder: see Model.fingerprint
# The version of the saved articles' format (digest.incremental.store): a new one reads again.
STATE_VERSION = 7
# The libraries whose output the saved articles and pages hold: Markdown, the HTML sanitizer,
# YAML, templates, escaping, and Pagefind's program, which writes the search shards. (Babel's
# formatted dates are kept apart: see i18n.babel_stamp.)
OUTPUT_LIBRARIES = ("markdown_it", "mdit_py_plugins", "nh3", "yaml", "jinja2", "markupsafe", "pagefind_bin")
CODE = Path(__file__).resolve().parent.parent  # the digest package


def stamp(path: str | Path) -> tuple[int, int, int]:
    """What tells a changed file from an unchanged one without reading it (as make and Hugo do)."""
    return stamp_of(os.stat(path))


def stamp_of(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _hash(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


@functools.lru_cache(maxsize=1)
def code_key() -> str:
    """The project's own code and the libraries that shape its output: an upgrade (a better
    summarizer, a fixed renderer, a sanitizer's security fix) rebuilds everything. A library is
    known by its package file's stamp, which any reinstall changes, so no package metadata is
    read."""
    digest = hashlib.blake2b(repr(STATE_VERSION).encode(), digest_size=16)
    for path in sorted(CODE.rglob("*.py")):
        digest.update(str(path.relative_to(CODE)).encode() + path.read_bytes())
    for name in OUTPUT_LIBRARIES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        try:
            where = (origin, stamp(origin)) if origin else None
        except OSError:
            where = (origin, None)
        digest.update(repr((name, where)).encode())
    return digest.hexdigest()


def prepared_key(config: Path) -> str:
    """What a prepared article depends on besides its own file: the settings file and the code."""
    digest = hashlib.blake2b(code_key().encode(), digest_size=16)
    if config.exists():
        digest.update(config.read_bytes())
    return digest.hexdigest()


def templates_key(templates: Path) -> str:
    """Changes when any template (or the messages they show) changes."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(templates.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(templates)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def pages_key(prepared: str, base_url: str | None, templates: Path, site_image: str) -> str:
    """What every page depends on besides its own content: the prepared articles' settings,
    a base URL given on the command line, the templates and the site's default image (its
    path and size: see digest.static.key)."""
    return _hash(prepared, base_url) + templates_key(templates) + site_image


def site_fingerprint(pages: str, theme: Path, drafts: bool, strict: bool, content: Path,
                     files: Iterable[tuple[str, tuple | None]], models: object, static: object) -> str:
    """Equal fingerprints mean an identical site: the same pages_key, theme, models, options and
    static/ files (their stamps), and the same content files with the same stamps (None: the
    file cannot be read)."""
    theme_files = sorted((str(p), stamp(p)) for p in theme.rglob("*") if p.is_file()) if theme.is_dir() else []
    digest = hashlib.blake2b(_hash(pages, drafts, theme_files, models, str(content.resolve()), strict,
                                   static).encode(), digest_size=16)
    names, stamps = [], []
    for path, st in files:
        names.append(path)
        stamps.append(st or (0, 0, 0))  # no real file has inode 0
    digest.update("\0".join(names).encode("utf-8", "surrogatepass"))
    # The stamps as machine integers: formatting them as text would cost more than the scan.
    for column, kind in ((0, "q"), (1, "q"), (2, "Q")):  # mtime (may precede 1970), size, inode
        digest.update(array(kind, [st[column] for st in stamps]).tobytes())
    return digest.hexdigest()


def translation_key(model: Model, config: TranslationConfig, memo: Path | None = None, keep: bool = True) -> str:
    """What a translation is cached and published under: the package's identity and every
    setting that changes its output. `memo`: where the package's file hash is kept (see
    Model.fingerprint)."""
    from digest import translate

    parts = (model.code or model.name, model.version, model.fingerprint(memo, keep), config.beam_size,
             config.max_output_ratio, translate.LENGTH_STEP, translate.LENGTH_EXTRA, config.compute_type,
             translate.resolved_device(model, config), translate.library_versions(), translate.DECODER_VERSION)
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def static_key(pages: str, *shown: object) -> str:
    """A site file besides the pages (a feed, the sitemap): pages_key and what it shows."""
    return pages + (_hash(*shown) if shown else "")

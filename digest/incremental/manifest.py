"""The manifest: what the last build published into one output folder, and under which keys.

A build reads it first: an unchanged site fingerprint ends the build there (a no-op), and
otherwise its page keys tell which pages to render again (see digest.pages.SiteKeys) and its
static keys which feeds and site files to make again. It is written only after the site is in
place, and removed while a build patches the live folder, so it never describes a site that is
not there.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import NamedTuple

from digest import cachefile
from digest.problems import Problem

VERSION = 10
MAX_AGE = 30 * 86_400  # seconds after which a manifest not written again is removed


class Manifest(NamedTuple):
    output: str  # the output folder's resolved path, and its inode: a folder put in its place is another site
    inode: int
    fingerprint: str  # see keys.site_fingerprint
    pages_key: str  # see keys.pages_key
    articles: int
    pages: int
    # The page keys as a digest.pages.SiteKeys' plain values, so that a no-op build, which
    # reads only this, need not import digest.pages.
    page_keys: tuple
    layout_key: str  # see digest.pages.site_shape
    related: object  # the related lists and what they were made from: see digest.pages.PlanMemo
    static: list[str]  # the site's files besides the pages
    static_keys: dict[str, str]
    notes: list[str]
    warnings: list[Problem]
    held: int = 0  # machine fields held back by the quality gate
    untranslated: int = 0  # texts the preview left to translate in the background


def manifest_path(cache: Path, output: Path) -> Path:
    """One manifest per output folder: the preview's and the published site's (which share the
    cache folder) each keep their own, so neither turns the other's next build into a full one."""
    name = hashlib.blake2b(os.fsencode(output.resolve()), digest_size=8).hexdigest()
    return cache / f"manifest-{name}.pickle"


def read(path: Path, output: Path) -> Manifest | None:
    """The manifest of the site now in `output`; None when there is none, or it describes
    another folder, or is damaged (reported: see digest.cachefile)."""
    data = cachefile.read_pickle(path, "manifest")
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return None
    try:
        manifest = Manifest(**data["manifest"])
    except (KeyError, TypeError):
        return None
    if manifest.output != str(output.resolve()):
        return None
    try:
        if os.stat(output).st_ino != manifest.inode:
            return None
    except OSError:
        return None
    return manifest


def write(path: Path, manifest: Manifest) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cachefile.write_pickle(path, "manifest", {"version": VERSION, "manifest": manifest._asdict()})
    tidy(path.parent)


def tidy(cache: Path) -> None:
    """Remove the manifests of output folders not built for a month (a folder since deleted or
    renamed; the next build of one still in use is then a full one)."""
    cachefile.remove(cache.glob("manifest-*.pickle"), older_than=MAX_AGE)

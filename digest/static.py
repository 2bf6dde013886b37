"""The `static/` folder beside site.yaml, copied to the site's root as it is (a logo, a
publisher's image, downloads), and the site-wide default image that may live in it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from digest.problems import ContentError, Problem

FOLDER = "static"
# What the build itself writes at the root: a static file may not take its place.
RESERVED_TOP = ("ar", "en", "theme", "images", "index.html", "404.html", "sitemap.xml", "robots.txt")


def files(root: Path) -> list[tuple[str, Path]]:
    """(path in the site, file) of every file of static/, hidden ones left out."""
    folder = root / FOLDER
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                full = Path(dirpath, name)
                found.append((full.relative_to(folder).as_posix(), full))
    return found


def stamps(root: Path) -> list[tuple[str, tuple[int, int, int]]]:
    """What tells a changed static/ from an unchanged one: each file's name and stamp."""
    from digest.incremental.keys import stamp

    return [(rel, stamp(full)) for rel, full in files(root)]


def copy(writer, root: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """Copy static/ into the staging folder; returns the paths written. A file where the build
    writes its own (a page, a feed, the theme) is an error, before anything is published."""
    found = files(root)
    clashes = [Problem(str(full), 1, f"static file /{rel} would replace a file the build writes; rename it")
               for rel, full in found if rel.split("/", 1)[0] in RESERVED_TOP]
    if clashes:
        raise ContentError(clashes)
    for rel, full in found:
        shutil.copyfile(full, writer.parent_of(rel))
    return [rel for rel, _ in found]


def default_image(config, root: Path) -> tuple[str, int, int] | None:  # type: ignore[no-untyped-def]
    """The site's default image (`image` in site.yaml) as (path, width, height) when it is a file
    of static/ or theme/ that Pillow can size (its header only), else None."""
    if not config.image:
        return None
    try:
        from PIL import Image

        with Image.open(_default_file(config, root)) as image:
            return config.image, image.size[0], image.size[1]
    except Exception:  # missing or unreadable: see problems()
        return None


def problems(config, root: Path, config_path: Path) -> list[Problem]:  # type: ignore[no-untyped-def]
    """A default image that is not there, or not an image."""
    if config.image and default_image(config, root) is None:
        from digest.config import key_lines

        return [Problem(str(config_path), key_lines(config_path).get("image", 1),
                        f"image {config.image} is not an image file of static/ (or theme/)")]
    return []


def key(config, root: Path) -> str:  # type: ignore[no-untyped-def]
    """Changes when what pages show of the default image (its path and size) may have: its path
    and its file's stamp. Every build asks, a no-op too, so the file is not opened here."""
    if not config.image:
        return ""
    from digest.incremental.keys import stamp

    try:
        return repr((config.image, stamp(_default_file(config, root))))
    except OSError:
        return repr((config.image, None))


def _default_file(config, root: Path) -> Path:  # type: ignore[no-untyped-def]
    rel = config.image.lstrip("/")
    return root / (rel if rel.startswith("theme/") else f"{FOLDER}/{rel}")

"""Where a build may publish: the output folder, checked before anything is touched.

A build replaces everything in its output folder, so that folder must not be, hold or lie
inside the site's own sources, and must be one this project made: a marker file says so. A
mount point cannot be replaced by a rename, so the site is moved into it file by file; so is it
into a symbolic link's target, which the build never moves aside (someone else made it, and its
folder may not be writable), and the build's work files lie beside the link.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

MARKER = ".digest-site"
MARKER_TEXT = (b"This folder is the output of the bilingual digest's build (build.py):\n"
               b"every build replaces what is in it.\n")

# What a build writes at the top of its output folder. A folder without the marker that holds
# nothing else was built before the marker existed, and is taken as this project's.
BUILT_NAMES = frozenset({"index.html", "404.html", "robots.txt", "sitemap.xml", "ar", "en", "theme", "pagefind",
                        MARKER})


class OutputRefused(Exception):
    """The output folder is not one a build may write; the message says why in one line."""


@dataclass(frozen=True)
class Place:
    """Where a build publishes."""

    output: Path  # the folder written: a symbolic link's target, else the output as given
    work: Path  # the path whose folder holds the lock, staging folder and journal, named after it
    in_place: bool  # a mount point or a link's target: never swapped, files move in one by one


def check_output(output: Path, sources: Mapping[str, Path], holders: Mapping[str, Path], force: bool = False,
                 built_before: Callable[[Path], bool] = lambda real: False) -> Place:
    """Where a build into `output` publishes, or OutputRefused.

    `sources`: folders (by what a message calls them) that the output may not be, hold or lie inside;
    `holders`: folders that it may lie inside, but may not be or hold. `force` allows replacing a
    non-empty folder without the marker; `built_before(real)` says whether the build manifest
    knows the folder as this project's.
    """
    shown = str(output)
    try:
        real = Path(os.path.realpath(output, strict=False))
    except OSError as exc:  # a loop of symbolic links
        raise OutputRefused(f"cannot use the output folder {shown}: {exc.strerror or exc}") from None
    _check_overlap(shown, real, holders, inside_too=False)  # first: `--output .` is the project folder
    _check_overlap(shown, real, sources, inside_too=True)
    linked = os.path.islink(output)
    if real == Path(os.path.abspath(output)):
        real = output  # no link on the way: messages name the folder as it was given
    work = output if linked else real  # a link in a parent folder's path: beside the real folder
    try:
        st = os.stat(real)
    except (FileNotFoundError, NotADirectoryError):
        # Made by the build (a dangling link: its target); a file in the way of its parent
        # folder fails there, named in one line.
        return Place(real, work, in_place=linked)
    except OSError as exc:
        raise OutputRefused(f"cannot use the output folder {shown}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(st.st_mode):
        leads = f" (a link to {real})" if os.path.islink(output) else ""
        raise OutputRefused(f"the output {shown}{leads} is a file, not a folder: move it away or choose "
                            "another --output")
    if not force and not os.path.isfile(real / MARKER):
        _check_ours(shown, real, built_before)
    return Place(real, work, in_place=linked or is_mount_point(real))


def _check_overlap(shown: str, real: Path, folders: Mapping[str, Path], inside_too: bool) -> None:
    for label, folder in folders.items():
        other = Path(os.path.realpath(folder))
        if real == other:
            relation = "is"
        elif other.is_relative_to(real):
            relation = "contains"
        elif inside_too and real.is_relative_to(other):
            relation = "lies inside"
        else:
            continue
        why = ("a build would read its own pages as sources" if relation == "lies inside"
               else "every build replaces what is in its output folder")
        raise OutputRefused(f"the output folder {shown} {relation} {label}; {why}: choose another --output")


def shown_path(path: Path) -> str:
    """A folder as a message names it: relative to the working folder when inside it."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return absolute if relative.startswith("..") else relative


def _check_ours(shown: str, real: Path, built_before: Callable[[Path], bool]) -> None:
    """Refuse a non-empty folder this project did not build: a build would delete what is in it."""
    try:
        names = set(os.listdir(real))
    except OSError as exc:
        raise OutputRefused(f"cannot use the output folder {shown}: {exc.strerror or exc}") from None
    if not names:
        return
    unknown = sorted(names - BUILT_NAMES)
    looks_built = {"index.html", "ar", "en"} <= names and all((real / n).is_dir() for n in ("ar", "en"))
    if not unknown and (looks_built or built_before(real)):
        return  # built by a version before the marker: the build adds it
    held = f" (it holds {', '.join(unknown[:3])}{', ...' if len(unknown) > 3 else ''})" if unknown else ""
    raise OutputRefused(f"the output folder {shown} is not empty and was not made by this project's build{held}; "
                        f"a build replaces what is in it: choose an empty or new folder, or pass --force "
                        f"to replace it (it gets a {MARKER} file)")


def is_mount_point(path: Path) -> bool:
    """Whether `path` is a mount point, a bind mount within one file system included (which
    os.path.ismount does not see: same device as its parent)."""
    if os.path.ismount(path):
        return True
    try:
        with open("/proc/self/mountinfo", "rb") as handle:
            table = handle.read()
    except OSError:
        return False
    target = os.fsencode(os.path.abspath(path))
    for line in table.splitlines():
        fields = line.split(b" ")
        # The fifth field is the mount point, with space, tab, newline and backslash escaped as \ooo.
        if len(fields) > 4 and re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m[1], 8)]), fields[4]) == target:
            return True
    return False

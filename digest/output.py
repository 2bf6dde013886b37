"""Writer: build into a staging folder beside the output, then put it in place.

A build that changes most pages swaps the whole staged site in with one atomic rename. A build
that changes a few pages stages only those and moves each into the live site with its own
atomic rename (a "patch"), listed first in a journal: a killed build is finished by the next
one. Either way a failed build leaves the previous site as it was, readers never see a half
written file, and a lock keeps two builds from writing the same output at once. Every build
into a mount point or a symbolic link's target is a patch (see digest.placement).
"""

from __future__ import annotations

import errno
import fcntl
import filecmp
import json
import os
import shutil
from pathlib import Path

JOURNAL = ".digest-patch.json"

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class OutputBusy(Exception):
    """Another build holds the output folder."""


class OutputLock:
    """An exclusive, non-blocking lock on the output folder (a file beside it)."""

    def __init__(self, output: Path):
        self.path = output.parent / f".{output.name}.lock"
        self.fd: int | None = None

    def __enter__(self) -> OutputLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise OutputBusy(f"another build (pid {holder}) is writing {self.path.parent / self.path.name[1:-5]}; "
                             "try again when it has finished") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def staging_dir(output: Path) -> Path:
    return output.parent / f".{output.name}.staging"


def retired_dir(output: Path) -> Path:
    return output.parent / f".{output.name}.old"


def patch_dir(output: Path) -> Path:
    return output.parent / f".{output.name}.patch"


def recover(output: Path, live: Path | None = None) -> None:
    """Undo or finish what a killed build left behind (call while holding the lock). `live`:
    where the site is published when not at `output` itself, beside which the work is done (a
    symbolic link's target)."""
    old, staging, patch = retired_dir(output), staging_dir(output), patch_dir(output)
    if not output.exists() and old.exists():
        os.rename(old, output)  # killed between the two renames of the fallback swap
    if patch.exists():  # killed while applying a committed patch: finish it
        apply_patch(patch, live or output)
    for leftover in (staging, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    for doomed in output.parent.glob(f".{output.name}.old.*"):  # a background removal cut short
        _rm_detached(doomed)


def clean_leftovers(output: Path, live: Path | None = None) -> None:
    """At the start of a build, before it reads anything: remove (or finish) what a failed or
    killed build left beside the output, a staging folder the size of the whole site among them,
    instead of keeping it until a build gets as far as writing. Nothing is touched while another
    build holds the lock: what lies beside the output is then its work."""
    if not any(p.exists() for p in (staging_dir(output), retired_dir(output), patch_dir(output))):
        return
    try:
        with OutputLock(output):
            recover(output, live)
    except OutputBusy:
        pass


def discard(staging: Path) -> None:
    """Remove a failed build's staging folder (gone already once a patch is committed)."""
    shutil.rmtree(staging, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); False where unsupported."""
    import ctypes  # only a whole-site swap needs it: a small build's patch does not

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def swap_in(staging: Path, output: Path, background_cleanup: bool = False) -> None:
    """Make `staging` the output; the previous output is removed afterwards."""
    old = retired_dir(output)
    if not output.exists():
        os.rename(staging, output)
        return
    if _exchange(staging, output):
        os.rename(staging, old)
    else:
        os.rename(output, old)
        os.rename(staging, output)
    remove_tree(old, background_cleanup)


def commit_patch(staging: Path, output: Path, files: list[str], removed: list[str],
                 live: Path | None = None) -> None:
    """Put the staged `files` into the live `output` (or `live`, see recover) and delete
    `removed` from it.

    The journal is written first and the staging folder renamed (the commit point); from then
    on recover() finishes the work if this process dies.
    """
    (staging / JOURNAL).write_text(json.dumps({"files": files, "removed": removed}), encoding="utf-8")
    patch = patch_dir(output)
    os.rename(staging, patch)
    apply_patch(patch, live or output)


def apply_patch(patch: Path, output: Path) -> None:
    """Move each file of a committed patch into place (one atomic rename each), then delete the
    pages that are gone; safe to run again after an interruption."""
    try:
        journal = json.loads((patch / JOURNAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # killed while removing a finished patch
        shutil.rmtree(patch, ignore_errors=True)
        return
    made: set[str] = set()
    for relpath in journal["files"]:
        source = os.path.join(patch, relpath)
        if not os.path.exists(source):  # moved before the interruption
            continue
        target = os.path.join(output, relpath)
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        _move(source, target)
    for relpath in journal["removed"]:
        remove_file(output, relpath)
    shutil.rmtree(patch)


def _move(source: str, target: str) -> None:
    """Rename a staged file over the live one; into another file system than the staging
    folder's (a mount point, a symbolic link's target) copy it to a temporary name beside the
    live one and rename that, so readers still see the old file or the new one, never a part."""
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        head, name = os.path.split(target)
        tmp = os.path.join(head, f".{name}.digest-new")  # one name per file: a rerun overwrites it
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
        os.unlink(source)


def same_file(a: Path, b: Path, relpath: str) -> bool:
    """Whether `relpath` has the same bytes under both folders: a theme file copied again, or a
    feed made again with the same bytes, need not replace the live one (and a file linked in
    from the live site is the live one)."""
    try:
        if os.path.samefile(os.path.join(a, relpath), os.path.join(b, relpath)):  # linked in
            return True
        return filecmp.cmp(os.path.join(a, relpath), os.path.join(b, relpath), shallow=False)
    except OSError:
        return False


def remove_file(root: Path, relpath: str) -> None:
    """Delete a file of the site and the folders it leaves empty."""
    path = Path(root, relpath)
    path.unlink(missing_ok=True)
    for parent in path.parents:
        if parent == root or not parent.is_relative_to(root):
            break
        try:
            parent.rmdir()
        except OSError:
            break


def remove_tree(path: Path, background: bool = False) -> None:
    """Delete a folder; in the background for big old sites, so the build need not wait."""
    if background:
        doomed = path.with_name(f"{path.name}.{os.getpid()}.{id(path)}")
        os.rename(path, doomed)
        _rm_detached(doomed)
    else:
        shutil.rmtree(path)


def _rm_detached(path: Path) -> None:
    """`rm -rf` in its own session with no inherited pipes, so nobody reading the build's output
    waits for it; running it twice on the same folder is harmless."""
    import subprocess  # rarely needed: imported here, not by every build

    subprocess.Popen(["rm", "-rf", "--", str(path)], start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class SiteWriter:
    """Writes files into the staging folder, creating each directory once."""

    def __init__(self, root: Path):
        self.root = root
        self._dirs: set[str] = set()
        root.mkdir(parents=True)

    def parent_of(self, relpath: str) -> str:
        """The file's path on disk, its folder created on first use."""
        parent, _, _ = relpath.rpartition("/")
        if parent and parent not in self._dirs:
            grand = parent.rpartition("/")[0]
            path = f"{self.root}/{parent}"
            if not grand or grand in self._dirs:  # one mkdir: the common case, ten thousand times a build
                try:
                    os.mkdir(path)
                except FileExistsError:
                    pass
            else:
                os.makedirs(path, exist_ok=True)
                self._dirs.add(grand)  # made too: its other children are then one mkdir each
            self._dirs.add(parent)
        return self._path(relpath)

    def _path(self, relpath: str) -> str:
        return f"{self.root}/{relpath}"

    def write(self, relpath: str, data: bytes, folder_made: bool = False) -> None:
        """`folder_made`: the file's folder was made beforehand (by a process this one was forked
        from, say), so no mkdir is tried."""
        with open(self._path(relpath) if folder_made else self.parent_of(relpath), "wb") as handle:
            handle.write(data)

    def link_from(self, previous: Path, relpath: str) -> bool:
        """Reuse an unchanged file of the previous site by hard link; False if it is gone."""
        try:
            os.link(os.path.join(previous, relpath), self.parent_of(relpath))
            return True
        except OSError:
            return False

    def copy_tree(self, source: Path, prefix: str) -> list[str]:
        """Copy static files (the theme) into the site; returns their paths in the site."""
        copied = []
        for dirpath, dirnames, filenames in os.walk(source):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                src = os.path.join(dirpath, name)
                rel = os.path.join(prefix, os.path.relpath(src, source))
                shutil.copyfile(src, self.parent_of(rel))
                copied.append(rel)
        return copied

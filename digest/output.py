"""Writer: build into a staging folder beside the output, then swap it in atomically.

Readers and static hosts only ever see a complete site: a failed or killed build leaves the
previous one in place, and a lock keeps two builds from writing the same output at once.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import subprocess
from pathlib import Path

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


def recover(output: Path) -> None:
    """Undo what a killed build left behind (call while holding the lock)."""
    old, staging = retired_dir(output), staging_dir(output)
    if not output.exists() and old.exists():
        os.rename(old, output)  # killed between the two renames of the fallback swap
    for leftover in (staging, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    for doomed in output.parent.glob(f".{output.name}.old.*"):  # a background removal cut short
        _rm_detached(doomed)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); False where unsupported."""
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
    subprocess.Popen(["rm", "-rf", "--", str(path)], start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class SiteWriter:
    """Writes files into the staging folder, creating each directory once."""

    def __init__(self, root: Path, in_place: bool = False):
        self.root = root
        self.in_place = in_place
        self._dirs: set[str] = set()
        root.mkdir(parents=True, exist_ok=in_place)

    def parent_of(self, relpath: str) -> str:
        """The file's path on disk, its folder created on first use."""
        parent = os.path.dirname(relpath)
        if parent and parent not in self._dirs:
            os.makedirs(os.path.join(self.root, parent), exist_ok=True)
            self._dirs.add(parent)
        return os.path.join(self.root, relpath)

    def write(self, relpath: str, data: bytes) -> None:
        target = self.parent_of(relpath)
        if self.in_place:  # a reader of the live folder sees the old file or the new, never half
            tmp = f"{target}.{os.getpid()}.tmp"
            with open(tmp, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        else:
            with open(target, "wb") as handle:
                handle.write(data)

    def remove(self, relpath: str) -> None:
        """Delete a page that no longer exists (in-place updates only), and its empty folders."""
        path = Path(self.root, relpath)
        path.unlink(missing_ok=True)
        for parent in path.parents:
            if parent == self.root or not parent.is_relative_to(self.root):
                break
            try:
                parent.rmdir()
            except OSError:
                break

    def link_from(self, previous: Path, relpath: str) -> bool:
        """Reuse an unchanged file of the previous site by hard link; False if it is gone."""
        try:
            os.link(os.path.join(previous, relpath), self.parent_of(relpath))
            return True
        except OSError:
            return False

    def copy_tree(self, source: Path, prefix: str) -> int:
        """Copy static files (the theme) into the site; returns how many."""
        count = 0
        for dirpath, dirnames, filenames in os.walk(source):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                src = os.path.join(dirpath, name)
                rel = os.path.join(prefix, os.path.relpath(src, source))
                if self.in_place:
                    with open(src, "rb") as handle:
                        self.write(rel, handle.read())
                else:
                    shutil.copyfile(src, self.parent_of(rel))
                count += 1
        return count

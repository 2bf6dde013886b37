"""Run Pagefind's command-line program over shards, several at once, into the cache folder.

Pagefind reads a folder of HTML pages and writes a search bundle; it cannot update a bundle, so
a shard whose key changed is indexed again whole, from documents written for it (see
digest.search.shards). Each bundle is made beside the kept ones and renamed into place, so the
cache never holds half a bundle, and a failed run leaves the shard's previous bundle.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

KEY_FILE = ".key"
# What Pagefind writes that the site does not serve: its ready-made interfaces (the search
# page has its own), and the index for pages without a language (every document has one).
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js",
          "wasm.unknown.pagefind")


class SearchIndexError(Exception):
    """Pagefind failed on a shard: the message is one line saying which and why."""


def executable() -> Path:
    """Pagefind's program, as the pagefind[bin] package installs it."""
    try:
        import pagefind_bin
    except ImportError:
        raise SearchIndexError("Pagefind is not installed: pip install 'pagefind[bin]' (or search: false)") from None
    try:
        return pagefind_bin.get_executable()
    except FileNotFoundError as exc:
        raise SearchIndexError(f"Pagefind's program is missing: {exc}") from None


def read_key(bundle: Path) -> str:
    try:
        return (bundle / KEY_FILE).read_text(encoding="ascii")
    except (OSError, ValueError):
        return ""


def index_all(jobs: Iterable[tuple[str, str, Callable[[Path], None]]], root: Path, workers: int) -> None:
    """For each (name, key, write_documents): write the shard's documents into a fresh folder
    (in this thread: they may read saved articles), then run Pagefind on it in a pool thread
    while the next shard's documents are written; each bundle lands at root/name with its key.
    Raises SearchIndexError for the first shard that failed, after every run has ended."""
    program = executable()
    work = root / f".work-{os.getpid()}"
    scratch = _scratch(root)
    _tidy(root, scratch)
    work.mkdir(parents=True)
    documents = Path(tempfile.mkdtemp(prefix=f"digest-search-{os.getpid()}-", dir=scratch))
    failures: list[str] = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            running: list[Future[str | None]] = []
            for name, key, write_documents in jobs:
                site = documents / name
                site.mkdir()
                write_documents(site)
                running.append(pool.submit(_index_one, program, site, work / name, root / name, key))
            failures = [f for f in (r.result() for r in running) if f]
    finally:
        shutil.rmtree(documents, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        raise SearchIndexError(failures[0] + (f" (and {len(failures) - 1} more shards)" if len(failures) > 1 else ""))


def _tidy(root: Path, scratch: Path) -> None:
    """Remove what a killed build left: its work folders in the cache (the caller holds the
    cache's lock, so none is another build's) and its documents, whose name says whose."""
    for leftover in [*root.glob(".work-*"), *root.glob(".old-*")]:
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in scratch.glob("digest-search-*-*"):
        pid = leftover.name.split("-")[2]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True


def _scratch(fallback: Path) -> Path:
    """Where the documents go for the moment Pagefind reads them: memory (/dev/shm) where there
    is one, as thousands of files made and deleted at once cost a disk far more (and slow down
    the files made after them: see bench/run.py on ext4's inode allocator)."""
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else fallback


def _index_one(program: Path, site: Path, bundle: Path, target: Path, key: str) -> str | None:
    """One Pagefind run; None when it worked, else the one-line reason."""
    try:
        run = subprocess.run([str(program), "--site", str(site), "--output-path", str(bundle), "--silent"],
                             capture_output=True, text=True, errors="replace", check=False)
    except OSError as exc:
        return f"cannot run Pagefind ({program}): {exc.strerror or exc}"
    if run.returncode != 0 or not (bundle / "pagefind-entry.json").is_file():
        said = [line.strip() for line in (run.stderr + run.stdout).splitlines() if line.strip()]
        return (f"Pagefind failed on search shard {target.name} (exit {run.returncode})"
                + (f": {said[-1]}" if said else ""))
    shutil.rmtree(site, ignore_errors=True)
    for name in UNUSED:
        (bundle / name).unlink(missing_ok=True)
    (bundle / KEY_FILE).write_text(key, encoding="ascii")
    old = target.with_name(f".old-{target.name}-{os.getpid()}")
    if target.exists():
        os.rename(target, old)
    os.rename(bundle, target)
    shutil.rmtree(old, ignore_errors=True)
    return None

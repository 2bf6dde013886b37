"""Checksummed cache files: every file the build keeps in its cache folder is written and read here.

A file is a header, then the payload (a pickle, or Jinja's compiled template):

    MAGIC | one byte: length of the tag | tag | blake2b digest of tag and payload | payload

The tag names what the file holds and what wrote it (the kind of file, the Python and the
pickle protocol): a file written by another version is not an error, only not reused. A file
whose digest does not match (a flipped bit, a truncated write, a file changed by hand) is
damaged: it is discarded with one warning (see `take_reports`), and the build does its work
again. Nothing is unpickled before its bytes verify, so no damaged byte can reach a page.

The articles' pickles (digest.incremental.store) are too many and too big to verify whole on every build:
that file has no header, and the verified index holds a digest of each article's pickle
(`blob_digest`), checked when that article is unpickled.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Several bits away from the first bytes of an unsealed file (a pickle, 0x80; Jinja's compiled
# template, "j2"), so that such a file is told from a damaged one.
MAGIC = b"DGSTCF\r\n"
DIGEST_SIZE = 32
BLOB_DIGEST_SIZE = 16
# What must match for a file's payload to be usable here, besides its kind.
VERSIONS = f"{sys.implementation.cache_tag} pickle{pickle.HIGHEST_PROTOCOL} v1"
_OLD_FORMATS = (b"\x80", b"j2")

# Damaged files found by this process since the last take_reports(): (path, why).
_REPORTS: list[tuple[str, str]] = []


class Damaged(Exception):
    """A cache file (or a part of one) whose bytes do not verify or do not load."""


def _tag(kind: str) -> bytes:
    return f"{kind} {VERSIONS}".encode()


def _digest(tag: bytes, payload: bytes | memoryview) -> bytes:
    digest = hashlib.blake2b(tag, digest_size=DIGEST_SIZE)
    digest.update(payload)
    return digest.digest()


def blob_digest(data: bytes | memoryview) -> bytes:
    """The digest of one part of a larger file, kept by a verified file that points at it."""
    return hashlib.blake2b(data, digest_size=BLOB_DIGEST_SIZE).digest()


def header(kind: str, payload: bytes) -> bytes:
    """What goes before the payload in a cache file of this kind."""
    tag = _tag(kind)
    return b"".join((MAGIC, bytes((len(tag),)), tag, _digest(tag, payload)))


def unseal(kind: str, data: bytes) -> memoryview | None:
    """The payload of a sealed file (a view of `data`: no copy of a large index); None when it
    was written for another kind or version. Raises Damaged when its bytes do not verify."""
    if not data.startswith(MAGIC):
        if data.startswith(_OLD_FORMATS):
            return None
        raise Damaged("not a cache file: its header is damaged")
    start = len(MAGIC) + 1
    if len(data) < start:
        raise Damaged("cut short")
    end = start + data[start - 1]
    tag, digest = data[start:end], data[end : end + DIGEST_SIZE]
    payload = memoryview(data)[end + DIGEST_SIZE :]
    if len(digest) != DIGEST_SIZE:
        raise Damaged("cut short")
    if _digest(tag, payload) != digest:
        raise Damaged("its checksum does not match its bytes")
    if tag != _tag(kind):
        return None  # sound, but another version's (or another kind's): not for this build
    return payload


def write_bytes(path: Path, kind: str, payload: bytes) -> None:
    write_atomic(path, header(kind, payload), payload)


def write_atomic(path: Path, *parts: bytes) -> None:
    """Write a cache file whole or not at all: a killed build leaves the previous file. Each
    writer (process and thread) has its own temporary file, as two processes (a preview's
    workers, a build beside a preview) may write the same cache file at once."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            for part in parts:
                handle.write(part)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_bytes(path: Path, kind: str) -> memoryview | None:
    """The payload written by write_bytes, or None: no such file, another version's, or
    damaged (reported: see take_reports)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        report(path, f"cannot be read: {exc.strerror or exc}")
        return None
    try:
        return unseal(kind, data)
    except Damaged as exc:
        report(path, str(exc))
        return None


def write_pickle(path: Path, kind: str, data: Any) -> None:
    write_bytes(path, kind, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))


def read_pickle(path: Path, kind: str) -> Any:
    """The object written by write_pickle, or None (as read_bytes). A file that verifies but
    cannot be unpickled (it names a class this code no longer has) is reported too."""
    payload = read_bytes(path, kind)
    if payload is None:
        return None
    try:
        return pickle.loads(payload)
    except Exception as exc:  # whatever a pickle raises, the file is unusable
        report(path, f"cannot be loaded: {type(exc).__name__}: {exc}")
        return None


def report(path: str | Path, why: str) -> None:
    """Note a damaged cache file: the build warns once about each (see take_reports)."""
    entry = (str(path), why)
    if entry not in _REPORTS:
        _REPORTS.append(entry)


def take_reports() -> list[tuple[str, str]]:
    """The damaged cache files found since the last call: (path, why) each."""
    reports = _REPORTS[:]
    _REPORTS.clear()
    return reports


def remove(paths: Iterable[Path], older_than: float | None = None, since_linked: bool = False,
           now: float | None = None) -> None:
    """Delete these cache files (only those not written for `older_than` seconds, when given;
    `since_linked`: not linked either, as a file's ctime changes when a hard link to it is made).
    One that is gone meanwhile, or cannot be deleted now (open where that forbids it), is left
    for a later build. `now`: the time to count from (default: now)."""
    now = time.time() if now is None else now
    for path in paths:
        try:
            st = path.lstat()
            if older_than is None or now - (st.st_ctime if since_linked else st.st_mtime) > older_than:
                path.unlink()
        except OSError:
            pass

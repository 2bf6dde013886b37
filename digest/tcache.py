"""SQLite cache of machine translations, one row per (translation key, sentence).

Translating is by far the slowest step of a build, so every translated
sentence is kept: an unchanged sentence is never translated twice, even when
the text around it changes.  The key names the package and every setting that
changes its output (`digest.incremental.keys.translation_key`).  A row also keeps
whether the decoder stopped at its length cap, so that the quality gate can
judge a cached translation again whenever it is read (the gate's own rules
may change with the code; a translation held back is not translated again
until the model or the settings change).  The file is `<cache_dir>/translations.sqlite` in WAL
mode (readers never wait for a writer); each stored chunk is one transaction,
so an interrupted pass keeps every chunk it finished.

A table of another layout in an existing file (`translations`) is left as it is and never read.

Failure policy -- a build must not stop because of its cache, and must never
silently throw away good translations:

* corrupt file (not a database, failed `PRAGMA quick_check`, foreign
  schema): moved aside to `translations.sqlite.corrupt-<timestamp>` (with
  its `-wal`), a warning is emitted, and a new cache is started;
* locked (another process keeps a write lock beyond `busy_timeout`): the
  file is left alone.  Reads still work in WAL mode; translations that
  cannot be written are kept in memory for this run (and retried on the next
  `store` and on `close`), with a warning.  If the file cannot even be
  read, the run uses an in-memory cache, again with a warning.

Warnings go to the `warn` callback (the build prints them), else to the
`digest.tcache` logger.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType

__all__ = ["FILENAME", "Cached", "TranslationCache", "read_rows"]

FILENAME = "translations.sqlite"
Cached = tuple[str, bool]  # (English, the decoder stopped at its length cap)

_SCHEMA_VERSION = 2
_CHUNK = 900  # host parameters per IN (...) query; SQLite's old limit is 999
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sentences (
    key     TEXT NOT NULL,
    source  TEXT NOT NULL,
    target  TEXT NOT NULL,
    capped  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (key, source)
) WITHOUT ROWID
"""
_COLUMNS = ["key", "source", "target", "capped"]

_log = logging.getLogger(__name__)


def _is_lock_error(error: sqlite3.Error) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


class _Corrupt(Exception):
    """The file is not a usable translation cache."""


def _chunks(items: list[str], size: int = _CHUNK) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class TranslationCache:
    """Translations by (model key, source sentence); a context manager.

    `lookup` and `store` take whole builds' worth of sentences at once:
    lookups run as chunked `IN (...)` queries on the primary key, a store
    is one transaction.
    """

    def __init__(
        self,
        cache_dir: Path,
        *,
        warn: Callable[[str], None] | None = None,
        busy_timeout: float = 5.0,
    ) -> None:
        self.path = Path(cache_dir) / FILENAME
        self._warn = warn or _log.warning
        self._busy_timeout = busy_timeout
        self._pending: dict[str, dict[str, Cached]] = {}
        self._conn = self._open()

    # --- opening ------------------------------------------------------------

    def _connect(self, target: str | Path) -> sqlite3.Connection:
        conn = sqlite3.connect(target, timeout=self._busy_timeout, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """Check integrity and schema, then create what is missing; _Corrupt if unusable."""
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError) and _is_lock_error(e):
                raise
            raise _Corrupt(str(e)) from None
        if rows != [("ok",)]:
            raise _Corrupt("; ".join(str(r[0]) for r in rows[:3]))
        columns = [r[1] for r in conn.execute("PRAGMA table_info(sentences)")]
        if columns and columns != _COLUMNS:
            raise _Corrupt(f"unexpected columns {columns}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(_SCHEMA)
        if not columns:
            conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _attempt in range(2):
            conn = self._connect(self.path)
            try:
                self._prepare(conn)
                return conn
            except _Corrupt as e:
                conn.close()
                moved = self._move_aside()
                self._warn(
                    f"translation cache {self.path} is corrupt ({' '.join(str(e).split())}); "
                    f"moved it to {moved.name} and started a new one"
                )
            except sqlite3.OperationalError as e:
                conn.close()
                if not _is_lock_error(e):
                    raise
                self._warn(
                    f"translation cache {self.path} is locked by another process "
                    f"(waited {self._busy_timeout:g} s); this build's translations are kept "
                    "in memory and not saved"
                )
                break
        memory = self._connect(":memory:")
        memory.execute(_SCHEMA)
        return memory

    def _move_aside(self) -> Path:
        """Rename the file (and its WAL, which must not meet a new database) out of the way."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        self.path.replace(target)
        wal = self.path.with_name(self.path.name + "-wal")
        if wal.exists():
            wal.replace(target.with_name(target.name + "-wal"))
        self.path.with_name(self.path.name + "-shm").unlink(missing_ok=True)
        return target

    # --- reading and writing --------------------------------------------------

    def lookup(self, key: str, sentences: Iterable[str]) -> dict[str, Cached]:
        """(English, capped) of those `sentences` that have a row under `key`."""
        wanted = list(dict.fromkeys(sentences))
        found: dict[str, Cached] = {}
        pending = self._pending.get(key, {})
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            query = f"SELECT source, target, capped FROM sentences WHERE key = ? AND source IN ({marks})"
            try:
                found.update((source, (target, bool(capped))) for source, target, capped
                             in self._conn.execute(query, (key, *chunk)))
            except sqlite3.OperationalError as e:
                if not _is_lock_error(e):
                    raise
                self._warn(f"translation cache {self.path} could not be read ({e}); translating again")
                break
        for sentence in wanted:
            if sentence in pending:
                found[sentence] = pending[sentence]
        return found

    def store(self, key: str, rows: Mapping[str, Cached]) -> None:
        """Save {source: (English, capped)} in one transaction (plus any not yet saved)."""
        self._pending.setdefault(key, {}).update(rows)
        if not self._flush():
            count = sum(len(v) for v in self._pending.values())
            self._warn(
                f"translation cache {self.path} is locked by another process; "
                f"{count} translations are kept in memory for this run and saved when it is free"
            )

    def _flush(self) -> bool:
        """Write everything pending; False (nothing lost, still pending) if locked."""
        if not self._pending:
            return True
        rows = [(key, source, target, int(capped)) for key, pairs in self._pending.items()
                for source, (target, capped) in pairs.items()]
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany("INSERT OR REPLACE INTO sentences VALUES (?, ?, ?, ?)", rows)
                self._conn.execute("COMMIT")
            except BaseException:
                try:  # an interrupt during COMMIT may leave no transaction to roll back
                    self._conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                raise
        except sqlite3.OperationalError as e:
            if _is_lock_error(e):
                return False
            raise
        self._pending.clear()
        return True

    def count(self) -> int:
        """Number of saved translations (all models)."""
        return self._conn.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]

    def close(self) -> None:
        """Save what is still pending if the lock is gone, then close."""
        if self._conn is None:
            return
        try:
            if not self._flush():
                count = sum(len(v) for v in self._pending.values())
                self._warn(f"translation cache {self.path} stayed locked; {count} translations were not saved")
        finally:
            self._conn.close()
            self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> TranslationCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def read_rows(cache_dir: Path, key: str) -> dict[str, Cached]:
    """Every row under `key`, read without writing anything (`check` writes nothing); {} when
    the file is missing, locked or unusable."""
    path = Path(cache_dir) / FILENAME
    # Read-only still makes the -shm and -wal files beside a database in WAL mode; with no WAL
    # left (every writer closed, and checkpointed as it did), the file alone is the database and
    # can be opened as immutable, which touches nothing.
    wal = path.with_name(path.name + "-wal").exists()
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro{'' if wal else '&immutable=1'}", uri=True,
                               timeout=1.0)
    except sqlite3.Error:
        return {}
    try:
        rows = conn.execute("SELECT source, target, capped FROM sentences WHERE key = ?", (key,))
        return {source: (target, bool(capped)) for source, target, capped in rows}
    except sqlite3.Error:
        return {}
    finally:
        conn.close()

"""What a build keeps between runs: the parsed files and prepared articles, in the cache folder.

The whole state is one pickle (tens of MB on a big site, a quarter of a second to write). A build
that changed a few articles appends just those to a small second file instead, and the next
load applies it; once that file has grown, the next save writes the whole state again. A third
file keeps the dates and numbers Babel formatted (see digest.i18n).
"""

from __future__ import annotations

import os
import pickle
import secrets
from pathlib import Path
from typing import Any

DELTA_MAX_ITEMS = 2000  # changed files and articles kept beside the base before it is rewritten
_UNREADABLE = (OSError, pickle.PickleError, EOFError, AttributeError, ValueError, ImportError, TypeError,
               KeyError, IndexError)


class StateStore:
    """Loads and saves {"files": ..., "entries": ..., "settings": ...} for one cache folder."""

    def __init__(self, cache: Path, version: int):
        self.base_path = cache / "articles.pickle"
        self.delta_path = cache / "articles.delta.pickle"
        self.formats_path = cache / "formats.pickle"
        self.version = version
        self._generation = ""  # names the base a delta belongs to
        self._settings = ""
        self._deltas: list[dict[str, Any]] = []
        self._saved: tuple[dict, dict] = ({}, {})

    def load(self) -> tuple[dict[str, tuple], dict[str, tuple], str]:
        """(files, entries, settings) as last saved; empty when missing, old or unreadable."""
        try:
            base = read_pickle(self.base_path)
            if not isinstance(base, dict) or base.get("version") != self.version:
                return {}, {}, ""
            files, entries, settings = base["files"], base["entries"], base["settings"]
            generation = base["generation"]
        except _UNREADABLE:
            return {}, {}, ""
        deltas: list[dict[str, Any]] = []
        try:
            delta = read_pickle(self.delta_path)
            if isinstance(delta, dict) and delta.get("generation") == generation:
                deltas = delta["records"]
                for record in deltas:
                    _apply(files, record["files"], record["files_gone"])
                    _apply(entries, record["entries"], record["entries_gone"])
        except _UNREADABLE:  # no delta, or a damaged one: the base alone is a consistent older state
            pass
        self._generation, self._settings, self._deltas = generation, settings, deltas
        self._saved = (dict(files), dict(entries))
        return files, entries, settings

    def save(self, files: dict[str, tuple], entries: dict[str, tuple], settings: str) -> None:
        """Write what changed since the last load or save: as a delta when it is small."""
        old_files, old_entries = self._saved
        # A file's record and its prepared entry share the Article object: both go into the
        # same record whenever either changed, so that loading keeps them one object.
        changed = {k for k, v in files.items() if old_files.get(k) is not v}
        changed |= {k for k, v in entries.items() if old_entries.get(k) is not v}
        record = {
            "files": {k: files[k] for k in changed if k in files},
            "files_gone": [k for k in old_files if k not in files],
            "entries": {k: entries[k] for k in changed if k in entries},
            "entries_gone": [k for k in old_entries if k not in entries],
        }
        size = sum(len(r["files"]) + len(r["entries"]) for r in [*self._deltas, record])
        self.base_path.parent.mkdir(parents=True, exist_ok=True)
        if self._generation and settings == self._settings and size <= DELTA_MAX_ITEMS:
            self._deltas.append(record)
            _write(self.delta_path, {"generation": self._generation, "records": self._deltas})
        else:
            self._generation, self._settings, self._deltas = secrets.token_hex(8), settings, []
            _write(self.base_path, {"version": self.version, "generation": self._generation,
                                    "files": files, "entries": entries, "settings": settings})
            self.delta_path.unlink(missing_ok=True)
        self._saved = (dict(files), dict(entries))

    def load_formats(self, maker: str) -> dict:
        """Dates and numbers formatted by earlier builds with the same Babel (see digest.i18n)."""
        try:
            data = read_pickle(self.formats_path)
            if isinstance(data, dict) and data.get("version") == self.version and data.get("maker") == maker:
                return data["formats"]
        except _UNREADABLE:
            pass
        return {}

    def save_formats(self, maker: str, formats: dict) -> None:
        self.formats_path.parent.mkdir(parents=True, exist_ok=True)
        _write(self.formats_path, {"version": self.version, "maker": maker, "formats": formats})


def _apply(target: dict, changed: dict, gone: list) -> None:
    target.update(changed)
    for key in gone:
        target.pop(key, None)


def read_pickle(path: Path) -> Any:
    with open(path, "rb") as handle:
        return pickle.load(handle)


def _write(path: Path, data: Any) -> None:
    """Whole or not at all: a killed build leaves the previous file."""
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as handle:
        pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)

"""Find, install and download Argos Translate packages (the ar->en model).

Packages live where Argos's own tools put them, so a model installed with
`argospm install translate-ar_en` is found here and vice versa.

Import weight: `argostranslate.package` is light (stdlib, `packaging` and
`sentencepiece`).  `argostranslate.translate` is not: it imports
`argostranslate.sbd`, which pulls in stanza, spaCy and torch (seconds), and
`argostranslate.package.install_from_path` imports it to clear a cache.
So this module never calls `install_from_path`; `install_model` does the
same thing (extract the zip into the packages directory under Argos's
package lock) plus validation, and clears that cache only if some other code
already imported `argostranslate.translate`.

Where packages go: `argostranslate.settings` reads `ARGOS_PACKAGES_DIR`
(or `settings.json`) once, at import.  `packages_dir()` re-reads the
environment variable at every call, so setting it after import (the CLI or
tests with `monkeypatch.setenv`) still works.  The same goes for
`ARGOS_PACKAGE_INDEX`.  Note that importing `argostranslate.settings`
creates Argos's data/config/cache directories under `$HOME` (or the XDG
directories).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from digest import cachefile

try:
    from argostranslate import settings as argos_settings
except ImportError:  # an install without it: nothing can be found, and installing says why
    argos_settings = None  # type: ignore[assignment]

MISSING_ARGOS = ("argostranslate is not installed: run 'make install', or "
                 "pip install --no-deps 'argostranslate>=1.9,<2'")

# The installing and downloading half of this module imports what it needs (zipfile, socket,
# packaging...) when called: a build that only checks what is installed does not pay for them.
if TYPE_CHECKING:
    import zipfile

    import packaging.version
    from argostranslate import package as argos_package
else:
    def _lazy(name: str):  # the standard library's recipe (importlib.util.LazyLoader docs)
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.find_spec(name)
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    # Loaded on first use: a build that only needs to know whether any package is installed
    # (the usual case, see installed_listing) does not pay for it and sentencepiece.
    argos_package = _lazy("argostranslate.package") if argos_settings is not None else None

__all__ = [
    "Model",
    "ModelError",
    "choose",
    "download_model",
    "find_model",
    "install_model",
    "installed_models",
    "load_check",
    "packages_dir",
]

USER_AGENT = "ArgosTranslate"  # what argostranslate.networking sends


class ModelError(Exception):
    """A model is missing, corrupt or cannot be fetched; the message is one line."""


@dataclass(frozen=True)
class Model:
    """An installed Argos translation package.

    `name` is the argospm name (`translate-ar_en`); `code` the package's own name for
    itself (metadata.json `code`, else `name`). `label` ("code version") names the package
    on pages; `fingerprint()` tells apart packages with the same label but other files.
    """

    name: str
    version: str
    from_code: str
    to_code: str
    path: Path
    code: str = ""
    package: argos_package.Package | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        """What pages and feeds name the package by: its code and version."""
        return f"{self.code or self.name} {self.version}"

    @property
    def model_dir(self) -> Path:
        """The CTranslate2 model directory inside the package."""
        return self.path / "model"

    def files(self) -> list[Path]:
        """The files whose bytes decide what the package translates: the CTranslate2 model, the
        tokenizer and the metadata (its target prefix)."""
        found = [self.path / "metadata.json"]
        for name in ("sentencepiece.model", "bpe.model"):
            if (self.path / name).is_file():
                found.append(self.path / name)
        if self.model_dir.is_dir():
            found.extend(sorted(p for p in self.model_dir.rglob("*") if p.is_file()))
        return found

    def fingerprint(self, memo: Path | None = None, keep: bool = True) -> str:
        """A hash of files(). Hashing a real model's few hundred megabytes takes a while, so the
        digest is kept in `memo` (a JSON file) with the files' stamps, and hashed again only
        when a stamp changed. `keep=False` reads the memo but never writes it."""
        return _fingerprint(self, memo, keep)

    def argos(self) -> argos_package.Package:
        """The argostranslate `Package` (tokenizer, target prefix...)."""
        if self.package is not None:
            return self.package
        return _load_package(self.path)


def _one_line(error: BaseException | str) -> str:
    """Exception text on one line (CTranslate2 and zipfile messages can wrap)."""
    text = " ".join(str(error).split())
    return text or type(error).__name__


def packages_dir() -> Path:
    """Where packages are installed: `$ARGOS_PACKAGES_DIR` now, else Argos's setting."""
    env = os.environ.get("ARGOS_PACKAGES_DIR")
    if env:
        return Path(env)
    if argos_settings is None:
        raise ModelError(MISSING_ARGOS)
    return Path(argos_settings.package_data_dir)


def _search_dirs() -> list[Path]:
    """The packages directory plus Argos's extra (snap) package directories."""
    dirs = [packages_dir()]
    for extra in argos_settings.package_dirs[1:] if argos_settings is not None else ():
        if Path(extra) not in dirs:
            dirs.append(Path(extra))
    return dirs


def _load_package(path: Path) -> argos_package.Package:
    try:
        return argos_package.Package(path)
    except (OSError, ValueError) as e:  # json.JSONDecodeError is a ValueError
        raise ModelError(f"{path}: not a valid Argos package: {_one_line(e)}") from None


def _stamps(paths: list[Path]) -> list[list]:
    out = []
    for path in paths:
        st = path.stat()
        out.append([str(path), st.st_size, st.st_mtime_ns, st.st_ino])
    return out


def _fingerprint(model: Model, memo: Path | None, keep: bool) -> str:
    import hashlib

    try:
        files = model.files()
        stamps = _stamps(files)
    except OSError as e:
        raise ModelError(f"{model.path}: cannot read the package: {_one_line(e)}") from None
    known: dict = {}
    if memo is not None:
        try:
            known = json.loads(memo.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
        entry = known.get(str(model.path)) if isinstance(known, dict) else None
        if isinstance(entry, dict) and entry.get("stamps") == stamps and isinstance(entry.get("digest"), str):
            return entry["digest"]
    digest = hashlib.blake2b(digest_size=16)
    try:
        for path in files:
            digest.update(str(path.relative_to(model.path)).encode() + b"\0")
            with open(path, "rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
    except OSError as e:
        raise ModelError(f"{model.path}: cannot read the package: {_one_line(e)}") from None
    value = digest.hexdigest()
    if memo is not None and keep:
        if not isinstance(known, dict):
            known = {}
        known[str(model.path)] = {"stamps": stamps, "digest": value}
        try:
            memo.parent.mkdir(parents=True, exist_ok=True)
            cachefile.write_atomic(memo, json.dumps(known).encode())
        except OSError:
            pass  # only a memo: the next build hashes again
    return value


def _to_model(pkg: argos_package.Package) -> Model:
    code = getattr(pkg, "code", None)
    return Model(
        code=code if isinstance(code, str) and code.strip() else "",
        name=argos_package.argospm_package_name(pkg),
        version=str(pkg.package_version),
        from_code=str(pkg.from_code),
        to_code=str(pkg.to_code),
        path=Path(pkg.package_path),
        package=pkg,
    )


def _packages_in(directory: Path) -> list[argos_package.Package]:
    """Argos's own listing; if one entry is broken, the others one by one."""
    try:
        return argos_package.get_installed_packages([directory])
    except (OSError, ValueError):
        pass
    found = []
    for entry in sorted(directory.iterdir()):
        if entry.is_dir() and not entry.name.startswith("."):
            try:
                found.append(argos_package.Package(entry))
            except (OSError, ValueError):
                continue  # half-extracted or foreign directory
    return found


def installed_models() -> list[Model]:
    """Every installed translation package, as Argos itself would list them."""
    models = []
    for directory in _search_dirs():
        if not directory.is_dir():
            continue
        for pkg in _packages_in(directory):
            if pkg.type == "translate" and pkg.from_code and pkg.to_code:
                models.append(_to_model(pkg))
    return models


def _version_key(version: str) -> tuple[int, packaging.version.Version | str]:
    """Sort key: PEP 440 versions in order, anything unparsable below them."""
    import packaging.version

    try:
        return (1, packaging.version.Version(version))
    except packaging.version.InvalidVersion:
        return (0, version)


def installed_listing() -> list[tuple[str, int, int]]:
    """Every package's metadata.json in the search directories, with its time and size.

    Cheap (no package is read), and it changes whenever what `find_model` answers can change:
    a build's fingerprint uses it, and with nothing installed `find_model` stops here.
    Without argostranslate nothing can be read, so nothing is listed.
    """
    if argos_settings is None:
        return []
    found = []
    for directory in _search_dirs():
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if name.startswith("."):
                continue
            metadata = os.path.join(directory, name, "metadata.json")
            try:
                st = os.stat(metadata)
            except OSError:
                continue
            found.append((metadata, st.st_mtime_ns, st.st_size))
            # Weights copied over by hand leave metadata.json as it was.
            for inner in ("model/model.bin", "sentencepiece.model", "bpe.model"):
                try:
                    st = os.stat(os.path.join(directory, name, inner))
                except OSError:
                    continue
                found.append((inner, st.st_mtime_ns, st.st_size, st.st_ino))
    return found


def choose(models: list[Model], from_code: str = "ar", to_code: str = "en") -> Model | None:
    """The model a build uses among `models`: the highest version for the pair, then the first
    by code, name and path, so that the choice never depends on the order of directories."""
    candidates = [m for m in models if m.from_code == from_code and m.to_code == to_code]
    if not candidates:
        return None
    best = max(_version_key(m.version) for m in candidates)
    return min((m for m in candidates if _version_key(m.version) == best),
               key=lambda m: (m.code or m.name, m.name, str(m.path)))


def find_model(from_code: str = "ar", to_code: str = "en") -> Model | None:
    """The installed `from_code`->`to_code` model a build uses (see choose)."""
    if not installed_listing():
        return None
    return choose(installed_models(), from_code, to_code)


# --- installing ---------------------------------------------------------------


def _package_root(path: Path, zf: zipfile.ZipFile) -> str:
    """The single top-level directory of an .argosmodel zip that holds metadata.json."""
    import zipfile

    tops = {PurePosixPath(name).parts[0] for name in zf.namelist() if name.strip("/")}
    roots = [top for top in tops if f"{top}/metadata.json" in zf.namelist()]
    if len(tops) != 1 or len(roots) != 1:
        raise ModelError(
            f"{path}: not an Argos package (expected one top-level directory "
            "containing metadata.json)"
        )
    root = roots[0]
    try:
        metadata = json.loads(zf.read(f"{root}/metadata.json"))
    except (ValueError, zipfile.BadZipFile, OSError) as e:
        raise ModelError(f"{path}: unreadable metadata.json: {_one_line(e)}") from None
    if not isinstance(metadata, dict) or metadata.get("type", "translate") != "translate":
        raise ModelError(f"{path}: not an Argos translation package (metadata.json type)")
    if not metadata.get("from_code") or not metadata.get("to_code"):
        raise ModelError(f"{path}: metadata.json has no from_code/to_code")
    return root


def load_check(package_dir: Path) -> argos_package.Package:
    """Load a package's tokenizer and CTranslate2 model once; ModelError if broken.

    Only loading catches a truncated or garbled `model.bin` or
    `sentencepiece.model`; file checks do not.
    """
    import ctranslate2  # kept out of "models list", which never translates

    pkg = _load_package(package_dir)
    tokenizer = getattr(pkg, "tokenizer", None)
    if tokenizer is None:
        raise ModelError(f"{package_dir}: no sentencepiece.model or bpe.model")
    model_dir = package_dir / "model"
    if not ctranslate2.contains_model(str(model_dir)):
        raise ModelError(f"{model_dir}: no CTranslate2 model (model.bin)")
    try:
        tokenizer.encode("test")
    except Exception as e:  # sentencepiece raises OSError/RuntimeError, sacremoses ImportError
        raise ModelError(f"{package_dir}: corrupt tokenizer: {_one_line(e)}") from None
    try:
        ctranslate2.Translator(str(model_dir), device="cpu", compute_type="int8")
    except Exception as e:  # RuntimeError/ValueError from the C++ loader
        raise ModelError(f"{model_dir / 'model.bin'}: corrupt model: {_one_line(e)}") from None
    return pkg


def _swap_into_place(staged: Path, final: Path) -> None:
    """Replace `final` (an older install of the same package) with `staged`."""
    import shutil

    old = None
    if final.exists():
        old = staged.parent / "previous"
        final.rename(old)
    staged.rename(final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _clear_argos_language_cache() -> None:
    """What install_from_path does, without importing argostranslate.translate."""
    translate = sys.modules.get("argostranslate.translate")
    if translate is not None:
        translate.get_installed_languages.cache_clear()


def install_model(path: Path) -> Model:
    """Install an `.argosmodel` file like Argos does, after checking it loads.

    The zip is extracted into a hidden staging directory next to the
    packages, loaded once (tokenizer and model), and only then moved into
    place, replacing an installed package of the same directory name.  A
    broken file leaves nothing behind and gives `ModelError` naming it.
    """
    import shutil
    import tempfile
    import zipfile

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise ModelError(f"{path}: not an Argos package (not a zip archive)")
    dest = packages_dir()
    dest.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=dest))
    try:
        try:
            with zipfile.ZipFile(path) as zf:
                root = _package_root(path, zf)
                zf.extractall(staging)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as e:
            raise ModelError(f"{path}: damaged zip archive: {_one_line(e)}") from None
        try:
            load_check(staging / root)
        except ModelError as e:
            raise ModelError(f"{path}: {e}") from None
        with argos_package.package_lock:
            _swap_into_place(staging / root, dest / root)
        _clear_argos_language_cache()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _to_model(_load_package(dest / root))


# --- downloading --------------------------------------------------------------


def _index_url() -> str:
    """Argos's index.json URL, honouring `ARGOS_PACKAGE_INDEX` set after import."""
    base = os.environ.get("ARGOS_PACKAGE_INDEX") or argos_settings.package_index
    return base if base.endswith(".json") else base.rstrip("/") + "/index.json"


def _resolve(url: str, timeout: float) -> None:
    """Fail within `timeout` if the host does not resolve.

    `urlopen`'s timeout does not cover DNS, which can hang for tens of
    seconds on a machine without network.
    """
    import socket

    host = urllib.parse.urlsplit(url).hostname
    if not host:
        raise OSError(f"no host in {url}")
    outcome: list[BaseException | None] = []

    def lookup() -> None:
        try:
            socket.getaddrinfo(host, 443)
            outcome.append(None)
        except OSError as e:
            outcome.append(e)

    thread = threading.Thread(target=lookup, daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise TimeoutError(f"resolving {host} timed out after {timeout:g} s")
    if outcome[0] is not None:
        raise outcome[0]


def _fetch(url: str, timeout: float) -> bytes:
    import urllib.request  # only here and when downloading: it is slow to import

    _resolve(url, timeout)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def _available(from_code: str, to_code: str, timeout: float) -> argos_package.AvailablePackage:
    """The newest matching package in the index (which is saved where Argos keeps it)."""
    import urllib.error

    url = _index_url()
    try:
        data = _fetch(url, timeout)
        index = json.loads(data)
    except (OSError, ValueError, urllib.error.URLError) as e:
        raise ModelError(
            f"cannot reach the Argos package index (no network?): {url}: {_one_line(e)}"
        ) from None
    try:
        Path(argos_settings.local_package_index).write_bytes(data)
    except OSError:
        pass  # only a convenience for Argos's own tools
    packages = [
        argos_package.AvailablePackage(meta)
        for meta in index
        if isinstance(meta, dict) and meta.get("type", "translate") == "translate"
    ]
    matches = [p for p in packages if p.from_code == from_code and p.to_code == to_code]
    if not matches:
        raise ModelError(f"the Argos package index has no {from_code}->{to_code} package")
    return max(matches, key=lambda p: _version_key(str(p.package_version)))


def _download(url: str, target: Path, timeout: float, progress: bool) -> None:
    """Stream `url` into `target` with a tqdm bar (bytes, rate, time left)."""
    import urllib.error
    import urllib.request

    from tqdm import tqdm

    _resolve(url, timeout)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    partial = target.with_name(target.name + ".partial")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        with (
            open(partial, "wb") as out,
            tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=target.name,
                disable=not progress,
                file=sys.stderr,
            ) as bar,
        ):
            while chunk := response.read(1 << 16):
                out.write(chunk)
                bar.update(len(chunk))
    partial.replace(target)


def download_model(
    from_code: str = "ar",
    to_code: str = "en",
    *,
    timeout: float = 10.0,
    progress: bool | None = None,
) -> Model:
    """Download the newest `from_code`->`to_code` package from Argos's index and install it.

    Network errors become one-line `ModelError`s, within `timeout`
    seconds per step when there is no network.  `progress=None` shows the
    bar only when stderr is a terminal.
    """
    available = _available(from_code, to_code, timeout)
    if progress is None:
        progress = sys.stderr.isatty()
    import urllib.error

    downloads = Path(argos_settings.downloads_dir)
    downloads.mkdir(parents=True, exist_ok=True)
    target = downloads / (argos_package.argospm_package_name(available) + ".argosmodel")
    errors = []
    for url in available.links:
        try:
            _download(url, target, timeout, progress)
            break
        except (OSError, urllib.error.URLError, ValueError) as e:
            errors.append(f"{url}: {_one_line(e)}")
    else:
        detail = "; ".join(errors) or "the index lists no download link"
        raise ModelError(f"cannot download {available.from_code}->{available.to_code}: {detail}")
    try:
        return install_model(target)
    finally:
        target.unlink(missing_ok=True)

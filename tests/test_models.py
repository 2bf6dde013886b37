"""Argos package discovery, installation and download, with a real (tiny) package and no network."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from conftest_translate import (  # noqa: F401  (fixtures, registered under their names without _fixture)
    model_fixture,
    package_zip_fixture,
    package_zip_v11_fixture,
    packages_fixture,
)

from digest import models
from digest.models import ModelError, download_model, find_model, install_model, installed_models

ROOT = Path(__file__).resolve().parent.parent


def _rezip(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of an .argosmodel with some members replaced (bytes) or dropped (None)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            suffix = info.filename.split("/", 1)[-1]
            if suffix in change:
                if change[suffix] is not None:
                    zout.writestr(info, change[suffix])
            else:
                zout.writestr(info, zin.read(info))
    return target


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_install_lists_the_package(packages: Path, package_zip: Path) -> None:
    installed = install_model(package_zip)
    assert (installed.name, installed.version, installed.from_code, installed.to_code) == (
        "translate-ar_en", "1.0", "ar", "en")
    assert installed.path == packages / "translate-ar_en-1_0"
    assert installed.label == "translate-ar_en 1.0"
    assert installed_models() == [installed]
    assert find_model("ar", "en") == installed
    assert find_model("en", "ar") is None
    assert _leftovers(packages) == ["translate-ar_en-1_0"]  # no staging directory left


def test_nothing_installed(packages: Path) -> None:
    assert installed_models() == []
    assert find_model() is None


def test_highest_version_wins(packages: Path, package_zip: Path, package_zip_v11: Path) -> None:
    install_model(package_zip_v11)
    install_model(package_zip)
    assert sorted(m.version for m in installed_models()) == ["1.0", "1.1"]
    assert find_model().version == "1.1"


def test_reinstall_replaces(packages: Path, package_zip: Path) -> None:
    first = install_model(package_zip)
    (first.path / "stale-file").write_text("from the old install")
    again = install_model(package_zip)
    assert again == first
    assert not (again.path / "stale-file").exists()
    assert len(installed_models()) == 1


def test_packages_dir_is_read_at_call_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           package_zip: Path) -> None:
    """argostranslate.settings reads ARGOS_PACKAGES_DIR at import; we read it at every call."""
    import argostranslate.settings

    elsewhere = tmp_path / "later"
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(elsewhere))
    assert argostranslate.settings.package_data_dir != elsewhere
    installed = install_model(package_zip)
    assert installed.path.parent == elsewhere
    assert [m.path for m in installed_models()] == [installed.path]


def test_finds_packages_installed_the_argos_way(packages: Path, package_zip: Path) -> None:
    """install_from_path is a plain extractall into the packages directory."""
    with zipfile.ZipFile(package_zip) as zf:
        zf.extractall(packages)
    found = find_model()
    assert found is not None and found.path == packages / "translate-ar_en-1_0"


def test_broken_entry_does_not_hide_good_ones(packages: Path, package_zip: Path) -> None:
    (packages / "half-extracted").mkdir()  # no metadata.json: argos' own listing raises
    install_model(package_zip)
    assert [m.version for m in installed_models()] == ["1.0"]


def test_model_modules_do_not_import_heavy_packages(package_zip: Path, tmp_path: Path) -> None:
    """Installing and translating never imports torch, stanza, spaCy or argostranslate.translate."""
    code = f"""
import os, sys
os.environ["ARGOS_PACKAGES_DIR"] = {str(tmp_path / "pk")!r}
from digest import models, tcache, translate
from digest.incremental import keys
from digest.config import TranslationConfig
m = models.install_model({str(package_zip)!r})
with tcache.TranslationCache({str(tmp_path / "cache")!r}) as c:
    config = TranslationConfig()
    translate.translate_texts(["مرحبا بكم."], m, c, config, keys.translation_key(m, config))
heavy = [k for k in ("torch", "stanza", "spacy", "argostranslate.translate") if k in sys.modules]
print(heavy)
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- broken files ---------------------------------------------------------------


def _assert_clean_error(error: pytest.ExceptionInfo, path: Path, packages: Path) -> None:
    message = str(error.value)
    assert str(path) in message
    assert "\n" not in message
    assert _leftovers(packages) == []


def test_missing_file(packages: Path, tmp_path: Path) -> None:
    path = tmp_path / "nope.argosmodel"
    with pytest.raises(ModelError) as error:
        install_model(path)
    _assert_clean_error(error, path, packages)


def test_not_a_zip(packages: Path, tmp_path: Path) -> None:
    path = tmp_path / "text.argosmodel"
    path.write_text("not a zip")
    with pytest.raises(ModelError, match="not a zip") as error:
        install_model(path)
    _assert_clean_error(error, path, packages)


def test_zip_without_metadata(packages: Path, package_zip: Path, tmp_path: Path) -> None:
    path = _rezip(package_zip, tmp_path / "nometa.argosmodel", {"metadata.json": None})
    with pytest.raises(ModelError, match=r"metadata\.json") as error:
        install_model(path)
    _assert_clean_error(error, path, packages)


def test_zip_with_files_at_top_level(packages: Path, tmp_path: Path) -> None:
    path = tmp_path / "flat.argosmodel"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"from_code": "ar", "to_code": "en"}))
    with pytest.raises(ModelError, match="top-level directory") as error:
        install_model(path)
    _assert_clean_error(error, path, packages)


@pytest.mark.parametrize("member", ["model/model.bin", "sentencepiece.model"])
@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_model_files(packages: Path, package_zip: Path, tmp_path: Path, member: str, damage: str) -> None:
    with zipfile.ZipFile(package_zip) as zf:
        original = zf.read(f"translate-ar_en-1_0/{member}")
    data = b"\x00garbage\xff" * 50 if damage == "garbage" else original[: len(original) // 2]
    path = _rezip(package_zip, tmp_path / "corrupt.argosmodel", {member: data})
    with pytest.raises(ModelError, match="corrupt") as error:
        install_model(path)
    _assert_clean_error(error, path, packages)


def test_failed_reinstall_keeps_the_installed_package(packages: Path, package_zip: Path, tmp_path: Path) -> None:
    good = install_model(package_zip)
    bad = _rezip(package_zip, tmp_path / "bad.argosmodel", {"model/model.bin": b"broken"})
    with pytest.raises(ModelError):
        install_model(bad)
    assert installed_models() == [good]
    models.load_check(good.path)


# --- downloading ----------------------------------------------------------------


@pytest.mark.parametrize("index", [
    "http://127.0.0.1:9/",  # discard port: connection refused
    "https://argos-index.invalid/",  # RFC 2606: never resolves
])
def test_download_offline_fails_fast(packages: Path, monkeypatch: pytest.MonkeyPatch, index: str) -> None:
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", index)
    start = time.monotonic()
    with pytest.raises(ModelError) as error:
        download_model("ar", "en", timeout=3)
    assert time.monotonic() - start < 5
    message = str(error.value)
    assert message.startswith("cannot reach the Argos package index (no network?): ")
    assert "\n" not in message
    assert _leftovers(packages) == []


@pytest.fixture
def index_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A local HTTP server for an Argos index; yields (root folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", base)
    import argostranslate.settings

    monkeypatch.setattr(argostranslate.settings, "downloads_dir", tmp_path / "downloads")
    monkeypatch.setattr(argostranslate.settings, "local_package_index", tmp_path / "index.json")
    yield root, base
    server.shutdown()
    server.server_close()


def _index_entry(base: str, version: str, from_code: str = "ar", to_code: str = "en") -> dict:
    return {"package_version": version, "argos_version": "1.9.0", "from_code": from_code, "to_code": to_code,
            "type": "translate", "links": [f"{base}pkg-{version}.argosmodel"]}


def test_download_installs_the_newest(packages: Path, index_server, package_zip: Path, package_zip_v11: Path) -> None:
    root, base = index_server
    shutil.copy(package_zip, root / "pkg-1.0.argosmodel")
    shutil.copy(package_zip_v11, root / "pkg-1.1.argosmodel")
    entries = [_index_entry(base, "1.0"), _index_entry(base, "1.1"), _index_entry(base, "9.0", "en", "fr")]
    (root / "index.json").write_text(json.dumps(entries))
    installed = download_model("ar", "en", timeout=5, progress=False)
    assert installed.version == "1.1"
    assert find_model() == installed
    assert list((root.parent / "downloads").glob("*.argosmodel")) == []  # download removed after install


def test_download_pair_not_in_index(packages: Path, index_server) -> None:
    root, base = index_server
    (root / "index.json").write_text(json.dumps([_index_entry(base, "1.0", "en", "fr")]))
    with pytest.raises(ModelError, match="no ar->en package"):
        download_model("ar", "en", timeout=5)


def test_download_link_broken(packages: Path, index_server) -> None:
    root, base = index_server
    (root / "index.json").write_text(json.dumps([_index_entry(base, "1.0")]))  # file not served: 404
    with pytest.raises(ModelError, match=r"cannot download ar->en: .*404"):
        download_model("ar", "en", timeout=5)
    assert _leftovers(packages) == []


def test_the_install_brings_no_torch_stanza_or_spacy() -> None:
    """`make install` takes argostranslate without its dependencies (see the Makefile): the
    environment the tests run in has none of its text pipeline, and translation still works
    (test_model_modules_do_not_import_heavy_packages)."""
    import importlib.util

    assert importlib.util.find_spec("argostranslate.package") is not None
    assert [name for name in ("torch", "stanza", "spacy") if importlib.util.find_spec(name)] == []

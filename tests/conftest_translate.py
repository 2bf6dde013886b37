"""Fixtures for the translation tests: real (tiny) Argos packages, built once per session.

Test modules import the fixtures they use from here (the shared
``conftest.py`` belongs to the build tests); each is defined as
``<name>_fixture`` and registered under ``<name>``, so importing it does not
clash with test parameters of that name.  Packages are built under
pytest's session temporary directory and reused by every test module of the
process; installing them goes to a per-test ``ARGOS_PACKAGES_DIR``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from argos_fixture import build_argos_package

from digest.models import Model, install_model

_built: dict[tuple, Path] = {}


def argos_zip(tmp_path_factory: pytest.TempPathFactory, **options) -> Path:
    """The ``.argosmodel`` for these ``build_argos_package`` options, built on first use."""
    key = tuple(sorted(options.items()))
    if key not in _built:
        out = tmp_path_factory.mktemp("argos-zips")
        _built[key] = build_argos_package(out, **options)
    return _built[key]


@pytest.fixture(name="package_zip", scope="session")
def package_zip_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """translate-ar_en 1.0 (2+2 layers, d_model 64, ~400 pieces)."""
    return argos_zip(tmp_path_factory)


@pytest.fixture(name="package_zip_v11", scope="session")
def package_zip_v11_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same weights as version 1.1."""
    return argos_zip(tmp_path_factory, version="1.1")


@pytest.fixture(name="packages")
def packages_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ARGOS_PACKAGES_DIR of this test's own (set after argostranslate's import)."""
    directory = tmp_path / "argos-packages"
    directory.mkdir()
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(directory))
    return directory


@pytest.fixture(name="model")
def model_fixture(packages: Path, package_zip: Path) -> Model:
    """translate-ar_en 1.0 installed into this test's packages directory."""
    return install_model(package_zip)

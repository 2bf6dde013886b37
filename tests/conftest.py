"""Shared fixtures: a project copy in a temporary folder, and a way to build it for real."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# CI decides whether work lands, so every run draws the same examples ("repeatable"); a new
# example that fails shows up when someone asks for fresh ones: --hypothesis-profile=explore.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("repeatable")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "content"


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a Python child that imports this checkout's `digest`."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, **extra}


@contextmanager
def no_translation_models(packages: Path):
    """Within it, builds see only the Argos packages in `packages`, whatever the machine has."""
    packages.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ARGOS_PACKAGES_DIR", str(packages))
        try:
            import argostranslate.settings as argos_settings

            patch.setattr(argos_settings, "package_data_dir", packages, raising=False)
            patch.setattr(argos_settings, "package_dirs", [packages], raising=False)
        except ImportError:
            pass
        yield


@pytest.fixture(autouse=True)
def _no_installed_models(tmp_path_factory):
    """Tests never see translation models installed on the machine, only those they install."""
    with no_translation_models(tmp_path_factory.mktemp("argos-packages")):
        yield


@dataclass
class Project:
    """A site folder of its own: site.yaml, templates/, theme/, content/, with outputs beside."""

    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def output(self) -> Path:
        return self.root / "site"

    @property
    def cache(self) -> Path:
        return self.root / ".cache"

    @property
    def config(self) -> Path:
        return self.root / "site.yaml"

    def write(self, name: str, text: str) -> Path:
        path = self.content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def run(self, *args: str, check: bool = False) -> subprocess.CompletedProcess:
        """`python build.py ARGS` in the project folder, as a user runs it."""
        env = child_env()
        done = subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=self.root,
                              capture_output=True, text=True, env=env, timeout=300)
        if check and done.returncode != 0:
            raise AssertionError(f"build.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def build(self, *args: str) -> subprocess.CompletedProcess:
        return self.run("build", *args, check=True)

    def options(self, **overrides):
        from digest.build import BuildOptions

        values = {"content": self.content, "output": self.output, "cache": self.cache, "config": self.config}
        return BuildOptions(**{**values, **overrides})


def article(title: str = "عنوان تجريبي", date: str = "2016-09-01T14:46:00+03:00",
            body: str = "هذه فقرة أولى من المقال.\n\nوهذه فقرة ثانية فيها تفاصيل أخرى.", **fields) -> str:
    """Text of an article file with the given front matter."""
    lines = ["---", f'title: "{title}"', f"date: {date}"]
    for key, value in fields.items():
        lines.append(f"{key}: {value}")
    return "\n".join([*lines, "---", "", body, ""])


def make_project(root: Path, sample: bool = True, settings: str | None = None) -> Project:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "templates", root / "templates")
    if (ROOT / "theme").is_dir():
        shutil.copytree(ROOT / "theme", root / "theme")
    (root / "site.yaml").write_text(settings if settings is not None else
                                    (ROOT / "site.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    if sample:
        shutil.copytree(SAMPLE, root / "content")
    else:
        (root / "content").mkdir()
    return Project(root)


@pytest.fixture
def project(tmp_path) -> Project:
    """The sample site, copied so a test may change anything."""
    return make_project(tmp_path / "project")


@pytest.fixture
def empty_project(tmp_path) -> Project:
    return make_project(tmp_path / "project", sample=False)


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Project:
    """The sample site built once, for the tests that only read it."""
    project = make_project(tmp_path_factory.mktemp("sample") / "project")
    env_dir = tmp_path_factory.mktemp("argos-empty")
    env = child_env(ARGOS_PACKAGES_DIR=str(env_dir))
    subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--base-url", "https://digest.example/news/"],
                   cwd=project.root, check=True, capture_output=True, env=env, timeout=300)
    return project


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes, to compare whole sites."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

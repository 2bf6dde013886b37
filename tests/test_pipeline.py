"""The whole build with a real (tiny) Argos package installed through `build.py models install`."""

from __future__ import annotations

import os
import re
from pathlib import Path

import html5lib
import pytest
from argos_fixture import build_argos_package
from conftest import Project, article

SLUG = "edited"
SUMMARY = "الجملة الأولى من الملخص. والجملة الثانية من الملخص."
# The tiny test model writes gibberish, which the quality gate holds back: these tests are about
# publishing, so the gate is off (tests/test_english_edition.py tests it on).
PUBLISH_ALL = "translation:\n  quality: off\n"


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    return build_argos_package(tmp_path_factory.mktemp("argos"))


@pytest.fixture
def installed(empty_project: Project, package: Path) -> Project:
    """A project with two articles and the package installed with the project's own command."""
    (empty_project.root / "site.yaml").write_text(PUBLISH_ALL, encoding="utf-8")
    empty_project.write(f"{SLUG}.md", article(title="عنوان الخبر", summary=f'"{SUMMARY}"'))
    empty_project.write("other.md", article(title="خبر آخر", date="2016-09-02T10:00:00+03:00"))
    done = empty_project.run("models", "install", str(package), check=True)
    assert done.stdout.startswith("installed translate-ar_en 1.0")
    return empty_project


def counts(stdout: str) -> tuple[int, int]:
    match = re.search(r"translated (\d+) sentences \((\d+) cached, \d+ held back\)", stdout)
    assert match, stdout
    return int(match[1]), int(match[2])


def test_models_list_shows_the_installed_package(installed):
    listing = installed.run("models", "list", check=True).stdout
    assert re.search(r"^translate-ar_en\t1\.0\tar -> en\t", listing, re.M)


def test_english_pages_name_the_model_and_rebuilds_translate_nothing(installed):
    first = installed.build().stdout
    translated, cached = counts(first)
    assert translated >= 5 and cached == 0  # two titles, two summaries
    page = (installed.output / "en" / SLUG / "index.html").read_bytes()
    doc = html5lib.parse(page, treebuilder="lxml", namespaceHTMLElements=False)
    assert doc.find(".//bdi[@class='model']").text == "translate-ar_en 1.0"
    assert doc.find(".//h1").text.strip()  # an English title
    assert counts(installed.build().stdout) == (0, 0)
    (installed.cache / "articles.pickle").unlink()
    manifests = list(installed.cache.glob("manifest-*.pickle"))
    assert manifests
    for manifest in manifests:
        manifest.unlink()
    assert counts(installed.build().stdout) == (0, translated)  # all from the SQLite cache


def test_editing_one_sentence_translates_exactly_that_sentence(installed):
    installed.build()
    path = installed.content / f"{SLUG}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("والجملة الثانية", "والجملة الجديدة"),
                    encoding="utf-8")
    assert counts(installed.build().stdout) == (1, 2)  # title and first sentence come from the cache


def test_a_newer_model_version_translates_again(installed, tmp_path):
    first, _ = counts(installed.build().stdout)
    newer = build_argos_package(tmp_path / "v11", version="1.1")
    installed.run("models", "install", str(newer), check=True)
    assert counts(installed.build().stdout) == (first, 0)
    page = (installed.output / "en" / SLUG / "index.html").read_text(encoding="utf-8")
    assert "translate-ar_en 1.1" in page


def test_a_corrupted_model_gives_a_clear_error_and_keeps_the_site(installed):
    installed.build()
    before = (installed.output / "en" / SLUG / "index.html").read_bytes()
    path = installed.content / f"{SLUG}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("الأولى", "الأخيرة"), encoding="utf-8")
    packages = Path(os.environ["ARGOS_PACKAGES_DIR"])
    model_bin = next(packages.rglob("model.bin"))
    model_bin.write_bytes(b"this is not a model")
    done = installed.run("build")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert str(model_bin.parent.parent) in done.stderr or str(model_bin.parent) in done.stderr
    assert (installed.output / "en" / SLUG / "index.html").read_bytes() == before


def test_strict_build_fails_without_a_model(empty_project):
    empty_project.write("a.md", article())
    done = empty_project.run("build", "--strict")
    assert done.returncode == 1 and "no Arabic-English translation model is installed" in done.stderr
    relaxed = empty_project.build()
    assert "note: no Arabic-English translation model is installed" in relaxed.stderr


def test_articles_translated_when_a_model_arrives_are_kept_translated(empty_project, package):
    """Entries kept from a build without a model are translated in place: the state must save them."""
    (empty_project.root / "site.yaml").write_text(PUBLISH_ALL, encoding="utf-8")
    empty_project.write(f"{SLUG}.md", article(title="عنوان الخبر", summary=f'"{SUMMARY}"'))
    empty_project.write("other.md", article(title="خبر آخر", date="2016-09-02T10:00:00+03:00"))
    empty_project.build()
    empty_project.run("models", "install", str(package), check=True)
    translated, cached = counts(empty_project.build().stdout)
    assert translated >= 5 and cached == 0
    other = empty_project.content / "other.md"
    other.write_text(other.read_text(encoding="utf-8").replace("خبر آخر", "خبر آخر جديد"), encoding="utf-8")
    translated, cached = counts(empty_project.build().stdout)
    assert translated == 1 and cached <= 2  # the other article's text only: the first one is kept

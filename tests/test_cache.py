"""A damaged cache folder: every file the build keeps there is checksummed, and a damaged one is
reported in one warning line, discarded and its work done again, so the site is the one a
clean build makes. Nothing from a damaged file reaches a page."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest
from conftest import Project, article, make_project, tree_bytes

from digest import cachefile

# Changed before the damage (the state gets a delta), and after it (with a template, so that
# every page is rendered again). Neither is the first, middle or last of the articles' pickles:
# the damage must hit an article that the build takes from there.
EDITED = "al-economy-102-20180225.md"
CHANGED = "bb-economy-17-20180204.md"


def edit_article(project: Project, name: str, line: str) -> None:
    path = project.content / name
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def edit_template(project: Project) -> None:
    base = project.root / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</footer>", "<!-- v2 -->\n</footer>"),
                    encoding="utf-8")


def final_changes(project: Project) -> None:
    """What the build after the damage sees changed: an article and a template (every page is
    rendered again, so every kept article's pickle is unpickled)."""
    edit_article(project, CHANGED, "سطر أضيف بعد الضرر.")
    edit_template(project)


@pytest.fixture(scope="module")
def clean_site(tmp_path_factory) -> dict[str, bytes]:
    """The site a build with no cache at all makes of the final content and templates."""
    project = make_project(tmp_path_factory.mktemp("clean") / "project")
    edit_article(project, EDITED, "سطر أضيف قبل الضرر.")
    final_changes(project)
    project.build()
    return tree_bytes(project.output)


def cached_project(root: Path) -> Project:
    """The sample site built twice: every kind of cache file is there, the delta included."""
    project = make_project(root)
    project.build()
    edit_article(project, EDITED, "سطر أضيف قبل الضرر.")
    project.build()
    return project


KINDS = {
    "formats": "formats.pickle",
    "manifest": "manifest-*.pickle",
    "index": "articles.pickle",
    "delta": "articles.delta.pickle",
    "pickles": "articles-*.pickles",
    "templates": "templates/*/__jinja2_*.cache",
}


def header_offsets(data: bytes) -> list[int]:
    """Bytes in a cache file's header: the magic, the tag and the digest. The articles' pickles
    have no header of their own: there, the first bytes of the first article."""
    if not data.startswith(cachefile.MAGIC):
        return [0, 2]
    tag_end = len(cachefile.MAGIC) + 1 + data[len(cachefile.MAGIC)]
    return [1, len(cachefile.MAGIC), tag_end - 2, tag_end + 5]


def offsets(data: bytes, where: str) -> list[int]:
    if where == "header":
        return header_offsets(data)
    if where == "middle":
        return [len(data) // 2]
    return [len(data) - 1]


@pytest.mark.parametrize("where", ["header", "middle", "end"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_damaged_cache_file_is_reported_and_the_next_build_equals_a_clean_one(tmp_path, clean_site, kind, where):
    project = cached_project(tmp_path / "project")
    files = sorted(project.cache.glob(KINDS[kind]))
    assert files, kind
    for path in files:  # every compiled template: those the build uses among them
        data = bytearray(path.read_bytes())
        for at in offsets(bytes(data), where):
            data[at] ^= 0x01  # one flipped bit
        path.write_bytes(bytes(data))
    final_changes(project)
    done = project.run("build")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "damaged cache file" in line]
    assert warnings, done.stderr
    for line in warnings:
        assert re.match(r"\.cache/\S+:1: warning: damaged cache file \(.+\): discarded, and its work done again$",
                        line), line
    assert tree_bytes(project.output) == clean_site
    again = project.run("build")  # the cache is sound again
    assert again.returncode == 0 and "damaged" not in again.stderr, again.stderr
    assert tree_bytes(project.output) == clean_site


def test_a_changed_letter_in_a_kept_article_is_never_published(tmp_path, clean_site):
    """One letter of a title changed inside the articles' pickles, the same length in UTF-8:
    the pickle still loads, and only its checksum tells."""
    project = cached_project(tmp_path / "project")
    (pickles,) = project.cache.glob("articles-*.pickles")
    data = pickles.read_bytes()
    title = "هكذا تحالفت أحلام وإليسا".encode()
    assert data.count(title) == 1
    forged = "هكذا تحالفت أحلام وزليسا".encode()
    assert len(forged) == len(title)
    pickles.write_bytes(data.replace(title, forged))
    final_changes(project)
    done = project.run("build")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    published = b"".join(tree_bytes(project.output).values())
    assert "وزليسا".encode() not in published and "وإليسا".encode() in published
    assert f"{pickles.relative_to(project.root)}:1: warning: damaged cache file" in done.stderr
    assert tree_bytes(project.output) == clean_site


def test_a_sound_manifest_naming_an_unknown_module_is_discarded_with_a_warning(project, monkeypatch):
    project.build()
    (manifest,) = project.cache.glob("manifest-*.pickle")
    before = tree_bytes(project.output)
    # A pickle of a class from a module that the build cannot import, under a valid checksum:
    # what a cache written by a version with other modules would hold.
    module = types.ModuleType("digest_no_such_module")

    class Thing:
        pass

    Thing.__module__, Thing.__qualname__ = module.__name__, "Thing"
    module.Thing = Thing
    monkeypatch.setitem(sys.modules, module.__name__, module)
    cachefile.write_pickle(manifest, "manifest", {"version": Thing()})
    done = project.run("build")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert re.search(r"manifest-\w+\.pickle:1: warning: damaged cache file \(cannot be loaded: "
                     r"ModuleNotFoundError", done.stderr), done.stderr
    assert tree_bytes(project.output) == before


def test_files_written_before_checksums_are_replaced_without_a_warning(project):
    """A cache folder of a version that wrote bare pickles and Jinja's own files is not damaged:
    its files are only not reused."""
    project.build()
    for path in [*project.cache.glob("*.pickle"), *project.cache.glob("templates/*/*.cache")]:
        kind = "template" if path.suffix == ".cache" else _kind(path)
        payload = cachefile.unseal(kind, path.read_bytes())
        assert payload is not None, path
        path.write_bytes(payload)
    before = tree_bytes(project.output)
    edit_template(project)
    done = project.run("build")
    assert done.returncode == 0 and "damaged" not in done.stderr, done.stderr
    assert tree_bytes(project.output) != before
    assert all(p.read_bytes().startswith(cachefile.MAGIC) for p in project.cache.glob("templates/*/*.cache"))


def _kind(path: Path) -> str:
    if path.name.startswith("manifest-"):
        return "manifest"
    return {"articles.pickle": "articles", "articles.delta.pickle": "articles-delta", "formats.pickle": "formats"}[
        path.name]


def test_a_file_of_another_python_or_kind_is_not_used_and_not_reported(tmp_path, monkeypatch):
    cachefile.take_reports()  # what tests before this one in the process left
    path = tmp_path / "formats.pickle"
    cachefile.write_pickle(path, "formats", {"a": 1})
    assert cachefile.read_pickle(path, "formats") == {"a": 1}
    assert cachefile.read_pickle(path, "manifest") is None
    monkeypatch.setattr(cachefile, "VERSIONS", "cpython-399 pickle9 v1")
    assert cachefile.read_pickle(path, "formats") is None
    assert cachefile.take_reports() == []
    path.write_bytes(path.read_bytes()[:-1])
    monkeypatch.undo()
    assert cachefile.read_pickle(path, "formats") is None
    assert cachefile.take_reports() == [(str(path), "its checksum does not match its bytes")]
    path.write_bytes(cachefile.MAGIC)
    assert cachefile.read_pickle(path, "formats") is None
    assert cachefile.take_reports() == [(str(path), "cut short")]


def test_damage_found_while_workers_render_is_reported_and_the_site_equals_a_clean_one(tmp_path):
    """With enough pages, forked workers render them, unpickling the kept articles: a damaged one
    is raised back to the build, which starts again; compiled templates are loaded before the
    workers start, so a damaged one is reported by the build itself."""
    from digest.publish import PARALLEL_MIN_PAGES
    from digest.reading import PARALLEL_MIN_ARTICLES

    count = max(PARALLEL_MIN_ARTICLES, PARALLEL_MIN_PAGES // 2) + 10

    def fill(project: Project) -> None:
        for i in range(count):
            project.write(f"a{i:03}.md", article(
                title=f"خبر رقم {i}", date=f"2018-02-{1 + i % 28:02d}T10:{i % 60:02d}:00+03:00",
                body=f"الفقرة الأولى من الخبر {i}.\n\nوفقرة ثانية فيها رقم {i * 13}.",
                category=("economy", "sport", "culture")[i % 3]))

    kept = make_project(tmp_path / "kept", sample=False)
    fill(kept)
    kept.build("--jobs", "2")
    damaged = [*kept.cache.glob("articles-*.pickles"), *kept.cache.glob("templates/*/__jinja2_*.cache")]
    for path in damaged:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
    edit_template(kept)
    done = kept.run("build", "--jobs", "2")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    for path in damaged:
        assert f"{path.relative_to(kept.root)}:1: warning: damaged cache file" in done.stderr, (path, done.stderr)
    clean = make_project(tmp_path / "clean", sample=False)
    fill(clean)
    edit_template(clean)
    clean.build("--jobs", "2")
    assert tree_bytes(kept.output) == tree_bytes(clean.output)


def test_a_build_that_fails_on_content_still_names_the_damaged_cache_files(project):
    project.build()
    formats = project.cache / "formats.pickle"
    formats.write_bytes(formats.read_bytes()[:-3])
    (project.content / "broken.md").write_text("no front matter\n", encoding="utf-8")
    done = project.run("build")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert "content/broken.md:1: no front matter: the file must start with a line '---'" in lines
    assert [line for line in lines if line.startswith(".cache/formats.pickle:1: warning: damaged cache file")]
    assert lines[-1] == "1 error(s); nothing was published"

"""The editor's English wins over machine translation, and goes stale when the Arabic changes."""

from __future__ import annotations

import html5lib
from conftest import article


def english_page(project, slug):
    path = project.output / "en" / slug / "index.html"
    return html5lib.parse(path.read_bytes(), treebuilder="lxml", namespaceHTMLElements=False)


def test_editor_english_is_shown_and_credited(empty_project):
    empty_project.write("a.md", article(title_en='"Kerry and Lavrov talk again"',
                                        summary_en='"The ministers spoke by phone."'))
    empty_project.build()
    doc = english_page(empty_project, "a")
    assert doc.find(".//h1").text == "Kerry and Lavrov talk again"
    text = " ".join(doc.getroot().itertext())
    assert "The ministers spoke by phone." in text
    assert "English by the editors." in text
    assert doc.getroot().get("lang") == "en"


def hash_of(path):
    return next(line.split(": ", 1)[1] for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("source_hash: "))


def test_stale_editor_english_is_flagged_until_check_fix(empty_project):
    path = empty_project.write("a.md", article(title_en='"Old English"', summary_en='"Old summary."'))
    assert empty_project.run("check", "--fix", check=True).returncode == 0
    assert "source_hash: " in path.read_text(encoding="utf-8")
    clean = empty_project.run("check", check=True)
    assert "warning" not in clean.stderr
    path.write_text(path.read_text(encoding="utf-8").replace("عنوان تجريبي", "عنوان معدل"), encoding="utf-8")
    stale = empty_project.run("check", check=True)
    line = path.read_text(encoding="utf-8").splitlines().index(f"source_hash: {hash_of(path)}") + 1
    assert f"content/a.md:{line}: warning: the Arabic changed after title_en/summary_en were written" in stale.stderr
    build = empty_project.build()
    assert f"content/a.md:{line}: warning: the Arabic changed" in build.stderr
    empty_project.run("check", "--fix", check=True)
    assert "warning" not in empty_project.run("check", check=True).stderr
    lines = path.read_text(encoding="utf-8").splitlines()
    assert sum(line.startswith("source_hash:") for line in lines) == 1
    assert lines[0] == "---" and "title_en: \"Old English\"" in lines

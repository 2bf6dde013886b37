"""What `check` (and every build) reports about articles and settings: each message at the line
of the file that it is about, found here by what that line says, never by a number copied from
the code."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Project, article, make_project


def at(path: Path, needle: str, nth: int = 1) -> int:
    """The line number of the `nth` line of the file that holds `needle`."""
    lines = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line]
    assert len(lines) >= nth, (needle, path.read_text(encoding="utf-8"))
    return lines[nth - 1]


def check(project: Project, *args: str) -> tuple[int, list[str]]:
    done = project.run("check", *args)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stderr.splitlines()


@pytest.mark.parametrize(("front", "needle", "message"), [
    ('title: "عنوان\ndate: 2016-09-01\nsource: x\n', 'title: "', "a quoted value starts on this line and is not closed"),
    ("title: عنوان\ntags: [a, b\ndate: 2016-09-01\n", "tags:", "a list '[' opened on this line is not closed with ']'"),
    ("title: عنوان\ndate 2016-09-01\nsource: x\n", "date 2016", "this line has a key without ':' after it"),
    ("title: عنوان\ndate: 2016-09-01\n- a\n", "- a", "did not find expected key"),
    ("title: عنوان\n\tdate: 2016-09-01\n", "\tdate", "found a tab character that violates indentation"),
    ("title: عنوان\nsummary: |\n  سطر\n خطأ\ndate: 2016-09-01\n", " خطأ", "did not find expected key"),
])
def test_a_yaml_error_is_reported_once_at_the_line_to_fix(empty_project, front, needle, message):
    path = empty_project.write("a.md", f"---\n{front}---\nنص.\n")
    code, lines = check(empty_project)
    assert code == 1
    assert lines[0] == f"content/a.md:{at(path, needle)}: invalid YAML in front matter: {message}"


@pytest.mark.parametrize(("setting", "needle", "message"), [
    ("per_page: many", "per_page", "'per_page' must be like 20, not 'many'"),
    ("per_page: [10, 20", "per_page", "invalid YAML: a list '[' opened on this line is not closed with ']'"),
])
def test_a_setting_is_reported_at_its_line(tmp_path, setting, needle, message):
    """The sample's settings with one changed or added well below the first line."""
    from conftest import ROOT

    sample = (ROOT / "site.yaml").read_text(encoding="utf-8")
    key = setting.split(":", 1)[0]
    settings = sample.replace(next(line for line in sample.splitlines() if line.startswith(key + ":")), setting) \
        if any(line.startswith(key + ":") for line in sample.splitlines()) else sample + setting + "\n"
    project = make_project(tmp_path / "p", sample=False, settings=settings)
    project.write("a.md", article())
    code, lines = check(project)
    assert code == 1
    assert lines[0] == f"site.yaml:{at(project.config, needle)}: {message}"
    assert at(project.config, needle) > 1

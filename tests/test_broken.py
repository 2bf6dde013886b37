"""Broken content: every case gets `path:line: message`, no traceback, and the last site stays."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import ROOT, Project, article, make_project, tree_bytes

GOOD = article()


def errors_for(project: Project, name: str, data: bytes) -> str:
    path = project.content / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    done = project.run("build")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    return done.stderr


CASES = [
    ("yaml.md", b"---\ntitle: 'open\ndate: 2016-09-01\n---\nbody\n", "yaml.md:2: invalid YAML"),
    ("unclosed.md", "---\ntitle: عنوان\ndate: 2016-09-01\n".encode(), "unclosed.md:1: front matter not closed"),
    ("no-front.md", "مجرد نص\n".encode(), "no-front.md:1: no front matter"),
    ("list-title.md", b"---\ntitle: [a, b]\ndate: 2016-09-01\n---\nx\n", "list-title.md:2: 'title' must be text, not a list"),
    ("map-source.md", b"---\ntitle: t\ndate: 2016-09-01\nsource: {a: 1}\n---\nx\n",
     "map-source.md:4: 'source' must be text, not a mapping"),
    ("date.md", b"---\ntitle: t\ndate: 2016-13-45\n---\nx\n", "date.md:3: impossible date '2016-13-45'"),
    ("notdate.md", b"---\ntitle: t\ndate: yesterday\n---\nx\n", "notdate.md:3: impossible date 'yesterday'"),
    ("no-date.md", b"---\ntitle: t\n---\nx\n", "no-date.md:2: missing required field 'date'"),
    ("no-title.md", b"---\ndate: 2016-09-01\n---\nx\n", "no-title.md:2: missing required field 'title'"),
    ("latin1.md", "---\ntitle: t\ndate: 2016-09-01\n---\ncaf\xe9\n".encode("latin-1"), "latin1.md:5: not valid UTF-8"),
    ("nul.md", b"---\ntitle: t\ndate: 2016-09-01\n---\nab\x00cd\n", "nul.md:5: file contains NUL bytes"),
    ("empty.md", b"", "empty.md:1: file is empty"),
    ("slash.md", b"---\ntitle: t\ndate: 2016-09-01\nslug: a/b\n---\nx\n", "slash.md:4: slug 'a/b' must not contain '/'"),
    ("dots.md", b"---\ntitle: t\ndate: 2016-09-01\nslug: ..\n---\nx\n", "dots.md:4: slug '..' must not start with a dot"),
    ("hidden.md", b"---\ntitle: t\ndate: 2016-09-01\nslug: .env\n---\nx\n", "hidden.md:4: slug '.env' must not start"),
    ("reserved.md", b"---\ntitle: t\ndate: 2016-09-01\nslug: category\n---\nx\n", "reserved.md:4: slug 'category' is reserved"),
    ("draft.md", b"---\ntitle: t\ndate: 2016-09-01\ndraft: maybe\n---\nx\n", "draft.md:4: 'draft' must be true or false"),
]


@pytest.mark.parametrize(("name", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_broken_file_is_named_with_its_line(project, name, data, expected):
    project.build()
    before = tree_bytes(project.output)
    stderr = errors_for(project, name, data)
    assert f"content/{expected}" in stderr
    assert tree_bytes(project.output) == before


def test_errors_from_many_files_are_reported_together(empty_project):
    empty_project.write("good.md", GOOD)
    for name, data, _ in CASES[:6]:
        (empty_project.content / name).write_bytes(data)
    done = empty_project.run("build")
    assert done.returncode == 1
    for _, _, expected in CASES[:6]:
        assert f"content/{expected}" in done.stderr
    assert "6 error(s)" in done.stderr


def test_bom_and_crlf_are_accepted(empty_project):
    text = article(title="عنوان مع BOM").replace("\n", "\r\n")
    (empty_project.content / "bom.md").write_bytes(b"\xef\xbb\xbf" + text.encode())
    empty_project.build()
    page = (empty_project.output / "ar" / "bom" / "index.html").read_text(encoding="utf-8")
    assert "عنوان مع BOM" in page and "\r" not in page.split("<main", 1)[1]


def test_a_future_date_is_a_warning(empty_project):
    empty_project.write("future.md", article(date="2999-01-01"))
    done = empty_project.build()
    assert "content/future.md:3: warning: date 2999-01-01 is in the future" in done.stderr
    assert (empty_project.output / "ar" / "future" / "index.html").is_file()


def test_a_future_date_warning_ends_when_the_date_comes(empty_project, monkeypatch):
    """Later builds replay an unchanged file's warnings without reading it again; this one
    depends on the clock, so it must stop once the date is no longer ahead. The builds run
    in this process, with the build's clock moved on by a day and a half in between."""
    import digest.build
    import digest.reading
    from digest.build import Builder
    from digest.content import FUTURE_GRACE

    when = (datetime.now(UTC).replace(microsecond=0) + FUTURE_GRACE + timedelta(hours=12)).isoformat()
    empty_project.write("future.md", article(date=when))
    empty_project.write("other.md", article(title="مقال آخر"))

    def future_warnings():
        result = Builder(empty_project.options(progress=False)).build()
        return result, [str(w) for w in result.warnings if "in the future" in w.message]

    result, found = future_warnings()
    assert found == [f"{empty_project.content / 'future.md'}:3: warning: date {when} is in the future"]
    result, found = future_warnings()
    assert result.unchanged and len(found) == 1  # replayed from the last build: still ahead

    class Later:  # time.time() a day and a half on; everything else as it is
        def __getattr__(self, name):
            return getattr(time, name)

        def time(self) -> float:
            return time.time() + 1.5 * 86_400

    monkeypatch.setattr(digest.build, "time", Later())
    monkeypatch.setattr(digest.reading, "time", Later())
    result, found = future_warnings()
    assert result.unchanged and found == []
    empty_project.write("other.md", article(title="مقال آخر", body="نص جديد."))
    result, found = future_warnings()
    assert not result.unchanged and result.rendered and found == []
    assert (empty_project.output / "ar" / "future" / "index.html").is_file()


def test_file_over_the_size_limit(tmp_path):
    project = make_project(tmp_path / "p", sample=False, settings="max_file_size: 1000\n")
    project.write("big.md", article(body="كلمة " * 400))
    done = project.run("build")
    assert done.returncode == 1 and "content/big.md:1: file is" in done.stderr
    assert "over the limit of 1,000" in done.stderr


@pytest.mark.parametrize(("first", "second"), [("Same", "same"), ("caf\u00e9", "cafe\u0301")])
def test_slugs_equal_but_for_case_or_normalisation_collide(empty_project, first, second):
    empty_project.write("one.md", article(slug=first))
    empty_project.write("two.md", article(slug=second))
    done = empty_project.run("build")
    assert done.returncode == 1
    assert "is already used by content/one.md" in done.stderr


def test_symlink_out_of_the_content_folder_is_refused(empty_project, tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text(article(title="سر"), encoding="utf-8")
    (empty_project.content / "link.md").symlink_to(outside)
    done = empty_project.run("build")
    assert done.returncode == 1
    assert "content/link.md:1: symbolic link points outside the content folder" in done.stderr


def test_unreadable_file_is_named(empty_project):
    (empty_project.content / "dangling.md").symlink_to(empty_project.content / "missing.md")
    done = empty_project.run("build")
    assert done.returncode == 1 and "content/dangling.md:1: cannot read file" in done.stderr


def test_a_second_build_on_the_same_output_refuses_while_the_first_runs(project):
    lock_path = project.output.parent / f".{project.output.name}.lock"
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write("4242")
        handle.flush()
        done = project.run("build")
    assert done.returncode == 1
    assert "another build (pid 4242) is writing" in done.stderr
    assert not project.output.exists()
    project.build()


def test_killed_build_leaves_the_previous_site_and_the_next_build_works(tmp_path):
    """SIGKILL at many moments of a build: the published site is always the complete old one."""
    project = make_project(tmp_path / "p", sample=False)
    for i in range(400):
        project.write(f"a{i:03}.md", article(title=f"مقال رقم {i}", date=f"2018-03-{1 + i % 28:02}T10:00:00+00:00"))
    project.build()
    before = tree_bytes(project.output)
    for i in range(400):
        project.write(f"a{i:03}.md", article(title=f"عنوان جديد {i}", date=f"2018-04-{1 + i % 28:02}T10:00:00+00:00"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    delays = [0.3, 0.6, 0.9, 1.2, 1.5, 1.8]
    killed_mid_build = 0
    for delay in delays:
        proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "build"], cwd=project.root, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            killed_mid_build += 1
        proc.wait()
        after = tree_bytes(project.output)
        if after != before:  # the build finished: then it must be the complete new site
            assert "عنوان جديد 399" in (project.output / "ar" / "a399" / "index.html").read_text()
            assert len(after) == len(before)
            break
    assert killed_mid_build >= 1
    done = project.run("build")
    assert done.returncode == 0, done.stderr
    assert "عنوان جديد 0" in (project.output / "ar" / "a000" / "index.html").read_text()
    leftovers = [p.name for p in project.root.iterdir() if p.name.startswith(".site.") and p.name != ".site.lock"]
    assert leftovers == []


def test_missing_content_folder_is_a_clear_error(tmp_path):
    project = make_project(tmp_path / "p", sample=False)
    done = project.run("build", "--content", "nowhere")
    assert done.returncode == 1 and "nowhere:1: content folder not found" in done.stderr


def test_bad_settings_are_reported_with_the_file(tmp_path):
    project = make_project(tmp_path / "p", settings="per_page: many\nbase_url: ftp://x\n")
    done = project.run("build")
    assert done.returncode == 1 and "site.yaml:1: 'per_page' must be like 20" in done.stderr
    assert "Traceback" not in done.stderr
    assert not Path(project.output).exists()


def test_a_build_killed_while_moving_changed_pages_in_is_finished_by_the_next(project, monkeypatch):
    """A small change is moved into the live site file by file after a journal is written: a
    build that dies half-way leaves only whole files (old or new), and the next build finishes."""
    import digest.output
    from digest.build import build

    project.build()
    before = tree_bytes(project.output)
    seed = project.content / "2016-09-01-kerry-lavrov-call.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace("كيري ولافروف", "كيري ولافروف مجددا"),
                    encoding="utf-8")
    moved = []
    real_replace = os.replace

    def dies_after_two(source, target):
        if len(moved) == 2:
            raise KeyboardInterrupt("killed")
        moved.append(target)
        real_replace(source, target)

    monkeypatch.setattr(digest.output.os, "replace", dies_after_two)
    with pytest.raises(KeyboardInterrupt):
        build(project.options())
    monkeypatch.undo()
    half = tree_bytes(project.output)
    assert half != before and set(half) == set(before)
    fresh = make_project(project.root.parent / "fresh")
    (fresh.content / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    fresh.build()
    after = tree_bytes(fresh.output)
    # Whole files only (a search shard's file named after its content, which the change replaces
    # by another, is either still there as it was or not in either site).
    assert all(half[name] in (before[name], after.get(name)) for name in half)
    from digest.output import OutputLock, recover

    with OutputLock(project.output):
        recover(project.output)  # what the next build does first: finish the journalled moves
    assert tree_bytes(project.output) == after
    done = project.build().stdout
    assert "nothing changed" not in done
    assert tree_bytes(project.output) == after
    assert not (project.root / ".site.patch").exists() and not (project.root / ".site.staging").exists()


def test_an_output_folder_that_cannot_be_made_is_one_line_not_a_traceback(project):
    """A file where the output folder's parent should be: a clear error naming it, exit code 1."""
    (project.root / "afile").write_text("not a folder", encoding="utf-8")
    done = project.run("build", "--output", "afile/site")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == ["error: File exists: afile"]

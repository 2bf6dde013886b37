"""Hostile files in the content folder: each costs bounded work and gets one `path:line: message`
(escaped), from `build` and `check` alike, with every other file's problems still reported."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from conftest import ROOT, Project, article, child_env, make_project

from digest.content import FRONT_MATTER_MAX_VALUES, MARKUP_MAX

# Nine levels of nine aliases: 9**9 values once expanded, from about 600 bytes.
ALIAS_BOMB = "".join(
    [f"a0: &a0 [{', '.join(['lol'] * 9)}]\n"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)])


def run(project: Project, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """build.py with a timeout well below the fixture's: a hang fails the test, not the run."""
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=project.root, capture_output=True,
                          text=True, env=child_env(), timeout=timeout)


def front(extra: str = "", date: str = "2016-09-01T14:46:00+03:00", title: str = '"عنوان"') -> str:
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\n\nنص المقال.\n"


def hostile_files(project: Project) -> list[str]:
    """Write every hostile file; returns the lines the build must print for them."""
    project.write("good.md", article(title="مقال سليم"))
    project.write("bomb.md", front("tags: [a]\n" + ALIAS_BOMB))
    project.write("early.md", front(date="0001-01-01T00:00:00+14:00"))
    project.write("late.md", front(date="9999-12-31T23:59:59-12:00"))
    project.write("bigint.md", front("views: " + "9" * 4301 + "\n"))
    project.write("stamp.md", front(date="!!timestamp 2016-99-99"))
    project.write("dup.md", front('category: "economy"\ntitle: "عنوان آخر"\n'))
    os.symlink("loop.md", project.content / "loop.md")
    os.mkfifo(project.content / "pipe.md")
    return [
        "content/bomb.md:5: front matter expands to over",
        "content/early.md:3: impossible date '0001-01-01T00:00:00+14:00': too close to the year 1 or 9999",
        "content/late.md:3: impossible date '9999-12-31T23:59:59-12:00': too close to the year 1 or 9999",
        "content/bigint.md:4: a number of 4,301 digits is too long; quote it to make it text",
        "content/stamp.md:2: invalid YAML in front matter: month must be in 1..12",
        "content/dup.md:5: duplicate key 'title' (first on line 2)",
        "content/loop.md:1: symbolic link loop",
        "content/pipe.md:1: not a regular file (a named pipe); only regular files are read",
    ]


@pytest.mark.parametrize("command", ["build", "check"])
def test_hostile_files_are_each_one_line_and_reported_together(empty_project, command):
    expected = hostile_files(empty_project)
    empty_project.write("plain-error.md", "no front matter\n")
    started = time.monotonic()
    done = run(empty_project, command)
    assert time.monotonic() - started < 30  # the bomb and the pipe cost nothing like that
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    for line in expected:
        assert [found for found in lines if found.startswith(line)], (line, done.stderr)
    assert "content/plain-error.md:1: no front matter" in done.stderr
    assert f"{len(expected) + 1} error(s)" in done.stderr
    assert not (empty_project.output / "ar").exists()


def test_aliases_within_the_limits_still_work(empty_project):
    empty_project.write("alias.md", front("tags: &t [اقتصاد, نفط]\nkeywords: *t\n"))
    empty_project.build()
    assert "نفط" in (empty_project.output / "ar" / "alias" / "index.html").read_text(encoding="utf-8")


def test_an_alias_bomb_stops_at_the_limit_quickly(tmp_path):
    """Straight at the reader: the walk stops at the limit rather than expanding 9**9 values."""
    from digest.config import Config
    from digest.content import read_article

    path = tmp_path / "bomb.md"
    path.write_text(front(ALIAS_BOMB), encoding="utf-8")
    started = time.monotonic()
    article_read, problems = read_article(path, Config(), "bomb.md")
    assert time.monotonic() - started < 1
    # The problems first: an article holding the bomb must never be shown (repr() is the bomb).
    assert len(problems) == 1 and f"over {FRONT_MATTER_MAX_VALUES:,} values" in problems[0].message
    assert article_read is None


def test_dates_at_the_ends_of_the_calendar_that_fit_are_built(empty_project):
    empty_project.write("old.md", front(date="0001-01-02T00:00:00+00:00"))
    empty_project.write("far.md", front(date="9999-12-30"))
    done = empty_project.build()
    assert "content/far.md:3: warning: date 9999-12-30 is in the future" in done.stderr
    assert (empty_project.output / "ar" / "0001" / "01" / "02" / "index.html").is_file()
    assert (empty_project.output / "ar" / "far" / "index.html").is_file()


def test_control_characters_in_names_and_values_are_escaped(empty_project):
    empty_project.write("new\nline.md", front(date="yesterday"))
    empty_project.write("title\x1b]0;pwned\x07.md", article())
    empty_project.write("slug.md", front('slug: "a\\e]0;pwned\\a\\u2028b"\n'))
    empty_project.write("\u202egpj.md", front(date="tomorrow"))  # shown backwards: "md.jpg"
    done = run(empty_project, "build")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr and "\u2028" not in done.stderr
    assert "\u202e" not in done.stderr
    lines = done.stderr.splitlines()
    assert [line for line in lines if line.startswith("content/\\u202egpj.md:3: impossible date")]
    assert "content/new\\nline.md:3: impossible date 'yesterday': not an ISO 8601 date " \
           "(use e.g. 2016-09-01T14:46:00+03:00)" in lines
    assert [line for line in lines if line.startswith("content/title\\x1b]0;pwned\\x07.md:1: slug")]
    assert [line for line in lines if line.startswith("content/slug.md:4: slug 'a\\x1b]0;pwned\\x07\\u2028b'")]
    assert all(line.startswith("content/") for line in lines[:-1]), lines  # one line each, then the count


def test_arabic_file_names_with_harakat_are_accepted_and_the_slug_drops_the_marks(empty_project):
    empty_project.write("سَلامٌ.md", article(title="سلام"))
    empty_project.write("other.md", article(title="آخر", slug="مَرْحَبًا"))
    empty_project.build()
    assert (empty_project.output / "ar" / "سلام" / "index.html").is_file()
    assert (empty_project.output / "ar" / "مرحبا" / "index.html").is_file()
    empty_project.write("plain.md", article(title="مكرر", slug="سلام"))  # the same slug, unvoweled
    done = run(empty_project, "build")
    assert done.returncode == 1 and "slug 'سلام' is already used by content/" in done.stderr


def table_file(size: int) -> str:
    rows = ["| المدينة | السعر | التغير | الملاحظة |", "|---|---|---|---|"]
    total, i = 0, 0
    while total < size:
        row = f"| مدينة {i} | {i * 37 % 99991} | 0.{i % 997:03d} | ملاحظة عن السوق رقم {i} |"
        rows.append(row)
        total += len(row.encode()) + 1
        i += 1
    return "---\ntitle: \"جدول كبير\"\ndate: 2018-02-04T10:00:00+03:00\n---\n\nمقدمة.\n\n" + "\n".join(rows) + "\n"


def test_a_huge_table_is_refused_at_once(empty_project):
    """4.9 MB of table took about a minute; it is now refused before Markdown sees it."""
    empty_project.write("table.md", table_file(4_900_000))
    started = time.monotonic()
    done = run(empty_project, "build")
    assert time.monotonic() - started < 5
    assert done.returncode == 1
    assert "content/table.md:5: the body has" in done.stderr and f"over the limit of {MARKUP_MAX:,}" in done.stderr


def test_a_file_at_the_size_limit_with_the_most_markup_allowed_builds_in_under_five_seconds(tmp_path):
    """The slowest Markdown per character found (list items, tables of empty cells, unclosed
    emphasis and brackets) up to the markup limit, the rest of the file plain paragraphs."""
    project = make_project(tmp_path / "p", sample=False, settings="max_file_size: 5000000\n")
    paragraph = "كلمة " * 400 + "\n\n"
    plain = paragraph * (4_700_000 // len(paragraph.encode()))
    left = MARKUP_MAX - 1000 - plain.count("\n")
    quarter = left // 4
    markup = ("- بند\n" * (quarter // 2) + "|a|b|\n|-|-|\n" + "|||\n" * (quarter // 4)
              + "*ب _ب [ب " * (quarter // 3) + "\n\n" + "> - > - ب\n" * (quarter // 5))
    text = "---\ntitle: \"أكبر ملف\"\ndate: 2018-02-04T10:00:00+03:00\n---\n\n" + plain + markup
    assert 4_800_000 < len(text.encode()) <= 5_000_000
    project.write("big.md", text)
    started = time.monotonic()
    done = run(project, "build")
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert seconds < 5, seconds
    assert (project.output / "ar" / "big" / "index.html").stat().st_size > 4_000_000

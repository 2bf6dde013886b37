"""The command line: suggestions for mistyped commands and options, --version, -q and -v."""

from __future__ import annotations


def test_a_mistyped_command_is_a_usage_error_with_a_suggestion(project):
    done = project.run("biuld")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == "build.py: error: unknown command 'biuld'; did you mean 'build'?"
    assert project.run("xyzzy").stderr.strip().endswith("commands: build, check, new, summarize, models, "
                                                        "translations, serve")
    assert not project.output.exists()


def test_a_mistyped_option_shows_its_commands_usage_and_the_closest_option(project):
    done = project.run("build", "--bse-url", "https://example.org/")
    assert done.returncode == 2
    assert "usage: build.py build " in done.stderr
    assert "unrecognized arguments: --bse-url https://example.org/; did you mean --base-url?" in done.stderr
    check = project.run("check", "--fx")
    assert "usage: build.py check " in check.stderr and "did you mean --fix?" in check.stderr


def test_version_names_the_project_python_and_the_libraries(project):
    done = project.run("--version")
    assert done.returncode == 0
    names = [line.split(" ")[0] for line in done.stdout.splitlines()]
    assert names == ["bilingual-digest", "Python", "Jinja2", "markdown-it-py", "PyYAML", "watchfiles",
                     "argostranslate", "CTranslate2", "SentencePiece", "Babel", "nh3"]
    assert "not installed" not in done.stdout


def test_quiet_prints_nothing_and_verbose_prints_progress_and_timings(project):
    quiet = project.run("build", "-q", check=True)
    assert quiet.stdout == "" and quiet.stderr == ""
    project.run("build", "-q", "--output", "other", check=True)
    verbose = project.run("build", "-v", "--output", "third", check=True)
    assert verbose.stdout.startswith("built ") and "timings: " in verbose.stderr
    assert "rendering: " in verbose.stderr  # progress, even for a small site
    assert project.run("build", "-q", "-v").returncode == 2


def test_a_base_url_with_a_path_warns_about_robots_txt(project):
    done = project.run("build", "--base-url", "https://example.org/news/", check=True)
    assert ("--base-url:1: warning: base_url has a path (/news/): robots.txt is written to /news/robots.txt"
            in done.stderr)
    root = project.run("build", "--base-url", "https://example.org/", "--output", "root", check=True)
    assert "robots.txt" not in root.stderr


def test_a_template_mistake_is_one_line_with_its_file_and_line(project):
    template = project.root / "templates" / "day.html"
    lines = template.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "{% block content %}" in line) + 1  # rendered there
    lines.insert(at, "{{ nothing.at.all }}")
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = project.run("build")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    first = done.stderr.splitlines()[0]
    assert first.endswith(f"templates/day.html:{at + 1}: UndefinedError: 'nothing' is undefined"), done.stderr


def test_control_characters_are_dropped_from_pages_with_a_warning(empty_project):
    from conftest import article

    empty_project.write("a.md", article(title="عنوان\x1b]0;x\x07 نظيف", body="نص\x0c فيه\x1b محارف."))
    done = empty_project.build()
    assert "content/a.md:2: warning: control characters removed from the text" in done.stderr
    page = (empty_project.output / "ar" / "a" / "index.html").read_text(encoding="utf-8")
    assert "عنوان]0;x نظيف" in page and not any(ch in page for ch in "\x1b\x07\x0c")


def test_check_finds_a_template_syntax_error_and_writes_nothing(project):
    project.build()
    before = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in project.cache.iterdir())
    template = project.root / "templates" / "article.html"
    template.write_text("{% if %}\n" + template.read_text(encoding="utf-8"), encoding="utf-8")
    done = project.run("check")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "templates/article.html:1: " in done.stderr and "found by check" in done.stderr
    assert sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in project.cache.iterdir()) == before

"""What `check` (and every build) reports about articles and settings: each message at the line
of the file that it is about, found here by what that line says, never by a number copied from
the code."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Project, article, make_project

HOW = "(to add a category, give its names under categories: in site.yaml, or set allow_new_categories: true)"


def at(path: Path, needle: str, nth: int = 1) -> int:
    """The line number of the `nth` line of the file that holds `needle`."""
    lines = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line]
    assert len(lines) >= nth, (needle, path.read_text(encoding="utf-8"))
    return lines[nth - 1]


def check(project: Project, *args: str) -> tuple[int, list[str]]:
    done = project.run("check", *args)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stderr.splitlines()


def test_the_sample_site_checks_without_a_word(project):
    done = project.run("check")
    assert (done.returncode, done.stdout, done.stderr) == (0, "checked 15 articles: no errors\n", "")


def test_a_category_not_in_the_settings_is_an_error_with_the_key_it_likely_means(empty_project):
    files = {
        "typo.md": article(category="sprot"),
        "case.md": article(category="middleeast"),
        "name.md": article(category="رياضة"),  # the category's Arabic name instead of its key
        "odd.md": article(category="zzzz"),
    }
    paths = {name: empty_project.write(name, text) for name, text in files.items()}
    code, lines = check(empty_project)
    assert code == 1
    expected = [
        f"content/case.md:{at(paths['case.md'], 'category:')}: category 'middleeast' is not one of the site's "
        f"categories: did you mean 'middleEast'? {HOW}",
        f"content/name.md:{at(paths['name.md'], 'category:')}: category 'رياضة' is not one of the site's "
        f"categories: did you mean 'sport'? {HOW}",
        f"content/odd.md:{at(paths['odd.md'], 'category:')}: category 'zzzz' is not one of the site's categories "
        "(culture, economy, internationalNews, middleEast, sport, technology, politics); to add a category, give "
        "its names under categories: in site.yaml, or set allow_new_categories: true",
        f"content/typo.md:{at(paths['typo.md'], 'category:')}: category 'sprot' is not one of the site's "
        f"categories: did you mean 'sport'? {HOW}",
    ]
    assert lines[:4] == expected and lines[4] == "4 error(s); found by check"
    assert empty_project.run("build").returncode == 1 and not empty_project.output.exists()


def test_a_category_on_its_own_line_is_reported_there(empty_project):
    path = empty_project.write("a.md", article(category="\n  sprot"))
    code, lines = check(empty_project)
    assert code == 1 and lines[0].startswith(f"content/a.md:{at(path, 'sprot')}: category 'sprot'")
    assert at(path, "sprot") == at(path, "category:") + 1


def test_new_categories_are_allowed_when_the_site_says_so(tmp_path):
    project = make_project(tmp_path / "p", sample=False, settings="allow_new_categories: true\n")
    project.write("a.md", article(category="sprot"))
    project.build()
    assert (project.output / "ar" / "category" / "sprot" / "index.html").is_file()


def test_a_category_the_site_defines_is_accepted(tmp_path):
    project = make_project(tmp_path / "p", sample=False,
                           settings="categories:\n  health: {ar: صحة, en: Health}\n")
    project.write("a.md", article(category="health"))
    project.write("b.md", article(title="رياضة", category="sport"))  # the defaults stay
    project.build()
    assert (project.output / "ar" / "category" / "health" / "index.html").is_file()


def test_front_matter_warnings_are_at_their_lines(empty_project):
    path = empty_project.write("a.md", article(
        catgory="economy", subtitle='"a key of the templates"', tags="سياسة، اقتصاد",
        source_url="javascript:alert(1)", image="http://example.org/photo.jpg"))
    other = empty_project.write("b.md", article(title="2024", source_url="www.bbc.com/arabic/news",
                                                image="images/photo.jpg", tags="سياسة"))
    # Written in quotes by article(); a number is what YAML makes of it unquoted.
    other.write_text(other.read_text(encoding="utf-8").replace('"2024"', "2024"), encoding="utf-8")
    code, lines = check(empty_project)
    assert code == 0
    a, b = "content/a.md", "content/b.md"
    assert lines == [
        f"{a}:{at(path, 'catgory')}: warning: unknown key 'catgory': did you mean 'category'? (a key the reader "
        "does not know only reaches the templates, as entry.article.extra)",
        f"{a}:{at(path, 'tags:')}: warning: 'tags' should be a list: tags: [سياسة, اقتصاد]",
        f"{a}:{at(path, 'source_url:')}: warning: source_url 'javascript:alert(1)' is not linked: only an "
        "http:// or https:// address is",
        f"{a}:{at(path, 'image:')}: warning: image 'http://example.org/photo.jpg' is not used: it must be an "
        "https:// address or a path in the site such as /theme/photo.jpg; did you mean "
        "'https://example.org/photo.jpg'?",
        f"{b}:{at(other, 'title:')}: warning: 'title' is read as a number; if it is text, quote it: "
        'title: "2024"',
        f"{b}:{at(other, 'source_url:')}: warning: source_url 'www.bbc.com/arabic/news' is not linked: only an "
        "http:// or https:// address is; did you mean 'https://www.bbc.com/arabic/news'?",
        f"{b}:{at(other, 'image:')}: warning: image 'images/photo.jpg' is not used: it must be an https:// "
        "address or a path in the site such as /theme/photo.jpg; did you mean '/images/photo.jpg'?",
        f"{b}:{at(other, 'tags:')}: warning: 'tags' should be a list: tags: [سياسة]",
    ]
    assert empty_project.run("check").stdout.strip() == "checked 2 articles: no errors"


def test_a_number_is_kept_as_written_and_an_unknown_key_still_reaches_the_templates(empty_project):
    path = empty_project.write("a.md", article(title="عنوان", source="1.10", catgory="economy"))
    (empty_project.root / "templates" / "article.html").write_text(
        (empty_project.root / "templates" / "article.html").read_text(encoding="utf-8").replace(
            "{% block content %}", "{% block content %}<p id=extra>{{ a.extra.catgory }}</p>", 1), encoding="utf-8")
    done = empty_project.build()
    assert f"content/a.md:{at(path, 'source:')}: warning: 'source' is read as a number" in done.stderr
    page = (empty_project.output / "ar" / "a" / "index.html").read_text(encoding="utf-8")
    assert "<bdi>1.10</bdi>" in page and "<p id=extra>economy</p>" in page


def test_a_duplicate_tag_is_reported_at_its_line_and_shown_once(empty_project):
    path = empty_project.write("a.md", article(tags="\n  - سوريا\n  - روسيا\n  - سوريا"))
    done = empty_project.build()
    first, second = at(path, "- سوريا"), at(path, "- سوريا", 2)
    assert f"content/a.md:{second}: warning: duplicate tag 'سوريا' (first on line {first}); it is shown once" \
        in done.stderr.splitlines()
    page = (empty_project.output / "ar" / "a" / "index.html").read_text(encoding="utf-8")
    assert page.count('rel="tag"><bdi>سوريا</bdi></a></li>') == 1


BODY = """فقرة أولى.

![صورة من بعيد](https://cdn.example.com/a.jpg) وصورة من الموقع ![محلية](/theme/favicon.svg)
و ![من الموقع بعنوانه](http://localhost:8000/theme/favicon.svg)

```
![في الشيفرة](https://code.example.com/no.jpg)
```

نص فيه `شيفرة
على سطرين` ثم ![بعدها](//later.example.org/b.png)
"""


def test_an_image_from_a_host_is_a_warning_at_its_line(empty_project):
    """Any host, the one in base_url too: the preview serves the pages from another."""
    path = empty_project.write("a.md", article(body=BODY))
    done = empty_project.build()
    why = ("is blocked by the pages' Content-Security-Policy wherever they are served from another host "
           "(img-src 'self'); save it in the article's folder (a page bundle) and link it by its name, "
           "or set images.remote: allow")
    assert [line for line in done.stderr.splitlines() if "Content-Security-Policy" in line] == [
        f"content/a.md:{at(path, 'cdn.example.com')}: warning: image from cdn.example.com {why}",
        f"content/a.md:{at(path, 'localhost:8000')}: warning: image from localhost:8000 {why}",
        f"content/a.md:{at(path, 'later.example.org')}: warning: image from later.example.org {why}",
    ]
    page = (empty_project.output / "ar" / "a" / "index.html").read_text(encoding="utf-8")
    assert 'src="https://cdn.example.com/a.jpg"' in page  # published: a warning, not an error


def test_raw_html_images_are_checked_when_the_site_allows_html(tmp_path):
    project = make_project(tmp_path / "p", sample=False, settings="allow_html: true\n")
    body = 'فقرة.\n\n<figure>\n<img alt="صورة"\n     src="https://cdn.example.com/a.jpg">\n</figure>\n'
    path = project.write("a.md", article(body=body))
    done = project.run("check")
    assert f"content/a.md:{at(path, '<img')}: warning: image from cdn.example.com is blocked" in done.stderr
    plain = make_project(tmp_path / "q", sample=False)  # without allow_html the tag is text, no image
    plain.write("a.md", article(body=body))
    assert "Content-Security-Policy" not in plain.run("check").stderr


def test_a_body_not_written_is_refused_unless_the_article_is_a_draft(empty_project):
    empty = empty_project.write("empty.md", article(body=""))
    placeholder = empty_project.write("placeholder.md", article(body="\nنص المقال هنا."))
    empty_project.write("draft.md", article(body="", draft="true"))
    code, lines = check(empty_project)
    assert code == 1
    ready = "write the article, or set draft: true until it is ready"
    assert lines == [
        f"content/empty.md:{at(empty, '---', 2)}: the article has no text after the front matter; {ready}",
        f"content/placeholder.md:{at(placeholder, 'نص المقال هنا.')}: the body is still the placeholder that 'new' "
        f"wrote; {ready}",
        "2 error(s); found by check",
    ]


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
    ("allow_new_category: true", "allow_new_category", "unknown setting 'allow_new_category'; did you mean "
     "'allow_new_categories'?"),
    ("categories:\n  health: صحة", "health", "category 'health' must have its names as {ar: ..., en: ...}, "
     "not 'صحة'"),
    ("categories:\n  health: {ar: صحة, fr: Santé}", "health", "category 'health' must have its names as "
     "{ar: ..., en: ...}, not {'ar': 'صحة', 'fr': 'Santé'}"),
    ("categories:\n  2018: {ar: عام, en: Year}", "2018", "category key 2018 must be text; quote it"),
    ("translation:\n  beam: 2", "beam", "unknown translation setting 'beam'; did you mean 'beam_size'? (known: "
     "beam_size, compute_type, threads, device, max_output_ratio, quality)"),
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

"""`new` writes a draft that nothing publishes until an editor has written it."""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import make_project


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def test_new_writes_a_draft_that_is_published_only_once_written(empty_project):
    done = empty_project.run("new", "مباحثات هاتفية بين موسكو وواشنطن", check=True)
    assert done.stderr == ""
    path = Path(empty_project.root, done.stdout.strip())
    assert path.exists() and path.name.isascii()
    assert "mbahthat" in path.name and path.name[:4].isdigit()
    meta = front(path)
    assert meta["draft"] is True and meta["category"] == "culture"  # the site's first category
    assert meta["source"] == "" and meta["source_url"] == "" and meta["tags"] == []
    text = path.read_text(encoding="utf-8")
    assert text.endswith("---\n\n") and "نص المقال هنا" not in text  # no text that could be published
    assert "source: \"\"         # the publication the news is from" in text
    checked = empty_project.run("check", check=True)
    assert checked.stderr == "" and checked.stdout.strip() == "checked 0 articles: no errors"
    built = empty_project.build()
    assert "built 0 articles" in built.stdout
    assert not (empty_project.output / "ar" / path.stem).exists()

    # Published by turning draft off with the body still empty: refused, at the closing '---'.
    path.write_text(text.replace("draft: true ", "draft: false"), encoding="utf-8")
    closing = path.read_text(encoding="utf-8").splitlines().index("---", 1) + 1
    refused = empty_project.run("build")
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[0] == (f"content/{path.name}:{closing}: the article has no text after the "
                                              "front matter; write the article, or set draft: true until it is ready")
    assert not (empty_project.output / "ar" / path.stem).exists()

    path.write_text(path.read_text(encoding="utf-8") + "أجرى الوزيران اتصالا هاتفيا.\n", encoding="utf-8")
    empty_project.build()
    assert (empty_project.output / "ar" / path.stem / "index.html").is_file()
    again = empty_project.run("new", "!!!", "--slug", path.stem)
    assert again.returncode == 1 and "already exists" in again.stderr


def test_new_takes_a_category_from_the_settings(tmp_path):
    project = make_project(tmp_path / "p", sample=False,
                           settings="categories:\n  health: {ar: صحة, en: Health}\n")
    first = Path(project.root, project.run("new", "خبر صحي", check=True).stdout.strip())
    assert front(first)["category"] == "health"  # the site's own first, before the defaults
    chosen = Path(project.root, project.run("new", "خبر اقتصادي", "--category", "economy", check=True).stdout.strip())
    assert front(chosen)["category"] == "economy"
    wrong = project.run("new", "خبر رياضي", "--category", "sprot")
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert wrong.stderr.startswith("error: category 'sprot' is not one of the site's categories: did you mean 'sport'?")
    assert sorted(p.name for p in project.content.iterdir()) == sorted([first.name, chosen.name])


def test_new_warns_about_a_title_without_arabic_letters(empty_project):
    for title in ("!!!", "Kerry and Lavrov talk again"):
        done = empty_project.run("new", title, "--slug", f"t{len(title)}", check=True)
        assert done.stderr == (f"warning: the title {title!r} has no Arabic letters; 'new' takes the Arabic title "
                               "(an English one goes in title_en)\n")
        assert front(Path(empty_project.root, done.stdout.strip()))["title"] == title


def test_new_keeps_any_title_exactly(empty_project):
    title = 'عنوان "مقتبس" \\ فيه: رموز # و\u2028فاصل'
    done = empty_project.run("new", title, "--slug", "odd", check=True)
    assert front(Path(empty_project.root, done.stdout.strip()))["title"] == title

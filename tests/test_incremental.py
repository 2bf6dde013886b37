"""Whatever an editor does between builds, an incremental build publishes exactly the site a
fresh build of the same files publishes: `build.py build` (a new Builder each time, the state
read back from the cache folder) and the preview (one Builder kept in memory, told which files
its watcher saw change)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from conftest import article, make_project, tree_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.build import Builder

CATEGORIES = ("", "economy", "sport", "culture")
ZONES = ("+03:00", "+00:00", "-05:30")
BASE_URLS = ("https://digest.example/", "https://digest.example/news/", "http://127.0.0.1:8000/")
TEASER = '<article class="teaser">'



def text_of(number: int, title: str, hours: int, zone: str, category: str, draft: bool, body: str,
            source: str = "", title_en: str = "", slug: str = "", author: str = "", summary: str = "",
            tags: str = "", month: str = "2018-02") -> str:
    day, hour = divmod(hours, 24)
    fields = {"category": category} if category else {}
    if draft:
        fields["draft"] = "true"
    for key, value in (("source", source), ("title_en", title_en), ("slug", slug), ("author", author),
                       ("summary", summary)):
        if value:
            fields[key] = f'"{value}"'
    if tags:
        fields["tags"] = f"[{tags}]"
    return article(title=title, date=f"{month}-{1 + day:02d}T{hour:02d}:{number % 60:02d}:00{zone}",
                   body=body, **fields)


def start_site() -> dict[int, dict]:
    # Two titles share a rare word: they are related, until an edit parts them (digest.related).
    return {i: {"title": f"زلزال: خبر رقم {i}" if i % 3 == 1 else f"خبر رقم {i}", "hours": 5 * i, "zone": ZONES[i % 3], "category": CATEGORIES[i % 4],
                "draft": False, "body": f"الفقرة الأولى من الخبر {i}.\n\nوفقرة ثانية فيها رقم {i * 7}.",
                "tags": "سياسة" if i % 3 == 0 else "", "title_en": "An editor's title" if i % 2 == 0 else ""}
            for i in range(7)}


edits = st.one_of(
    # A word two titles share makes them related (digest.related).
    st.tuples(st.just("title"), st.integers(0, 9), st.sampled_from(["عنوان جديد", "خبر آخر تماما",
                                                                     "زلزال قوي في اليابان"])),
    st.tuples(st.just("month"), st.integers(0, 9), st.sampled_from(["2017-12", "2018-01", "2018-02"])),
    st.tuples(st.just("body"), st.integers(0, 9), st.sampled_from(["نص جديد.", "فقرة **مهمة** هنا.\n\n- بند"])),
    st.tuples(st.just("hours"), st.integers(0, 9), st.integers(0, 24 * 5)),
    st.tuples(st.just("zone"), st.integers(0, 9), st.sampled_from(ZONES)),
    st.tuples(st.just("category"), st.integers(0, 9), st.sampled_from(CATEGORIES)),
    st.tuples(st.just("draft"), st.integers(0, 9), st.booleans()),
    st.tuples(st.just("delete"), st.integers(0, 9), st.none()),
    st.tuples(st.just("clear"), st.integers(0, 0), st.none()),
    st.tuples(st.just("add"), st.integers(10, 14), st.none()),
    st.tuples(st.just("source"), st.integers(0, 9), st.sampled_from(["", "بي بي سي", "CNN"])),
    st.tuples(st.just("title_en"), st.integers(0, 9), st.sampled_from(["", "An editor's title"])),
    st.tuples(st.just("slug"), st.integers(0, 9), st.sampled_from(["", "chosen-slug", "another-slug"])),
    st.tuples(st.just("author"), st.integers(0, 9), st.sampled_from(["", "مراسلنا"])),
    st.tuples(st.just("summary"), st.integers(0, 9), st.sampled_from(["", "ملخص كتبه المحرر."])),
    st.tuples(st.just("tags"), st.integers(0, 9), st.sampled_from(["", "سياسة, اقتصاد", "رياضة"])),
    st.tuples(st.just("rename"), st.integers(0, 9), st.integers(20, 29)),
    st.tuples(st.just("per_page"), st.integers(0, 0), st.integers(1, 4)),
    st.tuples(st.just("base_url"), st.integers(0, 0), st.sampled_from(BASE_URLS)),
    st.tuples(st.just("template"), st.integers(0, 0), st.booleans()),
    st.tuples(st.just("names"), st.integers(0, 0), st.booleans()),  # English tag and source names
)

NAMES = "tags: {سياسة: Politics, رياضة: Sport}\nsources: {CNN: {ar: سي إن إن, en: CNN, url: 'https://cnn.com/'}}\n"


def write(project, site: dict[int, dict], per_page: int, base_url: str, marked: bool, named: bool = False) -> set[str]:
    """The files as the site says; returns the real paths changed, as a file watcher reports them."""
    changed = set()
    for old in project.content.glob("*.md"):
        if int(old.stem[1:]) not in site:
            changed.add(str(old.resolve()))
            old.unlink()
    for number, fields in site.items():
        path = project.content / f"a{number:02}.md"
        text = text_of(number, **fields)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.add(str(path.resolve()))
    settings_text = f"per_page: {per_page}\nbase_url: {base_url}\n" + (NAMES if named else "")
    if project.config.read_text(encoding="utf-8") != settings_text:
        project.config.write_text(settings_text, encoding="utf-8")
        changed.add(str(project.config.resolve()))
    macros = project.root / "templates" / "_macros.html"  # a maintainer editing the teaser
    text = macros.read_text(encoding="utf-8")
    wanted = text.replace(TEASER, '<article class="teaser marked">') if marked else \
        text.replace('<article class="teaser marked">', TEASER)
    if wanted != text:
        macros.write_text(wanted, encoding="utf-8")
        changed.add(str(macros.resolve()))
    return changed


def apply(site: dict[int, dict], edit: tuple) -> None:
    kind, number, value = edit
    if kind == "add":
        site.setdefault(number, {**start_site()[number % 7], "title": f"خبر مضاف {number}"})
        return
    if kind == "clear":  # every article gone: an empty site
        site.clear()
    if not site:
        return
    number = sorted(site)[number % len(site)]
    if kind == "delete":
        del site[number]
    elif kind == "rename":  # the same article under another file name
        if value not in site:
            site[value] = site.pop(number)
    elif kind == "slug" and value and any(f.get("slug") == value for f in site.values()):
        return  # two articles may not share a slug: an error, tested elsewhere
    elif kind not in ("per_page", "base_url", "template", "names"):
        site[number][kind] = value


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(edits, min_size=1, max_size=4), preview=st.booleans())
def test_any_edits_built_incrementally_give_the_site_a_fresh_build_gives(steps, preview):
    with tempfile.TemporaryDirectory() as tmp:
        site, per_page, base_url, marked, named = start_site(), 2, BASE_URLS[0], False, False
        kept = make_project(Path(tmp) / "kept", sample=False, settings="")
        assert TEASER in (kept.root / "templates" / "_macros.html").read_text(encoding="utf-8")
        write(kept, site, per_page, base_url, marked)
        options = kept.options(jobs=1, progress=False, in_place=preview)
        builder = Builder(options, save_each_build=not preview)
        builder.build()
        for step in steps:
            apply(site, step)
            if step[0] == "per_page":
                per_page = step[2]
            elif step[0] == "base_url":
                base_url = step[2]
            elif step[0] == "template":
                marked = step[2]
            elif step[0] == "names":
                named = step[2]
            changed = write(kept, site, per_page, base_url, marked, named)
            if not preview:
                Builder(options).build()
            elif changed:  # the preview builds only when its watcher saw something, and says what
                builder.build(changed)

        fresh = make_project(Path(tmp) / "fresh", sample=False, settings="")
        write(fresh, site, per_page, base_url, marked, named)
        Builder(fresh.options(jobs=1, progress=False)).build()
        assert tree_bytes(kept.output) == tree_bytes(fresh.output), steps

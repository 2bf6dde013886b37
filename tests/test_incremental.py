"""Whatever an editor does between builds, an incremental build publishes exactly the site a
fresh build of the same files publishes: `build.py build` (a new Builder each time, the state
read back from the cache folder) and the preview (one Builder kept in memory)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from conftest import article, make_project, tree_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.build import Builder

CATEGORIES = ("", "economy", "sport", "culture")
ZONES = ("+03:00", "+00:00", "-05:30")


def text_of(number: int, title: str, hours: int, zone: str, category: str, draft: bool, body: str) -> str:
    day, hour = divmod(hours, 24)
    fields = {"category": category} if category else {}
    if draft:
        fields["draft"] = "true"
    return article(title=title, date=f"2018-02-{1 + day:02d}T{hour:02d}:{number % 60:02d}:00{zone}",
                   body=body, **fields)


def start_site() -> dict[int, dict]:
    return {i: {"title": f"خبر رقم {i}", "hours": 5 * i, "zone": ZONES[i % 3], "category": CATEGORIES[i % 4],
                "draft": False, "body": f"الفقرة الأولى من الخبر {i}.\n\nوفقرة ثانية فيها رقم {i * 7}."}
            for i in range(7)}


edits = st.one_of(
    st.tuples(st.just("title"), st.integers(0, 9), st.sampled_from(["عنوان جديد", "خبر آخر تماما"])),
    st.tuples(st.just("body"), st.integers(0, 9), st.sampled_from(["نص جديد.", "فقرة **مهمة** هنا.\n\n- بند"])),
    st.tuples(st.just("hours"), st.integers(0, 9), st.integers(0, 24 * 5)),
    st.tuples(st.just("zone"), st.integers(0, 9), st.sampled_from(ZONES)),
    st.tuples(st.just("category"), st.integers(0, 9), st.sampled_from(CATEGORIES)),
    st.tuples(st.just("draft"), st.integers(0, 9), st.booleans()),
    st.tuples(st.just("delete"), st.integers(0, 9), st.none()),
    st.tuples(st.just("add"), st.integers(10, 14), st.none()),
    st.tuples(st.just("per_page"), st.integers(0, 0), st.integers(1, 4)),
)


def write(project, site: dict[int, dict], per_page: int) -> None:
    for old in project.content.glob("*.md"):
        if int(old.stem[1:]) not in site:
            old.unlink()
    for number, fields in site.items():
        path = project.content / f"a{number:02}.md"
        text = text_of(number, **fields)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    settings_text = f"per_page: {per_page}\n"
    if project.config.read_text(encoding="utf-8") != settings_text:
        project.config.write_text(settings_text, encoding="utf-8")


def apply(site: dict[int, dict], edit: tuple) -> None:
    kind, number, value = edit
    if kind == "add":
        site.setdefault(number, {**start_site()[number % 7], "title": f"خبر مضاف {number}"})
        return
    if not site:
        return
    number = sorted(site)[number % len(site)]
    if kind == "delete":
        del site[number]
    elif kind != "per_page":
        site[number][kind] = value


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(edits, min_size=1, max_size=4), preview=st.booleans())
def test_any_edits_built_incrementally_give_the_site_a_fresh_build_gives(steps, preview):
    with tempfile.TemporaryDirectory() as tmp:
        site, per_page = start_site(), 2
        kept = make_project(Path(tmp) / "kept", sample=False, settings="")
        write(kept, site, per_page)
        options = kept.options(jobs=1, progress=False, in_place=preview)
        builder = Builder(options, save_each_build=not preview)
        builder.build()
        for step in steps:
            apply(site, step)
            if step[0] == "per_page":
                per_page = step[2]
            write(kept, site, per_page)
            (builder if preview else Builder(options)).build()

        fresh = make_project(Path(tmp) / "fresh", sample=False, settings="")
        write(fresh, site, per_page)
        Builder(fresh.options(jobs=1, progress=False)).build()
        assert tree_bytes(kept.output) == tree_bytes(fresh.output), steps
        shutil.rmtree(Path(tmp) / "kept")

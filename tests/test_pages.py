"""Planning: a plan made from the last build's (only the lists showing a changed article) has
every page's key, and every page it renders, exactly as a plan made from scratch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.config import Config
from digest.content import Article
from digest.entries import Entry
from digest.pages import PlanMemo, plan_pages, sort_entries

CATEGORIES = ("", "economy", "sport", "culture")
START = datetime(2018, 2, 1, 8, 0, tzinfo=timezone(timedelta(hours=3)))


def make_entries(specs: list[tuple[int, int]], edits: dict[int, str] | None = None) -> list[Entry]:
    """Entries from (hours after START, category) pairs; `edits` changes some summaries."""
    entries = []
    for i, (hours, category) in enumerate(specs):
        when = START + timedelta(hours=hours)
        article = Article(path=f"a{i}.md", slug=f"a{i}", title=f"عنوان {i}", date=when, body="", body_line=5,
                          category=CATEGORIES[category])
        summary = (edits or {}).get(i, f"ملخص {i}")
        entries.append(Entry(article=article, html_utf8=b"<p>x</p>", summary=summary, day=when.date(),
                             category_slug=CATEGORIES[category], dates={"ar": "", "en": ""},
                             order=(-when.timestamp(), article.slug)))
    return sort_entries(entries)


def comparable(page) -> tuple:
    """A page as what it renders from: the entries in its context by slug."""
    def plain(value):
        if isinstance(value, Entry):
            return value.slug
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    return page.url, page.template, page.lang, page.key, {k: plain(v) for k, v in page.context.items()}


specs = st.lists(st.tuples(st.integers(0, 24 * 6), st.integers(0, len(CATEGORIES) - 1)), max_size=40,
                 unique_by=lambda spec: spec)


@settings(max_examples=150, deadline=None)
@given(specs=specs, edited=st.sets(st.integers(0, 39), max_size=6), per_page=st.integers(1, 5))
def test_a_plan_from_the_last_one_equals_a_plan_from_scratch(specs, edited, per_page):
    config = Config(per_page=per_page)
    before = plan_pages(make_entries(specs), config)
    memo = PlanMemo(before.layout_key, before.keys())
    edits = {i: f"ملخص معدل {i}" for i in edited if i < len(specs)}
    entries = make_entries(specs, edits)
    partial = plan_pages(entries, config, memo)
    scratch = plan_pages(entries, config)
    assert partial.keys().as_dict() == scratch.keys().as_dict()
    assert list(partial.keys().as_dict()) == list(scratch.keys().paths()) == list(scratch.keys().as_dict())
    assert len(partial.keys()) == len(scratch.keys().as_dict())
    stale = partial.keys().stale(memo.keys)
    old = memo.keys.as_dict()
    assert stale == [path for path, key in scratch.keys().as_dict().items() if old.get(path) != key]
    if edits and len(edits) * 2 <= len(specs):
        assert partial.partial  # the point: it did not plan every list
    assert [comparable(p) for p in partial.pages(stale)] == [comparable(p) for p in scratch.pages(stale)]
    # Anything else it is asked for, and the sitemap's lists, come from a whole plan.
    every = list(scratch.keys().paths())
    assert [comparable(p) for p in partial.pages(every)] == [comparable(p) for p in scratch.pages(every)]
    whole = partial.whole()
    assert whole.lists.keys() == scratch.lists.keys()
    for lang, pages in scratch.lists.items():
        assert [comparable(p) for p in whole.lists[lang]] == [comparable(p) for p in pages]


def test_a_new_date_or_category_changes_the_shape_and_plans_everything():
    config = Config(per_page=2)
    specs = [(h, h % 3) for h in range(0, 60, 5)]
    before = plan_pages(make_entries(specs), config)
    memo = PlanMemo(before.layout_key, before.keys())
    for changed in ([*specs[:-1], (200, 1)], [*specs[:-1], (specs[-1][0], (specs[-1][1] + 1) % 3)]):
        plan = plan_pages(make_entries(changed), config, memo)
        assert not plan.partial and plan.keys() == plan_pages(make_entries(changed), config).keys()


@settings(max_examples=150, deadline=None)
@given(before=specs, after=specs, edited=st.sets(st.integers(0, 39), max_size=6), per_page=st.integers(1, 5),
       new_nav=st.booleans())
def test_site_keys_tell_stale_and_gone_pages_as_every_pages_key_would(before, after, edited, per_page, new_nav):
    """Kept compactly (article keys from slugs and fingerprints), the keys still name exactly the
    pages whose key changed or is new, and those no longer there, between any two sites."""
    config = Config(per_page=per_page)
    old = plan_pages(make_entries(before), config).keys()
    new = plan_pages(make_entries(after, {i: "ملخص معدل" for i in edited}), config).keys()
    if new_nav:
        new.nav_key = "another nav"
    old_pages, new_pages = old.as_dict(), new.as_dict()
    assert new.stale(old) == [path for path, key in new_pages.items() if old_pages.get(path) != key]
    assert new.stale(None) == list(new_pages)
    assert sorted(new.gone(old)) == sorted(set(old_pages) - set(new_pages))


def test_body_edits_built_from_the_last_plan_give_the_site_a_fresh_build_gives(tmp_path):
    """End to end, over paginated home and category pages and several days."""
    from conftest import article, make_project, tree_bytes

    def fill(project):
        for i in range(45):
            project.write(f"a{i:02}.md", article(
                title=f"خبر رقم {i}", date=f"2018-02-{1 + i % 6:02d}T{8 + i % 12:02d}:{i:02d}:00+03:00",
                body=f"الفقرة الأولى من الخبر {i}.\n\nوفقرة ثانية فيها رقم {i * 13}.",
                category=("economy", "sport", "culture")[i % 3]))

    settings = "per_page: 4\n"
    kept = make_project(tmp_path / "kept", sample=False, settings=settings)
    fill(kept)
    kept.build()
    for name, words in (("a07.md", "وصف جديد في أول الخبر."), ("a31.md", "سطر آخر مختلف.")):
        path = kept.content / name
        text = path.read_text(encoding="utf-8").replace("الفقرة الأولى", words)
        path.write_text(text, encoding="utf-8")
        assert "pages rendered" in kept.build().stdout  # from the last plan: its pages and lists
    fresh = make_project(tmp_path / "fresh", sample=False, settings=settings)
    fill(fresh)
    for name in ("a07.md", "a31.md"):
        (fresh.content / name).write_text((kept.content / name).read_text(encoding="utf-8"), encoding="utf-8")
    fresh.build()
    assert tree_bytes(kept.output) == tree_bytes(fresh.output)


def _dated(slug: str, when: datetime, category: str) -> Entry:
    article = Article(path=f"{slug}.md", slug=slug, title="عنوان", date=when, body="", body_line=5, category=category)
    return Entry(article=article, html_utf8=b"", summary="", day=when.date(), category_slug=category,
                 dates={"ar": "", "en": ""}, order=(-when.timestamp(), slug))


instants = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(9000, 1, 1))
# London's clocks skip an hour in March: 01:30 and 02:30 on its last Sunday are one instant.
zones = st.sampled_from([UTC, timezone(timedelta(hours=3)), timezone(timedelta(hours=-5, minutes=-30)),
                         ZoneInfo("Europe/London")])
sites = st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), instants, zones, st.sampled_from(CATEGORIES)),
                 min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(first=sites, second=sites, tweak=st.integers(0, 4))
def test_the_shape_changes_exactly_when_a_slug_date_or_category_does(first, second, tweak):
    """What the sitemap shows of each article, in order: its slug, its date as isoformat() (the
    instant and the offset) and its category."""
    from digest.pages import site_shape

    def entries(site):
        return [_dated(slug, moment.replace(tzinfo=zone), category) for slug, moment, zone, category in site]

    def shown(site):
        return [(e.article.slug, e.article.date.isoformat(), e.article.category) for e in entries(site)]

    if tweak == 1:  # one microsecond later, or the same instant in another zone
        second = [(first[0][0], first[0][1] + timedelta(microseconds=1), first[0][2], first[0][3]), *first[1:]]
    elif tweak == 2:
        moment = first[0][1].replace(tzinfo=first[0][2]).astimezone(timezone(timedelta(hours=1)))
        second = [(first[0][0], moment.replace(tzinfo=None), moment.tzinfo, first[0][3]), *first[1:]]
    elif tweak == 3:
        second = list(first)
    elif tweak == 4:  # a time London skipped, and the same instant an hour later on its clocks
        gap = datetime(2024, 3, 31, 1, 30)
        first = [("a", gap, ZoneInfo("Europe/London"), "")]
        second = [("a", gap + timedelta(hours=1), ZoneInfo("Europe/London"), "")]
        assert entries(first)[0].order == entries(second)[0].order
    assert (site_shape(entries(first)) == site_shape(entries(second))) == (shown(first) == shown(second))

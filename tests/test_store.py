"""The saved build state: a whole pickle, then small deltas, read back as one consistent state."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime

from conftest import article as article_text
from conftest import tree_bytes

from digest import cachefile
from digest.config import Config
from digest.content import Article
from digest.entries import PENDING, English, Entry, prepare
from digest.incremental import store as state
from digest.incremental.store import ArticleStore


def record(name: str, text: str = "نص الخبر الأول.", english: bool = True) -> tuple:
    """A real Article and its prepared Entry, as a build keeps them."""
    article = Article(path=name, slug=name, title=f"عنوان {name}", date=datetime(2018, 2, 4, 9, 30, tzinfo=UTC),
                      body=text, body_line=5, source="bbc", category="economy", tags=["وسم"], author="كاتب",
                      title_en=f"Title {name}" if english else "", summary_en="Summary" if english else "",
                      source_hash=f"hash {name}", image="/i.png")
    return article, prepare(article, Config())


def fresh(n: int) -> tuple[dict, dict]:
    files, entries = {}, {}
    for i in range(n):
        article, entry = record(f"a{i}", english=i % 2 == 1)
        files[article.path] = ((1, 2, i), article, ())
        entries[article.path] = (article, entry)
    return files, entries


def unfilled(value) -> bool:
    """Whether a loaded Article or Entry still waits for the rest of its fields."""
    return value._lazy is not None


def whole(value):
    """The value with every field: a loaded one is filled in first."""
    value.title if isinstance(value, Article) else value.html_utf8
    return value


def test_a_small_change_is_saved_as_a_delta_and_read_back_with_shared_objects(tmp_path):
    store = ArticleStore(tmp_path, version=7)
    files, entries = fresh(50)
    store.save(files, entries, "s1")
    base = (tmp_path / "articles.pickle").read_bytes()
    new, new_entry = record("a3", "نص جديد.")
    files["a3"] = ((9, 9, 9), new, ())
    entries["a3"] = (new, new_entry)
    translated = dataclasses.replace(entries["a4"][1], english=English("Title", "Summary", "machine", "machine", "m 1"))
    entries["a4"] = (files["a4"][1], translated)  # only the entry changed
    del files["a7"], entries["a7"]
    store.save(files, entries, "s1")
    assert (tmp_path / "articles.pickle").read_bytes() == base  # the base was not rewritten
    assert (tmp_path / "articles.delta.pickle").exists()
    loaded_files, loaded_entries, settings = ArticleStore(tmp_path, version=7).load()
    assert settings == "s1" and sorted(loaded_files) == sorted(files) and "a7" not in loaded_entries
    assert loaded_files["a3"][0] == (9, 9, 9) and whole(loaded_entries["a3"][1]).summary == "نص جديد."
    assert loaded_entries["a4"][1].english.title == "Title"
    for key in loaded_files:
        assert loaded_files[key][1] is loaded_entries[key][0], key  # one Article per file
        assert whole(loaded_entries[key][1]) == entries[key][1] and whole(loaded_files[key][1]) == files[key][1]


def test_kept_articles_load_with_the_index_and_read_their_pickle_on_first_use(tmp_path):
    files, entries = fresh(3)
    ArticleStore(tmp_path, version=1).save(files, entries, "s")
    loaded_files, loaded_entries, _ = ArticleStore(tmp_path, version=1).load()
    article, entry = loaded_entries["a1"]
    assert type(article) is Article and type(entry) is Entry and unfilled(article) and unfilled(entry)
    # What every build reads of every article is there without unpickling anything.
    assert (article.slug, article.date, article.category, entry.day, entry.order, entry.category_slug) == (
        "a1", files["a1"][1].date, "economy", entries["a1"][1].day, entries["a1"][1].order, "economy")
    assert entry.fingerprint() == entries["a1"][1].fingerprint()
    assert entry.english == English("Title a1", "Summary", "editor", "editor") and loaded_entries["a0"][1].english is PENDING
    assert unfilled(article) and unfilled(entry)
    assert entry.summary == entries["a1"][1].summary  # the rest: read, and now whole
    assert not unfilled(entry) and entry.article is article and unfilled(article)
    assert article.image == "/i.png" and not unfilled(article)  # (tags are in the index)
    assert entry == entries["a1"][1] and article == files["a1"][1]
    # A field written before the entry was filled in keeps what was written.
    other = loaded_entries["a0"][1]
    other.summary = "كتب قبل الملء"
    assert other.html_utf8 == entries["a0"][1].html_utf8 and other.summary == "كتب قبل الملء"
    loaded_entries["a0"][1].summary = entries["a0"][1].summary
    # The whole of every field survives the round trip, whichever order they are first used in.
    for key in ("a0", "a2"):
        assert whole(loaded_files[key][1]) == files[key][1] and whole(loaded_entries[key][1]) == entries[key][1]


def test_a_new_base_keeps_unused_pickles_and_the_index_fields_changed_since(tmp_path, monkeypatch):
    monkeypatch.setattr(state, "DELTA_MAX_ITEMS", 1)
    files, entries = fresh(4)
    ArticleStore(tmp_path, version=1).save(files, entries, "s")
    store = ArticleStore(tmp_path, version=1)
    loaded_files, loaded_entries, _ = store.load()
    english = English("Kept title", "Kept summary", "machine", "machine", "m 2")
    kept = loaded_entries["a2"][1]
    kept.english = english  # as translate_entries does: the index holds the English
    loaded_entries["a2"] = (loaded_entries["a2"][0], kept)
    whole(loaded_entries["a3"][1]).summary = "لخص من جديد"  # used (and changed), so pickled again
    for name in ("a0", "a1"):  # new records: more than the delta may hold, so a new base
        article, entry = record(name, "نص مختلف.")
        loaded_files[name], loaded_entries[name] = ((5, 5, 5), article, ()), (article, entry)
    store.save(loaded_files, loaded_entries, "s")
    assert not (tmp_path / "articles.delta.pickle").exists()
    assert len(list(tmp_path.glob("articles-*.pickles"))) == 1  # the old pickles went
    again_files, again_entries, _ = ArticleStore(tmp_path, version=1).load()
    assert again_entries["a2"][1].english == english and whole(again_entries["a2"][1]).summary
    assert whole(again_entries["a2"][1]) == dataclasses.replace(entries["a2"][1], english=english)
    assert whole(again_entries["a3"][1]) == dataclasses.replace(entries["a3"][1], summary="لخص من جديد")
    assert whole(again_entries["a0"][1]).summary == "نص مختلف." and again_files["a0"][0] == (5, 5, 5)
    # The articles still in use by the build that saved read their pickles after the old file went.
    assert whole(loaded_entries["a2"][1]).html_utf8 == entries["a2"][1].html_utf8


def test_a_new_base_pickles_only_what_it_has_no_pickle_of(tmp_path, monkeypatch):
    """Articles unused since loading keep their pickles and spooled articles theirs: only the others are pickled."""
    monkeypatch.setattr(state, "DELTA_MAX_ITEMS", 0)  # every save writes a base
    files, entries = fresh(6)
    ArticleStore(tmp_path, version=1).save(files, entries, "s")
    store = ArticleStore(tmp_path, version=1)
    loaded_files, loaded_entries, _ = store.load()
    whole(loaded_entries["a1"][1])  # used: pickled again
    spool = store.spool()
    for name in ("a2", "a3"):  # read again, by workers
        article, entry = record(name, "نص من عامل.")
        loaded_files[name], loaded_entries[name] = ((7, 7, 7), article, ()), (article, entry)
        spool.add(article, entry, pickle.dumps((article, entry)))
    pickled = []
    real_dumps = pickle.dumps
    monkeypatch.setattr(state.pickle, "dumps", lambda obj, *a, **k: pickled.append(obj) or real_dumps(obj, *a, **k))
    store.save(loaded_files, loaded_entries, "s", spool)
    monkeypatch.setattr(state.pickle, "dumps", real_dumps)
    # (The module is shared: the index, a dict, is pickled through it too.)
    assert [pair[0].path for pair in pickled if isinstance(pair, tuple)] == ["a1"]
    assert not list(tmp_path.glob("*.tmp"))
    again_files, again_entries, _ = ArticleStore(tmp_path, version=1).load()
    assert whole(again_entries["a3"][1]).summary == "نص من عامل." and again_files["a3"][0] == (7, 7, 7)
    for key in ("a0", "a1", "a4", "a5"):
        assert whole(again_entries[key][1]) == entries[key][1] and whole(again_files[key][1]) == files[key][1]


def test_big_changes_new_settings_or_another_version_rewrite_or_drop_the_state(tmp_path, monkeypatch):
    monkeypatch.setattr(state, "DELTA_MAX_ITEMS", 10)
    store = ArticleStore(tmp_path, version=1)
    files, entries = fresh(30)
    store.save(files, entries, "s1")
    files2, entries2 = fresh(30)  # every object new: more than the delta may hold
    store.save(files2, entries2, "s1")
    assert not (tmp_path / "articles.delta.pickle").exists()
    store.save(files2, entries2, "s2")  # new settings: a new base
    assert ArticleStore(tmp_path, version=1).load()[2] == "s2"
    assert ArticleStore(tmp_path, version=2).load() == ({}, {}, "")


def test_missing_or_damaged_pickles_drop_the_state_rather_than_fail_later(tmp_path):
    ArticleStore(tmp_path, version=1).save(*fresh(3), "s")
    (pickles,) = tmp_path.glob("articles-*.pickles")
    data = pickles.read_bytes()
    pickles.write_bytes(data[:-10])  # not the size the index says
    assert ArticleStore(tmp_path, version=1).load() == ({}, {}, "")
    pickles.unlink()
    assert ArticleStore(tmp_path, version=1).load() == ({}, {}, "")


def test_a_delta_of_an_older_base_or_a_damaged_one_is_ignored(tmp_path):
    store = ArticleStore(tmp_path, version=1)
    files, entries = fresh(5)
    store.save(files, entries, "s")
    article, entry = record("a1", "نص معدل.")
    files["a1"], entries["a1"] = ((5, 5, 5), article, ()), (article, entry)
    store.save(files, entries, "s")
    delta = (tmp_path / "articles.delta.pickle").read_bytes()
    ArticleStore(tmp_path, version=1).save(*fresh(5), "other")  # a new base from another build
    (tmp_path / "articles.delta.pickle").write_bytes(delta)
    assert ArticleStore(tmp_path, version=1).load()[0]["a1"][0] == (1, 2, 1)  # old delta: not applied
    (tmp_path / "articles.delta.pickle").write_bytes(b"\x80\x05garbage")
    assert len(ArticleStore(tmp_path, version=1).load()[0]) == 5


def test_builds_after_a_delta_save_reuse_every_prepared_article(project):
    from conftest import make_project

    from digest.build import Builder
    from digest.incremental.keys import prepared_key

    project.build()
    path = project.content / "2016-09-01-kerry-lavrov-call.md"
    path.write_text(path.read_text(encoding="utf-8").replace("كيري ولافروف", "كيري ولافروف مجددا"),
                    encoding="utf-8")
    project.build()
    delta = cachefile.read_pickle(project.cache / "articles.delta.pickle", "articles-delta")
    assert [sorted(r["entries"]) for r in delta["records"]] == [[str(path.relative_to(project.root))]]
    builder = Builder(project.options())
    builder._load_state(prepared_key(builder.options.config))
    assert len(builder.entries) == len(list(project.content.glob("*.md")))
    for key, (article, _entry) in builder.entries.items():
        assert builder.records[key][1] is article, key  # so the next build prepares nothing again
    assert "nothing changed" in project.build().stdout
    other = project.content / "bb-economy-17-20180204.md"
    other.write_text(other.read_text(encoding="utf-8") + "\nسطر أخير جديد.\n", encoding="utf-8")
    project.build()
    again = make_project(project.root.parent / "fresh")
    for name in (path.name, other.name):
        (again.content / name).write_text((project.content / name).read_text(encoding="utf-8"), encoding="utf-8")
    again.build()
    assert tree_bytes(project.output) == tree_bytes(again.output)


def test_dates_formatted_in_workers_are_kept_and_reused_only_with_the_same_babel(empty_project):
    """A small rebuild formats its dates from what earlier builds (and their workers) formatted."""
    from datetime import date

    from digest.i18n import babel_stamp

    for i in range(210):  # enough to read and render in forked workers
        day = 1 + i % 28
        empty_project.write(f"a{i}.md", article_text(title=f"خبر {i}", date=f"2018-02-{day:02d}T10:{i % 60:02d}:00+03:00"))
    empty_project.build("--jobs", "2")
    saved = cachefile.read_pickle(empty_project.cache / "formats.pickle", "formats")
    assert saved["maker"] == babel_stamp()
    (key,) = [k for k in saved["formats"] if k[:3] == ("date", date(2018, 2, 9), "full") and k[3].startswith("ar")]
    heading = saved["formats"][key]
    assert "2018" in heading  # a day heading, made by a render worker
    minutes = {k[1] for k in saved["formats"] if k[0] == "time"}
    assert len(minutes) == 60  # every article's time, formatted by the read workers
    # A wrong text under the same Babel is taken as it is: the memo is what the build uses...
    saved["formats"][key] = "FORMATTED EARLIER"
    cachefile.write_pickle(empty_project.cache / "formats.pickle", "formats", saved)
    empty_project.write("a9.md", article_text(title="خبر 9 معدل", date="2018-02-09T10:09:00+03:00"))
    empty_project.build()
    day_page = empty_project.output / "ar" / "2018" / "02" / "09" / "index.html"
    assert "FORMATTED EARLIER" in day_page.read_text(encoding="utf-8")
    # ...and none of it under another Babel.
    saved["maker"] = "another babel"
    cachefile.write_pickle(empty_project.cache / "formats.pickle", "formats", saved)
    empty_project.write("a9.md", article_text(title="خبر 9 معدل مرة أخرى", date="2018-02-09T10:09:00+03:00"))
    empty_project.build()
    assert heading in day_page.read_text(encoding="utf-8")


def test_a_state_saved_from_the_workers_pickles_renders_every_page_as_a_fresh_build(tmp_path):
    """Read workers pickle each article for the saved state; later builds load it lazily and
    unpickle the articles their pages show (a template change: every page, in render workers)."""
    from conftest import make_project

    def fill(project):
        for i in range(210):  # enough to read and render in forked workers
            project.write(f"a{i:03}.md", article_text(
                title=f"خبر رقم {i}", date=f"2018-02-{1 + i % 28:02d}T10:{i % 60:02d}:00+03:00",
                body=f"الفقرة الأولى من الخبر {i} عن موضوع {i * 7}.\n\nوفقرة ثانية فيها رقم {i * 13}.",
                category=("economy", "sport", "culture")[i % 3], source=f"مصدر {i % 5}"))

    kept = make_project(tmp_path / "kept", sample=False)
    fill(kept)
    kept.build("--jobs", "2")
    assert len(list(kept.cache.glob("articles-*.pickles"))) == 1 and not list(kept.cache.glob("*.tmp"))
    kept.write("a100.md", article_text(title="خبر معدل", date="2018-02-17T10:40:00+03:00", body="نص جديد كله."))
    assert "pages rendered" in kept.build("--jobs", "2").stdout  # one change: its pages and lists
    base = kept.root / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</footer>", "<!-- v2 -->\n</footer>"), encoding="utf-8")
    assert "unchanged" not in kept.build("--jobs", "2").stdout  # every page rendered again, from the lazily loaded articles
    fresh = make_project(tmp_path / "fresh", sample=False)
    fill(fresh)
    fresh.write("a100.md", (kept.content / "a100.md").read_text(encoding="utf-8"))
    (fresh.root / "templates" / "base.html").write_text(base.read_text(encoding="utf-8"), encoding="utf-8")
    fresh.build("--jobs", "2")
    assert tree_bytes(kept.output) == tree_bytes(fresh.output)


def test_a_build_that_fails_after_its_workers_read_leaves_no_spooled_pickles(empty_project):
    for i in range(210):
        empty_project.write(f"a{i:03}.md", article_text(title=f"خبر {i}", date=f"2018-02-{1 + i % 28:02d}T10:00:00+03:00"))
    empty_project.write("a150.md", "no front matter here\n")
    done = empty_project.run("build", "--jobs", "2")
    assert done.returncode != 0 and "a150.md:1" in done.stderr
    assert not list(empty_project.cache.glob("articles-*"))  # no half-made state


def test_a_build_that_fails_after_reading_leaves_no_spooled_pickles(empty_project):
    for i in range(210):
        empty_project.write(f"a{i:03}.md", article_text(title=f"خبر {i}", date=f"2018-02-{1 + i % 28:02d}T10:00:00+03:00"))
    done = empty_project.run("build", "--jobs", "2", "--strict")  # no model: fails after reading
    assert done.returncode != 0 and "no Arabic-English translation model" in done.stderr
    # What it read is saved (it needs no model), and no spooled pickle is left beside it.
    assert not list(empty_project.cache.glob("articles-*.tmp"))
    again = empty_project.run("build", "--jobs", "2")
    assert again.returncode == 0 and "built 210 articles" in again.stdout


def test_a_damaged_pickles_file_is_dropped_and_every_article_read_again(project):
    project.build()
    (pickles,) = project.cache.glob("articles-*.pickles")
    pickles.write_bytes(bytes(pickles.stat().st_size))  # zeros, as after a power cut
    path = project.content / "2016-09-01-kerry-lavrov-call.md"
    path.write_text(path.read_text(encoding="utf-8").replace("كيري ولافروف", "كيري ولافروف مجددا"),
                    encoding="utf-8")
    done = project.build()
    assert f"{pickles.relative_to(project.root)}:1: warning: damaged cache file" in done.stderr
    assert "every article was read again" in done.stderr
    from conftest import make_project

    fresh = make_project(project.root.parent / "fresh")
    (fresh.content / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    fresh.build()
    assert tree_bytes(project.output) == tree_bytes(fresh.output)
    other = project.content / "bb-economy-17-20180204.md"
    other.write_text(other.read_text(encoding="utf-8") + "\nسطر أخير.\n", encoding="utf-8")
    assert "damaged" not in project.build().stderr  # a new, sound state

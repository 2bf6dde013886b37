"""The saved build state: a whole pickle, then small deltas, read back as one consistent state."""

from __future__ import annotations

import pickle

from conftest import article as article_text
from conftest import tree_bytes

from digest import state
from digest.state import StateStore


class Thing:
    """Stands for an Article: shared by a file's record and its entry."""

    def __init__(self, name: str):
        self.name = name


def fresh(n: int) -> tuple[dict, dict]:
    things = [Thing(f"a{i}") for i in range(n)]
    files = {t.name: ((1, 2, 3), t, []) for t in things}
    entries = {t.name: (t, f"entry of {t.name}") for t in things}
    return files, entries


def test_a_small_change_is_saved_as_a_delta_and_read_back_with_shared_objects(tmp_path):
    store = StateStore(tmp_path, version=7)
    files, entries = fresh(50)
    store.save(files, entries, "s1")
    base = (tmp_path / "articles.pickle").read_bytes()
    new = Thing("a3")
    files["a3"] = ((9, 9, 9), new, [])
    entries["a3"] = (new, "entry again")
    entries["a4"] = (files["a4"][1], "translated now")  # only the entry changed
    del files["a7"], entries["a7"]
    store.save(files, entries, "s1")
    assert (tmp_path / "articles.pickle").read_bytes() == base  # the base was not rewritten
    assert (tmp_path / "articles.delta.pickle").exists()
    loaded_files, loaded_entries, settings = StateStore(tmp_path, version=7).load()
    assert settings == "s1" and sorted(loaded_files) == sorted(files) and "a7" not in loaded_entries
    assert loaded_files["a3"][0] == (9, 9, 9) and loaded_entries["a3"][1] == "entry again"
    assert loaded_entries["a4"][1] == "translated now"
    for key in loaded_files:
        assert loaded_files[key][1] is loaded_entries[key][0], key  # one Article per file


def test_big_changes_new_settings_or_another_version_rewrite_or_drop_the_state(tmp_path, monkeypatch):
    monkeypatch.setattr(state, "DELTA_MAX_ITEMS", 10)
    store = StateStore(tmp_path, version=1)
    files, entries = fresh(30)
    store.save(files, entries, "s1")
    files2, entries2 = fresh(30)  # every object new: more than the delta may hold
    store.save(files2, entries2, "s1")
    assert not (tmp_path / "articles.delta.pickle").exists()
    store.save(files2, entries2, "s2")  # new settings: a new base
    assert StateStore(tmp_path, version=1).load()[2] == "s2"
    assert StateStore(tmp_path, version=2).load() == ({}, {}, "")


def test_a_delta_of_an_older_base_or_a_damaged_one_is_ignored(tmp_path):
    store = StateStore(tmp_path, version=1)
    files, entries = fresh(5)
    store.save(files, entries, "s")
    t = Thing("a1")
    files["a1"], entries["a1"] = ((5, 5, 5), t, []), (t, "changed")
    store.save(files, entries, "s")
    delta = (tmp_path / "articles.delta.pickle").read_bytes()
    StateStore(tmp_path, version=1).save(*fresh(5), "other")  # a new base from another build
    (tmp_path / "articles.delta.pickle").write_bytes(delta)
    assert StateStore(tmp_path, version=1).load()[0]["a1"][0] == (1, 2, 3)  # old delta: not applied
    (tmp_path / "articles.delta.pickle").write_bytes(b"\x80\x05garbage")
    assert len(StateStore(tmp_path, version=1).load()[0]) == 5


def test_builds_after_a_delta_save_reuse_every_prepared_article(project):
    from conftest import make_project

    from digest.build import Builder, _settings_key

    project.build()
    path = project.content / "2016-09-01-kerry-lavrov-call.md"
    path.write_text(path.read_text(encoding="utf-8").replace("كيري ولافروف", "كيري ولافروف مجددا"),
                    encoding="utf-8")
    project.build()
    delta = pickle.loads((project.cache / "articles.delta.pickle").read_bytes())
    assert [sorted(r["entries"]) for r in delta["records"]] == [[str(path.relative_to(project.root))]]
    builder = Builder(project.options())
    builder._load_state(_settings_key(builder.options))
    assert len(builder.entries) == len(list(project.content.glob("*.md")))
    for key, (article, _entry) in builder.entries.items():
        assert builder.files[key][1] is article, key  # so the next build prepares nothing again
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
    saved = pickle.loads((empty_project.cache / "formats.pickle").read_bytes())
    assert saved["maker"] == babel_stamp()
    key = ("date", date(2018, 2, 9), "full", "en", False)
    assert saved["formats"][key] == "Friday, February 9, 2018"  # a day heading, made by a render worker
    minutes = {k[1] for k in saved["formats"] if k[0] == "time"}
    assert len(minutes) == 60  # every article's time, formatted by the read workers
    # A wrong text under the same Babel is taken as it is: the memo is what the build uses...
    saved["formats"][key] = "FORMATTED EARLIER"
    (empty_project.cache / "formats.pickle").write_bytes(pickle.dumps(saved))
    empty_project.write("a9.md", article_text(title="خبر 9 معدل", date="2018-02-09T10:09:00+03:00"))
    empty_project.build()
    day_page = empty_project.output / "en" / "2018" / "02" / "09" / "index.html"
    assert "FORMATTED EARLIER" in day_page.read_text(encoding="utf-8")
    # ...and none of it under another Babel.
    saved["maker"] = "another babel"
    (empty_project.cache / "formats.pickle").write_bytes(pickle.dumps(saved))
    empty_project.write("a9.md", article_text(title="خبر 9 معدل مرة أخرى", date="2018-02-09T10:09:00+03:00"))
    empty_project.build()
    assert "Friday, February 9, 2018" in day_page.read_text(encoding="utf-8")

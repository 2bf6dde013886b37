"""Batched translation with a real (tiny) Argos package, and the SQLite translation cache."""

from __future__ import annotations

import random
import sqlite3
import zipfile
from pathlib import Path

import pytest
from argos_fixture import ARABIC_SENTENCES
from conftest_translate import (  # noqa: F401  (fixtures, registered under their names without _fixture)
    argos_zip,
    model_fixture,
    package_zip_fixture,
    package_zip_v11_fixture,
    packages_fixture,
)

from digest.config import TranslationConfig
from digest.incremental.keys import translation_key
from digest.models import Model, ModelError, install_model
from digest.tcache import FILENAME, TranslationCache, read_rows
from digest.translate import _ENGLISH_FORMS as ENGLISH_FORMS
from digest.translate import (
    TranslationStats,
    decode_sentence,
    decoding_options,
    encode_sentences,
    load_translator,
    output_cap,
    translate_sentences,
)
from digest.translate import translate_texts as translate_texts_with_key

SETTINGS = TranslationConfig(threads=2)


def translate_texts(texts: list[str], model: Model, cache: TranslationCache, config: TranslationConfig,
                    progress: bool | None = None) -> tuple[list[str], TranslationStats]:
    """The English texts, under the model's key for `config` (held-back ones included)."""
    made, stats = translate_texts_with_key(texts, model, cache, config, translation_key(model, config), progress)
    return [m.text for m in made], stats


def counts(stats: TranslationStats) -> tuple[int, int]:
    return stats.translated, stats.cached
# Titles and summaries of several sentences each, with one sentence shared by two texts.
TEXTS = [
    " ".join(ARABIC_SENTENCES[0:3]),
    ARABIC_SENTENCES[3],
    "",
    " ".join(ARABIC_SENTENCES[4:9]) + "\n" + ARABIC_SENTENCES[0],
    "   ",
    " ".join(ARABIC_SENTENCES[9:20]),
]
UNIQUE = 20  # sentences 0..19


class Notes(list):
    """Collects warnings the way the build does (result.notes.append)."""


@pytest.fixture
def notes() -> Notes:
    return Notes()


@pytest.fixture
def cache(tmp_path: Path, notes: Notes):
    with TranslationCache(tmp_path / "cache", warn=notes.append) as opened:
        yield opened


def _alone(model: Model, sentence: str, settings: TranslationConfig = SETTINGS) -> str:
    """One sentence through its own translate_batch call."""
    pkg = model.argos()
    tokens = encode_sentences(pkg, [sentence])
    options = decoding_options(settings, output_cap(len(tokens[0]), settings))
    result = load_translator(model, settings).translate_batch(tokens, **options)
    return decode_sentence(pkg, result[0].hypotheses[0])


# --- translate_texts ------------------------------------------------------------


def test_translates_then_reuses_the_cache(model: Model, cache: TranslationCache) -> None:
    english, stats = translate_texts(TEXTS, model, cache, SETTINGS)
    assert counts(stats) == (UNIQUE, 0)
    assert len(english) == len(TEXTS)
    assert english[2] == "" and english[4] == ""
    assert all(english[i] for i in (0, 1, 3, 5))
    again, stats = translate_texts(TEXTS, model, cache, SETTINGS)
    assert counts(stats) == (0, UNIQUE)
    assert again == english


def test_cache_survives_reopening(model: Model, tmp_path: Path) -> None:
    with TranslationCache(tmp_path / "c") as first:
        english, _ = translate_texts(TEXTS, model, first, SETTINGS)
    with TranslationCache(tmp_path / "c") as second:
        again, stats = translate_texts(TEXTS, model, second, SETTINGS)
    assert (again, stats.translated, stats.cached) == (english, 0, UNIQUE)


def test_one_changed_sentence_is_the_only_one_translated(model: Model, cache: TranslationCache) -> None:
    english, _ = translate_texts(TEXTS, model, cache, SETTINGS)
    changed = list(TEXTS)
    changed[5] = changed[5].replace(ARABIC_SENTENCES[12], "هذه جملة جديدة تماما.")
    again, stats = translate_texts(changed, model, cache, SETTINGS)
    assert counts(stats) == (1, UNIQUE - 1)
    assert again[:5] == english[:5]
    assert again[5] != english[5]


def test_new_package_version_translates_again(
    model: Model, cache: TranslationCache, package_zip_v11: Path
) -> None:
    english, _ = translate_texts(TEXTS, model, cache, SETTINGS)
    newer = install_model(package_zip_v11)
    assert newer.label == "translate-ar_en 1.1"
    again, stats = translate_texts(TEXTS, newer, cache, SETTINGS)
    assert counts(stats) == (UNIQUE, 0)
    assert again == english  # same weights, new cache entries


def test_batched_equals_one_sentence_at_a_time(model: Model, cache: TranslationCache) -> None:
    """Sorting and padding in batches of 8 change nothing: same tokens as one call per sentence."""
    texts = list(ARABIC_SENTENCES[:24])
    english, stats = translate_texts(texts, model, cache, SETTINGS)
    assert stats.translated == len(set(texts))
    pkg = model.argos()
    translator = load_translator(model, SETTINGS)
    tokens = encode_sentences(pkg, texts)
    options = decoding_options(SETTINGS, 256) | {"max_batch_size": 8}
    alone = [translator.translate_batch([t], **options)[0].hypotheses[0] for t in tokens]
    batched = [r.hypotheses[0] for r in translator.translate_batch(tokens, **options)]
    assert batched == alone
    assert english == [_alone(model, text) for text in texts]


def test_sentences_are_joined_with_a_space(model: Model, cache: TranslationCache) -> None:
    text = "\n".join(ARABIC_SENTENCES[20:23])
    english, stats = translate_texts([text], model, cache, SETTINGS)
    assert stats.translated == 3
    assert english == [" ".join(_alone(model, s) for s in ARABIC_SENTENCES[20:23])]


def test_nothing_to_translate(model: Model, cache: TranslationCache) -> None:
    assert translate_texts([], model, cache, SETTINGS) == ([], TranslationStats())
    assert translate_texts(["", " \n"], model, cache, SETTINGS) == (["", ""], TranslationStats())


def test_matches_argos_tokenizer_and_decoding(model: Model) -> None:
    """Tokens are the package tokenizer's; decoding is Argos's (leading space dropped)."""
    pkg = model.argos()
    sentence = ARABIC_SENTENCES[5]
    assert encode_sentences(pkg, [sentence]) == [pkg.tokenizer.encode(sentence)]
    tokens = ["▁to", "▁the", "▁city", "."]
    assert decode_sentence(pkg, tokens) == pkg.tokenizer.decode(tokens).removeprefix(" ") == "to the city."


def test_target_prefix_is_removed(packages: Path, tmp_path_factory: pytest.TempPathFactory,
                                  cache: TranslationCache) -> None:
    prefixed = install_model(argos_zip(tmp_path_factory, target_prefix="__en__"))
    assert prefixed.argos().target_prefix == "__en__"
    english, _ = translate_texts(list(ARABIC_SENTENCES[:6]), prefixed, cache, SETTINGS)
    pkg = prefixed.argos()
    raw = load_translator(prefixed, SETTINGS).translate_batch(
        encode_sentences(pkg, list(ARABIC_SENTENCES[:6])), [["__en__"]] * 6, **decoding_options(SETTINGS, 256))
    assert all(r.hypotheses[0][0] == "__en__" for r in raw)
    assert english == [pkg.tokenizer.decode(r.hypotheses[0][1:]).removeprefix(" ").translate(ENGLISH_FORMS)
                       for r in raw]
    assert not any("en" in e.split()[:1] for e in english)


def test_progress_plain_lines_when_not_a_terminal(model: Model, cache: TranslationCache,
                                                  capsys: pytest.CaptureFixture) -> None:
    translate_texts(TEXTS[:2], model, cache, SETTINGS, progress=False)
    assert capsys.readouterr().err == ""
    translate_texts(TEXTS[5:], model, cache, SETTINGS, progress=True)
    err = capsys.readouterr().err
    assert "translating: 11/11 sentences" in err and "left" in err
    translate_texts(TEXTS[3:4], model, cache, SETTINGS)  # small job, progress=None: quiet
    assert capsys.readouterr().err == ""


def test_translator_is_loaded_once(model: Model) -> None:
    assert load_translator(model, SETTINGS) is load_translator(model, TranslationConfig(threads=2, beam_size=4))
    translate_sentences(["جملة."], model, SETTINGS)
    assert load_translator(model, SETTINGS) is load_translator(model, SETTINGS)


def test_corrupt_model_bin_after_install(model: Model, cache: TranslationCache) -> None:
    model_bin = model.model_dir / "model.bin"
    model_bin.write_bytes(b"\x00" * 100)
    with pytest.raises(ModelError) as error:
        translate_texts(["جملة جديدة للترجمة."], model, cache, SETTINGS)
    assert str(model_bin) in str(error.value) and "\n" not in str(error.value)


def test_missing_tokenizer_after_install(model: Model, cache: TranslationCache) -> None:
    (model.path / "sentencepiece.model").unlink()
    broken = _reread(model)
    with pytest.raises(ModelError, match=r"sentencepiece\.model"):
        translate_texts(["جملة أخرى."], broken, cache, SETTINGS)


def _reread(model: Model) -> Model:
    """The same package re-read from disk (what find_model would return now)."""
    from digest.models import find_model

    found = find_model()
    assert found is not None and found.path == model.path
    return found


# --- the cache --------------------------------------------------------------------

KEY = "key-1"


def test_cache_lookup_and_store_in_bulk(tmp_path: Path) -> None:
    pairs = {f"جملة رقم {i}.": (f"sentence {i}.", i % 7 == 0) for i in range(20000)}
    with TranslationCache(tmp_path) as cache:
        cache.store(KEY, pairs)
        assert cache.lookup(KEY, [*pairs, "غير موجودة"]) == pairs
        assert cache.lookup("key-2", pairs) == {}
        assert cache.count() == 20000
    assert read_rows(tmp_path, KEY) == pairs  # read-only, as check reads it
    conn = sqlite3.connect(tmp_path / FILENAME)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def _corrupt_files(directory: Path) -> list[Path]:
    return sorted(directory.glob(FILENAME + ".corrupt-*"))


def test_garbage_cache_is_moved_aside(tmp_path: Path, notes: Notes) -> None:
    (tmp_path / FILENAME).write_bytes(b"this is not a database" * 100)
    with TranslationCache(tmp_path, warn=notes.append) as cache:
        cache.store(KEY, {"أ.": ("a.", False)})
        assert cache.lookup(KEY, ["أ."]) == {"أ.": ("a.", False)}
    moved = _corrupt_files(tmp_path)
    assert len(moved) == 1 and moved[0].read_bytes().startswith(b"this is not")
    assert len(notes) == 1 and "corrupt" in notes[0] and moved[0].name in notes[0]
    with TranslationCache(tmp_path, warn=notes.append) as cache:  # the new one is healthy
        assert cache.lookup(KEY, ["أ."]) == {"أ.": ("a.", False)}
    assert len(notes) == 1


def test_damaged_pages_are_detected(tmp_path: Path, notes: Notes) -> None:
    with TranslationCache(tmp_path) as cache:
        cache.store(KEY, {f"جملة {i}.": ("x" * 200, False) for i in range(3000)})
    path = tmp_path / FILENAME
    data = bytearray(path.read_bytes())
    page = 4096
    noise = random.Random(0)
    for offset in range(2 * page, len(data) - page, 7 * page):  # scribble over some pages, keep the header
        data[offset : offset + page] = noise.randbytes(page)
    path.write_bytes(bytes(data))
    with TranslationCache(tmp_path, warn=notes.append) as cache:
        assert cache.lookup(KEY, ["جملة 1."]) == {}
    assert len(_corrupt_files(tmp_path)) == 1 and "corrupt" in notes[0]


def test_foreign_database_is_moved_aside(tmp_path: Path, notes: Notes) -> None:
    conn = sqlite3.connect(tmp_path / FILENAME)
    conn.execute("CREATE TABLE sentences (a, b)")
    conn.commit()
    conn.close()
    with TranslationCache(tmp_path, warn=notes.append) as cache:
        cache.store(KEY, {"ب.": ("b.", False)})
    assert len(_corrupt_files(tmp_path)) == 1 and "unexpected columns" in notes[0]


def test_locked_cache_keeps_every_translation(tmp_path: Path, notes: Notes) -> None:
    """A writer holding the lock: old translations still read, new ones kept and saved later."""
    with TranslationCache(tmp_path) as cache:
        cache.store(KEY, {"قديمة.": ("old.", False)})
    locker = sqlite3.connect(tmp_path / FILENAME, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        with TranslationCache(tmp_path, warn=notes.append, busy_timeout=0.2) as cache:
            assert cache.lookup(KEY, ["قديمة."]) == {"قديمة.": ("old.", False)}
            cache.store(KEY, {"جديدة.": ("new.", False)})
            assert "locked" in notes[-1]
            assert cache.lookup(KEY, ["قديمة.", "جديدة."]) == {"قديمة.": ("old.", False), "جديدة.": ("new.", False)}
            locker.execute("COMMIT")  # the other process finishes before we close
    finally:
        locker.close()
    assert _corrupt_files(tmp_path) == []
    with TranslationCache(tmp_path) as cache:
        assert cache.lookup(KEY, ["قديمة.", "جديدة."]) == {"قديمة.": ("old.", False), "جديدة.": ("new.", False)}


def test_lock_held_past_close_warns_but_leaves_the_file(tmp_path: Path, notes: Notes) -> None:
    with TranslationCache(tmp_path) as cache:
        cache.store(KEY, {"قديمة.": ("old.", False)})
    locker = sqlite3.connect(tmp_path / FILENAME, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        with TranslationCache(tmp_path, warn=notes.append, busy_timeout=0.1) as cache:
            cache.store(KEY, {"جديدة.": ("new.", False)})
    finally:
        locker.close()
    assert "were not saved" in notes[-1]
    assert _corrupt_files(tmp_path) == []
    with TranslationCache(tmp_path) as cache:
        assert cache.lookup(KEY, ["قديمة."]) == {"قديمة.": ("old.", False)}


def test_unreadable_locked_cache_runs_in_memory(tmp_path: Path, notes: Notes) -> None:
    """A rollback-journal database under an exclusive lock cannot even be read: memory only, file kept."""
    path = tmp_path / FILENAME
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("CREATE TABLE translations (model TEXT, version TEXT, source TEXT, target TEXT)")
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("INSERT INTO translations VALUES ('m', 'v', 's', 't')")
    try:
        with TranslationCache(tmp_path, warn=notes.append, busy_timeout=0.1) as cache:
            cache.store(KEY, {"أ.": ("a.", False)})
            assert cache.lookup(KEY, ["أ."]) == {"أ.": ("a.", False)}
        assert len(notes) == 1 and "locked" in notes[0]
    finally:
        conn.close()
    assert path.exists() and _corrupt_files(tmp_path) == []


def test_model_zip_members_are_what_argos_expects(package_zip: Path) -> None:
    names = set(zipfile.ZipFile(package_zip).namelist())
    top = "translate-ar_en-1_0/"
    assert {top + "metadata.json", top + "sentencepiece.model", top + "model/model.bin"} <= names

"""The English edition's text: machine English for what the editors did not write.

Runs after the articles are prepared and saved (a translation pass may take minutes, and be
interrupted), through the translation cache and the quality gate (see digest.translate,
digest.tcache, digest.quality).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from digest.config import Config
from digest.entries import Entry
from digest.problems import ContentError, Problem


class EnglishPass:
    """What a translation pass did. (A plain class: a dataclass costs more to define than a
    small rebuild spends here.)"""

    def __init__(self) -> None:
        self.replaced: dict[str, Entry] = {}  # by article path: the entry with new English
        self.translated = 0  # sentences translated now
        self.cached = 0  # sentences taken from the translation cache
        self.untranslated: list[str] = []  # texts left for later (cached_only)
        self.notes: list[str] = []
        self.warnings: list[Problem] = []


def translate_entries(entries: list[Entry], config: Config, cache: Path, *, strict: bool = False,
                      settings_file: Path = Path("site.yaml"), progress: bool | None = None,
                      cached_only: bool = False) -> EnglishPass:
    """Machine English for every field the editors did not write, through the translation cache
    (in the folder `cache`) and the quality gate. An entry whose English it makes anew is copied
    with it, into `replaced`: the entries given are left as they are.

    Entries already translated under the current translation key (kept from an earlier build)
    are skipped. `cached_only`: translate nothing, take only what the cache holds, and list the
    rest in `untranslated` (the preview translates it in the background).
    """
    done = EnglishPass()
    from digest.entries import PENDING, English
    from digest.models import ModelError, find_model

    model = find_model("ar", "en")  # with nothing installed, a folder listing
    if model is None:
        if not any(e.needs_machine() for e in entries):  # all English by the editors: none missing
            return done
        message = ("no Arabic-English translation model is installed, so only articles with the editors' "
                   "English are in the English edition; install one with 'python build.py models install'")
        if strict:
            raise ContentError([Problem(str(settings_file), 1, message)])
        done.notes.append(message)
        # The model's English goes with the model, as a build from nothing would have none.
        done.replaced = {e.article.path: _editors_only(e) for e in entries if e.english is not PENDING
                         and (e.english.machine or e.english.key or e.english.held)}
        return done
    wanting = [e for e in entries if e.needs_machine()]
    if not wanting:
        return done
    from digest.incremental.keys import MODEL_MEMO, translation_key
    from digest.tcache import TranslationCache
    from digest.translate import translate_texts

    settings = config.translation
    try:
        key = translation_key(model, settings, cache / MODEL_MEMO)
    except ModelError as exc:
        raise ContentError([Problem(str(model.path), 1, str(exc))]) from None
    # What an entry's English was made under: the translation key, and the gate's mode (a new
    # mode publishes or holds what the cache holds, without translating again).
    made_under = f"{key}:{settings.quality}"
    needing = [e for e in wanting if e.english.key != made_under]
    if not needing:
        return done
    texts: list[str] = []
    for entry in needing:
        texts.append("" if entry.english.title_by == "editor" else entry.article.title)
        texts.append("" if entry.english.summary_by == "editor" else entry.summary)
        # The lead image's caption, through the same cache and gate.
        texts.append("" if entry.english.caption_by == "editor" else entry.article.image_caption)
    cache.mkdir(parents=True, exist_ok=True)
    with TranslationCache(cache, warn=done.notes.append) as sentences:
        try:
            english, stats = translate_texts(texts, model, sentences, settings, key, progress=progress,
                                             cached_only=cached_only, note=done.notes.append)
        except ModelError as exc:
            raise ContentError([Problem(str(model.path), 1, str(exc))]) from None
    done.translated, done.cached = stats.translated, stats.cached
    publish_held = settings.quality != "hold"
    for i, entry in enumerate(needing):
        old = entry.english
        fields = {}
        held = []
        for name, made in (("title", english[3 * i]), ("summary", english[3 * i + 1]),
                           ("caption", english[3 * i + 2])):
            if getattr(old, f"{name}_by") == "editor":
                fields[name] = (getattr(old, name), "editor")
            elif name == "caption" and not texts[3 * i + 2]:
                fields[name] = ("", "none")  # no Arabic caption: nothing to translate
            elif made.held and not publish_held:
                fields[name] = ("", "")
                held.append((name, made.held))
            else:
                fields[name] = (made.text, "machine" if made.text else "")
                if made.held:
                    held.append((name, made.held))
        made_here = english[3 * i : 3 * i + 3]
        waiting = any(m.pending for m in made_here)
        if waiting:  # nothing is published half-translated: the field waits whole
            done.untranslated.extend(t for t, m in zip(texts[3 * i : 3 * i + 3], made_here, strict=True)
                                     if m.pending)
        bys = (fields["title"][1], fields["summary"][1], fields["caption"][1])
        made = English(title=fields["title"][0], summary=fields["summary"][0],
                       title_by=fields["title"][1], summary_by=fields["summary"][1],
                       caption=fields["caption"][0], caption_by=fields["caption"][1],
                       model=model.label if "machine" in bys else "",
                       key="" if waiting else made_under, held=tuple(held))
        done.replaced[entry.article.path] = dataclasses.replace(entry, english=made)
        if held and settings.quality == "warn":
            for name, why in held:
                done.warnings.append(Problem(entry.article.path, 1, f"machine English {name} published "
                                               f"although the quality gate found it doubtful: {why}", warning=True))
    return done


def _editors_only(entry: Entry) -> Entry:
    """A copy of the entry with only the editors' English, as prepare() makes it."""
    from digest.entries import editors_english

    e = entry.english
    # The editors' caption stays; a machine one goes.
    english = editors_english(e.title if e.title_by == "editor" else "", e.summary if e.summary_by == "editor" else "",
                              e.caption if e.caption_by == "editor" else "", e.caption_by != "none")
    return dataclasses.replace(entry, english=english)


def held_back(entries: list[Entry]) -> int:
    """How many machine fields the quality gate keeps off the site."""
    return sum(1 for e in entries for name, _ in e.english.held if not getattr(e.english, name))

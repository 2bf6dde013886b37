"""English tag names the editors did not give in site.yaml: machine-translated through the same
translation cache, key and quality gate as titles (see digest.english.translate_entries)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from digest.english import EnglishPass
from digest.tags import tags_of

if TYPE_CHECKING:
    from digest.config import Config
    from digest.entries import Entry


def english_tag_names(entries: list[Entry], config: Config, cache: Path,
                      cached_only: bool = False) -> tuple[dict[str, str], EnglishPass]:
    """The English name of each tag slug of the English edition: site.yaml's, else the model's
    translation of the tag as first written, when the quality gate lets it through (under
    `quality: hold`; `warn` and `off` publish what it doubts, as for titles). Without a model,
    site.yaml's alone. `cached_only`: translate nothing (the preview), as translate_entries.
    Returns the names, and what the pass did (its `replaced` stays empty)."""
    done = EnglishPass()
    named = config.english_tags()
    wanted: dict[str, str] = {}
    for entry in entries:
        if entry.english.title and entry.article.tags:
            for slug, tag in tags_of(entry.article.tags):
                if slug not in named:
                    wanted.setdefault(slug, tag)
    if not wanted:
        return named, done
    from digest.incremental.keys import MODEL_MEMO, translation_key
    from digest.models import ModelError, find_model

    model = find_model("ar", "en")
    if model is None:
        return named, done
    from digest.tcache import TranslationCache
    from digest.translate import translate_texts

    settings = config.translation
    try:
        key = translation_key(model, settings, cache / MODEL_MEMO)
        cache.mkdir(parents=True, exist_ok=True)
        with TranslationCache(cache, warn=done.notes.append) as sentences:
            english, stats = translate_texts(list(wanted.values()), model, sentences, settings, key,
                                             progress=False, cached_only=cached_only, note=done.notes.append)
    except ModelError as exc:
        done.notes.append(f"tag names not translated: {exc}")
        return named, done
    done.translated, done.cached = stats.translated, stats.cached
    machine = {}
    # Left for the preview's background translation, as translate_entries leaves titles.
    done.untranslated.extend(text for text, made in zip(wanted.values(), english, strict=True) if made.pending)
    for slug, made in zip(wanted, english, strict=True):
        if made.text and not made.pending and not (made.held and settings.quality == "hold"):
            machine[slug] = made.text.strip()
    return {**machine, **named}, done

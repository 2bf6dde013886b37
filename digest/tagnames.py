"""English tag names the editors did not give in site.yaml: machine-translated through the same
translation cache, key and quality gate as titles (see digest.build.translate_entries)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from digest.tags import tags_of

if TYPE_CHECKING:
    from digest.build import BuildOptions, BuildResult
    from digest.config import Config
    from digest.entries import Entry


def english_tag_names(entries: list[Entry], config: Config, options: BuildOptions, result: BuildResult,
                      cached_only: bool = False) -> dict[str, str]:
    """The English name of each tag slug of the English edition: site.yaml's, else the model's
    translation of the tag as first written, when the quality gate lets it through (under
    `quality: hold`; `warn` and `off` publish what it doubts, as for titles). Without a model,
    site.yaml's alone. `cached_only`: translate nothing (the preview), as translate_entries."""
    named = config.english_tags()
    wanted: dict[str, str] = {}
    for entry in entries:
        if entry.english.title and entry.article.tags:
            for slug, tag in tags_of(entry.article.tags):
                if slug not in named:
                    wanted.setdefault(slug, tag)
    if not wanted:
        return named
    from digest.build import MODEL_MEMO
    from digest.models import ModelError, find_model

    model = find_model("ar", "en")
    if model is None:
        return named
    from digest.tcache import TranslationCache
    from digest.translate import translate_texts, translation_key

    settings = config.translation
    try:
        key = translation_key(model, settings, options.cache / MODEL_MEMO)
        options.cache.mkdir(parents=True, exist_ok=True)
        with TranslationCache(options.cache, warn=result.notes.append) as cache:
            english, stats = translate_texts(list(wanted.values()), model, cache, settings, key,
                                             progress=False, cached_only=cached_only, note=result.notes.append)
    except ModelError as exc:
        result.notes.append(f"tag names not translated: {exc}")
        return named
    result.translated += stats.translated
    result.cached += stats.cached
    machine = {}
    # Left for the preview's background translation, as translate_entries leaves titles.
    result.untranslated.extend(text for text, made in zip(wanted.values(), english, strict=True) if made.pending)
    for slug, made in zip(wanted, english, strict=True):
        if made.text and not made.pending and not (made.held and settings.quality == "hold"):
            machine[slug] = made.text.strip()
    return {**machine, **named}

"""Translate Arabic titles and summaries to English with an Argos package.

One build = one batched pass: every text is split into sentences
(``digest.text.split_sentences``), sentences already in the translation cache
are reused, and all the remaining unique sentences of the build go through
a single ``ctranslate2.Translator.translate_batch`` call (sorted by length,
so batches carry little padding).  The results are saved in the cache in one
transaction and the English texts are reassembled, sentences joined by a
space.

Tokenisation and detokenisation are the package's own (the argostranslate
``Package.tokenizer``), and the decoding options that change results are
those of ``argostranslate.translate.apply_packaged_translation``
(``replace_unknowns``, ``length_penalty=0.2``, the package's
``target_prefix``), so a sentence comes out as Argos would translate it
with the same beam size.  Unlike Argos, a target prefix is removed from
every sentence, not only the first of a paragraph.

``argostranslate.translate`` itself is never imported: it pulls in stanza,
spaCy and torch, and its sentence splitter downloads a model.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from digest.models import Model, ModelError
from digest.progress import Progress
from digest.text import split_sentences

if TYPE_CHECKING:
    import ctranslate2

    from digest.tcache import TranslationCache

__all__ = [
    "TranslationSettings",
    "TranslationStats",
    "decode_sentence",
    "encode_sentences",
    "load_translator",
    "translate_sentences",
    "translate_texts",
]

# Below this many sentences a job is quick: no progress output unless asked.
PROGRESS_MIN_SENTENCES = 200
# Plain progress lines (stderr not a terminal): at most one per this many seconds.


@dataclass
class TranslationSettings:
    """CTranslate2 options for a build (``translation:`` in site.yaml).

    ``threads=0`` uses every core the process may run on, as that many
    single-threaded workers (see ``_thread_split``).  ``max_batch_size``
    counts examples (sentences): measured faster than token-counted batches
    (see ``decoding_options``).
    """

    beam_size: int = 2
    compute_type: str = "int8"
    threads: int = 0
    device: str = "cpu"
    max_batch_size: int = 64
    max_decoding_length: int = 256


@dataclass
class TranslationStats:
    """Unique sentences sent to the model, and unique sentences found in the cache."""

    translated: int
    cached: int


# --- the model ----------------------------------------------------------------


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _thread_split(settings: TranslationSettings, device: str) -> tuple[int, int]:
    """(inter_threads, intra_threads) for ``settings.threads`` cores.

    On CPU, N single-threaded workers translating different batches beat one
    worker with N OpenMP threads: 20-60 % less time on both the test model
    and a base-size (6+6 layers, d_model 512, 32k vocabulary) model, measured
    on 2 cores (the workers share one copy of the weights).  Not measured on
    many-core machines.  On a GPU one worker is right.
    """
    if device == "cuda":
        return 1, 1
    threads = settings.threads if settings.threads > 0 else _cores()
    return threads, 1


_translators: dict[tuple, ctranslate2.Translator] = {}
_translators_lock = threading.Lock()


def load_translator(model: Model, settings: TranslationSettings) -> ctranslate2.Translator:
    """The process's Translator for (model files, device, compute type, threads).

    Loading takes a second or more for a real model, so it happens once per
    process (the preview server rebuilds many times).  The key includes
    model.bin's size and mtime, so a reinstalled package is reloaded.
    """
    import ctranslate2

    model_bin = model.model_dir / "model.bin"
    try:
        stat = model_bin.stat()
    except OSError as e:
        raise ModelError(f"{model_bin}: cannot read the model ({e.strerror or e})") from None
    device = settings.device
    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    inter, intra = _thread_split(settings, device)
    key = (str(model.model_dir), stat.st_size, stat.st_mtime_ns, device, settings.compute_type, inter, intra)
    with _translators_lock:
        translator = _translators.get(key)
        if translator is None:
            try:
                translator = ctranslate2.Translator(
                    str(model.model_dir),
                    device=device,
                    compute_type=settings.compute_type,
                    inter_threads=inter,
                    intra_threads=intra,
                )
            except Exception as e:  # RuntimeError/ValueError from the C++ loader
                message = " ".join(str(e).split())
                raise ModelError(f"{model_bin}: cannot load the model: {message}") from None
            _translators.clear()  # one model at a time: a base model is ~100-300 MB
            _translators[key] = translator
        return translator


def _package(model: Model) -> Any:
    pkg = model.argos()
    if getattr(pkg, "tokenizer", None) is None:
        raise ModelError(f"{model.path}: no sentencepiece.model or bpe.model")
    return pkg


def encode_sentences(pkg: Any, sentences: Sequence[str]) -> list[list[str]]:
    """Source tokens, as ``pkg.tokenizer.encode`` gives them (SentencePiece in one batch call)."""
    tokenizer = pkg.tokenizer
    try:
        lazy = getattr(tokenizer, "lazy_processor", None)
        if lazy is not None:  # argostranslate SentencePieceTokenizer: same output, batched
            return lazy().encode(list(sentences), out_type=str)
        return [tokenizer.encode(s) for s in sentences]
    except (OSError, RuntimeError, ImportError) as e:  # ImportError: BPE packages need sacremoses
        path = getattr(tokenizer, "model_file", pkg.package_path)
        raise ModelError(f"{path}: cannot load the tokenizer: {' '.join(str(e).split())}") from None


def decode_sentence(pkg: Any, tokens: list[str]) -> str:
    """English text of one hypothesis, cleaned up exactly as Argos does."""
    prefix = pkg.target_prefix
    if prefix and tokens and tokens[0] == prefix:
        tokens = tokens[1:]
    value = pkg.tokenizer.decode(tokens)
    if prefix and value.startswith(prefix):
        value = value[len(prefix) :]
    if value.startswith(" "):
        value = value[1:]
    return value


def decoding_options(settings: TranslationSettings, sentences: int = 0, workers: int = 1) -> dict[str, Any]:
    """``translate_batch`` keyword arguments; the result-changing ones follow Argos.

    Batch size counts examples: 64 examples beat 32, 128 and token-counted
    batches of 2048-4096 tokens on the test and base-size models, since the
    sentences are sorted by length first and padding is already small.  A
    small job is cut into at least ``workers`` batches so every worker has
    one (batching never changes results: see the tests).
    """
    batch = settings.max_batch_size
    if sentences and workers > 1:
        batch = max(1, min(batch, -(-sentences // workers)))
    return {
        "max_batch_size": batch,
        "batch_type": "examples",
        "beam_size": settings.beam_size,
        "num_hypotheses": 1,
        "length_penalty": 0.2,
        "replace_unknowns": True,
        "max_decoding_length": settings.max_decoding_length,
    }


# --- progress -----------------------------------------------------------------


# --- translating ----------------------------------------------------------------


def translate_sentences(
    sentences: Sequence[str],
    model: Model,
    settings: TranslationSettings,
    progress: bool | None = None,
) -> list[str]:
    """English for each sentence, through one asynchronous ``translate_batch`` call.

    Sentences are sorted by token count so CTranslate2's batches (which it
    forms in input order after its own sort) hold similar lengths; results
    are collected in that order, which is the order batches finish, so the
    progress display moves steadily.  No cache here.
    """
    if not sentences:
        return []
    pkg = _package(model)
    translator = load_translator(model, settings)
    tokens = encode_sentences(pkg, sentences)
    order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
    source = [tokens[i] for i in order]
    prefix = [[pkg.target_prefix]] * len(source) if pkg.target_prefix else None
    meter = Progress(len(source), "translating", "sentence", progress, PROGRESS_MIN_SENTENCES)
    english = [""] * len(sentences)
    try:
        options = decoding_options(settings, len(source), translator.num_translators)
        pending = translator.translate_batch(source, prefix, asynchronous=True, **options)
        for i, result in zip(order, pending, strict=True):
            english[i] = decode_sentence(pkg, result.result().hypotheses[0])
            meter.update(1)
    except (RuntimeError, ValueError) as e:
        message = " ".join(str(e).split())
        raise ModelError(f"{model.model_dir / 'model.bin'}: translation failed: {message}") from None
    finally:
        meter.close()
    return english


def translate_texts(
    texts: list[str],
    model: Model,
    cache: TranslationCache,
    settings: TranslationSettings,
    progress: bool | None = None,
) -> tuple[list[str], TranslationStats]:
    """English for each Arabic text, translating only sentences not in ``cache``.

    ``progress``: True always reports, False never, None only for jobs of
    at least PROGRESS_MIN_SENTENCES sentences.  A tqdm bar (rate, time left)
    when stderr is a terminal, else a plain line every 10 seconds.
    """
    split = [split_sentences(text) if text and not text.isspace() else [] for text in texts]
    unique = list(dict.fromkeys(s for sentences in split for s in sentences))
    known = cache.lookup(model.key, unique) if unique else {}
    todo = [s for s in unique if s not in known]
    if todo:
        fresh = dict(zip(todo, translate_sentences(todo, model, settings, progress), strict=True))
        cache.store(model.key, fresh)
        known.update(fresh)
    english = [" ".join(known[s] for s in sentences) for sentences in split]
    return english, TranslationStats(translated=len(todo), cached=len(unique) - len(todo))

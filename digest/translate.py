"""Translate Arabic titles and summaries to English with an Argos package.

A pass: every text is split into sentences (`digest.text.split_sentences`); sentences already
in the translation cache under this pass's key are reused; the rest go to
`ctranslate2.Translator.translate_batch` in chunks, and each finished chunk is checked by the
quality gate (`digest.quality`) and committed to the cache at once, so an interrupted pass
keeps every chunk it finished. The English texts are reassembled, sentences joined by a space.

* **Bounded decoding**: a sentence's output is capped at `max_output_ratio` times its source
  tokens (rounded up to a multiple of LENGTH_STEP, so that the cap depends on the sentence
  alone, whatever chunk it travels in) plus LENGTH_EXTRA. Sentences are sorted by length and
  chunked within one cap, so batches carry little padding.
* **The key** (`digest.incremental.keys.translation_key`) names the package by code, version and a hash of its files,
  and every setting that changes what it writes: beam size, length cap, compute type, device,
  the versions of CTranslate2, SentencePiece and argostranslate, and DECODER_VERSION.
* **Decoding** follows `argostranslate.translate.apply_packaged_translation`
  (`replace_unknowns`, `length_penalty=0.2`, the package's `target_prefix`), so a sentence
  comes out as Argos would translate it with the same beam size; unlike Argos, a target prefix is
  removed from every sentence, not only the first of a paragraph. Tokenisation and
  detokenisation are the package's own.

`argostranslate.translate` itself is never imported: it pulls in stanza, spaCy and torch, and
its sentence splitter downloads a model.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest.config import TranslationConfig
from digest.models import Model, ModelError
from digest.progress import Progress
from digest.quality import gate
from digest.text import split_sentences

if TYPE_CHECKING:
    import ctranslate2

    from digest.tcache import TranslationCache

__all__ = [
    "Translated",
    "TranslationStats",
    "decode_sentence",
    "encode_sentences",
    "load_translator",
    "translate_sentences",
    "translate_texts",
]

# Changes whenever this module's decoding changes what a model writes: every sentence is
# translated again.
DECODER_VERSION = 2
# Below this many sentences a job is quick: no progress output unless asked.
PROGRESS_MIN_SENTENCES = 200
# Sentences per chunk: one CTranslate2 batch, committed to the cache when it is done.
CHUNK_SENTENCES = 64
LENGTH_STEP = 8
LENGTH_EXTRA = 10


@dataclass(frozen=True)
class Translated:
    """The English of one text: `text` is empty when `pending` (not translated yet, in a pass
    that only reads the cache) or when the text was empty. `held` is why the quality gate held
    one of its sentences back ('' when none was)."""

    text: str
    held: str = ""
    pending: bool = False


@dataclass
class TranslationStats:
    """Unique sentences: sent to the model, found in the cache, held back by the quality gate
    (of both), and left untranslated by a pass that only reads the cache."""

    translated: int = 0
    cached: int = 0
    held: int = 0
    pending: int = 0


def output_cap(source_tokens: int, config: TranslationConfig) -> int:
    """The most tokens the decoder may write for a sentence of `source_tokens` tokens."""
    rounded = -(-max(source_tokens, 1) // LENGTH_STEP) * LENGTH_STEP
    return int(config.max_output_ratio * rounded) + LENGTH_EXTRA


@functools.lru_cache(maxsize=1)  # once per process: the preview asks at every rebuild
def library_versions() -> tuple[str, ...]:
    """CTranslate2's, SentencePiece's and argostranslate's versions, read from their installed
    metadata folders' names (importlib.metadata would import the email package to read them)."""
    import importlib.util

    found = []
    for name in ("ctranslate2", "sentencepiece", "argostranslate"):
        spec = importlib.util.find_spec(name)
        version = "?"
        if spec is not None and spec.origin:
            folder = Path(spec.origin).parent.parent
            try:
                prefix = f"{name}-"
                for entry in os.listdir(folder):
                    if entry.lower().startswith(prefix) and entry.endswith((".dist-info", ".egg-info")):
                        version = entry[len(prefix) :].rsplit(".", 1)[0]
                        break
            except OSError:
                pass
        found.append(f"{name} {version}")
    return tuple(found)


def resolved_device(model: Model, config: TranslationConfig) -> str:
    """The device translations are made on. For `auto` on a machine with a GPU that means
    loading the model (CUDA may still fail to start); the compute type, `default` and `auto`
    included, follows from the device and the model's files, which the key holds too."""
    if config.device != "auto":
        return config.device
    import ctranslate2

    if ctranslate2.get_cuda_device_count() == 0:
        return "cpu"
    return str(load_translator(model, config).device)


# --- the model ----------------------------------------------------------------


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _thread_split(config: TranslationConfig, device: str) -> tuple[int, int]:
    """(inter_threads, intra_threads) for `config.threads` cores.

    On CPU, N single-threaded workers translating different batches beat one worker with N
    OpenMP threads (bench/translate_bench.py); the workers share one copy of the weights. On a
    GPU one worker is right.
    """
    if device == "cuda":
        return 1, 1
    threads = config.threads if config.threads > 0 else _cores()
    return threads, 1


_translators: dict[tuple, ctranslate2.Translator] = {}
_translators_lock = threading.Lock()


def _new_translator(model: Model, config: TranslationConfig, device: str) -> ctranslate2.Translator:
    import ctranslate2

    inter, intra = _thread_split(config, device)
    translator = ctranslate2.Translator(str(model.model_dir), device=device, compute_type=config.compute_type,
                                        inter_threads=inter, intra_threads=intra)
    if device == "cuda":
        # CUDA libraries (cuBLAS) load on first use: translate one token now, so that a GPU that
        # cannot run fails here, where the CPU can take over, and not half-way through a pass.
        translator.translate_batch([["▁"]], max_decoding_length=2)
    return translator


def load_translator(model: Model, config: TranslationConfig,
                    note: Callable[[str], None] | None = None) -> ctranslate2.Translator:
    """The process's Translator for (model files, device, compute type, threads).

    Loading takes a second or more for a real model, so it happens once per process (the
    preview server rebuilds many times); model.bin's stamp is in the key, so a reinstalled
    package is loaded again. `device: auto` takes CUDA when it starts, else the CPU, saying so
    through `note`.
    """
    import ctranslate2

    model_bin = model.model_dir / "model.bin"
    try:
        stat = model_bin.stat()
    except OSError as e:
        raise ModelError(f"{model_bin}: cannot read the model ({e.strerror or e})") from None
    devices = [config.device]
    if config.device == "auto":
        devices = ["cuda", "cpu"] if ctranslate2.get_cuda_device_count() > 0 else ["cpu"]
    key = (str(model.model_dir), stat.st_size, stat.st_mtime_ns, stat.st_ino, config.device, config.compute_type,
           _thread_split(config, devices[0]))
    with _translators_lock:
        translator = _translators.get(key)
        if translator is not None:
            return translator
        for device in devices:
            try:
                translator = _new_translator(model, config, device)
                break
            except Exception as e:  # RuntimeError/ValueError from the C++ loader or CUDA
                message = " ".join(str(e).split())
                if device == "cuda" and config.device == "auto":
                    text = f"CUDA could not start ({message}); translating on the CPU"
                    if note is not None:
                        note(text)
                    else:
                        print(f"note: {text}", file=sys.stderr, flush=True)
                    continue
                raise ModelError(f"{model_bin}: cannot load the model on {device}: {message}") from None
        _translators.clear()  # one model at a time: a base model is ~100-300 MB
        _translators[key] = translator
        return translator


def _package(model: Model) -> Any:
    pkg = model.argos()
    if getattr(pkg, "tokenizer", None) is None:
        raise ModelError(f"{model.path}: no sentencepiece.model or bpe.model")
    return pkg


def encode_sentences(pkg: Any, sentences: Sequence[str]) -> list[list[str]]:
    """Source tokens, as `pkg.tokenizer.encode` gives them (SentencePiece in one batch call)."""
    tokenizer = pkg.tokenizer
    try:
        lazy = getattr(tokenizer, "lazy_processor", None)
        if lazy is not None:  # argostranslate SentencePieceTokenizer: same output, batched
            return lazy().encode(list(sentences), out_type=str)
        return [tokenizer.encode(s) for s in sentences]
    except (OSError, RuntimeError, ImportError) as e:  # ImportError: BPE packages need sacremoses
        path = getattr(tokenizer, "model_file", pkg.package_path)
        raise ModelError(f"{path}: cannot load the tokenizer: {' '.join(str(e).split())}") from None


# Arabic-Indic digits and Arabic punctuation that a model copies from its source into English are
# written the English way; any other Arabic letter is left for the quality gate to see.
_ENGLISH_FORMS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹،؛؟٪", "0123456789" "0123456789" ",;?%")


def decode_sentence(pkg: Any, tokens: list[str]) -> str:
    """English text of one hypothesis, cleaned up as Argos does, with Arabic digits and
    punctuation written the English way."""
    prefix = pkg.target_prefix
    if prefix and tokens and tokens[0] == prefix:
        tokens = tokens[1:]
    value = pkg.tokenizer.decode(tokens)
    if prefix and value.startswith(prefix):
        value = value[len(prefix) :]
    if value.startswith(" "):
        value = value[1:]
    return value.translate(_ENGLISH_FORMS)


def decoding_options(config: TranslationConfig, cap: int) -> dict[str, Any]:
    """`translate_batch` keyword arguments; the result-changing ones follow Argos."""
    return {
        "max_batch_size": CHUNK_SENTENCES,
        "batch_type": "examples",
        "beam_size": config.beam_size,
        "num_hypotheses": 1,
        "length_penalty": 0.2,
        "replace_unknowns": True,
        "max_decoding_length": cap,
    }


def chunks(tokens: list[list[str]], config: TranslationConfig) -> list[tuple[list[int], int]]:
    """(sentence indexes, output cap) per chunk: sorted by length, one cap per chunk, at most
    CHUNK_SENTENCES each. Long and short chunks alternate, so that the rate a pass reports early
    on is the rate of the whole pass."""
    order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
    made: list[tuple[list[int], int]] = []
    start = 0
    while start < len(order):
        cap = output_cap(len(tokens[order[start]]), config)
        end = start
        while end < len(order) and end - start < CHUNK_SENTENCES and \
                output_cap(len(tokens[order[end]]), config) == cap:
            end += 1
        made.append((order[start:end], cap))
        start = end
    mixed = []
    low, high = 0, len(made) - 1
    while low <= high:
        mixed.append(made[high])
        if low != high:
            mixed.append(made[low])
        low, high = low + 1, high - 1
    return mixed


# --- translating ----------------------------------------------------------------

Done = list[tuple[int, str, bool]]  # (sentence index, English, stopped at the cap) of one chunk


def translate_sentences(
    sentences: Sequence[str],
    model: Model,
    config: TranslationConfig,
    progress: bool | None = None,
    on_chunk: Callable[[Done], None] | None = None,
    note: Callable[[str], None] | None = None,
) -> list[tuple[str, bool]]:
    """(English, stopped at the length cap) for each sentence. No cache here; `on_chunk` gets
    each chunk as soon as it is done, in the order chunks finish.

    Every chunk is queued at once, as one big `translate_batch` would queue its batches, so the
    CTranslate2 workers never wait for this thread; each chunk is handed to `on_chunk` (which
    commits it) as soon as it is done, so an interrupted pass loses only the chunks in flight.
    """
    if not sentences:
        return []
    pkg = _package(model)
    translator = load_translator(model, config, note)
    tokens = encode_sentences(pkg, sentences)
    prefix = pkg.target_prefix
    meter = Progress(len(sentences), "translating", "sentence", progress, PROGRESS_MIN_SENTENCES,
                     work=sum(len(t) + 1 for t in tokens))
    out: list[tuple[str, bool]] = [("", False)] * len(sentences)
    try:
        waiting = []
        for indexes, cap in chunks(tokens, config):
            source = [tokens[i] for i in indexes]
            target = [[prefix]] * len(source) if prefix else None
            waiting.append((indexes, cap, translator.translate_batch(source, target, asynchronous=True,
                                                                     **decoding_options(config, cap))))
        while waiting:
            # Chunks finish about in the order they were queued: look at the first few only.
            ready = [chunk for chunk in waiting[:8] if all(r.done() for r in chunk[2])]
            if not ready:  # wait for the oldest; others that finish meanwhile are taken next
                ready = [waiting[0]]
            for chunk in ready:
                waiting.remove(chunk)
                indexes, cap, pending = chunk
                done: Done = []
                for i, result in zip(indexes, pending, strict=True):
                    hypothesis = result.result().hypotheses[0]
                    english = decode_sentence(pkg, hypothesis)
                    capped = len(hypothesis) >= cap - 1
                    out[i] = (english, capped)
                    done.append((i, english, capped))
                if on_chunk is not None:
                    on_chunk(done)
                meter.update(len(indexes), sum(len(tokens[i]) + 1 for i in indexes))
    except (RuntimeError, ValueError) as e:
        message = " ".join(str(e).split())
        raise ModelError(f"{model.model_dir / 'model.bin'}: translation failed: {message}") from None
    finally:
        meter.close()
    return out


def translate_texts(
    texts: list[str],
    model: Model,
    cache: TranslationCache,
    config: TranslationConfig,
    key: str,
    progress: bool | None = None,
    cached_only: bool = False,
    note: Callable[[str], None] | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> tuple[list[Translated], TranslationStats]:
    """The English of each Arabic text, translating only sentences not cached under `key`.

    New translations are committed a chunk at a time; every translation, new or cached, goes
    through the quality gate. A text is `held` when any of its sentences was held back. `cached_only`:
    translate nothing, leave texts with uncached sentences `pending` (the preview answers
    first, then translates). `on_chunk(count)`: called after each chunk is committed.
    `progress`: True always reports, False never, None only for jobs of at least
    PROGRESS_MIN_SENTENCES sentences.
    """
    split = [split_sentences(text) if text and not text.isspace() else [] for text in texts]
    unique = list(dict.fromkeys(s for sentences in split for s in sentences))
    known = cache.lookup(key, unique) if unique else {}
    todo = [s for s in unique if s not in known]
    stats = TranslationStats(cached=len(unique) - len(todo))
    if todo and not cached_only:

        def commit(done: Done) -> None:
            rows = {todo[i]: (english, capped) for i, english, capped in done}
            cache.store(key, rows)
            known.update(rows)
            if on_chunk is not None:
                on_chunk(len(rows))

        translate_sentences(todo, model, config, progress, commit, note)
        stats.translated = len(todo)
    # The gate judges every translation as it is read, cached ones too: its rules may have
    # changed since they were made.
    verdict = {s: gate(s, *known[s]) for s in unique if s in known}
    stats.held = sum(1 for why in verdict.values() if why)
    stats.pending = len(unique) - len(verdict)
    english = []
    for sentences in split:
        if any(s not in known for s in sentences):
            english.append(Translated("", pending=True))
            continue
        held = next((verdict[s] for s in sentences if verdict[s]), "")
        english.append(Translated(" ".join(known[s][0] for s in sentences), held))
    return english, stats

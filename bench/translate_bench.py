#!/usr/bin/env python3
"""Translation benchmark: the build's batched pass against raw CTranslate2 and Argos's per-text path.

    python bench/translate_bench.py [--articles 500] [--runs 3] [--max-decoding-length 256]

Model: a base-size synthetic Argos package (6+6 layers, d_model 512, 8 heads, FFN 2048, 32k
SentencePiece vocabulary, seeded random weights) made by tests/argos_fixture.py, built once into
bench/work/argos-base/ and installed there (ARGOS_PACKAGES_DIR). Texts: the English a build asks
for, i.e. the title and the Arabic summary of each of N ANT articles (bench/work/content-N).
Three ways to translate them, alternated over --runs rounds, all with the site's settings
(site.yaml `translation:`: beam size, int8, every core) and one max_decoding_length:

* ours: `digest.translate.translate_texts` with an empty translation cache (split, deduplicate,
  tokenise, one translate_batch, decode, store in SQLite), the model already loaded;
* raw: one `ctranslate2.Translator.translate_batch` over the same unique sentences, tokenised
  beforehand (not timed), with the build's decoding options: the ceiling for ours;
* argos: what argostranslate does per text (`apply_packaged_translation`): each article's title
  and summary separately, per paragraph, per sentence tokenisation, one translate_batch per
  paragraph with Argos's batch settings (32 tokens), decode. Sentences come from
  digest.text.split_sentences (Argos's own splitter needs a download); beam size as ours.

Prints a table and writes it into bench/results.md (replacing an earlier translation section).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work"
RESULTS = BENCH / "results.md"
SECTION = "<!-- translate_bench -->"
MODEL_SHAPE = {"layers": (6, 6), "d_model": 512, "heads": 8, "ffn": 2048, "vocab_size": 32000}
MODEL_VERSION = "9.0"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def model_package() -> Path:
    """The base-size .argosmodel, built with tests/argos_fixture.py the first time (minutes)."""
    folder = WORK / "argos-base"
    built = sorted(folder.glob("translate-ar_en-*.argosmodel"))
    if built:
        return built[0]
    fixture = ROOT / "tests" / "argos_fixture.py"
    if not fixture.exists():
        sys.exit(f"{fixture} is missing: it builds the synthetic model this benchmark needs")
    spec = importlib.util.spec_from_file_location("argos_fixture", fixture)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    say(f"building a base-size Argos package {MODEL_SHAPE} into {folder} ...")
    started = time.perf_counter()
    path = module.build_argos_package(folder, version=MODEL_VERSION, **MODEL_SHAPE)
    say(f"built {path.name} in {time.perf_counter() - started:.0f}s")
    return path


def installed_model():
    """Install the package into bench/work/argos-base/packages and return digest's Model."""
    os.environ["ARGOS_PACKAGES_DIR"] = str(WORK / "argos-base" / "packages")
    from digest.models import find_model, install_model

    model = find_model("ar", "en")
    if model is None or model.version != MODEL_VERSION:
        install_model(model_package())
        model = find_model("ar", "en")
    assert model is not None
    return model


def build_texts(articles: int) -> list[str]:
    """Title and summary of each article, as digest.build.translate_entries asks for them."""
    sys.path.insert(0, str(BENCH))
    import run  # bench/run.py: the same corpus preparation

    from digest.config import load_config
    from digest.content import read_article
    from digest.entries import prepare

    config = load_config(ROOT / "site.yaml")
    texts = []
    for path in sorted(run.content_dir(articles).glob("*.md")):
        article, _ = read_article(path, str(path), config)
        if article is None:
            continue
        entry = prepare(article, config)
        if entry.english.by == "editor":
            continue
        texts += [article.title, entry.summary]
    return texts


def vocab_size(pkg) -> str:
    try:
        return f"{pkg.tokenizer.lazy_processor().get_piece_size():,}"
    except (AttributeError, OSError, RuntimeError):
        return "?"


def argos_per_text(texts: list[str], pkg, translator, beam_size: int, max_length: int) -> list[str]:
    """argostranslate's ITranslation.hypotheses + apply_packaged_translation, one text at a time."""
    from digest.text import split_sentences

    out = []
    for text in texts:
        paragraphs = []
        for paragraph in text.split("\n"):  # ITranslation.split_into_paragraphs
            sentences = split_sentences(paragraph)
            tokenized = [pkg.tokenizer.encode(sentence) for sentence in sentences]
            prefix = [[pkg.target_prefix]] * len(tokenized) if pkg.target_prefix != "" else None
            batches = translator.translate_batch(
                tokenized, target_prefix=prefix, replace_unknowns=True, max_batch_size=32, batch_type="tokens",
                beam_size=beam_size, num_hypotheses=1, length_penalty=0.2, return_scores=True,
                max_decoding_length=max_length) if tokenized else []
            tokens = [token for batch in batches for token in batch.hypotheses[0]]
            value = pkg.tokenizer.decode(tokens)
            if pkg.target_prefix != "" and value.startswith(pkg.target_prefix):
                value = value[len(pkg.target_prefix):]
            if value[:1] == " ":
                value = value[1:]
            paragraphs.append(value)
        out.append("\n".join(paragraphs))  # ITranslation.combine_paragraphs
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=500, help="articles whose title and summary are translated")
    parser.add_argument("--runs", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--max-decoding-length", type=int, default=None,
                        help="output cap on every side (default: the build's)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    import ctranslate2

    from digest.config import load_config
    from digest.tcache import TranslationCache
    from digest.text import split_sentences
    from digest.translate import (
        TranslationSettings,
        decode_sentence,
        decoding_options,
        encode_sentences,
        load_translator,
        translate_texts,
    )

    model = installed_model()
    texts = build_texts(args.articles)
    site = load_config(ROOT / "site.yaml").translation
    settings = TranslationSettings(beam_size=site.beam_size, compute_type=site.compute_type,
                                   threads=site.threads, device=site.device)
    if args.max_decoding_length:
        settings.max_decoding_length = args.max_decoding_length
    threads = settings.threads or len(os.sched_getaffinity(0))
    pkg = model.argos()

    split = [split_sentences(t) if t and not t.isspace() else [] for t in texts]
    every = [s for sentences in split for s in sentences]
    unique = list(dict.fromkeys(every))
    tokens = encode_sentences(pkg, unique)
    # Raw gets the best case: shortest first, as ours orders them (CTranslate2 sorts each call's
    # input too, but pre-sorting costs raw nothing here since it is not timed).
    order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
    sorted_tokens = [tokens[i] for i in order]
    prefix = [[pkg.target_prefix]] * len(tokens) if pkg.target_prefix else None
    source_tokens = sum(len(t) for t in tokens)

    started = time.perf_counter()
    load_translator(model, settings)  # ours keeps one per process; the build pays this once
    ours_load = time.perf_counter() - started
    raw_translator = ctranslate2.Translator(str(model.model_dir), device=settings.device,
                                            compute_type=settings.compute_type, inter_threads=1,
                                            intra_threads=threads)
    say(f"{len(texts)} texts, {len(every)} sentences, {len(unique)} unique, {source_tokens} source tokens; "
        f"model loaded in {ours_load:.2f}s; beam {settings.beam_size}, {settings.compute_type}, {threads} threads, "
        f"max_decoding_length {settings.max_decoding_length}")

    times: dict[str, list[float]] = {"ours": [], "raw": [], "argos": []}
    cpu: dict[str, list[float]] = {"ours": [], "raw": [], "argos": []}
    outputs: dict[str, list[str]] = {}
    target_tokens = 0

    def run_ours() -> None:
        with tempfile.TemporaryDirectory(dir=WORK) as tmp, TranslationCache(Path(tmp)) as cache:
            t, c = time.perf_counter(), time.process_time()
            english, stats = translate_texts(texts, model, cache, settings, progress=False)
            times["ours"].append(time.perf_counter() - t)
            cpu["ours"].append(time.process_time() - c)
        assert stats.translated == len(unique), stats
        outputs["ours"] = english

    def run_raw() -> None:
        nonlocal target_tokens
        t, c = time.perf_counter(), time.process_time()
        results = raw_translator.translate_batch(sorted_tokens, prefix, **decoding_options(settings))
        times["raw"].append(time.perf_counter() - t)
        cpu["raw"].append(time.process_time() - c)
        target_tokens = sum(len(r.hypotheses[0]) for r in results)
        by_sentence = {unique[i]: decode_sentence(pkg, r.hypotheses[0]) for i, r in zip(order, results, strict=True)}
        outputs["raw"] = [" ".join(by_sentence[s] for s in sentences) for sentences in split]

    def run_argos() -> None:
        t, c = time.perf_counter(), time.process_time()
        english = argos_per_text(texts, pkg, raw_translator, settings.beam_size, settings.max_decoding_length)
        times["argos"].append(time.perf_counter() - t)
        cpu["argos"].append(time.process_time() - c)
        outputs["argos"] = english

    steps = [run_ours, run_raw, run_argos]
    for round_no in range(args.runs):
        shift = round_no % len(steps)
        for step in steps[shift:] + steps[:shift]:
            step()
            name = step.__name__[4:]
            say(f"round {round_no + 1} {name}: {times[name][-1]:.2f}s wall, {cpu[name][-1]:.2f}s CPU "
                f"(load {os.getloadavg()[0]:.1f})")

    same_raw = sum(a == b for a, b in zip(outputs["ours"], outputs["raw"], strict=True)) / len(texts)
    same_argos = sum(a == b.replace("\n", " ") for a, b in zip(outputs["ours"], outputs["argos"], strict=True))
    same_argos /= len(texts)
    med = {k: statistics.median(v) for k, v in times.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    rate = {"ours": len(unique) / med["ours"], "raw": len(unique) / med["raw"], "argos": len(every) / med["argos"]}
    report = [
        SECTION,
        "## Translation benchmark",
        "",
        f"`python bench/translate_bench.py --articles {args.articles} --runs {args.runs}` on "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}: synthetic base-size Argos package (6+6 layers, d_model 512, "
        f"8 heads, FFN 2048, {vocab_size(pkg)} SentencePiece pieces, random weights), titles and summaries "
        f"of {args.articles} ANT articles: "
        f"{len(texts)} texts, {len(every)} sentences ({len(unique)} unique, {source_tokens:,} source tokens, "
        f"{target_tokens:,} output tokens). CPU, {settings.compute_type}, beam {settings.beam_size}, "
        f"{threads} threads, max_decoding_length {settings.max_decoding_length} on every side. Model load "
        f"{ours_load:.2f}s, not counted. Medians of {args.runs} rounds, alternated.",
        "",
        "| path | what it translates | wall s (median) | min–max s | sentences/s | vs raw | ours is × faster "
        "| CPU s (median) | CPU: ours is × less |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    what = {"ours": f"{len(unique)} unique sentences, one batch, cache writes",
            "raw": f"{len(unique)} unique sentences, pre-tokenised",
            "argos": f"{len(every)} sentences, per text and paragraph"}
    for name in ("ours", "raw", "argos"):
        report.append(f"| {name} | {what[name]} | {med[name]:.2f} | {min(times[name]):.2f}–{max(times[name]):.2f} | "
                      f"{rate[name]:,.1f} | {100 * rate[name] / rate['raw']:.0f}% | "
                      f"{med[name] / med['ours']:.2f}× | {med_cpu[name]:.1f} | "
                      f"{med_cpu[name] / med_cpu['ours']:.2f}× |")
    ok_raw = rate["ours"] >= 0.9 * rate["raw"]
    ok_argos = med["argos"] >= 3 * med["ours"]
    report += [
        "",
        f"- ours reaches {100 * rate['ours'] / rate['raw']:.0f}% of raw translate_batch's sentences/s (target ≥ 90%): "
        f"{'**met**' if ok_raw else '**NOT met**'} (CPU time: {100 * med_cpu['raw'] / med_cpu['ours']:.0f}%)",
        f"- ours is {med['argos'] / med['ours']:.1f}× faster than Argos's per-text path (target ≥ 3×): "
        f"{'**met**' if ok_argos else '**NOT met**'} (CPU time: {med_cpu['argos'] / med_cpu['ours']:.1f}×)",
        f"- identical English: ours vs raw {100 * same_raw:.0f}% of texts, ours vs argos {100 * same_argos:.0f}% "
        "(Argos batches by 32 tokens, one paragraph at a time; batch composition can change int8 results)",
        "",
    ]
    print("\n".join(report))
    previous = args.results.read_text(encoding="utf-8") if args.results.exists() else ""
    previous = previous.split(SECTION)[0].rstrip("\n")
    args.results.write_text((previous + "\n\n" if previous else "") + "\n".join(report), encoding="utf-8")
    say(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

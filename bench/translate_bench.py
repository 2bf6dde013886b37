#!/usr/bin/env python3
"""Translation benchmark: the build's chunked pass against raw CTranslate2 (and Argos's per-text path).

    python bench/translate_bench.py [--articles 500] [--runs 3] [--argos]

Model: a base-size synthetic Argos package (6+6 layers, d_model 512, 8 heads, FFN 2048, 32k
SentencePiece vocabulary, seeded random weights) made by tests/argos_fixture.py, built once into
bench/work/argos-base/ and installed there (ARGOS_PACKAGES_DIR). Texts: the English a build asks
for, i.e. the title and the Arabic summary of each of N ANT articles (bench/work/content-N).
Two (or three) ways to translate them, alternated over --runs rounds, all with the site's
settings (site.yaml `translation:`) and one Translator (the same workers and threads):

* ours: `digest.translate.translate_texts` with an empty translation cache (split, deduplicate,
  tokenise, chunks through translate_batch with a window ahead, the quality gate, a commit to
  SQLite per chunk, decode), the model already loaded; the time spent committing is measured;
* raw: the very same chunks (so the same batches and length caps), tokenised beforehand (not
  timed), all submitted to translate_batch at once and awaited: the ceiling for ours;
* argos (--argos): what argostranslate does per text (`apply_packaged_translation`): each article's title
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
    """Title and summary of each article, as digest.english.translate_entries asks for them."""
    sys.path.insert(0, str(BENCH))
    import run  # bench/run.py: the same corpus preparation

    from digest.config import load_config
    from digest.content import read_article
    from digest.entries import prepare

    config = load_config(ROOT / "site.yaml")
    texts = []
    for path in sorted(run.content_dir(articles).glob("*.md")):
        article, _ = read_article(path, config)
        if article is None:
            continue
        entry = prepare(article, config)
        if entry.english.title_by == "editor":
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
    parser.add_argument("--argos", action="store_true", help="also time Argos's own per-text path")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    from digest.config import load_config
    from digest.incremental.keys import translation_key
    from digest.tcache import TranslationCache
    from digest.text import split_sentences
    from digest.translate import (
        chunks,
        decode_sentence,
        decoding_options,
        encode_sentences,
        load_translator,
        translate_texts,
    )

    model = installed_model()
    texts = build_texts(args.articles)
    settings = load_config(ROOT / "site.yaml").translation
    pkg = model.argos()

    split = [split_sentences(t) if t and not t.isspace() else [] for t in texts]
    every = [s for sentences in split for s in sentences]
    unique = list(dict.fromkeys(every))
    tokens = encode_sentences(pkg, unique)
    plan = chunks(tokens, settings)  # raw gets the same chunks, so the same caps and batches
    prefix = pkg.target_prefix
    source_tokens = sum(len(t) for t in tokens)
    key = translation_key(model, settings)

    started = time.perf_counter()
    translator = load_translator(model, settings)  # one per process, shared by both sides
    load_s = time.perf_counter() - started
    layout = f"{translator.num_translators} workers x 1 thread"
    say(f"{len(texts)} texts, {len(every)} sentences, {len(unique)} unique, {source_tokens} source tokens, "
        f"{len(plan)} chunks; model loaded in {load_s:.2f}s; beam {settings.beam_size}, "
        f"{settings.compute_type} ({translator.compute_type}), {layout}")

    times: dict[str, list[float]] = {"ours": [], "raw": [], "argos": []}
    commit: list[float] = []
    outputs: dict[str, list[str]] = {}
    target_tokens = 0

    def run_ours() -> None:
        with tempfile.TemporaryDirectory(dir=WORK) as tmp, TranslationCache(Path(tmp)) as cache:
            store, spent = cache.store, [0.0]

            def timed_store(*a, **k):  # type: ignore[no-untyped-def]
                t0 = time.perf_counter()
                store(*a, **k)
                spent[0] += time.perf_counter() - t0

            cache.store = timed_store  # type: ignore[method-assign]
            t = time.perf_counter()
            english, stats = translate_texts(texts, model, cache, settings, key, progress=False)
            times["ours"].append(time.perf_counter() - t)
            commit.append(spent[0])
        assert stats.translated == len(unique), stats
        outputs["ours"] = [e.text for e in english]

    def run_raw() -> None:
        """The same chunks through translate_batch, all submitted at once to the same translator:
        what the pass would cost with no tokenising, gating, decoding or cache around it."""
        nonlocal target_tokens
        t = time.perf_counter()
        pending = []
        for indexes, cap in plan:
            source = [tokens[i] for i in indexes]
            target = [[prefix]] * len(source) if prefix else None
            pending.append((indexes, translator.translate_batch(source, target, asynchronous=True,
                                                                **decoding_options(settings, cap))))
        results = {i: r.result() for indexes, futures in pending for i, r in zip(indexes, futures, strict=True)}
        times["raw"].append(time.perf_counter() - t)
        target_tokens = sum(len(r.hypotheses[0]) for r in results.values())
        by_sentence = {unique[i]: decode_sentence(pkg, r.hypotheses[0]) for i, r in results.items()}
        outputs["raw"] = [" ".join(by_sentence[s] for s in sentences) for sentences in split]

    def run_argos() -> None:
        t = time.perf_counter()
        english = argos_per_text(texts, pkg, translator, settings.beam_size, max(cap for _, cap in plan))
        times["argos"].append(time.perf_counter() - t)
        outputs["argos"] = english

    steps = [run_ours, run_raw] + ([run_argos] if args.argos else [])
    for round_no in range(args.runs):
        shift = round_no % len(steps)
        for step in steps[shift:] + steps[:shift]:
            step()
            name = step.__name__[4:]
            say(f"round {round_no + 1} {name}: {times[name][-1]:.2f}s (load {os.getloadavg()[0]:.1f})")

    same_raw = sum(a == b for a, b in zip(outputs["ours"], outputs["raw"], strict=True)) / len(texts)
    med = {k: statistics.median(v) for k, v in times.items() if v}
    rate = {"ours": len(unique) / med["ours"], "raw": len(unique) / med["raw"]}
    if "argos" in med:
        rate["argos"] = len(every) / med["argos"]
    share = statistics.median(c / t for c, t in zip(commit, times["ours"], strict=True))
    report = [
        SECTION,
        "## Translation benchmark",
        "",
        f"`python bench/translate_bench.py --articles {args.articles} --runs {args.runs}"
        f"{' --argos' if args.argos else ''}` on {time.strftime('%Y-%m-%d %H:%M %Z')}: synthetic base-size Argos "
        f"package (6+6 layers, d_model 512, 8 heads, FFN 2048, {vocab_size(pkg)} SentencePiece pieces, random "
        f"weights), titles and summaries of {args.articles} ANT articles: {len(texts)} texts, {len(every)} "
        f"sentences ({len(unique)} unique, {source_tokens:,} source tokens, {target_tokens:,} output tokens), "
        f"{len(plan)} chunks. CPU, {translator.compute_type}, beam {settings.beam_size}, {layout} on both sides, "
        f"the same chunks and length caps on both sides. Model load {load_s:.2f}s, not counted. Medians of "
        f"{args.runs} rounds, alternated.",
        "",
        "| path | what it does | wall s (median) | min–max s | sentences/s | vs raw |",
        "|---|---|---:|---:|---:|---:|",
    ]
    what = {"ours": "split, tokenise, chunks through the gate, a commit per chunk, decode",
            "raw": "the same chunks, pre-tokenised, submitted at once",
            "argos": f"{len(every)} sentences, per text and paragraph (Argos's own path)"}
    for name in med:
        report.append(f"| {name} | {what[name]} | {med[name]:.2f} | {min(times[name]):.2f}–{max(times[name]):.2f} | "
                      f"{rate[name]:,.1f} | {100 * rate[name] / rate['raw']:.0f}% |")
    ok_raw = rate["ours"] >= 0.9 * rate["raw"]
    report += [
        "",
        f"- ours reaches {100 * rate['ours'] / rate['raw']:.0f}% of raw translate_batch's sentences/s "
        f"(target ≥ 90%): {'**met**' if ok_raw else '**NOT met**'}",
        f"- committing the chunks took {100 * share:.2f}% of the pass (median; target < 3%): "
        f"{'**met**' if share < 0.03 else '**NOT met**'}",
        f"- identical English, ours vs raw: {100 * same_raw:.0f}% of texts",
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

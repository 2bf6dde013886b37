#!/usr/bin/env python3
"""Which device `translation.device` really gets on this machine, with a small real package.

    python bench/cuda_check.py [--sentences 2000]

Builds the tests' synthetic Argos package (tests/argos_fixture.py), then loads it with
`device: cuda` (an error is expected where CUDA cannot run CTranslate2: the PyPI wheel needs
cuBLAS 12) and with `device: auto` (CUDA when it starts, else the CPU with a one-line note), and
translates the same sentences with each device that loads, printing the time and whether the
outputs agree. Writes nothing but a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=2000)
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    work = Path(tempfile.mkdtemp(prefix="cuda-check-"))
    os.environ["ARGOS_PACKAGES_DIR"] = str(work / "packages")
    import ctranslate2
    from argos_fixture import ARABIC_SENTENCES, build_argos_package

    from digest.config import TranslationConfig
    from digest.models import ModelError, install_model
    from digest.translate import _translators, load_translator, translate_sentences

    print(f"ctranslate2 {ctranslate2.__version__}; CUDA devices seen: {ctranslate2.get_cuda_device_count()}")
    model = install_model(build_argos_package(work / "zip"))
    sentences = [f"{ARABIC_SENTENCES[i % len(ARABIC_SENTENCES)]} ({i})" for i in range(args.sentences)]
    outputs = {}
    for device in ("cuda", "auto", "cpu"):
        _translators.clear()
        notes: list[str] = []
        config = TranslationConfig(device=device)
        try:
            translator = load_translator(model, config, notes.append)
        except ModelError as exc:
            print(f"device {device}: does not load: {exc}")
            continue
        started = time.perf_counter()
        english = translate_sentences(sentences, model, config, progress=False, note=notes.append)
        seconds = time.perf_counter() - started
        outputs[device] = english
        print(f"device {device}: ran on {translator.device} ({translator.compute_type}), {len(sentences)} "
              f"sentences in {seconds:.2f}s" + "".join(f"\n  note: {n}" for n in notes))
    if len(outputs) > 1:
        first, *rest = outputs.items()
        for name, english in rest:
            same = sum(a == b for a, b in zip(first[1], english, strict=True)) / len(english)
            print(f"identical outputs, {first[0]} vs {name}: {100 * same:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())

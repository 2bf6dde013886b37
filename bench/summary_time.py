"""Time per article of digest.summarize against an earlier revision's, side by side in one process.

usage: python bench/summary_time.py [--rev REV] [--content DIR] [--articles 5000] [--words N] [--rounds 3]

The earlier summarizer is `git show REV:digest/summarize.py` (default: the commit before the last
one that changed it), loaded as a module of its own, so each has its own token cache. The texts
are what a build summarizes: each article's plain text from digest.markup.render_markdown, with
its title, prepared before any timing. Round 0 starts with both token caches empty, as a cold
build does; later rounds are warm. The two run alternately (old first in even rounds), with the
garbage collector off. Also prints the mean summary length and how many summaries are the
article's own opening (digest.entries.is_opening: the Arabic page then shows no summary box).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import digest.summarize as current  # noqa: E402
from digest.content import title_and_body  # noqa: E402
from digest.entries import is_opening  # noqa: E402
from digest.markup import render_markdown  # noqa: E402
from digest.text import words  # noqa: E402


def load_revision(rev: str):
    source = subprocess.run(["git", "show", f"{rev}:digest/summarize.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    folder = pathlib.Path(tempfile.mkdtemp(prefix="summary-time-"))
    path = folder / "summarize_at_rev.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("summarize_at_rev", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_rev = subprocess.run(["git", "log", "-2", "--format=%h", "--", "digest/summarize.py"], cwd=ROOT,
                                 check=True, capture_output=True, text=True).stdout.split()[-1]
    ap.add_argument("--rev", default=default_rev, help=f"the earlier revision (default: {default_rev})")
    ap.add_argument("--content", type=pathlib.Path, help="articles folder (default: bench/work/content-N)")
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--words", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    if a.content is None:
        from run import content_dir

        a.content = content_dir(a.articles)
    old = load_revision(a.rev)
    docs = []
    for path in sorted(a.content.glob("*.md"))[: a.articles]:
        title, body = title_and_body(path)
        docs.append((title, render_markdown(body)[1]))
    print(f"{len(docs)} articles from {a.content}, budget {a.words} words; {a.rev} against the working tree")

    times: dict[str, list[list[float]]] = {"old": [], "new": []}
    gc.disable()
    for round_no in range(a.rounds):
        order = [("old", old), ("new", current)]
        for label, module in order if round_no % 2 == 0 else order[::-1]:
            summarize, spent, lengths, openings = module.summarize, [], [], 0
            for title, text in docs:
                start = time.perf_counter()
                summary = summarize(text, a.words, title)
                spent.append(time.perf_counter() - start)
                lengths.append(sum(len(words(s)) for s in summary))
                openings += is_opening(" ".join(summary), text)
            times[label].append(spent)
            print(f"round {round_no} {'(cold)' if round_no == 0 else '(warm)'} {label}: total {sum(spent):.2f} s, "
                  f"per article mean {statistics.fmean(spent) * 1e3:.3f} ms, median "
                  f"{statistics.median(spent) * 1e3:.3f} ms, max {max(spent) * 1e3:.1f} ms; summary "
                  f"{statistics.fmean(lengths):.1f} words on average, {openings} of {len(docs)} the opening")
    gc.enable()
    for which, rounds in (("cold", slice(0, 1)), ("warm, min of rounds", slice(1, None))):
        best = {label: [min(ts) for ts in zip(*runs[rounds], strict=True)] for label, runs in times.items()}
        if not best["old"]:
            continue
        ratio = sum(best["new"]) / sum(best["old"])
        print(f"{which}: per article old {statistics.fmean(best['old']) * 1e3:.3f} ms, "
              f"new {statistics.fmean(best['new']) * 1e3:.3f} ms (mean); new/old {ratio:.2f}")


if __name__ == "__main__":
    main()

"""In-process ROUGE on EASC for tuning digest.summarize (no 77 subprocesses).

usage: python bench/rouge_tune.py [EASC_DIR] [--words 100] [--grid]

Scores exactly like ../shared/tools/rouge_easc.py (its own functions are
imported), but calls ``summary_text`` directly, reading each article as
``python -m digest.summarize`` does.  ``--grid`` tries a small grid of
weights around the defaults and prints the best few; keep any change modest,
this is the dev half only.  To choose weights, use bench/summary_cv.py, which
cross-validates over topic folds and reports intervals.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import itertools
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest import summarize as S  # noqa: E402
from digest.content import title_and_body  # noqa: E402

TOOL = ROOT.parent / "shared" / "tools" / "rouge_easc.py"


# The weights --grid searches (the grid the summarizer before issue 21 was tuned with).
GRID = {
    "position_decay": [0.5, 0.75, 1.0],
    "paragraph": [1.0, 1.5, 2.0],
    "centrality": [0.25, 0.5],
    "redundancy": [0.0, 0.1, 0.25],
    "sharpness": [3.0, 4.0, 5.0],
}


def load_tool():
    spec = importlib.util.spec_from_file_location("rouge_easc", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_set(root: pathlib.Path, tool):
    items = []
    for topic in sorted((root / "Articles").iterdir(), key=lambda p: int(p.name[5:])):
        article = next(p for p in topic.iterdir() if p.suffix.lower() == ".txt")
        refs = [
            tool.tokens(p.read_text(encoding="utf-8-sig", errors="replace"))
            for p in sorted((root / "MTurk" / topic.name).iterdir())
        ]
        title, body = title_and_body(article)
        items.append((topic.name, title, body, refs))
    return items


def score(items, tool, words: int, weights: S.Weights | None = None, per_item=False):
    if weights is not None:
        S.WEIGHTS = weights
    r1 = r2 = 0.0
    rows = []
    for name, title, body, refs in items:
        toks = tool.tokens(S.summary_text(body, words, title), words)
        a = sum(tool.f1(toks, r, 1) for r in refs) / len(refs)
        b = sum(tool.f1(toks, r, 2) for r in refs) / len(refs)
        r1 += a
        r2 += b
        rows.append((name, a, b, len(toks)))
    n = len(items)
    return (r1 / n, r2 / n, rows) if per_item else (r1 / n, r2 / n)


def lead(items, tool, words: int):
    r1 = r2 = 0.0
    for _, _, body, refs in items:
        toks = tool.tokens(body, words)
        r1 += sum(tool.f1(toks, r, 1) for r in refs) / len(refs)
        r2 += sum(tool.f1(toks, r, 2) for r in refs) / len(refs)
    return r1 / len(items), r2 / len(items)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("easc_dir", nargs="?", default=str(ROOT.parent / "shared/data/easc-dev"))
    ap.add_argument("--words", type=int, default=100)
    ap.add_argument("--grid", action="store_true")
    ap.add_argument("--rows", action="store_true", help="per-article scores")
    a = ap.parse_args()
    tool = load_tool()
    items = load_set(pathlib.Path(a.easc_dir), tool)
    base = S.WEIGHTS
    print("lead     R1 {:.4f} R2 {:.4f}".format(*lead(items, tool, a.words)))
    r1, r2, rows = score(items, tool, a.words, base, per_item=True)
    print(f"default  R1 {r1:.4f} R2 {r2:.4f}  {base}")
    if a.rows:
        for name, x, y, n in rows:
            print(f"{name:10} {x:.3f} {y:.3f} {n}")
    if not a.grid:
        return
    grid = GRID
    results = []
    for values in itertools.product(*grid.values()):
        w = dataclasses.replace(base, **dict(zip(grid, values, strict=True)))
        results.append((*score(items, tool, a.words, w), w))
    S.WEIGHTS = base
    results.sort(key=lambda r: r[0] + r[1], reverse=True)
    odd, even = items[::2], items[1::2]
    for r1, r2, w in results[:10]:
        halves = [score(half, tool, a.words, w) for half in (odd, even)]
        S.WEIGHTS = base
        split = "  ".join(f"{x:.4f}/{y:.4f}" for x, y in halves)
        print(f"R1 {r1:.4f} R2 {r2:.4f}  halves {split}  {w}")


if __name__ == "__main__":
    main()

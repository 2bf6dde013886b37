"""Cross-validated tuning of digest.summarize on the EASC dev half, against the lead baseline.

usage: python bench/summary_cv.py [EASC_DIR] [--words 60 100] [--boot 10000] [--analysis]

Every number is a difference from the lead baseline (the article's first WORDS words), per
article, with ROUGE-1 and ROUGE-2 F1 computed exactly as ../shared/tools/rouge_easc.py does (its
own functions are imported; each summary is cut at WORDS words).

The 77 articles are split into five folds by topic, so that a fold's articles share nothing
with the articles the weights were tuned on but the genre:

    0 environment (16)   1 politics, religion (15)   2 finance, art and music (14)
    3 health, sport, education (17)   4 science and technology, tourism (15)

For each fold the script picks, from a small grid of Weights around the defaults, the one with
the best mean difference (ROUGE-1 + ROUGE-2, every budget) on the other four folds, and scores it
on the held-out fold: the "cross-validated" table, an estimate for articles the weights have not
seen. The "defaults" table scores the shipped Weights on every fold; they were chosen on all 77
articles, so that table is optimistic. Each cell is the fold's mean difference and a 95% paired
bootstrap interval (articles resampled within the fold).

--analysis first prints what the issue's analysis rests on, and what whole sentences cost:
summary lengths and the lead cut to each summary's own length (previous and current summarizer);
summaries that are the article's opening against the others; the fullest whole-sentence
summaries (a reward per word so large that relevance only breaks ties); lead-90 against
lead-100; the spread of the per-article differences; the lead cut to the fullest whole-sentence
length that fits; the extractive ceiling (greedy whole sentences, against the five references)
and one annotator against the other four.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import pathlib
import random
import re
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rouge_tune import GRID as PREVIOUS_GRID  # noqa: E402
from rouge_tune import load_set, load_tool  # noqa: E402
from summary_time import load_revision  # noqa: E402

from digest import summarize as S  # noqa: E402
from digest.config import load_config  # noqa: E402
from digest.entries import is_opening  # noqa: E402
from digest.text import words as word_tokens  # noqa: E402

FOLDS = {
    "environment": 0,
    "politics": 1, "religion": 1,
    "finance": 2, "art and music": 2,
    "health": 3, "sport": 3, "education": 3,
    "science and technology": 4, "tourisms": 4,
}
# Around the defaults: each weight at, below and above its shipped value.
GRID = {
    "position_decay": [0.35, 0.5, 0.75],
    "paragraph": [1.0, 1.5],
    "centrality": [0.0, 0.25],
    "phrases": [0.0, 0.5, 1.0],
    "sharpness": [4.0, 6.0, 8.0],
    "fill": [0.0, 0.1, 0.25],
}
# The summarizer before issue 21 and the grid bench/rouge_tune.py tuned it with: --previous
# cross-validates that procedure instead.
PREVIOUS_REV = "10bb2d4"


def topic(root: pathlib.Path, name: str) -> str:
    article = next((root / "Articles" / name).iterdir()).name
    return re.sub(r" \(\d+\)\.txt$", "", article, flags=re.IGNORECASE).lower()


class Scorer:
    """Per-article ROUGE-1/2 F1 differences from the lead; a summary is scored once."""

    def __init__(self, items, tool, budgets):
        self.items, self.tool, self.budgets = items, tool, budgets
        self.cache: dict[tuple[int, int, str], tuple[float, float, int]] = {}
        self.lead = {w: [self.f1(i, body, w) for i, (_, _, body, _) in enumerate(items)] for w in budgets}

    def f1(self, i: int, text: str, budget: int) -> tuple[float, float, int]:
        key = (i, budget, text)
        if key not in self.cache:
            refs = self.items[i][3]
            toks = self.tool.tokens(text, budget)
            self.cache[key] = (
                sum(self.tool.f1(toks, r, 1) for r in refs) / len(refs),
                sum(self.tool.f1(toks, r, 2) for r in refs) / len(refs),
                len(toks),
            )
        return self.cache[key]

    def diffs(self, weights, module=S) -> dict[int, list[tuple[float, float]]]:
        """{budget: [(ROUGE-1 diff, ROUGE-2 diff) per article]} for these weights of `module`."""
        saved, module.WEIGHTS = module.WEIGHTS, weights
        try:
            out = {}
            for budget in self.budgets:
                rows = []
                for i, (_, title, body, _) in enumerate(self.items):
                    ours = self.f1(i, module.summary_text(body, budget, title), budget)
                    lead = self.lead[budget][i]
                    rows.append((ours[0] - lead[0], ours[1] - lead[1]))
                out[budget] = rows
            return out
        finally:
            module.WEIGHTS = saved


def bootstrap(values: list[float], rounds: int, seed: int = 21) -> tuple[float, float, float]:
    """Mean and 95% percentile interval of the mean, articles resampled with replacement."""
    rnd = random.Random(seed)
    n = len(values)
    means = sorted(sum(rnd.choices(values, k=n)) / n for _ in range(rounds))
    return statistics.fmean(values), means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


def cell(values: list[float], rounds: int) -> str:
    mean, low, high = bootstrap(values, rounds)
    return f"{mean:+.4f} [{low:+.4f}, {high:+.4f}]"


def table(title: str, per_article: dict[int, list[tuple[float, float]]], folds: list[int], sizes, rounds: int):
    budgets = sorted(per_article)
    print(f"\n{title}\n")
    head = " | ".join(f"R-{m} at {b}" for b in budgets for m in (1, 2))
    print(f"| fold (articles) | {head} |")
    print("| --- |" + " --- |" * (2 * len(budgets)))
    for fold in [*sorted(set(folds)), None]:
        idx = [i for i, f in enumerate(folds) if fold is None or f == fold]
        cells = [cell([per_article[b][i][m] for i in idx], rounds) for b in budgets for m in (0, 1)]
        name = "all" if fold is None else f"{fold} {sizes[fold]}"
        print(f"| {name} ({len(idx)}) | " + " | ".join(cells) + " |")


def criterion(per_article: dict[int, list[tuple[float, float]]], idx: list[int]) -> float:
    return statistics.fmean(per_article[b][i][m] for b in per_article for i in idx for m in (0, 1))


def sentences_of(body: str, title: str | None) -> list[str]:
    """The sentences digest.summarize chooses from (its own preparation of the text)."""
    text = S._unwrap(body.replace("\r\n", "\n"))
    if title is None:
        title, text = S._split_title(text)
    return [span.strip() for span in S.sentence_spans(text)]


def analysis(items, tool, scorer: Scorer, budget: int, previous) -> None:
    """The issue's dev-half analysis, reproduced with the scorer's tokenisation."""
    saved = S.WEIGHTS
    for label, module in (("previous", previous), ("current", S)):
        for words in scorer.budgets:
            lengths, ours, cut = [], [], []
            for i, (_, title, body, _) in enumerate(items):
                r1, _, n = scorer.f1(i, module.summary_text(body, words, title), words)
                lengths.append(n)
                ours.append(r1)
                cut.append(r1 - scorer.f1(i, body, n)[0])
            print(f"{label} weights at {words}: mean length {statistics.fmean(lengths):.1f} words, ROUGE-1 "
                  f"{statistics.fmean(ours):.4f}, against the lead cut to the same length "
                  f"{statistics.fmean(cut):+.4f}")
    # Summaries that are the article's opening against the others: the lead holds the same
    # sentences and the start of the next one, so there only the words left unused count.
    for words in scorer.budgets:
        groups: dict[bool, list[float]] = {True: [], False: []}
        for i, (_, title, body, _) in enumerate(items):
            summary = S.summary_text(body, words, title)
            groups[is_opening(summary, S._unwrap(body.replace("\r\n", "\n")))].append(
                scorer.f1(i, summary, words)[0] - scorer.lead[words][i][0])
        print(f"at {words}: {len(groups[True])} summaries are the opening, ROUGE-1 against the lead "
              f"{statistics.fmean(groups[True]):+.4f}; the other {len(groups[False])} "
              f"{statistics.fmean(groups[False]):+.4f}")
    # A reward per word so large that the fullest summary wins, relevance only breaking ties.
    S.WEIGHTS = dataclasses.replace(saved, fill=1000.0)
    for words in scorer.budgets:
        rows = []
        for i, (_, title, body, _) in enumerate(items):
            r1, r2, n = scorer.f1(i, S.summary_text(body, words, title), words)
            rows.append((r1 - scorer.lead[words][i][0], r2 - scorer.lead[words][i][1], n))
        print(f"fullest whole-sentence summaries at {words}: mean length {statistics.fmean(r[2] for r in rows):.1f}, "
              f"against the lead {statistics.fmean(r[0] for r in rows):+.4f} / "
              f"{statistics.fmean(r[1] for r in rows):+.4f}")
    S.WEIGHTS = saved
    for n in (budget - 10, budget):
        lead = statistics.fmean(scorer.f1(i, body, n)[0] for i, (_, _, body, _) in enumerate(items))
        print(f"lead-{n}: ROUGE-1 {lead:.4f}")
    diffs = [scorer.f1(i, S.summary_text(b, budget, t), budget)[0] - scorer.lead[budget][i][0]
             for i, (_, t, b, _) in enumerate(items)]
    print(f"per-article difference from lead: sd {statistics.stdev(diffs):.4f}, "
          f"standard error of a 77-article mean {statistics.stdev(diffs) / len(diffs) ** 0.5:.4f}")
    # The lead cut to the longest whole-sentence summary that fits (lead sentence first): what
    # whole sentences cost even when they fill the budget as well as they can.
    for words in scorer.budgets:
        handicap1, handicap2 = [], []
        for i, (_, title, body, _) in enumerate(items):
            counts = [len(word_tokens(s)) for s in sentences_of(body, title)]
            reach = {0}
            for count in counts[1:]:
                reach |= {r + count for r in reach if r + count <= words - counts[0]}
            longest = min(words, counts[0] + max(reach)) if counts[0] < words else words
            cut, lead = scorer.f1(i, body, longest), scorer.lead[words][i]
            handicap1.append(cut[0] - lead[0])
            handicap2.append(cut[1] - lead[1])
        print(f"lead cut to the fullest whole-sentence length, against lead-{words}: "
              f"{statistics.fmean(handicap1):+.4f} / {statistics.fmean(handicap2):+.4f}")
    ceiling1, ceiling2 = [], []
    for _, title, body, refs in items:
        sentences = sentences_of(body, title)
        chosen: list[int] = []
        best = (0.0, 0.0)
        while True:  # greedy: add the sentence that raises ROUGE-1 + ROUGE-2 most, while one does
            trials = []
            for j in range(len(sentences)):
                if j in chosen:
                    continue
                pick = sorted([*chosen, j])
                text = " ".join(sentences[k] for k in pick)
                if sum(len(word_tokens(sentences[k])) for k in pick) > budget:
                    continue
                toks = tool.tokens(text, budget)
                r1 = sum(tool.f1(toks, r, 1) for r in refs) / len(refs)
                trials.append((r1, sum(tool.f1(toks, r, 2) for r in refs) / len(refs), j))
            top = max(trials, key=lambda t: t[0] + t[1], default=None)
            if top is None or top[0] + top[1] <= sum(best):
                break
            best = top[:2]
            chosen.append(top[2])
        ceiling1.append(best[0])
        ceiling2.append(best[1])
    print(f"extractive ceiling (greedy, whole sentences within {budget}): "
          f"{statistics.fmean(ceiling1):.4f} / {statistics.fmean(ceiling2):.4f}")
    one1, one2 = [], []
    for _, _, _, refs in items:
        for k, ref in enumerate(refs):
            others = refs[:k] + refs[k + 1:]
            toks = ref[:budget]
            one1.append(sum(tool.f1(toks, o, 1) for o in others) / len(others))
            one2.append(sum(tool.f1(toks, o, 2) for o in others) / len(others))
    print(f"one annotator against the other four: {statistics.fmean(one1):.4f} / {statistics.fmean(one2):.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("easc_dir", nargs="?", default=str(ROOT.parent / "shared/data/easc-dev"))
    ap.add_argument("--words", type=int, nargs="+", default=None,
                    help="budgets (default: the site's summary_words and 100)")
    ap.add_argument("--boot", type=int, default=10_000, help="bootstrap resamples per cell")
    ap.add_argument("--analysis", action="store_true", help="print the dev-half analysis first")
    ap.add_argument("--defaults-only", action="store_true", help="skip the grid and the cross-validation")
    ap.add_argument("--previous", action="store_true",
                    help=f"cross-validate the summarizer ({PREVIOUS_REV}) and tuning grid from before issue 21 instead")
    a = ap.parse_args()
    root = pathlib.Path(a.easc_dir)
    budgets = a.words or sorted({load_config(ROOT / "site.yaml").summary_words, 100})
    tool = load_tool()
    items = load_set(root, tool)
    folds = [FOLDS[topic(root, name)] for name, *_ in items]
    sizes = {f: ", ".join(sorted({t for t, g in FOLDS.items() if g == f})) for f in set(folds)}
    scorer = Scorer(items, tool, budgets)
    previous = load_revision(PREVIOUS_REV)
    if a.analysis:
        analysis(items, tool, scorer, 100, previous)

    start = time.perf_counter()
    module, grid = (previous, PREVIOUS_GRID) if a.previous else (S, GRID)
    base = module.WEIGHTS
    defaults = scorer.diffs(base, module)
    table(f"{'Previous' if a.previous else 'Shipped'} defaults, {base}", defaults, folds, sizes, a.boot)
    if a.defaults_only:
        return
    configs = [dataclasses.replace(base, **dict(zip(grid, values, strict=True)))
               for values in itertools.product(*grid.values())]
    results = [scorer.diffs(w, module) for w in configs]
    held_out: dict[int, list[tuple[float, float]]] = {b: [(0.0, 0.0)] * len(items) for b in budgets}
    print(f"\ngrid of {len(configs)} weights scored in {time.perf_counter() - start:.0f} s; chosen per fold:")
    for fold in sorted(set(folds)):
        train = [i for i, f in enumerate(folds) if f != fold]
        best = max(range(len(configs)), key=lambda k: criterion(results[k], train))
        changed = {k: v for k, v in dataclasses.asdict(configs[best]).items() if v != getattr(base, k)}
        print(f"  fold {fold}: {changed or 'the defaults'}")
        for b in budgets:
            for i, f in enumerate(folds):
                if f == fold:
                    held_out[b][i] = results[best][b][i]
    table("Cross-validated (weights chosen on the other four folds)", held_out, folds, sizes, a.boot)
    every = list(range(len(items)))
    ranked = sorted(range(len(configs)), key=lambda k: criterion(results[k], every), reverse=True)
    print("\nbest on all 77 (in-sample):")
    for k in ranked[:5]:
        changed = {key: v for key, v in dataclasses.asdict(configs[k]).items() if v != getattr(base, key)}
        print(f"  {criterion(results[k], every):+.4f}  {changed or 'the defaults'}")
    shipped = "the previous defaults" if a.previous else "the defaults"
    print(f"  {criterion(defaults, every):+.4f}  shipped: {shipped}")


if __name__ == "__main__":
    main()

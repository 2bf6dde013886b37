#!/usr/bin/env python3
"""What search costs a build: the same 5,000 articles built side by side by the code before search
(a git worktree at --old), by this code with `search: false`, and by this code with search on.

    python bench/search_bench.py [--old /tmp/old-search] [--runs 2] [--out DIR] [--results FILE]

For each round, for each of the three (their order rotated every round): a cold build (empty
output and cache), then one article's body edited and built again ("one changed"), then the same
build again ("no-op"). Each build is its own process, timed from spawn to exit (wall, and the
CPU of the whole tree, Pagefind included, from wait4). No translation model is visible. Prints a
Markdown table of medians and writes it to bench/search-results.md. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import CHILD_ENV, ROOT, WORK, content_dir, measure, settle

OLD_COMMIT = "a1d0cf6"  # the project before search
RESULTS = Path(__file__).resolve().parent / "search-results.md"


def project(kind: str, old: Path, out: Path) -> tuple[Path, Path]:
    """(code folder whose build.py runs, site folder with site.yaml, templates/ and theme/)."""
    if kind == "before":
        return old, old
    site = out / f"site-{kind}"
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    shutil.copytree(ROOT / "templates", site / "templates")
    shutil.copytree(ROOT / "theme", site / "theme")
    text = (ROOT / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text(text + ("\nsearch: false\n" if kind == "search off" else ""), encoding="utf-8")
    return ROOT, site


def edit(content: Path) -> str:
    """Append a sentence to the newest article's body (by file name order: stable)."""
    newest = sorted(content.glob("*.md"))[-1]
    with open(newest, "a", encoding="utf-8") as handle:
        handle.write("\n\nوأضاف المتحدث أن الاجتماع المقبل سيعقد في الأسبوع القادم.\n")
    return newest.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, default=Path("/tmp/old-search"))
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--out", type=Path, default=WORK / "search-bench")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not (args.old / "build.py").exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(args.old), OLD_COMMIT], check=True)
    corpus = content_dir(args.articles)
    out = args.out.resolve()
    in_memory = str(out).startswith("/dev/shm/")
    out.mkdir(parents=True, exist_ok=True)
    no_models = out / "no-models"
    no_models.mkdir(exist_ok=True)
    env = {**CHILD_ENV, "ARGOS_PACKAGES_DIR": str(no_models)}
    kinds = ["before", "search off", "search on"]
    places = {kind: project(kind, args.old, out) for kind in kinds}
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    log: list[str] = []
    for round_ in range(args.runs):
        order = kinds[round_ % 3:] + kinds[:round_ % 3]
        for kind in order:
            code, site = places[kind]
            work = out / f"run-{kind.replace(' ', '-')}-{round_}"
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(corpus, work / "content")
            cmd = [sys.executable, str(code / "build.py"), "build", "--content", str(work / "content"),
                   "--output", str(work / "site"), "--cache", str(work / "cache"),
                   "--config", str(site / "site.yaml"), "--timings"]
            for step in ("cold", "one changed", "no-op"):
                if step == "one changed":
                    edit(work / "content")
                settle()
                m = measure(cmd, env=env)
                times.setdefault((kind, step), []).append((m.wall, m.cpu))
                log.append(m.describe(f"round {round_ + 1} {kind}, {step}"))
                print(log[-1], file=sys.stderr, flush=True)
            if in_memory:  # deleting costs a tmpfs nothing; on a disk it would slow the next builds
                shutil.rmtree(work)
    lines = [f"# Search build cost\n\n`python bench/search_bench.py --runs {args.runs} --out {args.out}` on "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores, "
             f"Python {platform.python_version()}; {args.articles} articles; builds write to `{out}`. "
             f"'before' is {OLD_COMMIT} (no search).\n",
             "| build | step | wall s (median) | CPU s (median) | runs |", "|---|---|---:|---:|---:|"]
    for kind in kinds:
        for step in ("cold", "one changed", "no-op"):
            got = times[(kind, step)]
            lines.append(f"| {kind} | {step} | {statistics.median(w for w, _ in got):.2f} | "
                         f"{statistics.median(c for _, c in got):.2f} | {len(got)} |")

    def med(kind: str, step: str) -> float:
        return statistics.median(w for w, _ in times[(kind, step)])

    cold_on, cold_off, one_on = med("search on", "cold"), med("search off", "cold"), med("search on", "one changed")
    lines += ["", f"- cold with search / without: {cold_on:.2f} s / {cold_off:.2f} s = {cold_on / cold_off:.2f}× "
              f"(target at most 2×)",
              f"- one changed with search / cold with search: {one_on:.2f} s / {cold_on:.2f} s = "
              f"{100 * one_on / cold_on:.1f}% (target at most 10%)", "", "## Every run", "", "```", *log, "```", ""]
    args.results.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines[:14]))


if __name__ == "__main__":
    main()

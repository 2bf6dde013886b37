"""Cold and one-edit builds of the 5,000-article corpus, with and without the browsing pages
(archives, tags, feeds per section, related articles): this checkout against an older one, in
the same run, rounds alternating which goes first.

    python bench/browse.py --old /tmp/old-browse [--content bench/work/content-5000] [--runs 3]

The old checkout is any commit before the browsing work (`git worktree add /tmp/old-browse
a1d0cf6`), with its own `.venv` (a link to this one's will do). Each build runs as a command,
as a user runs it, with no translation model. Reported: wall seconds, the CPU seconds of the
build process and its workers (user + system: this 2-core machine is shared, and CPU time is
steadier than wall time when others use it), pages, and the build's own phase timings; then the
related-articles work alone, in this process.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_build(checkout: Path, content: Path, out: Path, cache: Path, argos: Path) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([str(checkout / ".venv" / "bin" / "python"), "build.py", "build", "--content", str(content),
                           "--output", str(out), "--cache", str(cache), "--timings"],
                          cwd=checkout, capture_output=True, text=True,
                          env={**os.environ, "ARGOS_PACKAGES_DIR": str(argos)})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"build failed in {checkout}:\n{done.stderr[-2000:]}")
    text = done.stdout + done.stderr
    pages = int(re.search(r"built \d+ articles, (\d+) pages", text).group(1))
    timings = text.split("timings:")[1].splitlines()[0]
    phases = {name: float(sec) for name, sec in re.findall(r"(\w+) ([\d.]+)s", timings)}
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    files = sum(1 for p in out.rglob("*") if p.is_file())
    return {"wall": wall, "cpu": cpu, "pages": pages, "files": files, "phases": phases}


def edit_one(content: Path) -> None:
    """Append a sentence to one article (the newest file name, always the same one)."""
    path = sorted(content.glob("*.md"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "\nجملة أضيفت للقياس.\n", encoding="utf-8")


def related_alone(content: Path) -> tuple[float, float]:
    """Seconds for terms_of over every article's title and summary, and for related_lists, in
    this process (the summary as the build makes it is approximated by the first 60 words)."""
    sys.path.insert(0, str(ROOT))
    from types import SimpleNamespace

    import yaml

    from digest.related import related_lists, terms_of

    items = []
    for path in sorted(content.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        _, head, body = text.split("---", 2)
        meta = yaml.safe_load(head)
        items.append((str(meta.get("title", "")), " ".join(body.split()[:60]), str(meta.get("category", ""))))
    start = time.perf_counter()
    terms = [terms_of(title, summary) for title, summary, _ in items]
    terms_seconds = time.perf_counter() - start
    entries = [SimpleNamespace(terms=t, category_slug=c.lower(), article=SimpleNamespace(tags=[]))
               for t, (_, _, c) in zip(terms, items, strict=True)]
    fingerprints = [f"{i:032x}" for i in range(len(entries))]
    start = time.perf_counter()
    related_lists(entries, fingerprints, [])
    return terms_seconds, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", type=Path, required=True)
    parser.add_argument("--content", type=Path, default=ROOT / "bench" / "work" / "content-5000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, dict[str, list[dict]]] = {"old": {"cold": [], "edit": []}, "new": {"cold": [], "edit": []}}
    checkouts = {"old": args.old.resolve(), "new": ROOT}
    with tempfile.TemporaryDirectory(prefix="browse-bench-") as tmp:
        work = Path(tmp)
        argos = work / "argos-empty"
        argos.mkdir()
        for round_number in range(args.runs):
            order = ["old", "new"] if round_number % 2 == 0 else ["new", "old"]
            for name in order:
                where = work / f"{name}-{round_number}"
                content = where / "content"
                shutil.copytree(args.content, content)
                subprocess.run(["sync"], check=False)
                results[name]["cold"].append(run_build(checkouts[name], content, where / "out", where / "cache", argos))
                edit_one(content)
                results[name]["edit"].append(run_build(checkouts[name], content, where / "out", where / "cache", argos))
                shutil.rmtree(where)
                print(f"round {round_number + 1} {name}: cold {results[name]['cold'][-1]['wall']:.2f}s "
                      f"(cpu {results[name]['cold'][-1]['cpu']:.2f}s), edit {results[name]['edit'][-1]['wall']:.2f}s",
                      flush=True)
    print()
    print("| build | checkout | wall s (median) | CPU s (median) | pages | files | plan s | render s | feeds s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for kind in ("cold", "edit"):
        for name in ("old", "new"):
            runs = results[name][kind]
            med = lambda key, runs=runs: statistics.median(r[key] for r in runs)  # noqa: E731
            phase = lambda key, runs=runs: statistics.median(r["phases"].get(key, 0.0) for r in runs)  # noqa: E731
            print(f"| {kind} | {name} | {med('wall'):.2f} | {med('cpu'):.2f} | {runs[0]['pages']} | {runs[0]['files']} "
                  f"| {phase('plan'):.3f} | {phase('render'):.2f} | {phase('feeds'):.3f} |")
    terms_seconds, lists_seconds = related_alone(args.content)
    print(f"\nrelated articles alone: terms_of over every article {terms_seconds:.3f}s (spread over the read "
          f"workers in a build), related_lists {lists_seconds:.3f}s")


if __name__ == "__main__":
    main()

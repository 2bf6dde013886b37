#!/usr/bin/env python3
"""Build-speed and memory benchmark: this project against Hugo and Pelican on the ANT corpus.

    python bench/run.py [--articles 5000] [--runs 3] [--full] [--skip-pelican] [--skip-hugo]

Prepares everything it needs under bench/work/ (git-ignored): unpacks ../shared/data/ant-v2.1.tar.xz,
converts N articles with ../shared/tools/ant_to_content.py, converts them again to Pelican's
metadata format, and installs Pelican into bench/work/pelican-venv. Then, for each of --runs
rounds (tools alternated, the order rotated each round), it times

* ours, cold: empty output and cache, no translation model (ARGOS_PACKAGES_DIR = empty folder);
* ours, no-op: the same build again, nothing changed;
* ours, one changed: the newest article's body edited, then built again; the files whose inode
  changed are checked against what the change can affect;
* Hugo (one language, minimal layout in bench/hugo/) and Pelican (bench/pelican/), cold.

Each build is a separate process tree, timed from spawn to exit, with Python's bytecode cache on
as a user has it (PYTHONDONTWRITEBYTECODE is cleared). Memory: the largest process's
peak RSS (os.wait4's ru_maxrss, which covers every waited-for descendant) and the peak of the
sum of RSS over the whole tree (polled from /proc every 20 ms). --full adds one cold build of the
whole corpus (31,523 articles) by ours and by Hugo, where the tree's PSS is polled too.

It prints a table of medians and ratios and writes it to bench/results.md. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work"
OUT = WORK / "out"  # where the builds write; --out moves it (e.g. to a tmpfs)
# The timed Python builds run as on a user's machine, where Python keeps compiled modules in
# __pycache__; some shells and containers (this project's sandbox) set PYTHONDONTWRITEBYTECODE,
# which makes every run compile the project's modules again (about 0.1 s of each build).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
SHARED = ROOT.parent / "shared"
ANT_TAR = SHARED / "data" / "ant-v2.1.tar.xz"
CONVERTER = SHARED / "tools" / "ant_to_content.py"
RESULTS = BENCH / "results.md"
PELICAN_VERSION = "4.12.0"
PAGE_SIZE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
TRANSLATE_SECTION = "<!-- translate_bench -->"
POLL_SECONDS = 0.1  # a /proc scan costs ~1 ms; polling faster would slow the 2-core builds measured


# --------------------------------------------------------------------------- measuring


@dataclass
class Measurement:
    wall: float  # seconds from spawn to exit
    cpu: float  # user + system seconds of the whole tree (wait4 counts every reaped descendant)
    max_rss_kb: int  # largest single process of the tree (ru_maxrss from wait4)
    tree_rss_kb: int  # peak of the summed RSS of all processes of the tree (polled)
    tree_pss_kb: int = 0  # peak summed PSS (polled; only when asked, it costs more)
    processes: int = 1  # most processes seen at once
    output: str = ""
    load: float = 0.0  # 1-minute load average when it started (other work on the machine)

    def describe(self, label: str) -> str:
        line = build_line(self.output)
        phases = [ln for ln in self.output.splitlines() if ln.startswith("timings: ")]
        return (f"{label}: {self.wall:.2f}s wall, {self.cpu:.2f}s CPU, {self.max_rss_kb // 1024} MB largest, "
                f"{self.tree_rss_kb // 1024} MB tree, load {self.load:.1f}" + (f"  [{line}]" if line else "")
                + (f"\n    {phases[-1]}" if phases else ""))


def _children(since: int) -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc (this kernel has no /proc/PID/task/TID/children).

    Only pids from `since` on are read: descendants get higher pids (until the pid counter wraps).
    """
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) < since:
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def _tree(pid: int) -> list[int]:
    kids = _children(pid)
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE_SIZE_KB
    except (OSError, IndexError, ValueError):
        return 0


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def measure(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
            pss: bool = False) -> Measurement:
    """Run `cmd` to completion; raises CalledProcessError (with its output) when it fails."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        peak = {"rss": 0, "pss": 0, "procs": 1}
        done = threading.Event()

        def poll() -> None:
            while not done.is_set():
                pids = _tree(proc.pid)
                peak["rss"] = max(peak["rss"], sum(_rss_kb(p) for p in pids))
                peak["procs"] = max(peak["procs"], len(pids))
                if pss:
                    peak["pss"] = max(peak["pss"], sum(_pss_kb(p) for p in pids))
                done.wait(POLL_SECONDS)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        poller.join()
        log.seek(0)
        output = log.read()
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, cmd, output)
    cpu = usage.ru_utime + usage.ru_stime
    return Measurement(wall, cpu, usage.ru_maxrss, max(peak["rss"], usage.ru_maxrss), peak["pss"],
                       peak["procs"], output, load)


# --------------------------------------------------------------------------- corpora


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ant_dir() -> Path:
    """The unpacked corpus, unpacked into bench/work/ the first time."""
    target = WORK / "ant2"
    if not (target / ".complete").exists():
        say(f"unpacking {ANT_TAR} into {WORK} ...")
        shutil.rmtree(target, ignore_errors=True)
        WORK.mkdir(parents=True, exist_ok=True)
        if shutil.which("tar"):
            subprocess.run(["tar", "-xJf", str(ANT_TAR), "-C", str(WORK)], check=True)
        else:
            with tarfile.open(ANT_TAR) as archive:
                archive.extractall(WORK, filter="data")
        if not target.is_dir():
            sys.exit(f"{ANT_TAR} did not unpack to {target}")
        (target / ".complete").touch()
    return target


def content_dir(articles: int | None) -> Path:
    """N articles (None: all) in the project's format: YAML front matter + Markdown."""
    name = f"content-{articles}" if articles else "content-all"
    target = WORK / name
    if not (WORK / f"{name}.complete").exists():
        source = ant_dir()
        say(f"converting {articles or 'all'} ANT articles into {target} ...")
        shutil.rmtree(target, ignore_errors=True)
        cmd = [sys.executable, str(CONVERTER), str(source), str(target)]
        if articles:
            cmd += ["--limit", str(articles)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        (WORK / f"{name}.complete").touch()
    return target


def pelican_content_dir(source: Path) -> Path:
    """The same articles with Pelican's own metadata header (Key: value lines, then the body).

    Pelican's Markdown reader takes metadata through Python-Markdown's meta extension, which keeps
    YAML quotes as part of the values; rewriting the header (title, date, category, source, and
    the file name as slug so URLs match ours) is simpler and fairer than a YAML plugin.
    """
    import yaml

    target = WORK / f"pelican-{source.name}"
    if (WORK / f"{target.name}.complete").exists():
        return target
    say(f"writing Pelican's copy of {source.name} into {target} ...")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for path in sorted(source.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        meta = yaml.load(front, Loader=yaml.BaseLoader)  # every value as text
        header = [f"Title: {meta['title']}", f"Date: {meta['date']}", f"Slug: {path.stem}"]
        if meta.get("category"):
            header.append(f"Category: {meta['category']}")
        for key in ("source", "source_url"):
            if meta.get(key):
                header.append(f"{key.replace('_', '')}: {meta[key]}")
        (target / path.name).write_text("\n".join(header) + "\n\n" + body, encoding="utf-8")
    (WORK / f"{target.name}.complete").touch()
    return target


def pelican_bin() -> Path:
    """Pelican 4.12 in its own virtual environment, installed with pip the first time."""
    venv = WORK / "pelican-venv"
    binary = venv / "bin" / "pelican"
    if not binary.exists():
        say(f"installing Pelican {PELICAN_VERSION} into {venv} ...")
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", f"pelican[markdown]=={PELICAN_VERSION}"],
                       check=True)
    return binary


def tool_version(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "?"


# --------------------------------------------------------------------------- the builds


def count_pages(output: Path) -> int:
    return sum(1 for _, _, files in os.walk(output) for f in files if f.endswith(".html"))


def inodes(output: Path) -> dict[str, int]:
    found = {}
    for dirpath, _, files in os.walk(output):
        for name in files:
            path = os.path.join(dirpath, name)
            found[os.path.relpath(path, output)] = os.stat(path).st_ino
    return found


def wait_for_cleanup(output: Path, limit: float = 120.0) -> None:
    """The build removes a big old site in a detached `rm -rf`; let it finish before timing more."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if not list(output.parent.glob(f".{output.name}.old*")):
            return
        time.sleep(0.05)


def filesystem(path: Path) -> str:
    """The file system type holding `path` ("ext4", "tmpfs"), from /proc/mounts."""
    best, kind = "", "?"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    target = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and (target == parts[1] or target.startswith(parts[1].rstrip("/") + "/")) \
                and len(parts[1]) > len(best):
            best, kind = parts[1], parts[2]
    return kind


def settle(limit: float = 90.0) -> None:
    """Flush what earlier runs wrote and wait for the disk to catch up, so that no build pays for
    the one before it (on a slow disk, writing back the last site's 100+ MB takes many seconds)."""
    os.sync()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        meminfo = Path("/proc/meminfo")
        if not meminfo.exists():
            return
        fields = dict(line.split(":", 1) for line in meminfo.read_text().splitlines() if ":" in line)
        pending_kb = sum(int(fields.get(k, "0 kB").split()[0]) for k in ("Dirty", "Writeback"))
        if pending_kb < 32 * 1024:
            return
        time.sleep(0.25)


def clean(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


# Deleting thousands of files slows down the next build that makes thousands, on a file system
# without a journal (this machine's ext4): ext4's inode allocator then skips every inode freed in
# the last 60 s (360 s while its inode table block is dirty; recently_deleted() in
# fs/ext4/ialloc.c), testing them one by one for each new file. Measured with a cold build of
# 5,000 articles: 9.7-10.1 s (2.1-2.2 s of it in the kernel) into a fresh disk, 13.7 s (6.9 s)
# right after deleting the previous site, and still 12.2 s (5.1 s) 65 s after that deletion,
# synced. So nothing is deleted while builds are timed: an old output is moved into OUT/.trash,
# which is emptied once every build is timed, and a run that starts soon after the last one
# emptied it first waits for those inodes to age.
DELETED_AT = WORK / "deleted-at"  # touched when OUT/.trash was last emptied
RECENTLY_DELETED_S = 361.0


def discard(*paths: Path) -> None:
    """Move old outputs out of the way without freeing their inodes (see above); on a tmpfs,
    which has no such cost, delete them rather than hold them in memory."""
    if filesystem(OUT) == "tmpfs":
        clean(*paths)
        return
    trash = OUT / ".trash"
    trash.mkdir(parents=True, exist_ok=True)
    for path in paths:
        if path.exists():
            path.rename(trash / f"{time.monotonic_ns()}-{path.name}")


def empty_trash() -> None:
    """Delete what discard() kept; also at the start, for what a failed run left."""
    trash = OUT / ".trash"
    if trash.exists():
        shutil.rmtree(trash)
        if filesystem(OUT) != "tmpfs":
            DELETED_AT.touch()


def wait_out_deletions() -> None:
    """Let the inodes that the last run's cleanup freed age out before the first timed build."""
    if DELETED_AT.exists() and filesystem(OUT) != "tmpfs":
        left = DELETED_AT.stat().st_mtime + RECENTLY_DELETED_S - time.time()
        if left > 0:
            say(f"waiting {left:.0f} s for the files the last run deleted to age out (see discard())")
            os.sync()
            time.sleep(left)


def site_snapshot() -> Path:
    """A copy of site.yaml, templates/ and theme/, so edits made meanwhile in the working tree
    (other people's) cannot turn a no-op or one-change build into a full one halfway through."""
    target = WORK / "site-snapshot"
    clean(target)
    target.mkdir(parents=True)
    shutil.copy2(ROOT / "site.yaml", target / "site.yaml")
    for name in ("templates", "theme"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, target / name)
    return target


class Ours:
    """This project's build, through its command line, as a user runs it."""

    def __init__(self, content: Path, tag: str, site: Path):
        self.content = content
        self.site = site
        self.base = OUT / f"ours-{tag}"
        self.output = self.base / "site"
        self.cache = self.base / "cache"
        self.models = self.base / "no-models"  # ARGOS_PACKAGES_DIR: an empty folder
        self.env = {**CHILD_ENV, "ARGOS_PACKAGES_DIR": str(self.models)}
        self._timings: bool | None = None

    def command(self) -> list[str]:
        cmd = [sys.executable, str(ROOT / "build.py"), "build", "--content", str(self.content),
               "--output", str(self.output), "--cache", str(self.cache), "--config", str(self.site / "site.yaml")]
        return cmd + (["--timings"] if self.timings else [])

    @property
    def timings(self) -> bool:
        """Whether the build can print its time per phase (`build --timings`), logged with each run."""
        if self._timings is None:
            usage = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--help"], cwd=ROOT,
                                   capture_output=True, text=True).stdout
            self._timings = "--timings" in usage
        return self._timings

    def reset(self) -> None:
        wait_for_cleanup(self.output)
        discard(self.base)
        self.models.mkdir(parents=True)

    def build(self, pss: bool = False) -> Measurement:
        settle()
        m = measure(self.command(), self.env, cwd=ROOT, pss=pss)
        wait_for_cleanup(self.output)
        return m


def build_line(output: str) -> str:
    """The build's own summary line ("built N articles, M pages in Xs; ..."), if it printed one."""
    lines = [ln for ln in output.splitlines() if ln.startswith("built ")]
    return lines[-1] if lines else ""


def newest_article(content: Path) -> Path:
    date = re.compile(r"^date:\s*(\S+)", re.M)
    best: tuple[str, str] | None = None
    for path in content.glob("*.md"):
        found = date.search(path.read_text(encoding="utf-8")[:2000])
        key = (found.group(1) if found else "", path.name)
        if best is None or key > best:
            best = key
    assert best is not None, f"no articles in {content}"
    return content / best[1]


def expected_rewrites(site: Path, slug: str, rewritten: list[str]) -> tuple[dict[str, int], list[str]]:
    """Sort the rewritten files of a one-change build into kinds; list those it should not touch."""
    kinds = {"its article pages": 0, "lists showing it": 0, "feeds": 0, "sitemap": 0, "always written": 0}
    unexpected = []
    for rel in rewritten:
        parts = rel.split("/")
        if rel in (f"ar/{slug}/index.html", f"en/{slug}/index.html"):
            kinds["its article pages"] += 1
        elif rel.endswith("feed.xml"):
            kinds["feeds"] += 1
        elif rel == "sitemap.xml":
            kinds["sitemap"] += 1
        elif rel in ("index.html", "404.html", "robots.txt") or parts[0] == "theme":
            kinds["always written"] += 1
        elif rel.endswith(".html") and f"/{slug}/" in (site / rel).read_text(encoding="utf-8"):
            kinds["lists showing it"] += 1
        else:
            unexpected.append(rel)
    return kinds, unexpected


@dataclass
class OneChange:
    measurement: Measurement
    kinds: dict[str, int]
    unexpected: list[str]
    total_files: int


def one_change(ours: Ours, round_no: int) -> OneChange:
    """Edit the newest article's body (a new last paragraph), rebuild, check what was rewritten."""
    path = newest_article(ours.content)
    original = path.read_bytes()
    before = inodes(ours.output)
    try:
        path.write_text(original.decode("utf-8").rstrip("\n") + f"\n\nتحديث رقم {round_no + 1} للخبر.\n",
                        encoding="utf-8")
        m = ours.build()
    finally:
        path.write_bytes(original)
    after = inodes(ours.output)
    rewritten = sorted(rel for rel, ino in after.items() if before.get(rel) != ino)
    kinds, unexpected = expected_rewrites(ours.output, path.stem, rewritten)
    return OneChange(m, kinds, unexpected, len(after))


def hugo_build(content: Path, tag: str, pss: bool = False) -> tuple[Measurement, int]:
    base = OUT / f"hugo-{tag}"
    discard(base)
    public = base / "public"
    cmd = ["hugo", "--source", str(BENCH / "hugo"), "--contentDir", str(content), "--destination", str(public),
           "--cacheDir", str(base / "cache"), "--quiet"]
    settle()
    m = measure(cmd, pss=pss)
    return m, count_pages(public)


def pelican_build(content: Path, tag: str) -> tuple[Measurement, int]:
    base = OUT / f"pelican-{tag}"
    discard(base)
    output = base / "output"
    cmd = [str(pelican_bin()), str(content), "--output", str(output), "--settings",
           str(BENCH / "pelican" / "pelicanconf.py"), "--quiet"]
    settle()
    m = measure(cmd, CHILD_ENV, cwd=BENCH / "pelican")
    return m, count_pages(output)


# --------------------------------------------------------------------------- the table


@dataclass
class Series:
    name: str
    articles: int
    pages: int = 0  # HTML pages in the output (cold), or pages rendered again (rebuilds)
    rate: bool = True  # pages/s makes sense (full builds)
    runs: list[Measurement] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(m, attr) for m in self.runs)


def mb(kb: float) -> str:
    return f"{kb / 1024:,.0f}"


def table(series: list[Series], reference: Series | None) -> list[str]:
    ref = reference.median("wall") if reference and reference.runs else None
    ref_cpu = reference.median("cpu") if reference and reference.runs else None
    rows = ["| build | articles | HTML pages | runs | wall s (median) | min–max s | wall vs Hugo | CPU s (median) "
            "| CPU vs Hugo | pages/s | peak RSS largest MB | peak RSS tree sum MB | processes |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in series:
        if not s.runs:
            continue
        wall, cpu = s.median("wall"), s.median("cpu")
        walls = [m.wall for m in s.runs]
        ratio = f"{wall / ref:.2f}×" if ref else "–"
        cpu_ratio = f"{cpu / ref_cpu:.2f}×" if ref_cpu else "–"
        rate = f"{s.pages / wall:,.0f}" if s.pages and s.rate else "–"
        rows.append(f"| {s.name} | {s.articles:,} | {s.pages:,} | {len(s.runs)} | {wall:.2f} | "
                    f"{min(walls):.2f}–{max(walls):.2f} | {ratio} | {cpu:.2f} | {cpu_ratio} | {rate} | "
                    f"{mb(s.median('max_rss_kb'))} | {mb(s.median('tree_rss_kb'))} | "
                    f"{max(m.processes for m in s.runs)} |")
    return rows


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**NOT met**"


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000, help="articles in the timed corpus (default 5000)")
    parser.add_argument("--runs", type=int, default=3, help="rounds of every build (default 3)")
    parser.add_argument("--full", action="store_true", help="add a memory run on the whole corpus (31,523 articles)")
    parser.add_argument("--skip-pelican", action="store_true", help="do not install or run Pelican")
    parser.add_argument("--skip-hugo", action="store_true", help="do not run Hugo")
    parser.add_argument("--out", type=Path, default=OUT, help="where the builds write (default bench/work/out; "
                        "a tmpfs such as /dev/shm/digest-bench takes the disk out of the comparison)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the table (default "
                        "bench/results.md)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    global OUT
    args = parse_args(argv)
    OUT = args.out.resolve()
    if not args.skip_hugo and not shutil.which("hugo"):
        sys.exit("hugo is not installed (apt-get install hugo), or pass --skip-hugo")
    content = content_dir(args.articles)
    articles = sum(1 for _ in content.glob("*.md"))
    tag = str(args.articles)
    pelican_content = None
    if not args.skip_pelican:
        pelican_content = pelican_content_dir(content)
        pelican_bin()

    site = site_snapshot()
    # Compiled once here, as a user's first run would, rather than inside a timed build.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "digest")],
                   check=True, env=CHILD_ENV)
    ours = Ours(content, tag, site)
    cold = Series("ours, cold (ar+en)", articles)
    noop = Series("ours, no-op (ar+en)", articles, rate=False)
    change = Series("ours, one changed (ar+en)", articles, rate=False)
    hugo = Series("Hugo, cold (one language)", articles)
    pelican = Series("Pelican, cold (one language)", articles)
    changes: list[OneChange] = []
    lines: list[str] = []

    def run_ours(round_no: int) -> None:
        ours.reset()
        m = ours.build()
        cold.runs.append(m)
        cold.pages = count_pages(ours.output)
        lines.append(m.describe(f"round {round_no + 1} ours cold"))
        m = ours.build()
        noop.runs.append(m)
        noop.pages = 0
        lines.append(m.describe(f"round {round_no + 1} ours no-op"))
        result = one_change(ours, round_no)
        changes.append(result)
        change.runs.append(result.measurement)
        change.pages = sum(v for k, v in result.kinds.items() if k in ("its article pages", "lists showing it"))
        lines.append(result.measurement.describe(f"round {round_no + 1} ours one changed"))

    def run_hugo(round_no: int) -> None:
        m, hugo.pages = hugo_build(content, tag)
        hugo.runs.append(m)
        lines.append(m.describe(f"round {round_no + 1} Hugo"))

    def run_pelican(round_no: int) -> None:
        assert pelican_content is not None
        m, pelican.pages = pelican_build(pelican_content, tag)
        pelican.runs.append(m)
        lines.append(m.describe(f"round {round_no + 1} Pelican"))

    empty_trash()  # left by a run that failed
    wait_out_deletions()
    steps = [run_ours]
    if not args.skip_hugo:
        steps.append(run_hugo)
    if pelican_content is not None:
        steps.append(run_pelican)
    for round_no in range(args.runs):
        shift = round_no % len(steps)
        for step in steps[shift:] + steps[:shift]:  # alternate which tool goes first
            done = len(lines)
            step(round_no)
            for line in lines[done:]:
                say(line)

    full: list[Series] = []
    if args.full:
        everything = content_dir(None)
        count = sum(1 for _ in everything.glob("*.md"))
        big = Ours(everything, "all", site)
        big.reset()
        s = Series("ours, cold, whole corpus", count)
        s.runs.append(big.build(pss=True))
        s.pages = count_pages(big.output)
        lines.append(s.runs[0].describe("whole corpus, ours cold"))
        say(lines[-1])
        full.append(s)
        if not args.skip_hugo:
            h = Series("Hugo, cold, whole corpus (one language)", count)
            m, h.pages = hugo_build(everything, "all", pss=True)
            h.runs.append(m)
            lines.append(m.describe("whole corpus, Hugo"))
            say(lines[-1])
            full.append(h)
        discard(big.base, OUT / "hugo-all")

    report = render_report(args, articles, [cold, noop, change, hugo, pelican], hugo, changes, full, lines)
    print("\n".join(report))
    kept = ""  # bench/translate_bench.py's section, written by that script, stays
    if args.results.exists() and TRANSLATE_SECTION in (old := args.results.read_text(encoding="utf-8")):
        kept = "\n" + TRANSLATE_SECTION + old.split(TRANSLATE_SECTION, 1)[1]
    args.results.write_text("\n".join(report) + "\n" + kept, encoding="utf-8")
    say(f"wrote {args.results}")
    empty_trash()
    return 0


def render_report(args: argparse.Namespace, articles: int, series: list[Series], hugo: Series,
                  changes: list[OneChange], full: list[Series], lines: list[str]) -> list[str]:
    cold, noop, change = series[0], series[1], series[2]
    commit = tool_version(["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"])
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "digest", "templates",
                            "site.yaml", "build.py"], capture_output=True, text=True).stdout.split("\n")
    dirty = [d[3:] for d in dirty if d.strip()]
    out = ["# Build benchmark results", "",
           f"`python bench/run.py --articles {args.articles} --runs {args.runs}"
           f"{' --full' if args.full else ''}{' --skip-pelican' if args.skip_pelican else ''}` on "
           f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {os.cpu_count()} cores, {platform.python_implementation()} "
           f"{platform.python_version()}, {tool_version(['hugo', 'version'])}"
           f"{', Pelican ' + PELICAN_VERSION if not args.skip_pelican else ''}.",
           f"Project at `{commit}`" + (f", with uncommitted changes in {', '.join(dirty)}." if dirty else "."),
           f"Builds write to `{OUT}` ({filesystem(OUT)}); before each timed build the disk is synced and "
           "left to write back what the previous build wrote, and no file is deleted between timed builds "
           "(old outputs are moved aside; see `discard()` in bench/run.py). Python keeps compiled modules in "
           "`__pycache__` as it does by default (the benchmark clears PYTHONDONTWRITEBYTECODE for the builds).",
           "", "Whole-process wall time, medians of the rounds; memory is the median of each round's peak.",
           "Ours builds every article twice (Arabic and English pages); Hugo and Pelican build one language.",
           "", *table(series, hugo), ""]
    ref = hugo.median("wall") if hugo.runs else None
    if cold.runs:
        c = cold.median("wall")
        out.append("## Targets (issue 6)")
        out.append("")
        if ref:
            out.append(f"- Cold build no slower than Hugo: {c:.2f}s vs {ref:.2f}s ({c / ref:.2f}×): "
                       f"{verdict(c <= ref)}")
        out.append(f"- No-op rebuild at most 10% of cold: {noop.median('wall'):.2f}s = "
                   f"{100 * noop.median('wall') / c:.1f}%: {verdict(noop.median('wall') <= 0.10 * c)}")
        out.append(f"- One article changed at most 5% of cold: {change.median('wall'):.2f}s = "
                   f"{100 * change.median('wall') / c:.1f}%: {verdict(change.median('wall') <= 0.05 * c)}")
        if changes:
            last = changes[-1]
            kinds = ", ".join(f"{v} {k}" for k, v in last.kinds.items())
            bad = sorted({u for ch in changes for u in ch.unexpected})
            out.append(f"- One article changed, files rewritten (inode changed) of {last.total_files:,}: {kinds}; "
                       + (f"unexpected: {', '.join(bad[:10])}{' …' if len(bad) > 10 else ''} ({len(bad)}): "
                          f"{verdict(False)}" if bad else f"nothing else: {verdict(True)}"))
        if full:
            s = full[0]
            m = s.runs[0]
            out.append(f"- Whole corpus ({s.articles:,} articles) under 1 GB: largest process "
                       f"{mb(m.max_rss_kb)} MB, tree RSS sum {mb(m.tree_rss_kb)} MB, tree PSS sum "
                       f"{mb(m.tree_pss_kb)} MB, {m.wall:.1f}s: "
                       f"{verdict(m.tree_pss_kb < 1024 * 1024 and m.max_rss_kb < 1024 * 1024)}")
        out.append("")
    if full:
        out += ["## Whole corpus, one cold build each", "",
                "| build | articles | HTML pages | wall s | peak RSS largest MB | peak RSS tree sum MB "
                "| peak PSS tree sum MB | processes |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for s in full:
            m = s.runs[0]
            out.append(f"| {s.name} | {s.articles:,} | {s.pages:,} | {m.wall:.1f} | {mb(m.max_rss_kb)} | "
                       f"{mb(m.tree_rss_kb)} | {mb(m.tree_pss_kb)} | {m.processes} |")
        out.append("")
    out += ["## Every run", "", "```", *lines, "```"]
    return out


if __name__ == "__main__":
    sys.exit(main())

"""Live-reload latency of the preview server on 5,000 ANT articles.

usage: python bench/bench_reload.py [--articles 5000] [--saves 20] [--ant DIR] [--profile]

Starts `python build.py serve --port 0` on a site of ANT articles (made once under bench/work/,
unpacking ../shared/data/ant-v2.1.tar.xz there if needed), subscribes to /__livereload, then
saves one article at a time (one word changed) and measures from the save to the reload event.
Prints the median and p90, and the build's own share as the server reports it.
--profile then times each phase of one incremental rebuild in-process (load, prepare, plan,
render, write...), by wrapping the functions digest.build calls.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
WORK = ROOT / "bench" / "work"
ARCHIVE = SHARED / "data" / "ant-v2.1.tar.xz"
CONVERT = SHARED / "tools" / "ant_to_content.py"
WORD = re.compile(r"[\u0621-\u064a]{4,}")


def ant_corpus(given: Path | None) -> Path:
    """The unpacked corpus: the one given, or bench/work/ant2, unpacked from shared/data if missing."""
    if given:
        return given
    target = WORK / "ant2"
    if not target.is_dir():
        print(f"unpacking {ARCHIVE} into {WORK} ...", flush=True)
        WORK.mkdir(parents=True, exist_ok=True)
        with tarfile.open(ARCHIVE) as archive:
            archive.extractall(WORK, filter="data")
    return target


def make_site(ant: Path, count: int) -> Path:
    """bench/work/site-N: settings, templates and theme from the repository, N articles."""
    site = WORK / f"site-{count}"
    content = site / "content"
    if not content.is_dir() or sum(1 for _ in content.glob("*.md")) < count * 0.95:
        shutil.rmtree(content, ignore_errors=True)
        subprocess.run([sys.executable, str(CONVERT), str(ant), str(content), "--limit", str(count)], check=True,
                       stdout=subprocess.DEVNULL)
    for name in ("templates", "theme"):
        shutil.rmtree(site / name, ignore_errors=True)
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, site / name)
    shutil.copy(ROOT / "site.yaml", site / "site.yaml")
    (site / "no-models").mkdir(exist_ok=True)
    return site


class Server:
    """The preview server as a subprocess; its stdout lines are kept with their arrival times."""

    def __init__(self, site: Path):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               "ARGOS_PACKAGES_DIR": str(site / "no-models"), "PYTHONUNBUFFERED": "1"}
        started = time.perf_counter()
        self.log = site / "serve-stderr.log"
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "serve", "--port", "0", "--content", "content",
             "--output", "out", "--cache", "cache", "--config", "site.yaml"],
            cwd=site, env=env, stdout=subprocess.PIPE, stderr=self.log.open("w"), text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.proc.stdout], daemon=True).start()
        while True:
            try:
                line = self.lines.get(timeout=900)
            except queue.Empty:
                self.proc.kill()
                raise SystemExit(f"the server printed no URL in 15 minutes; see {self.log}") from None
            print(f"  server: {line.rstrip()}", flush=True)
            found = re.search(r"(http://\S+/)", line)
            if found:
                self.url = found.group(1)
                break
        print(f"  first build and start: {time.perf_counter() - started:.1f} s", flush=True)

    def build_seconds(self, timeout: float = 5.0) -> float | None:
        """Seconds of the next rebuild, from the server's 'rebuilt ... in X.XXs' line."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            found = re.search(r"rebuilt .* in ([0-9.]+)s", line)
            if found:
                return float(found.group(1))
        return None

    def stop(self) -> None:
        self.proc.send_signal(2)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Events:
    """/__livereload read in a thread; each event is queued with its arrival time."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
        self.conn.request("GET", "/__livereload")
        self.response = self.conn.getresponse()
        self.queue: queue.Queue[tuple[float, str, dict]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.next(("hello",), 10)

    def _read(self) -> None:
        from digest.livereload import read_events  # main() puts the project on sys.path

        for kind, data in read_events(self.response):
            self.queue.put((time.perf_counter(), kind, data))

    def next(self, kinds: tuple[str, ...], timeout: float) -> tuple[float, str]:
        deadline = time.monotonic() + timeout
        while True:
            at, kind, _ = self.queue.get(timeout=max(0.01, deadline - time.monotonic()))
            if kind in kinds:
                return at, kind


def change_a_word(path: Path, n: int) -> str:
    """The file's text with one Arabic word of its body replaced (a different one each time)."""
    text = path.read_text(encoding="utf-8")
    body_at = text.index("\n---\n", 4) + 5
    words = list(WORD.finditer(text, body_at))
    word = words[n % len(words)]
    return text[:word.start()] + "تجريبية" + text[word.end():]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(site: Path, saves: int) -> None:
    files = sorted((site / "content").glob("*.md"))
    server = Server(site)
    originals: dict[Path, str] = {}
    latencies, builds = [], []
    try:
        events = Events(server.url)
        for i in range(saves):
            path = files[(i * 997) % len(files)]
            originals.setdefault(path, path.read_text(encoding="utf-8"))
            text = change_a_word(path, i)
            time.sleep(0.3)  # the previous burst is over; the server is idle
            saved = time.perf_counter()
            path.write_text(text, encoding="utf-8")
            arrived, _ = events.next(("reload", "css", "broken"), 120)
            latencies.append((arrived - saved) * 1000)
            build = server.build_seconds()
            builds.append((build or 0.0) * 1000)
            print(f"  save {i + 1:2}: {latencies[-1]:6.0f} ms to the event (build {builds[-1]:.0f} ms)", flush=True)
    finally:
        for path, text in originals.items():
            path.write_text(text, encoding="utf-8")
        time.sleep(0.5)
        server.stop()
    print(f"reload latency over {saves} saves: median {statistics.median(latencies):.0f} ms, "
          f"p90 {percentile(latencies, 0.9):.0f} ms, max {max(latencies):.0f} ms; "
          f"of which the build: median {statistics.median(builds):.0f} ms, p90 {percentile(builds, 0.9):.0f} ms")


def profile(site: Path, edits: int = 5) -> None:
    """Where one incremental rebuild's time goes, on the preview's own path (a Builder in
    place, state kept in memory): the build's phases (BuildResult.phases) and, inside them, the functions it calls."""
    sys.path.insert(0, str(ROOT))
    os.environ["ARGOS_PACKAGES_DIR"] = str(site / "no-models")
    os.chdir(site)
    from digest import build as B
    from digest.render import Renderer  # the build imports it when it first renders

    spent: dict[str, float] = defaultdict(float)

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started
        return wrapper

    from digest import feeds, pages
    from digest.incremental import keys

    for owner, name in ((B.Builder, "_entries"), (B.Builder, "_read_and_prepare"), (Renderer, "render"),
                        (Renderer, "render_template"), (B, "read_content"), (B, "check_site"),
                        (B, "site_fingerprint"), (B, "pages_key"), (B.manifest, "read"), (B.manifest, "write"),
                        (keys, "templates_key"), (pages, "plan_pages"), (feeds, "rss_feed"), (feeds, "sitemap")):
        if hasattr(owner, name):  # the build's internals move on; time what is there
            setattr(owner, name, timed(f"{getattr(owner, '__name__', owner)}.{name}", getattr(owner, name)))

    options = B.BuildOptions(content=Path("content"), output=Path("out"), cache=Path("cache"),
                             config=Path("site.yaml"), base_url="http://127.0.0.1:8000/", in_place=True,
                             progress=False)
    builder = B.Builder(options)
    builder.build()
    builder.save_each_build = False
    path = sorted(Path("content").glob("*.md"))[123]
    original = path.read_text(encoding="utf-8")
    totals: list[float] = []
    phases: dict[str, list[float]] = defaultdict(list)
    calls: dict[str, list[float]] = defaultdict(list)
    try:
        for n in range(edits):
            path.write_text(change_a_word(path, n), encoding="utf-8")
            spent.clear()
            started = time.perf_counter()
            result = builder.build({os.path.realpath(path)})  # as the preview's watcher reports it
            totals.append(time.perf_counter() - started)
            for name, seconds in getattr(result, "phases", {}).items():
                phases[name].append(seconds)
            for name, seconds in spent.items():
                calls[name].append(seconds)
    finally:
        path.write_text(original, encoding="utf-8")
    print(f"one-word edit, median of {edits} in-place rebuilds: {statistics.median(totals) * 1000:.0f} ms "
          f"({result.rendered} pages rendered, {result.reused} unchanged)")
    for title, table in (("build phases", phases), ("functions called (nested ones overlap)", calls)):
        print(f"  {title}:")
        for name, values in sorted(table.items(), key=lambda kv: -statistics.median(kv[1])):
            print(f"    {name:24} {statistics.median(values) * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--ant", type=Path, help="an unpacked ANT corpus (default: bench/work/ant2)")
    parser.add_argument("--profile", action="store_true", help="also time the phases of a rebuild")
    parser.add_argument("--profile-only", action="store_true", help="only that")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    site = make_site(ant_corpus(args.ant), args.articles)
    print(f"site: {site} ({sum(1 for _ in (site / 'content').glob('*.md'))} articles)", flush=True)
    if not args.profile_only:
        measure(site, args.saves)
    if args.profile or args.profile_only:
        profile(site)


if __name__ == "__main__":
    main()

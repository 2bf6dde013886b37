"""Pictures: what processing images costs a build, and proof that a no-op build decodes none.

Makes N page bundles (default 500), each with one 3000×2000 JPEG (EXIF with GPS, as a phone
writes it; the picture has detail, so the encoders have real work), and times, each build in
a fresh process as a user runs it:

- this code: a cold build (empty cache), a no-op build, a build after one article's text
  changed, and a build after one image changed; every image decoded is counted (see `_COUNTER`);
- side by side, the code before pictures (`--old DIR`, a worktree of a1d0cf6) and this code on
  the same N articles as single files without images: what the feature costs a site without
  pictures.

    git worktree add /tmp/old-images a1d0cf6
    python bench/images_bench.py --old /tmp/old-images [--articles 500] [--jobs 2]

Everything goes to bench/work/images/ (git-ignored).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "images"
CORPUS = ROOT / "bench" / "work" / "content-5000"
MAIN_CORPUS = Path("/work/main/bench/work/content-5000")

# Run as `python -c` in each build's process: every call of digest.images.decode (in the build
# and in its forked workers) appends a byte to the counter file, then the build runs as
# `python build.py build ...` would.
_COUNTER = """
import os, sys
sys.path.insert(0, {root!r})
import digest.images as images
real = images.decode
def counted(*args, **kwargs):
    fd = os.open({counter!r}, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(fd, b"x")
    os.close(fd)
    return real(*args, **kwargs)
images.decode = counted
sys.argv = ["build.py"] + {args!r}
from digest.cli import run
run()
"""


def make_photo(path: Path, seed: int) -> None:
    from PIL import Image, ImageDraw

    image = Image.effect_noise((750, 500), 40).convert("RGB").resize((3000, 2000))
    draw = ImageDraw.Draw(image)
    for i in range(40):
        x = (seed * 37 + i * 211) % 2800
        y = (seed * 53 + i * 97) % 1800
        draw.ellipse((x, y, x + 200, y + 200), fill=((seed * 7 + i * 13) % 256, (i * 29) % 256, (seed + i * 61) % 256))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (33.0, 30.0, 0.0), 3: "E", 4: (36.0, 17.0, 0.0)}
    image.save(path, "JPEG", quality=88, exif=exif.tobytes())


def articles(corpus: Path, count: int) -> list[Path]:
    files = sorted(corpus.glob("*.md"))[:count]
    if len(files) < count:
        sys.exit(f"{corpus} has {len(files)} articles, fewer than {count}")
    return files


def make_sites(count: int) -> tuple[Path, Path]:
    """(bundles, singles): the same articles, as bundles with a picture each and as single files."""
    corpus = CORPUS if CORPUS.is_dir() else MAIN_CORPUS
    bundles, singles = WORK / "bundles", WORK / "singles"
    for folder in (bundles, singles):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    photos = WORK / "photos"
    photos.mkdir(exist_ok=True)
    for i, source in enumerate(articles(corpus, count)):
        text = source.read_text(encoding="utf-8")
        (singles / source.name).write_text(text, encoding="utf-8")
        folder = bundles / source.stem
        folder.mkdir()
        photo = photos / f"{i}.jpg"
        if not photo.exists():
            make_photo(photo, i)
        shutil.copyfile(photo, folder / "lead.jpg")
        assert text.startswith("---\n")
        (folder / "index.md").write_text("---\nimage: lead.jpg\nimage_caption: \"صورة\"\n" + text[4:], encoding="utf-8")
    return bundles, singles


def settle() -> None:
    """Write back what the last build wrote, so the next one does not pay for it."""
    subprocess.run(["sync"], check=False)


def timed_build(code: Path, content: Path, out: Path, cache: Path, jobs: int,
                counter: Path | None = None) -> tuple[float, int]:
    """Seconds for one build in a fresh process, and the images it decoded (None: not counted)."""
    args = ["build", "--content", str(content), "--output", str(out), "--cache", str(cache),
            "--config", str(code / "site.yaml"), "--jobs", str(jobs)]
    env = {**os.environ, "PYTHONPATH": str(code)}
    if counter is not None:
        counter.unlink(missing_ok=True)
        command = [sys.executable, "-c", _COUNTER.format(root=str(code), counter=str(counter), args=args)]
    else:
        command = [sys.executable, str(code / "build.py"), *args]
    settle()
    started = time.perf_counter()
    done = subprocess.run(command, cwd=code, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"build failed:\n{done.stdout}\n{done.stderr}")
    decoded = counter.stat().st_size if counter is not None and counter.exists() else 0
    return seconds, decoded


def fresh(*paths: Path) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--old", type=Path, help="a worktree of the code before pictures (a1d0cf6)")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    bundles, singles = make_sites(args.articles)
    print(f"made {args.articles} bundles with a 3000×2000 JPEG each in {time.perf_counter() - started:.1f}s")
    counter = WORK / "decoded"
    out, cache = WORK / "out", WORK / "cache"
    rows: list[tuple[str, float, int | str]] = []

    fresh(out, cache)
    cold, decoded = timed_build(ROOT, bundles, out, cache, args.jobs, counter)
    rows.append(("bundles: cold build (empty cache)", cold, decoded))
    noop, decoded = timed_build(ROOT, bundles, out, cache, args.jobs, counter)
    rows.append(("bundles: no-op build", noop, decoded))
    first = sorted(bundles.iterdir())[0]
    index = first / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("\n---\n", "\n---\nتعديل.\n\n", 1), encoding="utf-8")
    edit, decoded = timed_build(ROOT, bundles, out, cache, args.jobs, counter)
    rows.append(("bundles: one article's text changed", edit, decoded))
    make_photo(first / "lead.jpg", 10_000)
    image, decoded = timed_build(ROOT, bundles, out, cache, args.jobs, counter)
    rows.append(("bundles: one article's image changed", image, decoded))
    fresh(out)
    warm, decoded = timed_build(ROOT, bundles, out, cache, args.jobs, counter)
    rows.append(("bundles: full build, images cached (new output folder)", warm, decoded))
    site_images = len(list((out / "images").iterdir()))

    for label, code in (("before pictures (a1d0cf6)", args.old), ("this code", ROOT)):
        if code is None:
            continue
        fresh(out, cache)
        cold_s, _ = timed_build(code, singles, out, cache, args.jobs)
        noop_s, _ = timed_build(code, singles, out, cache, args.jobs)
        rows.append((f"single files, no images, {label}: cold build", cold_s, "-"))
        rows.append((f"single files, no images, {label}: no-op build", noop_s, "-"))
    print(f"\n{args.articles} articles, --jobs {args.jobs}, Python {sys.version.split()[0]}\n")
    print("| build | seconds | images decoded |")
    print("| --- | ---: | ---: |")
    for name, seconds, decoded in rows:
        print(f"| {name} | {seconds:.2f} | {decoded} |")
    singles_cold = next(seconds for name, seconds, _ in rows if name.endswith("this code: cold build"))
    per_image = (cold - singles_cold) / args.articles
    print(f"\nper image: {per_image * 1000:.0f} ms of wall time on {args.jobs} workers, "
          f"{per_image * args.jobs * 1000:.0f} ms of one core (cold bundles minus cold single files); "
          f"{site_images} files in /images/")


if __name__ == "__main__":
    main()

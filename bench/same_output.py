#!/usr/bin/env python3
"""Whether two versions of the project build the same site, byte for byte.

    python bench/same_output.py OLD_REV [--articles 5000] [--new REV]

Checks out OLD_REV (and --new, or else this working tree) into temporary folders, builds the
benchmark corpus (bench/work/content-N, made by bench/run.py) cold with each, from OLD_REV's
site.yaml, templates and theme and with no translation model, and compares the two output
folders: the same files, with the same bytes. Exits 1 and lists the differences if not.
A change meant to keep behaviour (a refactoring) runs this against the commit before it.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import CHILD_ENV, ROOT, content_dir


def checkout(rev: str, where: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(where), rev], check=True)
    return where


def build(code: Path, content: Path, site: Path, base: Path) -> Path:
    out = base / "site"
    models = base / "no-models"
    models.mkdir(parents=True)
    subprocess.run([sys.executable, str(code / "build.py"), "build", "--quiet", "--content", str(content),
                    "--output", str(out), "--cache", str(base / "cache"), "--config", str(site / "site.yaml")],
                   cwd=code, env={**CHILD_ENV, "ARGOS_PACKAGES_DIR": str(models)}, check=True)
    return out


def files(root: Path) -> set[str]:
    return {str(Path(d, f).relative_to(root)) for d, _, names in os.walk(root) for f in names}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", help="the revision to compare with")
    parser.add_argument("--new", help="a second revision (default: this working tree)")
    parser.add_argument("--articles", type=int, default=5000)
    args = parser.parse_args()
    content = content_dir(args.articles)
    with tempfile.TemporaryDirectory(prefix="same-output-") as tmp:
        work = Path(tmp)
        trees = []
        try:
            old = checkout(args.old, work / "old-code")
            trees.append(old)
            new = ROOT if args.new is None else checkout(args.new, work / "new-code")
            if args.new is not None:
                trees.append(new)
            site = old  # its site.yaml, templates/ and theme/: a refactoring changes none of them
            sites = [build(code, content, site, work / name) for code, name in ((old, "old"), (new, "new"))]
        finally:
            for tree in trees:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
        before, after = files(sites[0]), files(sites[1])
        differ = sorted(p for p in before & after if not filecmp.cmp(sites[0] / p, sites[1] / p, shallow=False))
        for label, paths in (("only before", before - after), ("only after", after - before), ("differ", differ)):
            for path in sorted(paths)[:20]:
                print(f"{label}: {path}")
            if len(paths) > 20:
                print(f"{label}: ... {len(paths) - 20} more")
        same = before == after and not differ
        print(f"{len(before)} files before, {len(after)} after: {'identical' if same else 'DIFFERENT'}")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

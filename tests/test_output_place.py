"""Where a build may publish: outputs that overlap the sources, folders the project did not make,
files, symbolic links and mount points, and what failed or killed builds leave beside the output."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, Project, child_env, make_project, tree_bytes

from digest.placement import BUILT_NAMES, MARKER

SEED = "2016-09-01-kerry-lavrov-call"


def everything(root: Path) -> dict[str, object]:
    """Every path under a folder: a file's bytes, a link's target, or "dir"; to show that a
    refused build touched nothing at all."""
    found: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            rel = str(path.relative_to(root))
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = path.read_bytes()
    return found


def run_in(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True, text=True,
                          env=child_env(), timeout=300)


def refused(done: subprocess.CompletedProcess, *fragments: str) -> str:
    """The one line of a refused build (exit code 2), which must hold every fragment."""
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def edit_seed(project: Project, new: str = "كيري ولافروف مجددا") -> None:
    path = project.content / f"{SEED}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("كيري ولافروف", new), encoding="utf-8")


# -- outputs that overlap the sources ----------------------------------------------------------

OVERLAPS = [
    ("p/content", "is the content folder p/content"),
    ("p/content/site", "lies inside the content folder p/content"),
    ("p", "is the project folder p (it holds site.yaml)"),
    (".", "contains the project folder p (it holds site.yaml)"),
    ("p/templates", "is the templates folder p/templates"),
    ("p/templates/site", "lies inside the templates folder p/templates"),
    ("p/theme", "is the theme folder p/theme"),
    ("p/theme/fonts", "lies inside the theme folder p/theme"),
    ("p/.cache", "is the cache folder p/.cache"),
    ("alias", "is the content folder p/content"),  # a link to it
]


@pytest.mark.parametrize(("output", "expected"), OVERLAPS, ids=[o for o, _ in OVERLAPS])
def test_an_output_that_is_holds_or_lies_inside_the_sources_is_refused_before_anything_is_touched(
        tmp_path, output, expected):
    """`build --content p/content --output p/content` deleted every article; `--output p`
    everything in p; an output inside the content folder was read back as articles."""
    project = make_project(tmp_path / "p")
    (tmp_path / "alias").symlink_to(project.content)
    project.build()  # a cache and a site, which a refused build must leave alone too
    before = everything(tmp_path)
    done = run_in(tmp_path, "build", "--content", "p/content", "--config", "p/site.yaml", "--cache", "p/.cache",
                  "--output", output)
    refused(done, f"the output folder {output} {expected}", "choose another --output")
    assert everything(tmp_path) == before
    serve = run_in(tmp_path, "serve", "--port", "0", "--content", "p/content", "--config", "p/site.yaml",
                   "--cache", "p/.cache", "--output", output)
    refused(serve, expected)
    assert everything(tmp_path) == before


def test_outputs_inside_the_project_and_cache_folders_still_build(project):
    project.build("--output", "site")
    project.build("--output", ".cache/preview")
    project.build("--output", "deploy/public")
    for folder in ("site", ".cache/preview", "deploy/public"):
        assert (project.root / folder / "ar" / SEED / "index.html").is_file()


# -- folders the project did not make -------------------------------------------------------------

def test_a_folder_with_files_the_build_did_not_write_is_refused_unless_forced(project):
    project.output.mkdir()
    (project.output / "notes.txt").write_text("ملاحظاتي", encoding="utf-8")
    (project.output / "ar").mkdir()
    before = everything(project.root)
    line = refused(project.run("build"), "the output folder site is not empty", "notes.txt", "--force")
    assert "Traceback" not in line
    assert everything(project.root) == before
    project.build("--force")
    assert not (project.output / "notes.txt").exists()
    assert (project.output / MARKER).is_file() and (project.output / "ar" / SEED / "index.html").is_file()
    edit_seed(project)
    project.build()  # marked now: no --force needed again
    assert "مجددا" in (project.output / "ar" / SEED / "index.html").read_text(encoding="utf-8")


def test_an_empty_folder_is_built_into(project):
    project.output.mkdir()
    project.build()
    assert (project.output / MARKER).is_file()


def test_a_site_an_older_version_built_without_the_marker_is_taken_as_ours(project):
    project.build()
    (project.output / MARKER).unlink()  # as the versions before the marker left it
    edit_seed(project)
    project.build()  # the manifest knows the folder
    assert (project.output / MARKER).is_file()
    assert "مجددا" in (project.output / "ar" / SEED / "index.html").read_text(encoding="utf-8")
    (project.output / MARKER).unlink()
    shutil.rmtree(project.cache)  # no manifest either: the folder's shape says it is a build
    edit_seed(project, "كيري ولافروف مرة ثالثة")
    project.build()
    assert (project.output / MARKER).is_file()
    assert "مرة ثالثة" in (project.output / "ar" / SEED / "index.html").read_text(encoding="utf-8")


def test_an_unmarked_site_holding_a_file_of_its_owners_is_refused(project):
    """A CNAME (or a .git) added to a site an older version built: the next full build would lose it."""
    project.build()
    (project.output / MARKER).unlink()
    (project.output / "CNAME").write_text("digest.example\n", encoding="utf-8")
    before = everything(project.root)
    refused(project.run("build", "--base-url", "https://other.example/"), "CNAME", "--force")
    assert everything(project.root) == before


def test_a_built_site_holds_only_names_the_adoption_check_knows(sample_site):
    """An unmarked folder is taken as an older build only when it holds nothing else: a new
    file at the top of the site must be added to BUILT_NAMES."""
    names = {p.name for p in sample_site.output.iterdir()}
    assert MARKER in names and names <= BUILT_NAMES


# -- files and symbolic links ---------------------------------------------------------------------

def test_an_output_that_is_a_file_is_refused_and_kept_where_it_is(project):
    """It was moved to a hidden .site.old, and every later build failed."""
    project.output.write_text("ملف المستخدم", encoding="utf-8")
    (project.root / "link").symlink_to(project.output)
    before = everything(project.root)
    for _ in range(2):
        refused(project.run("build"), "the output site is a file, not a folder")
        refused(project.run("build", "--force", "--output", "link"), "the output link (a link to", "is a file")
    assert everything(project.root) == before


@pytest.mark.parametrize("flags", [(), ("--in-place",)])
def test_a_symlinked_output_is_published_into_its_target_and_stays_a_link(tmp_path, flags):
    """`site -> /var/www/site`: the link was replaced by a real folder and the build failed.
    The target is published into, never moved aside, and nothing is written beside it (its
    folder is often not the builder's to write)."""
    project = make_project(tmp_path / "p")
    target = tmp_path / "www" / "site"
    target.parent.mkdir()
    project.output.symlink_to(target)  # dangling until the first build makes the target
    project.build(*flags)
    assert project.output.is_symlink() and os.readlink(project.output) == str(target)
    assert (target / "ar" / SEED / "index.html").is_file() and (target / MARKER).is_file()
    inode = os.stat(target).st_ino
    edit_seed(project)  # a few pages
    project.build(*flags)
    base = project.root / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("<body", "<body data-probe"), encoding="utf-8")
    (project.content / "bb-economy-17-20180204.md").unlink()
    project.build(*flags)  # every page, and an article gone
    assert project.output.is_symlink() and os.readlink(project.output) == str(target)
    assert os.stat(target).st_ino == inode
    fresh = make_project(tmp_path / "fresh")
    shutil.rmtree(fresh.content)
    shutil.copytree(project.content, fresh.content)
    shutil.copy(base, fresh.root / "templates" / "base.html")
    fresh.build()
    assert tree_bytes(target) == tree_bytes(fresh.output)
    assert "data-probe" in (target / "ar" / SEED / "index.html").read_text(encoding="utf-8")
    assert [p.name for p in target.parent.iterdir()] == ["site"]
    assert [p.name for p in project.root.iterdir() if p.name.startswith(".site.") and p.name != ".site.lock"] == []


def test_a_link_to_a_folder_someone_else_filled_is_refused_unless_forced(tmp_path):
    project = make_project(tmp_path / "p")
    target = tmp_path / "www" / "html"
    target.mkdir(parents=True)
    (target / "index.nginx-debian.html").write_text("<p>Welcome to nginx</p>", encoding="utf-8")
    project.output.symlink_to(target)
    before = everything(tmp_path)
    refused(project.run("build"), "index.nginx-debian.html", "--force")
    assert everything(tmp_path) == before
    inode = os.stat(target).st_ino
    project.build("--force")
    assert os.stat(target).st_ino == inode and not (target / "index.nginx-debian.html").exists()
    assert (target / "ar" / SEED / "index.html").is_file()


# -- mount points ---------------------------------------------------------------------------------

def mount(kind: str, where: Path, source: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs or a bind mount needs root")
    command = ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(where)] if kind == "tmpfs" \
        else ["mount", "--bind", str(source), str(where)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        pytest.skip("no mount command on this machine")
    if done.returncode != 0:
        pytest.skip(f"cannot mount here (a container without CAP_SYS_ADMIN?): {done.stderr.strip()}")


@pytest.fixture(params=["tmpfs", "bind"])
def mounted_output(request, tmp_path):
    """A project whose output folder is a mount point: a tmpfs (another file system, as a
    container volume often is) or a bind mount within the same one (which os.path.ismount
    does not see)."""
    project = make_project(tmp_path / "p")
    project.output.mkdir()
    volume = tmp_path / "volume"
    volume.mkdir()
    mount(request.param, project.output, volume)
    try:
        yield project
    finally:
        subprocess.run(["umount", "-l", str(project.output)], capture_output=True, timeout=30)


@pytest.mark.parametrize("flags", [(), ("--in-place",)])
def test_a_mount_point_is_published_into_file_by_file(mounted_output, flags):
    """Every build failed with 'Device or resource busy', --in-place too."""
    from digest.placement import is_mount_point

    project = mounted_output
    project.build(*flags)
    assert (project.output / "ar" / SEED / "index.html").is_file()
    edit_seed(project)
    project.build(*flags)
    (project.content / f"{SEED}.md").unlink()
    base = project.root / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("<body", "<body data-probe"), encoding="utf-8")
    project.build(*flags)  # every page changed, and one article gone
    assert is_mount_point(project.output)
    fresh = make_project(project.root.parent / "fresh")
    (fresh.content / f"{SEED}.md").unlink()
    shutil.copy(base, fresh.root / "templates" / "base.html")
    fresh.build()
    assert tree_bytes(project.output) == tree_bytes(fresh.output)
    assert [p.name for p in project.root.iterdir() if p.name.startswith(".site.") and p.name != ".site.lock"] == []


def test_a_mount_point_holding_an_older_unmarked_build_loses_only_the_pages_gone_since(mounted_output):
    project = mounted_output
    project.build()
    (project.output / MARKER).unlink()
    shutil.rmtree(project.cache)  # what that build had written is not known
    stale = project.output / "ar" / "an-article-deleted-since" / "index.html"
    stale.parent.mkdir()
    stale.write_text("<p>old</p>", encoding="utf-8")
    project.build()
    assert not stale.parent.exists()
    fresh = make_project(project.root.parent / "fresh")
    fresh.build()
    assert tree_bytes(project.output) == tree_bytes(fresh.output)


# -- what failed and killed builds leave ----------------------------------------------------------

def test_a_staging_folder_left_behind_goes_at_the_start_of_every_build(project):
    """It stayed, the size of the whole site, until a later build got as far as writing."""
    project.build()
    staging = project.root / ".site.staging"
    for done in ("a build with nothing to do", "a build that fails on its content"):
        (staging / "ar").mkdir(parents=True)
        (staging / "ar" / "page.html").write_bytes(b"x" * 100_000)
        if done == "a build with nothing to do":
            assert "nothing changed" in project.build().stdout
        else:
            project.write("broken.md", "---\ntitle: [\n---\n")
            assert project.run("build").returncode == 1
        assert not staging.exists(), done


def test_a_build_that_fills_the_disk_leaves_the_disk_as_it_found_it(tmp_path):
    """The failed build's staging folder kept the disk full until a later build wrote."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount("tmpfs", disk, disk)
    try:
        project = make_project(disk / "p")
        project.build()
        # The search shards are hard links to the cache folder's: staging them again takes no room.
        site = sum(-(-p.stat().st_size // 4096) * 4 for p in project.output.rglob("*")
                   if p.is_file() and "pagefind" not in p.relative_to(project.output).parts)
        used = (os.statvfs(disk).f_blocks - os.statvfs(disk).f_bfree) * os.statvfs(disk).f_frsize // 1024
        # Room for the state and a few pages, not for another whole site.
        subprocess.run(["mount", "-o", f"remount,size={used + site // 2}k", str(disk)], check=True, timeout=30)
        before = tree_bytes(project.output)
        base = project.root / "templates" / "base.html"
        base.write_text(base.read_text(encoding="utf-8").replace("<body", "<body data-probe"), encoding="utf-8")
        done = project.run("build")
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert "No space left on device" in done.stderr.strip().splitlines()[-1]
        assert not (project.root / ".site.staging").exists()
        assert tree_bytes(project.output) == before
        free = os.statvfs(disk).f_bfree * os.statvfs(disk).f_frsize // 1024
        assert free >= site // 4  # what the staging folder took is free again
        subprocess.run(["mount", "-o", f"remount,size={2 * used + 4 * site}k", str(disk)], check=True, timeout=30)
        project.build()
        assert "data-probe" in (project.output / "ar" / SEED / "index.html").read_text(encoding="utf-8")
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True, timeout=30)


def test_a_build_that_fails_while_writing_leaves_no_staging_folder(project):
    import jinja2

    from digest.build import Builder

    project.build()
    before = tree_bytes(project.output)
    template = project.root / "templates" / "article.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{% block content %}", "{% block content %}{{ nothing.at.all }}", 1), encoding="utf-8")
    with pytest.raises(jinja2.UndefinedError):
        Builder(project.options(jobs=1)).build()
    assert not (project.root / ".site.staging").exists()
    assert tree_bytes(project.output) == before


def test_what_lies_beside_an_output_another_build_is_writing_is_left_alone(project):
    from digest.output import OutputLock

    project.build()
    staging = project.root / ".site.staging"
    staging.mkdir()
    with OutputLock(project.output):  # another build, writing into that staging folder
        assert "nothing changed" in project.build().stdout
        assert staging.is_dir()
    project.build()
    assert not staging.exists()


def test_a_build_into_a_new_folder_touches_nothing_when_its_content_is_broken(empty_project):
    empty_project.write("broken.md", "---\ntitle: [\n---\n")
    before = everything(empty_project.root)
    assert empty_project.run("build", "--output", "new/site").returncode == 1
    assert {k: v for k, v in everything(empty_project.root).items() if not k.startswith(".cache")} == before


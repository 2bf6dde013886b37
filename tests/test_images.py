"""Pictures: page bundles beside single files, processed images (sizes, formats, no metadata),
where they show (article, teasers, Open Graph, JSON-LD, RSS), static/, remote images,
incremental builds that decode nothing, and bad images refused with their file and line."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import feedparser
import html5lib
import pytest
from conftest import Project, article, tree_bytes
from PIL import Image

from digest import images
from digest.build import BuildOptions, build
from digest.problems import ContentError

BUNDLE = "2016-09-02-photo-story"
GPS_PLACE = {1: "N", 2: (33.0, 30.0, 0.0), 3: "E", 4: (36.0, 17.0, 0.0)}


def jpeg_with_gps(path: Path, size=(3000, 2000), orientation: int = 1, color=(180, 40, 40)) -> Path:
    """A JPEG as a phone writes it: EXIF with GPS coordinates, a camera model, an orientation."""
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 97):  # some detail, so the encoders have work to do
        image.paste((20, 20, 200), (x, 0, x + 9, size[1]))
    exif = Image.Exif()
    exif[0x0110] = "Reporter Phone"
    exif[0x0112] = orientation
    exif[0x8825] = GPS_PLACE
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", exif=exif.tobytes(), quality=90)
    assert Image.open(path).getexif().get_ifd(0x8825), "the fixture must carry GPS"
    return path


def bundle_article(project: Project, name: str = BUNDLE, body_image: str = "inline.png",
                   image: str = "lead.jpg", **fields) -> Path:
    body = f"فقرة أولى عن الصورة.\n\n![مشهد من المدينة]({body_image})\n\nفقرة أخيرة." if body_image else \
        "فقرة أولى عن الصورة.\n\nفقرة أخيرة."
    values = {"image": image, "image_caption": '"متظاهرون في الساحة"', "image_credit": '"وكالة الأنباء"',
              "category": "middleEast", **fields}
    return project.write(f"{name}/index.md", article(title="خبر مصور", date="2016-09-02T10:00:00+03:00",
                                                      body=body, **values))


def with_images(project: Project, orientation: int = 1) -> None:
    folder = project.content / BUNDLE
    jpeg_with_gps(folder / "lead.jpg", orientation=orientation)
    Image.new("RGBA", (600, 400), (20, 120, 200, 128)).save(folder / "inline.png")
    bundle_article(project)


def parse(path: Path):
    return html5lib.parse(path.read_bytes(), treebuilder="lxml", namespaceHTMLElements=False)


def opts(project: Project, **more) -> BuildOptions:
    return project.options(jobs=1, progress=False, **more)


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def referenced(site: Path) -> dict[str, list]:
    """Every image URL the pages use (src and each srcset entry), with the element using it."""
    found: dict[str, list] = {}
    for page in html_pages(site):
        tree = parse(page)
        for element in tree.iter("img", "source"):
            urls = [element.get("src")] if element.get("src") else []
            urls += [part.strip().split(" ")[0] for part in (element.get("srcset") or "").split(",") if part.strip()]
            for url in urls:
                found.setdefault(url, []).append((page, element))
    return found


def test_bundles_and_single_files_build_side_by_side(project):
    with_images(project)
    build(opts(project))
    site = project.output
    assert (site / "ar" / BUNDLE / "index.html").is_file()  # the slug is the bundle folder's name
    assert (site / "ar" / "2016-09-01-kerry-lavrov-call" / "index.html").is_file()  # a single file
    # Only the bundle's index is an article: nothing else in its folder becomes a page.
    assert not (site / "ar" / "lead").exists() and not (site / "ar" / "index").exists()
    lead = parse(site / "ar" / BUNDLE / "index.html").find(".//figure[@class='lead']")
    assert lead is not None
    assert lead.find(".//figcaption").xpath("string()").split() == "متظاهرون في الساحة الصورة: وكالة الأنباء".split()


def test_every_size_made_exists_and_is_referenced_with_width_and_height(project):
    with_images(project)
    build(opts(project))
    site = project.output
    made = {"/" + p.relative_to(site).as_posix() for p in (site / "images").iterdir()}
    refs = referenced(site)
    # ../../images/x from an article page is /images/x
    used = {re.sub(r"^(\.\./)+", "/", url) for url in refs if "images/" in url}
    assert used == made
    # Lead: three widths (never wider than 1200 or the source) in WebP and JPEG; the 600 px PNG:
    # 480 and its own 600, never upscaled to 800 or 1200.
    widths = sorted(int(re.search(r"-(\d+)\.", name)[1]) for name in made)
    assert widths == sorted([480, 800, 1200] * 2 + [480, 600] * 2)
    for name in made:
        with Image.open(site / name.lstrip("/")) as image:
            assert image.size[0] == int(re.search(r"-(\d+)\.", name)[1])
            assert image.format == ("WEBP" if name.endswith(".webp") else "JPEG")
    for url, uses in refs.items():
        for page, element in uses:
            if element.tag == "img":
                assert element.get("width") and element.get("height"), (page, url)
                assert element.get("decoding") == "async"
    article_page = parse(site / "ar" / BUNDLE / "index.html")
    imgs = article_page.findall(".//main//img")
    assert imgs[0].get("fetchpriority") == "high" and imgs[0].get("loading") is None  # the lead: not lazy
    assert all(img.get("loading") == "lazy" for img in imgs[1:])
    teaser = parse(site / "ar" / "index.html").find(".//article[@class='teaser']/picture/img")
    assert teaser.get("loading") == "lazy" and teaser.get("alt") == ""


def test_no_metadata_survives_and_orientation_is_applied(project):
    with_images(project, orientation=6)  # the phone was held upright: 3000×2000 stored, shown 2000×3000
    build(opts(project))
    outputs = sorted((project.output / "images").iterdir())
    assert outputs
    for path in outputs:
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            assert "exif" not in image.info and "icc_profile" not in image.info and "xmp" not in image.info
            assert not image.getexif()
        assert b"Reporter Phone" not in data and b"GPS" not in data and b"Exif" not in data
    leads = [p for p in outputs if p.suffix == ".jpg" and "-1200." in p.name]
    with Image.open(leads[0]) as image:
        assert image.size == (1200, 1800)  # upright


def test_open_graph_twitter_json_ld_and_rss_show_the_lead_image(project):
    with_images(project)
    build(opts(project))
    page = parse(project.output / "ar" / BUNDLE / "index.html")
    meta = {m.get("property") or m.get("name"): m.get("content") for m in page.iter("meta")}
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["og:image"].startswith("http") and meta["og:image"].endswith("-1200.jpg")
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "800")
    path = meta["og:image"].split("/", 3)[3]
    assert (project.output / path).is_file()
    ld = json.loads(page.find(".//script[@type='application/ld+json']").text)
    image = ld["image"][0]
    assert image["@type"] == "ImageObject" and image["url"] == meta["og:image"]
    assert (image["width"], image["height"]) == (1200, 800) and image["caption"] == "متظاهرون في الساحة"
    feed = feedparser.parse((project.output / "ar" / "feed.xml").read_bytes())
    assert not feed.bozo
    item = next(e for e in feed.entries if e.link.endswith(f"/ar/{BUNDLE}/"))
    enclosure = item.enclosures[0]
    assert enclosure.href == meta["og:image"] and enclosure.type == "image/jpeg"
    assert int(enclosure.length) == (project.output / path).stat().st_size
    plain = parse(project.output / "ar" / "2016-09-01-kerry-lavrov-call" / "index.html")
    assert {m.get("content") for m in plain.iter("meta") if m.get("name") == "twitter:card"} == {"summary"}


def test_static_folder_and_the_default_image(project):
    static = project.root / "static"
    static.mkdir()
    Image.new("RGB", (400, 120), (0, 0, 0)).save(static / "logo.png")
    (static / "files").mkdir()
    (static / "files" / "report.txt").write_text("report", encoding="utf-8")
    project.config.write_text(project.config.read_text(encoding="utf-8") + "\nimage: /logo.png\n", encoding="utf-8")
    build(opts(project))
    assert (project.output / "logo.png").read_bytes() == (static / "logo.png").read_bytes()
    assert (project.output / "files" / "report.txt").read_text(encoding="utf-8") == "report"
    for page in ("ar/index.html", "ar/2016-09-01-kerry-lavrov-call/index.html"):
        tree = parse(project.output / page)
        meta = {m.get("property"): m.get("content") for m in tree.iter("meta")}
        assert meta["og:image"].endswith("/logo.png") and meta["og:image:width"] == "400"
    ld = json.loads(parse(project.output / "ar/2016-09-01-kerry-lavrov-call/index.html")
                    .find(".//script[@type='application/ld+json']").text)
    assert ld["publisher"]["logo"]["url"].endswith("/logo.png") and ld["image"][0]["height"] == 120
    # A static file removed is removed from the site; one that would replace a page is refused.
    (static / "files" / "report.txt").unlink()
    build(opts(project))
    assert not (project.output / "files" / "report.txt").exists()
    (static / "ar").mkdir()
    (static / "ar" / "index.html").write_text("x", encoding="utf-8")
    with pytest.raises(ContentError, match="would replace a file the build writes"):
        build(opts(project))


def test_a_no_op_build_decodes_no_image_and_an_edit_decodes_only_what_changed(project, monkeypatch):
    with_images(project)
    decoded: list[str] = []
    real = images.decode
    monkeypatch.setattr(images, "decode", lambda data, name, *a, **k: decoded.append(name) or real(data, name, *a, **k))
    build(opts(project))
    assert sorted(decoded) == ["inline.png", "lead.jpg"]
    decoded.clear()
    assert build(opts(project)).unchanged and decoded == []
    # The text changes, the images do not: the article is prepared again, its images come from the cache.
    path = project.content / BUNDLE / "index.md"
    path.write_text(path.read_text(encoding="utf-8").replace("فقرة أخيرة.", "فقرة أخيرة معدلة."), encoding="utf-8")
    build(opts(project))
    assert decoded == []
    # One image changes: only it is decoded, and its old files leave the site.
    old = {p.name for p in (project.output / "images").iterdir()}
    Image.new("RGB", (600, 400), (0, 200, 0)).save(project.content / BUNDLE / "inline.png")
    build(opts(project))
    assert decoded == ["inline.png"]
    new = {p.name for p in (project.output / "images").iterdir()}
    assert len(new) == len(old) and new != old and {n for n in old if "-1200." in n} <= new
    # The same site as a fresh build.
    fresh = project.root / "fresh"
    build(opts(project, output=fresh, cache=project.root / "fresh-cache"))
    assert tree_bytes(fresh) == tree_bytes(project.output)


BAD = {
    "truncated": (lambda p: p.write_bytes(_jpeg_bytes()[:3000]), "cannot be decoded: it is cut short"),
    "not an image": (lambda p: p.write_text("<html>not a picture</html>", encoding="utf-8"),
                     "is not an image Pillow can read"),
    "unsupported format": (lambda p: Image.new("RGB", (50, 50)).save(p, "BMP"), "is a BMP image; use JPEG"),
    "missing": (lambda p: None, "image file lead.jpg not found beside the article"),
    "decompression bomb": (lambda p: Image.new("1", (12000, 9000)).save(p, "PNG"),
                           "12000×9000 pixels, over the limit of 100,000,000"),
}


def _jpeg_bytes() -> bytes:
    """A noisy JPEG: its first 3,000 bytes hold the header and only the start of the pixels."""
    buffer = io.BytesIO()
    Image.effect_noise((800, 600), 80).convert("RGB").save(buffer := io.BytesIO(), "JPEG", quality=95)
    return buffer.getvalue()


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_image_fails_the_build_with_its_file_and_line_and_publishes_nothing(project, case):
    project.config.write_text(project.config.read_text(encoding="utf-8") + "\nimages:\n  max_pixels: 100000000\n",
                              encoding="utf-8")
    build(opts(project))
    before = tree_bytes(project.output)
    make, message = BAD[case]
    folder = project.content / BUNDLE
    folder.mkdir(parents=True)
    make(folder / "lead.jpg")
    path = bundle_article(project, body_image="")
    line = path.read_text(encoding="utf-8").splitlines().index("image: lead.jpg") + 1
    path = path.relative_to(project.root)  # as the command line names it, run in the project folder
    done = project.run("build")
    assert done.returncode == 1, done.stderr
    assert f"{path}:{line}: " in done.stderr and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert tree_bytes(project.output) == before
    leftovers = [p.name for p in project.root.iterdir() if p.name.startswith(".site")]
    assert leftovers in ([], [".site.lock"]), leftovers
    assert not list(project.cache.rglob("*.tmp"))
    # `check` says the same, and writes nothing.
    done = project.run("check")
    assert done.returncode == 1 and f"{path}:{line}: " in done.stderr and message in done.stderr


def test_a_bad_image_in_the_body_names_its_line(project):
    folder = project.content / BUNDLE
    jpeg_with_gps(folder / "lead.jpg", size=(900, 600))
    (folder / "inline.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    path = bundle_article(project)
    line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "inline.png" in text)
    with pytest.raises(ContentError) as caught:
        build(opts(project))
    assert [(p.path, p.line) for p in caught.value.problems if not p.warning] == [(str(path), line)]


def test_a_single_file_cannot_name_a_file_beside_it(project):
    path = project.write("single.md", article(body="نص.\n\n![صورة](photo.jpg)\n"))
    with pytest.raises(ContentError, match="only a page bundle has") as caught:
        build(opts(project))
    assert caught.value.problems[0].path == str(path) and caught.value.problems[0].line == 8  # the line of the image


def test_remote_images_warn_block_allow_or_refuse(project):
    body = "نص.\n\n![صورة](https://images.example.org/a.jpg)\n"
    path = project.write("remote.md", article(body=body)).relative_to(project.root)
    done = project.run("check")
    assert done.returncode == 0 and f"{path}:8: warning: image from images.example.org is blocked" in done.stderr
    page = (project.root / "site.yaml")
    original = page.read_text(encoding="utf-8")
    page.write_text(original + "\nimages:\n  remote: allow\n", encoding="utf-8")
    build(opts(project))
    csp = parse(project.output / "ar" / "remote" / "index.html").find(".//meta[@http-equiv]").get("content")
    assert "img-src 'self' data: images.example.org;" in csp
    other = parse(project.output / "ar" / "2016-09-01-kerry-lavrov-call" / "index.html")
    assert "img-src 'self' data:;" in other.find(".//meta[@http-equiv]").get("content")
    page.write_text(original + "\nimages:\n  remote: download\n", encoding="utf-8")
    done = project.run("build")
    assert done.returncode == 1 and f"{path}:8: image from images.example.org cannot be downloaded" in done.stderr
    page.write_text(original + "\nimages:\n  remote: fetch\n", encoding="utf-8")
    done = project.run("build")
    assert done.returncode == 1 and "images remote must be block, allow or download, not 'fetch'" in done.stderr


def test_new_bundle_writes_a_folder_with_its_index(empty_project):
    done = empty_project.run("new", "خبر مصور", "--bundle", "--slug", "photo", check=True)
    path = empty_project.content / "photo" / "index.md"
    assert done.stdout.strip() == str(Path("content") / "photo" / "index.md") and path.is_file()
    assert "image:" in path.read_text(encoding="utf-8")
    assert empty_project.run("new", "خبر آخر", "--slug", "photo").returncode == 1  # the name is taken


def test_the_same_picture_twice_is_processed_once_and_settings_change_the_sizes(project, monkeypatch):
    with_images(project)
    decoded: list[str] = []
    real = images.decode
    monkeypatch.setattr(images, "decode", lambda data, name, *a, **k: decoded.append(name) or real(data, name, *a, **k))
    second = project.content / "second"
    second.mkdir()
    (second / "copy.jpg").write_bytes((project.content / BUNDLE / "lead.jpg").read_bytes())
    project.write("second/index.md", article(title="خبر ثان بالصورة نفسها", image="copy.jpg"))
    build(opts(project))
    assert sorted(decoded) == ["inline.png", "lead.jpg"]  # copy.jpg: the same bytes, from the cache
    project.config.write_text(project.config.read_text(encoding="utf-8") + "\nimages:\n  widths: [320, 640]\n",
                              encoding="utf-8")
    build(opts(project))
    widths = {int(re.search(r"-(\d+)\.", p.name)[1]) for p in (project.output / "images").iterdir()}
    assert widths == {320, 640, 600}  # the 600 px picture is not made 640 wide


def test_the_english_caption_is_machine_translated_through_the_cache_and_the_gate(empty_project, tmp_path):
    from argos_fixture import build_argos_package

    package = build_argos_package(tmp_path / "looping", latin_only=True)  # writes Latin pieces only
    empty_project.config.write_text("translation:\n  quality: off\n", encoding="utf-8")
    with_images(empty_project)
    # The editors wrote the title and summary in English, not the caption.
    bundle_article(empty_project, title_en='"A picture story"', summary_en='"What the editors wrote."')
    empty_project.write("editors/index.md", article(
        title="خبر ثان", title_en='"A second story"', summary_en='"By the editors."', image="lead.jpg",
        image_caption='"صورة ثانية"', image_caption_en='"The editors\' caption"', date="2016-09-03T10:00:00+03:00"))
    jpeg_with_gps(empty_project.content / "editors" / "lead.jpg", size=(500, 400))
    empty_project.run("models", "install", str(package), check=True)
    first = empty_project.build().stdout
    page = parse(empty_project.output / "en" / BUNDLE / "index.html")
    caption = page.find(".//figure[@class='lead']/figcaption/span").text
    assert caption and not re.search("[\u0600-\u06ff]", caption)  # the machine's English
    ld = json.loads(page.find(".//script[@type='application/ld+json']").text)
    assert ld["image"][0]["caption"] == caption
    editors = parse(empty_project.output / "en" / "editors" / "index.html")
    assert editors.find(".//figure[@class='lead']/figcaption/span").text == "The editors' caption"
    import sqlite3

    with sqlite3.connect(empty_project.cache / "translations.sqlite") as db:
        sources = {row[0] for row in db.execute("SELECT source FROM sentences")}
    assert "متظاهرون في الساحة" in sources  # through the translation cache
    assert "صورة ثانية" not in sources  # the editors wrote this one
    assert "translated" in first
    # Under the gate, the looping model's caption (it runs to the length cap) is held back:
    # the page leaves it out, and `check` names it with its line.
    empty_project.config.write_text("translation:\n  quality: hold\n", encoding="utf-8")
    empty_project.build()
    figure = parse(empty_project.output / "en" / BUNDLE / "index.html").find(".//figure[@class='lead']")
    assert figure is not None and figure.find("figcaption/span[@class='credit']") is not None
    assert figure.find("figcaption/span[@data-content]") is None
    index = empty_project.content / BUNDLE / "index.md"
    line = index.read_text(encoding="utf-8").splitlines().index('image_caption: "متظاهرون في الساحة"') + 1
    check = empty_project.run("check", check=True).stderr
    assert f"{index.relative_to(empty_project.root)}:{line}: warning: machine English image_caption held back" in check


def test_processed_files_no_build_used_for_a_month_leave_the_cache(project):
    import os
    import time

    with_images(project)
    build(opts(project))
    files = project.cache / "images" / "images"
    Image.new("RGB", (600, 400), (0, 200, 0)).save(project.content / BUNDLE / "inline.png")
    build(opts(project))
    used = {p.name for p in (project.output / "images").iterdir()}
    unused = {p.name for p in files.iterdir()} - used
    assert len(unused) == 4  # the first inline.png's WebP and JPEG at 480 and 600
    images.use_cache(project.cache)
    images.tidy_cache(time.time() + images.CACHE_MAX_AGE + 60)  # a month later: nothing was used since
    assert not list(files.iterdir())
    os.utime(project.content / BUNDLE / "index.md")  # a build now makes what it needs again
    build(opts(project))
    assert {p.name for p in files.iterdir()} == used == {p.name for p in (project.output / "images").iterdir()}


def test_a_default_image_that_is_not_there_is_an_error_at_its_line(project):
    project.config.write_text(project.config.read_text(encoding="utf-8") + "\nimage: /logo.png\n", encoding="utf-8")
    line = project.config.read_text(encoding="utf-8").splitlines().index("image: /logo.png") + 1
    with pytest.raises(ContentError) as caught:
        build(opts(project))
    assert [(p.path, p.line) for p in caught.value.problems] == [(str(project.config), line)]
    assert "is not an image file of static/" in caught.value.problems[0].message


def test_images_are_processed_in_the_build_s_worker_pool(project, monkeypatch, tmp_path):
    import os

    log = tmp_path / "pids"
    real = images.decode

    def logged(*args, **kwargs):  # forked workers inherit this: each appends its own pid
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(images, "decode", logged)
    for i in range(4):
        folder = project.content / f"story-{i}"
        jpeg_with_gps(folder / "lead.jpg", size=(1600, 1000), color=(40 * i, 80, 120))
        project.write(f"story-{i}/index.md", article(title=f"خبر مصور {i}", image="lead.jpg"))
    build(project.options(jobs=2, progress=False))
    pids = log.read_text(encoding="utf-8").split()
    assert len(pids) == 4 and str(os.getpid()) not in pids
    assert all((project.output / "ar" / f"story-{i}" / "index.html").is_file() for i in range(4))


def test_pages_with_pictures_pass_the_nu_html_checker(project):
    import shutil
    import subprocess

    from conftest import ROOT

    java, vnu = shutil.which("java"), ROOT / "tests" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    assert java and vnu.is_file(), "make test-deps installs Java and vnu-jar (npm ci --prefix tests)"
    with_images(project)
    bundle_article(project, title_en='"A picture story"', summary_en='"By the editors."')
    build(opts(project))
    pages = [project.output / lang / where / "index.html" for lang in ("ar", "en") for where in (BUNDLE, "")]
    done = subprocess.run([java, "-jar", str(vnu), "--errors-only", *map(str, pages)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr[-4000:]


def test_uncommon_pixels_come_out_right(project):
    """16-bit greyscale (mid-grey stays mid-grey, not white), CMYK with its colour profile (red
    stays red), a palette GIF with transparency (on white in JPEG); an image outside the bundle
    is refused."""
    import numpy as np
    from PIL import ImageCms

    folder = project.content / BUNDLE
    folder.mkdir(parents=True)
    Image.fromarray(np.full((300, 500), 32768, dtype="uint16")).save(folder / "grey.png")
    cmyk = Image.new("CMYK", (500, 300), (0, 255, 255, 0))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    cmyk.save(folder / "print.jpg", "JPEG", quality=95)
    Image.new("RGB", (500, 300), (255, 0, 0)).save(folder / "lead.jpg", "JPEG", icc_profile=srgb, quality=95)
    gif = Image.new("P", (500, 300), 0)
    gif.putpalette([0, 0, 0, 0, 128, 0] + [0] * 762)
    gif.paste(1, (0, 0, 250, 300))
    gif.save(folder / "anim.gif", transparency=0)
    body = "نص.\n\n![رمادي](grey.png)\n\n![طباعة](print.jpg)\n\n![متحركة](anim.gif)\n"
    project.write(f"{BUNDLE}/index.md", article(title="ألوان", image="lead.jpg", body=body))
    build(opts(project))
    html = (project.output / "ar" / BUNDLE / "index.html").read_text(encoding="utf-8")
    names = re.findall(r'src="(?:\.\./\.\./|/)(images/[^"]+\.jpg)"', html)
    assert len(names) == 4
    pixels = [Image.open(project.output / name).convert("RGB").getpixel((400, 150)) for name in names]
    lead, grey, printed, gif_right = pixels
    assert lead[0] > 240 and lead[1] < 15 and 120 <= grey[0] <= 136 and printed[0] > 200 and printed[1] < 60
    assert gif_right[0] > 240 and gif_right[1] > 240  # the transparent half, on white
    project.write(f"{BUNDLE}/index.md", article(title="ألوان", image="../outside.jpg"))
    jpeg_with_gps(project.content / "outside.jpg", size=(100, 100))
    with pytest.raises(ContentError, match="outside the article's folder"):
        build(opts(project))

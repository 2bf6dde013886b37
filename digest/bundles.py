"""Page bundles: an article as a folder `content/<name>/index.md` with its images beside it.

Here: which file is a bundle's article, the bundle's stamp (the article and every file beside
it, so a changed image reads and prepares the article again), the images an article names, and
the HTML that shows them.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

from digest.config import Config
from digest.images import ImageError, Picture, picture, verify

INDEX_NAMES = ("index.md", "index.markdown", "index.txt")
# The column widths a picture is shown at: the page's column is at most about 46rem.
BODY_SIZES = "(min-width: 48rem) 46rem, 100vw"
TEASER_SIZES = "8rem"
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def is_index(path: str) -> bool:
    return os.path.basename(path) in INDEX_NAMES


def bundle_of(path: str) -> Path | None:
    """The bundle folder of an article file, or None for a single-file article."""
    return Path(path).parent if is_index(path) else None


def slug_stem(path: Path) -> str:
    """What an article's slug is made of when it names none: the file's name, or the bundle's."""
    return path.parent.name if path.name in INDEX_NAMES else path.stem


def bundle_stamp(path: str, own: tuple[int, int, int]) -> tuple[int, int, int]:
    """The article file's stamp with its first column replaced by a hash of every stamp in the
    bundle (names, times, sizes, inodes), as a signed 64-bit number like a time."""
    digest = hashlib.blake2b(repr(own).encode(), digest_size=8)
    folder = os.path.dirname(path)
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            try:
                st = os.stat(full)
            except OSError:
                continue
            digest.update(repr((os.path.relpath(full, folder), st.st_mtime_ns, st.st_size, st.st_ino)).encode())
    return (int.from_bytes(digest.digest(), "big", signed=True), own[1], own[2])


def is_local(ref: str) -> bool:
    """A file of the bundle: no scheme, no host, not a path from the site's root."""
    return bool(ref) and not ref.startswith(("/", "#", "?")) and not _SCHEME.match(ref)


def body_images(body: str, allow_html: bool) -> list[tuple[int, str]]:
    """(line of the body from 0, src as written) of each Markdown image in the body."""
    if "![" not in body:
        return []
    from digest.markup import parser

    found = []
    for token in parser(allow_html).parse(body):
        if token.type != "inline" or not token.children:
            continue
        line = token.map[0] if token.map else 0
        for child in token.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "image":
                found.append((line, str(child.attrs.get("src", ""))))
    return found


@dataclass(frozen=True, slots=True)
class Found:
    """An article's pictures: the lead (front matter `image`) and those of its body, by src."""

    lead: Picture | None
    body: dict[str, Picture]

    def paths(self) -> tuple[str, ...]:
        pics = ([self.lead] if self.lead else []) + list(self.body.values())
        return tuple(sorted({p for pic in pics for p in pic.paths()}))


def pictures_for(path: str, image: str, image_line: int, body: str, body_line: int,
                 config: Config, verify_only: bool = False) -> tuple[Found, list[tuple[int, str]]]:
    """Process the bundle's images that an article names; returns them and (line, message) for
    each that cannot be used. A single-file article's relative images are errors: it has no
    folder of its own to hold them. `verify_only`: decode each image, make nothing (`check`)."""
    folder = bundle_of(path)
    problems: list[tuple[int, str]] = []
    refs: list[tuple[int, str, str]] = []  # line, ref, what
    if image and is_local(image):
        refs.append((image_line, image, "lead"))
    for offset, src in body_images(body, config.allow_html):
        if is_local(src):
            refs.append((body_line + offset, src, "body"))
    lead, found = None, {}
    for line, ref, what in refs:
        if folder is None:
            problems.append((line, f"image '{ref}' is a file beside the article, which only a page bundle has: "
                                   "make the article a folder with an index.md and the image in it, or link "
                                   "/theme/<file> or a file of static/"))
            continue
        from urllib.parse import unquote

        file = (folder / unquote(ref)).resolve()
        if not file.is_relative_to(folder.resolve()):
            problems.append((line, f"image '{ref}' is outside the article's folder"))
            continue
        try:
            if verify_only:
                verify(file, config.images)
                continue
            pic = picture(file, config.images)
        except ImageError as exc:
            problems.append((line, str(exc)))
            continue
        if what == "lead":
            lead = pic
        else:
            found[ref] = pic
    return Found(lead, found), problems


def picture_html(pic: Picture, alt: str, prefix: str, sizes: str, lead: bool = False,
                 cls: str = "") -> str:
    """<picture> with WebP and JPEG sources at every width, the JPEG as <img> with its width and
    height (no layout shift); lazy and low priority unless it is the lead image. `prefix`: what
    goes before `images/...` (the site's path, or `../../` from an article page)."""

    def srcset(mime: str) -> str:
        return ", ".join(f"{prefix}{v.path} {v.width}w" for v in pic.of(mime))

    fallback = pic.largest_jpeg
    loading = 'fetchpriority="high"' if lead else 'loading="lazy"'
    klass = f' class="{cls}"' if cls else ""
    return (f'<picture><source type="image/webp" srcset="{srcset("image/webp")}" sizes="{sizes}">'
            f'<img{klass} src="{prefix}{fallback.path}" srcset="{srcset("image/jpeg")}" sizes="{sizes}" '
            f'width="{fallback.width}" height="{fallback.height}" alt="{escape(alt)}" {loading} '
            f'decoding="async"></picture>')


_IMG = re.compile(r'<img src="([^"]*)" alt="([^"]*)"(?: title="[^"]*")? ?/?>')


def with_pictures(html: str, body: dict[str, Picture]) -> str:
    """The body's HTML with each bundle image markdown-it wrote as <img> shown as a <picture>.
    Body HTML is only on the article page, /ar/<slug>/: a relative prefix works at any base_url."""
    if not body:
        return html

    def swap(match: re.Match) -> str:
        from html import unescape

        src = unescape(match.group(1))
        from urllib.parse import unquote

        pic = body.get(src) or next((p for ref, p in body.items() if unquote(ref) == unquote(src)), None)
        if pic is None:
            return match.group(0)
        return picture_html(pic, unescape(match.group(2)), "../../", BODY_SIZES)

    return _IMG.sub(swap, html)

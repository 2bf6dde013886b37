"""Images: one source file becomes WebP and JPEG files at a few widths, cached by content.

Each image is decoded once (JPEG decoding straight at the largest size needed, with Pillow's
`draft`), turned upright from its EXIF orientation, converted to sRGB, and saved with no
metadata at all: a reporter's phone puts the place a photo was taken (GPS) in its EXIF, and
none of it may reach the site. Widths come from `images.widths`, never wider than the source.
A file's name is the hash of its own bytes, so a host may cache it forever.

What a source became is kept in the cache folder under the hash of its bytes and the settings
that shape the output (`_settings_key`): an unchanged image is read (to hash it) but never
decoded again, whichever article or build uses it.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from digest import cachefile
from digest.config import ImagesConfig

CACHE_FOLDER = "images"  # in the cache folder: one record per source, and the files themselves
SITE_FOLDER = "images"  # in the site: /images/<hash>-<width>.webp
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "AVIF")  # what a source may be
SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif")
MAX_SOURCE_BYTES = 50_000_000
# Bump when the way files are made changes: every image is made again.
PROCESS_VERSION = 1


class ImageError(Exception):
    """Why an image cannot be used, in words for the editor."""


@dataclass(frozen=True, slots=True)
class Variant:
    path: str  # in the site, without a leading slash: images/<hash>-<width>.webp
    width: int
    height: int
    mime: str  # image/webp or image/jpeg
    size: int  # bytes


@dataclass(frozen=True, slots=True)
class Picture:
    """What pages need to show one image: its sizes in each format, largest last."""

    source: str  # blake2b of the source's bytes and the settings
    width: int  # of the largest variant
    height: int
    variants: tuple[Variant, ...]

    def of(self, mime: str) -> list[Variant]:
        return [v for v in self.variants if v.mime == mime]

    @property
    def largest_jpeg(self) -> Variant:
        return self.of("image/jpeg")[-1]

    @property
    def smallest_jpeg(self) -> Variant:
        return self.of("image/jpeg")[0]

    def srcset(self, mime: str, href=lambda path: "/" + path) -> str:  # type: ignore[no-untyped-def]
        return ", ".join(f"{href('/' + v.path)} {v.width}w" for v in self.of(mime))

    def paths(self) -> list[str]:
        return [v.path for v in self.variants]


_CACHE: Path | None = None  # the build's cache folder; set before workers fork (see use_cache)


def use_cache(cache: Path | None) -> None:
    """Where processed images are kept (None: nowhere, as `check`, which writes nothing)."""
    global _CACHE
    _CACHE = cache


def cache_folder() -> Path | None:
    return None if _CACHE is None else _CACHE / CACHE_FOLDER


def _settings_key(settings: ImagesConfig) -> bytes:
    from PIL import __version__ as pillow

    return repr((PROCESS_VERSION, pillow, settings.widths, settings.quality)).encode()


def read_source(path: Path, settings: ImagesConfig) -> tuple[bytes, str]:
    """The file's bytes and their key; ImageError when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            if not os.path.isfile(path):
                raise ImageError(f"{path.name} is not a regular file")
            data = handle.read(MAX_SOURCE_BYTES + 1)
    except FileNotFoundError:
        raise ImageError(f"image file {path.name} not found beside the article") from None
    except IsADirectoryError:
        raise ImageError(f"{path.name} is a folder, not an image") from None
    except OSError as exc:
        raise ImageError(f"cannot read image {path.name}: {exc.strerror or exc}") from None
    if len(data) > MAX_SOURCE_BYTES:
        raise ImageError(f"image {path.name} is over {MAX_SOURCE_BYTES:,} bytes")
    digest = hashlib.blake2b(_settings_key(settings), digest_size=16)
    digest.update(data)
    return data, digest.hexdigest()


def picture(path: Path, settings: ImagesConfig) -> Picture:
    """The processed image, from the cache when this source was processed under these settings;
    raises ImageError."""
    data, key = read_source(path, settings)
    folder = cache_folder()
    record = folder / f"{key}.pickle" if folder is not None else None
    if record is not None:
        known = cachefile.read_pickle(record, "image")
        if isinstance(known, Picture) and all((folder / v.path).is_file() for v in known.variants):
            return known
    made = process(data, path.name, settings)
    pic = Picture(key, made[-1][1], made[-1][2],
                  tuple(Variant(name, w, h, mime, len(blob)) for name, w, h, mime, blob in made))
    if folder is not None and record is not None:
        for name, _, _, _, blob in made:
            _write_atomic(folder / name, blob)
        cachefile.write_pickle(record, "image", pic)
    return pic


def _write_atomic(path: Path, data: bytes) -> None:
    """Whole or not at all, each process with its own temporary file (as digest.cachefile)."""
    if path.is_file() and path.stat().st_size == len(data):
        return  # named after its bytes: the same file
    path.parent.mkdir(parents=True, exist_ok=True)
    cachefile.write_atomic(path, data)


def decode(data: bytes, name: str, settings: ImagesConfig, largest: int | None = None):  # type: ignore[no-untyped-def]
    """The image, upright, in RGB or RGBA and sRGB; `largest`: the widest size it will be made
    at, so that JPEG can be decoded straight at a fraction of its size. Raises ImageError."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    # Pillow's own bomb check is replaced by ours (images.max_pixels, with the size in the
    # message): opening reads only the header, and the size is checked before any pixel is.
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=None)
        except UnidentifiedImageError:
            raise ImageError(f"{name} is not an image Pillow can read (JPEG, PNG, WebP, GIF or AVIF)") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(f"{name} has too many pixels (a decompression bomb?)") from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageError(f"{name} cannot be read as an image: {exc}") from None
        finally:
            Image.MAX_IMAGE_PIXELS = limit
    if image.format not in FORMATS:
        raise ImageError(f"{name} is a {image.format} image; use JPEG, PNG, WebP, GIF or AVIF")
    width, height = image.size
    if width * height > settings.max_pixels:
        raise ImageError(f"{name} is {width}×{height} pixels, over the limit of {settings.max_pixels:,} "
                         "(images.max_pixels)")
    if width < 1 or height < 1:
        raise ImageError(f"{name} has no pixels")
    orientation = image.getexif().get(0x0112, 1)
    if largest and image.format == "JPEG":
        # Decoding at 1/2, 1/4 or 1/8 of the size is several times faster than decoding whole
        # and shrinking; draft never goes below the size asked for.
        want = (largest, round(largest * height / width)) if orientation < 5 else \
            (round(largest * height / width), largest)
        image.draft("RGB", want)
    icc = image.info.get("icc_profile")
    try:
        image.load()
    except (OSError, ValueError, SyntaxError) as exc:
        why = "it is cut short (truncated)" if "truncated" in str(exc) else str(exc)
        raise ImageError(f"{name} cannot be decoded: {why}") from None
    except Image.DecompressionBombError:
        raise ImageError(f"{name} has too many pixels (a decompression bomb?)") from None
    image = ImageOps.exif_transpose(image) or image
    if icc:  # before any other conversion: a CMYK or greyscale profile applies to those pixels
        image = _to_srgb(image, icc)
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        # 16-bit greyscale: Pillow's conversion to RGB clips every value over 255 to white.
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    if image.mode not in ("RGB", "RGBA"):
        alpha = image.mode in ("LA", "PA", "RGBa", "La") or (image.mode == "P" and "transparency" in image.info)
        image = image.convert("RGBA" if alpha else "RGB")
    return image


def _to_srgb(image, icc: bytes):  # type: ignore[no-untyped-def]
    """The pixels in sRGB, so that dropping the profile (metadata) does not change the colours."""
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") else "RGB"
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a damaged profile, or one for other pixels: converted as they are


def widths_for(width: int, settings: ImagesConfig) -> list[int]:
    """The widths to make: those of the settings narrower than the source, and the source's
    own width when it is narrower than the widest setting (never upscaled)."""
    made = [w for w in settings.widths if w < width]
    if width <= settings.widths[-1] or not made:
        made.append(min(width, settings.widths[-1]))
    elif settings.widths[-1] not in made:
        made.append(settings.widths[-1])
    return sorted(set(made))


def process(data: bytes, name: str, settings: ImagesConfig) -> list[tuple[str, int, int, str, bytes]]:
    """(site path, width, height, mime, bytes) of each file made from one source: WebP, then
    JPEG, each narrowest first. Raises ImageError."""
    from PIL import Image

    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        header = Image.open(io.BytesIO(data))
        width = header.size[0] if header.getexif().get(0x0112, 1) < 5 else header.size[1]
    except Exception:  # reported by decode, with its reason
        width = None
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    targets = widths_for(width, settings) if width else None
    image = decode(data, name, settings, largest=targets[-1] if targets else None)
    targets = widths_for(image.size[0], settings)
    out: dict[str, list[tuple[str, int, int, str, bytes]]] = {"image/webp": [], "image/jpeg": []}
    for target in targets:
        height = max(1, round(image.size[1] * target / image.size[0]))
        sized = image if target == image.size[0] else image.resize((target, height), Image.Resampling.LANCZOS,
                                                                    reducing_gap=3.0)
        for mime, blob in (("image/webp", _webp(sized, settings)), ("image/jpeg", _jpeg(sized, settings))):
            digest = hashlib.blake2b(blob, digest_size=10).hexdigest()
            ext = "webp" if mime == "image/webp" else "jpg"
            out[mime].append((f"{SITE_FOLDER}/{digest}-{target}.{ext}", target, height, mime, blob))
    return out["image/webp"] + out["image/jpeg"]


def _webp(image, settings: ImagesConfig) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=settings.quality, method=4)  # no exif=, no icc_profile=: none kept
    return buffer.getvalue()


def _jpeg(image, settings: ImagesConfig) -> bytes:  # type: ignore[no-untyped-def]
    if image.mode == "RGBA":  # JPEG has no transparency: on white, as a page shows it
        from PIL import Image

        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=settings.quality, optimize=True, progressive=True)
    return buffer.getvalue()


def verify(path: Path, settings: ImagesConfig) -> None:
    """What `check` asks: can this image be used? Decodes it, writes nothing; raises ImageError."""
    data, _ = read_source(path, settings)
    decode(data, path.name, settings, largest=settings.widths[0])


def publish_paths(paths: list[str], writer, live: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """Put these files made from images into the staging folder: hard links from the cache
    folder (a copy across file systems), or from the live site; returns `paths`. One in neither
    place (a cache folder emptied by hand while the state stayed) raises ImageError."""
    import shutil

    folder = cache_folder()
    for path in paths:
        if folder is not None and writer.link_from(folder, path):
            continue
        if writer.link_from(live, path):
            continue
        try:
            if folder is None:
                raise FileNotFoundError(path)
            shutil.copyfile(folder / path, writer.parent_of(path))
        except OSError:
            raise ImageError(f"the processed image {path} is in neither the cache folder nor the site; "
                             "build again with --force after emptying the cache folder") from None
    return list(paths)


CACHE_MAX_AGE = 30 * 86_400  # seconds after which a processed file no build has used is removed


def tidy_cache(now: float) -> None:
    """Remove processed files that no build has published for a month (a picture replaced or
    deleted since). Publishing hard-links each file it uses, which sets its ctime: a file's
    ctime is its last use. The records stay (a few hundred bytes each): one whose files are
    gone has its picture made again if it is ever used again."""
    folder = cache_folder()
    files = folder / SITE_FOLDER if folder is not None else None
    if files is None or not files.is_dir():
        return
    cachefile.remove((Path(e.path) for e in os.scandir(files) if e.is_file(follow_symlinks=False)),
                     older_than=CACHE_MAX_AGE, since_linked=True, now=now)

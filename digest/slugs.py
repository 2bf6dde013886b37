"""Slug rules (safe, unique path segments) and ASCII slugs made from Arabic titles."""

from __future__ import annotations

import re
import unicodedata

# Names that would collide with the site's own paths or that some file systems refuse.
DEVICE_NAMES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
)
RESERVED = frozenset(
    {"page", "category", "tag", "feed.xml", "index.html", "404.html", "sitemap.xml", "robots.txt",
     "theme", "assets", "_preview", "__livereload", "ar", "en", *DEVICE_NAMES}
)
_SLUG_CHARS = re.compile(r"^[\w.~-]+$")

# A readable transliteration of Arabic letters (close to common news romanisation).
_ARABIC_TO_LATIN = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ء": "", "ؤ": "u", "ئ": "i",
    "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh",
    "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "ع": "", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n",
    "ه": "h", "ة": "a", "و": "w", "ي": "y", "ى": "a", "پ": "p", "چ": "ch", "گ": "g", "ڤ": "v",
    **{chr(0x0660 + i): str(i) for i in range(10)},
    **{chr(0x06F0 + i): str(i) for i in range(10)},
}


def slug_problem(slug: str) -> str | None:
    """Why a slug cannot be a path segment of the site, or None when it can."""
    if not slug:
        return "slug is empty"
    if "/" in slug or "\\" in slug:
        return f"slug '{slug}' must not contain '/' or '\\'"
    if slug.startswith("."):
        return f"slug '{slug}' must not start with a dot"
    if not _SLUG_CHARS.match(slug):
        return f"slug '{slug}' may only use letters, digits, '-', '_', '.' and '~'"
    if slug.casefold() in RESERVED or slug.isdigit():
        return f"slug '{slug}' is reserved for the site's own pages"
    if len(slug.encode()) > 200:
        return f"slug '{slug[:20]}...' is longer than 200 bytes"
    return None


# Arabic combining marks: harakat (fatha, damma, kasra, shadda, sukun, tanwin), the dagger alif,
# Quranic annotation signs. Category Mn: \w does not match them, so a slug keeping them is refused.
# Compiled by re on first use: a build with nothing to do reads no article.
_ARABIC_MARKS = ("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8"
                 "\u06ea-\u06ed\u08d3-\u08e1\u08e3-\u08ff]")


def drop_arabic_marks(text: str) -> str:
    """'سَلام' gives 'سلام': the word a reader types, and one URL however it was voweled."""
    return re.sub(_ARABIC_MARKS, "", text)


def slug_key(slug: str) -> str:
    """Identity of a slug on any file system: case and Unicode normalisation do not count."""
    return unicodedata.normalize("NFC", slug).casefold()


def transliterate(text: str) -> str:
    """ASCII rendering of Arabic (and accented Latin) text for file names and URLs."""
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        if ch in _ARABIC_TO_LATIN:
            out.append(_ARABIC_TO_LATIN[ch])
        else:
            out.append(unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode())
    return "".join(out)


def ascii_slug(text: str, max_words: int = 8) -> str:
    """Lower-case hyphenated ASCII slug; may be empty when nothing transliterates.

    Never a Windows device name ("COM1" gives "com1-1"): no folder could be made for it there.
    """
    words = re.findall(r"[a-z0-9]+", transliterate(text).lower())
    slug = "-".join(words[:max_words])
    return slug + "-1" if slug in DEVICE_NAMES else slug

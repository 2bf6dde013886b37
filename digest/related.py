"""Related articles: up to five per article and language, by shared tags, category and
distinctive words, newest first among equals.

Each article's words are taken once, when it is prepared (terms_of: its title and summary in
normalised Arabic, in the saved state's index so that an incremental build need not load every
article). The lists are made in every build from all of them; what each article page shows of
its related articles is part of that page's key (see digest.pages.SiteKeys.extras), so an edit
elsewhere that changes a list renders the pages that show it.
"""

from __future__ import annotations

import hashlib
import itertools
import operator
import re
from array import array
from collections import Counter
from typing import TYPE_CHECKING

from digest.slugs import drop_arabic_marks
from digest.tags import tags_of

if TYPE_CHECKING:
    from digest.entries import Entry

MAX_RELATED = 5
TAG_WEIGHT, TERM_WEIGHT, CATEGORY_WEIGHT = 3, 1, 1
TERMS_PER_ARTICLE = 8  # the most distinctive of an article's words that count
COMMON_SHARE = 0.02  # a word in more than this share of the articles says little about any one
KEY_LEN = 16  # hex digits per language (digest.pages.RELATED_KEY_LEN)

# A word of three letters or more, without the definite article and the conjunctions and
# prepositions joined to it when three letters or more remain (a light stem: 'والحكومة' and
# 'الحكومه' are one word). One pattern, so that all of it runs in C.
_WORD = re.compile(r"(?<![^\W\d_])(?:وال|بال|فال|كال|لل|ال)?([^\W\d_]{3,})")
# One spelling for the letters readers and writers interchange: alef forms, taa marbuta and
# haa, alef maqsura and yaa; tatweel dropped.
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "\u0640": None})


def normalise(text: str) -> str:
    """Arabic text folded as readers search it: no vowel marks, one alef, ه for ة, ي for ى."""
    return drop_arabic_marks(text).translate(_FOLD).casefold()


def terms_of(title: str, summary: str) -> tuple[str, ...]:
    """An article's words that can tell it apart (see _WORD), normalised, each once, in order."""
    return tuple(dict.fromkeys(_WORD.findall(normalise(f"{title} {summary}"))))


def related_lists(entries: list[Entry], fingerprints: list[str], english: list[int]
                  ) -> tuple[list[tuple[list[int], list[int]]], list[str]]:
    """Per entry (entries newest first): the positions of its related entries in Arabic and in
    English (only entries with English, and none for an entry without), and the key of what its
    pages show of them: their fingerprints."""
    count = len(entries)
    english_set = set(english)
    frequency = Counter(itertools.chain.from_iterable(e.terms for e in entries))
    common = max(2, int(count * COMMON_SHARE))
    usable_terms = {term for term, n in frequency.items() if 2 <= n <= common}
    rarity = frequency.__getitem__
    postings: dict[str, list[int]] = {}
    by_tag: dict[str, list[int]] = {}
    by_category: dict[str, list[int]] = {}
    chosen: list[list[str]] = []
    tag_slugs: list[list[str]] = []
    for i, entry in enumerate(entries):
        usable = list(filter(usable_terms.__contains__, entry.terms))
        if len(usable) > TERMS_PER_ARTICLE:
            usable = sorted(usable, key=rarity)[:TERMS_PER_ARTICLE]  # stable: ties keep the text's order
        chosen.append(usable)
        for term in usable:
            postings.setdefault(term, []).append(i)
        slugs = [slug for slug, _ in tags_of(entry.article.tags)] if entry.article.tags else []
        tag_slugs.append(slugs)
        for slug in slugs:
            by_tag.setdefault(slug, []).append(i)
        if entry.category_slug:
            by_category.setdefault(entry.category_slug, []).append(i)
    category_sets = {key: set(members) for key, members in by_category.items()}
    english_by_category = {key: [i for i in members if i in english_set] for key, members in by_category.items()}
    in_english = english_set.__contains__
    out: list[tuple[list[int], list[int]]] = []
    for i, entry in enumerate(entries):
        # Every candidate once per word and TAG_WEIGHT times per tag it shares: counted in C.
        shared = list(itertools.chain.from_iterable(postings[term] for term in chosen[i]))
        for slug in tag_slugs[i]:
            shared.extend(by_tag[slug] * TAG_WEIGHT)
        category = entry.category_slug
        ar = _best(i, shared, by_category.get(category, ()), category_sets.get(category))
        en: list[int] = []
        if i in english_set:
            en = _best(i, list(filter(in_english, shared)), english_by_category.get(category, ()),
                       category_sets.get(category))
        out.append((ar, en))
    return out, related_keys(out, fingerprints)


def related_keys(lists: list[tuple[list[int], list[int]]], fingerprints: list[str]) -> list[str]:
    """Per entry, the key of what its pages show of their related entries (their fingerprints):
    the Arabic page's, then the English page's."""
    return [_key(ar, fingerprints) + _key(en, fingerprints) for ar, en in lists]


def inputs_key(entries: list[Entry], layout_key: str) -> str:
    """Changes when anything related_lists reads changes, given the site's shape (which covers
    the entries' order, slugs, categories, tags and English): every entry's words."""
    words = "\x1e".join(map("\x1f".join, map(_TERMS, entries)))
    return hashlib.blake2b((layout_key + words).encode(), digest_size=16).hexdigest()


_TERMS = operator.attrgetter("terms")
_NONE = 0xFFFFFFFF


def pack(lists: list[tuple[list[int], list[int]]]) -> bytes:
    """The lists as bytes, for the build manifest: MAX_RELATED slots per language, unsigned."""
    out = array("I")
    for ar, en in lists:
        out.extend(ar + [_NONE] * (MAX_RELATED - len(ar)))
        out.extend(en + [_NONE] * (MAX_RELATED - len(en)))
    return out.tobytes()


def unpack(data: bytes) -> list[tuple[list[int], list[int]]]:
    values = array("I")
    values.frombytes(data)
    step = 2 * MAX_RELATED
    return [([j for j in values[i : i + MAX_RELATED] if j != _NONE],
             [j for j in values[i + MAX_RELATED : i + step] if j != _NONE]) for i in range(0, len(values), step)]


def _best(me: int, shared: list[int], category: list[int] | tuple, same_category: set[int] | None) -> list[int]:
    """The highest scoring, the newest (lowest position) first among equals: `shared` holds a
    candidate once per point it scored; one in the same category scores CATEGORY_WEIGHT more.
    Articles sharing only the category all score the same: the newest of them are the only
    ones that can make the list, and come first in `category`."""
    if same_category is not None:
        bonus = (set(shared).union(category[: MAX_RELATED + 1])) & same_category
        shared = shared + list(bonus) * CATEGORY_WEIGHT
    shared.sort()  # the counter then holds candidates newest first, and a stable sort keeps them so
    scores = Counter(shared)
    scores.pop(me, None)
    ranked = sorted(scores.items(), key=_SCORE, reverse=True)[:MAX_RELATED]
    return [j for j, _ in ranked]


_SCORE = operator.itemgetter(1)


def _key(positions: list[int], fingerprints: list[str]) -> str:
    joined = "\x1e".join(fingerprints[j] for j in positions)
    return hashlib.blake2b(joined.encode(), digest_size=KEY_LEN // 2).hexdigest()

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
import heapq
import re
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

_WORD = re.compile(r"[^\W\d_]{3,}")
# One spelling for the letters readers and writers interchange: alef forms, taa marbuta and
# haa, alef maqsura and yaa; tatweel dropped.
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "\u0640": None})
_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")


def normalise(text: str) -> str:
    """Arabic text folded as readers search it: no vowel marks, one alef, ه for ة, ي for ى."""
    return drop_arabic_marks(text).translate(_FOLD).casefold()


def terms_of(title: str, summary: str) -> tuple[str, ...]:
    """An article's words that can tell it apart, normalised, each once, in order: those of three
    letters or more, without the definite article and the conjunctions and prepositions joined
    to it (a light stem: 'والحكومة' and 'الحكومه' are one word)."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(normalise(f"{title} {summary}")):
        for prefix in _PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                word = word[len(prefix):]
                break
        seen[word] = None
    return tuple(seen)


def related_lists(entries: list[Entry], prints: list[str], english: list[int]
                  ) -> tuple[list[tuple[list[int], list[int]]], list[str]]:
    """Per entry (entries newest first): the positions of its related entries in Arabic and in
    English (only entries with English, and none for an entry without), and the key of what its
    pages show of them: their fingerprints."""
    count = len(entries)
    english_set = set(english)
    frequency: Counter[str] = Counter()
    for entry in entries:
        frequency.update(entry.terms)
    common = max(2, int(count * COMMON_SHARE))
    postings: dict[str, list[int]] = {}
    by_tag: dict[str, list[int]] = {}
    by_category: dict[str, list[int]] = {}
    chosen: list[list[str]] = []
    tag_slugs: list[list[str]] = []
    for i, entry in enumerate(entries):
        usable = [t for t in entry.terms if 2 <= frequency[t] <= common]
        if len(usable) > TERMS_PER_ARTICLE:
            usable = heapq.nsmallest(TERMS_PER_ARTICLE, usable, key=lambda t: (frequency[t], t))
        chosen.append(usable)
        for term in usable:
            postings.setdefault(term, []).append(i)
        slugs = [slug for slug, _ in tags_of(entry.article.tags)]
        tag_slugs.append(slugs)
        for slug in slugs:
            by_tag.setdefault(slug, []).append(i)
        if entry.category_slug:
            by_category.setdefault(entry.category_slug, []).append(i)
    english_by_category = {key: [i for i in members if i in english_set] for key, members in by_category.items()}
    out: list[tuple[list[int], list[int]]] = []
    keys: list[str] = []
    for i, entry in enumerate(entries):
        scores: Counter[int] = Counter()
        for term in chosen[i]:
            scores.update(postings[term])
        for slug in tag_slugs[i]:
            for j in by_tag[slug]:
                scores[j] += TAG_WEIGHT
        category = entry.category_slug
        same = by_category.get(category, ())
        # Articles sharing only the category all score the same: the newest of them are the
        # only ones that can make the list, and come first in its members.
        for j in same[:MAX_RELATED + 1]:
            scores[j] += 0
        scores.pop(i, None)
        if category:
            for j in scores:
                if entries[j].category_slug == category:
                    scores[j] += CATEGORY_WEIGHT
        ar = _best(scores, None)
        en: list[int] = []
        if i in english_set:
            for j in english_by_category.get(category, ())[:MAX_RELATED + 1]:
                if j != i and j not in scores:
                    scores[j] = CATEGORY_WEIGHT
            en = _best(scores, english_set)
        out.append((ar, en))
        keys.append(_key(ar, prints) + _key(en, prints))
    return out, keys


def _best(scores: Counter[int], allowed: set[int] | None) -> list[int]:
    """The highest scores, the newest (lowest position) first among equals."""
    items = scores.items() if allowed is None else ((j, s) for j, s in scores.items() if j in allowed)
    return [j for j, _ in heapq.nsmallest(MAX_RELATED, items, key=lambda item: (-item[1], item[0]))]


def _key(positions: list[int], prints: list[str]) -> str:
    return hashlib.blake2b("\x1e".join(prints[j] for j in positions).encode(), digest_size=KEY_LEN // 2).hexdigest()

"""Arabic folding for search: what readers type and what articles say meet in one spelling.

The same table folds the indexed text (in Python, see digest.search.shards) and the query (in
the search page's script, which reads FOLDS from the page), so the two can never disagree.
"""

from __future__ import annotations

import re

# Marks dropped: the harakat and other Quranic marks (tanwin, shadda, sukun, superscript alef...)
# and tatweel, the stretching stroke. Letters folded: alef with hamza above or below, with madda,
# and alef wasla to bare alef; taa marbuta to haa; alef maqsura to yaa.
_MARKS = [*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06DD), *range(0x06DF, 0x06E9),
          *range(0x06EA, 0x06EE), 0x0640]
_LETTERS = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"}

FOLDS: dict[str, str] = {**{chr(c): "" for c in _MARKS}, **_LETTERS}
_MARKS_RE = re.compile("[" + "".join(chr(c) for c in _MARKS) + "]")


def fold(text: str) -> str:
    """The text as the index keeps it: marks gone, the letter variants above folded. Safe on
    HTML: no character it touches is part of HTML's syntax. (A few str.replace calls and one
    regular expression: str.translate goes through a dictionary character by character.)"""
    text = _MARKS_RE.sub("", text)
    for letter, folded in _LETTERS.items():
        text = text.replace(letter, folded)
    return text

"""The quality gate: whether a machine translation may be published as English.

Machine translation fails in a few recognisable ways, and each is checked on one sentence (its
Arabic source and the model's English):

* `empty`: nothing but spaces;
* `Arabic letters`: Arabic script left in the output (an untranslated word, or a model that
  copies its input);
* `bidi controls`: invisible direction marks (U+200E, U+202B, ...) that reorder what a reader
  sees;
* `too long`: many more words than the source; an English news sentence has about 1.1 to 1.6
  words per Arabic word (Arabic attaches articles, prepositions and pronouns to words);
* `repeats`: a word or phrase said again and again, the usual way a looping model fails;
* `hit the length cap`: the decoder stopped at its limit rather than at the end of a sentence.

The thresholds leave ordinary news translations alone: `tests/data/parallel-news.tsv` holds
Arabic news sentences with their English, and none of them is held back (`tests/test_quality.py`).
"""

from __future__ import annotations

import re
import zlib

__all__ = ["gate", "gate_lines"]

_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_WORD = re.compile(r"\w+(?:['’]\w+)*")

# Words of output per word of source beyond which a translation is too long, and the slack that
# keeps very short sources (a two-word title) from being judged on a ratio alone.
MAX_WORD_RATIO = 3.0
WORD_SLACK = 6
# A phrase of up to this many words said this many times in a row is a loop; one word said
# MAX_SAME_WORD times in a row too ("very very very very" does not occur in news).
MAX_PHRASE = 8
PHRASE_REPEATS = 3
MAX_SAME_WORD = 4
# zlib shrinks a looping text far more than prose: English news sentences compress to about
# 0.55-0.8 of their size, loops to a third or less. Short texts are left to the other checks,
# as zlib's header dominates them.
MIN_COMPRESSED_RATIO = 0.4
COMPRESSION_MIN_CHARS = 80


def _repeats(words: list[str]) -> str:
    """The phrase repeated in a row, or ''."""
    run = 1
    for i in range(1, len(words)):
        run = run + 1 if words[i] == words[i - 1] else 1
        if run >= MAX_SAME_WORD:
            return words[i]
    for size in range(2, MAX_PHRASE + 1):
        span = size * PHRASE_REPEATS
        for start in range(len(words) - span + 1):
            phrase = words[start : start + size]
            if all(words[start + k * size : start + (k + 1) * size] == phrase for k in range(1, PHRASE_REPEATS)):
                return " ".join(phrase)
    return ""


def gate(source: str, output: str, capped: bool = False) -> str:
    """Why `output` may not be published as the English of `source`, or '' when it may.
    `capped`: the decoder stopped at its length limit."""
    if not output.strip():
        return "empty"
    if _ARABIC.search(output):
        return "Arabic letters"
    if _BIDI.search(output):
        return "bidi controls"
    words = [w.lower() for w in _WORD.findall(output)]
    source_words = len(_WORD.findall(source))
    if len(words) > MAX_WORD_RATIO * source_words + WORD_SLACK:
        return f"too long ({len(words)} words for {source_words})"
    phrase = _repeats(words)
    if phrase:
        return f"repeats '{phrase}'"
    data = output.encode()
    if len(data) >= COMPRESSION_MIN_CHARS and len(zlib.compress(data, 9)) < MIN_COMPRESSED_RATIO * len(data):
        return "repeats itself (compresses too well)"
    if capped:
        return "hit the length cap"
    return ""


def gate_lines(sources: list[str], outputs: list[str]) -> list[tuple[int, str]]:
    """(line number from 1, reason) of every held-back pair of parallel lines."""
    held = []
    for number, (source, output) in enumerate(zip(sources, outputs, strict=False), start=1):
        reason = gate(source, output)
        if reason:
            held.append((number, reason))
    for number in range(min(len(sources), len(outputs)) + 1, max(len(sources), len(outputs)) + 1):
        held.append((number, "no source line" if number > len(sources) else "no output line"))
    return held

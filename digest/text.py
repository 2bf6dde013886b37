"""Arabic text utilities: normalisation, sentence splitting and word tokens.

Everything here is a pure function over `str`. The site builds thousands of
articles per run, so each function does one or two passes of a precompiled
regex (C speed) instead of character loops in Python.
"""

from __future__ import annotations

import re

__all__ = ["normalize", "sentence_spans", "split_sentences", "words"]

# --- normalisation ---------------------------------------------------------

# Harakat, superscript alef, Quranic marks and tatweel: they change the look of
# a word, not its identity, so comparisons must ignore them.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]+")
# Letter variants that writers use interchangeably (same folding as
# ../shared/tools/rouge_easc.py, so our scores agree with the evaluation).
_FOLD = (
    ("أ", "ا"),
    ("إ", "ا"),
    ("آ", "ا"),
    ("ٱ", "ا"),
    ("ى", "ي"),
    ("ة", "ه"),
    ("ؤ", "و"),
    ("ئ", "ي"),
)


def normalize(text: str) -> str:
    """Return `text` folded for comparison (never for display).

    Drops diacritics and tatweel and folds alef, alef maqsura, ta marbuta and
    hamza-carrier variants, because the same word is spelt all these ways.

    Speed: `str.translate` on non-ASCII text looks every character up in a
    dict (about 230 µs for a 500-word article here), while eight
    `str.replace` calls scan in C (about 7 µs), and `search` before
    `sub` skips the costlier substitution for the usual undiacritised text.
    """
    if _DIACRITICS.search(text):
        text = _DIACRITICS.sub("", text)
    for variant, base in _FOLD:
        text = text.replace(variant, base)
    return text


# --- sentence splitting ----------------------------------------------------

# A candidate boundary is either a run of sentence-final punctuation with any
# closing quotes/brackets glued to it and the whitespace after it, or a line
# break with the whitespace after it.  The split goes at the end of the match,
# so closers and inter-sentence whitespace stay with the preceding sentence.
_TERMINATORS = ".!?\u061f\u061b\u2026"  # . ! ? ؟ ؛ …
_CLOSERS = "\"'\u201d\u2019\u00bb\u203a)\\]}"  # " ' ” ’ » › ) ] }
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # as str.splitlines
# One leading character class lets the regex engine skip quickly to the next
# candidate, where an alternation of two branches would try each at every position.
_CANDIDATE = re.compile(
    f"[{_TERMINATORS}{_LINE_BREAKS}](?:(?<=[{_LINE_BREAKS}])\\s*|[{_TERMINATORS}]*[{_CLOSERS}]*\\s*)"
)

# Words that end in a period without ending the sentence.  Checked only when
# the punctuation is a single "." followed by whitespace; the match must end
# right before that period.
#  * Latin titles and short forms (Mr. Dr. Prof. St. vs. ...),
#  * a single capital initial (J. Kerry) or dotted letters (U.S., e.g.),
#  * Arabic one-letter short forms: د. (doctor), م. (engineer), ص. (page),
#    ج. (part), أ. (professor), and dotted ones like أ.د. -- but not م./ق.م.
#    right after a number, where they mark the calendar era (1770 م.) and
#    usually end the sentence.
_LATIN_ABBREVIATIONS = (
    "mr|mrs|ms|dr|prof|st|jr|sr|vs|gen|col|capt|lt|sgt|gov|sen|rep|rev|hon|"
    "no|fig|vol|pp|approx|dept|est|inc|ltd|co|corp|jan|feb|mar|apr|jun|jul|"
    "aug|sep|sept|oct|nov|dec"
)
_ARABIC_ABBREVIATION_LETTERS = "دمصجأق"
_ABBREVIATION = re.compile(
    r"(?<![\w.])(?:"
    rf"(?i:{_LATIN_ABBREVIATIONS})"
    r"|[A-Z]"
    r"|(?:[A-Za-z]\.)+[A-Za-z]"
    rf"|(?<![0-9\u0660-\u0669]\s)(?<![0-9\u0660-\u0669])"
    rf"[{_ARABIC_ABBREVIATION_LETTERS}](?:\.[{_ARABIC_ABBREVIATION_LETTERS}])*"
    r")\Z"
)
_ABBREVIATION_WINDOW = 12  # longest abbreviation above, plus lookbehind


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the word before the period at `dot` is a known abbreviation."""
    prev = text[dot - 1] if dot else " "
    if prev.isascii():
        if not prev.isalpha():
            return False
    elif prev not in _ARABIC_ABBREVIATION_LETTERS or (dot >= 2 and text[dot - 2].isalpha()):
        return False  # the common case, a longer Arabic word: skip the regex
    start = max(0, dot - _ABBREVIATION_WINDOW)
    return _ABBREVIATION.search(text, start, dot) is not None


# Scraped Arabic news often loses the space after a full stop
# ("سنويا.وبلغت"), but dotted transliterations have none either ("سي.إن.إن",
# "إيه.تي.آر", "العربية.نت").  A lone "." glued to an Arabic word ends a
# sentence only after a word of 3+ letters that is not a spelt-out Latin
# letter (or after a number of 3+ digits, a year), before a word of 2+
# letters that is neither a spelt-out letter ("بي.أوت.كيو") nor a web suffix
# ("كوم" .com, "نت" .net).
_ARABIC_WORD_BEFORE = re.compile(
    "(?<![\u0621-\u064a\u064b-\u065f\u0670\u0640])[\u0621-\u064a\u064b-\u065f\u0670\u0640]+\\Z|[0-9\u0660-\u0669]{3}\\Z"
)
_ARABIC_WORD = re.compile("[\u0621-\u064a\u064b-\u065f\u0670\u0640]+")
_LETTER_NAMES = frozenset(
    "ايه إيه أيه اتش إتش جيه كيه كاي كيو دبليو دابليو اكس إكس ايكس إيكس واي "
    "بي تي سي دي جي آي اي إف اف إس اس آر إم ام زد يو".split()
)
_WEB_SUFFIXES = frozenset("كوم نت اورج أورج اورغ أورغ".split())


def _letters(word: str) -> str:
    return _DIACRITICS.sub("", word) if _DIACRITICS.search(word) else word


def _glued_end(text: str, first: int, end: int) -> bool:
    """Whether punctuation at `first:end` glued to the next word ends a sentence."""
    if not "\u0621" <= text[end] <= "\u064a":
        return False  # numbers, URLs, Latin abbreviations, "؟،"
    if end - first > 1 or text[first] != ".":
        return True  # "!وبعد", "...واستخداماته", ".\"وأضاف"
    if first == 0:
        return False
    if text[first - 1].isspace() or text[first - 1] in _CLOSERS:
        return True  # "الخشب .فالعود", "(2).تقام"
    before = _ARABIC_WORD_BEFORE.search(text, max(0, first - 40), first)
    if before is None:
        return False
    word = _letters(before.group())
    if word.isdigit():
        pass  # a year: "عام 2004.سوف"
    elif len(word) < 3 or word in _LETTER_NAMES:
        return False
    after = _ARABIC_WORD.match(text, end)
    following = _letters(after.group()) if after else ""
    return len(following) >= 2 and following not in _WEB_SUFFIXES and following not in _LETTER_NAMES


def sentence_spans(text: str) -> list[str]:
    """Split `text` into sentence pieces that concatenate back to `text`.

    Whitespace between sentences (and leading whitespace of the text) stays
    inside a piece, so `"".join(sentence_spans(text)) == text` for every
    text that has a non-whitespace character, and no piece is empty or
    whitespace-only.  A text of only whitespace (or "") gives `[]`: a piece
    would have to be whitespace-only, which is worse for callers.

    A sentence ends at `. ! ? ؟ ؛ …` or `...` (plus any closing quotes or
    brackets) followed by whitespace or the end of the text, and at every
    line break.  Punctuation glued to the next character does not split,
    which keeps numbers (3.5, 01.09.2016, ٣.٥), times, URLs, e-mail
    addresses and dotted transliterations (بي.بي.سي) whole -- except a
    missing space between two Arabic words ("سنويا.وبلغت", see
    `_glued_end`).  A known abbreviation before a single period (Mr.,
    U.S., J., د.) does not end a sentence either.

    Cost: one `finditer` over the text plus a check per candidate.
    """
    pieces: list[str] = []
    start = 0
    n = len(text)
    for m in _CANDIDATE.finditer(text):
        first = m.start()
        end = m.end()
        if text[first] in _LINE_BREAKS:
            if start == first or text[start:first].isspace():
                continue  # a line break before any content of this piece
        else:
            if end != n and not text[end - 1].isspace() and not _glued_end(text, first, end):
                continue  # glued to the next character: 3.5, a.b, "؟،"
            if (
                text[first] == "."
                and (first + 1 == n or text[first + 1] not in _TERMINATORS)
                and _is_abbreviation(text, first)
            ):
                continue  # Mr. / U.S. / د. do not end the sentence
        pieces.append(text[start:end])
        start = end
    if start < n:
        rest = text[start:]
        if pieces and rest.isspace():
            pieces[-1] += rest
        elif not rest.isspace():
            pieces.append(rest)
    return pieces


def split_sentences(text: str) -> list[str]:
    """Return the sentences of `text`, stripped of surrounding whitespace."""
    return [piece.strip() for piece in sentence_spans(text)]


# --- words -----------------------------------------------------------------

# Letters and digits of any script.  Combining marks (Arabic harakat) are
# not `\\w` in Python, so they are allowed inside a word explicitly, and
# digit groups with separators (1,000  3.5  ٣٫٥) count as one word.  The loop
# is unrolled around the common case `[^\\W_]+` and possessive (no
# backtracking), for speed.
_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
_WORD = re.compile(rf"[^\W_]++(?:(?:[{_MARKS}]++|(?<=\d)[.,\u066b\u066c](?=\d))[^\W_]*+)*+")


def words(text: str) -> list[str]:
    """Return the word tokens of `text` (for word counts and scoring)."""
    return _WORD.findall(text)

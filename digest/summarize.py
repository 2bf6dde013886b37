"""Extractive summaries of Arabic news articles.

A summary is a handful of whole sentences of the article, in source order,
within a word budget.  The lead sentence is always in (news puts the gist
first, and the lead is a hard baseline); the others are scored by

* position -- sentence index, paragraph index and paragraph starts;
* centrality -- content words the sentence shares with the rest of the
  article, weighted by how often they recur (a cheap, degree-style stand-in
  for TextRank);
* phrases -- pairs of neighbouring content words that recur in another
  sentence (names, set terms), which single words miss;
* title overlap -- share of the headline's content words, when there is one;
* redundancy -- an MMR-style penalty for overlap with the lead and with
  better-ranked sentences; a near-repeat is dropped outright;

fragments of fewer than `min_words` words and headings (a short paragraph
that does not end like a sentence: subheadings, captions, credits, list
items) are never chosen after the lead.  The budget is filled by a 0/1
knapsack over every other sentence that fits (up to `candidates`),
maximising the sum of words x ((score / best score) ** sharpness + fill):
whole sentences rarely add up to the budget exactly, and the `fill` term
rewards each word used, so that of two near-equal choices the fuller summary
wins.  Comparisons use normalised, lightly stemmed words without stopwords.
The weights were chosen on the EASC dev half and checked by cross-validation
over its topics (bench/summary_cv.py, bench/README.md).

`python -m digest.summarize FILE [--words N]` prints the summary of FILE.
"""

from __future__ import annotations

import argparse
import itertools
import math
import operator
import re
import sys
from collections import Counter
from dataclasses import dataclass

from digest.text import _DIACRITICS, _WORD, normalize, sentence_spans, words

__all__ = ["Weights", "main", "summarize", "summary_text"]


@dataclass(frozen=True)
class Weights:
    """Scoring weights, chosen on the EASC dev half (bench/summary_cv.py).

    A sentence's relevance is the sum of the weighted features; the summary
    maximises the sum of `words * ((relevance / best) ** sharpness + fill)`
    within the budget, `best` being the best candidate's relevance.  A high
    `sharpness` follows the ranking closely; `fill` is what a word is
    worth whatever sentence it is in, as a share of a word of the best one.
    """

    position: float = 1.0  # 1 / (1 + i) ** position_decay, i = sentence index
    position_decay: float = 0.5
    paragraph: float = 1.5  # 1 / (1 + paragraph index): early paragraphs
    paragraph_start: float = 0.3  # the first sentence of a paragraph
    centrality: float = 0.25  # terms shared with the rest, scaled to [0, 1]
    phrases: float = 0.5  # share of the sentence's word pairs that recur in another sentence
    title: float = 0.5  # share of the title's terms in the sentence
    redundancy: float = 0.1  # times the overlap with a better sentence
    duplicate: float = 0.8  # overlap at which a sentence is a repeat, dropped
    sharpness: float = 6.0
    fill: float = 0.1  # reward per word used, as a share of the best sentence's per word
    min_words: int = 3  # shorter "sentences" are fragments: "إن.", "شاهد..", "اقرأ أيضاً:"
    candidates: int = 30  # the knapsack's pool: the best that fit (bounds the time on long articles)


WEIGHTS = Weights()

# Frequent Arabic function words (already normalised: alef, ya, ta marbuta
# folded), plus a few news verbs of saying.  They carry no topic, so they
# must not make two sentences look alike.
_STOPWORDS_RAW = """
في من على إلى الى عن مع أن ان إن أو او ثم حتى لا لم لن ما ماذا متى هل قد كما
كان كانت يكون تكون كانوا هو هي هم هن أنا انا نحن أنت هذا هذه ذلك تلك هؤلاء
الذي التي الذين اللذين اللتين اللاتي ذات ذو وقد وقال وكان وكانت وهو وهي ولا
وفي ومن وعلى وإلى وأن بين بعد قبل عند عندما حيث لدى لكن لكنه ولكن بل غير سوى
كل بعض أي اي أكثر اكثر أقل اقل كذلك أيضا ايضا فقط جدا إذا اذا إذ لأن لان لقد
فإن فان وإن بأن وأنه أنه انه إنه فيه فيها منه منها عليه عليها إليه إليها به بها
له لها لهم لهن عنه عنها هناك هنا الآن اليوم أمس خلال ضد نحو مثل دون منذ عام
قال قالت يقول تقول أضاف وأضاف أكد وأكد أشار وأشار أوضح وأوضح ذكر وذكر
حول ضمن لدي تم يتم التى الي علي اما أما وما ومع كلا وهذا وهذه وذلك وتلك
"""
STOPWORDS = frozenset(normalize(w) for w in _STOPWORDS_RAW.split())

# Light stemming: conjunction/preposition + article prefixes and a few
# plural/pronoun suffixes, only when a stem of 3+ letters is left.  Enough
# to match "والحكومة" with "حكومه" without a real morphological analyser.
_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال", "و")
_SUFFIXES = ("ات", "ون", "ين", "ها", "هم", "ه")
# Per normalised whitespace token ("والحكومه،"): its light stem ("" for a
# stopword or a number), and, only where it is not 1, its number of
# `words` minus one ("U.S." 1, "-" -1).  Shared by all articles of a build,
# so a token is analysed once and then only looked up, in C loops (map).
_extra_words: dict[str, int] = {}
_ZEROS = itertools.repeat(0)
_STEM = re.compile(
    "(?:" + "|".join(_PREFIXES) + ")?(.{3,}?)(?:" + "|".join(_SUFFIXES) + ")?",
    re.DOTALL,
)
_MAX_TOKENS = 200_000  # bound memory on huge builds


class _Stems(dict):
    """Token -> stem; a token not seen before is analysed on lookup (`__missing__`), so
    `map(_stems.__getitem__, tokens)` is one C loop with no second pass for new tokens."""

    def __missing__(self, token: str) -> str:
        pieces = [token] if token.isalpha() else _WORD.findall(token)
        if len(pieces) != 1:
            _extra_words[token] = len(pieces) - 1
        word = max(pieces, key=len) if pieces else ""
        if word in STOPWORDS or not word.isalpha():
            stem = ""
        else:
            stem = _STEM.fullmatch(word)[1] if len(word) > 3 else word
        self[token] = stem
        return stem


_stems = _Stems()


def _lookup(tokens: list[str]) -> list[str]:
    """The stems of `tokens`, analysing the ones not seen before."""
    if len(_stems) > _MAX_TOKENS:  # before, not during: _count needs this batch's _extra_words
        _stems.clear()
        _extra_words.clear()
    return list(map(_stems.__getitem__, tokens))


def _count(tokens: list[str]) -> int:
    """Number of `words` in normalised whitespace tokens."""
    return len(tokens) + sum(map(_extra_words.get, tokens, _ZEROS))


def _terms(text: str) -> set[str]:
    """Stemmed content words of `text`."""
    terms = set(_lookup(normalize(text).split()))
    terms.discard("")
    return terms


# --- preparing the text ----------------------------------------------------

# A line that ends like a sentence (or a list lead-in) is a real break.
_HARD_END = re.compile("[.!?:\u061f\u061b\u2026][\"'\u201d\u2019\u00bb)\\]]*$")


def _unwrap(text: str) -> str:
    """Join hard-wrapped lines (fixed-width text, as in EASC) back up.

    The splitter ends a sentence at every line break, which is right for
    one-paragraph-per-line news but cuts wrapped prose mid-sentence.  If
    most lines have nearly the same length, a line break after a line that
    does not end in punctuation is taken as a soft wrap.
    """
    lines = text.split("\n")
    if len(lines) < 3 or max(map(len, lines)) > 125:
        return text  # one paragraph per line (most web news)
    lengths = [len(line.rstrip()) for line in lines if line.strip()]
    if len(lengths) < 3:
        return text
    width = max(lengths)
    if width > 120 or sum(n >= 0.75 * width for n in lengths) < 0.5 * len(lengths):
        return text
    out = [lines[0]]
    for prev, line in itertools.pairwise(lines):
        stripped = prev.rstrip()
        soft = stripped and line.strip() and not _HARD_END.search(stripped) and len(stripped) >= 0.6 * width
        if soft:
            out[-1] = stripped
        out.append(" " if soft else "\n")
        out.append(line)
    return "".join(out)


def _split_title(text: str) -> tuple[str | None, str]:
    """A short first line without end punctuation is a headline, not prose."""
    head, sep, rest = text.lstrip().partition("\n")
    head = head.strip()
    if sep and rest.strip() and head and head[-1] not in ".!?\u061f\u061b\u2026:" and len(words(head)) <= 15:
        return head, rest
    return None, text


# --- ranking ---------------------------------------------------------------


_LOG_SIZE = 64
_USED = operator.itemgetter(0)
_LOG = [0.0] + [math.log(k) for k in range(1, _LOG_SIZE)]


_ENDS = (".", "!", "?", "\u061f", "\u061b", "\u2026", ":", '"', "'", "\u201d", "\u00bb", ")")
_HEADING_WORDS = 10


def _heading(spans: list[str], i: int) -> bool:
    """Whether sentence `i` is a short paragraph of its own that does not end like a sentence:
    a subheading, a caption, a credit ("فرانس24/ أ ف ب"), a list item, "اضغط هنا" -- not prose."""
    span = spans[i]
    alone = (i == 0 or "\n" in spans[i - 1]) and ("\n" in span or i == len(spans) - 1)
    return alone and not span.rstrip().endswith(_ENDS) and len(span.split()) <= _HEADING_WORDS


def summarize(text: str, max_words: int, title: str | None = None) -> list[str]:
    """Return the summary sentences of `text`, in source order.

    The first sentence is always in: news leads with its gist.  If it alone
    is longer than `max_words` it is the whole summary; otherwise the
    summary's total `words` count is at most `max_words`.
    Empty or whitespace-only text gives `[]`.  Without `title`, a short
    unpunctuated first line is taken as the title and left out.

    A summary is made for every article of every cold build: the time per
    article is measured in bench/README.md ("Summaries"), and so is quality
    (bench/summary_cv.py).
    """
    if not text.strip():
        return []
    text = _unwrap(text.replace("\r\n", "\n"))
    if title is None:
        title, body = _split_title(text)
    else:
        body = text
    spans = sentence_spans(body)
    if not spans:
        if title is None:
            return []
        spans = [title]
        title = None
    sentences = [span.strip() for span in spans]
    first = sentences[0]
    left = max_words - len(words(first))
    n = len(sentences)
    if left <= 0 or n == 1:
        return [first]

    w = WEIGHTS
    # One normalize() over the article, split into sentences (no sentence
    # holds a line break) and whitespace tokens; per-token work is cached
    # lookups in C loops (map, set, Counter).  Word counts here are those of
    # the normalised tokens; the chosen sentences are recounted at the end.
    folded = normalize("\n".join(sentences)).split("\n")
    if len(folded) != n:  # a line separator str.split("\n") does not know
        folded = [normalize(sentence) for sentence in sentences]
    tokens = [line.split() for line in folded]
    stems = _lookup(list(itertools.chain.from_iterable(tokens)))
    counts = list(map(_count, tokens))
    term_sets = []
    pair_sets = []
    start = 0
    for sentence_tokens in tokens:
        end = start + len(sentence_tokens)
        sentence_stems = [stem for stem in stems[start:end] if stem]
        term_sets.append(set(sentence_stems))
        pair_sets.append(set(itertools.pairwise(sentence_stems)))
        start = end

    # Centrality: a term used k > 1 times in the article adds log(k) to each
    # sentence that has it, i.e. only terms repeated in the article count.
    weight = {term: _LOG[k] if k < _LOG_SIZE else math.log(k) for term, k in Counter(stems).items() if k > 1}
    weight.pop("", None)
    shared = weight.keys()
    central = [
        sum(map(weight.__getitem__, terms & shared)) / math.sqrt(len(terms)) if terms else 0.0 for terms in term_sets
    ]
    centrality = w.centrality / (max(central) or 1.0)
    # Phrases: pairs of neighbouring content words (stopwords skipped) that
    # also occur in another sentence -- names and set terms the article keeps
    # coming back to ("الغاز الطبيعي", "جون كيري"), which single words miss.
    pair_count = Counter(itertools.chain.from_iterable(pair_sets))
    phrases = w.phrases
    recurring = [
        phrases * sum(map((1).__lt__, map(pair_count.__getitem__, pairs))) / len(pairs) if pairs else 0.0
        for pairs in pair_sets
    ]

    # Relevance of each sentence but the lead (which is always in).
    starts = [0] + ["\n" in span for span in spans[:-1]]
    paragraphs = list(itertools.accumulate(starts))
    position, decay = w.position, w.position_decay
    paragraph, paragraph_start = w.paragraph, w.paragraph_start
    relevance = [
        position / (1.0 + i) ** decay + paragraph / (1.0 + p) + paragraph_start * start + centrality * c + r
        for i, p, start, c, r in zip(range(n), paragraphs, starts, central, recurring, strict=True)
    ]
    if title:
        title_terms = _terms(title)
        if title_terms:
            share = w.title / len(title_terms)
            for i in range(1, n):
                relevance[i] += share * len(term_sets[i] & title_terms)

    # The best few sentences that fit, leaving out fragments and headings;
    # each is penalised by its overlap with the lead and with better-ranked
    # candidates (MMR, precomputed), and a near-repeat of one of them is
    # dropped.
    shortest = max(w.min_words, 1)
    ranked = sorted(
        (i for i in range(1, n) if shortest <= counts[i] <= left and not _heading(spans, i)),
        key=relevance.__getitem__,
        reverse=True,
    )
    duplicate, redundancy, room = w.duplicate, w.redundancy, w.candidates
    kept: list[int] = []
    seen = [(term_sets[0], len(term_sets[0]))] if term_sets[0] else []
    for i in ranked:
        terms = term_sets[i]
        size = len(terms)
        overlap = 0.0
        if size:
            for other, other_size in seen:
                common = len(terms & other)
                if common:
                    overlap = max(overlap, common / min(size, other_size))
        if overlap >= duplicate:
            continue
        relevance[i] = max(relevance[i] - redundancy * overlap, 1e-6)
        kept.append(i)
        if len(kept) == room:
            break
        if size:
            seen.append((terms, size))

    # 0/1 knapsack over the word budget, kept as a Pareto frontier of
    # (words used, value, chosen): a state that uses more words for no more
    # value is dropped, and of two that use the same words only the better is
    # kept, so the frontier holds at most one state per word count.
    frontier: list[tuple[int, float, tuple[int, ...]]] = [(0, 0.0, ())]
    sharpness, fill = w.sharpness, w.fill
    top = max((relevance[i] for i in kept), default=1.0)
    for i in kept:
        cost = counts[i]
        value = cost * ((relevance[i] / top) ** sharpness + fill)
        grown = [(used + cost, total + value, (*chosen, i)) for used, total, chosen in frontier if used + cost <= left]
        if not grown:
            continue
        merged = frontier + grown
        merged.sort(key=_USED)  # stable, and both halves are sorted already
        frontier = []
        best = -1.0
        for state in merged:
            if state[1] > best:
                if frontier and frontier[-1][0] == state[0]:
                    frontier[-1] = state
                else:
                    frontier.append(state)
                best = state[1]
    chosen = sorted(frontier[-1][2])
    # The counts above are exact unless normalising removed tatweel or
    # diacritics (which can merge or drop a token): then recount with
    # words() and drop the weakest sentences while over budget.
    if any(_DIACRITICS.search(sentences[i]) for i in chosen):
        exact = {i: len(words(sentences[i])) for i in chosen}
        while sum(exact.values()) > left:
            del exact[min(exact, key=relevance.__getitem__)]
        chosen = sorted(exact)
    return [first] + [sentences[i] for i in chosen]


def summary_text(text: str, max_words: int, title: str | None = None) -> str:
    """Return the summary of `text` as one paragraph (sentences joined by a space)."""
    return " ".join(summarize(text, max_words, title))


# --- command line ----------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """`summarize FILE [--words N]`: print FILE's summary as UTF-8."""
    parser = argparse.ArgumentParser(prog="python -m digest.summarize", description=main.__doc__)
    parser.add_argument("file", help="plain-text or front-matter article file")
    parser.add_argument("--words", type=int, default=100, help="word budget")
    args = parser.parse_args(argv)
    from digest.content import title_and_body

    title, body = title_and_body(args.file)
    out = summary_text(body, args.words, title)
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        print(out)
    else:
        sys.stdout.flush()
        buffer.write((out + "\n").encode("utf-8"))
        buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

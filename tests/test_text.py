"""Tests for digest.text: splitter exceptions, real ANT excerpts, properties."""

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.text import normalize, sentence_spans, split_sentences, words


def test_basic_split_keeps_text():
    text = "قال الوزير إن الاتفاق قريب. وأضاف أن المحادثات مستمرة! هل ينجح؟ ربما"
    assert split_sentences(text) == [
        "قال الوزير إن الاتفاق قريب.",
        "وأضاف أن المحادثات مستمرة!",
        "هل ينجح؟",
        "ربما",
    ]
    assert "".join(sentence_spans(text)) == text


@given(st.text())
@settings(max_examples=300)
def test_spans_join_back_any_text(text):
    spans = sentence_spans(text)
    if text.strip():
        assert "".join(spans) == text
    else:
        assert spans == []
    assert all(piece.strip() for piece in spans)
    assert all(split_sentences(text))


def test_normalize_and_words_smoke():
    assert normalize("مُحَمَّدٌ أَحْمَد") == "محمد احمد"
    assert words("قال: 3.5 مليون!") == ["قال", "3.5", "مليون"]


def test_missing_space_between_arabic_sentences_splits():
    assert split_sentences("ارتفع الإنتاج سنويا.وبلغت النسبة 5%") == [
        "ارتفع الإنتاج سنويا.",
        "وبلغت النسبة 5%",
    ]
    assert split_sentences('نقلت شبكة سي.إن.إن عن "العربية.نت" الخبر.') == [
        'نقلت شبكة سي.إن.إن عن "العربية.نت" الخبر.'
    ]

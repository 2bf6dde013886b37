"""Tests for digest.text: the sentence splitter, normalisation and word tokens.

The Arabic excerpts are copied from ANT corpus articles (BBC, CNN, France24,
SkyNews, AlArabiya, 2018), so the splitter is checked on real news text.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.text import normalize, sentence_spans, split_sentences, words

# --- real ANT excerpts -------------------------------------------------------

BBC = (
    'واحتل فيلم "لا يسعني فقط إلا أن أتخيل" في المرتبة الثالثة، متخطيا '
    "التوقعات، حيث حقق 17.1 مليون دولار من 1629 دارا للعرض. وتتوقع لايونزغت "
    "رودسايد أتراكشنز، الشركة المنتجة للفيلم، توسع عرض الفيلم في ألفي دار عرض "
    "الأسبوع القادم."
)
FRANCE24 = (
    "وذكرت ناطقة باسم شرطة لندن أن عناصرها استدعوا إلى فندق في بارك لاين في "
    "وسط العاصمة البريطانية عند الساعة 09:05 ت غ من صباح الاثنين بسبب "
    '"وفاة مفاجئة". ولم تؤكد الناطقة هوية الشخص المتوفي.'
)
CNN_TITLE = "كيف تتصرف إن اكتشفت خيانة زوجتك؟ مستشار سعودي بالطب النفسي يجيب"
ALARABIYA = (
    "قررت الفنانة #إليسا أن ترد على كل ما أثير حولها في الأيام الماضية، وذلك من "
    'خلال حسابها الرسمي عبر موقع التواصل الاجتماعي "تويتر".\n'
    'بعد الجدل الذي تسببت فيه أغنيتها الجديدة "إلى كل اللي بيحبوني"، والتي قيل '
    "إن لحنها مسروق من أغنية للفنانة #يارا.\n"
    'حيث غردت إليسا قائلة "إلى كل اللي بيحاربوني انتوا بتقووني".. موضحة أن '
    "شادي نور هو من أرسل إليها هذه الكلمات.\n"
)
SKYNEWS = (
    "وقال المحققون الدوليون، في جنيف، إن قوات النظام أطلقت غاز الكلور، في "
    "هجمات تمثل «جرائم حرب». كما أكدت على الالتزام بتحسين الممارسات "
    "الخاصة بنظافة الأيادي للمساعدة في إنقاذ المزيد من الأرواح»."
)


def test_ant_bbc_decimal_number_is_not_a_boundary():
    assert split_sentences(BBC) == [
        'واحتل فيلم "لا يسعني فقط إلا أن أتخيل" في المرتبة الثالثة، متخطيا '
        "التوقعات، حيث حقق 17.1 مليون دولار من 1629 دارا للعرض.",
        "وتتوقع لايونزغت رودسايد أتراكشنز، الشركة المنتجة للفيلم، توسع عرض "
        "الفيلم في ألفي دار عرض الأسبوع القادم.",
    ]


def test_ant_france24_time_and_closing_quote():
    first, second = split_sentences(FRANCE24)
    assert "09:05" in first
    assert first.endswith('"وفاة مفاجئة".')
    assert second == "ولم تؤكد الناطقة هوية الشخص المتوفي."


def test_ant_cnn_arabic_question_mark():
    assert split_sentences(CNN_TITLE) == [
        "كيف تتصرف إن اكتشفت خيانة زوجتك؟",
        "مستشار سعودي بالطب النفسي يجيب",
    ]


def test_ant_alarabiya_lines_and_double_dot():
    sentences = split_sentences(ALARABIYA)
    assert len(sentences) == 4
    assert sentences[0].endswith('"تويتر".')
    assert sentences[1].endswith("#يارا.")
    assert sentences[2] == 'حيث غردت إليسا قائلة "إلى كل اللي بيحاربوني انتوا بتقووني"..'
    assert sentences[3].startswith("موضحة أن")
    assert "".join(sentence_spans(ALARABIYA)) == ALARABIYA


def test_ant_skynews_guillemets_stay_with_sentence():
    first, second = split_sentences(SKYNEWS)
    assert first.endswith("«جرائم حرب».")
    assert second.endswith("الأرواح».")


# --- exceptions: where a period does not end a sentence ----------------------


@pytest.mark.parametrize(
    "text",
    [
        "ارتفع المؤشر 3.5 في المئة اليوم",
        "وقع الاتفاق في 01.09.2016 في جنيف",
        "بلغ العدد 1,000 شخص",
        "وقع الانفجار عند الساعة 14:46 بالتوقيت المحلي",
        "نما الاقتصاد ٣٫٥ في المئة و٣.٥ في العام الماضي",
        "التقى Mr. Smith مع Dr. Jones أمس",
        "اتصل J. Kerry بنظيره الروسي",
        "قالت الولايات المتحدة U.S. إنها سترد",
        "هناك أمثلة e.g. هذه",
        "قال د. أحمد زويل إن العلم مهم",
        "وأشرف م. خالد على المشروع",
        "انظر ص. 12 من التقرير",
        "زوروا http://x.com/a.b?c=d للمزيد",
        "زوروا www.bbc.co.uk للمزيد",
        "راسلونا على news.desk@example.co.uk اليوم",
        "نقلت شبكة سي.إن.إن عن موقع العربية.نت الخبر",
        "طائرة من طراز إيه.تي.آر تحطمت",
    ],
)
def test_no_split_inside(text):
    assert split_sentences(text) == [text]


def test_url_at_sentence_end_still_ends_it():
    assert split_sentences("زوروا www.bbc.co.uk. ثم عودوا") == [
        "زوروا www.bbc.co.uk.",
        "ثم عودوا",
    ]


def test_era_letter_after_year_ends_sentence():
    # "م." after a year is the calendar era, not an abbreviation.
    assert split_sentences("توفي في فيينا عام 1827 م. وترك أعمالا خالدة") == [
        "توفي في فيينا عام 1827 م.",
        "وترك أعمالا خالدة",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("هل انتهى؟ لا.", ["هل انتهى؟", "لا."]),
        ("أولا؛ ثانيا", ["أولا؛", "ثانيا"]),
        ("ثم… انتهى", ["ثم…", "انتهى"]),
        ("ثم... انتهى", ["ثم...", "انتهى"]),
        ("رائع! جدا", ["رائع!", "جدا"]),
        ('قال: "انتهى." ثم غادر', ['قال: "انتهى."', "ثم غادر"]),
        ("قال (انتهى!) ثم غادر", ["قال (انتهى!)", "ثم غادر"]),
        ("قال «انتهى؟» ثم غادر", ["قال «انتهى؟»", "ثم غادر"]),
        ("Done.” Next", ["Done.”", "Next"]),
        ("سطر أول\nسطر ثان", ["سطر أول", "سطر ثان"]),
        ("فقرة أولى\n\nفقرة ثانية", ["فقرة أولى", "فقرة ثانية"]),
        ("ارتفع سنويا.وبلغت النسبة", ["ارتفع سنويا.", "وبلغت النسبة"]),
        ("الخشب .فالعود آلة", ["الخشب .", "فالعود آلة"]),
        ("عام 2004.سوف يبدأ", ["عام 2004.", "سوف يبدأ"]),
    ],
)
def test_sentence_ends(text, expected):
    assert split_sentences(text) == expected


def test_whitespace_goes_to_preceding_piece():
    text = "  أولا.  ثانيا!\n\n  ثالثا  "
    assert sentence_spans(text) == ["  أولا.  ", "ثانيا!\n\n  ", "ثالثا  "]


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t\u3000 "])
def test_whitespace_only_text_has_no_sentences(text):
    assert sentence_spans(text) == []
    assert split_sentences(text) == []


# --- properties ----------------------------------------------------------------

ARABIC_NEWS_ALPHABET = st.sampled_from(
    list("ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئىة")
    + list("ًٌٍَُِّْـ")
    + list("0123456789٠١٢٣٤٥٦٧٨٩٫٬")
    + list(".!?؟؛…،,:;\"'”’»«)(][-/@")
    + list("abcJKUS")
    + [" ", " ", " ", "\n", "\n\n", "\t", "\u00a0", "\r\n", "..."]
)


def _check_spans(text):
    spans = sentence_spans(text)
    if text.strip():
        assert "".join(spans) == text
    else:
        assert spans == []
    for piece in spans:
        assert piece and not piece.isspace()
    for sentence in split_sentences(text):
        assert sentence and sentence == sentence.strip()


@given(st.text())
@settings(max_examples=500)
def test_spans_join_back_any_text(text):
    _check_spans(text)


@given(st.lists(ARABIC_NEWS_ALPHABET, max_size=200).map("".join))
@settings(max_examples=500)
def test_spans_join_back_arabic_text(text):
    _check_spans(text)


# --- normalisation and words --------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("مُحَمَّدٌ", "محمد"),
        ("أحمد إبراهيم آدم ٱلله", "احمد ابراهيم ادم الله"),
        ("مستشفى", "مستشفي"),
        ("مدرسة", "مدرسه"),
        ("مؤتمر رئيس", "موتمر رييس"),
        ("جمـــيل", "جميل"),
        ("القرآنُ ۖ", "القران "),
        ("Kerry 3.5", "Kerry 3.5"),
    ],
)
def test_normalize(raw, folded):
    assert normalize(raw) == folded


def test_normalize_is_idempotent():
    text = "أَإِآٱ ى ة ؤ ئ ـ"
    assert normalize(normalize(text)) == normalize(text)


def test_words():
    assert words("قال: 3.5 مليون!") == ["قال", "3.5", "مليون"]
    assert words("مُحَمَّدٌ، و1,000 دولار (٣٫٥)") == ["مُحَمَّدٌ", "و1,000", "دولار", "٣٫٥"]
    assert words("John Kerry - U.S.") == ["John", "Kerry", "U", "S"]
    assert words("... — ،") == []


@given(st.text())
def test_word_count_ignores_diacritics(text):
    assert len(words(normalize(text))) <= len(words(text)) + text.count("ـ")

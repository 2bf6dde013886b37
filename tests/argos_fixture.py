"""Build a small but REAL Argos Translate package for tests and benchmarks.

There is no network here and no real Arabic->English model, so tests need a
package that goes through exactly the same code paths as ``translate-ar_en``:
a zip with a top-level directory holding ``metadata.json``,
``sentencepiece.model`` and a CTranslate2 Transformer in ``model/``.

The SentencePiece model is trained on the fly on the Arabic and English text
below (one shared vocabulary, like many Argos packages), and the Transformer
gets seeded random weights, so the "translations" are gibberish but
deterministic for a given package.  The output layer's bias favours ``</s>``
so that decoding stops after a handful of tokens instead of running to
``max_decoding_length``.

Size parameters scale up to a base-size model for benchmarks::

    build_argos_package(out, layers=(6, 6), d_model=512, heads=8, ffn=2048,
                        vocab_size=32000)

A 32k vocabulary needs far more text than the literal paragraphs here, so
when ``vocab_size`` is large the training text is topped up with generated
pseudo-words (deterministic for ``seed``); pass ``corpus=`` (a UTF-8 text
file, one sentence per line) to train on real text instead.  The vocabulary
size is a target: SentencePiece may end a little short on a tiny corpus.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import sentencepiece as spm


def _import_specs():
    """``ctranslate2.specs`` without torch.

    It imports torch only to accept torch tensors; with numpy weights that is
    5+ seconds of test time for nothing.  If torch is already loaded it is
    used as is.
    """
    if "torch" in sys.modules or "ctranslate2.specs" in sys.modules:
        import ctranslate2.specs as specs

        return specs
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes "import torch" fail
    try:
        import ctranslate2.specs as specs
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return specs


_specs = _import_specs()
TransformerSpec = _specs.TransformerSpec
common_spec = _specs.common_spec

__all__ = ["ARABIC_SENTENCES", "ENGLISH_SENTENCES", "build_argos_package"]

ARABIC_SENTENCES: tuple[str, ...] = (
    "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في العاصمة.",
    "قال رئيس الوزراء إن الحكومة ستخفض الضرائب على الشركات الصغيرة.",
    "ارتفعت أسعار النفط في الأسواق العالمية للأسبوع الثالث على التوالي.",
    "فاز المنتخب الوطني على نظيره بهدفين مقابل هدف واحد.",
    "تستضيف المدينة مهرجانا ثقافيا يستمر عشرة أيام.",
    "حذرت الأرصاد الجوية من موجة حر شديدة خلال نهاية الأسبوع.",
    "وقع البلدان اتفاقية للتعاون في مجال الطاقة المتجددة.",
    "افتتح وزير التعليم مدرسة حديثة في القرية الجنوبية.",
    "تراجعت نسبة البطالة إلى أدنى مستوى لها منذ عشر سنوات.",
    "أكد المتحدث باسم الخارجية أن المفاوضات ما زالت مستمرة.",
    "شارك آلاف الطلاب في معرض الكتاب الدولي هذا العام.",
    "أطلقت الشركة هاتفا ذكيا جديدا بسعر منافس.",
    "هل ستنجح الخطة الاقتصادية الجديدة في خفض التضخم؟",
    "بدأت أعمال ترميم المسجد التاريخي في وسط المدينة القديمة.",
    "أعلن البنك المركزي تثبيت سعر الفائدة دون تغيير.",
    "استقبل الرئيس وفدا من رجال الأعمال الأجانب في القصر.",
    "انخفضت درجات الحرارة بشكل ملحوظ في المناطق الشمالية.",
    "نظمت الجامعة مؤتمرا دوليا عن الذكاء الاصطناعي.",
    "ناقش البرلمان مشروع قانون جديد لحماية البيئة.",
    "تم تأجيل المباراة بسبب الأمطار الغزيرة.",
    "سجلت الصادرات الزراعية نموا كبيرا في الربع الأول.",
    "دعت المنظمة إلى وقف فوري لإطلاق النار وحماية المدنيين.",
    "يعاني سكان الحي من انقطاع الكهرباء منذ يومين.",
    "افتتح المتحف معرضا للفنون الإسلامية والخط العربي.",
    "قررت البلدية توسيع الطريق الرئيسي لتخفيف الازدحام.",
    "حصلت الباحثة على جائزة تقديرا لأبحاثها في علم الوراثة.",
    "تتوقع الحكومة أن يرتفع النمو الاقتصادي العام المقبل.",
    "اجتمع وزراء الخارجية العرب لبحث الأوضاع في المنطقة.",
    "أعلنت شركة الطيران عن رحلات جديدة إلى أوروبا وآسيا.",
    "وصل عدد السياح إلى رقم قياسي خلال فصل الصيف.",
    "قالت الشرطة إنها ألقت القبض على عصابة لسرقة السيارات.",
    "بدأ موسم حصاد القمح في السهول الخصبة.",
    "أظهرت دراسة حديثة أن المشي يوميا يحسن صحة القلب.",
    "طالب المعلمون بزيادة الرواتب وتحسين ظروف العمل.",
    "أطلقت وكالة الفضاء قمرا صناعيا لرصد المناخ.",
    "تحتفل البلاد غدا بعيدها الوطني بعروض ومسيرات.",
    "ارتفع عدد المصابين بالإنفلونزا مع بداية الشتاء.",
    "وافق مجلس الإدارة على خطة لتوسيع المصنع.",
    "انتهت الانتخابات البلدية بمشاركة واسعة من الناخبين.",
    "يسعى المزارعون إلى استخدام تقنيات ري حديثة لتوفير المياه.",
    "في عام ٢٠٢٤ بلغ عدد السكان ١٢ مليون نسمة.",
    "أسعار الذهب تسجل ارتفاعا جديدا، والدولار يتراجع.",
)

ENGLISH_SENTENCES: tuple[str, ...] = (
    "The ministry of health announced today the opening of a new hospital.",
    "The prime minister said the government will cut taxes on small businesses.",
    "Oil prices rose on world markets for the third week in a row.",
    "The national team beat its rival by two goals to one.",
    "The city is hosting a cultural festival that lasts ten days.",
    "Forecasters warned of a severe heat wave over the weekend.",
    "The two countries signed an agreement on renewable energy.",
    "The education minister opened a modern school in the southern village.",
    "Unemployment fell to its lowest level in ten years.",
    "A foreign ministry spokesman said negotiations are still going on.",
    "Thousands of students took part in the international book fair.",
    "The company launched a new smartphone at a competitive price.",
    "Will the new economic plan succeed in reducing inflation?",
    "Restoration of the historic mosque in the old city has begun.",
    "The central bank kept its interest rate unchanged.",
    "The president received a delegation of foreign business people.",
    "Temperatures dropped sharply in the northern regions.",
    "The university organised an international conference on AI.",
    "Parliament discussed a new bill to protect the environment.",
    "The match was postponed because of heavy rain.",
    "Agricultural exports grew strongly in the first quarter.",
    "The organisation called for an immediate ceasefire.",
    "Residents have been without electricity for two days.",
    "The museum opened an exhibition of Islamic art and calligraphy.",
    "In 2024 the population reached 12 million people.",
    "Gold prices hit a new high, while the dollar slipped.",
)

# Letters for the pseudo-words that pad a large vocabulary.
_ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهويةىءأإؤئ"
_LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Rows of decoder position encodings: more than any max_decoding_length used.
_MAX_POSITIONS = 1024
# </s> logit = _EOS_WEIGHT * (ramp - 1); _RAMP scales the ramp so that </s>
# wins after about ``output_tokens`` steps (calibrated on several sizes).
_EOS_WEIGHT = 40.0
_RAMP = 1.0
# E[max(0, x)] for x ~ N(0, 1): the mean a ReLU adds to every state.
_RELU_MEAN = 0.3989


def _pseudo_words(count: int, seed: int, exclude: set[str]) -> list[str]:
    """``count`` distinct random words (half Arabic, half Latin letters)."""
    rng = np.random.default_rng(seed)
    alphabets = [np.array(list(_ARABIC_LETTERS)), np.array(list(_LATIN_LETTERS))]
    words: set[str] = set()
    ordered: list[str] = []
    while len(ordered) < count:
        letters = alphabets[len(ordered) % 2]
        # "▁" (SentencePiece's word boundary) makes decoded output spaced.
        word = "\u2581" + "".join(rng.choice(letters, int(rng.integers(3, 8))))
        if word not in words and word not in exclude:
            words.add(word)
            ordered.append(word)
    return ordered


def _train(lines: list[str], vocab_size: int, user_symbols: list[str]) -> bytes:
    """One SentencePiece unigram training run; ids 0/1/2 are <unk>, <s>, </s>."""
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=buffer,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        user_defined_symbols=user_symbols,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        minloglevel=2,
    )
    return buffer.getvalue()


def _train_sentencepiece(vocab_size: int, seed: int, corpus: Path | None, symbols: list[str]) -> bytes:
    """Train on the literal sentences (plus ``corpus``), padded to ``vocab_size``.

    A unigram model on a small text stops well short of a large vocabulary
    (the literal sentences give ~480 pieces), and training on enough generated
    text for 32k pieces takes minutes.  So the natural pieces are learned
    first and the rest of the vocabulary is filled with pseudo-words as
    user-defined symbols: the vocabulary (what the softmax and embeddings
    cost) has the requested size in well under a second.  ``symbols`` (a
    target prefix token) are always single pieces.
    """
    lines = list(ARABIC_SENTENCES) + list(ENGLISH_SENTENCES)
    if corpus is not None:
        lines += [ln for ln in corpus.read_text(encoding="utf-8").splitlines() if ln.strip()]
    model = _train(lines, vocab_size, symbols)
    extra: list[str] = []
    for _ in range(4):  # each retraining may lose a few natural pieces
        processor = spm.SentencePieceProcessor(model_proto=model)
        missing = vocab_size - processor.get_piece_size()
        if missing <= 0:
            break
        pieces = {processor.id_to_piece(i) for i in range(processor.get_piece_size())}
        extra += _pseudo_words(missing, seed + len(extra), pieces | set(extra))
        model = _train(lines, vocab_size, symbols + extra)
    return model


def _linear(
    spec: common_spec.LinearSpec, rng: np.random.Generator, out: int, inp: int, gain: float = 1.0
) -> None:
    """Random weight with std gain/sqrt(inp) (activations keep their scale), zero bias."""
    spec.weight = rng.normal(0.0, gain * inp**-0.5, (out, inp)).astype(np.float32)
    spec.bias = np.zeros(out, dtype=np.float32)


def _ffn(spec, rng: np.random.Generator, d_model: int, ffn: int, gain: float) -> None:
    """Feed-forward block whose ReLU mean is cancelled by the output bias.

    Without that, every state shares one direction and one token wins every
    decoding step.
    """
    _norm(spec.layer_norm, d_model)
    _linear(spec.linear_0, rng, ffn, d_model)
    _linear(spec.linear_1, rng, d_model, ffn, gain)
    spec.linear_1.bias = (-_RELU_MEAN * spec.linear_1.weight.sum(axis=1)).astype(np.float32)


def _norm(spec: common_spec.LayerNormSpec, d_model: int) -> None:
    spec.gamma = np.ones(d_model, dtype=np.float32)
    spec.beta = np.zeros(d_model, dtype=np.float32)


def _build_spec(
    vocab: list[str],
    *,
    layers: tuple[int, int],
    d_model: int,
    heads: int,
    ffn: int,
    seed: int,
    output_tokens: float,
    latin_only: bool = False,
) -> TransformerSpec:
    """A pre-norm Transformer (the OpenNMT-py layout Argos models use), seeded.

    Sublayer outputs are scaled by 1/sqrt(number of sublayers) so the residual
    stream has about the same scale at any depth, which keeps the output
    length calibration below independent of the model size.
    """
    rng = np.random.default_rng(seed)
    spec = TransformerSpec.from_config(layers, heads)
    size = len(vocab)
    enc, dec = spec.encoder, spec.decoder
    enc_gain = (2 * layers[0]) ** -0.5
    dec_gain = (3 * layers[1]) ** -0.5

    enc.embeddings[0].weight = rng.normal(0.0, d_model**-0.5, (size, d_model)).astype(np.float32)
    for layer in enc.layer:
        _norm(layer.self_attention.layer_norm, d_model)
        _linear(layer.self_attention.linear[0], rng, 3 * d_model, d_model)
        _linear(layer.self_attention.linear[1], rng, d_model, d_model, enc_gain)
        _ffn(layer.ffn, rng, d_model, ffn, enc_gain)
    _norm(enc.layer_norm, d_model)

    # Decoding must stop by itself and vary with the source, or a random model
    # loops on one token until max_decoding_length.  So the decoder gets its
    # own position encodings: random rows (each step differs) plus a ramp in
    # dimension 0 that no layer reads or writes and only the </s> logit sees;
    # </s> wins after about ``output_tokens`` steps.  Token embeddings are
    # weak so the previous token does not decide the next one.
    dec.embeddings.weight = rng.normal(0.0, 0.3 * d_model**-0.5, (size, d_model)).astype(
        np.float32
    )
    dec.embeddings.weight[:, 0] = 0.0
    positions = rng.normal(0.0, 0.5, (_MAX_POSITIONS, d_model)).astype(np.float32)
    positions[:, 0] = np.arange(_MAX_POSITIONS, dtype=np.float32) * (_RAMP / output_tokens)
    dec.position_encodings.encodings = positions
    for layer in dec.layer:
        _norm(layer.self_attention.layer_norm, d_model)
        _linear(layer.self_attention.linear[0], rng, 3 * d_model, d_model)
        _linear(layer.self_attention.linear[1], rng, d_model, d_model, dec_gain)
        _norm(layer.attention.layer_norm, d_model)
        _linear(layer.attention.linear[0], rng, d_model, d_model)
        _linear(layer.attention.linear[1], rng, 2 * d_model, d_model)
        _linear(layer.attention.linear[2], rng, d_model, d_model, dec_gain)
        _ffn(layer.ffn, rng, d_model, ffn, dec_gain)
        for out in (layer.self_attention.linear[1], layer.attention.linear[2], layer.ffn.linear_1):
            out.weight[0, :] = 0.0
            out.bias[0] = 0.0
        for inp in (layer.self_attention.linear[0], layer.attention.linear[0], layer.ffn.linear_0):
            inp.weight[:, 0] = 0.0
    _norm(dec.layer_norm, d_model)

    # Logits with std ~3 make argmax decisions clear-cut (stable under int8
    # and batching).
    _linear(dec.projection, rng, size, d_model, 3.0)
    eos = vocab.index("</s>")
    dec.projection.weight[:, 0] = 0.0
    dec.projection.weight[eos, :] = 0.0
    dec.projection.weight[eos, 0] = _EOS_WEIGHT
    dec.projection.bias[eos] = -_EOS_WEIGHT
    if latin_only:
        # Only pieces of Latin letters can win, and never </s>: the output is English-looking
        # text that runs on until the length cap, as a real model does when it loops.
        for index, piece in enumerate(vocab):
            letters = piece.replace("\u2581", "")
            if not (letters and letters.isascii() and letters.isalpha()):
                dec.projection.weight[index, :] = 0.0
                dec.projection.bias[index] = -1e4

    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    return spec


def build_argos_package(
    out_dir: Path,
    *,
    version: str = "1.0",
    layers: tuple[int, int] = (2, 2),
    d_model: int = 64,
    heads: int = 4,
    ffn: int = 128,
    vocab_size: int = 400,
    seed: int = 0,
    corpus: Path | None = None,
    output_tokens: float = 16.0,
    target_prefix: str = "",
    from_code: str = "ar",
    to_code: str = "en",
    latin_only: bool = False,
    code: str | None = None,
) -> Path:
    """Build ``translate-<from>_<to>-<version>.argosmodel`` in ``out_dir``; return its path.

    The zip holds one top-level directory (named like Argos's own packages,
    e.g. ``translate-ar_en-1_0/``) with ``metadata.json``,
    ``sentencepiece.model``, ``README.md`` and ``model/`` (CTranslate2,
    float32 weights).  The same ``seed`` gives the same weights and
    vocabulary; ``version`` changes only the metadata and the names, so two
    versions translate identically.  ``output_tokens`` is roughly the length
    of every translation, in tokens (a random model has no notion of length).
    ``latin_only``: the model writes only Latin pieces and never stops by itself
    (it runs to the length cap). ``code``: metadata.json's ``code``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    top = f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    sp_bytes = _train_sentencepiece(vocab_size, seed, corpus, [target_prefix] if target_prefix else [])
    processor = spm.SentencePieceProcessor(model_proto=sp_bytes)
    vocab = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    spec = _build_spec(
        vocab,
        layers=layers,
        d_model=d_model,
        heads=heads,
        ffn=ffn,
        seed=seed,
        output_tokens=output_tokens,
        latin_only=latin_only,
    )
    metadata = {
        "package_version": version,
        "argos_version": "1.9.0",
        "from_code": from_code,
        "from_name": "Arabic" if from_code == "ar" else from_code,
        "to_code": to_code,
        "to_name": "English" if to_code == "en" else to_code,
        "type": "translate",
        "name": f"{from_code}_{to_code} test model",
        "links": [],
    }
    if target_prefix:
        metadata["target_prefix"] = target_prefix
    if code:
        metadata["code"] = code

    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        package_dir = Path(tmp) / top
        (package_dir / "model").mkdir(parents=True)
        spec.save(str(package_dir / "model"))
        (package_dir / "sentencepiece.model").write_bytes(sp_bytes)
        (package_dir / "metadata.json").write_text(
            json.dumps(metadata, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        (package_dir / "README.md").write_text("Test package with random weights.\n")
        zip_path = out_dir / f"{top}.argosmodel"
        partial = out_dir / f"{top}.argosmodel.partial"
        # Stored, not deflated: random float32 weights do not compress, and
        # deflating a base-size model takes most of a minute.
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as zf:
            for file in sorted(package_dir.rglob("*")):
                zf.write(file, file.relative_to(tmp).as_posix())
        shutil.move(partial, zip_path)
    return zip_path

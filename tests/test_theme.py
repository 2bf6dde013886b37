"""Static checks of the theme and the templates' output, with lxml and html5lib (no browser).

What "interface text" means here (the language rule):
  Every text node in <body>, and every aria-label, title, alt and placeholder attribute, has an
  effective language: the lang= of its nearest element that has one (for an element's text the
  element itself, for its tail its parent). Text whose effective language is "ar" must hold no
  Latin letter [A-Za-z]; text whose effective language is "en" must hold no Arabic letter.
  Content is exempt, and content is exactly: anything inside an element carrying the
  data-content attribute (article titles, summaries, Markdown bodies), inside <bdi> (sources,
  authors, tags, model names), or inside <script>, <style>, <pre>, <code>. So Latin inside an
  Arabic page is fine only when it is content or when its element says lang="en" (the language
  switch, which names the other language in that language, as is the convention), and the same
  way round on English pages. Dates are interface text too, and must sit inside <time datetime>.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import date, datetime
from pathlib import Path

import html5lib
import pytest
from conftest_browser import MIXED, SEED, THEME, build_sample, html_pages, page_lang

BASE = "https://digest.example/news"
CSS = THEME / "style.css"

LATIN = re.compile(r"[A-Za-z]")
ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u0870-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
YEAR = re.compile(r"(?<![\d\u0660-\u0669])(?:19|20|١٩|٢٠)[\d\u0660-\u0669]{2}(?![\d\u0660-\u0669])")
EXEMPT_TAGS = {"script", "style", "pre", "code", "bdi", "template"}
CHECKED_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")

# Physical properties that would not mirror on Arabic pages. An exception needs a line of its own
# in the stylesheet ending in the comment /* physical: <reason> */; there is none today.
PHYSICAL = re.compile(
    r"(?<![\w-])(?:scroll-)?(?:margin|padding|border)-(?:left|right)(?:-[a-z]+)?\s*:"
    r"|(?<![\w-])border-(?:top|bottom)-(?:left|right)-radius\s*:"
    r"|(?<![\w-])(?:left|right)\s*:"
    r"|(?<![\w-])(?:text-align|float|clear)\s*:\s*(?:left|right)\b"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_sample(tmp_path_factory.mktemp("theme"), BASE + "/")


@pytest.fixture(scope="module")
def docs(site) -> dict[Path, object]:
    """Every generated page, parsed once."""
    return {path: parse(path) for path in html_pages(site)}


def parse(path: Path):
    return html5lib.parse(path.read_bytes(), treebuilder="lxml", namespaceHTMLElements=False)


def css_text() -> str:
    return CSS.read_text(encoding="utf-8")


def without_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), css, flags=re.S)


# --- the stylesheet -------------------------------------------------------------------------


def test_stylesheet_uses_logical_properties_only():
    raw = css_text().splitlines()
    clean = without_comments(css_text()).splitlines()
    found = [f"style.css:{n}: {line.strip()}" for n, (line, original) in enumerate(zip(clean, raw, strict=True), 1)
             if PHYSICAL.search(line) and "/* physical:" not in original]
    assert not found, "physical left/right properties (use the logical ones):\n" + "\n".join(found)
    css = without_comments(css_text())
    for logical in ("margin-inline", "padding-inline", "padding-block", "inset-inline-start",
                    "border-inline-start", "text-align: start"):
        assert logical in css, logical


def test_stylesheet_has_dark_mode_print_focus_and_no_framework():
    css = without_comments(css_text())
    assert re.search(r"@media\s*\(\s*prefers-color-scheme:\s*dark\s*\)", css)
    assert re.search(r"@media\s+print\b", css)
    assert ":focus-visible" in css and "outline" in css
    assert "@import" not in css  # one file, nothing pulled in from elsewhere
    assert len(list(THEME.glob("*.css"))) == 1, "one stylesheet for both directions"


def test_fonts_are_bundled_with_their_license_and_referenced_locally():
    css = without_comments(css_text())
    faces = re.findall(r"@font-face\s*{(.*?)}", css, flags=re.S)
    assert faces, "no @font-face"
    weights = set()
    for face in faces:
        assert "Noto Naskh Arabic" in face
        weights.update(re.findall(r"font-weight:\s*(\d+)", face))
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", face):
            assert not re.match(r"^(?:[a-z][a-z0-9+.-]*:|//)", url, re.I), f"font from elsewhere: {url}"
            font = (THEME / url).resolve()
            assert font.is_file() and font.suffix == ".woff2", url
            assert font.read_bytes()[:4] == b"wOF2", f"{url} is not a woff2 file"
    assert weights == {"400", "700"}
    for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css):
        assert not re.match(r"^(?:[a-z][a-z0-9+.-]*:|//)", url, re.I), f"stylesheet loads {url}"
    license_text = (THEME / "fonts" / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL Open Font License" in license_text and "Noto Project Authors" in license_text


def _palette(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", block))


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_both_palettes_meet_wcag_aa_contrast():
    css = without_comments(css_text())
    light = _palette(css[css.index(":root {") : css.index("}", css.index(":root {"))])
    dark_at = css.index("prefers-color-scheme: dark")
    dark = {**light, **_palette(css[dark_at : css.index("}", css.index(":root {", dark_at))])}
    assert dark != light
    pairs = [("fg", "bg"), ("fg", "surface"), ("muted", "bg"), ("muted", "surface"), ("link", "bg"),
             ("link", "surface"), ("accent", "bg"), ("notice-fg", "notice-bg"), ("fg", "code-bg"),
             ("bg", "fg")]
    for name, palette in (("light", light), ("dark", dark)):
        for fg, bg in pairs:
            ratio = _contrast(palette[fg], palette[bg])
            assert ratio >= 4.5, f"{name}: --{fg} on --{bg} is {ratio:.2f}:1"
        assert _contrast(palette["focus"], palette["bg"]) >= 3, f"{name}: focus ring"


# --- the generated pages ---------------------------------------------------------------------


def _effective_lang(element, page: str) -> str:
    while element is not None:
        if element.get("lang"):
            return element.get("lang").split("-")[0].lower()
        element = element.getparent()
    return page


def _exempt(element) -> bool:
    while element is not None:
        if not isinstance(element.tag, str):
            return True  # comments, processing instructions
        if element.tag in EXEMPT_TAGS or element.get("data-content") is not None:
            return True
        element = element.getparent()
    return False


def _in_time(element) -> bool:
    while element is not None:
        if element.tag == "time" and element.get("datetime"):
            return True
        element = element.getparent()
    return False


def interface_texts(doc, page: str):
    """(language, text, owner element, where) for every piece of interface text in <body>."""
    body = doc.find(".//body")
    for element in body.iter():
        if not isinstance(element.tag, str):
            if element.tail and element.getparent() is not None and not _exempt(element.getparent()):
                yield _effective_lang(element.getparent(), page), element.tail, element.getparent(), "tail"
            continue
        if element.text and not _exempt(element):
            yield _effective_lang(element, page), element.text, element, "text"
        for name in CHECKED_ATTRIBUTES:
            if element.get(name) and not _exempt(element):
                yield _effective_lang(element, page), element.get(name), element, f"@{name}"
        parent = element.getparent()
        if element is not body and element.tail and parent is not None and not _exempt(parent):
            yield _effective_lang(parent, page), element.tail, parent, "tail"


def test_interface_text_is_in_the_language_its_element_declares(site, docs):
    problems = []
    assert len(docs) > 50
    for path, doc in docs.items():
        page = doc.getroot().get("lang")
        assert page == page_lang(path, site), path
        for lang, text, element, where in interface_texts(doc, page):
            wrong = LATIN if lang == "ar" else ARABIC if lang == "en" else None
            assert wrong is not None, f"{path}: unexpected lang={lang}"
            if wrong.search(text):
                problems.append(f"{path.relative_to(site)}: <{element.tag} class={element.get('class')}> "
                                f"{where} lang={lang}: {text.strip()[:60]!r}")
    assert not problems, "\n".join(problems[:30])


def test_the_language_rule_sees_what_it_should(site):
    """The exemptions are narrow: the switch is marked, content is marked, interface is not."""
    doc = parse(site / "ar" / MIXED / "index.html")
    texts = list(interface_texts(doc, "ar"))
    joined = " ".join(t for _, t, _, _ in texts)
    assert "المصدر" in joined and "الملخّص" in joined  # interface labels are checked
    assert "Python" not in joined and "Reuters" not in joined and "John Smith" not in joined  # content is not
    assert ("en", "English") in {(lang, text.strip()) for lang, text, _, _ in texts}  # the switch, marked


def test_dates_are_in_time_elements_with_machine_readable_datetime(site, docs):
    problems = []
    for path, doc in docs.items():
        for time in doc.iter("time"):
            value = time.get("datetime")
            assert value, f"{path}: <time> without datetime"
            if not re.fullmatch(r"\d{4}(-\d{2})?", value):  # HTML's year and month strings (archives)
                (datetime if "T" in value else date).fromisoformat(value)
            assert (time.text or "").strip(), f"{path}: empty <time>"
        for _, text, element, _ in interface_texts(doc, doc.getroot().get("lang")):
            if YEAR.search(text) and not _in_time(element):
                problems.append(f"{path.relative_to(site)}: date outside <time>: {text.strip()[:60]!r}")
    assert not problems, "\n".join(problems[:20])


def test_pages_load_nothing_from_other_hosts(site, docs):
    for path, doc in docs.items():
        for element in doc.iter():
            if not isinstance(element.tag, str):
                continue
            refs = []
            if element.tag in ("script", "img", "iframe", "video", "audio", "source", "embed"):
                refs.append(element.get("src"))
            if element.tag == "link" and set((element.get("rel") or "").split()) & {
                    "stylesheet", "preload", "icon", "modulepreload", "prefetch", "preconnect", "dns-prefetch"}:
                refs.append(element.get("href"))
            for ref in filter(None, refs):
                assert ref.startswith("/") and not ref.startswith("//"), f"{path}: loads {ref}"
                assert (site / ref.removeprefix("/news/")).is_file(), f"{path}: {ref} is not in the site"
            if element.tag == "script" and not element.get("src"):
                assert element.get("type") == "application/ld+json", f"{path}: inline script"
        csp = doc.find(".//meta[@http-equiv='Content-Security-Policy']")
        assert csp is not None and "default-src 'self'" in csp.get("content"), path


def test_arabic_font_is_preloaded_on_arabic_pages_only(site):
    for lang in ("ar", "en"):
        doc = parse(site / lang / SEED / "index.html")
        preloads = [link.get("href") for link in doc.findall(".//link[@rel='preload']")]
        if lang == "ar":
            assert preloads == ["/news/theme/fonts/noto-naskh-arabic-arabic-400-normal.woff2"]
            link = doc.find(".//link[@rel='preload']")
            assert link.get("as") == "font" and link.get("crossorigin") is not None
        else:
            assert preloads == []


def test_landmarks_skip_link_and_language_switch(site):
    for lang in ("ar", "en"):
        for rel in (f"{lang}/index.html", f"{lang}/{SEED}/index.html", f"{lang}/2016/09/01/index.html"):
            doc = parse(site / rel)
            body = doc.find(".//body")
            first_link = body.find(".//a")
            assert first_link.get("class") == "skip-link" and first_link.get("href") == "#content", rel
            assert doc.find(".//main[@id='content']") is not None
            assert body.find("header") is not None and body.find("footer") is not None
            assert doc.find(".//nav[@aria-label]") is not None
            switch = doc.find(".//a[@class='lang-switch']")
            other = "en" if lang == "ar" else "ar"
            assert switch.get("lang") == other and switch.get("hreflang") == other
            assert switch.get("dir") == ("ltr" if other == "en" else "rtl")
            assert switch.text == ("English" if other == "en" else "العربية")
            headings = [int(h.tag[1]) for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")]
            assert headings[0] == 1 and headings.count(1) == 1, rel
            assert all(b - a <= 1 for a, b in itertools.pairwise(headings)), f"{rel}: {headings}"


def test_fenced_code_renders_left_to_right():
    from digest.markup import render_markdown

    html, _ = render_markdown("```python\nprint('مرحبا')\n```\n\n    indented = True\n")
    assert html.count('<pre dir="ltr" tabindex="0">') == 2


def test_code_blocks_are_left_to_right_and_mixed_text_is_isolated(site):
    doc = parse(site / "ar" / MIXED / "index.html")
    pres = doc.findall(".//section[@class='body']//pre")
    assert all(p.get("dir") == "ltr" for p in pres)
    assert len(pres) == 1
    assert doc.findall(".//section[@class='body']//p/code")  # inline code, styled ltr and isolated
    meta = doc.find(".//p[@class='meta']")
    assert [b.text for b in meta.iter("bdi")] == ["Reuters", "John Smith"]
    assert [b.text for b in doc.findall(".//ul[@class='tags']/li/a/bdi")] == ["Python", "برمجيات", "PyCon 2018"]
    css = without_comments(css_text())
    assert re.search(r"\bpre\s*{[^}]*direction:\s*ltr", css)
    assert "unicode-bidi: isolate" in css and "unicode-bidi: plaintext" in css


def test_open_graph_twitter_and_news_article_json_ld(site):
    for lang in ("ar", "en"):
        for slug in (SEED, MIXED) if lang == "ar" else (SEED,):  # MIXED has no English: no English page
            doc = parse(site / lang / slug / "index.html")
            url = f"{BASE}/{lang}/{slug}/"
            meta = {m.get("property") or m.get("name"): m.get("content") for m in doc.findall(".//meta")}
            assert meta["og:type"] == "article" and meta["og:url"] == url
            assert meta["og:title"] and meta["og:description"] and meta["twitter:card"] in ("summary",
                                                                                          "summary_large_image")
            assert meta["og:locale"] == ("ar_AR" if lang == "ar" else "en_US")
            assert meta["twitter:title"] == meta["og:title"]
            scripts = doc.findall(".//script[@type='application/ld+json']")
            assert len(scripts) == 1
            data = json.loads(scripts[0].text)
            assert data["@type"] == "NewsArticle" and data["@context"] == "https://schema.org"
            assert data["url"] == url and data["mainEntityOfPage"] == url
            assert data["inLanguage"] == lang  # the language of the headline
            assert data["headline"] and data["description"]
            time = doc.find(".//article//time")
            assert data["datePublished"] == time.get("datetime") == meta["article:published_time"]
            assert data["publisher"]["name"]
            assert "</" not in scripts[0].text
    seed = json.loads(parse(site / "en" / SEED / "index.html").find(".//script[@type='application/ld+json']").text)
    assert seed["headline"].startswith("Fighting terrorism") and seed["translationOfWork"]["@id"] == f"{BASE}/ar/{SEED}/"


def test_english_pages_exist_only_for_articles_with_english(site):
    translated = parse(site / "en" / SEED / "index.html")
    assert translated.find(".//article").get("lang") is None
    assert translated.find(".//h1").text.startswith("Fighting terrorism")
    original = translated.find(".//p[@class='original']/a")
    assert original.get("lang") == "ar" and original.get("hreflang") == "ar"
    assert not (site / "en" / MIXED).exists()
    arabic = parse(site / "ar" / MIXED / "index.html")
    assert arabic.find(".//a[@class='lang-switch']").get("href").endswith("/en/")
    home = parse(site / "en" / "index.html")
    titles = ["".join(h.itertext()) for h in home.iter("h3")]
    assert titles and not any(ARABIC.search(t) for t in titles)


def test_messages_have_both_languages_and_no_empty_values():
    import yaml

    messages = yaml.safe_load((THEME.parent / "templates" / "messages.yaml").read_text(encoding="utf-8"))
    for key, values in messages.items():
        assert set(values) == {"ar", "en"} and all(v.strip() for v in values.values()), key
        if key == "other_language":  # names the other language in that language (lang= marks it)
            assert values == {"ar": "English", "en": "العربية"}
            continue
        assert not LATIN.search(values["ar"]), f"{key}: Latin in the Arabic message"
        assert not ARABIC.search(values["en"]), f"{key}: Arabic in the English message"

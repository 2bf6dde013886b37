"""Helpers for the theme and browser tests: Debian's Chromium, a folder served from a thread, and
one build of the sample site.

The site is the repository's content/ plus two changes made in the copy, so that every state of
the templates is on show:
- the Kerry–Lavrov article (SEED) gets an English title and summary by the editors, so its
  English page is a translated one; every other English page stays "translation pending";
- one extra article (MIXED) mixes directions on purpose: Latin names, a URL, inline code, a code
  block with a long line, a table,
  Latin tags, a Latin author.
The real templates/, theme/ and site.yaml are used (BuildOptions.config points at site.yaml).
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import no_translation_models

ROOT = Path(__file__).resolve().parent.parent
THEME = ROOT / "theme"
SEED = "2016-09-01-kerry-lavrov-call"
MIXED = "mixed-direction-fixture"
AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                    "(apt-get install chromium); CI installs it")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 from a thread; yields the URL. The port is taken first, so a
    site can be built for that very URL inside the `with`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()

SEED_ENGLISH = (
    'title_en: "Fighting terrorism in Syria back on the agenda of Kerry–Lavrov phone talks"\n'
    'summary_en: "Russian Foreign Minister Sergei Lavrov again stressed to US Secretary of State John Kerry '
    'the need to separate the moderate Syrian opposition from terrorists."\n'
    'author: "فريق التحرير"\n'
)

CODE_BLOCK = """```python
def greet(name: str) -> str:
    return f"مرحبا {name}, this deliberately long line of code scrolls inside its own box, never the page"
```
"""

MIXED_ARTICLE = """---
title: "إطلاق Python 3.12 في مؤتمر PyCon بحضور Guido van Rossum"
date: 2018-08-20T10:00:00+03:00
slug: mixed-direction-fixture
source: "Reuters"
source_url: "https://www.reuters.com/technology/a-rather-long-path-segment-that-has-to-wrap-on-small-screens-2018-08-20/"
category: "technology"
tags: ["Python", "برمجيات", "PyCon 2018"]
author: "John Smith"
---
أعلن فريق Python في مؤتمر PyCon عن الإصدار 3.12، ويمكن تثبيته بالأمر `pip install --upgrade python` \
من العنوان https://www.python.org/downloads/release/python-3120/ مباشرة.

{code}
| المدينة | City | السكان |
|---|---|---|
| دمشق | Damascus | 1,711,000 |
| حلب | Aleppo | 2,098,000 |

وقال [Guido van Rossum](https://gvanrossum.github.io/) إن النسخة الجديدة أسرع بنسبة 25% من سابقتها، \
وأضاف أن «Python Software Foundation» ستدعمها حتى عام 2028.
"""


def build_sample(tmp: Path, base_url: str) -> Path:
    """Build the sample site (with the two additions above) into tmp/site; returns that folder."""
    from digest.build import BuildOptions, build

    content = tmp / "content"
    shutil.copytree(ROOT / "content", content)
    seed = content / f"{SEED}.md"
    text = seed.read_text(encoding="utf-8")
    assert text.startswith("---\n"), "the seed article lost its front matter"
    seed.write_text("---\n" + SEED_ENGLISH + text[4:], encoding="utf-8")
    code = CODE_BLOCK
    (content / f"{MIXED}.md").write_text(MIXED_ARTICLE.replace("{code}", code), encoding="utf-8")
    output = tmp / "site"
    with no_translation_models(tmp / "argos-packages"):
        build(BuildOptions(content=content, output=output, cache=tmp / "cache",
                           config=ROOT / "site.yaml", base_url=base_url, jobs=1, progress=False))
    return output


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def page_lang(path: Path, site: Path) -> str:
    """The language of a generated page from its place: ar/..., en/..., or ar for / and 404."""
    first = path.relative_to(site).parts[0]
    return first if first in ("ar", "en") else "ar"



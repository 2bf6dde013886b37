#!/usr/bin/env python3
"""What Pagefind's own Arabic handling matches, without this project's folding.

    python bench/search_arabic.py

Indexes one small page per spelling below with Pagefind's program, as written (no folding),
then asks Pagefind in headless Chromium for each other spelling of the same word, and prints
which queries find the page. docs/search.md keeps the table: it is why the build folds.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# (what differs, the word as an article writes it, as a reader may type it)
PAIRS = [
    ("harakat", "الارهاب", "الإِرْهَاب"),
    ("harakat only", "كتاب", "كِتَابٌ"),
    ("hamza above", "احمد", "أحمد"),
    ("hamza below", "الاسلام", "الإسلام"),
    ("madda", "امال", "آمال"),
    ("tatweel", "كبير", "كـــبير"),
    ("taa marbuta / haa", "مدرسة", "مدرسه"),
    ("alef maqsura / yaa", "مستشفى", "مستشفي"),
    ("taa marbuta, with al-", "الجامعة", "الجامعه"),
    ("alef maqsura, with al-", "المستشفى", "المستشفي"),
    ("hamza and harakat, with al-", "الأمم", "الاُمَم"),
]
# Each word is asked for as a reader asks, and also followed by another word: Pagefind matches
# the last word of a query as a prefix, which can hide a miss.


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def main() -> None:
    import pagefind_bin
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp())
    site = tmp / "site"
    for i, (_, written, typed) in enumerate(PAIRS):
        for name, word in ((f"p{i}", written), (f"r{i}", typed)):  # each spelling indexed once
            page = site / name / "index.html"
            page.parent.mkdir(parents=True)
            page.write_text(f'<html lang="ar"><body><main data-pagefind-body><p>خبر عن {word} اليوم</p>'
                            f"</main></body></html>", encoding="utf-8")
    subprocess.run([str(pagefind_bin.get_executable()), "--site", str(site), "--silent"], check=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    rows = ["| what differs | indexed | typed | Pagefind alone finds it | and the other way round |",
            "|---|---|---|---|---|"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(url + "p0/")
        page.evaluate("async () => { window.pf = await import('/pagefind/pagefind.js'); }")
        for i, (what, written, typed) in enumerate(PAIRS):
            found = [page.evaluate("""async (q) => { const r = await window.pf.search(q);
                return Promise.all(r.results.map(x => x.data().then(d => d.url))); }""", query)
                     for query in (typed, written, typed + " اليوم", written + " اليوم")]
            there = f"/p{i}/" in found[0] and f"/p{i}/" in found[2]
            back = f"/r{i}/" in found[1] and f"/r{i}/" in found[3]
            rows.append(f"| {what} | {written} | {typed} | {'yes' if there else 'no'} | {'yes' if back else 'no'} |")
        browser.close()
    server.shutdown()
    print("\n".join(rows))


if __name__ == "__main__":
    sys.exit(main())

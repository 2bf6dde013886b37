"""Live reload for the preview: build outcomes fanned out over Server-Sent Events, and what is
injected into served HTML (a script tag and, while a build is broken, the error overlay).

Nothing here touches the built files: the server adds the snippet to the bytes it sends.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from digest.problems import Problem

EVENTS_PATH = "/__livereload"
SCRIPT_PATH = "/__livereload.js"
OVERLAY_ID = "__digest_overlay"

RELOAD, CSS, BROKEN = "reload", "css", "broken"  # "error" is taken: EventSource fires it on lost connections


@dataclass(frozen=True)
class Outcome:
    """The latest build as open pages should see it."""

    number: int
    generation: str  # changes with every outcome; a page compares it with the one it was served with
    kind: str  # RELOAD, CSS or BROKEN
    overlay: str = ""  # HTML of the error overlay while BROKEN


class Hub:
    """Holds the latest outcome and wakes every event stream when it changes.

    Streams only need the latest outcome, not a queue: a page that missed several builds reloads.
    """

    def __init__(self) -> None:
        self._token = secrets.token_hex(4)  # a restarted server has new generations, so pages reload
        self._cond = threading.Condition()
        self.closed = False
        self.current = Outcome(0, f"{self._token}.0", RELOAD)

    def publish(self, kind: str, overlay: str = "") -> Outcome:
        with self._cond:
            number = self.current.number + 1
            self.current = Outcome(number, f"{self._token}.{number}", kind, overlay)
            self._cond.notify_all()
            return self.current

    def wait(self, seen: int, timeout: float) -> Outcome | None:
        """The outcome after number `seen`, or None on timeout or close."""
        with self._cond:
            self._cond.wait_for(lambda: self.closed or self.current.number != seen, timeout)
            return None if self.closed or self.current.number == seen else self.current

    def resume_from(self, generation: str) -> int | None:
        """The outcome number a stream may start from for a page that last saw `generation`, so
        it is sent exactly what it missed; None when this server never published that generation
        (a restarted server, or no generation given), and the page must compare and reload."""
        token, _, number = generation.partition(".")
        with self._cond:
            if token != self._token or not (number.isascii() and number.isdigit()) \
                    or int(number) > self.current.number:
                return None
            return int(number)

    def close(self) -> None:
        """End every stream (server shutdown)."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    @property
    def broken(self) -> bool:
        return self.current.kind == BROKEN


def sse(event: str, data: dict, event_id: str = "") -> bytes:
    """One Server-Sent Event; JSON keeps the data on a single line. The id is what a browser
    sends back as Last-Event-ID when it reconnects, so a stream resumes where it broke off."""
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def read_events(lines: Iterable[bytes]) -> Iterator[tuple[str, dict]]:
    """The (event, data) pairs of a stream that sse() wrote, as a client reads them: the format's
    other half, for the tests and the preview benchmark. Stops quietly when the stream breaks."""
    kind, data = "message", ""
    try:
        for raw in lines:
            line = raw.decode().rstrip("\r\n")
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif not line and data:
                yield kind, json.loads(data)
                kind, data = "message", ""
    except (OSError, ValueError):
        return


def event_for(outcome: Outcome, seen: int) -> bytes:
    """The event telling a page that last saw outcome `seen` about `outcome`."""
    kind = outcome.kind
    if kind == CSS and outcome.number > seen + 1:  # it missed a build that needed a full reload
        kind = RELOAD
    data = {"generation": outcome.generation}
    if kind == BROKEN:
        data["overlay"] = outcome.overlay
    return sse(kind, data, outcome.generation)


def overlay_html(problems: list[Problem]) -> str:
    """The error panel: every problem with its file and line, escaped, docked at the bottom so
    the last good page stays readable above it."""
    errors = sum(not p.warning for p in problems)
    items = "".join(
        f'<li style="margin:.2em 0;unicode-bidi:plaintext"><code style="font-weight:bold">'
        f"{html.escape(p.path)}:{p.line}</code>: {'warning: ' if p.warning else ''}{html.escape(p.message)}</li>"
        for p in problems)
    return (
        f'<div id="{OVERLAY_ID}" role="alert" dir="ltr" lang="en" style="position:fixed;left:0;right:0;bottom:0;'
        "z-index:2147483647;max-height:45vh;overflow:auto;margin:0;padding:.6em 1em;text-align:left;"
        "background:#fff4f4;color:#600;border-top:3px solid #c00;box-shadow:0 -2px 12px rgba(0,0,0,.3);"
        'font:14px/1.45 ui-monospace,Menlo,Consolas,monospace">'
        '<div style="display:flex;justify-content:space-between;gap:1em;align-items:baseline">'
        f"<strong>Build failed with {errors} error(s); this is the last good version of the page.</strong>"
        '<button type="button" data-digest-dismiss style="font:inherit">hide</button></div>'
        f'<ol style="margin:.3em 0 0;padding-left:1.5em">{items}</ol></div>')


def snippet(outcome: Outcome) -> bytes:
    """What goes before </body> of a served page."""
    tag = f'<script src="{SCRIPT_PATH}" data-generation="{html.escape(outcome.generation)}"></script>'
    return ((outcome.overlay if outcome.kind == BROKEN else "") + tag).encode()


def inject(page: bytes, outcome: Outcome) -> bytes:
    """The page with the live-reload snippet before its last </body> (appended when there is none)."""
    at = page.lower().rfind(b"</body>")
    if at < 0:
        at = len(page)
    return page[:at] + snippet(outcome) + page[at:]


CLIENT_JS = """\
(function () {
  "use strict";
  var script = document.currentScript;
  var generation = script ? script.getAttribute("data-generation") : "";
  try {  // a page framed by a previewing page: the framing page reloads it
    if (window.parent !== window && window.parent.__digestLivereload) { return; }
  } catch (e) { /* cross-origin parent: listen ourselves */ }
  window.__digestLivereload = true;
  var OVERLAY = "@OVERLAY@";

  function data(event) {
    try { return JSON.parse(event.data); } catch (e) { return {}; }
  }
  function documents() {
    var docs = [document];
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      try { if (frames[i].contentDocument) { docs.push(frames[i].contentDocument); } } catch (e) { /* foreign */ }
    }
    return docs;
  }
  function clearOverlay() {
    documents().forEach(function (doc) {
      var old = doc.getElementById(OVERLAY);
      if (old) { old.remove(); }
    });
  }
  function swapStyles() {  // the new sheet replaces the old once loaded, so nothing flashes
    documents().forEach(function (doc) {
      doc.querySelectorAll('link[rel~="stylesheet"]').forEach(function (link) {
        var url = new URL(link.href, doc.baseURI);
        if (url.origin !== location.origin) { return; }
        url.searchParams.set("livereload", String(Date.now()));
        var fresh = link.cloneNode(false);
        fresh.href = url.href;
        fresh.addEventListener("load", function () { link.remove(); });
        fresh.addEventListener("error", function () { link.remove(); });
        link.after(fresh);
      });
    });
  }
  function reload() {
    source.close();
    location.reload();
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-digest-dismiss]")) { clearOverlay(); }
  });
  // The stream starts from this page's own generation, so a build that ends while the page is
  // still connecting arrives as its event (a stylesheet swap stays a swap); a reconnecting
  // EventSource sends the last event's id itself.
  var source = new EventSource("@EVENTS@?since=" + encodeURIComponent(generation));
  source.addEventListener("hello", function (event) {  // a server that cannot resume: compare
    var d = data(event);
    if (!d.resumed && d.generation !== generation) { reload(); }
  });
  source.addEventListener("@RELOAD@", reload);
  source.addEventListener("@CSS@", function (event) {
    generation = data(event).generation;
    clearOverlay();
    swapStyles();
  });
  source.addEventListener("@BROKEN@", function (event) {
    var d = data(event);
    generation = d.generation;
    clearOverlay();
    document.body.insertAdjacentHTML("beforeend", d.overlay);
  });
})();
"""
for _name, _value in (("OVERLAY", OVERLAY_ID), ("EVENTS", EVENTS_PATH), ("RELOAD", RELOAD), ("CSS", CSS),
                      ("BROKEN", BROKEN)):
    CLIENT_JS = CLIENT_JS.replace(f"@{_name}@", _value)

"""Preview server: build, serve the output folder, rebuild on changes, reload open pages.

One Builder lives for the whole session and builds in place, so a rebuild reads, prepares and
renders only what a change touched. The server is the standard library's ThreadingHTTPServer,
as in MkDocs' livereload server: a thread per request, the event streams on daemon threads.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import select
import shutil
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from urllib.parse import parse_qs, quote, unquote, urlsplit

import watchfiles

from digest.build import Builder, BuildOptions, output_place
from digest.incremental.keys import stamp
from digest.livereload import (
    BROKEN,
    CLIENT_JS,
    CSS,
    EVENTS_PATH,
    RELOAD,
    SCRIPT_PATH,
    Hub,
    Outcome,
    event_for,
    inject,
    overlay_html,
    sse,
)
from digest.output import OutputBusy
from digest.placement import OutputRefused
from digest.problems import ContentError, Problem, print_problems

PREVIEW_PATH = "/_preview/"
KEEPALIVE_S = 15.0  # a comment on idle streams, so clients gone without a word are noticed
STREAM_CHECK_S = 1.0  # how often an idle stream looks whether its client closed the connection
REQUEST_TIMEOUT_S = 5.0  # a client silent this long mid-request (or idle between requests) is dropped
LISTEN_BACKLOG = 1024  # connections queued before accept (the kernel caps it at net.core.somaxconn)
WATCH_STEP_MS = 50  # a change waits this long for more in the same burst (an editor's save, a checkout)
WATCH_DEBOUNCE_MS = 1600  # ... but a long burst is cut at this length
RESCAN_ABOVE = 50  # more changes than this in one burst: scan the content folder rather than trust them
WATCH_READY_S = 10  # at most this long between the first build and the "serving" line
LANDED_EVERY_S = 2.0  # translations landing in the background rebuild at most this often
CONFIG_POLL_MS = 500  # the settings file is polled: editors replace it by rename, which loses a file watch

TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".json": "application/json", ".map": "application/json",
    ".xml": "application/xml; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json", ".svg": "image/svg+xml", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".avif": "image/avif", ".ico": "image/vnd.microsoft.icon", ".woff2": "font/woff2", ".woff": "font/woff",
    ".ttf": "font/ttf", ".otf": "font/otf", ".pdf": "application/pdf",
}
HTML_TYPE = TYPES[".html"]

NOT_FOUND_PAGE = (b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>'
                  b"<body><h1>Not found</h1><p>No page here (the site has no 404.html yet).</p></body></html>\n")

# Editor droppings that must not trigger a build: Emacs #autosave#, Vim's 4913 probe, Kate swaps,
# LibreOffice locks, any dot file (Vim .swp, Emacs .#lock, gedit .goutputstream) and *.tmp.
EDITOR_TEMP = (r"^#.*#$", r"^4913$", r"\.kate-swp$", r"^\.", r"\.tmp$", r"\.bak$", r"~$")


class PreviewFilter(watchfiles.DefaultFilter):
    """watchfiles' defaults plus editor temp files, minus the output and cache folders."""

    def __init__(self, ignore: Iterable[Path]):
        super().__init__(ignore_entity_patterns=(*watchfiles.DefaultFilter.ignore_entity_patterns, *EDITOR_TEMP),
                         ignore_paths=[str(p) for p in ignore])


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        return stamp(path)
    except OSError:
        return None


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def problem_from(exc: BaseException, templates: Path) -> Problem:
    """An unexpected build failure as a Problem: the template and line when a template raised it."""
    import jinja2

    if isinstance(exc, jinja2.TemplateSyntaxError):
        return Problem(exc.filename or exc.name or "template", exc.lineno or 1, exc.message or str(exc))
    text = f"{type(exc).__name__}: {exc}"
    root = str(templates.resolve())
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if _inside(os.path.realpath(frame.filename), root):  # Jinja puts template lines in tracebacks
            return Problem(frame.filename, frame.lineno or 1, text)
    return Problem("(build)", 1, text)


def _models_stamp() -> object:
    """What tells one set of installed translation models from another (see installed_listing)."""
    from digest.models import installed_listing

    return installed_listing()


class Preview:
    """One preview session: the Builder kept between rebuilds, the watcher, the latest outcome."""

    def __init__(self, options: BuildOptions):
        self.options = options
        self.builder = Builder(options)
        # Pages come first: a build publishes what the translation cache holds, and the rest is
        # translated in the background (see translate_in_background).
        self.builder.translate_later = True
        self.translator: threading.Thread | None = None
        self.landed = threading.Event()  # set when the background pass committed a chunk
        # The installed models when a background pass last failed: not tried again until they change.
        self.translation_failed: object = None
        self.hub = Hub()
        self.stop = threading.Event()
        self.watching = threading.Event()  # set once the watcher reports: edits from then on are seen
        self.slugs: frozenset[str] = frozenset()  # articles of the last good build, for /_preview/
        self.building = threading.Lock()  # held by a build; the /_preview/ index reads the articles under it
        self.mount = urlsplit(options.base_url or "").path.rstrip("/")  # site path prefix, from --base-url

    @property
    def root(self) -> str:
        """The real output folder, looked up per request: a full build swaps a new folder in."""
        return os.path.realpath(self.options.output)

    # -- building ------------------------------------------------------------------------------

    def rebuild(self, changed: set[str] | None = None, rescan: bool = False) -> None:
        """One build; its outcome goes to the console and to every open page. Never raises.
        The build looks again only at the `changed` paths, unless `rescan` says they may not
        be all that changed (see Builder._scan)."""
        options = self.options
        try:
            with self.building:
                result = self.builder.build(None if rescan else changed)
        except ContentError as exc:
            return self._failed(exc.problems)
        except (OutputBusy, OutputRefused) as exc:
            return self._failed([Problem(str(options.output), 1, str(exc))])
        except Exception as exc:  # a template error, or a bug: either way the server keeps serving
            problem = problem_from(exc, options.templates)
            if problem.path == "(build)":
                traceback.print_exc()
            return self._failed([problem])
        self.slugs = frozenset(article.slug for article, _ in list(self.builder.entries.values()))
        if result.untranslated and (self.translator is None or not self.translator.is_alive()) \
                and self.translation_failed != _models_stamp():
            self.translator = threading.Thread(target=self.translate_in_background, args=(result.untranslated,),
                                               name="digest-translate", daemon=True)
            self.translator.start()
        was_broken = self.hub.broken
        theme = str(options.theme.resolve())
        in_theme = [p for p in changed or () if _inside(p, theme)]
        if changed is None:
            print(result.summary_line(), flush=True)
            print_problems(result.warnings)
        elif not changed:
            print(f"translations arrived: {result.summary_line()}", flush=True)
        else:
            print(f"rebuilt after {len(changed)} change(s): {result.summary_line()}", flush=True)
            print_problems([w for w in result.warnings if os.path.realpath(w.path) in changed])
        for note in result.notes if changed is None else ():
            print(f"note: {note}", file=sys.stderr, flush=True)
        if was_broken:
            self.hub.publish(RELOAD)
        elif changed is None or result.unchanged or (result.rendered == 0 and not in_theme):
            return None  # no page changed: leave open pages (and their scroll positions) alone
        elif in_theme and len(in_theme) == len(changed) and all(p.endswith(".css") for p in in_theme):
            self.hub.publish(CSS)
        else:
            self.hub.publish(RELOAD)
        return None

    def listing(self) -> list[tuple[str, str, str, str]]:
        """(slug, Arabic title, English title, what the English is) of the last good build's
        articles, newest first, for the /_preview/ index. Read under the build's lock: titles
        of articles kept from the saved state are read from it on first use."""
        with self.building:
            entries = sorted((entry for _, entry in list(self.builder.entries.values())
                              if entry.slug in self.slugs), key=lambda e: e.order)
            out = []
            for entry in entries:
                english = entry.english
                if english.title:
                    state = "machine" if english.title_by == "machine" else "editors"
                elif english.held:
                    state = "held back: " + "; ".join(f"{name} {why}" for name, why in english.held)
                else:
                    state = "not translated"
                out.append((entry.slug, entry.article.title, english.title, state))
            return out

    def translate_in_background(self, texts: list[str]) -> None:
        """Translate what the last build left untranslated, a chunk at a time; each committed
        chunk sets `landed`, and the watcher rebuilds with it (at most every LANDED_EVERY_S)."""
        from digest.config import load_config
        from digest.incremental.keys import MODEL_MEMO, translation_key
        from digest.models import ModelError, find_model
        from digest.tcache import TranslationCache
        from digest.translate import translate_texts

        options = self.options
        try:
            settings = load_config(options.config, options.base_url).translation
            model = find_model("ar", "en")
            if model is None:
                return
            key = translation_key(model, settings, options.cache / MODEL_MEMO)
            print(f"translating {len(texts)} texts in the background", flush=True)
            with TranslationCache(options.cache, warn=lambda m: print(f"note: {m}", file=sys.stderr)) as cache:
                translate_texts(texts, model, cache, settings, key, progress=False,
                                note=lambda m: print(f"note: {m}", file=sys.stderr, flush=True),
                                on_chunk=lambda _count: self.landed.set())
        except (ContentError, ModelError, OSError) as exc:
            self.translation_failed = _models_stamp()
            print(f"background translation stopped: {exc}; it starts again when a model is installed",
                  file=sys.stderr, flush=True)

    def _failed(self, problems: list[Problem]) -> None:
        print_problems(problems)
        errors = sum(not p.warning for p in problems)
        print(f"build failed with {errors} error(s); still serving the last good pages", file=sys.stderr, flush=True)
        self.hub.publish(BROKEN, overlay_html(problems))

    def watched(self) -> list[Path]:
        """Content, templates, theme and static folders (the settings file is polled)."""
        found: list[Path] = []
        for path in sorted({p.resolve() for p in (self.options.content, self.options.templates,
                                                  self.options.theme, self.options.root / "static") if p.is_dir()}):
            if not any(path.is_relative_to(f) for f in found):
                found.append(path)
        return found

    def watch(self) -> None:
        """Rebuild after each burst of changes until stopped; runs in its own thread."""
        options = self.options
        config = options.config.resolve()
        ignore = [options.output.resolve(), options.cache.resolve()]
        config_stamp = _stamp(config)
        landed_at = 0.0
        while not self.stop.is_set():
            # What changed before this watch began (during the first build, or while the watcher
            # restarted) was never reported: the first rebuild after it scans the whole folder.
            rescan = True
            try:
                for changes in watchfiles.watch(*self.watched(), watch_filter=PreviewFilter(ignore),
                                                debounce=WATCH_DEBOUNCE_MS, step=WATCH_STEP_MS,
                                                stop_event=self.stop, rust_timeout=CONFIG_POLL_MS,
                                                yield_on_timeout=True, raise_interrupt=False):
                    self.watching.set()  # its first report (changes, or none within the timeout)
                    if self.stop.is_set():
                        return
                    changed = {path for _, path in changes}
                    now = _stamp(config)
                    if now != config_stamp:
                        config_stamp = now
                        changed.add(str(config))
                    if changed:
                        # A burst of many changes (a checkout) may have lost events on the way.
                        self.rebuild(changed, rescan=rescan or len(changed) > RESCAN_ABOVE)
                        rescan = False
                    elif self.landed.is_set() and time.monotonic() - landed_at >= LANDED_EVERY_S:
                        self.landed.clear()
                        landed_at = time.monotonic()
                        self.builder.translations_landed = True
                        self.rebuild(set())
            except Exception as exc:  # e.g. a watched folder was deleted: watch again shortly
                print(f"watcher: {exc}; watching again", file=sys.stderr, flush=True)
                self.stop.wait(1.0)

    # -- serving -------------------------------------------------------------------------------

    def locate(self, parts: list[str]) -> str | None:
        """The real path of an output file for URL path segments, or None: nothing outside the
        real output root is ever returned, whatever '..' or symlinks the path holds."""
        if any(p == ".." or "\0" in p for p in parts):
            return None
        root = self.root
        real = os.path.realpath(os.path.join(root, *parts))
        if not _inside(real, root):
            return None
        return real


def host_name(header: str) -> str:
    """The name in a Host header, lower case, without its port, IPv6 brackets or final dot."""
    header = header.strip().lower()
    if header.startswith("["):
        name = header[1:].partition("]")[0]
    else:
        name, colon, port = header.rpartition(":")
        if not colon or not port.isdigit():
            name = header
    return name.rstrip(".")


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # open event streams must not keep the process alive
    request_queue_size = LISTEN_BACKLOG  # socketserver's default queues 5: a page's burst of requests waits
    preview: Preview

    def __init__(self, host: str, port: int):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), PreviewHandler)
        bound = self.server_address[0]
        self.wildcard = bound in ("0.0.0.0", "::", "")
        self.host_names = {host_name(host), host_name(bound)}
        if self.wildcard:  # reached from the network too: by the machine's name as well
            self.host_names.add(socket.gethostname().lower())

    def host_allowed(self, header: str | None) -> bool:
        """Whether a request's Host header names this server. A page of another site that points
        its own name at this machine (DNS rebinding) sends that name, and must not read the
        preview, drafts included: only loopback names and addresses, the name or address the
        server listens on, and (listening on every interface) any address and the machine's
        name are answered. No Host header at all is no browser's request."""
        if header is None:
            return True
        name = host_name(header)
        if name in self.host_names or name == "localhost" or name.endswith(".localhost"):
            return True
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return False
        return address.is_loopback or self.wildcard

    @property
    def url(self) -> str:
        """The URL to print and to build links with: a wildcard address becomes the loopback one."""
        host, port = self.server_address[:2]
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        """A client that went away is normal; anything else gets one line, not a traceback."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError | TimeoutError):
            print(f"server: {type(exc).__name__}: {exc} (request from {client_address[0]})", file=sys.stderr)


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "digest-preview"
    timeout = REQUEST_TIMEOUT_S  # a half-sent request must not hold its thread for ever

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a preview prints builds, not requests."""

    def do_HEAD(self) -> None:
        self.respond(head=True)

    def do_GET(self) -> None:
        self.respond(head=False)

    def respond(self, head: bool) -> None:
        preview = self.server.preview
        if not self.server.host_allowed(self.headers.get("Host")):
            self.close_connection = True
            return self.send(403, b"Forbidden: this preview answers only requests for its own host name\n",
                             TYPES[".txt"], head)
        raw = self.path.split("#", 1)[0]
        raw, _, query = raw.partition("?")
        if raw == EVENTS_PATH:
            return self.stream(parse_qs(query).get("since", [""])[0])
        if raw == SCRIPT_PATH:
            return self.send(200, CLIENT_JS.encode(), TYPES[".js"], head)
        try:
            path = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            return self.not_found(head)
        if not path.startswith("/"):
            return self.not_found(head)
        if path.startswith(PREVIEW_PATH) or path == PREVIEW_PATH.rstrip("/"):
            return self.side_by_side(path, head)
        if preview.mount:  # --base-url with a path: the site lives under it
            if path in ("/", preview.mount):
                return self.redirect(preview.mount + "/", query)
            if not path.startswith(preview.mount + "/"):
                return self.not_found(head)
            path = path[len(preview.mount):]
        parts = [p for p in path.split("/") if p not in ("", ".")]
        target = preview.locate(parts)
        if target is not None and os.path.isdir(target):
            if not path.endswith("/"):
                return self.redirect(preview.mount + "".join(f"/{quote(p)}" for p in parts) + "/", query)
            target = preview.locate([*parts, "index.html"])
        if target is None or not os.path.isfile(target):
            return self.not_found(head)
        self.send_file(target, head)

    def send(self, status: int, body: bytes, ctype: str, head: bool, headers: Iterable[tuple[str, str]] = (),
             outcome: Outcome | None = None) -> None:
        """`outcome`: the build the body comes from, when taken before the body was read."""
        if ctype == HTML_TYPE:
            body = inject(body, outcome or self.server.preview.hub.current)
        self.send_head(status, ctype, len(body), headers)
        if not head:
            self.wfile.write(body)

    def send_head(self, status: int, ctype: str, length: int, headers: Iterable[tuple[str, str]] = ()) -> None:
        """The status line and headers of every response with a body."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def send_file(self, path: str, head: bool, status: int = 200) -> None:
        # The build a page is stamped with is taken before the page is read: a build that ends
        # in between then reaches the page as an event, rather than the page carrying its
        # generation with the content from before it.
        outcome = self.server.preview.hub.current
        name = os.path.basename(path)
        ctype = TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream")
        try:
            handle = open(path, "rb")
        except OSError:
            return self.send(404, NOT_FOUND_PAGE, HTML_TYPE, head)
        with handle:
            if ctype == HTML_TYPE:
                return self.send(status, handle.read(), ctype, head, outcome=outcome)
            self.send_head(status, ctype, os.fstat(handle.fileno()).st_size)
            if not head:
                shutil.copyfileobj(handle, self.wfile)
        return None

    def not_found(self, head: bool) -> None:
        page = self.server.preview.locate(["404.html"])
        if page is not None and os.path.isfile(page):
            return self.send_file(page, head, status=404)
        return self.send(404, NOT_FOUND_PAGE, HTML_TYPE, head)

    def redirect(self, location: str, query: str) -> None:
        self.send_response(302)
        self.send_header("Location", location + (f"?{query}" if query else ""))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def side_by_side(self, path: str, head: bool) -> None:
        """/_preview/S/: the Arabic and English pages of article S next to each other."""
        preview = self.server.preview
        rest = path[len(PREVIEW_PATH):] if path.startswith(PREVIEW_PATH) else ""
        slug = rest.rstrip("/")
        if not slug:
            if not path.endswith("/"):
                return self.redirect(PREVIEW_PATH, "")
            rows = "".join(
                f'<li><a href="{PREVIEW_PATH}{escape(quote(slug))}/"><bdi lang="ar" dir="rtl">{escape(ar)}</bdi></a>'
                f'<br><span lang="en" dir="ltr">{escape(en) if en else "—"} <small>({escape(state)})</small>'
                "</span></li>"
                for slug, ar, en, state in preview.listing())
            return self.send(200, _preview_page("Preview", f"<ol>{rows}</ol>"), HTML_TYPE, head)
        if "/" in slug or slug not in preview.slugs:
            return self.not_found(head)
        if not rest.endswith("/"):
            return self.redirect(f"{PREVIEW_PATH}{quote(slug)}/", "")
        frames = ""
        for lang, label, url in (("ar", "العربية", f"{preview.mount}/ar/{quote(slug)}/"),
                                 ("en", "English", f"{preview.mount}/en/{quote(slug)}/")):
            if not os.path.isfile(os.path.join(preview.root, lang, slug, "index.html")):
                missing = ("No English page: the article is not translated yet, or the quality gate held "
                           "its translation back ('python build.py check' says why)." if lang == "en" else
                           "No Arabic page: the article is a draft, or the last build failed.")
                frames += f'<section lang="en"><p>{missing}</p></section>'

                continue
            frames += (f'<section lang="{lang}"><p><a href="{escape(url)}" target="_top">{escape(url)}</a></p>'
                       f'<iframe src="{escape(url)}" title="{label}"></iframe></section>')
        body = _preview_page(f"Preview: {slug}", f'<div class="pair" dir="rtl">{frames}</div>')
        return self.send(200, body, HTML_TYPE, head)

    def stream(self, since: str) -> None:
        """/__livereload: a Server-Sent Events stream of build outcomes, until either side goes.
        It starts after the generation the page last saw (Last-Event-ID on a reconnect, else
        `since`) when this server knows it; otherwise at the current one, which the page compares
        with its own (the hello event's `resumed` says which)."""
        hub = self.server.preview.hub
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        seen = self.headers.get("Last-Event-ID") or since
        number = hub.resume_from(seen)
        resumed = number is not None
        if number is None:
            current = hub.current
            seen, number = current.generation, current.number
        hello = sse("hello", {"generation": seen, "resumed": resumed}, seen)
        try:
            self.wfile.write(b"retry: 1000\n\n" + hello)
            keepalive_at = time.monotonic() + KEEPALIVE_S
            while not hub.closed:
                outcome = hub.wait(number, STREAM_CHECK_S)
                if outcome is None:
                    if hub.closed or client_gone(self.connection):
                        return
                    if time.monotonic() >= keepalive_at:
                        self.wfile.write(b": keepalive\n\n")
                        keepalive_at = time.monotonic() + KEEPALIVE_S
                    continue
                self.wfile.write(event_for(outcome, number))
                number = outcome.number
        except OSError:  # the page went away
            pass


def client_gone(connection: socket.socket) -> bool:
    """Whether the client closed its end: readable with nothing to read. An event stream sends
    nothing while no build ends, and a write would notice a closed page only one keepalive
    later, and only the second write after the close (the first one is buffered)."""
    try:
        poller = select.poll()  # not select.select(): descriptors above 1023 are normal under load
        poller.register(connection, select.POLLIN)
        if not poller.poll(0):
            return False
        return not connection.recv(1, socket.MSG_PEEK)
    except OSError:
        return True


def _preview_page(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            "<style>html,body{margin:0;height:100%;font:14px system-ui,sans-serif}"
            ".pair{display:flex;height:100%}.pair section{flex:1;display:flex;flex-direction:column;"
            "border-inline-start:1px solid #ccc}.pair p{margin:0;padding:.3em .6em;background:#eee;direction:ltr}"
            ".pair iframe{flex:1;border:0;width:100%}ol{margin:1em 2em}</style></head>"
            f"<body>{body}</body></html>\n").encode()


_SERVING = False  # true while serve() owns SIGINT


def _ignore_ctrl_c_in_child() -> None:
    """Build workers forked during a preview leave Ctrl-C to the server (no KeyboardInterrupt
    tracebacks from them); the handler below covers a Ctrl-C that comes before this hook runs."""
    if _SERVING:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


os.register_at_fork(after_in_child=_ignore_ctrl_c_in_child)


class CtrlC:
    """Ctrl-C while serve() runs: the first interrupts the main thread once (serve() then sets
    `stop`), a second one leaves at once.

    SIGTERM keeps its default action on purpose: multiprocessing's Pool.terminate() ends build
    workers with it, and a worker forked with a Python-level handler can lose that signal (it
    may arrive before the child's signal state is reset) and then wait forever on the pool's
    queue lock, hanging the build.
    """

    def __init__(self, stop: threading.Event):
        global _SERVING
        self.stop = stop
        self.parent = os.getpid()
        self.pressed = False
        self.holding = False  # see hold()
        self.previous = signal.signal(signal.SIGINT, self.handle)
        _SERVING = True

    def handle(self, signum: int, frame: FrameType | None) -> None:
        # No stop.set() here: the main thread may hold the Event's own (non-reentrant) lock when
        # the signal arrives, and setting it from the handler would deadlock. The interrupt ends
        # the main thread's wait, and serve() sets `stop` on its way out.
        if os.getpid() != self.parent:
            return
        if self.pressed or self.stop.is_set():
            os._exit(0)
        self.pressed = True
        if not self.holding:
            raise KeyboardInterrupt

    @contextmanager
    def hold(self) -> Iterator[None]:
        """A Ctrl-C in here is only noted (`pressed`), not raised: serve() starts its threads in
        here, so that it never stops with a thread half started, one it would wait for forever."""
        self.holding = True
        try:
            yield
        finally:
            self.holding = False

    def restore(self) -> None:
        global _SERVING
        signal.signal(signal.SIGINT, self.previous)
        _SERVING = False


def serve(options: BuildOptions, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Build, serve and rebuild on changes until Ctrl-C (exit code 0); 1 if the port is taken, 2
    if the output folder is refused (see digest.placement)."""
    try:
        output_place(options)  # before the port, the cache or the output is touched
    except OutputRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        server = PreviewServer(host, port)
    except OSError as exc:
        print(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    url = server.url
    options = dataclasses.replace(options, in_place=True, base_url=options.base_url or url)
    stop = threading.Event()
    on_main = threading.current_thread() is threading.main_thread()
    ctrl_c = CtrlC(stop) if on_main else None
    threads: list[threading.Thread] = []  # those started
    preview: Preview | None = None
    try:
        preview = Preview(options)
        preview.stop = stop
        server.preview = preview
        preview.rebuild()
        # Later rebuilds keep the prepared articles in memory and save them once, at exit: pickling
        # 5,000 of them after every save would take longer than the rest of the rebuild.
        preview.builder.save_each_build = False
        with ctrl_c.hold() if ctrl_c else nullcontext():
            for thread in (threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                            name="digest-http", daemon=True),
                           threading.Thread(target=preview.watch, name="digest-watch", daemon=True)):
                thread.start()
                threads.append(thread)
        if ctrl_c and ctrl_c.pressed:
            raise KeyboardInterrupt  # the one held while the threads started
        # "serving" once the watcher runs: an edit made after the line shows is built (one made
        # before would wait for the next, whose rebuild scans the whole folder).
        ready_by = time.monotonic() + WATCH_READY_S
        while not preview.watching.is_set() and time.monotonic() < ready_by:
            time.sleep(0.02)
        shown = url.rstrip("/") + (preview.mount or "") + "/"
        where = " (all interfaces)" if host in ("0.0.0.0", "::", "") else ""
        print(f"serving {options.output} at {shown}{where} (press Ctrl-C to stop)", flush=True)
        while not stop.is_set():  # sleep, not stop.wait(): see CtrlC
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        if preview is not None:
            preview.hub.close()
        if threads:  # serve_forever runs (shutdown() would wait forever for one never started)
            server.shutdown()
        server.server_close()
        started = time.monotonic()
        for thread in threads:  # a rebuild under way finishes, so the output stays whole
            thread.join(max(0.0, 60 - (time.monotonic() - started)))
        if preview is not None and not any(thread.is_alive() for thread in threads):
            try:
                preview.builder.save()
            except OSError as exc:
                print(f"could not save the build state: {exc}", file=sys.stderr)
        if ctrl_c:
            ctrl_c.restore()
    print("stopped", flush=True)
    return 0


__all__ = ["PREVIEW_PATH", "Preview", "PreviewServer", "serve"]

"""The preview server, run as users run it (`python build.py serve --port 0`) on a copy of a few
sample articles: pages, live-reload events, the error overlay, path safety and a clean Ctrl-C."""

from __future__ import annotations

import http.client
import os
import queue
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, SAMPLE, Project, child_env, make_project, tree_bytes

from digest.livereload import overlay_html, read_events
from digest.problems import Problem

SLUGS = ("al-culture-1-20180218", "bb-economy-17-20180204", "fr-sport-215-20180630")
ENGLISH = "bb-culture-190-20180606"
WAIT_S = 20.0


def small_project(root: Path) -> Project:
    """A site folder holding three of the sample articles, and one with the editors' English."""
    project = make_project(root, sample=False)
    for slug in (*SLUGS, ENGLISH):
        shutil.copy(SAMPLE / f"{slug}.md", project.content / f"{slug}.md")
    return project


class ServeProcess:
    """`python build.py serve --port 0` in a project folder, with its printed URL and output."""

    def __init__(self, project: Project, output: str | None = "site", cache: str = ".cache"):
        """`output`: the --output given, or None for serve's own default."""
        self.project = project
        env = child_env(ARGOS_PACKAGES_DIR=str(project.root / "no-models"), PYTHONUNBUFFERED="1")
        where = ["--output", output] if output is not None else []
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "serve", "--port", "0", "--content", "content",
             *where, "--cache", cache, "--config", "site.yaml"],
            cwd=project.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stdout: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        self.before_url: list[str] = []  # what it printed up to its URL
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.stdout.put), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr.append), daemon=True).start()
        self.url = self._wait_for_url()
        parts = urlsplit(self.url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    @staticmethod
    def _pump(stream, sink) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            sink(line)

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                line = self.stdout.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.before_url.append(line)
            found = re.search(r"(http://\S+/)", line)
            if found:
                return found.group(1)
        self.proc.kill()
        raise AssertionError(f"serve printed no URL; stderr:\n{''.join(self.stderr)}")

    def get(self, path: str, method: str = "GET", host: str | None = None) -> tuple[int, dict[str, str], str]:
        """The raw path as sent, with no client-side normalisation and no redirects followed;
        `host`: the Host header, when not the server's own address."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.putrequest(method, path, skip_host=host is not None, skip_accept_encoding=True)
            if host is not None:
                conn.putheader("Host", host)
            conn.endheaders()
            response = conn.getresponse()
            body = response.read().decode("utf-8", errors="replace")
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            conn.close()

    def page_until(self, path: str, check, what: str) -> str:  # type: ignore[no-untyped-def]
        """The page at `path` once check(body) holds; bounded."""
        deadline = time.monotonic() + WAIT_S
        body = ""
        while time.monotonic() < deadline:
            _, _, body = self.get(path)
            if check(body):
                return body
            time.sleep(0.05)
        raise AssertionError(f"{path} never showed {what}; last body:\n{body[-2000:]}")

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("serve did not stop within 20 s of the signal") from None
        time.sleep(0.05)  # let the pump threads read the last lines
        return code, "".join(self.stderr)

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


class EventStream:
    """A reader of /__livereload in a thread, queueing (event, data) pairs."""

    def __init__(self, server: ServeProcess, query: str = "", headers: dict[str, str] | None = None):
        self.conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
        self.conn.request("GET", "/__livereload" + query, headers=headers or {})
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type", "").startswith("text/event-stream")
        self.events: queue.Queue[tuple[str, dict]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.hello = self.wait_for("hello")

    def _read(self) -> None:
        for kind, data in read_events(self.response):
            self.events.put((kind, data))

    def wait_for(self, kind: str, timeout: float = WAIT_S) -> dict:
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                event, data = self.events.get(timeout=0.1)
            except queue.Empty:
                continue
            if event == kind:
                return data
            seen.append(event)
        raise AssertionError(f"no {kind!r} event within {timeout} s (saw {seen})")

    def close(self) -> None:
        self.conn.close()


def test_by_default_the_preview_leaves_the_published_site_and_its_next_build_alone(tmp_path):
    """`serve` without --output builds into the cache folder: site/ keeps what `build` made, with
    the links of the real base_url rather than the local server's, and the next build, sharing
    the cache folder with the preview, still finds nothing to do."""
    project = small_project(tmp_path / "project")
    settings = project.config.read_text(encoding="utf-8")
    project.config.write_text(re.sub(r"(?m)^base_url:.*$", 'base_url: "https://digest.example/"', settings),
                              encoding="utf-8")
    env = child_env(ARGOS_PACKAGES_DIR=str(project.root / "no-models"))
    command = [sys.executable, str(ROOT / "build.py"), "build"]
    subprocess.run(command, cwd=project.root, env=env, check=True, capture_output=True, timeout=120)
    published = tree_bytes(project.output)
    assert f'href="https://digest.example/ar/{SLUGS[0]}/"' in published[f"ar/{SLUGS[0]}/index.html"].decode()
    with ServeProcess(project, output=None) as running:
        _, _, body = running.get(f"/ar/{SLUGS[0]}/")
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', body)
        assert canonical is not None and canonical.group(1) == f"{running.url}ar/{SLUGS[0]}/"
        built = (project.cache / "preview" / "ar" / SLUGS[0] / "index.html").read_text(encoding="utf-8")
        assert canonical.group(0) in built
        assert running.stop()[0] == 0
    assert tree_bytes(project.output) == published
    again = subprocess.run(command, cwd=project.root, env=env, check=True, capture_output=True, text=True,
                           timeout=120)
    assert "nothing changed" in again.stdout


def test_the_preview_folder_follows_the_cache_folder(tmp_path):
    project = small_project(tmp_path / "project")
    with ServeProcess(project, output=None, cache="elsewhere") as running:
        status, _, _ = running.get(f"/ar/{SLUGS[0]}/")
        assert status == 200
        assert (project.root / "elsewhere" / "preview" / "ar" / SLUGS[0] / "index.html").is_file()
        assert running.stop()[0] == 0
    assert not project.output.exists() and not project.cache.exists()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServeProcess(small_project(tmp_path_factory.mktemp("serve") / "project")) as running:
        yield running


def replace(path: Path, data: str | bytes) -> None:
    """Write a file as many editors save one: a temporary file renamed over it, so a watcher sees
    one change, never the file empty (the preview ignores *.tmp files)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data.encode() if isinstance(data, str) else data)
    os.replace(tmp, path)


def set_title(path: Path, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    replace(path, re.sub(r'(?m)^title: .*$', f'title: "{title}"', text, count=1))


def test_serves_pages_with_the_reload_script_but_builds_files_without_it(server):
    status, headers, body = server.get(f"/ar/{SLUGS[0]}/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert '<script src="/__livereload.js"' in body
    assert body.rstrip().endswith("</html>") and body.index("__livereload.js") < body.rindex("</body>")
    built = (server.project.output / "ar" / SLUGS[0] / "index.html").read_text(encoding="utf-8")
    assert "__livereload" not in built
    assert f'href="{server.url}ar/{SLUGS[0]}/"' in body  # links point at the local server
    status, headers, script = server.get("/__livereload.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript") and "EventSource" in script


def test_content_types_and_directory_redirects(server):
    assert server.get("/ar/feed.xml")[1]["content-type"] == "application/xml; charset=utf-8"
    assert server.get("/sitemap.xml")[1]["content-type"] == "application/xml; charset=utf-8"
    assert server.get("/robots.txt")[1]["content-type"] == "text/plain; charset=utf-8"
    fonts = sorted((server.project.output / "theme").rglob("*.woff2"))
    if fonts:
        path = "/" + fonts[0].relative_to(server.project.output).as_posix()
        status, headers, _ = server.get(path)
        assert status == 200 and headers["content-type"] == "font/woff2"
    status, headers, _ = server.get(f"/ar/{SLUGS[1]}")
    assert status == 302 and headers["location"] == f"/ar/{SLUGS[1]}/"
    assert server.get("/", method="HEAD")[0] == 200


def test_unknown_paths_get_the_sites_404_page(server):
    status, headers, body = server.get("/ar/no-such-article/")
    assert status == 404 and headers["content-type"] == "text/html; charset=utf-8"
    not_found = (server.project.output / "404.html").read_text(encoding="utf-8")
    assert re.search(r"<title>.*</title>", not_found).group(0) in body
    assert "__livereload.js" in body


@pytest.mark.parametrize("path", ["/../site.yaml", "/%2e%2e/site.yaml", "/%2e%2e/%2e%2e/etc/passwd",
                                  "/..%2f..%2fetc/passwd", "//etc/passwd", "/ar/../../site.yaml",
                                  "/%2F%2Fetc%2Fpasswd", "/ar/%00/index.html"])
def test_no_file_outside_the_output_folder_is_served(server, path):
    status, _, body = server.get(path)
    assert status in (400, 404)
    assert "root:" not in body and "base_url" not in body


def test_symlinks_leading_out_of_the_output_folder_are_refused(server):
    output = server.project.output
    (output / "leak.yaml").symlink_to(server.project.config)
    (output / "etc").symlink_to("/etc", target_is_directory=True)
    (output / "inside.html").symlink_to(output / "404.html")
    try:
        for path in ("/leak.yaml", "/etc/passwd", "/etc/"):
            status, _, body = server.get(path)
            assert status == 404 and "root:" not in body and "base_url" not in body
        assert server.get("/inside.html")[0] == 200
    finally:
        for name in ("leak.yaml", "etc", "inside.html"):
            (output / name).unlink()


def test_the_preview_index_lists_titles_newest_first_with_their_english(server):
    status, _, body = server.get("/_preview/")
    assert status == 200
    items = re.findall(r'<li><a href="/_preview/([^/]+)/"><bdi lang="ar" dir="rtl">([^<]+)</bdi>.*?<small>\(([^)]+)\)',
                       body)
    dates = {slug: (server.project.content / f"{slug}.md").read_text(encoding="utf-8").split("date: ")[1][:25]
             for slug, _, _ in items}
    assert [slug for slug, _, _ in items] == sorted(dates, key=dates.get, reverse=True)
    assert {slug: state for slug, _, state in items} == {**{s: "not translated" for s in SLUGS}, ENGLISH: "editors"}
    assert all(title.strip() and not title.isascii() for _, title, _ in items)


def test_side_by_side_preview(server):
    status, _, body = server.get(f"/_preview/{SLUGS[2]}/")
    assert status == 200
    assert f'<iframe src="/ar/{SLUGS[2]}/"' in body  # no English: the article is not translated
    assert f'<iframe src="/en/{SLUGS[2]}/"' not in body and "No English page" in body
    body = server.get(f"/_preview/{ENGLISH}/")[2]  # the editors' English
    assert f'<iframe src="/en/{ENGLISH}/"' in body
    assert server.get("/_preview/no-such-article/")[0] == 404
    assert server.get(f"/_preview/{SLUGS[2]}")[0] == 302


def test_an_edit_sends_a_reload_event_and_the_page_shows_it(server):
    path = server.project.content / f"{SLUGS[0]}.md"
    original = path.read_text(encoding="utf-8")
    events = EventStream(server)
    try:
        set_title(path, "عنوان جديد للمعاينة")
        data = events.wait_for("reload")
        assert data["generation"] != events.hello["generation"]
        _, _, body = server.get(f"/ar/{SLUGS[0]}/")
        assert "عنوان جديد للمعاينة" in body
    finally:
        replace(path, original)
        events.wait_for("reload")
        events.close()


def test_a_broken_article_shows_an_overlay_until_it_is_fixed(server):
    path = server.project.content / f"{SLUGS[1]}.md"
    original = path.read_text(encoding="utf-8")
    lines = original.split("\n")
    assert lines[0] == "---" and lines[3].startswith("source:")
    events = EventStream(server)
    try:
        lines[3] = "source: : <b>broken"  # line 4: invalid YAML
        replace(path, "\n".join(lines))
        data = events.wait_for("broken")
        where = f"content/{SLUGS[1]}.md:4"
        assert where in data["overlay"]
        page = server.page_until(f"/ar/{SLUGS[2]}/", lambda b: "__digest_overlay" in b, "the overlay")
        assert where in page and "invalid YAML" in page
        assert "<b>broken" not in page
        assert server.get("/nowhere/")[2].count("__digest_overlay") == 1  # the 404 page too
    finally:
        replace(path, original)
    events.wait_for("reload")
    page = server.page_until(f"/ar/{SLUGS[2]}/", lambda b: "__digest_overlay" not in b, "no overlay")
    assert f"/ar/{SLUGS[2]}/" in page
    events.close()


def restore(path: Path, before: bytes | None) -> None:
    """Put a file back as it was: gone when it was not there."""
    if before is None:
        path.unlink(missing_ok=True)
    else:
        replace(path, before)


def test_a_stylesheet_change_swaps_css_without_a_reload(server):
    css = server.project.root / "theme" / "style.css"
    before = css.read_bytes() if css.exists() else None
    events = EventStream(server)
    try:
        css.parent.mkdir(exist_ok=True)
        replace(css, (before or b"").decode() + "\nhtml { --probe: 1; }\n")
        events.wait_for("css")
        status, headers, body = server.get("/theme/style.css")
        assert status == 200 and headers["content-type"] == "text/css; charset=utf-8" and "--probe" in body
    finally:
        restore(css, before)
    events.wait_for("css")
    events.close()


def test_a_stream_resumes_from_the_generation_a_page_last_saw(server):
    """A page still connecting when a build ends gets that build's own event (a stylesheet swap
    stays a swap), from its `since` on the first connection or Last-Event-ID on a reconnect."""
    css = server.project.root / "theme" / "style.css"
    before = css.read_bytes() if css.exists() else None
    article = server.project.content / f"{SLUGS[2]}.md"
    original = article.read_text(encoding="utf-8")
    watching = EventStream(server)
    page = watching.hello["generation"]  # what a page served now carries
    try:
        css.parent.mkdir(exist_ok=True)
        replace(css, (before or b"").decode() + "\nhtml { --resume: 1; }\n")
        swapped = watching.wait_for("css")["generation"]

        for late in (EventStream(server, f"?since={page}"), EventStream(server, headers={"Last-Event-ID": page})):
            assert late.hello == {"generation": page, "resumed": True}
            assert late.wait_for("css")["generation"] == swapped
            late.close()
        up_to_date = EventStream(server, f"?since={swapped}")
        assert up_to_date.hello == {"generation": swapped, "resumed": True}

        set_title(article, "عنوان بعد تغيير الأنماط")
        rebuilt = watching.wait_for("reload")["generation"]
        assert up_to_date.wait_for("reload")["generation"] == rebuilt
        up_to_date.close()
        missed_two = EventStream(server, f"?since={page}")  # a swap alone cannot catch it up
        assert missed_two.wait_for("reload")["generation"] == rebuilt
        missed_two.close()

        token = rebuilt.partition(".")[0]
        for unknown in ("?since=0123abcd.1", "?since=", f"?since={rebuilt}9", f"?since={token}.%C2%B2"):
            fresh = EventStream(server, unknown)
            assert fresh.hello == {"generation": rebuilt, "resumed": False}
            fresh.close()
    finally:  # both files back first, then until the server shows them (whatever failed above)
        replace(article, original)
        restore(css, before)
        watching.close()
        server.page_until(f"/ar/{SLUGS[2]}/", lambda b: "عنوان بعد تغيير الأنماط" not in b, "the title back")
        server.page_until("/theme/style.css", lambda b: "--resume" not in b, "the stylesheet back")


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example",
                                  "localhost.evil.example", "192.168.1.20:{port}", "[2001:db8::1]:{port}"])
def test_requests_for_another_host_name_are_refused(server, host):
    """A page of another site that points its own name at this machine (DNS rebinding) could
    read the preview, drafts included: every path is refused for a name that is not this
    server's own."""
    header = host.format(port=server.port)
    for path in ("/", f"/ar/{SLUGS[0]}/", "/__livereload", "/__livereload.js", f"/_preview/{SLUGS[0]}/",
                 "/robots.txt", "/nowhere/"):
        status, _, body = server.get(path, host=header)
        assert status == 403, (path, header)
        assert SLUGS[0] not in body and "EventSource" not in body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "127.0.0.1", "localhost:{port}", "LocalHost.:{port}",
                                  "preview.localhost:{port}", "[::1]:{port}", "127.0.0.2:{port}"])
def test_loopback_names_and_the_bound_address_are_answered(server, host):
    assert server.get(f"/ar/{SLUGS[0]}/", host=host.format(port=server.port))[0] == 200


def test_a_server_on_every_interface_answers_any_address_and_the_machines_name_but_no_other_name():
    """Reached from the network by its address (or the machine's name): not by a name that
    someone else's DNS points at it."""
    from digest.serve import PreviewServer

    for host, outsider in (("0.0.0.0", True), ("127.0.0.1", False)):
        server = PreviewServer(host, 0)
        try:
            assert server.host_allowed(f"localhost:{server.server_address[1]}")
            assert server.host_allowed("192.168.1.20:8000") is outsider
            assert server.host_allowed(socket.gethostname()) is (outsider or socket.gethostname() == "localhost")
            assert not server.host_allowed("evil.example:8000")
            assert server.host_allowed(None)  # no Host header: no browser's request
        finally:
            server.server_close()


def test_a_half_sent_request_is_dropped_after_a_read_timeout(server):
    """It held a thread for ever."""
    from digest.serve import REQUEST_TIMEOUT_S

    with socket.create_connection((server.host, server.port), timeout=REQUEST_TIMEOUT_S + 10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        started = time.monotonic()
        assert sock.recv(1024) == b""  # closed, without an answer
    assert time.monotonic() - started < REQUEST_TIMEOUT_S + 3


def test_two_hundred_clients_connect_at_once(server):
    """Five connections were queued: the rest waited for TCP's one-second retries (200 clients
    took ten seconds). With a long enough queue the kernel accepts them all at once."""
    clients = []
    try:
        started = time.monotonic()
        for _ in range(200):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.connect_ex((server.host, server.port))
            clients.append(sock)
        poller = select.poll()
        for sock in clients:
            poller.register(sock, select.POLLOUT)
        pending = {sock.fileno() for sock in clients}
        while pending and time.monotonic() - started < 10:
            for fd, _ in poller.poll(100):
                pending.discard(fd)
                poller.unregister(fd)
        elapsed = time.monotonic() - started
    finally:
        for sock in clients:
            sock.close()
    assert not pending
    assert elapsed < 0.9  # a client refused once waits a second before it tries again
    assert server.get("/")[0] == 200


def test_an_event_streams_thread_ends_within_seconds_of_its_page_closing(tmp_path):
    """It lived until a keepalive write failed: up to 30 s after the page went away."""
    with ServeProcess(small_project(tmp_path / "project")) as running:
        tasks = Path(f"/proc/{running.proc.pid}/task")
        if not tasks.is_dir():
            pytest.skip("counting a process's threads needs Linux's /proc")

        def threads() -> int:
            return len(os.listdir(tasks))

        baseline = threads()
        streams = []
        for _ in range(5):
            sock = socket.create_connection((running.host, running.port), timeout=10)
            sock.sendall(b"GET /__livereload HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            received = b""
            while b"event: hello" not in received:
                received += sock.recv(4096)
            streams.append(sock)
        assert threads() >= baseline + 5
        for sock in streams:
            sock.close()
        closed = time.monotonic()
        while threads() > baseline and time.monotonic() - closed < 10:
            time.sleep(0.1)
        assert threads() <= baseline and time.monotonic() - closed < 4
        assert running.stop()[0] == 0


def test_overlay_escapes_what_it_shows():
    html = overlay_html([Problem("content/<x>.md", 7, "bad <script>alert(1)</script> & more")])
    assert "<script>" not in html and "<x>" not in html
    assert "content/&lt;x&gt;.md:7" in html and "&lt;script&gt;" in html and "&amp; more" in html


def test_ctrl_c_stops_cleanly(tmp_path):
    with ServeProcess(small_project(tmp_path / "project")) as running:
        events = EventStream(running)  # an open stream must not hold the shutdown up
        assert running.get("/")[0] == 200
        started = time.monotonic()
        code, stderr = running.stop(signal.SIGINT)
        events.close()
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert time.monotonic() - started < 5


def test_ctrl_c_while_the_server_starts_its_threads_waits_for_them():
    """A Ctrl-C that lands while serve() starts its threads is noted and acted on once they run:
    raised in between, it left a thread never started, which shutdown waited for (or joined and
    failed). A second Ctrl-C still leaves at once. Run in a child, away from pytest's handler."""
    script = """if True:
        import os, signal, threading, time
        from digest.serve import CtrlC
        ctrl_c = CtrlC(threading.Event())
        with ctrl_c.hold():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the handler runs here, in the main thread
            print("held, pressed:", ctrl_c.pressed, flush=True)
        ctrl_c.restore()
        again = CtrlC(threading.Event())
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
            print("not raised", flush=True)
        except KeyboardInterrupt:
            print("raised", flush=True)
        with again.hold():
            os.kill(os.getpid(), signal.SIGINT)  # the second Ctrl-C: out at once, status 0
            time.sleep(1)
        print("still running", flush=True)
    """
    env = child_env()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["held, pressed: True", "raised"], done.stdout + done.stderr


def test_serve_stops_on_a_ctrl_c_that_came_while_its_threads_started(tmp_path):
    """The Ctrl-C held by CtrlC.hold() is acted on once the threads run: serve() stops cleanly
    at once, without a second press and without announcing that it serves."""
    project = small_project(tmp_path / "project")
    script = f"""if True:
        import os, signal, sys, threading
        from pathlib import Path
        from digest.build import BuildOptions
        from digest.serve import serve
        start = threading.Thread.start
        def start_after_ctrl_c(thread):
            if thread.name == "digest-watch":
                os.kill(os.getpid(), signal.SIGINT)
            start(thread)
        threading.Thread.start = start_after_ctrl_c
        root = Path({str(project.root)!r})
        options = BuildOptions(content=root / "content", output=root / "site", cache=root / ".cache",
                               config=root / "site.yaml", jobs=1)
        print("status", serve(options, port=0), flush=True)
    """
    env = child_env(ARGOS_PACKAGES_DIR=str(project.root / "no-models"))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == ["stopped", "status 0"], done.stdout + done.stderr
    assert "serving" not in done.stdout and "Traceback" not in done.stderr


def test_build_workers_forked_while_serving_ignore_ctrl_c_and_end_on_pool_terminate():
    """Pool.terminate() ends workers with SIGTERM; workers forked with the server's handler for it
    could lose it and wait forever, hanging a big build. Run in a child, away from pytest."""
    script = """if True:
        import multiprocessing, os, signal, threading
        from digest.serve import CtrlC
        CtrlC(threading.Event())
        handler = signal.getsignal(signal.SIGINT)
        pid = os.fork()
        if pid == 0:  # a worker that got Ctrl-C before the fork hook ran: nothing happens
            handler(signal.SIGINT, None)
            os._exit(3)
        print("early:", os.waitpid(pid, 0)[1] == 3 << 8)
        def double(x):
            return 2 * x
        def worker_signals(_):
            return signal.getsignal(signal.SIGINT) == signal.SIG_IGN, signal.getsignal(signal.SIGTERM)
        def run():
            for _ in range(10):
                with multiprocessing.get_context("fork").Pool(2) as pool:
                    assert pool.map(double, range(40), chunksize=4) == [2 * x for x in range(40)]
            with multiprocessing.get_context("fork").Pool(1) as pool:
                print(pool.map(worker_signals, [0]))
        thread = threading.Thread(target=run)  # rebuilds run in the watcher thread
        thread.start()
        thread.join()
        print("ok")
    """
    env = child_env()
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env, start_new_session=True) as child:
        try:
            out, err = child.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)  # the workers too, which hold the pipes open
            raise AssertionError("a pool of build workers hung on terminate()") from None
    assert child.returncode == 0 and "ok" in out, err
    assert "early: True" in out
    assert "[(True, <Handlers.SIG_DFL: 0>)]" in out
    assert "Traceback" not in err


def test_a_second_session_on_another_port_links_to_itself(tmp_path):
    project = small_project(tmp_path / "project")
    urls = []
    for _ in range(2):
        with ServeProcess(project) as running:
            _, _, body = running.get(f"/ar/{SLUGS[0]}/")
            urls.append(running.url)
            code, stderr = running.stop()
            assert code == 0, stderr
        assert f'rel="canonical" href="{running.url}ar/{SLUGS[0]}/"' in body
    assert urls[0] != urls[1]


def test_the_preview_answers_before_translating_and_reloads_as_translations_land(tmp_path):
    """With a model installed and nothing cached, the first build publishes without translating;
    a background pass translates, and open pages reload once its chunks land."""
    from argos_fixture import build_argos_package

    project = small_project(tmp_path / "project")
    project.config.write_text("translation:\n  quality: off\n", encoding="utf-8")  # the test model writes gibberish
    package = build_argos_package(tmp_path / "argos")
    env = child_env(ARGOS_PACKAGES_DIR=str(project.root / "no-models"))
    subprocess.run([sys.executable, str(ROOT / "build.py"), "models", "install", str(package)],
                   cwd=project.root, env=env, check=True, capture_output=True, timeout=120)
    with ServeProcess(project) as server:
        _, _, body = server.get(f"/ar/{SLUGS[0]}/")
        served = re.search(r'data-generation="([^.]+)\.\d+"', body)
        assert served is not None
        # From the first build's outcome (number 0): the reload is sent even if the translations
        # landed before this stream connected.
        events = EventStream(server, f"?since={served.group(1)}.0")
        events.wait_for("reload")
        page = server.page_until(f"/en/{SLUGS[0]}/", lambda b: "translate-ar_en 1.0" in b, "machine English")
        assert 'lang="en"' in page
        events.close()
        code, _ = server.stop()
    lines = list(server.before_url)
    while not server.stdout.empty():
        lines.append(server.stdout.get())
    printed = "".join(lines)
    assert re.search(r"translated 0 sentences \(0 cached, 0 held back\); \d+ texts wait for translation", printed)
    assert "translating" in printed and "translations arrived" in printed
    assert code == 0

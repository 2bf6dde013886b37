"""Reader: one UTF-8 Markdown file with YAML front matter becomes one validated Article."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from digest.bundles import INDEX_NAMES, is_local, slug_stem
from digest.config import Config
from digest.problems import Problem, yaml_error
from digest.slugs import drop_arabic_marks, slug_key, slug_problem

TEXT_FIELDS = ("title", "source", "source_url", "category", "summary", "title_en",
               "summary_en", "slug", "image", "author", "source_hash",
               "image_caption", "image_caption_en", "image_credit", "image_credit_en")
KNOWN_KEYS = frozenset((*TEXT_FIELDS, "tags", "draft", "date"))  # any other reaches templates as `extra`
# The body `new` wrote before it wrote drafts with none: an article still saying only this is
# not published.
PLACEHOLDER_BODY = "نص المقال هنا."
CONTENT_SUFFIXES = (".md", ".markdown", ".txt")
FUTURE_GRACE = timedelta(days=1)
# What front matter may expand to (aliases repeat what they name): values, and characters of
# text, counted as if every alias were written out. A few hundred bytes of nested aliases
# otherwise expand to billions of values, and hashing the article never ends.
FRONT_MATTER_MAX_VALUES = 10_000
FRONT_MATTER_MAX_CHARS = 1_000_000  # or the front matter's own length, if longer
# Markdown's time grows with lines and markup characters (a table cell, a list item, a link,
# each level of a quote or list a line is in), each costing hundreds of times a byte of plain
# text: a body with more of them than this is refused rather than taking minutes to build. A
# file at max_file_size, of any mix of text and markup within this, builds in a few seconds.
MARKUP_MAX = 50_000
_MARKUP = "\n|*_`[]!<&~\\"
# Patterns compiled on first use (re keeps them), as few bodies are long enough to need them:
# every build imports this module, a build with nothing to do included.
_CONTAINER = r"[ \t]*(?:>|[-+*][ \t]|\d{1,9}[.)][ \t])"
_CONTAINERS = f"(?m)^(?:{_CONTAINER})+"  # what a line starts with: quotes, list items
_INT = "tag:yaml.org,2002:int"
_HTML_IMG = "(?i)<img"
Err = Callable[..., None]


_CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")  # not NEL: a line break to YAML


class _FrontMatterLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe loader that leaves dates as text, so we can report impossible dates ourselves."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class FilledOnUse:
    """An object loaded from the saved state with only some fields set: using any other field
    fills them all in (see digest.incremental.store._PickleFile.fill). Python calls __getattr__ only
    for a field not set, so set fields cost nothing more."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        saved = object.__getattribute__(self, "_lazy")
        if saved is None or name.startswith("__"):  # a protocol probe (__html__...) is no field
            raise AttributeError(name)
        saved[0].fill(self, saved)
        return object.__getattribute__(self, name)


@dataclass(slots=True)  # thousands are kept between builds: slots make them smaller and faster to load
class Article(FilledOnUse):
    """An article as the editor wrote it; derived text (HTML, summaries, English) comes later."""

    path: str  # as shown in messages
    slug: str
    title: str
    date: datetime
    body: str
    body_line: int
    source: str = ""
    source_url: str = ""
    category: str = ""
    tags: list[str] = field(default_factory=list)
    summary: str = ""
    title_en: str = ""
    summary_en: str = ""
    draft: bool = False
    image: str = ""
    author: str = ""
    source_hash: str = ""
    # The lead image's caption and credit, in Arabic and the editors' English (a caption the
    # editors did not put in English is machine-translated, as the summary is).
    image_caption: str = ""
    image_caption_en: str = ""
    image_credit: str = ""
    image_credit_en: str = ""
    image_line: int = 1  # where `image:` is, for messages about the file it names
    extra: dict[str, Any] = field(default_factory=dict)
    arabic_digest: str = ""  # set from the text at creation; kept when the body is dropped
    body_dropped: bool = field(default=False, compare=False)  # the build keeps only the HTML
    _lazy: Any = field(default=None, repr=False, compare=False)  # see FilledOnUse

    def __post_init__(self) -> None:
        if not self.arabic_digest:
            text = self.title + "\n" + (self.summary or self.body)
            self.arabic_digest = hashlib.sha256(text.encode()).hexdigest()[:16]

    def arabic_hash(self) -> str:
        """Hash of the Arabic that an editor's English translates (title and summary or body)."""
        return self.arabic_digest


def split_front_matter(text: str) -> tuple[str, str, int] | str:
    """(yaml, body, body_line) or a message saying why the file has no usable front matter."""
    if not text.startswith("---\n"):
        return "no front matter: the file must start with a line '---'"
    match = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.M)
    if not match:
        return "front matter not closed: add a line '---' after the last field"
    front = text[4 : 4 + match.start()]
    body_start = 4 + match.end() + 1
    body_line = text.count("\n", 0, min(body_start, len(text))) + 1
    return front, text[body_start:], body_line


def title_and_body(path: str | Path) -> tuple[str | None, str]:
    """`(title, body)` of an article file, unchecked, or of a plain-text file (which may start
    with a byte order mark, as the EASC corpus does): what the summarizer's command line reads."""
    text = Path(path).read_text(encoding="utf-8-sig")
    parts = split_front_matter(text.replace("\r\n", "\n"))
    if isinstance(parts, str):
        return None, text  # plain text, as it is
    front, body, _ = parts
    try:
        meta = yaml.load(front, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except yaml.YAMLError:
        meta = {}
    title = meta.get("title") if isinstance(meta, dict) else None
    return (str(title) if title else None), body


def read_article(path: str | Path, config: Config, shown: str | None = None) -> tuple[Article | None, list[Problem]]:
    """Read and validate one file; problems are errors unless marked as warnings. The article
    and the messages name the file as `shown` (default: `path` as given)."""
    shown = str(path) if shown is None else shown
    path = Path(path)
    problems: list[Problem] = []

    def err(line: int, message: str, warning: bool = False, until: float | None = None) -> None:
        problems.append(Problem(shown, line, message, warning, until))

    try:
        # Without blocking: a named pipe put where an article was would wait for a writer forever.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as handle:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                err(1, f"not a regular file ({_file_kind(st.st_mode)}); only regular files are read")
                return None, problems
            if st.st_size > config.max_file_size:
                err(1, f"file is {st.st_size:,} bytes, over the limit of {config.max_file_size:,} (max_file_size)")
                return None, problems
            data = handle.read(st.st_size + 1)  # one byte more shows a file that grew meanwhile
            if len(data) > st.st_size:  # read on, but never past the limit
                data += handle.read(config.max_file_size + 1 - len(data))
        if len(data) > config.max_file_size:
            err(1, f"file is over the limit of {config.max_file_size:,} bytes (max_file_size)")
            return None, problems
    except OSError as exc:
        err(1, f"cannot read file: {exc.strerror or exc}")
        return None, problems
    if not data:
        err(1, "file is empty (0 bytes)")
        return None, problems
    if b"\0" in data:
        err(data.count(b"\n", 0, data.index(b"\0")) + 1, "file contains NUL bytes; is it a binary file?")
        return None, problems
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        err(line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8")
        return None, problems
    # One form for the same text (the validators flag decomposed letters; search and slugs need
    # one spelling): NFC, as the web expects.
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    # Control characters are invisible in an editor and invalid in HTML (they would reach <title>
    # and the page): dropped, with a warning at the first one.
    control = _CONTROLS.search(text)
    if control is not None:
        err(text.count("\n", 0, control.start()) + 1, "control characters removed from the text", warning=True)
        text = _CONTROLS.sub("", text)
    parts = split_front_matter(text)
    if isinstance(parts, str):
        err(1, parts)
        return None, problems
    front, body, body_line = parts
    markup = _markup_count(body)
    if markup > MARKUP_MAX:
        err(body_line, f"the body has {markup:,} lines and Markdown markup characters (table cells, list "
                       f"items, links...), over the limit of {MARKUP_MAX:,}; split it into several articles")
        return None, problems
    meta, where = _parse_yaml(front, err)
    if meta is None:
        return None, problems
    article = _article_from(meta, where, body, body_line, path, shown, config, err)
    if article is not None:
        _check_body(article, front.count("\n") + 2, config, err)
    return (article if not any(not p.warning for p in problems) else None), problems


def _check_body(article: Article, closing_line: int, config: Config, err: Err) -> None:
    """A body that is not ready (refused unless the article is a draft), and images that the
    pages' Content-Security-Policy will block."""
    body, text = article.body, article.body.strip()
    if not article.draft:
        ready = "write the article, or set draft: true until it is ready"
        if not text:  # on the closing '---': an empty body has no line of its own
            err(closing_line, f"the article has no text after the front matter; {ready}")
        elif text == PLACEHOLDER_BODY:
            err(article.body_line + body.count("\n", 0, body.index(text)),
                f"the body is still the placeholder that 'new' wrote; {ready}")
    # Only a body with an image and an address with a host is parsed here (a news body seldom
    # has one): every other costs two substring searches. Any host is reported, the site's own
    # too: the preview and a --base-url build serve the pages from elsewhere, and what a file
    # reads as must not depend on where it is built (a build keeps it for the next).
    if "//" in body and ("![" in body or (config.allow_html and re.search(_HTML_IMG, body))):
        from digest.markup import hosted_images

        for offset, host in hosted_images(body, config.allow_html):
            err(article.body_line + offset, *remote_image_problem(host, config.images.remote))


def remote_image_problem(host: str, mode: str) -> tuple[str, bool]:
    """What `check` and the build say of an image on another host under images.remote, and
    whether it is only a warning."""
    if mode == "allow":
        return (f"image from {host} is loaded from that host (images.remote: allow adds it to the pages' "
                "Content-Security-Policy); readers' browsers contact it", True)
    if mode == "download":
        return (f"image from {host} cannot be downloaded: builds never use the network (images.remote: "
                "download); save the image in the article's folder (a page bundle) and link it by its name",
                False)
    return (f"image from {host} is blocked by the pages' Content-Security-Policy wherever they are served "
            "from another host (img-src 'self'); save it in the article's folder (a page bundle) and link it "
            "by its name, or set images.remote: allow", True)


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a plain file"


def _markup_count(body: str) -> int:
    """Lines and characters that may start Markdown markup: what the parser's time grows with.
    Counted only for a body long enough to hold more than MARKUP_MAX of them."""
    if len(body) <= MARKUP_MAX:
        return 0
    nested = sum(len(re.findall(_CONTAINER, found.group())) for found in re.finditer(_CONTAINERS, body))
    return nested + sum(body.count(c) for c in _MARKUP)


def _parse_yaml(front: str, err: Err) -> tuple[dict | None, dict[str, tuple[int, yaml.Node]]]:
    """The front matter's values, and for each top-level key its line and its value's node
    (messages point at the value, or at a list's item)."""
    loader = _FrontMatterLoader(front)
    try:
        node = loader.get_single_node()
        if node is not None and not _check_nodes(node, len(front), err):
            return None, {}
        meta = loader.construct_document(node) if node is not None else {}
    except yaml.YAMLError as exc:
        line, problem = yaml_error(exc, 2)
        err(line, f"invalid YAML in front matter: {problem}")
        return None, {}
    except (ValueError, OverflowError, TypeError, RecursionError) as exc:  # a value YAML cannot make
        err(2, f"invalid YAML in front matter: {exc}")
        return None, {}
    finally:
        loader.dispose()
    if not isinstance(meta, dict):
        err(2, "front matter must be 'key: value' lines")
        return None, {}
    where: dict[str, tuple[int, yaml.Node]] = {}
    if node is not None:
        # Keys a merge (<<: *name) brought in are here too: constructing flattened them in.
        for key_node, value_node in node.value:
            where[str(key_node.value)] = (key_node.start_mark.line + 2, value_node)
    return meta, where


def _check_nodes(root: yaml.Node, size: int, err: Err) -> bool:
    """Whether the composed front matter may be constructed: reports duplicate keys, integers
    too long for Python to read, and aliases that expand past FRONT_MATTER_MAX_VALUES values or
    FRONT_MATTER_MAX_CHARS characters. Walks the nodes as if every alias were written out,
    stopping at the limits, so a bomb costs no more than the limits."""
    max_chars = max(size, FRONT_MATTER_MAX_CHARS)
    max_digits = sys.get_int_max_str_digits() or 4300
    values = chars = 0
    checked: set[int] = set()  # mappings and numbers already checked (an alias names them again)
    ok = True
    stack = [root]
    while stack:
        node = stack.pop()
        values += 1
        if values > FRONT_MATTER_MAX_VALUES or chars > max_chars:
            err(node.start_mark.line + 2, f"front matter expands to over {FRONT_MATTER_MAX_VALUES:,} values or "
                                          f"{max_chars:,} characters (through aliases: *name)")
            return False
        if isinstance(node, yaml.ScalarNode):
            chars += len(node.value)
            if node.tag == _INT and id(node) not in checked:
                checked.add(id(node))
                digits = sum(ch.isdigit() for ch in node.value)
                if digits > max_digits:
                    err(node.start_mark.line + 2, f"a number of {digits:,} digits is too long; quote it "
                                                  "to make it text")
                    ok = False
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            if id(node) not in checked:
                checked.add(id(node))
                seen: dict[tuple[str, str], int] = {}
                for key, _ in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value != "<<":  # a merge key may repeat
                        first = seen.setdefault((key.tag, key.value), key.start_mark.line + 2)
                        if first != key.start_mark.line + 2:
                            err(key.start_mark.line + 2, f"duplicate key '{key.value}' (first on line {first})")
                            ok = False
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
    return ok


def _article_from(meta: dict, where: dict[str, tuple[int, yaml.Node]], body: str, body_line: int,
                  path: Path, shown: str, config: Config, err: Err) -> Article | None:
    def line(key: str) -> int:
        return where[key][0] if key in where else 1

    def value_line(key: str) -> int:
        return where[key][1].start_mark.line + 2 if key in where else 1

    values: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        value = meta.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            err(line(key), f"'{key}' must be text, not {_kind(value)}")
            continue
        if isinstance(value, str):
            values[key] = value.strip()
            continue
        # A number: kept as written, since str() of what YAML made of it is not (1.10 gives
        # 1.1, 0x1F gives 31, 0123 gives 83).
        node = where[key][1] if key in where else None
        written = node.value if isinstance(node, yaml.ScalarNode) else str(value)
        values[key] = written.strip()
        if key != "source_hash":  # written by `check --fix`, and a hash may be all digits
            err(value_line(key), f"'{key}' is read as a number; if it is text, quote it: {key}: \"{written}\"",
                warning=True)
    for key in ("title_en", "summary_en"):  # an Arabic field pasted into an English one
        why = _not_english(values.get(key, ""))
        if why:
            err(line(key), f"{key} has {why}: is it English?", warning=True)
    for key in ("title", "date"):
        if meta.get(key) in (None, ""):
            err(line(key) if key in meta else 2, f"missing required field '{key}'")
    tags = _tags(meta.get("tags", []), where.get("tags"), err)
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        err(line("draft"), f"'draft' must be true or false, not {draft!r}")
    when = None
    if meta.get("date") not in (None, ""):
        when = _parse_date(meta["date"], config, err, line("date"))
    category = values.get("category", "")
    if category and category not in config.categories and not config.allow_new_categories:
        err(value_line("category"), unknown_category(category, config))
    bundled = path.name in INDEX_NAMES and is_local(values.get("image", ""))  # a file of the bundle
    for key, check in (("source_url", _source_url_problem), ("image", _image_problem)):
        why = "" if key == "image" and bundled else check(values.get(key, ""))
        if why:
            err(value_line(key), why, warning=True)
    extra = {}
    for key, value in meta.items():
        if key not in KNOWN_KEYS:
            extra[key] = value
            close = _close_key(str(key))
            if close:
                err(line(str(key)), f"unknown key '{key}': did you mean '{close}'? (a key the reader does not "
                                    "know only reaches the templates, as entry.article.extra)", warning=True)
    # Arabic vowel marks (harakat) are spelling aids, not part of a word's identity: dropped.
    slug = drop_arabic_marks(unicodedata.normalize("NFC", values.pop("slug", "") or slug_stem(path)))
    problem = slug_problem(slug)
    if problem:
        err(line("slug") if "slug" in meta else 1, problem)
    if not values.get("title") or when is None or problem:
        return None
    return Article(path=shown, slug=slug, date=when, body=body, body_line=body_line, tags=tags,
                   draft=draft is True, extra=extra, image_line=value_line("image"), **values)


def _tags(tags: Any, where: tuple[int, yaml.Node] | None, err: Err) -> list[str]:
    """The tags as a list of text, each once; a single word is taken as one tag, with a warning."""
    at = where[1].start_mark.line + 2 if where else 1
    if isinstance(tags, str):
        if tags.strip():
            words = ", ".join(word.strip() for word in re.split("[,،]", tags) if word.strip())
            err(at, f"'tags' should be a list: tags: [{words}]", warning=True)
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, (str, int)) and not isinstance(t, bool) for t in tags):
        err(where[0] if where else 1, "'tags' must be a list of words")
        return []
    texts = [text for text in (str(tag).strip() for tag in tags) if text]
    kept = list(dict.fromkeys(texts))
    if len(kept) < len(texts):  # a tag given twice: say where, from the list's items
        node = where[1] if where else None
        items = node.value if isinstance(node, yaml.SequenceNode) and len(node.value) == len(tags) else None
        first: dict[str, int] = {}
        for i, tag in enumerate(tags):
            text = str(tag).strip()
            if not text:
                continue
            tag_line = items[i].start_mark.line + 2 if items else at
            if text in first:
                err(tag_line, f"duplicate tag '{text}' (first on line {first[text]}); it is shown once",
                    warning=True)
            else:
                first[text] = tag_line
    return kept


@lru_cache(maxsize=256)  # sites that pass their own keys to templates repeat them in every file
def _close_key(key: str) -> str:
    """The known front-matter key that `key` is likely a typo of, or ''."""
    import difflib  # only for a key the reader does not know

    folded = key.casefold()
    close = difflib.get_close_matches(folded, sorted(KNOWN_KEYS), n=1, cutoff=0.8)
    return close[0] if close else ""


def unknown_category(category: str, config: Config) -> str:
    """Why a category is refused, with the key it most likely means: one that differs only in
    case, one whose Arabic or English name it is, or one spelt alike."""
    folded = category.casefold()
    keys = {key.casefold(): key for key in config.categories}
    close = keys.get(folded) or next(
        (key for key, names in config.categories.items()
         if any(isinstance(n, str) and n.strip().casefold() == folded for n in names.values())), None)
    if close is None:
        import difflib

        found = difflib.get_close_matches(folded, list(keys), n=1, cutoff=0.6)
        close = keys[found[0]] if found else None
    how = "to add a category, give its names under categories: in site.yaml, or set allow_new_categories: true"
    if close is not None:
        return f"category '{category}' is not one of the site's categories: did you mean '{close}'? ({how})"
    return f"category '{category}' is not one of the site's categories ({', '.join(config.categories)}); {how}"


def has_host(url: str) -> bool:
    """Whether an http(s) address names a host: something between '//' and the path. (Asked of
    every source_url: a string test rather than urlsplit.)"""
    start = url.find("//") + 2
    return start < len(url) and url[start] not in "/?#"


def _with_scheme(url: str) -> str:
    """'https://' + url when it reads as a host and path written without a scheme, else ''."""
    if url.startswith("//"):
        return "https:" + url
    if re.match(r"(?:[\w-]+\.)+[a-z]{2,}(?:[/?#:]|$)", url, re.I) and " " not in url:
        return "https://" + url
    return ""


def _source_url_problem(url: str) -> str:
    """Why a source_url is not linked (pages link only http and https addresses), or ''."""
    if not url or (url.startswith(("http://", "https://")) and has_host(url)):
        return ""
    fixed = _with_scheme(url)
    hint = f"; did you mean '{fixed}'?" if fixed else ""
    return f"source_url '{url}' is not linked: only an http:// or https:// address is{hint}"


def _image_problem(url: str) -> str:
    """Why an image is not shared as the page's picture (Open Graph, JSON-LD), or ''."""
    if not url or (url.startswith("/") and not url.startswith("//")) or (url.startswith("https://") and has_host(url)):
        return ""
    why = f"image '{url}' is not used: it must be an https:// address or a path in the site such as /theme/photo.jpg"
    if url.startswith("http://"):
        return f"{why}; did you mean '{'https://' + url[7:]}'?"
    fixed = _with_scheme(url) or ("/" + url if re.match(r"[\w-]+(?:/[\w.-]+)*\.\w+$", url) else "")
    return f"{why}; did you mean '{fixed}'?" if fixed else why


def _not_english(text: str) -> str:
    """Why editor English does not look like English ('Arabic letters', 'bidi controls'), or ''."""
    if not text:
        return ""
    from digest.quality import gate

    why = gate(text, text)
    return why if why in ("Arabic letters", "bidi controls") else ""


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    return type(value).__name__


def _parse_date(value: Any, config: Config, err, line: int) -> datetime | None:
    """ISO 8601 date or date-time; a time without offset is in the site's timezone."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        err(line, f"'date' must be an ISO 8601 date such as 2016-09-01T14:46:00+03:00, not {_kind(value)}")
        return None
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            when = datetime.combine(date.fromisoformat(text), time(0, 0))
        else:
            when = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError as exc:
        reason = str(exc) if "out of range" in str(exc) or "must be in" in str(exc) else "not an ISO 8601 date"
        err(line, f"impossible date '{text}': {reason} (use e.g. 2016-09-01T14:46:00+03:00)")
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=config.tz)
    try:
        # What the build does with a date (in UTC, in the site's zone, as a day with the days
        # around it) must stay inside the years 1 to 9999 that Python's dates can hold.
        for zone in (UTC, config.tz):
            if not date.min < when.astimezone(zone).date() < date.max:
                raise OverflowError("the first or last day Python can hold")
        when.timestamp()
    except (OverflowError, ValueError):
        err(line, f"impossible date '{text}': too close to the year 1 or 9999 "
                  "(use e.g. 2016-09-01T14:46:00+03:00)")
        return None
    if when - datetime.now(when.tzinfo) > FUTURE_GRACE:
        err(line, f"date {text} is in the future", warning=True, until=(when - FUTURE_GRACE).timestamp())
    return when


def content_files(content_dir: Path, links: list[str] | None = None) -> tuple[list[str], list[Problem]]:
    """Article files under the content folder, sorted; links leading outside it are refused, and
    those inside it are listed in `links` when given.

    Uses os.scandir's file types and plain strings, so a folder of thousands of files costs no
    extra system call or Path object per file (the preview scans it on every save).
    """
    root = content_dir.resolve()
    found: list[str] = []
    problems: list[Problem] = []

    def walk(folder: str) -> None:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        if folder != str(content_dir):
            # A page bundle: its index is the article, everything else in it belongs to it.
            index = [e for e in entries if e.name in INDEX_NAMES]
            if index:
                entries = index[:1]
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path)
            elif entry.name.endswith(CONTENT_SUFFIXES):
                if entry.is_symlink():
                    try:
                        target = Path(entry.path).resolve()
                    except (OSError, RuntimeError):  # Python 3.11 and 3.12 raise RuntimeError
                        problems.append(Problem(entry.path, 1, "symbolic link loop: the link leads back to itself"))
                        continue
                    if not target.is_relative_to(root):
                        problems.append(Problem(entry.path, 1,
                                                f"symbolic link points outside the content folder ({target})"))
                        continue
                    if links is not None:
                        links.append(entry.path)
                try:
                    kind = None if entry.is_file() else _file_kind(entry.stat().st_mode)
                except OSError:
                    kind = None  # a broken link: reading it says so
                if kind is not None:
                    problems.append(Problem(entry.path, 1, f"not a regular file ({kind}); only regular files are read"))
                    continue
                found.append(entry.path)

    walk(str(content_dir))
    return found, problems


def check_unique_slugs(articles: list[Article]) -> list[Problem]:
    """Two articles may not share a slug, even when they differ only in case or normalisation."""
    seen: dict[str, Article] = {}
    problems = []
    for article in articles:
        key = slug_key(article.slug)
        first = seen.setdefault(key, article)
        if first is not article:
            problems.append(Problem(article.path, 1,
                                    f"slug '{article.slug}' is already used by {first.path}"))
    return problems


def field_line(path: Path, key: str) -> int:
    """The line of `key:` in a file's front matter, or 0 (read again: only messages need it)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return 0
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() in ("---", "..."):
            break
        if re.match(rf"{key}\s*:", line):
            return number
    return 0

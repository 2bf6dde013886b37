"""Markdown to safe HTML and to plain text, from one parse of the body."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import nh3

if TYPE_CHECKING:  # imported when a body needs the parser: most do not (see _plain_paragraphs)
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_SAFE_SCHEME = re.compile(r"^(?:https?:|mailto:|tel:|#|/|\./|\.\./|[^:/?#]*(?:[/?#]|$))", re.I)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")

# Tags and attributes an editor may use when a site turns raw HTML on; everything else goes.
ALLOWED_TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "dd", "del",
    "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "time", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"dir", "lang", "title"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "ol": {"start"},
}


def safe_url(url: str) -> bool:
    """True for web, mail and relative links; False for javascript:, data:, vbscript: and the like."""
    return bool(_SAFE_SCHEME.match(_CONTROL.sub("", url)))


@lru_cache(maxsize=2)
def parser(allow_html: bool) -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"html": allow_html, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.validateLink = safe_url  # type: ignore[method-assign]
    for rule in ("fence", "code_block"):
        _ltr_code(md, rule)
    _counted_code_spans(md)
    return md


def _counted_code_spans(md: MarkdownIt) -> None:
    """Each code span notes the line breaks it spans (its text has them as spaces), so that
    hosted_images() can tell the line of what follows it. The HTML is unchanged."""
    from markdown_it.rules_inline import backtick

    def counted(state, silent):  # type: ignore[no-untyped-def]
        start, tokens = state.pos, len(state.tokens)
        if not backtick(state, silent):
            return False
        if len(state.tokens) > tokens and state.tokens[-1].type == "code_inline":
            state.tokens[-1].meta["lines"] = state.src.count("\n", start, state.pos)
        return True

    md.inline.ruler.at("backticks", counted)


_IMG_SRC = re.compile(r"""<img\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)


def hosted_images(body: str, allow_html: bool) -> list[tuple[int, str]]:
    """(line of the body from 0, host) of each image in the body given by an address with a
    host (http, https or //host/), as the Markdown parser reads it: not one in code, nor raw
    HTML unless the site allows it."""
    found: list[tuple[int, str]] = []

    def host_of(src: str) -> str:
        try:
            parts = urlsplit(src.strip())
        except ValueError:
            return ""
        if parts.scheme.lower() not in ("http", "https", "") or not parts.netloc:
            return ""
        return parts.netloc.rpartition("@")[2].casefold()

    def html_images(html: str, line: int) -> None:
        for match in _IMG_SRC.finditer(html):
            host = host_of(next(g for g in match.groups() if g is not None))
            if host:
                found.append((line + html.count("\n", 0, match.start()), host))

    def inline(children: list[Token], line: int, collect: bool) -> int:
        """Walks one block's inline tokens from its first line; returns the line it ends on."""
        for child in children:
            if child.type == "image":
                host = host_of(child.attrGet("src") or "") if collect else ""
                if host:
                    found.append((line, host))
                line = inline(child.children or [], line, False)  # the alt text's line breaks
            elif child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "code_inline":
                line += child.meta.get("lines", 0)
            elif child.type == "html_inline":
                if collect and allow_html:
                    html_images(child.content, line)
                line += child.content.count("\n")
        return line

    for token in parser(allow_html).parse(body, {}):
        if token.map is None:
            continue
        if token.type == "inline" and token.children:
            inline(token.children, token.map[0], True)
        elif token.type == "html_block" and allow_html:
            html_images(token.content, token.map[0])
    return found


def _ltr_code(md: MarkdownIt, rule: str) -> None:
    """Code is always left-to-right, even inside an Arabic page; focusable, since it may scroll."""
    original = md.renderer.rules[rule]

    def render(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        return original(tokens, idx, options, env).replace("<pre>", '<pre dir="ltr" tabindex="0">', 1)

    md.add_render_rule(rule, render)


# Most news articles are plain paragraphs: no character, and no line start, that means anything
# to CommonMark or to the plugins used here. Such a body renders as <p> elements of its text, and
# markdown-it-py spends most of a build's Markdown time finding that out.
# Anything else, or any doubt, goes to markdown-it; tests/test_markup.py checks on generated
# bodies that both ways give the same HTML and text.

# Every character Python counts as a space except the plain space, the line feed and the
# no-break space: markdown-it-py strips them at a paragraph's ends only, which the shortcut
# follows for the no-break space (common in news copy) and does not try for these.
OTHER_SPACES = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_NOT_PLAIN_CHAR = re.compile(r"[\\`*_\[\]<>&|~\x00" + OTHER_SPACES + "]")  # inline markup, entities, HTML, tables
_NOT_PLAIN_LINE = re.compile(r"\n(?: {0,3}(?:[-+=#]|\d+[.)])| {4})")  # headings, lists, rules, code
_HARD_BREAK = re.compile(r" {2,}\n(?! *$)", re.M)  # two spaces ending a line inside a paragraph


def _looks_plain(body: str) -> bool:
    """No character and no line start that Markdown gives a meaning to (three scans, each of
    which the regular expression engine runs at C speed)."""
    if _NOT_PLAIN_CHAR.search(body) or _NOT_PLAIN_LINE.search("\n" + body):
        return False
    return "  \n" not in body or not _HARD_BREAK.search(body)


def _plain_paragraphs(body: str) -> list[list[str]] | None:
    """The lines of each paragraph as markdown-it-py reads them, when the body is plain
    paragraphs; else None."""
    if not _looks_plain(body):
        return None
    paragraphs: list[list[str]] = []
    group: list[str] = []
    for line in [*body.split("\n"), ""]:
        if line.strip(" "):
            group.append(line)
            continue
        if group:
            # The paragraph's text is stripped (of any Unicode space) at its two ends; inside
            # it, each line break drops the spaces around it.
            content = "\n".join(group).strip()
            if not content:
                return None
            paragraphs.append([part.strip(" ") for part in content.split("\n")])
            group = []
    return paragraphs


def render_markdown(body: str, allow_html: bool = False) -> tuple[str, str]:
    """(HTML, plain text paragraphs separated by blank lines) of a Markdown body."""
    plain = _plain_paragraphs(body)
    if plain is None:
        return render_with_markdown_it(body, allow_html)
    html = "".join("<p>" + "\n".join(lines).replace('"', "&quot;") + "</p>\n" for lines in plain)
    return _clean(html) if allow_html else html, "\n\n".join(" ".join(lines) for lines in plain)


def render_with_markdown_it(body: str, allow_html: bool = False) -> tuple[str, str]:
    """render_markdown() without the shortcut for plain paragraphs."""
    md = parser(allow_html)
    tokens = md.parse(body, {})
    html = md.renderer.render(tokens, md.options, {})
    return _clean(html) if allow_html else html, plain_text(tokens)


def _clean(html: str) -> str:
    """Only the tags and attributes an editor may use, and only safe links (when raw HTML is on)."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto", "tel"}, link_rel="noopener noreferrer")


def plain_text(tokens: list[Token]) -> str:
    """The readable words of the body, a paragraph per block, for summaries and feeds."""
    blocks = []
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        parts = []
        for child in token.children:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
            elif child.type == "image":
                continue
        text = "".join(parts).strip()
        if text:
            blocks.append(text)
    return "\n\n".join(blocks)

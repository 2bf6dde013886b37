"""Problems found in content, reported together as `path:line: message` rather than tracebacks."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: from a file name or
# a front-matter value they could retitle or recolour the terminal, or split a message's line.
# Bidi embeddings, overrides and isolates too: they could make a message read as another
# (a path shown backwards), while the marks (LRM, RLM) that Arabic text needs are kept.
# (Compiled on first use, by re: a build that prints nothing need not.)
_CONTROLS = "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def escape_controls(text: str) -> str:
    """The text with control characters written as escapes (\\x1b, \\n), safe to print."""
    return re.sub(_CONTROLS, _escape_one, text)


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    warning: bool = False
    # For a problem that time alone ends (a date in the future): the POSIX time from which it
    # no longer holds. Problems are kept with unchanged files and replayed by later builds,
    # which drop it once that time has come.
    until: float | None = field(default=None, compare=False)

    def holds(self, now: float) -> bool:
        return self.until is None or now < self.until

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return escape_controls(f"{self.path}:{self.line}: {kind}{self.message}")


class ContentError(Exception):
    """Raised with every error found, so the editor can fix them all in one pass."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


# YAML errors whose construct starts where the fix goes (a quote or bracket left open, a key
# without its colon): the parser notices only lines later, often at the end of the text, so its
# own line would send the editor to the wrong place. Any other error is on the parser's line.
_OPENED = {
    "while scanning a quoted scalar": "a quoted value starts on this line and is not closed",
    "while parsing a flow sequence": "a list '[' opened on this line is not closed with ']'",
    "while parsing a flow mapping": "a '{' opened on this line is not closed with '}'",
    "while scanning a simple key": "this line has a key without ':' after it",
}


def yaml_error(exc: Exception, first_line: int) -> tuple[int, str]:
    """(line, message) for a PyYAML error in text whose first line is `first_line` of its file:
    one line, the one to fix, and a message that names no other."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    problem_mark, context_mark = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
    context = getattr(exc, "context", None)
    opened = _OPENED.get(context or "")
    if opened and context_mark is not None and problem_mark is not None and problem_mark.line != context_mark.line \
            and (context != "while scanning a quoted scalar" or "end of stream" in problem or "document" in problem):
        return context_mark.line + first_line, opened
    mark = problem_mark or context_mark
    return (mark.line + first_line if mark else first_line), problem


def print_problems(problems: Iterable[Problem]) -> None:
    """Each problem on its own line of stderr, as `path:line: message`."""
    for problem in problems:
        print(problem, file=sys.stderr, flush=True)

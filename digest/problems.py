"""Problems found in content, reported together as `path:line: message` rather than tracebacks."""

from __future__ import annotations

from dataclasses import dataclass, field


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
        return f"{self.path}:{self.line}: {kind}{self.message}"


class ContentError(Exception):
    """Raised with every error found, so the editor can fix them all in one pass."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

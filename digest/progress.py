"""Progress for long work: a tqdm bar (rate, time left) on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time

PLAIN_EVERY_S = 10.0


class Progress:
    """Shown when `progress` is True, or when it is None and the job has at least `minimum` items."""

    def __init__(self, total: int, what: str, unit: str, progress: bool | None, minimum: int) -> None:
        self.total, self.what, self.unit = total, what, unit
        self.done = 0
        self.start = self.last_line = time.monotonic()
        show = progress is True or (progress is None and total >= minimum)
        tty = sys.stderr.isatty()
        self.plain = show and not tty
        self.bar = None
        if show and tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=unit, desc=what, file=sys.stderr, dynamic_ncols=True, leave=False)

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.plain:
            now = time.monotonic()
            if now - self.last_line >= PLAIN_EVERY_S or self.done == self.total:
                self.last_line = now
                rate = self.done / max(now - self.start, 1e-9)
                left = (self.total - self.done) / rate if rate > 0 else 0.0
                print(f"{self.what}: {self.done}/{self.total} {self.unit}s, {rate:.1f}/s, about {left:.0f} s left",
                      file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

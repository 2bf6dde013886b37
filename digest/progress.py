"""Progress for long work: a tqdm bar (rate, time left) on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import threading
import time

PLAIN_EVERY_S = 10.0


class Progress:
    """Shown when `progress` is True, or when it is None and the job has at least `minimum` items.

    `work`: the job's total cost in some unit that grows with each item's cost (tokens of a
    sentence), when items differ in cost: the time left is estimated from it rather than from
    the count of items. Without a terminal a line is printed at least every PLAIN_EVERY_S
    seconds, even while no item finishes, so a log shows that the job is alive.
    """

    def __init__(self, total: int, what: str, unit: str, progress: bool | None, minimum: int,
                 work: int | None = None) -> None:
        self.total, self.what, self.unit = total, what, unit
        self.work_total = work
        self.done = self.work_done = 0
        self.start = time.monotonic()
        show = progress is True or (progress is None and total >= minimum)
        tty = sys.stderr.isatty()
        self.bar = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if show and tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=unit, desc=what, file=sys.stderr, dynamic_ncols=True, leave=False)
        elif show:
            self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
            self._ticker.start()

    def left(self) -> float | None:
        """Seconds left, by the share of the work (or of the items) done so far."""
        elapsed = time.monotonic() - self.start
        if self.work_total:
            share = self.work_done / self.work_total
        else:
            share = self.done / self.total if self.total else 1.0
        return elapsed * (1 - share) / share if share > 0 else None

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.start, 1e-9)
        left = self.left()
        when = f"about {left:.0f} s left" if left is not None else "time left unknown yet"
        return (f"{self.what}: {self.done}/{self.total} {self.unit}s, {self.done / elapsed:.1f} {self.unit}s/s, "
                f"{when}")

    def _tick(self) -> None:
        while not self._stop.wait(PLAIN_EVERY_S):
            with self._lock:
                print(self.line(), file=sys.stderr, flush=True)

    def update(self, n: int, work: int = 0) -> None:
        with self._lock:
            self.done += n
            self.work_done += work
            if self.bar is not None:
                left = self.left()
                if left is not None and self.work_total:
                    self.bar.set_postfix_str(f"about {left:.0f} s left", refresh=False)
                self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._ticker = None
            if self.done:
                print(self.line(), file=sys.stderr, flush=True)

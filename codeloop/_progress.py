"""Progress for long work: a tqdm bar in a terminal, a log line now and then otherwise
(CI logs and files get readable lines, not carriage-return noise)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``update(done)`` as work advances; ``close()`` at the end (or use it as a context manager)."""

    def __init__(self, total: int, description: str, *, stream: TextIO | None = None,
                 interval_seconds: float = 15.0, force_lines: bool = False) -> None:
        self.total, self.description = total, description
        self.stream = stream or sys.stderr
        self.interval = interval_seconds
        self._done = 0
        self._began = self._last = time.monotonic()
        self._bar = None
        if not force_lines and getattr(self.stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=description, file=self.stream, leave=False)

    def update(self, done: int, note: str = "") -> None:
        if self._bar is not None:
            self._bar.update(done - self._done)
            if note:
                self._bar.set_postfix_str(note)
        else:
            now = time.monotonic()
            if now - self._last >= self.interval or done >= self.total:
                self._last = now
                extra = f" ({note})" if note else ""
                print(f"[{self.description}] {done}/{self.total} after {now - self._began:.0f} s{extra}",
                      file=self.stream, flush=True)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

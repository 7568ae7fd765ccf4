"""Progress that is never silent: a live bar on a terminal, a line every few seconds in CI logs."""

from __future__ import annotations

import sys
import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class ProgressLine:
    """done/total, errors and throughput for one long step."""

    def __init__(self, label: str, total: int, enabled: bool = True, every_s: float = 10.0) -> None:
        self.label, self.total, self.enabled, self.every_s = label, total, enabled, every_s
        self.done = 0
        self.errors = 0
        self._started = time.perf_counter()
        self._last_line = self._started
        self._interactive = enabled and sys.stderr.isatty()
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> ProgressLine:
        if self._interactive:
            self._bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("errors {task.fields[errors]}"),
                TextColumn("{task.fields[rate]}/s"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total, errors=0, rate="0.0")
        elif self.enabled:
            print(f"{self.label}: 0/{self.total}", file=sys.stderr, flush=True)
        return self

    def advance(self, error: bool = False) -> None:
        self.done += 1
        self.errors += int(error)
        rate = f"{self.rate:.1f}"
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=1, errors=self.errors, rate=rate)
        elif self.enabled and time.perf_counter() - self._last_line >= self.every_s:
            self._last_line = time.perf_counter()
            self._print_line()

    @property
    def rate(self) -> float:
        elapsed = time.perf_counter() - self._started
        return self.done / elapsed if elapsed > 0 else 0.0

    def _print_line(self) -> None:
        print(
            f"{self.label}: {self.done}/{self.total} errors={self.errors} {self.rate:.1f}/s",
            file=sys.stderr,
            flush=True,
        )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self.enabled and self.total:
            self._print_line()

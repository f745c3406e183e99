"""Progress on stderr: a live bar on a terminal, plain lines otherwise.

Titles, reasons and server messages in the lines are untrusted: every line and
the bar's waiting note go through `terminal_text`, so only the printer's own
carriage returns and erase-line codes ever reach the terminal as controls.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from studio.core.events import (
    BudgetReached,
    Event,
    ImageFailed,
    ImageReady,
    Notice,
    PageTextReady,
    PlanFailed,
    PlanStarted,
    RunFinished,
    StoryWaiting,
    TitleReady,
    UsageUpdated,
)
from studio.core.terminal import terminal_text


class ProgressPrinter:
    def __init__(self, total_pages: int, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.total = total_pages
        self.texts = 0
        self.pictures = 0
        self.failed = 0
        self.cost = 0.0
        self.started = time.monotonic()
        self._bar_shown = False
        self._waiting = ""
        self._waits_told = 0.0

    def __call__(self, event: Event) -> None:
        line = self._line_for(event)
        if line:
            line = terminal_text(line)
        if self.live:
            if line:
                self._clear_bar()
                print(line, file=self.stream)
            self._draw_bar()
        elif line:
            print(line, file=self.stream, flush=True)

    def _line_for(self, event: Event) -> str | None:
        if isinstance(event, StoryWaiting):
            return self._waiting_line(event)
        self._waiting = ""
        if isinstance(event, PlanStarted):
            self.total = event.pages
            return f"Writing a {event.pages}-page story..."
        if isinstance(event, TitleReady):
            return f"Title: {event.title}"
        if isinstance(event, PageTextReady):
            self.texts = max(self.texts, event.page.number)
            return None if self.live else f"Page {event.page.number}: text ready"
        if isinstance(event, ImageReady):
            self.pictures += 1
            return None if self.live else f"Page {event.number}: picture ready"
        if isinstance(event, ImageFailed):
            self.failed += 1
            return f"Page {event.number}: picture failed: {event.reason}"
        if isinstance(event, UsageUpdated):
            self.cost = event.totals.cost_usd
            return None
        if isinstance(event, BudgetReached):
            return f"Budget of ${event.budget_usd:.2f} reached (spent ${event.spent_usd:.2f}); no new requests."
        if isinstance(event, PlanFailed):
            return f"The story could not be written: {event.reason}"
        if isinstance(event, Notice):
            return event.message
        if isinstance(event, RunFinished):
            self._clear_bar()
            return event.message or None
        return None

    def _waiting_line(self, event: StoryWaiting) -> str | None:
        self._waiting = (
            f"waiting for {event.what}: {event.seconds:.0f} s of at most {event.limit:.0f} s"
        )
        if self.live:
            return None
        due = 5.0 if self._waits_told < 5 else max(15.0, self._waits_told * 2)
        if event.seconds < due and self._waits_told:
            return None
        self._waits_told = event.seconds
        return (
            f"Waiting for the story server to write {event.what}: {event.seconds:.0f} s so far "
            f"(given up after {event.limit:.0f} s)."
        )

    def _draw_bar(self) -> None:
        width = 24
        done = int(width * self.pictures / self.total) if self.total else 0
        bar = "#" * done + "-" * (width - done)
        elapsed = time.monotonic() - self.started
        text = (
            f"\r[{bar}] text {self.texts}/{self.total}  pictures {self.pictures}/{self.total}"
            f"  failed {self.failed}  ${self.cost:.3f}  {elapsed:4.0f}s"
        )
        if self._waiting:
            text += f"  ({terminal_text(self._waiting, one_line=True)})"
        self.stream.write(text)
        self.stream.flush()
        self._bar_shown = True

    def _clear_bar(self) -> None:
        if self._bar_shown:
            self.stream.write("\r\033[K")
            self._bar_shown = False

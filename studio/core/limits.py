"""Concurrency that paces itself to a server's rate limit.

`AdaptiveLimiter` bounds how many calls run at once. When a server answers
429 with Retry-After, the limiter learns the server's sliding window from it
(how many calls were accepted, and when the oldest of them frees its place)
and from then on starts a call only when a place in that window is free. So
after the first 429 it neither bursts into the limit again nor idles below it.
A 429 without Retry-After halves the width instead, recovering after a while.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from dataclasses import dataclass
from types import TracebackType

HISTORY_SECONDS = 300.0


@dataclass(eq=False)
class Slot:
    """One call's place in the limiter; `started` is when it was let through."""

    started: float
    rejected: bool = False


@dataclass(frozen=True)
class RateWindow:
    """At most `calls` starts in any `seconds`, as learned from the server."""

    calls: int
    seconds: float


class AdaptiveLimiter:
    def __init__(self, maximum: int, cooldown: float = 10.0) -> None:
        self.maximum = max(1, maximum)
        self.width = self.maximum
        self.cooldown = cooldown
        self.window: RateWindow | None = None
        self._in_use = 0
        self._paused_until = 0.0
        self._pause_set_at = 0.0
        self._calm_after = 0.0
        self._accepted: deque[Slot] = deque()
        self._changed = asyncio.Event()

    @property
    def in_use(self) -> int:
        return self._in_use

    # --- taking and giving back places --------------------------------------------------

    async def acquire(self) -> Slot:
        while True:
            now = time.monotonic()
            wait = max(self._paused_until - now, self._window_wait(now))
            if wait <= 0 and self._in_use < self.width:
                self._in_use += 1
                slot = Slot(started=now)
                self._accepted.append(slot)
                return slot
            changed = self._changed
            try:
                async with asyncio.timeout(wait if wait > 0 else None):
                    await changed.wait()
            except TimeoutError:
                pass

    def release(self) -> None:
        self._in_use -= 1
        self._wake()

    async def __aenter__(self) -> Slot:
        return await self.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # --- what the server said --------------------------------------------------------------

    def penalize(self, retry_after: float | None, slot: Slot | None = None) -> float:
        """Note a 429 for `slot`. Returns how long its caller should wait before retrying."""
        now = time.monotonic()
        if slot is not None:
            slot.rejected = True
        delay = retry_after if retry_after and retry_after > 0 else 1.0
        stale = slot is not None and slot.started < self._pause_set_at
        if not stale:
            if retry_after and retry_after > 0 and slot is not None:
                self._learn_window(now, retry_after)
            else:
                self.width = max(1, min(self.width, self._in_use) // 2)
                self._calm_after = now + max(self.cooldown, delay)
            self._pause_set_at = now
        self._paused_until = max(self._paused_until, now + delay)
        return max(0.0, self._paused_until - now)

    def succeeded(self, slot: Slot | None = None) -> None:
        if self.width < self.maximum and time.monotonic() >= self._calm_after:
            self.width += 1
            self._calm_after = time.monotonic() + self.cooldown / 4
            self._wake()

    # --- the learned window ------------------------------------------------------------------

    def _recent_accepted(self, now: float) -> list[Slot]:
        while self._accepted and (
            self._accepted[0].started < now - HISTORY_SECONDS or self._accepted[0].rejected
        ):
            self._accepted.popleft()
        return [s for s in self._accepted if not s.rejected]

    def _learn_window(self, now: float, retry_after: float) -> None:
        accepted = self._recent_accepted(now)
        if not accepted:
            return
        oldest = accepted[0].started
        seconds = max(0.05, (now + retry_after - oldest) * 1.02)
        calls = max(1, len(accepted))
        if self.window is not None:
            calls = min(calls, self.window.calls)
            seconds = max(seconds, self.window.seconds)
        self.window = RateWindow(calls=calls, seconds=seconds)

    def _window_wait(self, now: float) -> float:
        """Seconds until a start fits the learned window (0 when it fits now)."""
        if self.window is None:
            return 0.0
        recent = [
            s.started for s in self._recent_accepted(now) if s.started > now - self.window.seconds
        ]
        if len(recent) < self.window.calls:
            return 0.0
        return recent[len(recent) - self.window.calls] + self.window.seconds - now


def backoff_delay(attempt: int, base: float = 0.5, cap: float = 20.0) -> float:
    """Exponential backoff with full jitter; `attempt` counts from 1."""
    return float(random.uniform(0, min(cap, base * (2 ** (attempt - 1)))))

"""Concurrency that backs off under rate limits and recovers afterwards."""

from __future__ import annotations

import asyncio
import random
import time
from types import TracebackType


class AdaptiveLimiter:
    """An async context manager like a semaphore whose width shrinks on 429s.

    `penalize(retry_after)` pauses every new acquisition until the server's
    Retry-After has passed and halves the width; each success after the cool
    down widens it by one again, up to `maximum`.
    """

    def __init__(self, maximum: int, cooldown: float = 10.0) -> None:
        self.maximum = max(1, maximum)
        self.width = self.maximum
        self.cooldown = cooldown
        self._in_use = 0
        self._paused_until = 0.0
        self._calm_after = 0.0
        self._changed = asyncio.Event()

    @property
    def in_use(self) -> int:
        return self._in_use

    async def acquire(self) -> None:
        while True:
            wait = self._paused_until - time.monotonic()
            if wait <= 0 and self._in_use < self.width:
                self._in_use += 1
                return
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), timeout=wait if wait > 0 else None)
            except TimeoutError:
                pass

    def release(self) -> None:
        self._in_use -= 1
        self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def penalize(self, retry_after: float | None) -> float:
        """Note a 429. Returns how long the caller should wait before retrying."""
        now = time.monotonic()
        delay = retry_after if retry_after and retry_after > 0 else 1.0
        self._paused_until = max(self._paused_until, now + delay)
        self.width = max(1, min(self.width, self._in_use) // 2)
        self._calm_after = now + max(self.cooldown, delay)
        return max(0.0, self._paused_until - now)

    def succeeded(self) -> None:
        if self.width < self.maximum and time.monotonic() >= self._calm_after:
            self.width += 1
            self._calm_after = time.monotonic() + self.cooldown / 4
            self._wake()


def backoff_delay(attempt: int, base: float = 0.5, cap: float = 20.0) -> float:
    """Exponential backoff with full jitter; `attempt` counts from 1."""
    return float(random.uniform(0, min(cap, base * (2 ** (attempt - 1)))))

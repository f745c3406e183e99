"""One retry policy for every call a run makes: the story, its repair, pages, pictures.

- A rate limit (429) is waited out (the server's Retry-After, else a backoff) and
  counted apart: up to `max_rate_limited` times. Where an adaptive limiter already
  holds the next call until the server has room, the wait is left to it.
- A transient failure (a reset, a 5xx, a timeout, a stream cut off) is tried again
  after an exponential backoff, up to `max_attempts` calls in all; the last one's
  reason is given as a sentence naming the server.
- Anything else (a rejected key, a refused prompt, an answer that cannot be used)
  is not tried again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from studio.core.limits import backoff_delay
from studio.core.providers.base import ProviderError, RateLimited, TransientError

T = TypeVar("T")


def describe_failure(err: BaseException, server: str) -> str:
    """A failed call as a sentence: a timeout names the server that did not answer."""
    if isinstance(err, TimeoutError):
        return f"The {server} did not answer in time."
    return str(err) or type(err).__name__


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    max_rate_limited: int = 30
    backoff_base: float = 0.5

    async def run(
        self,
        call: Callable[[], Awaitable[T]],
        *,
        server: str,
        between: Callable[[], None] | None = None,
        limiter_waits: bool = False,
    ) -> T:
        """`call()` until it succeeds or the policy gives up (the last error is raised).

        `between` runs before each new try; `limiter_waits`: a rate limit is not
        slept on here because a limiter already holds the next call."""
        attempts = rate_limited = 0
        while True:
            try:
                return await call()
            except RateLimited as err:
                rate_limited += 1
                if rate_limited >= self.max_rate_limited:
                    raise
                if between is not None:
                    between()
                if not limiter_waits:
                    await asyncio.sleep(err.retry_after or backoff_delay(rate_limited, 1.0))
                continue
            except (TransientError, TimeoutError) as err:
                attempts += 1
                if attempts >= self.max_attempts:
                    raise TransientError(describe_failure(err, server)) from err
            except ProviderError as err:
                attempts += 1
                if not err.retryable or attempts >= self.max_attempts:
                    raise
            if between is not None:
                between()
            await asyncio.sleep(backoff_delay(attempts, self.backoff_base))

import asyncio
import time

from studio.core.limits import AdaptiveLimiter


async def test_width_bounds_how_many_run_at_once() -> None:
    limiter = AdaptiveLimiter(3)
    peak = 0

    async def work() -> None:
        nonlocal peak
        async with limiter:
            peak = max(peak, limiter.in_use)
            await asyncio.sleep(0.01)

    await asyncio.gather(*(work() for _ in range(10)))
    assert peak == 3
    assert limiter.in_use == 0


async def test_a_429_pauses_everyone_and_narrows_the_width() -> None:
    limiter = AdaptiveLimiter(4, cooldown=0.0)
    await limiter.acquire()
    await limiter.acquire()
    wait = limiter.penalize(0.2)
    assert 0.15 < wait <= 0.2 + 1e-6
    assert limiter.width == 1
    limiter.release()
    limiter.release()
    started = time.monotonic()
    await limiter.acquire()
    assert time.monotonic() - started >= 0.15
    limiter.release()
    limiter.succeeded()
    assert limiter.width == 2


async def test_cancelled_waiters_do_not_leak_slots() -> None:
    limiter = AdaptiveLimiter(1)
    await limiter.acquire()
    waiter = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    limiter.release()
    await asyncio.wait_for(limiter.acquire(), 1)
    assert limiter.in_use == 1

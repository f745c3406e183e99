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


async def test_a_429_without_retry_after_pauses_and_narrows_the_width() -> None:
    limiter = AdaptiveLimiter(4, cooldown=0.0)
    first = await limiter.acquire()
    await limiter.acquire()
    wait = limiter.penalize(None, first)
    assert 0.9 < wait <= 1.0 + 1e-6
    assert limiter.width == 1
    limiter.release()
    limiter.release()
    limiter.succeeded()
    assert limiter.width == 1  # still cooling down after the pause


async def test_retry_after_teaches_the_window_and_later_starts_keep_to_it() -> None:
    limiter = AdaptiveLimiter(10)
    slots = [await limiter.acquire() for _ in range(3)]
    for _slot in slots:
        limiter.release()
    rejected = await limiter.acquire()
    limiter.release()
    wait = limiter.penalize(0.3, rejected)
    assert limiter.window is not None
    assert limiter.window.calls == 3
    assert 0.29 < limiter.window.seconds < 0.35
    started = time.monotonic()
    again = [await limiter.acquire() for _ in range(6)]
    for _ in again:
        limiter.release()
    spread = [s.started - started for s in again]
    assert spread[0] >= wait - 0.02
    # three places per window: the fourth start waits for a whole window more
    assert spread[3] - spread[0] >= limiter.window.seconds - 0.02
    assert limiter.width == 10


async def test_429s_from_the_same_burst_do_not_count_twice() -> None:
    limiter = AdaptiveLimiter(10)
    burst = [await limiter.acquire() for _ in range(4)]
    limiter.penalize(0.2, burst[2])
    window = limiter.window
    limiter.penalize(0.2, burst[3])
    assert limiter.window == window
    for _ in burst:
        limiter.release()


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

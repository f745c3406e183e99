"""The pipeline's parts: the budget that holds calls in flight, the one retry policy."""

from __future__ import annotations

import pytest

from studio.core.budget import Budget
from studio.core.providers.base import AuthError, RateLimited, TransientError
from studio.core.retry import RetryPolicy


def test_calls_in_flight_count_against_the_budget() -> None:
    spent = [0.0]
    told: list[tuple[float, float]] = []
    budget = Budget(1.0, lambda: spent[0], lambda s, limit: told.append((s, limit)))
    with budget.holding(0.4), budget.holding(0.4):
        assert budget.reached(0.4), "a third call would pass the limit"
        assert not budget.reached(0.2)
    assert budget.reserved == 0
    with budget.streaming() as hold:
        hold.update(0.3)
        hold.update(1.0)
        assert budget.reached()
        hold.settle()
        spent[0] = 0.95
    assert budget.reserved == 0 and budget.reached(0.1)
    budget.note()
    budget.note()
    assert told == [(0.95, 1.0)]


def test_no_limit_is_never_reached() -> None:
    assert not Budget(None, lambda: 1e9, lambda *_: None).reached(1e9)


async def test_rate_limits_are_waited_out_and_counted_apart() -> None:
    calls: list[str] = []

    async def call() -> str:
        calls.append("call")
        if len(calls) <= 3:
            raise RateLimited("slow down", retry_after=0.001)
        if len(calls) == 4:
            raise TransientError("reset")
        return "ok"

    policy = RetryPolicy(max_attempts=2, max_rate_limited=5, backoff_base=0.001)
    assert await policy.run(call, server="story server") == "ok"
    assert len(calls) == 5


async def test_a_rejected_key_is_not_tried_again() -> None:
    calls = 0

    async def call() -> None:
        nonlocal calls
        calls += 1
        raise AuthError("bad key")

    with pytest.raises(AuthError):
        await RetryPolicy(backoff_base=0.001).run(call, server="story server")
    assert calls == 1


async def test_the_last_timeout_names_the_server() -> None:
    between: list[int] = []

    async def call() -> None:
        raise TimeoutError

    policy = RetryPolicy(max_attempts=3, backoff_base=0.001)
    with pytest.raises(TransientError, match=r"The image server did not answer in time\."):
        await policy.run(call, server="image server", between=lambda: between.append(1))
    assert len(between) == 2

"""A run's spending limit: what was spent, what calls in flight may still cost.

A call is counted against the budget from the moment it is asked for, at its
estimated cost, so concurrent calls cannot together pass the limit; the real
cost replaces the estimate when the call reports its usage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Budget:
    def __init__(
        self,
        limit_usd: float | None,
        spent: Callable[[], float],
        on_reached: Callable[[float, float], None],
    ) -> None:
        """`spent()`: the cost recorded so far; `on_reached(spent, limit)` is called once."""
        self.limit_usd = limit_usd
        self._spent = spent
        self._on_reached = on_reached
        self.reserved = 0.0
        """Estimated cost of the calls in flight."""
        self.noted = False

    def reached(self, next_call: float = 0.0) -> bool:
        """True when the budget is used up, or `next_call` would pass it."""
        if self.limit_usd is None:
            return False
        committed = self._spent() + self.reserved
        return committed >= self.limit_usd or committed + next_call > self.limit_usd

    def note(self) -> None:
        """Say once that the budget stops new calls."""
        if not self.noted:
            self.noted = True
            self._on_reached(self._spent(), self.limit_usd or 0.0)

    @contextmanager
    def holding(self, cost: float) -> Iterator[None]:
        """Count `cost` as committed while a call is in flight."""
        self.reserved += cost
        try:
            yield
        finally:
            self.reserved -= cost

    @contextmanager
    def streaming(self) -> Iterator[StreamHold]:
        """A hold whose estimate grows as a streamed answer arrives."""
        hold = StreamHold(self)
        try:
            yield hold
        finally:
            hold.settle()


class StreamHold:
    def __init__(self, budget: Budget) -> None:
        self._budget = budget
        self._held = 0.0

    def update(self, estimate: float) -> None:
        self._budget.reserved += estimate - self._held
        self._held = estimate

    def settle(self) -> None:
        """The real cost is recorded (or the call failed): the estimate is let go."""
        self._budget.reserved -= self._held
        self._held = 0.0

"""The one qasync loop, typed: running the app's coroutine on it, and async slots.

qasync ships without type information; these are its two entry points the
studio uses, with their types written down once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar, cast

import PySide6.QtWidgets  # noqa: F401  (Qt is imported before qasync picks a binding)
import qasync

P = ParamSpec("P")
T = TypeVar("T")

SlotMethod = Callable[P, Coroutine[Any, Any, None]]
Slot = Callable[P, "asyncio.Task[None]"]


def async_slot(*types: type) -> Callable[[SlotMethod[P]], Slot[P]]:
    """`qasync.asyncSlot`: a Qt slot that runs a coroutine as a task on the loop.

    Keep such slots thin (await one plain `async def` that tests can await).
    An error the coroutine raises goes to `sys.excepthook`, the error dialog.
    """
    return cast(Callable[[SlotMethod[P]], Slot[P]], qasync.asyncSlot(*types))


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` on a new qasync loop over the QApplication, until it returns."""
    return cast(T, qasync.run(main))

"""Background work a widget owns, in the manner of Anki's `CollectionOp`.

    Op(self.ops, self.refresh()).success(self._show_count).run_in_background()
    Op(self.ops, bundle.load).success(self._show_book).run_in_background()

An `Op` runs a coroutine, or a plain function in the executor, as a task its
`Ops` keeps. Its success and failure callbacks run on the GUI thread (the
loop's thread, which qasync shares with Qt). A failure without a failure
callback goes to `report`, the app's one error path (`sys.excepthook`, which
the composition root points at the `ErrorReporter` and its dialog).
Cancellation is not a failure: a cancelled op calls neither callback.

`Ops` is a QObject child of the widget that owns the work. The work is
cancelled when the widget closes or is destroyed; a view whose close path
must wait for its work awaits `Ops.stop()`.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

T = TypeVar("T")
Work = Coroutine[Any, Any, T] | Callable[[], T]
"""A coroutine to run on the loop, or a function to call in the executor."""


def report(error: BaseException) -> None:
    """Hand an error nobody handled to the app's error path (the error dialog)."""
    sys.excepthook(type(error), error, error.__traceback__)


def _cancel_all(tasks: set[asyncio.Task[Any]]) -> None:
    for task in list(tasks):
        task.cancel()


class Ops(QObject):
    """The background work one widget owns: started through `Op`, stopped with the widget.

    `executor` runs the plain functions; `cancel_on_close=False` leaves the work
    running when the owner closes, for an owner whose close path stops it in
    an order of its own (the main window stops its views first).
    """

    def __init__(
        self,
        owner: QObject,
        executor: Executor | None = None,
        *,
        cancel_on_close: bool = True,
    ) -> None:
        super().__init__(owner)
        self.executor = executor
        self._tasks: set[asyncio.Task[Any]] = set()
        tasks = self._tasks  # the destroyed handler must not touch the dying wrapper
        owner.destroyed.connect(lambda *_: _cancel_all(tasks))
        self._owner = owner
        if cancel_on_close and isinstance(owner, QWidget):
            owner.installEventFilter(self)

    @property
    def pending(self) -> int:
        """How many ops are still running."""
        return sum(not t.done() for t in self._tasks)

    def run(self, work: Work[T]) -> asyncio.Task[T]:
        """`Op(self, work).run_in_background()`: failures go to the error dialog."""
        return Op(self, work).run_in_background()

    async def join(self, work: Coroutine[Any, Any, T]) -> T | None:
        """Run `work` as an op and wait for it; None when it failed (the failure is
        reported once, by the op) or was stopped. For thin slots: cancelling the
        slot leaves the work to its owner."""
        task = self.run(work)
        try:
            return await asyncio.shield(task)
        except (asyncio.CancelledError, Exception):
            return None

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in the executor, awaited here (a step inside an op)."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def cancel(self) -> None:
        """Cancel every op still running (without waiting for them)."""
        me = asyncio.current_task()
        for task in list(self._tasks):
            if task is not me:
                task.cancel()

    async def stop(self) -> None:
        """Cancel every op and wait until all have stopped (also those started meanwhile)."""
        await self._settle(cancel=True)

    async def wait(self) -> None:
        """Wait until every op has ended, started meanwhile or not, without cancelling any."""
        await self._settle(cancel=False)

    async def _settle(self, *, cancel: bool) -> None:
        me = asyncio.current_task()
        while pending := [t for t in self._tasks if t is not me and not t.done()]:
            if cancel:
                for task in pending:
                    task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def _adopt(self, task: asyncio.Task[T], done: Callable[[asyncio.Task[T]], None]) -> None:
        self._tasks.add(task)
        tasks = self._tasks

        def finished(task: asyncio.Task[T]) -> None:
            tasks.discard(task)
            done(task)

        task.add_done_callback(finished)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._owner and event.type() == QEvent.Type.Close and self._tasks:
            # the widget may still refuse to close: look once it has handled the event
            try:
                asyncio.get_running_loop().call_soon(self._cancel_if_closed)
            except RuntimeError:  # no loop runs: nothing can be waiting on it
                pass
        return False

    def _cancel_if_closed(self) -> None:
        owner = self._owner
        if (
            shiboken6.isValid(self)
            and isinstance(owner, QWidget)
            and shiboken6.isValid(owner)
            and not owner.isVisible()
        ):
            self.cancel()


class Op(Generic[T]):
    """One piece of background work: `Op(ops, work).success(cb).run_in_background()`."""

    def __init__(self, ops: Ops, work: Work[T]) -> None:
        self._ops = ops
        self._work = work
        self._success: Callable[[T], object] | None = None
        self._failure: Callable[[Exception], object] | None = None

    def success(self, callback: Callable[[T], object]) -> Op[T]:
        """Call `callback(result)` on the GUI thread when the work has succeeded."""
        self._success = callback
        return self

    def failure(self, callback: Callable[[Exception], object]) -> Op[T]:
        """Call `callback(error)` on the GUI thread instead of reporting the error."""
        self._failure = callback
        return self

    def run_in_background(self) -> asyncio.Task[T]:
        """Start the work; the task is the owner's, and cancelling it stops the work."""
        work = self._work
        if asyncio.iscoroutine(work):
            coro: Coroutine[Any, Any, T] = work
        else:
            assert callable(work)
            coro = self._ops.call(work)
        task = asyncio.ensure_future(_while_the_loop_runs(coro))
        # cancelled before its first step, the task never starts `coro`: close it quietly
        task.add_done_callback(lambda _: coro.close())
        self._ops._adopt(task, self._finished)
        return task

    def _finished(self, task: asyncio.Task[T]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            if self._success is not None:
                _guarded(self._success, task.result())
        elif self._failure is not None and isinstance(error, Exception):
            _guarded(self._failure, error)
        else:
            report(error)


async def _while_the_loop_runs(work: Coroutine[Any, Any, T]) -> T:
    """Run `work`, unless its loop has stopped before it could start.

    qasync handles the callbacks that are due once more after its loop stops
    (the end of `run_until_complete`), with no running loop: an op started just
    before then would fail at its first `get_running_loop()`. It is cancelled
    instead, as the loop's stop cancels what it leaves.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        work.close()
        raise asyncio.CancelledError from None
    return await work


def _guarded(callback: Callable[[Any], object], value: Any) -> None:
    try:
        callback(value)
    except Exception as err:
        report(err)

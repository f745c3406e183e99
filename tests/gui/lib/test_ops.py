"""Background work a widget owns: callbacks on the GUI thread, one error path, stopped with it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import pytest_asyncio
import shiboken6
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget

from studio.core.library import StorageError
from studio.gui.errors import ErrorReporter
from studio.gui.lib.ops import Op, Ops, _while_the_loop_runs
from tests.gui.conftest import wait_until


@pytest_asyncio.fixture
async def reporter() -> AsyncIterator[list[str]]:
    """The app's error path, installed as it is in the app; yields the titles it reported."""
    reporter = ErrorReporter()
    reporter.show_dialogs = False
    titles: list[str] = []
    reporter.error_reported.connect(lambda title, _message: titles.append(title))
    reporter.install(asyncio.get_running_loop())
    yield titles
    reporter.uninstall()


@pytest.fixture
def owner() -> Iterator[QWidget]:
    widget = QWidget()
    yield widget
    if shiboken6.isValid(widget):
        widget.close()
        widget.deleteLater()


async def _forever() -> None:
    await asyncio.Event().wait()


async def test_success_gets_the_result_on_the_gui_thread(owner: QWidget) -> None:
    ops = Ops(owner)
    seen: list[tuple[int, bool]] = []

    async def work() -> int:
        await asyncio.sleep(0)
        return 7

    Op(ops, work()).success(
        lambda n: seen.append((n, threading.current_thread() is threading.main_thread()))
    ).run_in_background()
    await wait_until(lambda: seen, 2)
    assert seen == [(7, True)]
    assert ops.pending == 0


async def test_a_plain_function_runs_in_the_executor(owner: QWidget) -> None:
    with ThreadPoolExecutor(1, thread_name_prefix="op-test") as executor:
        ops = Ops(owner, executor)
        worker: list[str] = []
        results: list[str] = []

        def job() -> str:
            worker.append(threading.current_thread().name)
            return "done"

        task = Op(ops, job).success(results.append).run_in_background()
        assert await task == "done"
        assert worker[0].startswith("op-test") and results == ["done"]


async def test_a_failure_callback_takes_the_error_instead_of_the_dialog(
    owner: QWidget, reporter: list[str]
) -> None:
    ops = Ops(owner)
    failures: list[Exception] = []

    async def work() -> None:
        raise StorageError("The disk is full.")

    task = Op(ops, work()).failure(failures.append).run_in_background()
    await asyncio.gather(task, return_exceptions=True)
    await wait_until(lambda: failures, 2)
    assert isinstance(failures[0], StorageError)
    await asyncio.sleep(0.05)
    assert reporter == []


async def test_an_unhandled_failure_reaches_the_error_dialog_once(
    owner: QWidget, reporter: list[str]
) -> None:
    ops = Ops(owner)

    async def work() -> int:
        raise StorageError("The disk is full.")

    assert await ops.join(work()) is None
    await wait_until(lambda: reporter, 2)
    await asyncio.sleep(0.05)
    assert reporter == ["Could not save"]


async def test_a_failing_success_callback_is_reported(owner: QWidget, reporter: list[str]) -> None:
    ops = Ops(owner)

    def broken(_value: None) -> None:
        raise StorageError("The disk is full.")

    await Op(ops, asyncio.sleep(0)).success(broken).run_in_background()
    await wait_until(lambda: reporter, 2)
    assert reporter == ["Could not save"]


async def test_work_stops_when_its_owner_closes(owner: QWidget, reporter: list[str]) -> None:
    ops = Ops(owner)
    called: list[object] = []
    owner.show()
    task = Op(ops, _forever()).success(called.append).failure(called.append).run_in_background()
    await asyncio.sleep(0)
    owner.close()
    await wait_until(task.done, 2)
    assert task.cancelled() and not called and not reporter


async def test_work_goes_on_when_the_owner_refuses_to_close(owner: QWidget) -> None:
    class Stubborn(QWidget):
        def closeEvent(self, event: QCloseEvent) -> None:
            event.ignore()

    widget = Stubborn()
    ops = Ops(widget)
    widget.show()
    task = ops.run(_forever())
    widget.close()
    await asyncio.sleep(0.05)
    assert not task.done()
    await ops.stop()
    assert task.cancelled()
    widget.hide()
    widget.deleteLater()


async def test_work_stops_when_its_owner_is_destroyed(owner: QWidget) -> None:
    ops = Ops(owner)
    task = ops.run(_forever())
    await asyncio.sleep(0)
    shiboken6.delete(owner)
    await wait_until(task.done, 2)
    assert task.cancelled()


async def test_stop_cancels_and_waits_wait_only_waits(owner: QWidget) -> None:
    ops = Ops(owner)
    finished: list[str] = []

    async def short() -> None:
        await asyncio.sleep(0.05)
        finished.append("short")

    ops.run(short())
    await ops.wait()
    assert finished == ["short"] and ops.pending == 0

    stopping = [ops.run(_forever()), ops.run(_forever())]
    await ops.stop()
    assert all(t.cancelled() for t in stopping) and ops.pending == 0


def test_an_op_whose_loop_stopped_before_it_began_is_cancelled() -> None:
    """qasync runs due callbacks once more after its loop stops, with no loop running."""
    started: list[bool] = []

    async def work() -> None:
        started.append(True)

    coro = _while_the_loop_runs(work())
    with pytest.raises(asyncio.CancelledError):
        coro.send(None)
    assert not started

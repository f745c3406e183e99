"""The test setup itself: slots really run on the qasync loop."""

from __future__ import annotations

import asyncio

import qasync
from PySide6.QtWidgets import QApplication, QPushButton
from qasync import asyncSlot

from tests.gui.conftest import click


async def test_runs_on_a_qasync_loop_with_one_application(qapp: QApplication) -> None:
    assert isinstance(asyncio.get_running_loop(), qasync.QEventLoop)
    assert QApplication.instance() is qapp


async def test_an_async_slot_runs_to_its_end() -> None:
    done = asyncio.Event()

    class Holder(QPushButton):
        @asyncSlot()
        async def on_clicked(self) -> None:
            await asyncio.sleep(0.01)
            done.set()

    button = Holder("Go")
    button.clicked.connect(button.on_clicked)
    await click(button)
    await asyncio.wait_for(done.wait(), 2)
    button.deleteLater()

"""Uncaught errors reach one handler and a dialog that says what to do; small dialogs open."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton
from qasync import asyncSlot

from studio.core.providers.base import AuthError
from studio.gui.context import AppContext
from studio.gui.errors import ErrorReporter, describe
from studio.gui.main_window import MainWindow
from studio.gui.new_book import NewBookDialog
from tests.gui.conftest import click, shown, wait_for_dialog, wait_until


def test_messages_say_what_to_do() -> None:
    title, message = describe(AuthError("The server rejected the API key (401)."))
    assert "key" in title.lower() and "Settings" in message
    title, message = describe(ConnectionRefusedError("refused"))
    assert "Settings" in message and "running" in message


async def test_an_error_in_a_slot_and_in_a_callback_reach_one_dialog(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR)
    reporter = ErrorReporter()
    reporter.install(asyncio.get_running_loop())
    reported: list[str] = []
    reporter.error_reported.connect(lambda title, message: reported.append(title))

    class Failing(QPushButton):
        @asyncSlot()
        async def on_clicked(self) -> None:
            raise AuthError("The server rejected the API key (401).")

    button = Failing("Go")
    button.clicked.connect(button.on_clicked)
    try:
        await click(button)
        box = await wait_for_dialog(QMessageBox)
        assert "Settings" in box.text()
        asyncio.get_running_loop().call_soon(lambda: 1 / 0)
        await wait_until(lambda: len(reported) == 2, 2)
        assert "1 more" in box.informativeText(), "one dialog, not a pile"
        box.accept()
        await wait_until(lambda: not box.isVisible(), 2)
    finally:
        reporter.uninstall()
        button.deleteLater()
    assert reported == ["API key rejected", "Something went wrong"]
    assert any("Uncaught error" in r.getMessage() for r in caplog.records)


async def test_about_and_the_cost_estimate(make_context: Callable[..., AppContext]) -> None:
    async with shown(MainWindow(make_context(api_key="sk-test-estimate"))) as window:
        assert not window.banner_holder.isVisible()
        window.about_action.trigger()
        box = await wait_for_dialog(QMessageBox)
        assert "0." in box.text() and "Story Studio" in box.text()
        box.accept()
        await wait_until(lambda: not box.isVisible(), 2)

        window.new_action.trigger()
        dialog: NewBookDialog = await wait_for_dialog(NewBookDialog)
        assert dialog.engine == "openai"
        dialog.premise_edit.setPlainText("Two otters build a raft")
        dialog.pages_spin.setValue(10)
        assert "$" in dialog.estimate_label.text()
        assert dialog.generate_button.isEnabled()
        dialog.pages_spin.setValue(1)
        assert dialog.pages_spin.value() == 2
        dialog.style_combo.setCurrentText("Custom…")
        dialog.custom_style_edit.setText("linocut in two colours")
        assert dialog.generation_settings().art_style == "linocut in two colours"
        assert window.new_action.shortcut().toString() == "Ctrl+N"
        assert window.settings_action.shortcut().toString() == "Ctrl+,"
        assert window.quit_action.shortcut().toString() == "Ctrl+Q"
        assert window.fullscreen_action.shortcut().toString() == "F11"
        dialog.reject()
        await wait_until(lambda: not dialog.isVisible(), 2)

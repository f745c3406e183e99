"""Dialogs as futures: show with open(), await the result, never exec() in a coroutine.

A nested `exec()` loop inside a running qasync task stops that task; `open()`
keeps the one loop running and `finished` resolves the future.
"""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QCheckBox, QDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from studio.gui.plain import make_plain, make_plain_input, plain_window_title


async def dialog_result(dialog: QDialog) -> int:
    """Open `dialog` window-modal and wait until it closes; returns its result code.

    Cancelling the awaiting task rejects the dialog, so no window is left behind.
    """
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await future
    finally:
        dialog.finished.disconnect(finished)
        if dialog.isVisible():
            dialog.reject()


async def confirm(
    parent: QWidget | None,
    title: str,
    text: str,
    *,
    accept_label: str = "OK",
    destructive: bool = False,
    informative: str = "",
) -> bool:
    """Ask a yes/no question; True when the person accepts. `text` and `informative`
    are shown as plain text: they may quote a title."""
    box = QMessageBox(parent)
    box.setWindowTitle(plain_window_title(title))
    box.setText(text)
    box.setInformativeText(informative)
    make_plain(box)
    box.setIcon(QMessageBox.Icon.Warning if destructive else QMessageBox.Icon.Question)
    accept = box.addButton(
        accept_label,
        QMessageBox.ButtonRole.DestructiveRole
        if destructive
        else QMessageBox.ButtonRole.AcceptRole,
    )
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    try:
        await dialog_result(box)
        return box.clickedButton() is accept
    finally:
        box.deleteLater()


async def confirm_unless_told(
    parent: QWidget | None,
    title: str,
    text: str,
    *,
    accept_label: str,
    keep_label: str,
    informative: str = "",
) -> tuple[bool, bool]:
    """Ask whether to go ahead, offering "Don't ask again"; returns (go ahead, don't ask
    again). Esc, closing the box and the default button all keep things as they are."""
    box = QMessageBox(parent)
    box.setWindowTitle(plain_window_title(title))
    box.setText(text)
    box.setInformativeText(informative)
    make_plain(box)
    box.setIcon(QMessageBox.Icon.Question)
    accept = box.addButton(accept_label, QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton(keep_label, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    never = QCheckBox("Don't ask again")
    box.setCheckBox(never)
    try:
        await dialog_result(box)
        return box.clickedButton() is accept, never.isChecked()
    finally:
        box.deleteLater()


async def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    """Ask for one line of text; None when cancelled."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(plain_window_title(title))
    dialog.setLabelText(label)
    make_plain_input(dialog)
    dialog.setTextValue(text)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
    dialog.resize(420, dialog.sizeHint().height())
    try:
        result = await dialog_result(dialog)
        return dialog.textValue() if result == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()

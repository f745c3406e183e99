"""Untrusted text (page text, titles, server messages) shown as plain text, always.

Qt guesses: a QLabel, a QMessageBox's text and a tooltip are rendered as rich
text whenever their first line looks like markup, so a title "<b>Big</b><img
src=x>" would show bold with a picture. The static `QMessageBox.question`,
`warning`, `information` and `critical` guess too; `ask` replaces them.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QLabel, QMessageBox, QWidget

Button = QMessageBox.StandardButton
INFORMATIVE_LABEL = "qt_msgbox_informativelabel"
"""The object name Qt gives a QMessageBox's informative-text label."""


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that never interprets its text as HTML."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def plain_tooltip(text: str) -> str:
    """A tooltip string that shows `text` literally (Qt renders tooltips as rich text
    whenever they look like markup, so the text is escaped inside a paragraph)."""
    escaped = html.escape(text).replace("\n", "<br>")
    return f"<p style='white-space:pre-wrap'>{escaped}</p>"


def plain_window_title(text: str) -> str:
    """`text` for setWindowTitle, shown as it is: Qt hides a "[*]" in a title (its
    modified-document mark) unless it is doubled."""
    return text.replace("[*]", "[*][*]")


def make_plain(box: QMessageBox) -> QMessageBox:
    """Show `box`'s text and informative text literally, with no links to follow.

    Call it again after a later `setInformativeText`: Qt makes that label anew.
    """
    box.setTextFormat(Qt.TextFormat.PlainText)
    for label in box.findChildren(QLabel, INFORMATIVE_LABEL):
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setOpenExternalLinks(False)
    return box


def set_informative(box: QMessageBox, text: str) -> None:
    """`box.setInformativeText(text)`, shown as plain text."""
    box.setInformativeText(text)
    make_plain(box)


def message_box(
    parent: QWidget | None,
    title: str,
    text: str,
    *,
    icon: QMessageBox.Icon = QMessageBox.Icon.NoIcon,
    informative: str = "",
    buttons: Button = Button.Ok,
    default: Button = Button.NoButton,
) -> QMessageBox:
    """A QMessageBox whose title, text and informative text are all plain text."""
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(plain_window_title(title))
    make_plain(box)
    box.setText(text)
    if informative:
        set_informative(box, informative)
    box.setStandardButtons(buttons)
    if default != Button.NoButton:
        box.setDefaultButton(default)
    return box


def ask(
    parent: QWidget | None,
    title: str,
    text: str,
    *,
    icon: QMessageBox.Icon = QMessageBox.Icon.Question,
    informative: str = "",
    buttons: Button = Button.Yes | Button.No,
    default: Button = Button.NoButton,
) -> Button:
    """`QMessageBox.question` (or warning, information, critical: pass the `icon`) with
    plain text; returns the button chosen (the Escape button when closed).

    It runs a nested `exec()` loop like those helpers: inside a coroutine, await
    `async_dialog.confirm` instead.
    """
    box = message_box(
        parent, title, text, icon=icon, informative=informative, buttons=buttons, default=default
    )
    try:
        box.exec()
        clicked = box.clickedButton()
        return box.standardButton(clicked) if clicked is not None else Button.NoButton
    finally:
        box.deleteLater()


def make_plain_input(dialog: QInputDialog) -> QInputDialog:
    """Show `dialog`'s label text literally (call after `setLabelText`)."""
    for label in dialog.findChildren(QLabel):
        label.setTextFormat(Qt.TextFormat.PlainText)
    return dialog

"""Earlier words and pictures of a page, with thumbnails, ready to be brought back."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.book import Page
from studio.core.library import BookFileError, Bundle
from studio.gui.editing import card
from studio.gui.lib.images import ImageLoadError, image_cache
from studio.gui.lib.ops import Ops

THUMB_EDGE = 112
THUMB_READ = QSize(THUMB_EDGE * 2, THUMB_EDGE * 2)
"""Thumbnails are read at twice their shown size, for sharp high-density screens."""
CURRENT = -1
"""Item data of the row that stands for the current version."""


def _when(moment: datetime) -> str:
    local = moment.astimezone()
    return local.strftime("%d %b %Y, %H:%M")


def _snippet(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class VersionsPanel(QWidget):
    """Two lists: the page's words over time and its pictures over time.

    Signals carry the page number and the index in `text_history` or
    `image.history`; the current version cannot be restored (it is shown).
    """

    restore_text_requested = Signal(int, int)
    restore_picture_requested = Signal(int, int)

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self.number = 0

        self.texts = QListWidget()
        self.texts.setObjectName("text_versions")
        self.texts.setWordWrap(True)
        self.texts.setAlternatingRowColors(True)
        self.texts.setSpacing(2)
        self.texts.setMinimumHeight(120)
        self.texts.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.texts.currentItemChanged.connect(self._text_selected)
        self.texts.itemDoubleClicked.connect(self._restore_text)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setMaximumHeight(90)
        self.preview.setPlaceholderText("Select a version to read it whole.")
        self.restore_text_button = QPushButton("Restore these words")
        self.restore_text_button.setObjectName("restore_text")
        self.restore_text_button.clicked.connect(self._restore_text)

        self.pictures = QScrollArea()
        self.pictures.setObjectName("picture_versions")
        self.pictures.setWidgetResizable(True)
        self.pictures.setFrameShape(QFrame.Shape.NoFrame)
        self.pictures.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.pictures.setFixedHeight(THUMB_EDGE + 58)
        strip = QWidget()
        strip.setObjectName("strip")
        strip.setStyleSheet("QWidget#strip { background: palette(base); }")
        self.pictures.viewport().setStyleSheet("background: palette(base);")
        self._strip = QHBoxLayout(strip)
        self._strip.setContentsMargins(0, 0, 0, 0)
        self._strip.setSpacing(8)
        self._strip.addStretch(1)
        self.pictures.setWidget(strip)
        self.picture_buttons: list[QToolButton] = []
        self._picture_group = QButtonGroup(self)
        self._picture_group.setExclusive(True)
        self._picture_group.buttonToggled.connect(self._picture_selected)
        self.restore_picture_button = QPushButton("Restore this picture")
        self.restore_picture_button.setObjectName("restore_picture")
        self.restore_picture_button.clicked.connect(self._restore_picture)

        self.no_pictures = self._hint("Earlier pictures are kept here when a picture is redrawn.")
        self.no_texts = self._hint("Earlier words are kept here when the words change.")
        pictures, pictures_layout = card("Pictures over time")
        pictures_layout.addWidget(self.pictures)
        pictures_layout.addWidget(self.no_pictures)
        pictures_layout.addLayout(self._right(self.restore_picture_button))
        texts, texts_layout = card("Words over time")
        texts_layout.addWidget(self.texts, 1)
        texts_layout.addWidget(self.no_texts)
        texts_layout.addWidget(self.preview)
        texts_layout.addLayout(self._right(self.restore_text_button))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(pictures)
        layout.addWidget(texts, 1)
        self._update_buttons()

    @staticmethod
    def _hint(text: str) -> QLabel:
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setStyleSheet("color: palette(placeholder-text);")
        return label

    @staticmethod
    def _right(button: QPushButton) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(button)
        return row

    def show_page(self, bundle: Bundle | None, page: Page | None) -> None:
        self.number = page.number if page else 0
        self._fill_texts(page)
        self._fill_pictures(bundle, page)
        self._update_buttons()

    def _fill_texts(self, page: Page | None) -> None:
        self.texts.clear()
        self.preview.clear()
        if page is None:
            return
        current = QListWidgetItem(f"Now\n{_snippet(page.text)}")
        current.setData(Qt.ItemDataRole.UserRole, CURRENT)
        current.setData(Qt.ItemDataRole.UserRole + 1, page.text)
        font = current.font()
        font.setBold(True)
        current.setFont(font)
        self.texts.addItem(current)
        for index in reversed(range(len(page.text_history))):
            version = page.text_history[index]
            item = QListWidgetItem(f"{_when(version.created_at)}\n{_snippet(version.text)}")
            item.setData(Qt.ItemDataRole.UserRole, index)
            item.setData(Qt.ItemDataRole.UserRole + 1, version.text)
            self.texts.addItem(item)
        self.no_texts.setVisible(not page.text_history)

    def _fill_pictures(self, bundle: Bundle | None, page: Page | None) -> None:
        for button in self.picture_buttons:
            self._picture_group.removeButton(button)
            button.deleteLater()
        self.picture_buttons.clear()
        if page is None:
            return
        illustration = page.image
        entries = []
        if illustration.current is not None:
            entries.append((CURRENT, "Now", illustration.current.thumbnail))
        for index in reversed(range(len(illustration.history))):
            version = illustration.history[index]
            entries.append((index, _when(version.created_at), version.thumbnail))
        for index, label, thumbnail in entries:
            button = QToolButton()
            button.setText(label.replace(", ", "\n"))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setIconSize(QSize(THUMB_EDGE, THUMB_EDGE))
            button.setFixedSize(THUMB_EDGE + 16, THUMB_EDGE + 50)
            button.setCheckable(True)
            button.setProperty("version_index", index)
            button.setProperty("role", "version")
            self._picture_group.addButton(button)
            self.picture_buttons.append(button)
            self._strip.insertWidget(self._strip.count() - 1, button)
            if bundle is not None:
                self._ops.run(self._load_thumbnail(bundle, thumbnail, button, self.number))
        self.no_pictures.setVisible(not illustration.history)

    async def _load_thumbnail(
        self, bundle: Bundle, name: str, button: QToolButton, number: int
    ) -> None:
        try:
            image = await image_cache.image(self._ops.executor, bundle.image_path(name), THUMB_READ)
        except (BookFileError, ImageLoadError):
            return
        if number == self.number and button in self.picture_buttons:
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(2.0)
            button.setIcon(QIcon(pixmap))

    def _selected(self, widget: QListWidget) -> int | None:
        item = widget.currentItem()
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return value if isinstance(value, int) else None

    def _text_selected(self, item: QListWidgetItem | None, _previous: object) -> None:
        self.preview.setPlainText(item.data(Qt.ItemDataRole.UserRole + 1) or "" if item else "")
        self._update_buttons()

    def _picture_selected(self, *_: object) -> None:
        self._update_buttons()

    def _selected_picture(self) -> int | None:
        button = self._picture_group.checkedButton()
        value = button.property("version_index") if button is not None else None
        return value if isinstance(value, int) else None

    def _update_buttons(self) -> None:
        text = self._selected(self.texts)
        picture = self._selected_picture()
        self.restore_text_button.setEnabled(text is not None and text != CURRENT)
        self.restore_picture_button.setEnabled(picture is not None and picture != CURRENT)

    def _restore_text(self, *_: object) -> None:
        index = self._selected(self.texts)
        if index is not None and index != CURRENT and self.number:
            self.restore_text_requested.emit(self.number, index)

    def _restore_picture(self) -> None:
        index = self._selected_picture()
        if index is not None and index != CURRENT and self.number:
            self.restore_picture_requested.emit(self.number, index)

    def select_text_version(self, history_index: int) -> None:
        self._select(self.texts, history_index)

    def select_picture_version(self, history_index: int) -> None:
        for button in self.picture_buttons:
            if button.property("version_index") == history_index:
                button.setChecked(True)

    @staticmethod
    def _select(widget: QListWidget, value: int) -> None:
        for row in range(widget.count()):
            if widget.item(row).data(Qt.ItemDataRole.UserRole) == value:
                widget.setCurrentRow(row)
                return

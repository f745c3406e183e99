"""Earlier words and pictures of a page, with thumbnails, ready to be brought back."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.book import Page
from studio.core.library import BookFileError, Bundle
from studio.gui.reader import ImageCache, TaskSet

THUMB_EDGE = 112
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

    def __init__(self, cache: ImageCache, tasks: TaskSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cache = cache
        self._tasks = tasks
        self.number = 0
        self._thumbs: dict[str, QPixmap] = {}

        self.texts = QListWidget()
        self.texts.setObjectName("text_versions")
        self.texts.setWordWrap(True)
        self.texts.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.texts.currentItemChanged.connect(self._text_selected)
        self.texts.itemDoubleClicked.connect(lambda _item: self.restore_text_button.click())
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setMaximumHeight(90)
        self.preview.setPlaceholderText("Select a version to read it whole.")
        self.restore_text_button = QPushButton("Restore these words")
        self.restore_text_button.setObjectName("restore_text")
        self.restore_text_button.clicked.connect(self._restore_text)

        self.pictures = QListWidget()
        self.pictures.setObjectName("picture_versions")
        self.pictures.setViewMode(QListView.ViewMode.IconMode)
        self.pictures.setIconSize(QSize(THUMB_EDGE, THUMB_EDGE))
        self.pictures.setGridSize(QSize(THUMB_EDGE + 22, THUMB_EDGE + 44))
        self.pictures.setMovement(QListView.Movement.Static)
        self.pictures.setResizeMode(QListView.ResizeMode.Adjust)
        self.pictures.setWrapping(False)
        self.pictures.setFlow(QListView.Flow.LeftToRight)
        self.pictures.setFixedHeight(THUMB_EDGE + 64)
        self.pictures.setWordWrap(True)
        self.pictures.currentItemChanged.connect(self._picture_selected)
        self.pictures.itemDoubleClicked.connect(lambda _item: self.restore_picture_button.click())
        self.restore_picture_button = QPushButton("Restore this picture")
        self.restore_picture_button.setObjectName("restore_picture")
        self.restore_picture_button.clicked.connect(self._restore_picture)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self._heading("Earlier pictures"))
        layout.addWidget(self.pictures)
        layout.addLayout(self._right(self.restore_picture_button))
        layout.addWidget(self._heading("Earlier words"))
        layout.addWidget(self.texts, 1)
        layout.addWidget(self.preview)
        layout.addLayout(self._right(self.restore_text_button))
        self._update_buttons()

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.PlainText)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
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
            item.setToolTip(version.text)
            self.texts.addItem(item)
        if not page.text_history:
            self.texts.addItem(self._empty_item("No earlier words yet."))

    def _fill_pictures(self, bundle: Bundle | None, page: Page | None) -> None:
        self.pictures.clear()
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
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, index)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.pictures.addItem(item)
            if bundle is not None:
                self._tasks.spawn(self._load_thumbnail(bundle, thumbnail, item, self.number))
        if not illustration.history:
            self.pictures.addItem(self._empty_item("No earlier pictures yet."))

    @staticmethod
    def _empty_item(text: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        item.setData(Qt.ItemDataRole.UserRole, None)
        return item

    async def _load_thumbnail(
        self, bundle: Bundle, name: str, item: QListWidgetItem, number: int
    ) -> None:
        try:
            path = bundle.image_path(name)
        except BookFileError:
            return
        pixmap = self._thumbs.get(str(path))
        if pixmap is None:
            image = await self._cache.get(path, THUMB_EDGE * 2)
            if image.isNull():
                return
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(2.0)
            self._thumbs[str(path)] = pixmap
        if number == self.number and self.pictures.row(item) >= 0:
            item.setIcon(QIcon(pixmap))

    def _selected(self, widget: QListWidget) -> int | None:
        item = widget.currentItem()
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return value if isinstance(value, int) else None

    def _text_selected(self, item: QListWidgetItem | None, _previous: object) -> None:
        self.preview.setPlainText(item.data(Qt.ItemDataRole.UserRole + 1) or "" if item else "")
        self._update_buttons()

    def _picture_selected(self, *_: object) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        text = self._selected(self.texts)
        picture = self._selected(self.pictures)
        self.restore_text_button.setEnabled(text is not None and text != CURRENT)
        self.restore_picture_button.setEnabled(picture is not None and picture != CURRENT)

    def _restore_text(self) -> None:
        index = self._selected(self.texts)
        if index is not None and index != CURRENT and self.number:
            self.restore_text_requested.emit(self.number, index)

    def _restore_picture(self) -> None:
        index = self._selected(self.pictures)
        if index is not None and index != CURRENT and self.number:
            self.restore_picture_requested.emit(self.number, index)

    def select_text_version(self, history_index: int) -> None:
        self._select(self.texts, history_index)

    def select_picture_version(self, history_index: int) -> None:
        self._select(self.pictures, history_index)

    @staticmethod
    def _select(widget: QListWidget, value: int) -> None:
        for row in range(widget.count()):
            if widget.item(row).data(Qt.ItemDataRole.UserRole) == value:
                widget.setCurrentRow(row)
                return

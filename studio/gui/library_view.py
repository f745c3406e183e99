"""The library: every saved book as a cover with its title, length and state.

Listing reads every book.json, so it runs in the executor; covers are decoded
there too. Rename, duplicate and delete touch the disk in the executor as well.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.library import BookSummary, Bundle
from studio.gui.async_dialog import ask_text, confirm
from studio.gui.context import AppContext
from studio.gui.generation_view import fitted_grid, usable_width
from studio.gui.icons import app_icon, bind_icon, icon
from studio.gui.lib.images import ImageLoadError, image_cache
from studio.gui.lib.loop import async_slot
from studio.gui.lib.ops import Ops
from studio.gui.lib.theme import CHIP_FILL_ALPHA, SPACING, book_font, current_theme, ui_font
from studio.gui.plain import plain_tooltip

TILE = QSize(208, 300)
COVER_SIDE = 184

STATE_COLOURS = {
    "complete": "success",
    "unfinished": "accent",
    "has failures": "danger",
    "unreadable": "danger",
}


class LibraryModel(QAbstractListModel):
    SummaryRole = Qt.ItemDataRole.UserRole + 1
    CoverRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[BookSummary] = []
        self._covers: dict[Path, QPixmap] = {}

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or index.row() >= len(self._items):
            return None
        item = self._items[index.row()]
        if role == self.SummaryRole:
            return item
        if role == self.CoverRole:
            return self._covers.get(item.bundle.path)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return item.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(item.error or f"{item.title}\n{item.bundle.path}")
        return None

    @property
    def summaries(self) -> list[BookSummary]:
        return list(self._items)

    def set_summaries(self, items: list[BookSummary]) -> None:
        self.beginResetModel()
        self._items = list(items)
        keep = {s.bundle.path for s in items}
        self._covers = {k: v for k, v in self._covers.items() if k in keep}
        self.endResetModel()

    def set_cover(self, bundle_path: Path, pixmap: QPixmap) -> None:
        self._covers[bundle_path] = pixmap
        for row, item in enumerate(self._items):
            if item.bundle.path == bundle_path:
                index = self.index(row)
                self.dataChanged.emit(index, index)

    def cover(self, bundle_path: Path) -> QPixmap | None:
        return self._covers.get(bundle_path)

    def row_of(self, bundle: Bundle) -> int:
        return next((i for i, s in enumerate(self._items) if s.bundle == bundle), -1)


class BookTileDelegate(QStyledItemDelegate):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.title_font = book_font(10.5, bold=True)
        self.small_font = ui_font(8.5)
        self.small_bold = ui_font(8.5, bold=True)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return TILE

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        summary: BookSummary | None = index.data(LibraryModel.SummaryRole)
        if summary is None:
            return
        theme = current_theme()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        tile = QRect(option.rect.topLeft(), TILE).adjusted(2, 2, -2, -2)
        painter.setPen(QPen(theme.color("accent" if selected else "border"), 2 if selected else 1))
        painter.setBrush(theme.color("alt_base" if hovered and not selected else "base"))
        painter.drawRoundedRect(QRectF(tile).adjusted(0.5, 0.5, -0.5, -0.5), 10, 10)
        cover = QRect(tile.left() + 10, tile.top() + 10, tile.width() - 20, COVER_SIDE)
        self._paint_cover(painter, cover, index.data(LibraryModel.CoverRole))
        self._paint_text(painter, tile, cover.bottom() + 10, summary)
        painter.restore()

    @staticmethod
    def _paint_cover(painter: QPainter, area: QRect, pixmap: QPixmap | None) -> None:
        theme = current_theme()
        clip = QPainterPath()
        clip.addRoundedRect(QRectF(area), 6, 6)
        painter.save()
        painter.setClipPath(clip)
        painter.fillRect(area, theme.color("placeholder"))
        if pixmap is not None and not pixmap.isNull():
            scaled = pixmap.size().scaled(
                area.size(), Qt.AspectRatioMode.KeepAspectRatioByExpanding
            )
            target = QRect(QPoint(0, 0), scaled)
            target.moveCenter(area.center())
            painter.drawPixmap(target, pixmap)
        else:
            glyph = QRect(0, 0, 48, 48)
            glyph.moveCenter(area.center())
            painter.setOpacity(0.6)
            icon("open", theme.muted).paint(painter, glyph)
        painter.restore()

    def _paint_text(self, painter: QPainter, tile: QRect, top: int, summary: BookSummary) -> None:
        theme = current_theme()
        left, width = tile.left() + 12, tile.width() - 24
        painter.setFont(self.title_font)
        painter.setPen(theme.color("text"))
        metrics = QFontMetrics(self.title_font)
        title_rect = QRect(left, top, width, metrics.height() * 2 + 2)
        painter.drawText(
            title_rect,
            Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignTop,
            _two_lines(summary.title, metrics, width),
        )
        bottom = tile.bottom() - 12
        painter.setFont(self.small_font)
        painter.setPen(theme.color("muted"))
        pages = f"{summary.pages} pages" if not summary.error else "cannot be read"
        painter.drawText(QRect(left, bottom - 20, width, 20), Qt.AlignmentFlag.AlignVCenter, pages)
        label = summary.state
        colour = theme.color(STATE_COLOURS.get(label, "muted"))
        chip_metrics = QFontMetrics(self.small_bold)
        chip_w = chip_metrics.horizontalAdvance(label) + 16
        chip = QRect(tile.right() - 12 - chip_w, bottom - 20, chip_w, 20)
        fill = QColor(colour)
        fill.setAlpha(CHIP_FILL_ALPHA)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(chip), 10, 10)
        painter.setPen(colour)
        painter.setFont(self.small_bold)
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, label)


def _two_lines(text: str, metrics: QFontMetrics, width: int) -> str:
    words, first = text.split(), ""
    while words and metrics.horizontalAdvance(f"{first} {words[0]}".strip()) <= width:
        first = f"{first} {words.pop(0)}".strip()
    rest = metrics.elidedText(" ".join(words), Qt.TextElideMode.ElideRight, width)
    return (
        f"{first}\n{rest}"
        if first
        else metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
    )


class TileGrid(QListView):
    def resizeEvent(self, event: QResizeEvent) -> None:
        self.setGridSize(fitted_grid(usable_width(self), TILE, SPACING))
        super().resizeEvent(event)


class LibraryView(QWidget):
    """Covers of every book, with the actions a library needs."""

    open_requested = Signal(object)
    resume_requested = Signal(object)
    new_requested = Signal()
    library_changed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.ops = Ops(self, context.executor)
        """Reading the library and the covers, renaming, duplicating and deleting books."""
        self.model = LibraryModel(self)
        self._refresh_lock = asyncio.Lock()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(SPACING * 2, SPACING * 2, SPACING * 2, SPACING)
        outer.setSpacing(SPACING)
        outer.addLayout(self._header())
        self.stack = QStackedWidget()
        self.stack.addWidget(self._empty_state())
        self.stack.addWidget(self._grid())
        outer.addWidget(self.stack, 1)
        self._make_actions()
        self._update_actions()

    # --- layout ------------------------------------------------------------------------

    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        title = QLabel("Library")
        title.setProperty("role", "title")
        self.count_label = QLabel()
        self.count_label.setProperty("role", "muted")
        row.addWidget(title)
        row.addSpacing(SPACING)
        row.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignBottom)
        row.addStretch(1)
        self.new_button = QPushButton("New book")
        bind_icon(self.new_button, "new", "accent_text")
        self.new_button.setProperty("primary", True)
        self.new_button.clicked.connect(self.new_requested)
        row.addWidget(self.new_button)
        return row

    def _empty_state(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addStretch(2)
        art = QLabel()
        art.setPixmap(app_icon().pixmap(QSize(112, 112)))
        art.setAlignment(Qt.AlignmentFlag.AlignCenter)
        heading = QLabel("Your library is empty")
        heading.setProperty("role", "title")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = QLabel(
            "Type a premise and Story Studio writes and illustrates a picture book, page by page.\n"
            "Books are saved here as they are made."
        )
        hint.setProperty("role", "muted")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        start = QPushButton("Write your first book")
        bind_icon(start, "generate", "accent_text")
        start.setProperty("primary", True)
        start.clicked.connect(self.new_requested)
        for widget in (art, heading, hint):
            box.addWidget(widget)
        box.addSpacing(SPACING)
        box.addWidget(start, 0, Qt.AlignmentFlag.AlignCenter)
        box.addStretch(3)
        return page

    def _grid(self) -> QListView:
        view = TileGrid()
        view.setViewMode(QListView.ViewMode.IconMode)
        view.setResizeMode(QListView.ResizeMode.Adjust)
        view.setMovement(QListView.Movement.Static)
        view.setUniformItemSizes(True)
        view.setSpacing(SPACING // 2)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setMouseTracking(True)
        view.setFrameShape(QFrame.Shape.NoFrame)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.setModel(self.model)
        view.setItemDelegate(BookTileDelegate(view))
        view.doubleClicked.connect(self._activated)
        view.activated.connect(self._activated)
        view.customContextMenuRequested.connect(self._context_menu)
        view.selectionModel().selectionChanged.connect(self._update_actions)
        self.grid = view
        return view

    def _make_actions(self) -> None:
        def action(name: str, text: str, slot: Callable[[], Any], shortcut: str = "") -> QAction:
            act = QAction(text, self)
            bind_icon(act, name)
            if shortcut:
                act.setShortcut(shortcut)
                act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.open_action = action("open", "Open", self._open_selected, "Return")
        self.resume_action = action("resume", "Resume generating", self._resume_selected)
        self.rename_action = action("rename", "Rename…", self.on_rename, "F2")
        self.duplicate_action = action("duplicate", "Duplicate", self.on_duplicate)
        self.delete_action = action("delete", "Delete…", self.on_delete, "Delete")

    @property
    def book_actions(self) -> list[QAction]:
        return [
            self.open_action,
            self.resume_action,
            self.rename_action,
            self.duplicate_action,
            self.delete_action,
        ]

    # --- selection ---------------------------------------------------------------------

    def selected(self) -> BookSummary | None:
        rows = self.grid.selectionModel().selectedIndexes()
        return rows[0].data(LibraryModel.SummaryRole) if rows else None

    def select(self, bundle: Bundle) -> None:
        row = self.model.row_of(bundle)
        if row >= 0:
            self.grid.setCurrentIndex(self.model.index(row))

    def _update_actions(self, *_: object) -> None:
        summary = self.selected()
        readable = summary is not None and summary.error is None
        for act in (self.open_action, self.rename_action, self.duplicate_action):
            act.setEnabled(readable)
        self.delete_action.setEnabled(summary is not None)
        self.resume_action.setEnabled(readable and summary is not None and not summary.complete)

    def _activated(self, index: QModelIndex) -> None:
        summary: BookSummary | None = index.data(LibraryModel.SummaryRole)
        if summary is not None and summary.error is None:
            self.open_requested.emit(summary.bundle)

    def _open_selected(self) -> None:
        summary = self.selected()
        if summary is not None and summary.error is None:
            self.open_requested.emit(summary.bundle)

    def _resume_selected(self) -> None:
        summary = self.selected()
        if summary is not None and summary.error is None and not summary.complete:
            self.resume_requested.emit(summary.bundle)

    def _context_menu(self, position: QPoint) -> None:
        index = self.grid.indexAt(position)
        if not index.isValid():
            return
        self.grid.setCurrentIndex(index)
        menu = QMenu(self)
        for act in self.book_actions:
            menu.addAction(act)
            if act is self.resume_action:
                menu.addSeparator()
        menu.popup(self.grid.viewport().mapToGlobal(position))

    # --- disk work ---------------------------------------------------------------------

    async def refresh(self) -> list[BookSummary]:
        """Re-read the library (in the executor) and load the covers."""
        async with self._refresh_lock:
            summaries = await self.ops.call(self.context.library.summaries)
            selected = self.selected()
            self.model.set_summaries(summaries)
            self.stack.setCurrentIndex(1 if summaries else 0)
            self.count_label.setText(
                f"{len(summaries)} book{'s' if len(summaries) != 1 else ''}" if summaries else ""
            )
            if selected is not None:
                self.select(selected.bundle)
            self._update_actions()
            await asyncio.gather(*(self._load_cover(s) for s in summaries if s.cover))
            return summaries

    async def _load_cover(self, summary: BookSummary) -> None:
        assert summary.cover is not None
        ratio = max(1.0, self.devicePixelRatioF())
        side = math.ceil(COVER_SIDE * ratio)
        try:
            pixmap = await image_cache.pixmap(
                self.context.executor, summary.cover, QSize(side * 2, side)
            )
        except ImageLoadError:
            return
        self.model.set_cover(summary.bundle.path, pixmap)

    async def rename(self, bundle: Bundle, title: str | None = None) -> bool:
        """Rename a book (asks for the title when none is given)."""
        if title is None:
            current = next((s.title for s in self.model.summaries if s.bundle == bundle), "")
            title = await ask_text(self, "Rename book", "Title:", current)
        if not title or not title.strip():
            return False
        await self.ops.call(self.context.library.rename, bundle, title.strip())
        await self.refresh()
        self.library_changed.emit()
        return True

    async def duplicate(self, bundle: Bundle) -> Bundle:
        copy = await self.ops.call(self.context.library.duplicate, bundle)
        await self.refresh()
        self.select(copy)
        self.library_changed.emit()
        return copy

    async def delete(self, bundle: Bundle, *, ask: bool = True) -> bool:
        """Delete a book for good, after asking."""
        title = next(
            (s.title for s in self.model.summaries if s.bundle == bundle), bundle.path.name
        )
        if ask and not await confirm(
            self,
            "Delete book",
            f"Delete “{title}”?",
            informative="Its pages and pictures are removed from disk. This cannot be undone.",
            accept_label="Delete",
            destructive=True,
        ):
            return False
        await self.ops.call(self.context.library.delete, bundle)
        await self.refresh()
        self.library_changed.emit()
        return True

    @async_slot()
    async def on_rename(self) -> None:
        if (summary := self.selected()) is not None:
            await self.ops.join(self.rename(summary.bundle))

    @async_slot()
    async def on_duplicate(self) -> None:
        if (summary := self.selected()) is not None:
            await self.ops.join(self.duplicate(summary.bundle))

    @async_slot()
    async def on_delete(self) -> None:
        if (summary := self.selected()) is not None:
            await self.ops.join(self.delete(summary.bundle))

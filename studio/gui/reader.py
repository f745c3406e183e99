"""The reader: a book's pages large, one at a time or as a two-page spread.

Pictures come through `lib.images` as `QImage`s read and scaled in the
executor; the GUI thread only paints the ready-scaled image. Widgets keep
`QImage`s, never `QPixmap`s: a pixmap must be freed on the GUI thread, and
Python's cycle collector may run on any thread. Page text is shown strictly
as plain text. The pages are paper in dark mode too; only the desk follows
the theme.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QObject,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QTextOption,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsDropShadowEffect,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from studio.core.book import Book, ImageStatus, Page, ReviewState
from studio.core.library import BookFileError, Bundle
from studio.gui.lib.images import ImageLoadError, image_cache, scale_image
from studio.gui.lib.ops import Ops
from studio.gui.lib.theme import book_family, current_theme, page_font

REVIEW_LABELS = {
    ReviewState.UNREVIEWED: "Not reviewed",
    ReviewState.APPROVED: "Approved",
    ReviewState.NEEDS_CHANGES: "Needs changes",
}
PAGE_ASPECT = 0.78
"""A page's width over its height in fit mode: a little taller than wide."""
ZOOM_STEP = 1.25
ZOOM_MIN, ZOOM_MAX = 0.4, 4.0
PICTURE_MAX_EDGE = 2048
PICTURE_MAX_SIZE = QSize(PICTURE_MAX_EDGE, PICTURE_MAX_EDGE)


# --- One picture -----------------------------------------------------------------------


class PictureView(QWidget):
    """A picture fitted into its rectangle, or a plain-text placeholder while there is none.

    After a resize the picture is rescaled in the executor; until then the last
    pixmap is painted stretched, so resizing stays smooth.
    """

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._source: QImage | None = None
        self._shown: QImage | None = None
        self._placeholder = ""
        self._faded = False
        self._rescale: asyncio.Task[Any] | None = None
        self._timer = QTimer(self, singleShot=True, interval=90)
        self._timer.timeout.connect(self._start_rescale)

    @property
    def placeholder(self) -> str:
        return self._placeholder

    @property
    def has_picture(self) -> bool:
        return self._source is not None

    def set_picture(
        self, image: QImage | None, placeholder: str = "", *, faded: bool = False
    ) -> None:
        self._source = image if image is not None and not image.isNull() else None
        self._shown = self._source
        self._placeholder = placeholder
        self._faded = faded
        self._timer.start()
        self.update()

    def set_caption(self, caption: str) -> None:
        if caption != self._placeholder:
            self._placeholder = caption
            self._faded = False
            self.update()

    def target_rect(self) -> QRect:
        if self._source is None:
            return self.rect()
        size = self._source.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        rect = QRect(0, 0, size.width(), size.height())
        rect.moveCenter(self.rect().center())
        return rect

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._timer.start()

    def _start_rescale(self) -> None:
        if self._source is None or self.width() < 8 or self.height() < 8:
            return
        if self._rescale is not None and not self._rescale.done():
            self._rescale.cancel()
        self._rescale = self._ops.run(self._rescaled(self._source, self.target_rect().size()))

    async def _rescaled(self, source: QImage, size: QSize) -> None:
        scaled = await scale_image(self._ops.executor, source, size)
        if source is self._source and not scaled.isNull():
            self._shown = scaled
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self._shown is None:
            self._paint_placeholder(painter)
            return
        target = self.target_rect()
        if self._faded:
            painter.setOpacity(0.55)
        if self._shown.size() == target.size():
            painter.drawImage(target.topLeft(), self._shown)
        else:
            painter.drawImage(target, self._shown)
        if self._placeholder:
            painter.setOpacity(1.0)
            self._paint_caption(painter, target)

    def _paint_placeholder(self, painter: QPainter) -> None:
        paper = current_theme().paper
        painter.fillRect(self.rect(), QColor(paper.empty))
        painter.setPen(QPen(QColor(paper.empty_edge), 1, Qt.PenStyle.DashLine))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.setPen(QColor(paper.muted))
        painter.setFont(page_font(max(11, self.width() // 32), italic=True))
        painter.drawText(
            self.rect().adjusted(24, 24, -24, -24),
            int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
            self._placeholder,
        )

    def _paint_caption(self, painter: QPainter, target: QRect) -> None:
        paper = current_theme().paper
        font = page_font(max(11, target.width() // 36), italic=True)
        painter.setFont(font)
        height = QFontMetrics(font).height() + 12
        band = QRect(target.left(), target.bottom() - height, target.width(), height)
        painter.fillRect(band, QColor(paper.caption))
        painter.setPen(QColor(paper.ink))
        painter.drawText(band, int(Qt.AlignmentFlag.AlignCenter), self._placeholder)


# --- One page --------------------------------------------------------------------------


class _TextEditor(QPlainTextEdit):
    """The in-place text editor: Ctrl+Enter or leaving it keeps the text, Esc drops it."""

    committed = Signal()
    cancelled = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.committed.emit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: Any) -> None:
        super().focusOutEvent(event)
        if self.isVisible():
            self.committed.emit()


class PageSheet(QFrame):
    """One printed page: the picture, the words set in a serif below it, and a folio."""

    clicked = Signal(int)
    text_edited = Signal(int, str)
    edit_requested = Signal(int)

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page_sheet")
        self._ops = ops
        self.number = 0
        self._text = ""
        self._selected = False
        self._picture_key: tuple[str, str] | None = None
        self._caption = ""
        paper = current_theme().paper
        self.picture = PictureView(ops, self)
        self.text_label = QLabel(self)
        self.text_label.setObjectName("page_text")
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setWordWrap(True)
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.text_label.setStyleSheet(f"color: {paper.ink}; background: transparent;")
        self.folio = QLabel(self)
        self.folio.setTextFormat(Qt.TextFormat.PlainText)
        self.folio.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.folio.setStyleSheet(f"color: {paper.muted}; background: transparent;")
        self.badge = QLabel(self)
        self.badge.setTextFormat(Qt.TextFormat.PlainText)
        self.badge.hide()
        self.editor = _TextEditor(self)
        self.editor.setObjectName("page_text_editor")
        self.editor.document().setDefaultTextOption(QTextOption(Qt.AlignmentFlag.AlignHCenter))
        self.editor.setStyleSheet(
            f"QPlainTextEdit {{ background: {paper.editor}; color: {paper.ink};"
            f" border: 1px solid {paper.selected};"
            " border-radius: 4px; }"
        )
        self.editor.setToolTip("Ctrl+Enter keeps the new words, Esc drops them.")
        self.editor.hide()
        self.editor.committed.connect(self._commit_edit)
        self.editor.cancelled.connect(self.cancel_edit)
        shadow = QGraphicsDropShadowEffect(self, blurRadius=28)
        shadow.setOffset(0, 6)
        shadow.setColor(QColor(paper.shadow))
        self.setGraphicsEffect(shadow)
        self._style()

    # --- content ---

    @property
    def text(self) -> str:
        return self._text

    @property
    def is_editing(self) -> bool:
        return self.editor.isVisible()

    def show_page(self, book: Book, bundle: Bundle | None, page: Page) -> None:
        self.number = page.number
        self._text = page.text
        self.text_label.setText(page.text)
        self.folio.setText(str(page.number))
        self._layout_text()
        self._show_picture(bundle, page)

    def clear(self) -> None:
        self.number = 0
        self._text = ""
        self.text_label.setText("")
        self.folio.setText("")
        self.picture.set_picture(None, "")
        self._picture_key = None

    def set_selected(self, selected: bool) -> None:
        if selected != self._selected:
            self._selected = selected
            self._style()

    def set_review(self, state: ReviewState | None, has_note: bool) -> None:
        if state is None:
            self.badge.hide()
            return
        chip = current_theme().review(state.value, on_paper=True)
        self.badge.setText(REVIEW_LABELS[state] + ("  ✎" if has_note else ""))
        self.badge.setStyleSheet(
            f"background: {chip.back}; color: {chip.fore}; border-radius: 9px; padding: 2px 10px;"
        )
        self.badge.setFont(QFont(book_family(), 9))
        self.badge.adjustSize()
        self.badge.show()
        self._place_badge()

    def show_partial(self, image: QImage) -> None:
        self.picture.set_picture(image, "Painting…", faded=True)
        self._picture_key = None

    def _show_picture(self, bundle: Bundle | None, page: Page) -> None:
        illustration = page.image
        current = illustration.current
        running = illustration.status is ImageStatus.RUNNING
        self._caption = "Painting a new version…" if running else ""
        if current is not None and bundle is not None:
            key = (str(bundle.path), current.display)
            if key != self._picture_key or not self.picture.has_picture:
                self._picture_key = key
                self._ops.run(self._load(bundle, current.display, page.number, key))
            else:
                self.picture.set_caption(self._caption)
            return
        self._picture_key = None
        self.picture.set_picture(None, _placeholder_for(page))

    async def _load(self, bundle: Bundle, name: str, number: int, key: tuple[str, str]) -> None:
        try:
            image: QImage | None = await image_cache.image(
                self._ops.executor, bundle.image_path(name), PICTURE_MAX_SIZE
            )
        except BookFileError as err:
            self.picture.set_picture(None, str(err))
            return
        except ImageLoadError:
            image = None
        if self.number != number or self._picture_key != key:
            return
        if image is None:
            self.picture.set_picture(
                None, "The picture file is missing or damaged. Regenerate the picture to fix it."
            )
        else:
            self.picture.set_picture(image, self._caption)

    # --- in-place editing ---

    def begin_edit(self) -> None:
        if self.number == 0:
            return
        self.editor.setPlainText(self._text)
        self.editor.setFont(self.text_label.font())
        self.editor.setGeometry(self.text_label.geometry().adjusted(-6, -6, 6, 6))
        self.text_label.hide()
        self.folio.setText("Ctrl+Enter keeps the new words · Esc drops them")
        self.editor.show()
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)
        self.editor.selectAll()

    def cancel_edit(self) -> None:
        if self.editor.isVisible():
            self.editor.hide()
            self.text_label.show()
            self.folio.setText(str(self.number))
            self._return_focus()

    def _commit_edit(self) -> None:
        if not self.editor.isVisible():
            return
        new_text = self.editor.toPlainText().strip()
        self.editor.hide()
        self.text_label.show()
        self.folio.setText(str(self.number))
        self._return_focus()
        if new_text and new_text != self._text:
            self.text_edited.emit(self.number, new_text)

    def _return_focus(self) -> None:
        reader = self.parentWidget()
        while reader is not None and not isinstance(reader, ReaderView):
            reader = reader.parentWidget()
        if reader is not None:
            reader.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- geometry and looks ---

    def _style(self) -> None:
        paper = current_theme().paper
        edge = paper.selected if self._selected else paper.edge
        self.setStyleSheet(
            f"QFrame#page_sheet {{ background: {paper.sheet}; border: 1px solid {edge};"
            " border-radius: 3px; }"
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._layout_parts()

    def _layout_parts(self) -> None:
        w, h = self.width(), self.height()
        margin = max(12, round(w * 0.075))
        folio_h = max(14, round(h * 0.045))
        picture_h = min(w - 2 * margin, round(h * 0.6))
        self.picture.setGeometry(margin, margin, w - 2 * margin, picture_h)
        text_top = margin + picture_h + round(margin * 0.7)
        text_rect = QRect(margin, text_top, w - 2 * margin, h - text_top - folio_h - margin // 2)
        self.text_label.setGeometry(text_rect)
        self.folio.setGeometry(0, h - folio_h - margin // 3, w, folio_h)
        self.folio.setFont(page_font(max(9, round(folio_h * 0.6))))
        if self.editor.isVisible():
            self.editor.setGeometry(text_rect.adjusted(-6, -6, 6, 6))
        self._layout_text()
        self._place_badge()

    def _layout_text(self) -> None:
        """Set the words as large as fits the text area, from a size that suits the page."""
        rect = self.text_label.geometry()
        if rect.width() < 20 or rect.height() < 10:
            return
        size = max(10, round(self.width() / 22))
        flags = int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignHCenter)
        while size > 8:
            font = page_font(size)
            needed = QFontMetrics(font).boundingRect(
                QRect(0, 0, rect.width(), 100_000), flags, self._text
            )
            if needed.height() <= rect.height():
                break
            size -= 1
        font = page_font(size)
        self.text_label.setFont(font)
        spacing = round(size * 0.45)
        self.text_label.setStyleSheet(
            f"color: {current_theme().paper.ink}; background: transparent;"
            f" padding-top: {spacing // 2}px;"
        )

    def _place_badge(self) -> None:
        if self.badge.isVisible():
            margin = max(12, round(self.width() * 0.075))
            self.badge.move(self.width() - margin - self.badge.width(), max(4, margin // 2 - 10))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.number:
            self.clicked.emit(self.number)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.number and self.text_label.geometry().contains(event.position().toPoint()):
            self.edit_requested.emit(self.number)
            return
        super().mouseDoubleClickEvent(event)


def _placeholder_for(page: Page) -> str:
    illustration = page.image
    if illustration.status is ImageStatus.FAILED:
        return f"The picture could not be made: {illustration.error or 'unknown reason'}"
    if illustration.status is ImageStatus.RUNNING:
        return "Painting…"
    return "Waiting for its picture"


# --- The reader ------------------------------------------------------------------------


class ReaderView(QWidget):
    """Pages large, on a desk: flip, zoom, two-page spread. Keys work when it has focus."""

    page_changed = Signal(int)
    text_edited = Signal(int, str)
    zoom_changed = Signal(float)
    leave_requested = Signal()
    """Esc was pressed (full screen listens to it)."""
    _ready = False

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setObjectName("reader")
        self._book: Book | None = None
        self._bundle: Bundle | None = None
        self._current = 0
        self._zoom = 1.0
        self._spread = False
        self._review = False
        self._scroll = QScrollArea(self)
        self._scroll.setWidgetResizable(False)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._scroll.setStyleSheet("QScrollArea { border: none; }")
        self._canvas = QWidget()
        self._canvas.setObjectName("desk")
        self._scroll.setWidget(self._canvas)
        self._scroll.viewport().installEventFilter(self)
        self.sheets = [PageSheet(ops, self._canvas) for _ in range(2)]
        for sheet in self.sheets:
            sheet.clicked.connect(self._select)
            sheet.text_edited.connect(self.text_edited)
            sheet.edit_requested.connect(self._edit)
        self._empty = QLabel("No book is open.", self._canvas)
        self._empty.setTextFormat(Qt.TextFormat.PlainText)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._paint_desk()
        self._ready = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._scroll)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def _paint_desk(self) -> None:
        """The desk under the pages follows light or dark mode; the paper stays paper."""
        theme = current_theme()
        desk = theme.desk
        self._canvas.setStyleSheet(f"QWidget#desk {{ background: {desk}; }}")
        self._scroll.viewport().setStyleSheet(f"background: {desk};")
        self._empty.setStyleSheet(f"color: {theme.paper.muted}; background: transparent;")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        palette_events = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
        if self._ready and event.type() in palette_events:
            self._paint_desk()

    # --- state ---

    @property
    def current_page(self) -> int:
        return self._current

    @property
    def page_count(self) -> int:
        return len(self._book.pages) if self._book else 0

    @property
    def zoom(self) -> float:
        return self._zoom

    @property
    def spread(self) -> bool:
        return self._spread

    def visible_pages(self) -> list[int]:
        return [s.number for s in self.sheets if s.isVisible() and s.number]

    def sheet_for(self, number: int) -> PageSheet | None:
        return next((s for s in self.sheets if s.isVisible() and s.number == number), None)

    def set_book(self, book: Book | None, bundle: Bundle | None) -> None:
        self._book, self._bundle = book, bundle
        for sheet in self.sheets:
            sheet.clear()
        self._current = 1 if book and book.pages else 0
        self.refresh()
        self.page_changed.emit(self._current)

    def refresh(self, number: int | None = None) -> None:
        """Show the current page(s) again from the book (all, or only page `number`)."""
        book = self._book
        pages = self._spread_pages()
        self._empty.setVisible(not pages)
        if book is not None and not book.pages:
            self._empty.setText("The story is being written…")
        for sheet, page_number in zip(self.sheets, [*pages, 0, 0], strict=False):
            if not page_number or book is None:
                sheet.hide()
                sheet.clear()
                continue
            sheet.show()
            if number is None or number == page_number or sheet.number != page_number:
                sheet.show_page(book, self._bundle, book.page(page_number))
            page = book.page(page_number)
            sheet.set_review(page.review.state if self._review else None, bool(page.review.notes))
            sheet.set_selected(self._spread and page_number == self._current)
        self._relayout()

    def show_partial(self, number: int, image: QImage) -> None:
        sheet = self.sheet_for(number)
        if sheet is not None:
            sheet.show_partial(image)

    def _spread_pages(self) -> list[int]:
        count = self.page_count
        if not count or not self._current:
            return []
        if not self._spread:
            return [self._current]
        first = self._current if self._current % 2 == 1 else self._current - 1
        return [n for n in (first, first + 1) if n <= count]

    # --- navigation ---

    def go_to(self, number: int) -> None:
        count = self.page_count
        if not count:
            return
        number = max(1, min(count, number))
        if number == self._current:
            return
        for sheet in self.sheets:
            sheet.cancel_edit()
        self._current = number
        self.refresh()
        self.page_changed.emit(number)

    def next_page(self) -> None:
        if self._spread:
            pages = self._spread_pages()
            self.go_to((pages[-1] if pages else self._current) + 1)
        else:
            self.go_to(self._current + 1)

    def previous_page(self) -> None:
        if self._spread:
            pages = self._spread_pages()
            self.go_to((pages[0] if pages else self._current) - 1)
        else:
            self.go_to(self._current - 1)

    def _select(self, number: int) -> None:
        if number != self._current:
            self._current = number
            for sheet in self.sheets:
                sheet.set_selected(self._spread and sheet.number == number)
            self.page_changed.emit(number)
        self.setFocus(Qt.FocusReason.MouseFocusReason)

    def _edit(self, number: int) -> None:
        self._select(number)
        self.begin_edit()

    def begin_edit(self) -> None:
        sheet = self.sheet_for(self._current)
        if sheet is not None:
            sheet.begin_edit()

    def set_spread(self, spread: bool) -> None:
        if spread != self._spread:
            self._spread = spread
            self.refresh()

    def set_review_mode(self, on: bool) -> None:
        if on != self._review:
            self._review = on
            self.refresh()

    # --- zoom ---

    def zoom_in(self) -> None:
        self.set_zoom(self._zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self._zoom / ZOOM_STEP)

    def zoom_fit(self) -> None:
        self.set_zoom(1.0)

    def set_zoom(self, zoom: float) -> None:
        zoom = max(ZOOM_MIN, min(ZOOM_MAX, round(zoom, 3)))
        if abs(zoom - 1.0) < 0.02:
            zoom = 1.0
        if zoom != self._zoom:
            self._zoom = zoom
            self._relayout()
            self.zoom_changed.emit(zoom)

    # --- layout ---

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._scroll.viewport():
            if event.type() == QEvent.Type.Resize:
                self._relayout()
            elif isinstance(event, QWheelEvent) and self._wheel_zoom(event):
                return True
        return super().eventFilter(watched, event)

    def _relayout(self) -> None:
        viewport = self._scroll.viewport().size()
        pages = [s for s in self.sheets if s.isVisible()]
        gap = 40
        count = max(1, len(pages)) if self._spread else 1
        avail_w = max(200, viewport.width() - 2 * gap)
        avail_h = max(200, viewport.height() - 2 * gap)
        columns = 2 if self._spread else 1
        page_h = min(avail_h, (avail_w / columns) / PAGE_ASPECT)
        page_h *= self._zoom
        page_w = page_h * PAGE_ASPECT
        content_w = round(page_w * count + 2 * gap)
        content_h = round(page_h + 2 * gap)
        canvas_w = max(viewport.width(), content_w)
        canvas_h = max(viewport.height(), content_h)
        self._canvas.resize(canvas_w, canvas_h)
        left = (canvas_w - page_w * count) / 2
        top = (canvas_h - page_h) / 2
        for i, sheet in enumerate(pages):
            sheet.setGeometry(round(left + i * page_w), round(top), round(page_w), round(page_h))
        self._empty.setGeometry(0, 0, canvas_w, canvas_h)

    def _wheel_zoom(self, event: QWheelEvent) -> bool:
        """Ctrl+wheel zooms; returns whether the event was used."""
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            return False
        delta = event.angleDelta().y()
        if delta > 0:
            self.zoom_in()
        elif delta < 0:
            self.zoom_out()
        return True

    # --- keys ---

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        forward = (Qt.Key.Key_Right, Qt.Key.Key_PageDown, Qt.Key.Key_Space)
        backward = (Qt.Key.Key_Left, Qt.Key.Key_PageUp, Qt.Key.Key_Backspace)
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            super().keyPressEvent(event)
        elif key in forward:
            self.next_page()
        elif key in backward:
            self.previous_page()
        elif key == Qt.Key.Key_Home:
            self.go_to(1)
        elif key == Qt.Key.Key_End:
            self.go_to(self.page_count)
        elif key == Qt.Key.Key_Escape:
            self.leave_requested.emit()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            bar = self._scroll.verticalScrollBar()
            step = bar.singleStep() * 4 * (1 if key == Qt.Key.Key_Down else -1)
            bar.setValue(bar.value() + step)
        else:
            super().keyPressEvent(event)

"""Watching a book being made: page cards that fill in as the story and pictures arrive.

The cards live in a model painted by a delegate, so a 200-page book costs a
few hundred small records, not a few hundred widgets. Pictures (partial and
final) are decoded and scaled in the executor; only the QImage to QPixmap
step happens on the GUI thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QResizeEvent,
    QTextLayout,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.book import ImageStatus, Page, PlanStatus, UsageTotals
from studio.core.events import (
    BudgetReached,
    Event,
    ImageFailed,
    ImagePartial,
    ImageReady,
    ImageStarted,
    Notice,
    PageTextChanged,
    PageTextReady,
    PlanFailed,
    PlanStarted,
    RunFinished,
    StoryProgress,
    StoryWaiting,
    TitleReady,
    UsageUpdated,
)
from studio.core.library import BookBusyError, BookStore, Bundle
from studio.core.pipeline import Pipeline
from studio.gui.async_dialog import confirm_unless_told
from studio.gui.context import AppContext
from studio.gui.icons import bind_icon, icon
from studio.gui.lib.images import ImageLoadError, decode_image_bytes, load_image
from studio.gui.lib.loop import async_slot
from studio.gui.lib.ops import Ops
from studio.gui.lib.theme import CHIP_FILL_ALPHA, SPACING, book_font, current_theme, ui_font
from studio.gui.plain import plain_label, plain_tooltip

log = logging.getLogger(__name__)

CARD_SIZE = QSize(248, 388)
PICTURE_SIDE = 224
PAD = 12


class CardState(StrEnum):
    WAITING = "waiting"
    DRAWING = "drawing"
    DONE = "done"
    FAILED = "failed"


STATE_LABELS = {
    CardState.WAITING: "Waiting",
    CardState.DRAWING: "Drawing…",
    CardState.DONE: "Done",
    CardState.FAILED: "Failed",
}


@dataclass
class Card:
    """What one page card shows."""

    number: int
    text: str
    state: CardState = CardState.WAITING
    reason: str = ""
    pixmap: QPixmap | None = None
    partial: bool = False
    """The pixmap is a streamed draft, not the final picture."""
    final_pending: bool = False
    """The final picture is loading: later drafts are ignored."""

    @property
    def has_picture(self) -> bool:
        return self.pixmap is not None and not self.partial


def card_state(status: ImageStatus) -> CardState:
    return {
        ImageStatus.PENDING: CardState.WAITING,
        ImageStatus.RUNNING: CardState.DRAWING,
        ImageStatus.DONE: CardState.DONE,
        ImageStatus.FAILED: CardState.FAILED,
    }[status]


class PageCardModel(QAbstractListModel):
    """One row per page, in page order."""

    CardRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cards: list[Card] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._cards)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or index.row() >= len(self._cards):
            return None
        card = self._cards[index.row()]
        if role == self.CardRole:
            return card
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"Page {card.number}: {card.text}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(card.reason if card.state is CardState.FAILED else card.text)
        return None

    @property
    def cards(self) -> list[Card]:
        return list(self._cards)

    def card(self, number: int) -> Card | None:
        return self._cards[number - 1] if 0 < number <= len(self._cards) else None

    def clear(self) -> None:
        self.beginResetModel()
        self._cards = []
        self.endResetModel()

    def set_page(self, page: Page) -> None:
        """Add the page's card, or update its text (pages arrive in order)."""
        row = page.number - 1
        if row < len(self._cards):
            self.update(page.number, text=page.text)
            return
        if row > len(self._cards):
            for missing in range(len(self._cards) + 1, page.number):
                self._append(Card(missing, ""))
        self._append(
            Card(page.number, page.text, card_state(page.image.status), page.image.error or "")
        )

    def _append(self, card: Card) -> None:
        row = len(self._cards)
        self.beginInsertRows(QModelIndex(), row, row)
        self._cards.append(card)
        self.endInsertRows()

    def update(self, number: int, **changes: Any) -> Card | None:
        card = self.card(number)
        if card is None:
            return None
        updated = replace(card, **changes)
        self._cards[number - 1] = updated
        index = self.index(number - 1)
        self.dataChanged.emit(index, index)
        return updated


def elided_lines(text: str, font: QFont, width: int, max_lines: int) -> list[str]:
    """`text` wrapped to `width`, at most `max_lines` lines, the last one elided."""
    text = " ".join(text.split())
    layout = QTextLayout(text, font)
    starts: list[tuple[int, int]] = []
    layout.beginLayout()
    while len(starts) < max_lines:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        starts.append((line.textStart(), line.textLength()))
    layout.endLayout()
    lines = [text[start : start + length].strip() for start, length in starts]
    if starts and sum(length for _, length in starts) < len(text):
        tail = text[starts[-1][0] :]
        lines[-1] = QFontMetrics(font).elidedText(tail, Qt.TextElideMode.ElideRight, width)
    return lines


class PageCardDelegate(QStyledItemDelegate):
    """Paints a page card: picture, page number, state, text and, on failure, Retry."""

    retry_clicked = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.text_font = book_font(10.5)
        self.small_font = ui_font(8.5)
        self.small_bold = ui_font(8.5, bold=True)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return CARD_SIZE

    @staticmethod
    def card_rect(option_rect: QRect) -> QRect:
        return QRect(option_rect.topLeft(), CARD_SIZE).adjusted(2, 2, -2, -2)

    @classmethod
    def picture_rect(cls, option_rect: QRect) -> QRect:
        card = cls.card_rect(option_rect)
        side = card.width() - 2 * PAD
        return QRect(card.left() + PAD, card.top() + PAD, side, side)

    @classmethod
    def retry_rect(cls, option_rect: QRect) -> QRect:
        card = cls.card_rect(option_rect)
        return QRect(card.right() - PAD - 76, card.bottom() - PAD - 28, 76, 28)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        card: Card | None = index.data(PageCardModel.CardRole)
        if card is None:
            return
        theme = current_theme()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.card_rect(option.rect)
        border = theme.color("accent" if card.state is CardState.FAILED else "border")
        if card.state is CardState.FAILED:
            border = theme.color("danger")
        painter.setPen(QPen(border, 1))
        painter.setBrush(theme.color("base"))
        painter.drawRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), 10, 10)
        self._paint_picture(painter, self.picture_rect(option.rect), card)
        self._paint_body(painter, rect, card)
        painter.restore()

    def _paint_picture(self, painter: QPainter, area: QRect, card: Card) -> None:
        theme = current_theme()
        clip = QPainterPath()
        clip.addRoundedRect(QRectF(area), 6, 6)
        painter.save()
        painter.setClipPath(clip)
        painter.fillRect(area, theme.color("placeholder"))
        if card.pixmap is not None and not card.pixmap.isNull():
            scaled = card.pixmap.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(QPoint(0, 0), scaled)
            target.moveCenter(area.center())
            painter.drawPixmap(target, card.pixmap)
            if card.partial:
                painter.fillRect(area, theme.color("draft_wash"))
        else:
            glyph = icon("warning" if card.state is CardState.FAILED else "image", theme.muted)
            side = 40
            target = QRect(0, 0, side, side)
            target.moveCenter(area.center())
            painter.setOpacity(0.7)
            glyph.paint(painter, target)
            painter.setOpacity(1.0)
        if card.state is CardState.DRAWING:
            self._paint_spinner(painter, area)
        painter.restore()

    @staticmethod
    def _paint_spinner(painter: QPainter, area: QRect) -> None:
        theme = current_theme()
        side = 28
        box = QRectF(area.right() - side - 10, area.top() + 10, side, side)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.color("spinner_back"))
        painter.drawEllipse(box.adjusted(-4, -4, 4, 4))
        start = int((time.monotonic() * 360) % 360) * 16
        painter.setPen(QPen(theme.color("accent_text" if theme.dark else "base"), 3))
        painter.drawArc(box.adjusted(3, 3, -3, -3), -start, 270 * 16)

    def _paint_body(self, painter: QPainter, rect: QRect, card: Card) -> None:
        theme = current_theme()
        top = rect.top() + PAD + PICTURE_SIDE + 10
        width = rect.width() - 2 * PAD
        left = rect.left() + PAD
        painter.setFont(self.small_bold)
        painter.setPen(theme.color("muted"))
        painter.drawText(
            QRect(left, top, width, 18), Qt.AlignmentFlag.AlignLeft, f"PAGE {card.number}"
        )
        self._paint_chip(painter, QRect(left, top, width, 18), card.state)
        top += 24
        if card.state is CardState.FAILED:
            painter.setFont(self.small_font)
            painter.setPen(theme.color("danger"))
            metrics = QFontMetrics(self.small_font)
            lines = elided_lines(card.reason or "The picture failed.", self.small_font, width, 3)
            for line in lines:
                painter.drawText(QRect(left, top, width, metrics.height()), 0, line)
                top += metrics.height()
            top += 4
            self._paint_retry(
                painter, self.retry_rect(QRect(rect.topLeft() - QPoint(2, 2), CARD_SIZE))
            )
            text_lines = 2
        else:
            text_lines = 5
        painter.setFont(self.text_font)
        painter.setPen(theme.color("text"))
        metrics = QFontMetrics(self.text_font)
        line_height = metrics.height() + 2
        if not card.text:
            painter.setPen(theme.color("muted"))
            painter.drawText(QRect(left, top, width, line_height), 0, "Writing…")
            return
        for line in elided_lines(card.text, self.text_font, width, text_lines):
            painter.drawText(QRect(left, top, width, line_height), 0, line)
            top += line_height

    def _paint_chip(self, painter: QPainter, row: QRect, state: CardState) -> None:
        theme = current_theme()
        colour = {
            CardState.WAITING: theme.color("muted"),
            CardState.DRAWING: theme.color("accent"),
            CardState.DONE: theme.color("success"),
            CardState.FAILED: theme.color("danger"),
        }[state]
        label = STATE_LABELS[state]
        metrics = QFontMetrics(self.small_bold)
        chip_width = metrics.horizontalAdvance(label) + 18
        chip = QRect(row.right() - chip_width, row.top() - 1, chip_width, 20)
        fill = QColor(colour)
        fill.setAlpha(CHIP_FILL_ALPHA)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(chip), 10, 10)
        painter.setPen(colour)
        painter.setFont(self.small_bold)
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_retry(self, painter: QPainter, button: QRect) -> None:
        theme = current_theme()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.color("accent"))
        painter.drawRoundedRect(QRectF(button), 6, 6)
        painter.setPen(theme.color("accent_text"))
        painter.setFont(self.small_bold)
        icon("retry", theme.accent_text).paint(
            painter, QRect(button.left() + 9, button.top() + 6, 16, 16)
        )
        painter.drawText(button.adjusted(22, 0, 0, 0), Qt.AlignmentFlag.AlignCenter, "Retry")

    def editorEvent(
        self,
        event: QEvent,
        model: Any,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        card: Card | None = index.data(PageCardModel.CardRole)
        if (
            card is not None
            and card.state is CardState.FAILED
            and event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and self.retry_rect(option.rect).contains(event.position().toPoint())
        ):
            self.retry_clicked.emit(card.number)
            return True
        return super().editorEvent(event, model, option, index)


class PageCardList(QListView):
    """A wrapping grid of page cards; only visible cards are painted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setWrapping(True)
        self.setSpacing(SPACING // 2)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(50)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setMouseTracking(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setStyleSheet("QListView::item { background: transparent; }")

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Spread the columns over the whole width instead of leaving a ragged right edge."""
        self.setGridSize(fitted_grid(usable_width(self), CARD_SIZE, SPACING))
        super().resizeEvent(event)


def usable_width(view: QListView) -> int:
    """The viewport's width with room for a vertical scroll bar, shown or not."""
    bar = view.verticalScrollBar()
    extra = (
        0 if bar.isVisible() else view.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
    )
    return view.viewport().width() - extra - 2


def fitted_grid(width: int, item: QSize, gap: int) -> QSize:
    """A grid cell size that fits whole columns of `item` into `width`."""
    columns = max(1, (width - gap) // (item.width() + gap))
    return QSize(max(item.width() + gap, (width - gap) // columns), item.height() + gap)


def _format_elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


STORY_SPOKE = (
    PlanStarted,
    StoryProgress,
    TitleReady,
    PageTextReady,
    PageTextChanged,
    PlanFailed,
    Notice,
    RunFinished,
)
"""Events that end a wait for the story server (pictures arriving do not)."""


WAITING_PREFIX = "Waiting for the story server"


def waiting_text(event: StoryWaiting) -> str:
    return (
        f"{WAITING_PREFIX} to write {event.what}: {event.seconds:.0f} s "
        f"(gives up after {event.limit:.0f} s)"
    )


def format_usage(totals: UsageTotals) -> str:
    tokens = totals.input_tokens + totals.output_tokens
    return f"{tokens:,} tokens · {totals.images} pictures · ${totals.cost_usd:.2f}"


class GenerationView(QWidget):
    """Live progress of one book: header, meters, Cancel and the page cards."""

    event_received = Signal(object)
    run_finished = Signal(object)
    running_changed = Signal(bool)
    refused = Signal(str)
    """The run did not start: another process or run holds the book (the text says which)."""
    open_book_requested = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.store: BookStore | None = None
        self.model = PageCardModel(self)
        self._run_task: asyncio.Task[RunFinished | None] | None = None
        self._pipeline: Pipeline | None = None
        self._cancel_requested = False
        self.ops = Ops(self, context.executor)
        """Runs of the book and everything else this view starts."""
        self._loads = Ops(self, context.executor)
        """Pictures being decoded for the cards (`drain` waits for them)."""
        self._retries = Ops(self, context.executor)
        """Failed pages being drawn again (Cancel stops them too)."""
        self._started = 0.0
        self._pages = 0
        self._done = 0
        self.last_finished: RunFinished | None = None
        self._before_wait: str | None = None
        """The status line a wait for the story server covers, while it is shown."""
        self._build()
        self._clock = QTimer(self)
        self._clock.setInterval(500)
        self._clock.timeout.connect(self._tick)
        self._spin = QTimer(self)
        self._spin.setInterval(80)
        self._spin.timeout.connect(self._repaint_drawing)

    # --- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(SPACING * 2, SPACING * 2, SPACING * 2, SPACING)
        outer.setSpacing(SPACING)
        self.title_label = plain_label("Writing the story…")
        self.title_label.setProperty("role", "title")
        self.title_label.setWordWrap(True)
        self.premise_label = plain_label()
        self.premise_label.setProperty("role", "muted")
        self.premise_label.setWordWrap(True)
        outer.addWidget(self.title_label)
        outer.addWidget(self.premise_label)
        outer.addLayout(self._meters())
        self.status_label = plain_label()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.status_label)
        self.list_view = PageCardList(self)
        self.delegate = PageCardDelegate(self.list_view)
        self.delegate.retry_clicked.connect(self.on_retry_clicked)
        self.list_view.setModel(self.model)
        self.list_view.setItemDelegate(self.delegate)
        outer.addWidget(self.list_view, 1)

    def _meters(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(SPACING)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.count_label = QLabel("0 of 0 pictures")
        self.elapsed_label = QLabel("0:00")
        self.elapsed_label.setProperty("role", "muted")
        self.elapsed_label.setToolTip("Time since the run started")
        self.usage_label = QLabel(format_usage(UsageTotals()))
        self.usage_label.setProperty("role", "muted")
        self.usage_label.setToolTip("Tokens, pictures and estimated cost so far")
        self.cancel_button = QPushButton("Cancel")
        bind_icon(self.cancel_button, "cancel")
        self.cancel_button.setToolTip("Stop everything and keep what is done (Esc)")
        self.cancel_button.clicked.connect(lambda: self.ops.run(self.ask_to_cancel()))
        self.open_button = QPushButton("Open book")
        bind_icon(self.open_button, "open", "accent_text")
        self.open_button.setProperty("primary", True)
        self.open_button.clicked.connect(self._open_clicked)
        self.resume_button = QPushButton("Resume")
        bind_icon(self.resume_button, "resume")
        self.resume_button.setToolTip("Finish the pages that are missing or failed")
        self.resume_button.clicked.connect(self.on_resume_clicked)
        for widget in (self.progress, self.count_label, self.elapsed_label, self.usage_label):
            row.addWidget(widget)
        row.addSpacing(SPACING)
        for button in (self.cancel_button, self.resume_button, self.open_button):
            row.addWidget(button)
        self._set_running(False)
        return row

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        has_book = self.store is not None
        self.open_button.setVisible(not running and has_book)
        incomplete = has_book and self.store is not None and not self.store.book.is_complete
        self.resume_button.setVisible(not running and bool(incomplete))
        self.running_changed.emit(running)

    # --- showing a book ----------------------------------------------------------------

    def show_book(self, store: BookStore) -> None:
        """Show `store`'s book as it is now; pictures already drawn load in the background."""
        self.store = store
        self.last_finished = None
        book = store.book
        self.model.clear()
        self._pages = book.settings.pages
        self._done = sum(p.is_done for p in book.pages)
        self.title_label.setText(book.title or "Writing the story…")
        self.premise_label.setText(book.settings.premise)
        self.status_label.setText("")
        self._before_wait = None
        self.usage_label.setText(format_usage(book.usage))
        self._update_count()
        for page in book.pages:
            self.model.set_page(page)
            if page.is_done and page.image.current is not None:
                path = store.bundle.image_path(page.image.current.display)
                self.model.update(page.number, final_pending=True)
                self._loads.run(self._load_final(page.number, path))
        self._set_running(self.is_running)

    @property
    def is_running(self) -> bool:
        return self._run_task is not None and not self._run_task.done()

    @property
    def bundle(self) -> Bundle | None:
        return self.store.bundle if self.store else None

    # --- running -----------------------------------------------------------------------

    async def generate(self, store: BookStore) -> RunFinished | None:
        """Run (or resume) the book's generation to its end; None when cancelled."""
        if self.is_running:
            raise RuntimeError("A generation is already running in this view.")
        self.show_book(store)
        pipeline = await self.context.pipeline(store, self.apply_event)
        self._pipeline = pipeline
        self._cancel_requested = False
        self._started = time.monotonic()
        self._clock.start()
        self._run_task = asyncio.ensure_future(pipeline.run())
        self._set_running(True)
        try:
            finished: RunFinished | None = await asyncio.shield(self._run_task)
        except BookBusyError as err:
            self.status_label.setText(str(err))
            self.refused.emit(str(err))
            return None
        except asyncio.CancelledError:
            if not self._run_task.done():
                self._cancel_run()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._run_task
                raise
            finished = None
        finally:
            self._clock.stop()
            self._tick()
            self._set_running(False)
        await self.drain()
        return finished

    def start(self, store: BookStore) -> asyncio.Task[RunFinished | None]:
        """Begin `generate` as a task this view owns (cancelled by `stop`)."""
        return self.ops.run(self.generate(store))

    async def ask_to_cancel(self) -> bool:
        """Esc or Cancel: ask first (unless told not to), then stop. True when stopped."""
        if not self.is_running or self._cancel_requested:
            return False
        settings = self.context.settings
        if settings.confirm_stop:
            title = self.store.book.display_title if self.store is not None else "this book"
            stop, never = await confirm_unless_told(
                self.window(),
                "Stop generating?",
                f"Stop generating \u201c{title}\u201d?",
                informative="The pages and pictures done so far are kept; "
                "Resume finishes the rest later.",
                accept_label="Stop generating",
                keep_label="Keep going",
            )
            if not stop:
                return False
            if never:
                settings.confirm_stop = False
                self.context.save_settings()
        if not self.is_running:
            return False  # it finished while the question was open
        self.cancel()
        return True

    def cancel(self) -> None:
        """Stop every request now, without asking; what is done stays saved."""
        if self.is_running and not self._cancel_requested:
            self._cancel_requested = True
            self.status_label.setText("Cancelling…")
            self.cancel_button.setEnabled(False)
            self._cancel_run()
        self._retries.cancel()

    def _cancel_run(self) -> None:
        """The pipeline stops its requests (and makes the stop stick); a run that has
        not started yet is cancelled as a task."""
        if self._run_task is not None and not self._run_task.done():
            self._run_task.cancel()
            if self._pipeline is not None:
                self._pipeline.cancel()

    async def retry_page(self, number: int) -> RunFinished:
        """Draw one failed page again with the same book and engine."""
        store = self.store
        if store is None:
            raise RuntimeError("No book is shown.")
        self.model.update(number, state=CardState.WAITING, reason="")
        pipeline = await self.context.pipeline(store, self.apply_event)
        finished = await pipeline.regenerate_image(number)
        await self.drain()
        if not self.is_running:
            self._set_running(False)
        return finished

    @async_slot(int)
    async def on_retry_clicked(self, number: int) -> None:
        await self._retries.join(self.retry_page(number))

    @async_slot()
    async def on_resume_clicked(self) -> None:
        if self.store is not None and not self.is_running:
            await self.ops.join(self.generate(self.store))

    async def drain(self) -> None:
        """Wait for the pictures still being decoded for the cards."""
        await self._loads.wait()

    async def stop(self) -> None:
        """Cancel the run and everything else this view started, and wait for them."""
        self.cancel()
        run = [self._run_task] if self._run_task is not None else []
        await asyncio.gather(
            self.ops.stop(), self._loads.stop(), self._retries.stop(), *run, return_exceptions=True
        )
        self._spin.stop()
        self._clock.stop()

    # --- events ------------------------------------------------------------------------

    def apply_event(self, event: Event) -> None:
        """Render one pipeline event (called on the loop, by the pipeline)."""
        if not isinstance(event, StoryWaiting) and isinstance(event, STORY_SPOKE):
            self._end_wait()
        match event:
            case PlanStarted():
                self._plan_started(event)
            case StoryProgress():
                self._story_progress(event)
            case StoryWaiting():
                self._story_waiting(event)
            case TitleReady():
                self._title_ready(event)
            case PageTextReady():
                self._page_text_ready(event)
            case PageTextChanged():
                self._page_text_changed(event)
            case ImageStarted():
                self._image_started(event)
            case ImagePartial():
                self._image_partial(event)
            case ImageReady():
                self._image_ready(event)
            case ImageFailed():
                self._image_failed(event)
            case UsageUpdated():
                self._usage_updated(event)
            case BudgetReached():
                self._budget_reached(event)
            case PlanFailed():
                self._plan_failed(event)
            case Notice():
                self._notice(event)
            case RunFinished():
                self._run_finished(event)
        self.event_received.emit(event)

    def _plan_started(self, event: PlanStarted) -> None:
        self._pages = event.pages
        self.status_label.setText("Writing the story…")
        self._update_count()

    def _story_progress(self, event: StoryProgress) -> None:
        if not self.model.rowCount():
            self.status_label.setText(f"Writing the story… {event.chars:,} characters so far")

    def _story_waiting(self, event: StoryWaiting) -> None:
        shown = self.status_label.text()
        if self._before_wait is None or not shown.startswith(WAITING_PREFIX):
            self._before_wait = shown  # a picture's news may have replaced the last tick
        self.status_label.setText(waiting_text(event))

    def _end_wait(self) -> None:
        """The story server spoke again: the line it covered comes back."""
        if self._before_wait is not None:
            self.status_label.setText(self._before_wait)
            self._before_wait = None

    def _title_ready(self, event: TitleReady) -> None:
        self.title_label.setText(event.title)

    def _page_text_ready(self, event: PageTextReady) -> None:
        self.model.set_page(event.page)
        self.status_label.setText(f"Page {event.page.number} written; its picture is on its way.")

    def _page_text_changed(self, event: PageTextChanged) -> None:
        self.model.set_page(event.page)

    def _image_started(self, event: ImageStarted) -> None:
        self.model.update(event.number, state=CardState.DRAWING, reason="")
        if not self._spin.isActive():
            self._spin.start()

    def _image_partial(self, event: ImagePartial) -> None:
        self._loads.run(self._load_partial(event.number, event.data))

    def _image_ready(self, event: ImageReady) -> None:
        card = self.model.update(event.number, state=CardState.DONE, reason="", final_pending=True)
        if card is not None:
            self._done = self._count_done()
            self._update_count()
        self._loads.run(self._load_final(event.number, Path(event.display_path)))

    def _image_failed(self, event: ImageFailed) -> None:
        self.model.update(event.number, state=CardState.FAILED, reason=event.reason)
        self.status_label.setText(f"Page {event.number}: {event.reason}")

    def _usage_updated(self, event: UsageUpdated) -> None:
        self.usage_label.setText(format_usage(event.totals))

    def _budget_reached(self, event: BudgetReached) -> None:
        self.status_label.setText(
            f"The budget of ${event.budget_usd:.2f} is reached (${event.spent_usd:.2f} spent): "
            "no new pictures are started."
        )

    def _plan_failed(self, event: PlanFailed) -> None:
        self.status_label.setText(f"The story could not be written: {event.reason}")

    def _notice(self, event: Notice) -> None:
        self.status_label.setText(event.message)

    def _run_finished(self, event: RunFinished) -> None:
        self.last_finished = event
        for card in self.model.cards:
            if card.state is CardState.DRAWING:
                self.model.update(card.number, state=CardState.WAITING)
        if self.store is not None:
            self.title_label.setText(self.store.book.display_title)
            if self.store.book.plan_status is PlanStatus.FAILED:
                self.title_label.setText("The story could not be written")
        self.status_label.setText(event.message)
        self._spin.stop()
        self.run_finished.emit(event)

    def _count_done(self) -> int:
        return sum(c.state is CardState.DONE for c in self.model.cards)

    def _update_count(self) -> None:
        total = max(self._pages, self.model.rowCount())
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(self._done)
        self.count_label.setText(f"{self._done} of {total} pictures")

    def _tick(self) -> None:
        if self._started:
            self.elapsed_label.setText(_format_elapsed(time.monotonic() - self._started))

    def _repaint_drawing(self) -> None:
        drawing = [c for c in self.model.cards if c.state is CardState.DRAWING]
        if not drawing:
            self._spin.stop()
            return
        viewport = self.list_view.viewport()
        for card in drawing:
            rect = self.list_view.visualRect(self.model.index(card.number - 1))
            if rect.intersects(viewport.rect()):
                viewport.update(rect)

    def _picture_size(self) -> QSize:
        ratio = max(1.0, self.devicePixelRatioF())
        side = math.ceil(PICTURE_SIDE * ratio)
        return QSize(side, side)

    async def _load_partial(self, number: int, data: bytes) -> None:
        try:
            image = await decode_image_bytes(self.context.executor, data, self._picture_size())
        except ImageLoadError:
            return
        card = self.model.card(number)
        if card is None or card.final_pending or card.has_picture:
            return
        self.model.update(number, pixmap=QPixmap.fromImage(image), partial=True)

    async def _load_final(self, number: int, path: Path) -> None:
        try:
            image = await load_image(self.context.executor, path, self._picture_size())
        except ImageLoadError as err:
            self.model.update(number, state=CardState.FAILED, reason=str(err), final_pending=False)
            return
        self.model.update(
            number, pixmap=QPixmap.fromImage(image), partial=False, final_pending=False
        )

    def _open_clicked(self) -> None:
        if self.store is not None:
            self.open_book_requested.emit(self.store.bundle)

"""Changing an open book: undoable edits and restores, regeneration, saving soon after.

`BookDocument` owns the loaded `BookStore` and the `QUndoStack`. Every change
goes through it, so the view, the undo history and the file on disk agree.
`PagePanel` is the side panel where a page's words and picture are redone.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from studio.core.book import Book, ImageStatus, ImageVersion, Page, ReviewState, TextVersion
from studio.core.config import ConfigError
from studio.core.events import BudgetReached, Event, Outcome, RunFinished
from studio.core.library import BookFileError, BookStore, StorageError
from studio.core.pipeline import Pipeline
from studio.core.prompting import image_request
from studio.core.providers.base import ProviderError
from studio.core.review import set_review
from studio.gui.context import AppContext
from studio.gui.lib.loop import async_slot
from studio.gui.lib.ops import Ops

log = logging.getLogger(__name__)

SAVE_DELAY_MS = 30
"""A committed edit is written this soon (edits made within it are written together)."""
WATCH_INTERVAL_MS = 1000
"""How often the open book's file is looked at for changes another process saved."""


_UNSEEN = (-1, -1, -1)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells one version of a file from the next (it is replaced whole on every save)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


def _index_of(items: list[Any], item: object) -> int | None:
    """The position of this very object (not an equal one) in `items`."""
    return next((i for i, candidate in enumerate(items) if candidate is item), None)


def _remove(items: list[Any], item: object) -> int | None:
    index = _index_of(items, item)
    if index is not None:
        del items[index]
    return index


# --- Undoable commands -----------------------------------------------------------------

PROMPT_HINT = "The prompt sent to the image model. Change it to steer the picture."
PAINTER_PROMPT_HINT = (
    "The offline painter paints this prompt: change the time of day, the place, the "
    "colours or the creatures it names to steer the picture."
)


class SetTextCommand(QUndoCommand):
    """Make new words current on a page; the words it had go to its text history.

    `source` is the history entry being restored, if any. Undo puts everything
    back where it was; regenerated words that are undone stay in the history,
    since they cost a call to make.
    """

    def __init__(
        self,
        document: BookDocument,
        number: int,
        label: str,
        *,
        text: str,
        scene: str,
        source: TextVersion | None = None,
        keep_on_undo: bool = False,
        applied_previous: TextVersion | None = None,
    ) -> None:
        super().__init__(label)
        self._document = document
        self._number = number
        self._text, self._scene = text, scene
        self._source = source
        self._source_index: int | None = None
        self._keep = keep_on_undo
        self._kept: TextVersion | None = None
        self._previous = applied_previous
        self._skip_redo = applied_previous is not None

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        page = self._document.page(self._number)
        if self._previous is None:
            self._previous = TextVersion(text=page.text, scene=page.scene)
        if self._source is not None:
            self._source_index = _remove(page.text_history, self._source)
        if self._kept is not None:
            _remove(page.text_history, self._kept)
        page.text_history.append(self._previous)
        page.text, page.scene = self._text, self._scene
        self._document.changed(self._number)

    def undo(self) -> None:
        page = self._document.page(self._number)
        _remove(page.text_history, self._previous)
        if self._source is not None:
            index = len(page.text_history) if self._source_index is None else self._source_index
            page.text_history.insert(index, self._source)
        elif self._keep:
            if self._kept is None:
                self._kept = TextVersion(text=self._text, scene=self._scene)
            page.text_history.append(self._kept)
        assert self._previous is not None
        page.text, page.scene = self._previous.text, self._previous.scene
        self._document.changed(self._number)


class SetPictureCommand(QUndoCommand):
    """Make a picture version current; the current one goes to the picture history.

    Undo makes the earlier picture current again and puts `version` back in the
    history (where it was, or at the end for a new drawing), so nothing is lost.
    """

    def __init__(
        self,
        document: BookDocument,
        number: int,
        label: str,
        version: ImageVersion,
        *,
        applied_previous: ImageVersion | None = None,
        already_applied: bool = False,
    ) -> None:
        super().__init__(label)
        self._document = document
        self._number = number
        self._version = version
        self._index: int | None = None
        self._previous = applied_previous
        self._skip_redo = already_applied
        page = document.page(number)
        self._old_status = page.image.status if not already_applied else ImageStatus.DONE
        self._old_error = page.image.error if not already_applied else None

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        illustration = self._document.page(self._number).image
        self._old_status, self._old_error = illustration.status, illustration.error
        self._previous = illustration.current
        self._index = _remove(illustration.history, self._version)
        if self._previous is not None:
            illustration.history.append(self._previous)
        illustration.current = self._version
        illustration.status, illustration.error = ImageStatus.DONE, None
        self._document.changed(self._number)

    def undo(self) -> None:
        illustration = self._document.page(self._number).image
        if self._previous is not None:
            _remove(illustration.history, self._previous)
        index = len(illustration.history) if self._index is None else self._index
        illustration.history.insert(min(index, len(illustration.history)), self._version)
        illustration.current = self._previous
        if self._previous is None:
            illustration.status, illustration.error = self._old_status, self._old_error
        else:
            illustration.status, illustration.error = ImageStatus.DONE, None
        self._document.changed(self._number)


# --- The open book ---------------------------------------------------------------------


class BookDocument(QObject):
    """The open book: undoable changes, saves soon after each one, and regeneration."""

    page_updated = Signal(int)
    """A page changed (0: the whole book)."""
    busy_changed = Signal(int)
    saved = Signal()
    event_emitted = Signal(object)
    """A pipeline event of a rewrite or redraw this document started."""
    failed = Signal(str)
    """Something the person asked for did not work; the text says why."""
    reloaded = Signal()
    """Another process saved changes to the open book; they are in `book` now."""

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.store: BookStore | None = None
        self.undo_stack = QUndoStack(self)
        self.busy: dict[int, str] = {}
        self._save_timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._save_from_timer)
        self.ops = Ops(self, context.executor)
        """Saves and looks at the disk; cancelled when the document goes."""
        self._regenerations = Ops(self, context.executor)
        """Rewrites and redraws: they go on when the slot that asked is cancelled, and
        stop with `stop_regenerating`. A failure no branch expected reaches the error dialog."""
        self._save_task: asyncio.Task[None] | None = None
        self._watch = QTimer(self, interval=WATCH_INTERVAL_MS)
        self._watch.timeout.connect(self._look_at_disk)
        self._watch_task: asyncio.Task[bool] | None = None
        self._seen: tuple[int, int, int] | None = _UNSEEN

    @property
    def book(self) -> Book | None:
        return self.store.book if self.store else None

    def page(self, number: int) -> Page:
        assert self.store is not None
        return self.store.book.page(number)

    def set_store(self, store: BookStore | None) -> None:
        self._save_timer.stop()
        self.undo_stack.clear()
        self.busy.clear()
        self.store = store
        self._seen = _UNSEEN
        if store is None:
            self._watch.stop()
        else:
            self._watch.start()

    # --- changes saved by another process ---

    def _look_at_disk(self) -> None:
        if self.store is None or (self._watch_task is not None and not self._watch_task.done()):
            return
        self._watch_task = self.ops.run(self.look_at_disk())

    async def look_at_disk(self) -> bool:
        """Show what another process saved to the open book; True if anything changed."""
        store = self.store
        if store is None or self.save_pending:
            return False
        loop = asyncio.get_running_loop()
        stamp = await loop.run_in_executor(self._context.executor, _stamp, store.bundle.book_file)
        if stamp == self._seen or store is not self.store:
            return False
        self._seen = stamp
        if stamp is None:
            self._watch.stop()
            self.failed.emit(
                f"{store.bundle.path.name} was deleted or moved; "
                "what is shown here is no longer saved."
            )
            return False
        try:
            changed = await store.refresh()
        except (BookFileError, StorageError) as err:
            log.warning("Could not read the changes saved to the book: %s", err)
            return False
        if changed and store is self.store:
            self.reloaded.emit()
        return changed

    # --- saving ---

    def changed(self, number: int) -> None:
        """A page was changed: show it and save soon."""
        self.page_updated.emit(number)
        self.save_soon()

    def save_soon(self) -> None:
        if self.store is not None:
            self._save_timer.start()

    def _save_from_timer(self) -> None:
        if self._save_task is None or self._save_task.done():
            self._save_task = self.ops.run(self._save())
        else:
            self._save_timer.start()

    async def _save(self) -> None:
        if self.store is None:
            return
        try:
            await self.store.save()
        except StorageError as err:
            self.failed.emit(str(err))
        else:
            self.saved.emit()

    @property
    def save_pending(self) -> bool:
        """A change is waiting for its save to start."""
        return self._save_timer.isActive()

    async def flush(self) -> None:
        """Write any change still waiting for its save, and wait for saves in flight."""
        if self._save_task is not None and not self._save_task.done():
            await asyncio.shield(self._save_task)
        if self._save_timer.isActive():
            self._save_timer.stop()
            self._save_task = self.ops.run(self._save())
            await asyncio.shield(self._save_task)

    # --- edits ---

    def edit_text(self, number: int, text: str) -> None:
        page = self.page(number)
        text = text.strip()
        if not text or text == page.text:
            return
        self.undo_stack.push(
            SetTextCommand(self, number, f"Edit text of page {number}", text=text, scene=page.scene)
        )

    def restore_text(self, number: int, history_index: int) -> None:
        version = self.page(number).text_history[history_index]
        self.undo_stack.push(
            SetTextCommand(
                self,
                number,
                f"Restore earlier text of page {number}",
                text=version.text,
                scene=version.scene,
                source=version,
            )
        )

    def restore_picture(self, number: int, history_index: int) -> None:
        version = self.page(number).image.history[history_index]
        self.undo_stack.push(
            SetPictureCommand(self, number, f"Restore earlier picture of page {number}", version)
        )

    def set_review(self, number: int, state: ReviewState, notes: str | None = None) -> None:
        book = self.book
        if book is None:
            return
        page = book.page(number)
        if page.review.state == state and (notes is None or notes.strip() == page.review.notes):
            return
        set_review(book, number, state, notes)
        self.changed(number)

    # --- regeneration ---

    def _set_busy(self, number: int, what: str | None) -> None:
        if what is None:
            self.busy.pop(number, None)
        else:
            self.busy[number] = what
        self.busy_changed.emit(number)

    async def stop_regenerating(self) -> None:
        """Cancel every rewrite and redraw in flight and wait until they have stopped."""
        await self._regenerations.stop()

    async def regenerate_text(self, number: int, instruction: str = "") -> Page | None:
        """Rewrite a page's words (the old words go to its history). None if it failed
        or was stopped."""
        return await self._regenerations.join(self._rewrite(number, instruction))

    async def regenerate_picture(
        self, number: int, prompt: str | None = None
    ) -> RunFinished | None:
        """Draw a page's picture again (the old one goes to its history). None if it
        could not start or was stopped."""
        return await self._regenerations.join(self._redraw(number, prompt))

    async def _rewrite(self, number: int, instruction: str) -> Page | None:
        store = self.store
        if store is None or number in self.busy:
            return None
        self._set_busy(number, "text")
        try:
            pipeline = await self._pipeline(store)
            page = await pipeline.regenerate_text(number, instruction.strip())
        except (ProviderError, ConfigError, StorageError) as err:
            self.failed.emit(f"Page {number}'s text could not be rewritten: {err}")
            return None
        finally:
            self._set_busy(number, None)
        if store is self.store and page.text_history:
            self.undo_stack.push(
                SetTextCommand(
                    self,
                    number,
                    f"Rewrite text of page {number}",
                    text=page.text,
                    scene=page.scene,
                    keep_on_undo=True,
                    applied_previous=page.text_history[-1],
                )
            )
            self.changed(number)
        return page

    async def _redraw(self, number: int, prompt: str | None) -> RunFinished | None:
        store = self.store
        if store is None or number in self.busy:
            return None
        before = store.book.page(number).image.current
        self._set_busy(number, "picture")
        reached: list[BudgetReached] = []

        def emit(event: Event) -> None:
            if isinstance(event, BudgetReached):
                reached.append(event)
            self._emit(event)

        try:
            pipeline = await self._context.pipeline(store, emit)
            finished = await pipeline.regenerate_image(number, (prompt or "").strip() or None)
        except (ConfigError, StorageError) as err:
            self.failed.emit(f"Page {number}'s picture could not be redrawn: {err}")
            return None
        finally:
            self._set_busy(number, None)
        illustration = store.book.page(number).image
        if reached:
            self.failed.emit(
                f"Page {number}'s picture was not redrawn: this book's budget of "
                f"${reached[0].budget_usd:.2f} is reached (${reached[0].spent_usd:.2f} spent)."
            )
        elif finished.outcome is not Outcome.COMPLETE:
            reason = finished.message or illustration.error or finished.outcome
            self.failed.emit(f"Page {number}'s picture could not be redrawn: {reason}")
        elif store is self.store and illustration.current is not None:
            if illustration.current is not before:
                self.undo_stack.push(
                    SetPictureCommand(
                        self,
                        number,
                        f"Redraw picture of page {number}",
                        illustration.current,
                        applied_previous=before,
                        already_applied=True,
                    )
                )
        self.changed(number)
        return finished

    async def _pipeline(self, store: BookStore) -> Pipeline:
        return await self._context.pipeline(store, self._emit)

    def _emit(self, event: Event) -> None:
        self.event_emitted.emit(event)


# --- The page panel --------------------------------------------------------------------


def card(title: str) -> tuple[QFrame, QVBoxLayout]:
    """A light panel with a bold title, for one section of the side panel."""
    frame = QFrame()
    frame.setObjectName("card")
    frame.setStyleSheet(
        "QFrame#card { background: palette(base); border: 1px solid palette(mid); border-radius: 8px; }"
    )
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 10, 12, 12)
    layout.setSpacing(8)
    if title:
        layout.addWidget(_heading(title))
    return frame, layout


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(placeholder-text);")
    return label


class PagePanel(QWidget):
    """Redo one page: rewrite its words with an optional instruction, redraw its picture
    from an editable prompt. The versions panel sits below."""

    edit_requested = Signal()

    def __init__(self, document: BookDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self.number = 0
        self._filled_prompt = ""
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        title_font = self.title.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setBold(True)
        self.title.setFont(title_font)

        self.edit_button = QPushButton("Edit words in place")
        self.edit_button.setToolTip("Type on the page itself (F2). Ctrl+Enter keeps, Esc drops.")
        self.edit_button.clicked.connect(self.edit_requested)
        self.instruction = QLineEdit()
        self.instruction.setObjectName("rewrite_instruction")
        self.instruction.setPlaceholderText("Optional: how to rewrite, e.g. “make it rhyme”")
        self.instruction.setClearButtonEnabled(True)
        self.rewrite_button = QPushButton("Rewrite words")
        self.rewrite_button.setObjectName("rewrite_button")
        self.rewrite_button.clicked.connect(self._rewrite_clicked)
        self.instruction.returnPressed.connect(self.rewrite_button.click)
        self.instruction_note = _hint("")
        self.instruction_note.setObjectName("instruction_note")
        self.instruction_note.hide()
        self.instruction.textChanged.connect(self._instruction_typed)

        self.prompt = QPlainTextEdit()
        self.prompt.setObjectName("picture_prompt")
        self.prompt.setPlaceholderText("What the picture should show")
        self.prompt.setMinimumHeight(120)
        self.prompt.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.reset_prompt_button = QPushButton("Reset prompt")
        self.reset_prompt_button.clicked.connect(self.reset_prompt)
        self.redraw_button = QPushButton("Redraw picture")
        self.redraw_button.setObjectName("redraw_button")
        self.redraw_button.clicked.connect(self._redraw_clicked)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.status.setProperty("role", "error")
        self.status.hide()

        words_row = QHBoxLayout()
        words_row.addWidget(self.instruction, 1)
        words_row.addWidget(self.rewrite_button)
        picture_row = QHBoxLayout()
        picture_row.addWidget(self.reset_prompt_button)
        picture_row.addStretch(1)
        picture_row.addWidget(self.redraw_button)
        words, words_layout = card("Words")
        words_layout.addWidget(self.edit_button)
        words_layout.addLayout(words_row)
        words_layout.addWidget(self.instruction_note)
        picture, picture_layout = card("Picture")
        self.prompt_hint = _hint(PROMPT_HINT)
        picture_layout.addWidget(self.prompt_hint)
        picture_layout.addWidget(self.prompt)
        picture_layout.addLayout(picture_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.title)
        layout.addWidget(words)
        layout.addWidget(picture)
        layout.addWidget(self.status)
        layout.addStretch(1)
        document.busy_changed.connect(self._busy_changed)
        document.page_updated.connect(self._page_updated)

    def show_page(self, number: int) -> None:
        if number != self.number:
            self.number = number
            self.instruction.clear()
            self.status.hide()
            self.reset_prompt()
        self.title.setText(f"Page {number}" if number else "No page")
        painter = self._offline()[1]
        self.prompt_hint.setText(PAINTER_PROMPT_HINT if painter else PROMPT_HINT)
        self._instruction_typed(self.instruction.text())
        self._busy_changed(number)

    def _offline(self) -> tuple[bool, bool]:
        """Whether the open book's words, and its pictures, come from the offline engine."""
        book = self._document.book
        if book is None:
            return False, False
        s = book.settings
        words = s.engine == "offline"
        return words, words or s.image_engine == "offline"

    def _instruction_typed(self, text: str) -> None:
        """Say at once what an offline rewrite cannot do of what is typed."""
        from studio.core.offline import read_instruction, rewrite_notice  # after the first paint

        book = self._document.book
        notice = None
        if book is not None and self._offline()[0]:
            notice = rewrite_notice(book.language) or (
                read_instruction(text).needs_model if text.strip() else None
            )
        self.instruction_note.setText(notice or "")
        self.instruction_note.setVisible(bool(notice))

    def reset_prompt(self) -> None:
        book = self._document.book
        if book is None or not self.number:
            self.prompt.setPlainText("")
            self._filled_prompt = ""
            return
        self._filled_prompt = image_request(book, book.page(self.number)).prompt
        self.prompt.setPlainText(self._filled_prompt)

    def _page_updated(self, number: int) -> None:
        if number in (0, self.number) and self.prompt.toPlainText() == self._filled_prompt:
            self.reset_prompt()

    def _busy_changed(self, number: int) -> None:
        if number != self.number:
            return
        busy = self._document.busy.get(number)
        enabled = busy is None and self.number > 0
        for widget in (self.rewrite_button, self.redraw_button, self.edit_button):
            widget.setEnabled(enabled)
        self.rewrite_button.setText("Rewriting…" if busy == "text" else "Rewrite words")
        self.redraw_button.setText("Drawing…" if busy == "picture" else "Redraw picture")

    def show_error(self, message: str) -> None:
        self.status.setText(message)
        self.status.setVisible(bool(message))

    @async_slot()
    async def _rewrite_clicked(self) -> None:
        await self.rewrite()

    @async_slot()
    async def _redraw_clicked(self) -> None:
        await self.redraw()

    async def rewrite(self) -> Page | None:
        self.status.hide()
        return await self._document.regenerate_text(self.number, self.instruction.text())

    async def redraw(self) -> RunFinished | None:
        self.status.hide()
        prompt = self.prompt.toPlainText()
        return await self._document.regenerate_picture(self.number, prompt)

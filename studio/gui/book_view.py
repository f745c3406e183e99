"""The book view: read a book large, edit and redo its pages, review it, export it.

The main window embeds one `BookView`. It opens a bundle from disk (no network
needed), or follows a book being generated through `attach_store` and
`apply_event`. Every change goes through `BookDocument`, which keeps the undo
history and saves soon after each change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.book import Book, Page, ReviewState
from studio.core.events import (
    Event,
    ImageFailed,
    ImagePartial,
    ImageReady,
    ImageStarted,
    Notice,
    PageTextChanged,
    PageTextReady,
    PlanFailed,
    RunFinished,
    TitleReady,
)
from studio.core.library import BookStore, Bundle
from studio.core.review import redraw_prompt, rewrite_instruction
from studio.gui.context import AppContext
from studio.gui.editing import BookDocument, PagePanel
from studio.gui.lib.images import ImageLoadError, decode_image_bytes, image_cache
from studio.gui.lib.ops import Ops
from studio.gui.lib.theme import book_family
from studio.gui.plain import plain_window_title
from studio.gui.reader import ReaderView
from studio.gui.review import ReviewPanel
from studio.gui.versions import VersionsPanel

log = logging.getLogger(__name__)

PAGE_TAB, VERSIONS_TAB, REVIEW_TAB = 0, 1, 2


def _padded(widget: QWidget, *, scroll: bool = False) -> QWidget:
    """`widget` with the side panel's margins, in a scroll area when it may not fit."""
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(14, 14, 14, 14)
    layout.addWidget(widget, 1)
    if not scroll:
        return holder
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(holder)
    return area


class BookView(QWidget):
    """Reader, page editor, versions, review and export for one book at a time."""

    book_changed = Signal()
    """The person changed the open book (an edit, a restore, a review mark)."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("book_view")
        book_family()
        self._context = context
        self.ops = Ops(self, context.executor)
        """The view's background work: pictures loading, rewrites and redraws with a note."""
        self._bundle: Bundle | None = None
        self._full_screen = False
        self.document = BookDocument(context, self)
        self.document.event_emitted.connect(self.apply_event)
        self.document.page_updated.connect(self._page_updated)
        self.document.failed.connect(self.show_notice)
        self.document.reloaded.connect(self._reloaded)
        self.document.busy_changed.connect(self._busy_changed)
        self.document.saved.connect(self._saved)

        self.reader = ReaderView(self.ops)
        self.reader.page_changed.connect(self._page_shown)
        self.reader.text_edited.connect(self.document.edit_text)
        self.reader.zoom_changed.connect(lambda _zoom: self._update_footer())
        self.page_panel = PagePanel(self.document)
        self.page_panel.edit_requested.connect(self.edit_text_in_place)
        self.versions = VersionsPanel(self.ops)
        self.versions.restore_text_requested.connect(self.document.restore_text)
        self.versions.restore_picture_requested.connect(self.document.restore_picture)
        self.review_panel = ReviewPanel()
        self.review_panel.state_chosen.connect(self._state_chosen)
        self.review_panel.notes_edited.connect(self._notes_edited)
        self.review_panel.page_requested.connect(self.go_to)
        self.review_panel.rewrite_with_note_requested.connect(
            lambda n: self.ops.run(self.rewrite_with_note(n))
        )
        self.review_panel.redraw_with_note_requested.connect(
            lambda n: self.ops.run(self.redraw_with_note(n))
        )

        self._build()
        self._actions = self._make_actions()
        self.addActions(self._actions)
        self.reader.addActions(self._reader_actions)
        self._enable_actions()

    # --- construction ---

    def _build(self) -> None:
        self.title_label = QLabel()
        self.title_label.setObjectName("book_title")
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        title_font = self.title_label.font()
        title_font.setFamily(book_family())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.45)
        self.title_label.setFont(title_font)
        self.subtitle_label = QLabel()
        self.subtitle_label.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle_label.setProperty("role", "caption")
        self.notice = QLabel()
        self.notice.setObjectName("book_notice")
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setWordWrap(True)
        self.notice.setProperty("role", "notice")
        self.notice.hide()
        self.notice_close = QToolButton()
        self.notice_close.setText("✕")
        self.notice_close.setAutoRaise(True)
        self.notice_close.clicked.connect(lambda: self.show_notice(""))
        self.notice_close.hide()
        header = QHBoxLayout()
        header.setContentsMargins(16, 10, 16, 6)
        header.addWidget(self.title_label)
        header.addSpacing(12)
        header.addWidget(self.subtitle_label, 1)
        notice_row = QHBoxLayout()
        notice_row.setContentsMargins(16, 0, 16, 6)
        notice_row.addWidget(self.notice, 1)
        notice_row.addWidget(self.notice_close)

        reader_area = QWidget()
        self._reader_layout = QVBoxLayout(reader_area)
        self._reader_layout.setContentsMargins(0, 0, 0, 0)
        self._reader_layout.setSpacing(0)
        self._reader_layout.addWidget(self.reader, 1)
        self._reader_layout.addWidget(self._build_footer())

        self.side = QTabWidget()
        self.side.setObjectName("side_panel")
        self.side.setDocumentMode(True)
        self.side.addTab(_padded(self.page_panel, scroll=True), "Edit")
        self.side.addTab(_padded(self.versions), "Versions")
        self.side.addTab(_padded(self.review_panel), "Review")
        self.side.setMinimumWidth(340)
        self.side.currentChanged.connect(self._tab_changed)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(reader_area)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([900, 380])
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addLayout(notice_row)
        layout.addWidget(self.splitter, 1)

    def _build_footer(self) -> QWidget:
        footer = QFrame()
        footer.setObjectName("reader_footer")
        footer.setStyleSheet(
            "QFrame#reader_footer { background: palette(window); border-top: 1px solid palette(mid); }"
        )
        self.previous_button = self._tool("‹  Previous", "Previous page (Left, Page Up)")
        self.previous_button.clicked.connect(self.reader.previous_page)
        self.next_button = self._tool("Next  ›", "Next page (Right, Page Down)")
        self.next_button.clicked.connect(self.reader.next_page)
        self.page_label = QLabel()
        self.page_label.setObjectName("page_label")
        self.page_label.setTextFormat(Qt.TextFormat.PlainText)
        self.page_label.setMinimumWidth(96)
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_out_button = self._tool("−", "Zoom out (Ctrl+-)")
        self.zoom_out_button.clicked.connect(self.reader.zoom_out)
        self.zoom_label = QLabel()
        self.zoom_label.setTextFormat(Qt.TextFormat.PlainText)
        self.zoom_label.setMinimumWidth(44)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_in_button = self._tool("+", "Zoom in (Ctrl++)")
        self.zoom_in_button.clicked.connect(self.reader.zoom_in)
        self.fit_button = self._tool("Fit", "Fit the page to the window (Ctrl+0)")
        self.fit_button.clicked.connect(self.reader.zoom_fit)
        self.spread_button = self._tool("Two pages", "Show a two-page spread (Ctrl+2)")
        self.spread_button.setCheckable(True)
        self.spread_button.toggled.connect(self.set_spread)
        self.full_button = self._tool("Full screen", "Read full screen (F11; Esc leaves)")
        self.full_button.clicked.connect(self.toggle_full_screen)
        self.save_label = QLabel()
        self.save_label.setTextFormat(Qt.TextFormat.PlainText)
        self.save_label.setProperty("role", "caption")
        self.save_label.setMinimumWidth(140)
        row = QHBoxLayout(footer)
        row.setContentsMargins(10, 4, 10, 4)
        row.addWidget(self.save_label)
        row.addStretch(1)
        row.addWidget(self.previous_button)
        row.addWidget(self.page_label)
        row.addWidget(self.next_button)
        row.addStretch(1)
        row.addWidget(self.zoom_out_button)
        row.addWidget(self.zoom_label)
        row.addWidget(self.zoom_in_button)
        row.addWidget(self.fit_button)
        row.addSpacing(8)
        row.addWidget(self.spread_button)
        row.addWidget(self.full_button)
        return footer

    @staticmethod
    def _tool(text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setProperty("role", "flat")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return button

    def _action(
        self,
        text: str,
        menu: str,
        slot: Callable[[], object],
        *shortcuts: QKeySequence | QKeySequence.StandardKey | str,
        checkable: bool = False,
        name: str = "",
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name or text.lower().replace("…", "").strip().replace(" ", "_"))
        action.setProperty("menu", menu)
        keys: list[QKeySequence] = []
        for shortcut in shortcuts:
            if isinstance(shortcut, QKeySequence.StandardKey):
                keys.extend(QKeySequence.keyBindings(shortcut))
            else:
                keys.append(QKeySequence(shortcut))
        unique = list(dict.fromkeys(k.toString() for k in keys if not k.isEmpty()))
        action.setShortcuts([QKeySequence(k) for k in unique])
        action.setCheckable(checkable)
        if checkable:
            action.toggled.connect(lambda _checked: slot())
        else:
            action.triggered.connect(lambda _checked=False: slot())
        return action

    def _make_actions(self) -> list[QAction]:
        stack = self.document.undo_stack
        self.undo_action = stack.createUndoAction(self, "Undo")
        self.undo_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Undo))
        self.undo_action.setObjectName("undo")
        self.undo_action.setProperty("menu", "Edit")
        self.redo_action = stack.createRedoAction(self, "Redo")
        self.redo_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Redo))
        self.redo_action.setObjectName("redo")
        self.redo_action.setProperty("menu", "Edit")
        a = self._action
        self.edit_action = a("Edit Page Words", "Edit", self.edit_text_in_place, "F2")
        self.rewrite_action = a(
            "Rewrite Page Words…", "Edit", self._focus_rewrite, "Ctrl+Shift+W", name="rewrite"
        )
        self.redraw_action = a(
            "Redraw Page Picture…", "Edit", self._focus_redraw, "Ctrl+Shift+P", name="redraw"
        )
        self.versions_action = a(
            "Earlier Versions", "Edit", self._focus_versions, "Ctrl+Shift+H", name="versions"
        )
        self.next_action = a("Next Page", "View", self.reader.next_page, "PgDown")
        self.previous_action = a("Previous Page", "View", self.reader.previous_page, "PgUp")
        self.zoom_in_action = a(
            "Zoom In", "View", self.reader.zoom_in, QKeySequence.StandardKey.ZoomIn, "Ctrl+="
        )
        self.zoom_out_action = a(
            "Zoom Out", "View", self.reader.zoom_out, QKeySequence.StandardKey.ZoomOut
        )
        self.fit_action = a("Fit Page", "View", self.reader.zoom_fit, "Ctrl+0")
        self.spread_action = a(
            "Two-Page Spread",
            "View",
            self._spread_toggled,
            "Ctrl+2",
            checkable=True,
            name="spread",
        )
        self.full_screen_action = a(
            "Full Screen",
            "View",
            self.toggle_full_screen,
            QKeySequence.StandardKey.FullScreen,
            "F11",
            name="full_screen",
        )
        self.panel_action = a(
            "Side Panel", "View", self._panel_toggled, "F9", checkable=True, name="side_panel"
        )
        self.panel_action.setChecked(True)
        self.review_action = a(
            "Review Mode",
            "Review",
            self._review_toggled,
            "Ctrl+Shift+R",
            checkable=True,
            name="review_mode",
        )
        self.approve_action = a(
            "Approve Page", "Review", lambda: self.mark(ReviewState.APPROVED), "Ctrl+Shift+A"
        )
        self.needs_changes_action = a(
            "Page Needs Changes",
            "Review",
            lambda: self.mark(ReviewState.NEEDS_CHANGES),
            "Ctrl+Shift+N",
            name="needs_changes",
        )
        self.unreviewed_action = a(
            "Mark Page Not Reviewed",
            "Review",
            lambda: self.mark(ReviewState.UNREVIEWED),
            "Ctrl+Shift+U",
            name="unreviewed",
        )
        self.next_review_action = a(
            "Next Page to Review",
            "Review",
            self.review_panel.next_button.click,
            "Ctrl+Shift+J",
            name="next_to_review",
        )
        self.rewrite_note_action = a(
            "Rewrite Words with Note",
            "Review",
            lambda: self.ops.run(self.rewrite_with_note(self.current_page)),
            name="rewrite_with_note",
        )
        self.redraw_note_action = a(
            "Redraw Picture with Note",
            "Review",
            lambda: self.ops.run(self.redraw_with_note(self.current_page)),
            name="redraw_with_note",
        )
        self.export_action = a(
            "Export…", "Export", self.open_export_dialog, "Ctrl+E", name="export"
        )
        self._reader_actions: list[QAction] = [
            self.next_action,
            self.previous_action,
            self.zoom_in_action,
            self.zoom_out_action,
            self.fit_action,
            self.spread_action,
            self.full_screen_action,
        ]
        return [
            self.undo_action, self.redo_action, self.edit_action, self.rewrite_action,
            self.redraw_action, self.versions_action, self.previous_action, self.next_action,
            self.zoom_in_action, self.zoom_out_action, self.fit_action, self.spread_action,
            self.full_screen_action, self.panel_action, self.review_action, self.approve_action,
            self.needs_changes_action, self.unreviewed_action, self.next_review_action,
            self.rewrite_note_action, self.redraw_note_action, self.export_action,
        ]  # fmt: skip

    # --- the contract with the main window ---

    def menu_actions(self) -> list[QAction]:
        """Actions for the main window's menus; `action.property("menu")` names the menu
        (Edit, View, Review, Export). Their shortcuts also work inside this view."""
        return list(self._actions)

    def undo_stack(self) -> QUndoStack:
        return self.document.undo_stack

    async def open_book(self, bundle: Bundle) -> None:
        """Load a book from disk in the executor and show it. Raises BookFileError."""
        await self.document.flush()
        book = await self.ops.call(bundle.load)
        self._show(BookStore(bundle, book, self._context.executor))
        self.reader.setFocus(Qt.FocusReason.OtherFocusReason)

    def attach_store(self, store: BookStore) -> None:
        """Show a book being generated; `apply_event` keeps it current."""
        if store is self.document.store:
            return
        self._show(store)

    def apply_event(self, event: Event) -> None:
        """Keep the view current with a pipeline event for the shown book."""
        if self.book is None:
            return
        match event:
            case TitleReady():
                self._show_title()
            case PageTextReady(page=page) | PageTextChanged(page=page):
                self._refresh_page(page.number)
            case ImageStarted(number=number) | ImageFailed(number=number):
                self._refresh_page(number)
            case ImageReady(number=number):
                self._refresh_page(number)
            case ImagePartial(number=number, data=data):
                self.ops.run(self._show_partial(number, data))
            case PlanFailed(reason=reason):
                self.show_notice(reason)
            case Notice(message=message):
                self.show_notice(message)
            case RunFinished():
                self._refresh_page(None)

    # --- more for the main window and the tests ---

    @property
    def bundle(self) -> Bundle | None:
        return self._bundle

    @property
    def book(self) -> Book | None:
        return self.document.book

    @property
    def store(self) -> BookStore | None:
        return self.document.store

    @property
    def current_page(self) -> int:
        return self.reader.current_page

    def go_to(self, number: int) -> None:
        self.reader.go_to(number)

    async def flush(self) -> None:
        """Save what is waiting to be saved."""
        self.review_panel.commit_notes()
        await self.document.flush()

    async def close_book(self) -> None:
        """Save, stop background work, leave full screen and show nothing."""
        if self._full_screen:
            self.toggle_full_screen()
        await self.document.stop_regenerating()
        await self.flush()
        await self.ops.stop()
        self._forget_pictures()
        self._bundle = None
        self.document.set_store(None)
        self.reader.set_book(None, None)
        self._show_title()
        self._enable_actions()

    def show_notice(self, message: str) -> None:
        self.notice.setText(message)
        self.notice.setVisible(bool(message))
        self.notice_close.setVisible(bool(message))
        self.page_panel.show_error("")

    # --- showing ---

    def _show(self, store: BookStore) -> None:
        self._forget_pictures()
        self._bundle = store.bundle
        self.document.set_store(store)
        self.show_notice("")
        self.save_label.setText("")
        self._show_title()
        self.reader.set_book(store.book, store.bundle)
        self._page_shown(self.reader.current_page)
        self._enable_actions()

    def _show_title(self) -> None:
        book = self.book
        self.title_label.setText(book.display_title if book else "")
        if book is None:
            self.subtitle_label.setText("")
        else:
            count = len(book.pages) or book.settings.pages
            self.subtitle_label.setText(f"{count} pages · for ages {book.settings.audience_age}")
        self.setWindowTitle(plain_window_title(book.display_title) if book else "Story Studio")

    def _refresh_page(self, number: int | None) -> None:
        book = self.book
        if book is None:
            return
        if self.reader.current_page == 0 and book.pages:
            self.reader.set_book(book, self._bundle)
        else:
            self.reader.refresh(number)
        if number is None or number == self.current_page:
            self._page_shown(self.current_page)
        else:
            self._update_footer()
            self.review_panel.show_book(book)
        self._enable_actions()

    def _forget_pictures(self) -> None:
        """The pictures of the book shown until now leave the cache with it."""
        if self._bundle is not None:
            image_cache.forget(self._bundle.path)

    async def _show_partial(self, number: int, data: bytes) -> None:
        try:
            image = await decode_image_bytes(self.ops.executor, data, None)
        except ImageLoadError:
            return
        self.reader.show_partial(number, image)

    def _page_updated(self, number: int) -> None:
        self._refresh_page(number or None)
        self.save_label.setText("Saving…")
        self.book_changed.emit()

    def _reloaded(self) -> None:
        """Changes another process saved (a review, a run, an edit) are shown."""
        self._show_title()
        self._refresh_page(None)
        self.book_changed.emit()

    def _saved(self) -> None:
        if not self.document.save_pending:
            self.save_label.setText("All changes saved")

    def _page_shown(self, number: int) -> None:
        book = self.book
        page = book.page(number) if book is not None and number else None
        self.page_panel.show_page(number)
        self.versions.show_page(self._bundle, page)
        self.review_panel.show_book(book)
        self.review_panel.show_page(page)
        self._busy_changed(number)
        self._update_footer()

    def _update_footer(self) -> None:
        count = self.reader.page_count
        visible = self.reader.visible_pages()
        if not count:
            self.page_label.setText("No pages")
        elif len(visible) == 2:
            self.page_label.setText(f"Pages {visible[0]}–{visible[1]} of {count}")
        else:
            self.page_label.setText(f"Page {self.current_page} of {count}")
        first = visible[0] if visible else 0
        last = visible[-1] if visible else 0
        self.previous_button.setEnabled(first > 1)
        self.next_button.setEnabled(0 < last < count)
        self.zoom_label.setText(f"{round(self.reader.zoom * 100)}%")

    def _busy_changed(self, number: int) -> None:
        if number == self.current_page:
            busy = number in self.document.busy
            self.review_panel.set_busy(busy)
            for action in (self.rewrite_note_action, self.redraw_note_action):
                action.setEnabled(not busy and self.book is not None)

    def _enable_actions(self) -> None:
        has_pages = bool(self.book and self.book.pages)
        for action in self._actions:
            if action not in (self.undo_action, self.redo_action, self.panel_action):
                action.setEnabled(has_pages)
        self.export_action.setEnabled(self.book is not None and self._bundle is not None)

    # --- view ---

    def set_spread(self, spread: bool) -> None:
        self.reader.set_spread(spread)
        for control in (self.spread_action, self.spread_button):
            if control.isChecked() != spread:
                control.blockSignals(True)
                control.setChecked(spread)
                control.blockSignals(False)
        self._update_footer()

    def _spread_toggled(self) -> None:
        self.set_spread(self.spread_action.isChecked())

    def toggle_full_screen(self) -> None:
        """Move the reader into a full-screen window of its own, or back again."""
        if not self._full_screen:
            self._full_screen = True
            self.reader.setParent(None)
            self.reader.setWindowFlag(Qt.WindowType.Window, True)
            title = plain_window_title(self.book.display_title) if self.book else "Story Studio"
            self.reader.setWindowTitle(title)
            self.reader.leave_requested.connect(self._leave_full_screen)
            self.reader.showFullScreen()
            self.reader.activateWindow()
        else:
            self._full_screen = False
            self.reader.leave_requested.disconnect(self._leave_full_screen)
            self.reader.hide()
            self.reader.setWindowFlag(Qt.WindowType.Window, False)
            self._reader_layout.insertWidget(0, self.reader, 1)
            self.reader.show()
        self.reader.setFocus(Qt.FocusReason.OtherFocusReason)
        self.full_screen_action.setText("Leave Full Screen" if self._full_screen else "Full Screen")

    @property
    def is_full_screen(self) -> bool:
        return self._full_screen

    def _leave_full_screen(self) -> None:
        if self._full_screen:
            self.toggle_full_screen()

    def _panel_toggled(self) -> None:
        self.side.setVisible(self.panel_action.isChecked())

    def _review_toggled(self) -> None:
        on = self.review_action.isChecked()
        if on:
            self.panel_action.setChecked(True)
        self.side.setCurrentIndex(REVIEW_TAB if on else PAGE_TAB)
        self.reader.set_review_mode(on)

    def set_review_mode(self, on: bool) -> None:
        self.review_action.setChecked(on)

    def _tab_changed(self, index: int) -> None:
        on = index == REVIEW_TAB
        if self.review_action.isChecked() != on:
            self.review_action.setChecked(on)

    def _show_side(self, tab: int) -> None:
        self.panel_action.setChecked(True)
        self.side.setCurrentIndex(tab)

    # --- editing ---

    def edit_text_in_place(self) -> None:
        if self._full_screen:
            self.toggle_full_screen()
        self.reader.begin_edit()

    def _focus_rewrite(self) -> None:
        self._show_side(PAGE_TAB)
        self.page_panel.instruction.setFocus()

    def _focus_redraw(self) -> None:
        self._show_side(PAGE_TAB)
        self.page_panel.prompt.setFocus()

    def _focus_versions(self) -> None:
        self._show_side(VERSIONS_TAB)
        self.versions.pictures.setFocus()

    # --- review ---

    def mark(self, state: ReviewState, number: int | None = None) -> None:
        number = number or self.current_page
        if number:
            self.review_panel.commit_notes()
            self.document.set_review(number, state)

    def _state_chosen(self, number: int, state: object) -> None:
        if isinstance(state, ReviewState):
            self.document.set_review(number, state)

    def _notes_edited(self, number: int, notes: str) -> None:
        book = self.book
        if book is not None and 0 < number <= len(book.pages):
            self.document.set_review(number, book.page(number).review.state, notes)

    async def rewrite_with_note(self, number: int) -> Page | None:
        """Rewrite a page's words, sending its review note along."""
        if self.book is None or not number:
            return None
        self.review_panel.commit_notes()
        page = self.book.page(number)
        return await self.document.regenerate_text(number, rewrite_instruction(page))

    async def redraw_with_note(self, number: int) -> object:
        """Redraw a page's picture from its prompt plus its review note."""
        book = self.book
        if book is None or not number:
            return None
        self.review_panel.commit_notes()
        prompt = redraw_prompt(book, book.page(number), with_note=True)
        return await self.document.regenerate_picture(number, prompt)

    # --- export ---

    def open_export_dialog(self) -> QWidget | None:
        """Open the Export dialog window-modally; it runs the export itself."""
        from studio.gui.export_dialog import ExportDialog

        if self.book is None or self._bundle is None:
            return None
        self.ops.run(self.flush())
        dialog = ExportDialog(self._bundle, self.book, self._context.executor, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

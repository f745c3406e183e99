"""Review mode: a state and notes per page, the book's summary, and redoing a page from its note."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal, SignalInstance
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.book import Book, Page, ReviewState
from studio.core.review import MAX_NOTE_CHARS, review_summary
from studio.gui.editing import card
from studio.gui.lib.theme import current_theme
from studio.gui.reader import REVIEW_LABELS

NOTE_DELAY_MS = 600
STATE_ORDER = (ReviewState.UNREVIEWED, ReviewState.APPROVED, ReviewState.NEEDS_CHANGES)


def _plain_label(text: str = "", *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    return label


def _bold(label: QLabel, scale: float = 1.0) -> QLabel:
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


class ReviewPanel(QWidget):
    """Where the review of the book stands, and this page's mark and notes.

    Notes are handed on a short while after typing stops (and when the page
    changes), so every keystroke does not cause a save.
    """

    state_chosen = Signal(int, object)
    """Page number and the ReviewState chosen for it."""
    notes_edited = Signal(int, str)
    page_requested = Signal(int)
    rewrite_with_note_requested = Signal(int)
    redraw_with_note_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = 0
        self._loading = False
        self._pages_left: list[int] = []

        self.summary = _plain_label()
        self.summary.setObjectName("review_summary")
        self.progress = _plain_label()
        self.progress.setStyleSheet("color: palette(placeholder-text);")
        self.jump_row = QHBoxLayout()
        self.jump_row.setSpacing(4)
        self._jump_buttons: list[QPushButton] = []
        self.next_button = QPushButton("Next page to review")
        self.next_button.setObjectName("next_to_review")
        self.next_button.clicked.connect(self._next_to_review)
        summary_box, summary_layout = card("Review of the book")
        summary_layout.addWidget(self.summary)
        summary_layout.addWidget(self.progress)
        summary_layout.addLayout(self.jump_row)
        summary_layout.addWidget(self.next_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.page_title = _bold(_plain_label(), 1.3)
        self.state_group = QButtonGroup(self)
        self.state_group.setExclusive(True)
        self.state_buttons: dict[ReviewState, QPushButton] = {}
        state_row = QHBoxLayout()
        state_row.setSpacing(0)
        for i, state in enumerate(STATE_ORDER):
            button = QPushButton(REVIEW_LABELS[state])
            button.setObjectName(f"state_{state.value}")
            button.setCheckable(True)
            self.state_group.addButton(button, i)
            self.state_buttons[state] = button
            state_row.addWidget(button)
        self.state_group.idClicked.connect(self._state_clicked)
        self._restyle()

        self.notes = QPlainTextEdit()
        self.notes.setObjectName("review_notes")
        self.notes.setPlaceholderText(
            "Notes for this page: what should change in the words or the picture?"
        )
        self.notes.textChanged.connect(self._notes_typed)
        self._note_timer = QTimer(self, singleShot=True, interval=NOTE_DELAY_MS)
        self._note_timer.timeout.connect(self.commit_notes)
        self.rewrite_button = QPushButton("Rewrite words with note")
        self.rewrite_button.setObjectName("rewrite_with_note")
        self.rewrite_button.clicked.connect(
            lambda: self._with_note(self.rewrite_with_note_requested)
        )
        self.redraw_button = QPushButton("Redraw picture with note")
        self.redraw_button.setObjectName("redraw_with_note")
        self.redraw_button.clicked.connect(lambda: self._with_note(self.redraw_with_note_requested))
        note_row = QVBoxLayout()
        note_row.setSpacing(6)
        note_row.addWidget(self.rewrite_button)
        note_row.addWidget(self.redraw_button)

        page_box, page_layout = card("")
        page_layout.addWidget(self.page_title)
        page_layout.addLayout(state_row)
        page_layout.addWidget(_bold(_plain_label("Notes")))
        page_layout.addWidget(self.notes, 1)
        page_layout.addLayout(note_row)
        hint = _plain_label(
            "A note is sent along when the page is rewritten or redrawn with it. "
            "Ctrl+Shift+A approves, Ctrl+Shift+N marks a page as needing changes."
        )
        hint.setStyleSheet("color: palette(placeholder-text);")
        page_layout.addWidget(hint)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(summary_box)
        layout.addWidget(page_box, 1)

    # --- showing ---

    def show_book(self, book: Book | None) -> None:
        summary = review_summary(book) if book is not None else None
        self.summary.setText(summary.text if summary else "No book is open.")
        if summary is None or not summary.total:
            self.progress.setText("")
        else:
            self.progress.setText(
                f"{summary.approved} approved · {summary.needs_changes} need changes · "
                f"{summary.unreviewed} not reviewed"
            )
        for button in self._jump_buttons:
            button.deleteLater()
        self._jump_buttons.clear()
        while self.jump_row.count():
            self.jump_row.takeAt(0)
        changes = summary.pages_needing_changes if summary else []
        if changes:
            self.jump_row.addWidget(_plain_label("Needs changes:", wrap=False))
        for number in changes[:12]:
            button = QPushButton(str(number))
            button.setToolTip(f"Go to page {number}")
            button.setFixedWidth(44)
            button.setStyleSheet(_chip_style())
            button.clicked.connect(lambda _=False, n=number: self.page_requested.emit(n))
            self._jump_buttons.append(button)
            self.jump_row.addWidget(button)
        self.jump_row.addStretch(1)
        self.next_button.setEnabled(bool(summary and summary.pages_left))
        self._pages_left = summary.pages_left if summary else []

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._restyle()  # the theme changed: the chips take its colours

    def _restyle(self) -> None:
        for i, button in enumerate(self.state_buttons.values()):
            button.setStyleSheet(_state_style(STATE_ORDER[i], i))
        for button in self._jump_buttons:
            button.setStyleSheet(_chip_style())

    def show_page(self, page: Page | None) -> None:
        if page is None or page.number != self.number:
            self.commit_notes()
        self._loading = True
        try:
            self.number = page.number if page else 0
            self.page_title.setText(f"Page {page.number}" if page else "No page")
            state = page.review.state if page else ReviewState.UNREVIEWED
            self.state_buttons[state].setChecked(True)
            notes = page.review.notes if page else ""
            if notes != self.notes.toPlainText().strip() or page is None:
                self.notes.setPlainText(notes)
            for widget in (*self.state_buttons.values(), self.notes):
                widget.setEnabled(page is not None)
            self.set_busy(False)
        finally:
            self._loading = False

    def set_busy(self, busy: bool) -> None:
        enabled = not busy and self.number > 0
        self.rewrite_button.setEnabled(enabled)
        self.redraw_button.setEnabled(enabled)

    # --- edits ---

    def _state_clicked(self, index: int) -> None:
        if self.number:
            self.commit_notes()
            self.state_chosen.emit(self.number, STATE_ORDER[index])

    def _notes_typed(self) -> None:
        if self._loading:
            return
        if len(self.notes.toPlainText()) > MAX_NOTE_CHARS:
            self.notes.setPlainText(self.notes.toPlainText()[:MAX_NOTE_CHARS])
        self._note_timer.start()

    def commit_notes(self) -> None:
        """Hand on the notes typed so far, if any are waiting."""
        if self._note_timer.isActive() and self.number:
            self._note_timer.stop()
            self.notes_edited.emit(self.number, self.notes.toPlainText())
        self._note_timer.stop()

    def _with_note(self, signal: SignalInstance) -> None:
        self.commit_notes()
        if self.number:
            signal.emit(self.number)

    def _next_to_review(self) -> None:
        left = self._pages_left
        if not left:
            return
        later = [n for n in left if n > self.number]
        self.page_requested.emit((later or left)[0])


def _state_style(state: ReviewState, position: int) -> str:
    chip = current_theme().review(state.value)
    left = "6px" if position == 0 else "0"
    right = "6px" if position == len(STATE_ORDER) - 1 else "0"
    return (
        "QPushButton { padding: 6px 4px; border: 1px solid palette(mid); background: palette(base);"
        f" border-top-left-radius: {left}; border-bottom-left-radius: {left};"
        f" border-top-right-radius: {right}; border-bottom-right-radius: {right}; }}"
        f" QPushButton:checked {{ background: {chip.back}; color: {chip.fore};"
        f" border-color: {chip.fore}; }}"
    )


def _chip_style() -> str:
    chip = current_theme().review(ReviewState.NEEDS_CHANGES.value)
    return (
        f"QPushButton {{ background: {chip.back}; color: {chip.fore}; border: 1px solid {chip.fore};"
        " border-radius: 10px; padding: 2px 6px; min-height: 16px; }"
    )

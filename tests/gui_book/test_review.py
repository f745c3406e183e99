"""Review mode: marks and notes per page, saved in the bundle, and the book's summary."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.book import ReviewState
from studio.core.library import Bundle
from studio.gui.book_view import BookView
from studio.gui.context import AppContext
from tests.gui_book.conftest import screenshot, wait_until

NOTE = "The key should be gold, not silver. <b>Keep</b> the oak."


async def test_review_marks_and_notes_are_saved_with_a_summary(
    view: BookView, bundle: Bundle, context: AppContext
) -> None:
    await view.open_book(bundle)
    view.review_action.trigger()
    panel = view.review_panel
    assert view.side.currentWidget().isAncestorOf(panel)
    assert panel.summary.text() == "0 of 4 pages approved; 4 not reviewed yet."
    sheet = view.reader.sheets[0]
    assert sheet.badge.isVisible() and sheet.badge.text() == "Not reviewed"

    QTest.mouseClick(panel.state_buttons[ReviewState.NEEDS_CHANGES], Qt.MouseButton.LeftButton)
    panel.notes.setFocus()
    QTest.keyClicks(panel.notes, NOTE)
    panel.commit_notes()
    assert sheet.badge.text().startswith("Needs changes")
    for number in (2, 3):
        QTest.keyClick(view.reader, Qt.Key.Key_Right)
        assert view.current_page == number
        view.approve_action.trigger()
    assert panel.summary.text() == (
        "2 of 4 pages approved; page 1 needs changes; 1 not reviewed yet."
    )
    assert len(panel._jump_buttons) == 1 and panel._jump_buttons[0].text() == "1"
    await wait_until(lambda: view.reader.sheets[0].picture.has_picture)
    await asyncio.sleep(0.1)
    screenshot(view, "review")

    await view.flush()
    pages = bundle.load().pages
    assert pages[0].review.state is ReviewState.NEEDS_CHANGES
    assert pages[0].review.notes == NOTE
    assert [p.review.state for p in pages[1:]] == [
        ReviewState.APPROVED,
        ReviewState.APPROVED,
        ReviewState.UNREVIEWED,
    ]

    QTest.mouseClick(panel._jump_buttons[0], Qt.MouseButton.LeftButton)
    assert view.current_page == 1
    assert panel.notes.toPlainText() == NOTE, "notes are shown as typed, never as markup"

    await view.close_book()
    again = BookView(context)
    try:
        await again.open_book(bundle)
        again.set_review_mode(True)
        assert again.review_panel.notes.toPlainText() == NOTE
        assert again.review_panel.state_buttons[ReviewState.NEEDS_CHANGES].isChecked()
        assert "page 1 needs changes" in again.review_panel.summary.text()
    finally:
        await again.close_book()
        again.deleteLater()


async def test_next_page_to_review_and_all_approved(view: BookView, bundle: Bundle) -> None:
    await view.open_book(bundle)
    view.set_review_mode(True)
    for _ in range(4):
        view.approve_action.trigger()
        view.next_review_action.trigger()
    assert view.review_panel.summary.text() == "All 4 pages approved."
    assert not view.review_panel.next_button.isEnabled()
    view.set_review_mode(False)
    assert not view.reader.sheets[0].badge.isVisible()

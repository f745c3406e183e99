"""Dark mode reaches every notice: the book view's notice and the export warnings are dark."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from studio.core.book import ReviewState
from studio.core.library import Bundle
from studio.gui.book_view import BookView
from studio.gui.export_dialog import ExportDialog
from studio.gui.lib.theme import apply_theme
from tests.gui_book.conftest import screenshot


@pytest.fixture
def dark(qapp: QApplication) -> Iterator[None]:
    apply_theme(qapp, dark=True)
    yield
    apply_theme(qapp, dark=False)


def background_lightness(widget: QWidget) -> int:
    """The lightness just inside the widget's border, where its background shows."""
    return widget.grab().toImage().pixelColor(3, widget.height() // 2).lightness()


def text_lightness(widget: QWidget) -> int:
    return widget.palette().color(widget.foregroundRole()).lightness()


async def test_the_book_notice_follows_the_theme(
    view: BookView, bundle: Bundle, qapp: QApplication, dark: None
) -> None:
    await view.open_book(bundle)
    view.show_notice("The picture for page 3 could not be drawn: the server refused it.")
    await asyncio.sleep(0.05)
    assert background_lightness(view.notice) < 70
    assert text_lightness(view.notice) > 150
    screenshot(view, "book-notice-dark")
    apply_theme(qapp, dark=False)
    await asyncio.sleep(0.05)
    assert background_lightness(view.notice) > 200
    assert text_lightness(view.notice) < 80


async def test_the_export_warnings_are_dark_in_dark_mode(
    view: BookView, bundle: Bundle, dark: None
) -> None:
    await view.open_book(bundle)
    dialog = view.open_export_dialog()
    assert isinstance(dialog, ExportDialog)
    try:
        dialog.warnings.setPlainText("• Page 2's picture is small for print at this size.")
        dialog.warnings_title.show()
        dialog.warnings.show()
        await asyncio.sleep(0.05)
        assert background_lightness(dialog.warnings.viewport()) < 70
        screenshot(dialog, "export-dark")
    finally:
        dialog.close()


async def test_the_review_marks_follow_the_theme_and_the_page_stays_paper(
    view: BookView, bundle: Bundle, qapp: QApplication
) -> None:
    await view.open_book(bundle)
    view.set_review_mode(True)
    await asyncio.sleep(0.05)
    marked = view.review_panel.state_buttons[ReviewState.UNREVIEWED]
    assert marked.isChecked()
    assert background_lightness(marked) > 180, "a light chip in the light theme"
    apply_theme(qapp, dark=True)
    try:
        await asyncio.sleep(0.05)
        assert background_lightness(marked) < 80, "the checked mark turned dark with the theme"
        page_chip = view.reader.sheets[0].badge
        assert page_chip.isVisible()
        assert background_lightness(page_chip) > 180, "the page's own chip is on paper"
    finally:
        apply_theme(qapp, dark=False)

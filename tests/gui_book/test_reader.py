"""Reading a book: open it from disk, flip pages with the keyboard, zoom, spread, full screen."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QFontDatabase, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from studio.core.book import Book, GenerationSettings
from studio.core.events import Event
from studio.core.library import BookStore, Bundle, Library
from studio.gui.book_view import BookView
from studio.gui.context import AppContext
from studio.gui.lib.theme import apply_theme, book_family
from tests.gui_book.conftest import TEXTS, screenshot, wait_until


def shown_text(view: BookView) -> str:
    sheet = view.reader.sheet_for(view.current_page)
    assert sheet is not None
    return sheet.text_label.text()


async def test_open_book_and_flip_pages_with_keys(view: BookView, bundle: Bundle) -> None:
    await view.open_book(bundle)
    assert view.title_label.text() == "Pip and the Silver Key"
    assert view.page_label.text() == "Page 1 of 4"
    assert shown_text(view) == TEXTS[0]
    sheet = view.reader.sheets[0]
    await wait_until(lambda: sheet.picture.has_picture)

    QTest.keyClick(view.reader, Qt.Key.Key_Right)
    assert view.current_page == 2
    assert shown_text(view) == TEXTS[1]
    QTest.keyClick(view.reader, Qt.Key.Key_PageDown)
    assert view.page_label.text() == "Page 3 of 4"
    assert shown_text(view) == TEXTS[2]
    QTest.keyClick(view.reader, Qt.Key.Key_Left)
    assert view.current_page == 2
    QTest.keyClick(view.reader, Qt.Key.Key_End)
    assert shown_text(view) == TEXTS[3]
    QTest.keyClick(view.reader, Qt.Key.Key_Right)
    assert view.current_page == 4, "flipping past the last page stays on it"
    QTest.keyClick(view.reader, Qt.Key.Key_PageUp)
    QTest.keyClick(view.reader, Qt.Key.Key_Home)
    assert view.current_page == 1
    assert not view.previous_button.isEnabled()
    await wait_until(lambda: view.reader.sheets[0].picture.has_picture)
    screenshot(view, "reader")


async def test_text_is_set_in_the_bundled_serif_as_plain_text(
    view: BookView, bundle: Bundle
) -> None:
    await view.open_book(bundle)
    assert book_family() in QFontDatabase.families()
    assert book_family() == book_family(), "registered once"
    label = view.reader.sheets[0].text_label
    assert label.font().family() == book_family()
    assert label.textFormat() == Qt.TextFormat.PlainText


async def test_zoom_spread_and_full_screen(view: BookView, bundle: Bundle) -> None:
    await view.open_book(bundle)
    sheet = view.reader.sheets[0]
    fit_width = sheet.width()
    view.zoom_in_action.trigger()
    assert view.reader.zoom > 1.0
    assert sheet.width() > fit_width
    assert view.zoom_label.text() == "125%"
    view.zoom_out_action.trigger()
    view.zoom_out_action.trigger()
    assert sheet.width() < fit_width
    view.fit_action.trigger()
    assert view.reader.zoom == 1.0
    assert sheet.width() == fit_width

    view.spread_action.trigger()
    assert view.reader.visible_pages() == [1, 2]
    assert view.page_label.text() == "Pages 1–2 of 4"
    QTest.keyClick(view.reader, Qt.Key.Key_Right)
    assert view.reader.visible_pages() == [3, 4]
    await wait_until(lambda: all(s.picture.has_picture for s in view.reader.sheets))
    screenshot(view, "reader-spread")
    view.spread_action.trigger()
    assert view.reader.visible_pages() == [view.current_page]

    view.full_screen_action.trigger()
    assert view.is_full_screen
    assert view.reader.isWindow() and view.reader.isFullScreen()
    QTest.keyClick(view.reader, Qt.Key.Key_Left)
    assert view.current_page == 2, "keys flip pages in full screen too"
    QTest.keyClick(view.reader, Qt.Key.Key_Escape)
    assert not view.is_full_screen
    assert not view.reader.isWindow()
    assert view.reader.isVisible()


async def test_follows_a_book_while_it_is_generated(
    view: BookView, library: Library, context: AppContext
) -> None:
    book = Book(settings=GenerationSettings(premise="A lighthouse keeper's cat", pages=3))
    bundle = library.create(book)
    store = BookStore(bundle, book, context.executor)
    view.attach_store(store)
    assert view.page_label.text() == "No pages"
    seen: list[str] = []

    def emit(event: Event) -> None:
        seen.append(type(event).__name__)
        view.apply_event(event)

    services = await context.services_for(book.settings)
    finished = await services.pipeline(store, emit=emit).run()

    assert finished.outcome == "complete"
    assert "PageTextReady" in seen and "ImageReady" in seen
    assert view.title_label.text() == book.display_title
    assert view.page_label.text() == "Page 1 of 3"
    assert shown_text(view) == book.pages[0].text
    await wait_until(lambda: view.reader.sheets[0].picture.has_picture)
    QTest.keyClick(view.reader, Qt.Key.Key_Right)
    assert shown_text(view) == book.pages[1].text


async def test_dark_mode_keeps_paper_pages_on_a_dark_desk(
    view: BookView, bundle: Bundle, qapp: QApplication
) -> None:
    apply_theme(qapp, dark=True)
    try:
        await view.open_book(bundle)
        view.set_review_mode(True)
        await wait_until(lambda: view.reader.sheets[0].picture.has_picture)
        await asyncio.sleep(0.05)
        desk = view.reader.grab().toImage().pixelColor(8, 8)
        assert desk.lightness() < 100
        screenshot(view, "review-dark")
    finally:
        apply_theme(qapp, dark=False)


async def test_ctrl_wheel_zooms(view: BookView, bundle: Bundle) -> None:
    await view.open_book(bundle)
    viewport = view.reader._scroll.viewport()
    centre = QPointF(viewport.rect().center())
    wheel = QWheelEvent(
        centre,
        viewport.mapToGlobal(centre),
        QPoint(),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, wheel)
    assert view.reader.zoom == 1.25

"""Editing a page: words in place with undo and redo, earlier versions restored, saved to disk."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.book import ImageStatus
from studio.core.library import Bundle
from studio.gui.book_view import BookView
from tests.gui_book.conftest import OLD_TEXT, TEXTS, screenshot, screenshots_on, wait_until

NEW_TEXT = "Pip the hedgehog yawned, stretched, and went looking for breakfast."


async def on_disk(bundle: Bundle, view: BookView) -> list[str]:
    await view.flush()
    return [p.text for p in bundle.load().pages]


async def test_edit_words_in_place_then_undo_and_redo(view: BookView, bundle: Bundle) -> None:
    await view.open_book(bundle)
    view.edit_action.trigger()
    sheet = view.reader.sheets[0]
    assert sheet.is_editing
    assert sheet.editor.toPlainText() == TEXTS[0]
    QTest.keyClick(sheet.editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(sheet.editor, NEW_TEXT)
    if screenshots_on():
        await wait_until(lambda: sheet.picture.has_picture)
        await asyncio.sleep(0.1)
        screenshot(view, "editor")
    QTest.keyClick(sheet.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not sheet.is_editing
    assert sheet.text_label.text() == NEW_TEXT

    saved = bundle.load().pages[0]
    assert saved.text == TEXTS[0], "saving waits a moment after the edit"
    assert (await on_disk(bundle, view))[0] == NEW_TEXT
    page = bundle.load().pages[0]
    assert [v.text for v in page.text_history] == [OLD_TEXT, TEXTS[0]]

    assert view.undo_action.isEnabled()
    assert view.undo_action.text() == "Undo Edit text of page 1"
    view.undo_action.trigger()
    assert sheet.text_label.text() == TEXTS[0]
    assert (await on_disk(bundle, view))[0] == TEXTS[0]
    assert [v.text for v in bundle.load().pages[0].text_history] == [OLD_TEXT]

    view.redo_action.trigger()
    assert sheet.text_label.text() == NEW_TEXT
    assert (await on_disk(bundle, view))[0] == NEW_TEXT


async def test_escape_drops_an_edit(view: BookView, bundle: Bundle) -> None:
    await view.open_book(bundle)
    view.edit_action.trigger()
    sheet = view.reader.sheets[0]
    QTest.keyClicks(sheet.editor, "scribble")
    QTest.keyClick(sheet.editor, Qt.Key.Key_Escape)
    assert not sheet.is_editing
    assert sheet.text_label.text() == TEXTS[0]
    assert not view.undo_action.isEnabled()


async def test_restore_earlier_words(view: BookView, bundle: Bundle) -> None:
    await view.open_book(bundle)
    versions = view.versions
    assert versions.texts.count() == 2
    assert not versions.restore_text_button.isEnabled(), "the current words are not restorable"
    versions.select_text_version(0)
    assert versions.preview.toPlainText() == OLD_TEXT
    QTest.mouseClick(versions.restore_text_button, Qt.MouseButton.LeftButton)

    assert view.reader.sheets[0].text_label.text() == OLD_TEXT
    assert (await on_disk(bundle, view))[0] == OLD_TEXT
    page = bundle.load().pages[0]
    assert [v.text for v in page.text_history] == [TEXTS[0]], "the replaced words are kept"

    view.undo_action.trigger()
    assert (await on_disk(bundle, view))[0] == TEXTS[0]
    assert [v.text for v in bundle.load().pages[0].text_history] == [OLD_TEXT]


async def test_restore_earlier_picture(view: BookView, bundle: Bundle) -> None:
    await view.open_book(bundle)
    before = bundle.load().pages[0].image
    assert before.current is not None
    versions = view.versions
    await wait_until(lambda: all(not b.icon().isNull() for b in versions.picture_buttons))
    view.versions_action.trigger()
    assert view.side.currentWidget().isAncestorOf(versions)
    versions.select_text_version(0)
    await asyncio.sleep(0.1)
    screenshot(view, "versions")
    versions.select_picture_version(0)
    QTest.mouseClick(versions.restore_picture_button, Qt.MouseButton.LeftButton)

    await view.flush()
    after = bundle.load().pages[0].image
    assert after.current is not None and after.current.display == "p001-old-display.jpg"
    assert [v.display for v in after.history] == [before.current.display]
    assert after.status is ImageStatus.DONE
    sheet = view.reader.sheets[0]
    await wait_until(
        lambda: (
            sheet.picture.has_picture
            and sheet._picture_key is not None
            and sheet._picture_key[1] == "p001-old-display.jpg"
        )
    )

    view.undo_action.trigger()
    await view.flush()
    undone = bundle.load().pages[0].image
    assert undone.current is not None and undone.current.display == before.current.display
    assert [v.display for v in undone.history] == ["p001-old-display.jpg"]

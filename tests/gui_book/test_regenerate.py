"""Redoing a page with the offline engine: new words or a new picture, the old ones kept."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.book import Book
from studio.core.library import Bundle, Library
from studio.core.pipeline import Pipeline
from studio.core.prompting import image_request
from studio.gui.book_view import BookView
from tests.fakes import FakeOpenAI
from tests.gui_book.conftest import OLD_TEXT, TEXTS, make_book, wait_until


async def test_rewrite_words_with_an_instruction(view: BookView, bundle: Bundle) -> None:
    await view.open_book(bundle)
    panel = view.page_panel
    panel.instruction.setText("make it rhyme")

    page = await panel.rewrite()

    assert page is not None
    new_text = page.text
    assert new_text != TEXTS[0]
    sheet = view.reader.sheets[0]
    assert sheet.text_label.text() == new_text
    await view.flush()
    saved = bundle.load().pages[0]
    assert saved.text == new_text
    assert [v.text for v in saved.text_history] == [OLD_TEXT, TEXTS[0]]
    assert panel.rewrite_button.isEnabled()
    assert view.versions.texts.count() == 3

    view.undo_action.trigger()
    assert sheet.text_label.text() == TEXTS[0]
    await view.flush()
    undone = bundle.load().pages[0]
    assert undone.text == TEXTS[0]
    assert new_text in [v.text for v in undone.text_history], "undone words stay restorable"

    view.redo_action.trigger()
    assert sheet.text_label.text() == new_text
    await view.flush()
    assert [v.text for v in bundle.load().pages[0].text_history] == [OLD_TEXT, TEXTS[0]]


async def test_redraw_picture_from_an_edited_prompt(view: BookView, bundle: Bundle) -> None:
    await view.open_book(bundle)
    book = view.book
    assert book is not None
    panel = view.page_panel
    assert panel.prompt.toPlainText() == image_request(book, book.page(1)).prompt
    before = book.page(1).image.current
    assert before is not None
    panel.prompt.selectAll()
    panel.prompt.insertPlainText("A hedgehog under an oak at dawn, seen from far away.")

    finished = await panel.redraw()

    assert finished is not None and finished.outcome == "complete"
    await view.flush()
    image = bundle.load().pages[0].image
    assert image.current is not None and image.current.display != before.display
    assert image.current.prompt == "A hedgehog under an oak at dawn, seen from far away."
    assert before.display in [v.display for v in image.history]
    assert bundle.image_path(image.current.display).is_file()
    sheet = view.reader.sheets[0]
    assert image.current is not None
    current = image.current.display
    await wait_until(lambda: sheet._picture_key is not None and sheet._picture_key[1] == current)
    await wait_until(lambda: sheet.picture.has_picture)
    assert len(view.versions.picture_buttons) == 3


async def test_redo_a_page_from_its_review_note(view: BookView, bundle: Bundle) -> None:
    await view.open_book(bundle)
    view.set_review_mode(True)
    panel = view.review_panel
    panel.notes.setFocus()
    QTest.keyClicks(panel.notes, "Make the key gold")
    QTest.mouseClick(panel.rewrite_button, Qt.MouseButton.LeftButton)
    await wait_until(
        lambda: (
            1 not in view.document.busy
            and view.book is not None
            and view.book.page(1).text != TEXTS[0]
        )
    )

    finished = await view.redraw_with_note(1)

    assert finished is not None
    await view.flush()
    page = bundle.load().pages[0]
    assert page.review.notes == "Make the key gold"
    assert page.text != TEXTS[0] and TEXTS[0] in [v.text for v in page.text_history]
    assert page.image.current is not None
    assert "Make the key gold." in page.image.current.prompt
    assert len(page.image.history) == 2


async def test_a_failed_redo_says_why(
    view: BookView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    bundle = make_book(Library(tmp_path / "keyless"), engine="openai")
    await view.open_book(bundle)

    assert await view.page_panel.rewrite() is None

    assert view.notice.isVisible()
    assert "API key" in view.notice.text()
    assert view.page_panel.rewrite_button.isEnabled()
    assert bundle.load().pages[0].text == TEXTS[0]


async def test_closing_the_book_stops_a_redraw_in_flight(view: BookView, bundle: Bundle) -> None:
    await view.open_book(bundle)
    QTest.mouseClick(view.page_panel.redraw_button, Qt.MouseButton.LeftButton)
    await wait_until(lambda: 1 in view.document.busy)
    assert not view.page_panel.redraw_button.isEnabled()
    assert view.page_panel.redraw_button.text() == "Drawing…"

    await view.close_book()

    assert not view.document.busy
    page = bundle.load().pages[0]
    assert page.image.status.value == "done", "a stopped redraw leaves the old picture in place"
    assert page.image.current is not None


async def test_a_redraw_keeps_to_the_books_budget(view: BookView, tmp_path: Path) -> None:
    async with FakeOpenAI() as server:
        bundle = make_book(Library(tmp_path / "priced"), engine="openai")
        book = bundle.load()
        book.settings.base_url = server.base_url
        book.settings.image_model = "gpt-image-1"
        book.settings.budget_usd = 0.01
        bundle.save(book)
        await view.open_book(bundle)
        before = bundle.load().pages[0].image.current

        finished = await view.page_panel.redraw()

        assert finished is not None
        assert not server.requests_to("images"), "a picture above the budget is not asked for"
    assert view.notice.isVisible()
    assert "budget of $0.01 is reached" in view.notice.text()
    assert view.page_panel.redraw_button.isEnabled()
    await view.flush()
    image = bundle.load().pages[0].image
    assert image.status.value == "done" and image.current == before


async def test_an_unexpected_failure_of_a_rewrite_reaches_the_error_dialog(
    view: BookView, bundle: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    await view.open_book(bundle)
    reported: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda _t, err, _tb: reported.append(err))

    async def broken(self: Pipeline, number: int, instruction: str = "") -> None:
        raise RuntimeError("the rewriter broke")

    monkeypatch.setattr(Pipeline, "regenerate_text", broken)
    panel = view.page_panel

    assert await panel.rewrite() is None

    assert [str(e) for e in reported] == ["the rewriter broke"]
    assert panel.rewrite_button.isEnabled() and panel.rewrite_button.text() == "Rewrite words"
    assert view.reader.sheets[0].text_label.text() == TEXTS[0]


async def test_offline_the_rewrite_box_says_what_needs_a_model(
    view: BookView, bundle: Bundle
) -> None:
    await view.open_book(bundle)
    assert view.book is not None and view.book.settings.engine == "offline"
    panel = view.page_panel
    note = panel.instruction_note
    panel.instruction.setText("make it rhyme")
    assert not note.isVisibleTo(panel), "the offline engine can make a page rhyme"
    panel.instruction.setText("write it as a sonnet in French")
    assert note.isVisibleTo(panel)
    assert note.text().startswith("The offline engine cannot do “write it as a sonnet in French”")
    assert note.text().endswith("This needs a model (Settings > Provider).")
    assert "offline painter paints this prompt" in panel.prompt_hint.text()

    panel.instruction.setText("at night")
    assert not note.isVisibleTo(panel)
    page = await panel.rewrite()
    assert page is not None and "night" in page.text.lower(), "the author's words are used"


async def test_offline_a_spanish_page_is_not_rewritten_in_english(
    view: BookView, bundle: Bundle
) -> None:
    def spanish(book: Book) -> Book:
        book.settings.language = "es"
        return book

    bundle.update(spanish)
    await view.open_book(bundle)
    panel = view.page_panel
    before = bundle.load().pages[0].text
    assert panel.instruction_note.isVisibleTo(panel)
    assert "rewrites pages in English only" in panel.instruction_note.text()
    assert await panel.rewrite() is None
    assert view.notice.isVisibleTo(view)
    assert "rewriting a page of this Spanish book needs a model" in view.notice.text()
    await view.flush()
    assert bundle.load().pages[0].text == before, "the Spanish words are kept"

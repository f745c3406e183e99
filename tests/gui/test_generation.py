"""Making a book in the window: cards fill in, failures show and retry, Cancel stops."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from studio.core.book import GenerationSettings, ImageStatus, PlanStatus
from studio.core.events import RunFinished
from studio.core.library import Bundle
from studio.gui.context import AppContext
from studio.gui.generation_view import CardState, PageCardDelegate
from studio.gui.main_window import MainWindow
from studio.gui.new_book import NewBookDialog
from tests.fakes import FakeOpenAI, Fault
from tests.gui.conftest import click, press, shown, wait_for_dialog, wait_until

KEY = "sk-test-0123456789"


def openai_settings(server: FakeOpenAI, pages: int) -> GenerationSettings:
    return GenerationSettings(
        premise="A fox who lost a lantern",
        pages=pages,
        engine="openai",
        base_url=server.base_url,
        text_model="gpt-4.1-mini",
        image_model="gpt-image-1",
        concurrency=4,
    )


def assert_every_card_has_its_picture(window: MainWindow, pages: int) -> None:
    cards = window.generation_view.model.cards
    assert [c.number for c in cards] == list(range(1, pages + 1))
    for card in cards:
        assert card.state is CardState.DONE, card
        assert card.has_picture and card.pixmap is not None and not card.pixmap.isNull(), card
        assert card.text


async def test_fake_server_book_shows_every_picture(
    make_context: Callable[..., AppContext],
) -> None:
    async with FakeOpenAI(pages=5, image_latency=0.05, partial_images=True) as server:
        async with shown(MainWindow(make_context(api_key=KEY, base_url=server.base_url))) as window:
            finished = await window.generate_new(openai_settings(server, 5))
            assert isinstance(finished, RunFinished) and finished.outcome == "complete"
            assert_every_card_has_its_picture(window, 5)
            view = window.generation_view
            assert view.count_label.text() == "5 of 5 pictures"
            assert "tokens" in view.usage_label.text()
            assert view.open_button.isVisible() and not view.cancel_button.isVisible()
            assert window.windowTitle().endswith("Story Studio")
            book = view.store.book if view.store else None
            assert book is not None and book.is_complete
            assert Bundle(view.store.bundle.path).load().is_complete  # type: ignore[union-attr]


async def test_offline_book_from_the_new_book_form(make_context: Callable[..., AppContext]) -> None:
    async with shown(MainWindow(make_context())) as window:
        assert window.banner_holder.isVisible(), "the offline banner is shown without a key"
        await click(window.library_view.new_button)
        dialog = await wait_for_dialog(NewBookDialog)
        assert dialog.engine == "offline"
        assert not dialog.generate_button.isEnabled()
        dialog.premise_edit.setPlainText("A hedgehog who is afraid of the dark")
        dialog.pages_spin.setValue(3)
        assert "Free" in dialog.estimate_label.text()
        await click(dialog.generate_button)
        await wait_until(lambda: window.generation_view.last_finished is not None, 30)
        await window.generation_view.drain()
        assert window.generation_view.last_finished.outcome == "complete"  # type: ignore[union-attr]
        assert_every_card_has_its_picture(window, 3)


async def test_failed_page_shows_reason_and_retry_draws_it(
    make_context: Callable[..., AppContext],
) -> None:
    async with FakeOpenAI(pages=4) as server:
        server.inject(Fault.CONTENT_POLICY, endpoint="images", match="(page 3)", times=50)
        async with shown(MainWindow(make_context(api_key=KEY, base_url=server.base_url))) as window:
            finished = await window.generate_new(openai_settings(server, 4))
            assert finished is not None and finished.outcome == "failed_pages"
            model = window.generation_view.model
            failed = model.card(3)
            assert failed is not None and failed.state is CardState.FAILED
            assert failed.reason and "refused" in failed.reason.lower()
            assert "refused" in window.generation_view.status_label.text() or finished.message
            assert all(model.card(n).has_picture for n in (1, 2, 4))  # type: ignore[union-attr]

            server.clear_faults()
            view = window.generation_view.list_view
            rect = view.visualRect(model.index(2))
            button = PageCardDelegate.retry_rect(rect)
            await click(view.viewport(), button.center())
            await wait_until(lambda: model.card(3).has_picture, 10, "page 3 redrawn")  # type: ignore[union-attr]
            assert model.card(3).state is CardState.DONE  # type: ignore[union-attr]
            await wait_until(lambda: not window.generation_view._retries.pending)
            store = window.generation_view.store
            assert store is not None and store.bundle.load().is_complete


async def test_cancel_stops_at_once_and_keeps_what_is_done(
    make_context: Callable[..., AppContext],
) -> None:
    async with FakeOpenAI(pages=6, image_latency=30) as server:
        async with shown(MainWindow(make_context(api_key=KEY, base_url=server.base_url))) as window:
            run = asyncio.ensure_future(window.generate_new(openai_settings(server, 6)))
            model = window.generation_view.model
            await wait_until(lambda: any(c.state is CardState.DRAWING for c in model.cards), 10)
            assert window.cancel_action.isEnabled()
            assert window.cancel_action.shortcut().toString() == "Esc"
            window.activateWindow()
            await wait_until(window.isActiveWindow, 2, "the window to become active")
            await press(window, Qt.Key.Key_Escape)
            box = await wait_for_dialog(QMessageBox)
            assert (
                box.text()
                == f"Stop generating \u201c{window.generation_view.store.book.display_title}\u201d?"
            )  # type: ignore[union-attr]
            assert "done so far are kept" in box.informativeText()
            assert box.defaultButton().text() == "Keep going"
            await press(box, Qt.Key.Key_Escape)  # Esc in the question keeps going
            await wait_until(lambda: not box.isVisible(), 2)
            await asyncio.sleep(0.2)
            assert window.generation_view.is_running, "keep going kept it running"
            window.activateWindow()
            await wait_until(window.isActiveWindow, 2, "the window to become active again")
            await press(window, Qt.Key.Key_Escape)
            box = await wait_for_dialog(QMessageBox)
            box.checkBox().setChecked(True)
            stop = next(b for b in box.buttons() if b.text() == "Stop generating")
            started = asyncio.get_running_loop().time()
            await click(stop)
            result = await asyncio.wait_for(run, 3)
            assert asyncio.get_running_loop().time() - started < 1.5
            assert result is None
            assert window.context.settings.confirm_stop is False, "don't ask again is kept"
            assert not window.generation_view.is_running
            assert "Cancelled" in window.generation_view.status_label.text()
            store = window.generation_view.store
            assert store is not None
            book = store.bundle.load()
            assert book.plan_status is PlanStatus.DONE and len(book.pages) == 6
            assert all(p.image.status is not ImageStatus.RUNNING for p in book.pages)
            assert window.generation_view.resume_button.isVisible()


async def _drawing(window: MainWindow, server: FakeOpenAI) -> list[bool]:
    """Start a 4-page book and wait until its pictures are being drawn; the list fills
    when the window closes."""
    closed: list[bool] = []
    window.closed.connect(lambda: closed.append(True))
    window.ops.run(window.generate_new(openai_settings(server, 4)))
    model = window.generation_view.model
    await wait_until(lambda: any(c.state is CardState.DRAWING for c in model.cards), 10)
    return closed


async def test_quitting_while_generating_asks_first(
    make_context: Callable[..., AppContext],
) -> None:
    async with FakeOpenAI(pages=4, image_latency=30) as server:
        async with shown(MainWindow(make_context(api_key=KEY, base_url=server.base_url))) as window:
            closed = await _drawing(window, server)
            window.activateWindow()
            await wait_until(window.isActiveWindow, 2, "the window to become active")
            await press(window, Qt.Key.Key_Q)  # no shortcut: nothing happens
            assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
            window.quit_action.trigger()  # Ctrl+Q
            box = await wait_for_dialog(QMessageBox)
            assert box.windowTitle() == "Quit while generating?"
            assert "is still being generated" in box.text()
            keep = next(b for b in box.buttons() if b.text() == "Keep generating")
            await click(keep)
            await asyncio.sleep(0.2)
            assert window.isVisible() and window.generation_view.is_running and not closed
            window.quit_action.trigger()
            box = await wait_for_dialog(QMessageBox)
            await click(next(b for b in box.buttons() if b.text() == "Quit"))
            await wait_until(lambda: bool(closed), 2, "the window to close")
            assert window.context.settings.confirm_quit is True, "asked again next time"


async def test_a_close_by_the_program_does_not_ask(
    make_context: Callable[..., AppContext],
) -> None:
    async with FakeOpenAI(pages=4, image_latency=30) as server:
        async with shown(MainWindow(make_context(api_key=KEY, base_url=server.base_url))) as window:
            closed = await _drawing(window, server)
            await asyncio.sleep(0.5)
            window.close()  # a signal or the session ending, not a person
            assert closed
            assert not [
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.isVisible()
            ]


@pytest.mark.parametrize("pages", [40])
async def test_many_pages_stay_a_lazy_list(
    make_context: Callable[..., AppContext], pages: int
) -> None:
    async with FakeOpenAI(pages=pages) as server:
        async with shown(MainWindow(make_context(api_key=KEY, base_url=server.base_url))) as window:
            settings = openai_settings(server, pages).model_copy(update={"concurrency": 16})
            finished = await window.generate_new(settings)
            assert finished is not None and finished.outcome == "complete"
            assert window.generation_view.model.rowCount() == pages
            # one list view, no widget per page
            assert len(window.generation_view.findChildren(QApplication.instance().__class__)) == 0
            assert_every_card_has_its_picture(window, pages)


async def test_a_picture_still_drawing_shows_its_streamed_draft(
    make_context: Callable[..., AppContext],
) -> None:
    async with FakeOpenAI(pages=2, partial_images=True) as server:
        server.inject(Fault.STALL, endpoint="images", times=10, match="(page 2)")
        async with shown(MainWindow(make_context(api_key=KEY, base_url=server.base_url))) as window:
            run = asyncio.ensure_future(window.generate_new(openai_settings(server, 2)))
            model = window.generation_view.model

            def page_two() -> object:
                return next((c for c in model.cards if c.number == 2), None)

            await wait_until(lambda: model.cards and model.cards[0].has_picture, 10)
            await wait_until(lambda: (c := page_two()) is not None and c.pixmap is not None, 10)
            draft = page_two()
            assert draft.partial and not draft.has_picture  # type: ignore[union-attr]
            assert draft.state is CardState.DRAWING  # type: ignore[union-attr]
            window.generation_view.cancel()
            await asyncio.wait_for(run, 5)

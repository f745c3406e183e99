"""The library: covers and states, open without network, rename, duplicate, delete, resume."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QInputDialog, QMessageBox

from studio.core.book import Book, GenerationSettings
from studio.core.library import Bundle, Library
from studio.gui.context import AppContext
from studio.gui.main_window import MainWindow
from tests.fakes import FakeOpenAI
from tests.gui.conftest import click, shown, wait_for_dialog, wait_until

KEY = "sk-test-library"


async def make_books(
    window: MainWindow, server: FakeOpenAI, library: Library
) -> tuple[Bundle, Bundle]:
    settings = GenerationSettings(
        premise="A moth who wants to see the sun",
        pages=3,
        engine="openai",
        base_url=server.base_url,
    )
    finished = await window.generate_new(settings)
    assert finished is not None and finished.outcome == "complete"
    complete = window.generation_view.bundle
    assert complete is not None
    unfinished = library.create(
        Book(
            title="The Unfinished Tale",
            settings=settings.model_copy(update={"premise": "A snail on a long trip"}),
        )
    )
    return complete, unfinished


async def test_library_lists_covers_and_states_and_opens_offline(
    make_context: Callable[..., AppContext], library: Library
) -> None:
    async with shown(MainWindow(make_context(api_key=KEY))) as window:
        async with FakeOpenAI(pages=3) as server:
            complete, unfinished = await make_books(window, server, library)
        # the server is gone: opening must not need it
        window.show_library()
        summaries = await window.library_view.refresh()
        assert {s.bundle: s.state for s in summaries} == {
            complete: "complete",
            unfinished: "unfinished",
        }
        assert window.library_view.model.cover(complete.path) is not None
        assert window.library_view.count_label.text() == "2 books"
        window.library_view.select(complete)
        window.open_action.trigger()
        target = window.book_view or window.generation_view
        await wait_until(lambda: window.pages.currentWidget() is target, 5)
        if window.book_view is not None:
            await wait_until(lambda: window.book_view.bundle == complete, 5)
            assert window.book_view.book.is_complete
        else:
            assert all(c.has_picture for c in window.generation_view.model.cards)
        assert "Story Studio" in window.windowTitle()


async def test_rename_duplicate_delete_and_resume(
    make_context: Callable[..., AppContext], library: Library
) -> None:
    async with shown(MainWindow(make_context(api_key=KEY))) as window:
        async with FakeOpenAI(pages=3) as server:
            complete, unfinished = await make_books(window, server, library)
            view = window.library_view
            window.show_library()
            await view.refresh()

            view.select(complete)
            view.rename_action.trigger()
            dialog = await wait_for_dialog(QInputDialog)
            dialog.setTextValue("The Moth and the Morning")
            dialog.accept()
            await wait_until(
                lambda: any(s.title == "The Moth and the Morning" for s in view.model.summaries), 5
            )
            assert complete.load().title == "The Moth and the Morning"

            copy = await view.duplicate(complete)
            assert copy != complete and copy.load().title.endswith("(copy)")
            assert len(view.model.summaries) == 3

            view.select(copy)
            view.delete_action.trigger()
            box = await wait_for_dialog(QMessageBox)
            box.reject()
            await wait_until(lambda: not box.isVisible(), 2)
            assert copy.path.exists()
            view.delete_action.trigger()
            box = await wait_for_dialog(QMessageBox)
            delete = next(b for b in box.buttons() if b.text() == "Delete")
            await click(delete)
            await wait_until(lambda: len(view.model.summaries) == 2, 5)
            assert not copy.path.exists()

            view.select(unfinished)
            assert view.resume_action.isEnabled()
            view.resume_action.trigger()
            gen = window.generation_view
            await wait_until(lambda: gen.bundle == unfinished and gen.last_finished is not None, 15)
            await wait_until(lambda: not gen.is_running, 5)
            assert gen.last_finished is not None and gen.last_finished.outcome == "complete"
            assert unfinished.load().is_complete

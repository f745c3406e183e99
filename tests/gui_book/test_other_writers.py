"""The open book and other writers: what they save shows up, what the window saves keeps it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio.core.book import Book, ReviewState
from studio.core.library import Bundle
from studio.core.review import set_review
from studio.gui.book_view import BookView
from tests.gui_book.conftest import TEXTS, wait_until
from tests.reliability.helpers import REPO, studio_env

NEW_TEXT = "Pip the hedgehog yawned, stretched, and went looking for breakfast."


@pytest.fixture(autouse=True)
def _own_lock_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_LOCK_DIR", str(tmp_path / "locks"))


async def _in_thread(fn: object, *args: object) -> object:
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)  # type: ignore[arg-type]


async def test_a_review_saved_by_the_command_line_shows_in_the_open_book(
    view: BookView, bundle: Bundle, tmp_path: Path
) -> None:
    await view.open_book(bundle)
    env = studio_env(tmp_path, STUDIO_LOCK_DIR=os.environ["STUDIO_LOCK_DIR"])
    args = [sys.executable, "-m", "studio", "review", str(bundle.path), "--page", "1"]
    args += ["--state", "needs_changes", "--note", "Make the key golden."]
    done = await _in_thread(
        lambda: subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True)
    )
    assert done.returncode == 0, done.stderr  # type: ignore[attr-defined]
    await wait_until(lambda: view.document.page(1).review.notes == "Make the key golden.", 10)
    view.review_action.trigger()
    await wait_until(lambda: view.review_panel.notes.toPlainText() == "Make the key golden.")
    assert view.document.page(1).review.state is ReviewState.NEEDS_CHANGES


async def test_words_changed_elsewhere_are_shown_and_an_edit_here_keeps_them(
    view: BookView, bundle: Bundle
) -> None:
    await view.open_book(bundle)

    def elsewhere(book: Book) -> None:
        book.page(2).text = "Words written in another window."
        set_review(book, 3, ReviewState.APPROVED, "Lovely.")

    await _in_thread(bundle.update, elsewhere)
    await wait_until(lambda: view.document.page(2).text.startswith("Words written"))
    view.go_to(2)
    sheet = next(s for s in view.reader.sheets if s.isVisible() and s.number == 2)
    assert sheet.text_label.text() == "Words written in another window."

    view.document.edit_text(1, NEW_TEXT)  # as the in-place editor commits it
    await view.flush()
    book = bundle.load()
    assert [p.text for p in book.pages[:2]] == [NEW_TEXT, "Words written in another window."]
    assert book.page(3).review.notes == "Lovely."
    assert book.page(4).text == TEXTS[3]


async def test_an_edit_made_while_another_process_saved_keeps_both(
    view: BookView, bundle: Bundle
) -> None:
    await view.open_book(bundle)
    view.document.edit_text(1, NEW_TEXT)

    def elsewhere(book: Book) -> None:
        set_review(book, 2, ReviewState.NEEDS_CHANGES, "Add the stream.")

    await _in_thread(bundle.update, elsewhere)  # lands before the window's save
    await view.flush()
    book = bundle.load()
    assert book.page(1).text == NEW_TEXT
    assert book.page(2).review.notes == "Add the stream."
    assert view.document.page(2).review.notes == "Add the stream."


async def test_a_committed_edit_is_on_disk_at_once(view: BookView, bundle: Bundle) -> None:
    await view.open_book(bundle)
    view.document.edit_text(1, NEW_TEXT)
    await wait_until(lambda: NEW_TEXT in bundle.book_file.read_text(), 2)
    assert not view.document.save_pending


async def test_the_open_book_deleted_elsewhere_says_so(view: BookView, bundle: Bundle) -> None:
    import shutil

    await view.open_book(bundle)
    await _in_thread(shutil.rmtree, bundle.path)
    await wait_until(lambda: "was deleted or moved" in view.notice.text(), 5)
    assert view.notice.isVisible()
    assert not bundle.path.exists()

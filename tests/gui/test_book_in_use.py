"""A book another process is generating, and library entries that are not files."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from studio.app import amain
from studio.core.book import Book, GenerationSettings
from studio.core.library import BookBusyError, Bundle, Library
from studio.gui.context import AppContext
from studio.gui.errors import describe
from studio.gui.generation_view import CardState
from studio.gui.main_window import MainWindow
from tests.fakes import FakeOpenAI
from tests.gui.conftest import shown, wait_for_dialog, wait_until
from tests.reliability.helpers import studio, studio_env

REPO = Path(__file__).resolve().parents[2]

HOLDER = """
import sys, time
from pathlib import Path
from studio.core.booklock import GenerationLock, set_process_label
set_process_label("studio resume")
lock = GenerationLock(Path(sys.argv[1]))
lock.acquire()
print("holding", flush=True)
sys.stdin.read()
lock.release()
"""


def _the_window() -> MainWindow | None:
    return next(
        (w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()),
        None,
    )


@pytest.fixture(autouse=True)
def _own_lock_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_LOCK_DIR", str(tmp_path / "locks"))


@pytest.fixture
def held(library: Library) -> Iterator[tuple[Bundle, subprocess.Popen[str]]]:
    """An unfinished offline book whose generation lock another process holds."""
    settings = GenerationSettings(premise="A crab who sings", pages=2, engine="offline")
    bundle = library.create(Book(settings=settings))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(bundle.path)],
        cwd=REPO,
        env=os.environ.copy(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    yield bundle, holder
    holder.communicate("", timeout=30)


async def test_resuming_a_book_another_process_generates_is_refused_with_its_name(
    make_context: Callable[..., AppContext],
    held: tuple[Bundle, subprocess.Popen[str]],
) -> None:
    bundle, holder = held
    before = bundle.book_file.read_bytes()
    async with shown(MainWindow(make_context(engine="offline"))) as window:
        assert await window.resume(bundle) is None
        box = await wait_for_dialog(QMessageBox)
        assert box.objectName() == "book-in-use"
        assert box.windowTitle() == "The book is in use"
        message = box.text()
        assert f"studio resume, process {holder.pid}" in message
        assert "Wait for it to finish or stop it, then try again." in message
        assert box.textFormat() == Qt.TextFormat.PlainText
        assert window.generation_view.status_label.text() == message
        assert not window.generation_view.is_running
        box.close()
        title, _ = describe(BookBusyError(message))
        assert title == "The book is in use"
    assert bundle.book_file.read_bytes() == before, "a refused run must not save the book"


async def test_a_library_with_a_fifo_for_a_book_lists_it_and_quits(
    make_context: Callable[..., AppContext], library: Library
) -> None:
    settings = GenerationSettings(premise="A heron at dusk", pages=2, engine="offline")
    good = library.create(Book(title="The Heron", settings=settings))
    bad = library.create(Book(title="Broken", settings=settings))
    bad.book_file.unlink()
    os.mkfifo(bad.book_file)
    started = time.monotonic()
    async with shown(MainWindow(make_context(engine="offline"))) as window:
        summaries = await window.library_view.refresh()
        states = {s.bundle: s.state for s in summaries}
        assert states == {good: "unfinished", bad: "unreadable"}
        error = next(s.error for s in summaries if s.bundle == bad)
        assert error is not None and "pipe (FIFO)" in error
    assert time.monotonic() - started < 60


async def test_the_command_line_is_refused_a_book_the_window_is_generating(
    tmp_path: Path, qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-in-use")
    library_dir = tmp_path / "books"
    async with FakeOpenAI(pages=3, image_latency=30) as server:
        app_task = asyncio.ensure_future(amain(qapp, library_dir))
        await wait_until(lambda: _the_window() is not None, 5)
        window = _the_window()
        assert window is not None
        settings = GenerationSettings(
            premise="A seal who paints", pages=3, engine="openai", base_url=server.base_url
        )
        window.ops.run(window.generate_new(settings))
        cards = window.generation_view.model
        await wait_until(lambda: any(c.state is CardState.DRAWING for c in cards.cards), 10)
        [bundle] = Library(library_dir).bundles()
        env = studio_env(tmp_path, STUDIO_LOCK_DIR=os.environ["STUDIO_LOCK_DIR"])
        loop = asyncio.get_running_loop()
        refused = await loop.run_in_executor(None, lambda: studio("resume", bundle.path, env=env))
        window.close()
        assert await asyncio.wait_for(app_task, 10) == 0
    assert refused.code == 4, refused.stderr
    assert f"(the Story Studio window, process {os.getpid()}" in refused.stderr

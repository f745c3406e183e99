"""`studio FILE…` and File › Import: a book folder opens, a shared archive joins the
library and opens, anything else is said in a dialog and changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from studio.app import FileOpener
from studio.cli import COMMANDS, build_parser
from studio.core.archive import write_archive
from studio.core.book import Book, GenerationSettings, Page
from studio.core.library import Bundle, Library
from studio.gui.context import AppContext
from studio.gui.main_window import MainWindow
from tests.gui.conftest import shown, wait_for_dialog, wait_until


def shared_book(tmp_path: Path) -> Path:
    """A book from someone else's library, shared as a .storybook.zip."""
    settings = GenerationSettings(premise="A heron at dusk", pages=2, engine="offline")
    book = Book(
        title="The Heron",
        settings=settings,
        pages=[
            Page(number=1, text="A heron waited.", scene="A heron in reeds."),
            Page(number=2, text="The fish came.", scene="A fish in a pond."),
        ],
    )
    bundle = Library(tmp_path / "theirs").create(book)
    archive = tmp_path / "the-heron.storybook.zip"
    write_archive(bundle, archive)
    return archive


async def test_a_shared_archive_joins_the_library_and_opens(
    make_context: Callable[..., AppContext], library: Library, tmp_path: Path
) -> None:
    archive = shared_book(tmp_path)
    async with shown(MainWindow(make_context(engine="offline"))) as window:
        bundle = await window.open_path(archive)
        assert bundle is not None and bundle.path.parent == library.root
        assert window.pages.currentWidget() is window.book_view
        assert window.book_view.book is not None and window.book_view.book.title == "The Heron"
        assert any(s.title == "The Heron" for s in window.library_view.model.summaries)
        again = await window.open_path(bundle.path)  # a book folder opens as it is
        assert again == bundle
    assert archive.is_file(), "the shared file is left where it was"


async def test_a_file_that_is_no_book_is_said_and_changes_nothing(
    make_context: Callable[..., AppContext], library: Library, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.storybook.zip"
    notes.write_bytes(b"these are my notes, not a zip")
    async with shown(MainWindow(make_context(engine="offline"))) as window:
        opening = window.ops.run(window.open_path(notes))
        box = await wait_for_dialog(QMessageBox)
        assert box.windowTitle() == "The book could not be opened"
        assert box.text().startswith("notes.storybook.zip could not be opened: ")
        box.close()
        assert await opening is None
    assert notes.read_bytes() == b"these are my notes, not a zip"
    assert library.bundles() == []


def test_every_command_is_known_to_the_file_rule() -> None:
    parser = build_parser()
    [sub] = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    assert set(COMMANDS) == set(sub.choices)  # type: ignore[arg-type]


def test_studio_file_imports_and_opens_it_in_the_window(tmp_path: Path) -> None:
    archive = shared_book(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(
        STUDIO_LIBRARY=str(tmp_path / "library"),
        STUDIO_CONFIG_DIR=str(tmp_path / "config"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        QT_QPA_PLATFORM="offscreen",
        STUDIO_AUTOQUIT_AFTER="4",
    )
    result = subprocess.run(
        [sys.executable, "-m", "studio", str(archive)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    [bundle] = Library(tmp_path / "library").bundles()
    assert Bundle(bundle.path).load().title == "The Heron"


async def test_file_import_asks_for_a_shared_book(
    make_context: Callable[..., AppContext], library: Library
) -> None:
    async with shown(MainWindow(make_context(engine="offline"))) as window:
        file_menu = window.menuBar().actions()[0].menu()
        assert window.import_action in file_menu.actions()  # type: ignore[union-attr]
        importing = window.ops.run(window.import_book())
        chooser = await wait_for_dialog(QFileDialog)
        assert chooser.windowTitle() == "Import a book"
        assert chooser.nameFilters() == ["Shared books (*.storybook.zip *.zip)"]
        assert chooser.fileMode() is QFileDialog.FileMode.ExistingFile
        chooser.reject()  # Cancel
        assert await importing is None
    assert library.bundles() == []


async def test_a_book_macos_hands_over_opens(
    make_context: Callable[..., AppContext], library: Library, tmp_path: Path, qapp: QApplication
) -> None:
    archive = shared_book(tmp_path)
    async with shown(MainWindow(make_context(engine="offline"))) as window:
        opener = FileOpener(window, qapp)
        try:
            QApplication.sendEvent(qapp, QFileOpenEvent(str(archive)))
            await wait_until(lambda: window.book_view.book is not None, 10)
            assert window.book_view.book is not None
            assert window.book_view.book.title == "The Heron"
        finally:
            qapp.removeEventFilter(opener)
    assert len(library.bundles()) == 1

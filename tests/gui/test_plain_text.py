"""Titles, page text, server messages and paths show in the window as plain text.

A book titled "<b>Big</b><img src=x> [*]" must show those characters: in the
Delete and Rename dialogs, the error dialog, a label of each view and the
window title (where Qt would hide "[*]"). And no static QMessageBox helper,
which guesses at rich text, may come back into studio/gui.
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QInputDialog, QLabel, QMessageBox

from studio.core.book import Book, GenerationSettings, Page, PlanStatus
from studio.core.library import BookStore, Library
from studio.core.providers.base import ProviderError
from studio.gui.context import AppContext
from studio.gui.errors import ErrorReporter
from studio.gui.export_dialog import ExportDialog
from studio.gui.main_window import MainWindow
from studio.gui.new_book import NewBookDialog
from studio.gui.plain import ask, message_box, plain_window_title
from studio.gui.settings_dialog import SettingsDialog
from tests.gui.conftest import screenshot, shown, wait_for_dialog, wait_until

GUI = Path(__file__).resolve().parents[2] / "studio" / "gui"
TITLE = "<b>Big</b><img src=x> [*] Book"
TEXT = "<i>Once</i> upon a <a href='http://evil'>time</a> & more"
PLAIN = Qt.TextFormat.PlainText


def hostile_book(library: Library) -> Book:
    settings = GenerationSettings(premise=f"A premise <u>{TITLE}</u>", pages=2, engine="offline")
    book = Book(title=TITLE, settings=settings, plan_status=PlanStatus.DONE)
    book.pages = [Page(number=n, text=f"{TEXT} ({n})", scene="A meadow.") for n in (1, 2)]
    return book


def assert_plain(label: QLabel | None, shown: str) -> None:
    assert label is not None
    assert label.textFormat() == PLAIN, f"{label.objectName() or label}: {label.textFormat()}"
    assert shown in label.text()


def assert_plain_box(box: QMessageBox, shown: str) -> None:
    assert box.textFormat() == PLAIN
    assert shown in box.text()
    assert_plain(box.findChild(QLabel, "qt_msgbox_label"), shown)
    for informative in box.findChildren(QLabel, "qt_msgbox_informativelabel"):
        assert informative.textFormat() == PLAIN
        assert not informative.openExternalLinks()


async def test_delete_and_rename_dialogs_show_the_title_as_text(
    make_context: Callable[..., AppContext], library: Library, tmp_path: Path
) -> None:
    bundle = library.create(hostile_book(library))
    async with shown(MainWindow(make_context())) as window:
        view = window.library_view
        window.show_library()
        await view.refresh()
        view.select(bundle)

        tip = view.model.data(view.model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
        shown_tip = QTextDocument()
        shown_tip.setHtml(tip)
        assert TITLE in shown_tip.toPlainText(), "the tooltip shows the title's characters"

        deleting = asyncio.ensure_future(view.delete(bundle))
        box: QMessageBox = await wait_for_dialog(QMessageBox)
        try:
            assert_plain_box(box, f"“{TITLE}”")
            assert "<b>Big</b>" in box.text()
            screenshot(box, "plain-delete-dialog", tmp_path)
        finally:
            box.reject()
        assert await deleting is False
        assert bundle.path.exists()

        renaming = asyncio.ensure_future(view.rename(bundle))
        dialog: QInputDialog = await wait_for_dialog(QInputDialog)
        try:
            assert dialog.textValue() == TITLE
            labels = dialog.findChildren(QLabel)
            assert labels and all(label.textFormat() == PLAIN for label in labels)
        finally:
            dialog.reject()
        assert await renaming is False


async def test_the_error_dialog_shows_the_server_s_words_as_text() -> None:
    reporter = ErrorReporter()
    try:
        reporter.report(ProviderError(f"The server said: {TITLE}"))
        box: QMessageBox = await wait_for_dialog(QMessageBox)
        assert_plain_box(box, "<b>Big</b><img src=x>")
        reporter.report(ProviderError(f"And again: {TEXT}"))
        assert "1 more" in box.informativeText()
        assert_plain_box(box, "<b>Big</b>")
    finally:
        reporter.close_dialog()
    await wait_until(lambda: not box.isVisible(), 2)


async def test_views_show_titles_and_page_text_as_text(
    make_context: Callable[..., AppContext], library: Library, tmp_path: Path
) -> None:
    bundle = library.create(hostile_book(library))
    context = make_context()
    async with shown(MainWindow(context)) as window:
        store = BookStore(bundle, bundle.load(), context.executor)
        generation = window.generation_view
        generation.show_book(store)
        window.pages.setCurrentWidget(generation)
        await generation.drain()
        assert_plain(generation.title_label, TITLE)
        assert_plain(generation.premise_label, f"<u>{TITLE}</u>")

        await window.open_book(bundle)
        handle = window.windowHandle()
        assert handle is not None and f"{TITLE} — Story Studio" == handle.title()
        book_view = window.book_view
        assert book_view is not None
        await wait_until(lambda: book_view.book is not None, 5)
        assert_plain(book_view.title_label, TITLE)
        texts = [label for label in book_view.findChildren(QLabel) if TEXT in label.text()]
        assert texts, "the page text is on a label"
        for label in texts:
            assert_plain(label, TEXT)
        screenshot(window, "plain-book-view", tmp_path)

        export = ExportDialog(bundle, bundle.load(), context.executor)
        try:
            assert export.windowTitle() == plain_window_title(f"Export “{TITLE}”")
            export._show_status(f"Exported “{TITLE}.pdf” to /tmp/<b>here</b>.")
            assert_plain(export.status, "/tmp/<b>here</b>")
        finally:
            export.deleteLater()


async def test_dialogs_show_addresses_and_server_answers_as_text(
    make_context: Callable[..., AppContext],
) -> None:
    address = "http://<b>evil</b>.example/v1"
    context = make_context(
        api_key="sk-test-plain", engine="openai", base_url=address, image_quality="<i>best</i>"
    )
    new_book = NewBookDialog(context)
    try:
        assert_plain(new_book.endpoint_label, address)
        estimate = QTextDocument()
        estimate.setHtml(new_book.estimate_label.text())
        assert "<i>best</i> quality" in estimate.toPlainText(), "a setting is escaped"
    finally:
        new_book.deleteLater()

    settings = SettingsDialog(context)
    try:
        settings._say(f"Connected. 2 models ({TITLE}, {TEXT})")
        assert_plain(settings.probe_label, f"({TITLE}, {TEXT})")
        settings.base_url_edit.setText("http://<b>evil</b>/v1")
        assert_plain(settings.warning_label, "plain http")
    finally:
        settings.deleteLater()


def test_the_helpers_build_plain_boxes() -> None:
    box = message_box(None, TITLE, TEXT, informative=TITLE, icon=QMessageBox.Icon.Warning)
    try:
        assert_plain_box(box, TEXT)
        assert box.informativeText() == TITLE
        assert box.windowTitle() == plain_window_title(TITLE) == TITLE.replace("[*]", "[*][*]")
    finally:
        box.deleteLater()
    assert callable(ask)


STATIC_HELPERS = {
    "QMessageBox": {"question", "warning", "information", "critical", "about"},
    "QInputDialog": {"getText", "getMultiLineText", "getItem", "getInt", "getDouble"},
}


def test_no_static_dialog_helper_in_the_gui() -> None:
    """QMessageBox.question/warning/information/critical/about and the QInputDialog
    getters guess at rich text (and run a nested loop): use studio.gui.plain.ask and
    async_dialog.confirm / ask_text."""
    found = []
    files = sorted(GUI.rglob("*.py"))
    assert len(files) > 10
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if node.func.attr in STATIC_HELPERS.get(name, ()):
                found.append(f"{path.relative_to(GUI)}:{node.lineno} {name}.{node.func.attr}")
    assert not found, f"static dialog helpers that guess at rich text: {found}"

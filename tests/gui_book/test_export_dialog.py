"""The Export dialog runs a real export in the background, with progress and Cancel."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt

from studio.core.book import Book
from studio.core.library import Bundle
from studio.gui.book_view import BookView
from studio.gui.export_dialog import ExportDialog
from tests.gui_book.conftest import screenshot, wait_until


def open_dialog(view: BookView) -> ExportDialog:
    dialog = view.open_export_dialog()
    assert isinstance(dialog, ExportDialog)
    assert dialog.isVisible()
    assert dialog.windowModality() == Qt.WindowModality.WindowModal, "opened with open()"
    return dialog


async def test_export_a_pdf_from_the_dialog(view: BookView, bundle: Bundle, tmp_path: Path) -> None:
    await view.open_book(bundle)
    dialog = open_dialog(view)
    try:
        dialog.set_format("pdf")
        dialog.set_preset("print-square")
        assert dialog.path_edit.text().endswith(".pdf")
        target = tmp_path / "out" / "pip.pdf"
        target.parent.mkdir()
        dialog.set_output(target)
        steps: list[int] = []
        dialog.progress.valueChanged.connect(steps.append)

        result = await dialog.run_export()

        assert result is not None and result.path == target
        assert target.read_bytes().startswith(b"%PDF")
        assert len(PdfReader(target).pages) >= 4
        assert steps, "progress reached the dialog"
        assert dialog.status.text() == f"Exported “pip.pdf” to {target.parent}."
        assert dialog.show_button.isVisible()
        if result.warnings:
            assert dialog.warnings.isVisible()
            assert result.warnings[0] in dialog.warnings.toPlainText()
        screenshot(dialog, "export")
    finally:
        dialog.close()


async def test_export_folder_formats_and_notes(
    view: BookView, bundle: Bundle, tmp_path: Path
) -> None:
    await view.open_book(bundle)
    dialog = open_dialog(view)
    try:
        dialog.set_format("html")
        assert not dialog.preset_box.isEnabled()
        dialog.include_notes.setChecked(True)
        dialog.set_output(tmp_path / "web")
        result = await dialog.run_export()
        assert result is not None
        assert (tmp_path / "web" / "index.html").is_file()
    finally:
        dialog.close()


async def test_cancel_stops_the_export(view: BookView, bundle: Bundle, tmp_path: Path) -> None:
    await view.open_book(bundle)
    dialog = open_dialog(view)
    try:
        dialog.set_format("png")
        dialog.set_output(tmp_path / "pages")
        running = asyncio.ensure_future(dialog.run_export())
        await asyncio.sleep(0)
        assert dialog.running
        assert dialog.cancel_button.text() == "Cancel"
        dialog.cancel_button.click()
        assert await running is None
        assert not dialog.running
        assert "cancelled" in dialog.status.text().lower()
        assert not (tmp_path / "pages").exists()
        assert dialog.export_button.isEnabled()
    finally:
        dialog.close()


async def test_a_character_no_font_prints_is_named_before_exporting(
    view: BookView, bundle: Bundle
) -> None:
    def linear_b(book: Book) -> Book:
        book.pages[1].text = "Pip found a stone marked \U00010000 under the oak."
        return book

    bundle.update(linear_b)
    await view.open_book(bundle)
    dialog = open_dialog(view)
    try:
        dialog.set_format("pdf")
        await wait_until(dialog.warnings.isVisible, 10)
        assert dialog.warnings_title.text().startswith("Before you export")
        said = dialog.warnings.toPlainText()
        assert "Page 2 has a character no installed font can print: U+10000" in said
        assert "LINEAR B SYLLABLE B008 A" in said
        dialog.set_format("epub")
        assert not dialog.warnings.isVisible(), "a reader's own fonts print an EPUB"
        dialog.set_format("png")
        assert dialog.warnings.isVisible()
    finally:
        dialog.close()

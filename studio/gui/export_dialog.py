"""The Export dialog: choose a format and a place, then export in the background.

The export runs in the executor (`studio.export.export_book`); its progress
arrives from the worker thread through a signal, which Qt queues onto the GUI
thread. Cancel cancels the awaiting task, which stops the worker and removes
what it had written.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.book import Book
from studio.core.library import Bundle
from studio.export import (
    FORMATS,
    PDF_PRESETS,
    ExportCancelled,
    ExportError,
    ExportOptions,
    ExportResult,
    export_book,
)
from studio.export.common import book_slug
from studio.gui.lib.loop import async_slot
from studio.gui.lib.ops import Op, Ops
from studio.gui.plain import plain_window_title

FORMAT_LABELS = {
    "pdf": "PDF document",
    "epub": "EPUB e-book",
    "html": "Web page (a folder)",
    "png": "PNG pictures, one per page (a folder)",
    "archive": "Story Studio archive, to share (.storybook.zip)",
}
PRESET_LABELS = {
    "screen": "Screen: small file, for reading on a device",
    "print-square": "Print, square: full resolution with bleed",
    "print-a4": "Print, A4: full resolution",
}
FOLDER_FORMATS = {"html", "png"}
SUFFIXES = {"pdf": ".pdf", "epub": ".epub", "archive": ".storybook.zip"}


def default_name(slug: str, fmt: str) -> str:
    if fmt in FOLDER_FORMATS:
        return f"{slug}-{fmt}"
    return slug + SUFFIXES.get(fmt, "")


PRINTED_FORMATS = frozenset({"pdf", "png"})
"""Formats whose pages the studio typesets, where a character no font covers is a box."""


class _ProgressRelay(QObject):
    """Carries progress from the export's worker thread to the GUI thread."""

    advanced = Signal(int, int, str)

    def report(self, done: int, total: int, label: str) -> None:
        self.advanced.emit(done, total, label)


class ExportDialog(QDialog):
    """Options, then a background export with progress, Cancel, warnings and the result."""

    exported = Signal(object)
    """The ExportResult of an export that finished."""

    def __init__(
        self,
        bundle: Bundle,
        book: Book,
        executor: Executor | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(plain_window_title(f"Export “{book.display_title}”"))
        self.setObjectName("export_dialog")
        self.setMinimumWidth(640)
        self._bundle = bundle
        self._book = book
        self._executor = executor
        self._slug = book_slug(bundle, book)
        self._job: asyncio.Task[ExportResult] | None = None
        self._cancel_asked = False
        self.result_path: Path | None = None
        self._relay = _ProgressRelay(self)
        self._relay.advanced.connect(self._advanced)

        self.format_box = QComboBox()
        for fmt in FORMATS:
            self.format_box.addItem(FORMAT_LABELS.get(fmt, fmt), fmt)
        self.preset_box = QComboBox()
        for preset in PDF_PRESETS:
            self.preset_box.addItem(PRESET_LABELS.get(preset, preset), preset)
        self.include_notes = QCheckBox("Include review notes (for proofs, not for readers)")
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("export_path")
        self.browse_button = QPushButton("Choose…")
        self.browse_button.clicked.connect(self.choose_path)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("Format", self.format_box)
        form.addRow("PDF layout", self.preset_box)
        form.addRow("", self.include_notes)
        form.addRow("Save to", path_row)

        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.status = QLabel()
        self.status.setObjectName("export_status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.warnings = QPlainTextEdit()
        self.warnings.setObjectName("export_warnings")
        self.warnings.setReadOnly(True)
        self.warnings.setMaximumHeight(150)
        self.warnings_title = QLabel("Worth checking before you share or print it:")
        self.warnings_title.setTextFormat(Qt.TextFormat.PlainText)
        self.warnings_title.hide()
        self.warnings.setProperty("role", "notice")
        self.warnings.hide()

        self.show_button = QPushButton("Show in folder")
        self.show_button.hide()
        self.show_button.clicked.connect(self.show_in_folder)
        self.cancel_button = QPushButton("Close")
        self.cancel_button.clicked.connect(self._cancel_clicked)
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.export_button.setProperty("primary", True)
        self.export_button.clicked.connect(self._export_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addSpacing(6)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.warnings_title)
        layout.addWidget(self.warnings)
        layout.addStretch(1)
        layout.addLayout(buttons)

        self._folder = Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            or Path.home()
        )
        self.format_box.currentIndexChanged.connect(self._format_changed)
        self._uncovered: list[str] = []
        self._format_changed()
        self.ops = Ops(self, executor)
        Op(self.ops, lambda: _uncovered(book)).success(self._found_uncovered).run_in_background()

    # --- options ---

    @property
    def format(self) -> str:
        return str(self.format_box.currentData())

    def set_format(self, fmt: str) -> None:
        self.format_box.setCurrentIndex(self.format_box.findData(fmt))

    def set_preset(self, preset: str) -> None:
        self.preset_box.setCurrentIndex(self.preset_box.findData(preset))

    def set_output(self, path: Path) -> None:
        self.path_edit.setText(str(path))

    def options(self) -> ExportOptions:
        return ExportOptions(
            format=self.format,
            out=Path(self.path_edit.text().strip()).expanduser(),
            preset=str(self.preset_box.currentData()),
            include_notes=self.include_notes.isChecked(),
        )

    def _found_uncovered(self, warnings: list[str]) -> None:
        """Before any export: the characters no font can print, page by page."""
        self._uncovered = warnings
        self._show_uncovered()

    def _show_uncovered(self) -> None:
        if self.result_path is not None:
            return  # the export's own warnings are shown
        printed = self.format in PRINTED_FORMATS
        self.warnings_title.setText(
            "Before you export: these cannot be printed in the PDF and PNG pages"
        )
        self.warnings.setPlainText("\n".join(f"• {w}" for w in self._uncovered))
        shown = printed and bool(self._uncovered)
        self.warnings.setVisible(shown)
        self.warnings_title.setVisible(shown)

    def _format_changed(self) -> None:
        fmt = self.format
        self._show_uncovered()
        self.preset_box.setEnabled(fmt == "pdf")
        self.include_notes.setEnabled(fmt in {"pdf", "epub", "html"})
        current = self.path_edit.text().strip()
        folder = Path(current).expanduser().parent if current else self._folder
        self.path_edit.setText(str(folder / default_name(self._slug, fmt)))

    def choose_path(self) -> None:
        """Ask where to save, with a file dialog opened window-modally (never exec)."""
        fmt = self.format
        chooser = QFileDialog(self, "Export to")
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setFileMode(QFileDialog.FileMode.AnyFile)
        chooser.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        if fmt in FOLDER_FORMATS:
            chooser.setNameFilter("A new folder (*)")
        else:
            chooser.setNameFilter(f"{FORMAT_LABELS[fmt]} (*{SUFFIXES[fmt]})")
        path = Path(self.path_edit.text().strip()).expanduser()
        chooser.setDirectory(str(path.parent))
        chooser.selectFile(path.name)
        chooser.fileSelected.connect(self.path_edit.setText)
        chooser.finished.connect(chooser.deleteLater)
        chooser.open()

    # --- running ---

    @property
    def running(self) -> bool:
        return self._job is not None and not self._job.done()

    @async_slot()
    async def _export_clicked(self) -> None:
        await self.run_export()

    async def run_export(self) -> ExportResult | None:
        """Export with the chosen options; None when it failed or was cancelled."""
        if self.running:
            return None
        options = self.options()
        if not self.path_edit.text().strip():
            self._show_status("Choose where to save the export.")
            return None
        self._start()
        self._cancel_asked = False
        self._job = asyncio.ensure_future(
            export_book(
                self._bundle,
                self._book,
                options,
                executor=self._executor,
                progress=self._relay.report,
            )
        )
        try:
            result = await self._job
        except asyncio.CancelledError:
            if not self._cancel_asked:
                raise
            self._finish("Export cancelled. Nothing was written.")
            return None
        except (ExportError, ExportCancelled) as err:
            self._finish(str(err))
            return None
        finally:
            self._job = None
        self._succeeded(result)
        return result

    def cancel_export(self) -> None:
        if self.running:
            assert self._job is not None
            self._cancel_asked = True
            self.status.setText("Cancelling…")
            self._job.cancel()

    def _cancel_clicked(self) -> None:
        if self.running:
            self.cancel_export()
        else:
            self.reject()

    def _start(self) -> None:
        self.result_path = None
        self.show_button.hide()
        self.warnings.hide()
        self.warnings_title.hide()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText("Exporting…")
        self.export_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        for widget in (self.format_box, self.preset_box, self.include_notes, self.path_edit):
            widget.setEnabled(False)
        self.browse_button.setEnabled(False)

    def _advanced(self, done: int, total: int, label: str) -> None:
        if not self.running:
            return
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(min(done, total))
        self.status.setText(label)

    def _finish(self, message: str) -> None:
        self.progress.hide()
        self._show_status(message)
        self.export_button.setEnabled(True)
        self.export_button.setText("Export")
        self.cancel_button.setText("Close")
        self.format_box.setEnabled(True)
        self.path_edit.setEnabled(True)
        self.browse_button.setEnabled(True)
        self._format_changed_keep_path()

    def _format_changed_keep_path(self) -> None:
        fmt = self.format
        self.preset_box.setEnabled(fmt == "pdf")
        self.include_notes.setEnabled(fmt in {"pdf", "epub", "html"})

    def _show_status(self, message: str) -> None:
        self.status.setText(message)

    def _succeeded(self, result: ExportResult) -> None:
        self.result_path = result.path
        self._finish(f"Exported “{result.path.name}” to {result.path.parent}.")
        self.export_button.setText("Export again")
        self.show_button.show()
        if result.warnings:
            self.warnings_title.setText("Worth checking before you share or print it:")
            self.warnings.setPlainText("\n".join(f"• {w}" for w in result.warnings))
            self.warnings.show()
            self.warnings_title.show()
        self.exported.emit(result)

    def show_in_folder(self) -> None:
        if self.result_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result_path.parent)))

    # --- closing ---

    def reject(self) -> None:
        if self.running:
            self.cancel_export()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            self.cancel_export()
            event.ignore()
            return
        super().closeEvent(event)


def _uncovered(book: Book) -> list[str]:
    """`studio.export.fonts.uncovered`, imported in the executor: the fonts and the
    shaper load only when an export dialog first asks."""
    from studio.export.fonts import uncovered

    return uncovered(book)

"""Exporting a book: PDF, EPUB, a web folder, PNG pages, or a shareable archive.

`export_book_sync` does the work in the calling thread (the CLI, a worker);
`export_book` runs it in an executor for the event loop and turns asyncio
cancellation into a stop between pages. Output appears whole or not at all:
it is written to a temporary file or folder and moved into place.

An export never deletes or changes a file Story Studio did not write (see
`studio.export.output`): when the chosen file or folder holds anything else,
the export is saved beside it under a new name (`book-2.pdf`, `web-2`), and
`ExportResult.path` is the path actually used, with a warning saying why.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from studio.core.archive import ArchiveError, archive_name, write_archive
from studio.core.book import Book
from studio.core.library import Bundle, StorageError
from studio.export.common import ExportCancelled, ExportError, Job, Progress, book_slug
from studio.export.output import SEAL_PLACEHOLDER, file_target, write_file, write_folder

__all__ = [
    "FORMATS",
    "PDF_PRESETS",
    "ExportCancelled",
    "ExportError",
    "ExportOptions",
    "ExportResult",
    "export_book",
    "export_book_sync",
]

FORMATS = ("pdf", "epub", "html", "png", "archive")
PDF_PRESETS = ("screen", "print-square", "print-a4")


@dataclass(frozen=True)
class ExportOptions:
    """`out` is the file to write (pdf, epub, archive; an existing folder gets a
    file named after the book) or the folder to write into (html, png: a new or
    empty folder, or an earlier export of the same kind)."""

    format: str
    out: Path
    preset: str = "screen"
    include_notes: bool = False


@dataclass(frozen=True)
class ExportResult:
    """`path` is where the export was saved: `options.out` (or the file named after
    the book inside it), or a new name beside it when that held the user's files;
    `warnings` then says so."""

    path: Path
    warnings: list[str] = field(default_factory=list)


def export_book_sync(
    bundle: Bundle,
    book: Book,
    options: ExportOptions,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: threading.Event | None = None,
) -> ExportResult:
    """Export `book` as `options` say. `progress(done, total, label)` is called
    from this thread. Raises ExportCancelled when `cancel` is set (between
    pages), ExportError with a message for the user on any failure."""
    _check(options)
    job = Job(bundle, book, progress, cancel)
    try:
        path = _WRITERS[options.format](job, options)
    except (ExportCancelled, ExportError):
        raise
    except (ArchiveError, StorageError) as err:
        raise ExportError(str(err)) from err
    except OSError as err:
        raise ExportError(f"Could not write {options.out}: {err.strerror or err}.") from err
    return ExportResult(path, list(job.warnings))


async def export_book(
    bundle: Bundle,
    book: Book,
    options: ExportOptions,
    *,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Run the export in `executor`. Cancelling the awaiting task stops the
    worker at the next page, waits for it to remove its partial output, and
    re-raises CancelledError."""
    snapshot = book.model_copy(deep=True)  # the GUI may edit the book while the worker reads it
    cancel = threading.Event()
    call = functools.partial(export_book_sync, bundle, snapshot, options, progress, cancel)
    future = asyncio.get_running_loop().run_in_executor(executor, call)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        cancel.set()
        await _settle(future)
        raise


async def _settle(future: asyncio.Future[ExportResult]) -> None:
    """Wait for a cancelled worker to finish cleaning up, whatever it ends with."""
    try:
        await future
    except (ExportCancelled, ExportError):
        pass
    except asyncio.CancelledError:
        pass


def _check(options: ExportOptions) -> None:
    if options.format not in FORMATS:
        raise ExportError(
            f"Unknown export format {options.format!r}; choose one of {', '.join(FORMATS)}."
        )
    if options.format == "pdf" and options.preset not in PDF_PRESETS:
        raise ExportError(
            f"Unknown PDF preset {options.preset!r}; choose one of {', '.join(PDF_PRESETS)}."
        )


def _pdf(job: Job, options: ExportOptions) -> Path:
    from studio.export.pdf import write_pdf

    target = file_target(options.out, f"{book_slug(job.bundle, job.book)}.pdf")
    return write_file(
        job, target, lambda tmp: write_pdf(job, tmp, options.preset, options.include_notes)
    )


def _epub(job: Job, options: ExportOptions) -> Path:
    from studio.export.epub import write_epub

    target = file_target(options.out, f"{book_slug(job.bundle, job.book)}.epub")
    return write_file(job, target, lambda tmp: write_epub(job, tmp, options.include_notes))


def _html(job: Job, options: ExportOptions) -> Path:
    from studio.export.html import write_html

    return write_folder(
        job, options.out, "html", lambda folder: write_html(job, folder, options.include_notes)
    )


def _png(job: Job, options: ExportOptions) -> Path:
    from studio.export.png import write_pngs

    return write_folder(job, options.out, "png", lambda folder: write_pngs(job, folder))


def _archive(job: Job, options: ExportOptions) -> Path:
    job.step(0, 1, "Packing the book")
    target = file_target(options.out, archive_name(job.bundle))
    path = write_file(job, target, lambda tmp: write_archive(job.bundle, tmp, SEAL_PLACEHOLDER))
    job.step(1, 1, "Done")
    return path


_WRITERS: dict[str, Callable[[Job, ExportOptions], Path]] = {
    "pdf": _pdf,
    "epub": _epub,
    "html": _html,
    "png": _png,
    "archive": _archive,
}

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from studio.export import (
    FORMATS,
    ExportCancelled,
    ExportError,
    ExportOptions,
    export_book,
    export_book_sync,
)
from tests.tools import read_only_folder


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reports_progress_and_writes_output(book, tmp_path, fmt):
    bundle, story = book
    calls: list[tuple[int, int, str]] = []
    out = tmp_path / f"out-{fmt}"
    result = export_book_sync(
        bundle, story, ExportOptions(fmt, out), progress=lambda *a: calls.append(a)
    )
    assert result.path.exists()
    assert calls and calls[-1][0] == calls[-1][1]
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_cancel_before_start_leaves_nothing(book, tmp_path):
    bundle, story = book
    before = _listing(tmp_path)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ExportCancelled):
        export_book_sync(bundle, story, ExportOptions("pdf", tmp_path / "b.pdf"), cancel=cancel)
    assert _listing(tmp_path) == before


@pytest.mark.parametrize("fmt", ["pdf", "png"])
async def test_cancelling_the_task_stops_the_worker_and_removes_partial_output(book, tmp_path, fmt):
    bundle, story = book
    before = _listing(tmp_path)
    started = threading.Event()

    def slow_progress(done: int, total: int, label: str) -> None:
        started.set()
        time.sleep(0.05)

    with ThreadPoolExecutor(1) as executor:
        task = asyncio.create_task(
            export_book(
                bundle,
                story,
                ExportOptions(fmt, tmp_path / "out"),
                executor=executor,
                progress=slow_progress,
            )
        )
        assert await asyncio.to_thread(started.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert _listing(tmp_path) == before


async def test_async_export_returns_the_result(book, tmp_path):
    bundle, story = book
    result = await export_book(bundle, story, ExportOptions("epub", tmp_path / "b.epub"))
    assert result.path == tmp_path / "b.epub"
    assert result.path.is_file()


def test_an_existing_folder_gets_a_file_named_after_the_book(book, tmp_path):
    bundle, story = book
    result = export_book_sync(bundle, story, ExportOptions("pdf", tmp_path))
    assert result.path == tmp_path / "milo-and-the-lantern.pdf"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (ExportOptions("docx", Path("x")), "Unknown export format 'docx'"),
        (ExportOptions("pdf", Path("x"), preset="poster"), "Unknown PDF preset 'poster'"),
        (ExportOptions("pdf", Path("/nonexistent/folder/b.pdf")), "does not exist"),
    ],
)
def test_bad_options_are_explained(book, options, message):
    with pytest.raises(ExportError, match=message):
        export_book_sync(*book, options)


def test_a_read_only_folder_is_reported(book, tmp_path):
    with read_only_folder(tmp_path / "locked") as folder:
        with pytest.raises(ExportError, match="locked"):
            export_book_sync(*book, ExportOptions("pdf", folder / "b.pdf"))

"""Ten books in a row in one window: memory settles, nothing is left open or running.

Each round makes a 2-page book with the offline engine in the window, opens it in
the book view and goes back to the library, as a person would. After every round
(and a garbage collection, and glibc's malloc_trim so freed memory is returned)
the resident set size, open file descriptors, threads and asyncio tasks are read.
After the tenth book RSS (median of the last three readings) must be within 10% of
its level after the first books (highest of the first three), and the descriptors,
threads and tasks back where they were.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import json
import os
import statistics
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from studio.core.book import GenerationSettings
from studio.gui.context import AppContext
from studio.gui.main_window import MainWindow
from tests.gui.conftest import shown, wait_until

pytestmark = [pytest.mark.gui, pytest.mark.slow]
BOOKS = int(os.environ.get("RELIABILITY_SESSION_BOOKS", "10"))


def _trim() -> None:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1_048_576


def _fds() -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue  # the listing's own descriptor, closed already
    return sorted(found)


POOLS = ("test-work", "studio-work")  # executors grow to their bound on demand


def _threads() -> list[str]:
    """Threads other than executor workers (those are bounded by the pool's size)."""
    return sorted(t.name for t in threading.enumerate() if not t.name.startswith(POOLS))


def _tasks() -> list[asyncio.Task[object]]:
    me = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not me and not t.done()]


async def _settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0.01)
    _trim()


async def test_ten_books_in_one_window(
    make_context: Callable[..., AppContext], tmp_path: Path
) -> None:
    rounds: list[dict[str, object]] = []
    async with shown(MainWindow(make_context())) as window:
        for n in range(1, BOOKS + 1):
            settings = GenerationSettings(
                premise=f"book {n}: a beaver who builds a bridge", pages=2
            )
            finished = await window.generate_new(settings)
            assert finished is not None and finished.outcome == "complete", finished
            await window.generation_view.drain()
            bundle = window.generation_view.bundle
            assert bundle is not None
            await window.open_book(bundle)
            window.show_library()
            await wait_until(lambda n=n: len(window.library_view.model.summaries) == n, 15)
            await _settle()
            rounds.append(
                {
                    "book": n,
                    "rss_mb": round(_rss_mb(), 1),
                    "fds": len(_fds()),
                    "threads": len(_threads()),
                    "pool_threads": threading.active_count() - len(_threads()),
                    "tasks": len(_tasks()),
                    "fd_list": _fds(),
                }
            )
    first, last = rounds[0], rounds[-1]
    summary = [{k: v for k, v in r.items() if k != "fd_list"} for r in rounds]
    (tmp_path / "session.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary))
    assert last["tasks"] == 0 and first["tasks"] == 0, summary
    assert last["fds"] <= first["fds"], set(last["fd_list"]) - set(first["fd_list"])  # type: ignore[arg-type]
    assert last["threads"] <= first["threads"], summary
    assert int(last["pool_threads"]) <= 8, summary  # type: ignore[call-overload]
    # RSS wanders by about 25 MB from one book to the next (caches, the allocator), and
    # warming up (fonts, Qt's image caches, the executor's threads) takes a book or two:
    # the level after the first books is the highest of the first three readings, and
    # the end level the median of the last three.
    rss = [float(r["rss_mb"]) for r in rounds]  # type: ignore[arg-type]
    assert statistics.median(rss[-3:]) <= 1.10 * max(rss[:3]), summary

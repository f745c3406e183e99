"""Measurements that need Qt, each run in a child process of its own.

``python -m benchmarks.gui_child MODE JSON_ARGS`` prints one JSON line with the
figures. A child of its own keeps peak memory honest, gives every run a fresh
QApplication and keeps Qt out of the harness process.

Modes:
  smooth  a generation in the real GenerationView with a heartbeat timer on the loop
  book    open a big book in the BookView (the reader of the main window), page through
  cards   show a big book's cards in the GenerationView (every thumbnail loaded)
  window  start the studio as `studio` does and stop when its main window is shown
  edit    commit edits to a page's words in the BookView; time until each is on disk
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import resource
import sys
import tempfile
import threading
import time
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def peak_rss_mb() -> float:
    """The process's peak resident memory (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return float("nan")


class InlineExecutor(Executor):
    """Runs the submitted call at once on the calling thread (the event loop)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:
            future.set_exception(err)
        return future


class Heartbeat:
    """A Qt timer that should fire every `interval_ms`; how late each tick was.

    The moment `start()` is called counts as a tick, so work that blocks the loop
    right after it (before the first tick) is measured too. With `sample_stalls`
    a watchdog thread notes where the GUI thread is whenever a tick is overdue.
    """

    def __init__(self, interval_ms: float) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.interval = interval_ms / 1000
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(int(interval_ms))
        self.timer.timeout.connect(self._tick)

        self.sampler: StallSampler | None = None

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def start(self, sample_stalls: bool = False) -> None:
        self.ticks.clear()
        self.ticks.append(time.perf_counter())
        self.timer.start()
        if sample_stalls:
            self.sampler = StallSampler(self)
            self.sampler.start()

    def stop(self) -> dict[str, Any]:
        self.timer.stop()
        stalls = None
        if self.sampler is not None:
            stalls = self.sampler.finish()
            self.sampler = None
        figures = self._figures()
        if stalls is not None:
            figures["stalls"] = stalls
        return figures

    def _figures(self) -> dict[str, Any]:
        gaps = [b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False)]
        late = sorted(max(0.0, g - self.interval) * 1000 for g in gaps)
        if not late:
            return {"ticks": len(self.ticks)}
        p = lambda q: late[min(len(late) - 1, int(q * (len(late) - 1) + 0.5))]  # noqa: E731
        return {
            "ticks": len(self.ticks),
            "max_ms": late[-1],
            "p99_ms": p(0.99),
            "p50_ms": p(0.5),
            "over_16ms": sum(v > 16 for v in late),
            "over_50ms": sum(v > 50 for v in late),
            "worst": late[-5:],
        }


class StallSampler(threading.Thread):
    """Every 2 ms: if the heartbeat is overdue, record the GUI thread's Python stack.

    The stacks are grouped by stall (the tick they followed) and summarised as the
    most frequent innermost frames of this project, with the leaf frame.
    """

    OVERDUE = 0.012

    def __init__(self, heartbeat: Heartbeat) -> None:
        super().__init__(name="stall-sampler", daemon=True)
        self.heartbeat = heartbeat
        self.main = threading.main_thread().ident
        self.samples: dict[float, list[str]] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.002):
            ticks = self.heartbeat.ticks
            if not ticks:
                continue
            last = ticks[-1]
            if time.perf_counter() - last < self.OVERDUE + self.heartbeat.interval:
                continue
            frame = sys._current_frames().get(self.main)
            if frame is not None:
                self.samples.setdefault(last, []).append(_where(frame))

    def finish(self) -> list[dict[str, Any]]:
        self.done.set()
        self.join(timeout=1)
        ticks = self.heartbeat.ticks
        following = dict(itertools.pairwise(ticks))
        stalls = []
        for last, stacks in self.samples.items():
            late = (
                following.get(last, time.perf_counter()) - last - self.heartbeat.interval
            ) * 1000
            counts: dict[str, int] = {}
            for where in stacks:
                counts[where] = counts.get(where, 0) + 1
            top = sorted(counts.items(), key=lambda kv: -kv[1])[:3]
            stalls.append({"late_ms": round(late, 1), "where": [f"{n}x {w}" for w, n in top]})
        return sorted(stalls, key=lambda s: -s["late_ms"])[:12]


def _where(frame: Any) -> str:
    """The innermost frames of this project (studio/, benchmarks/) and the leaf."""
    leaf = f"{frame.f_code.co_name} ({Path(frame.f_code.co_filename).name}:{frame.f_lineno})"
    ours: list[str] = []
    while frame is not None and len(ours) < 3:
        name = frame.f_code.co_filename
        if "/studio/" in name or "/benchmarks/" in name:
            ours.append(f"{frame.f_code.co_name} ({Path(name).name}:{frame.f_lineno})")
        frame = frame.f_back
    return " < ".join(ours) + f" | leaf {leaf}"


def _context(library_root: Path, executor: Any) -> Any:
    from studio.core.library import Library
    from studio.core.settings import AppSettings
    from studio.gui.context import AppContext

    return AppContext(
        Library(library_root), executor, AppSettings(), api_key="bench-key", persist_settings=False
    )


# --- smooth --------------------------------------------------------------------------------


async def smooth(args: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.common import book_settings
    from studio.core.book import Book
    from studio.core.library import BookStore
    from studio.core.services import Services, make_executor
    from studio.gui.generation_view import GenerationView

    if args["variant"] == "pillow_on_loop":
        original = Services.pipeline

        def on_loop(self: Services, store: Any, emit: Any = None, config: Any = None) -> Any:
            from studio.core.pipeline import Pipeline

            return Pipeline(
                store, self.text, self.images, executor=InlineExecutor(), emit=emit, config=config
            )

        Services.pipeline = on_loop  # type: ignore[method-assign]
    executor = make_executor()
    root = Path(tempfile.mkdtemp(prefix="studio-bench-smooth-"))
    context = _context(root, executor)
    view = GenerationView(context)
    view.resize(1280, 860)
    view.show()
    pages = int(args["pages"])
    bundle = context.library.create(Book(settings=book_settings(args["base_url"], pages, pages)))
    store = BookStore(bundle, bundle.load(), executor)
    heartbeat = Heartbeat(float(args["heartbeat_ms"]))
    if not args.get("cold"):
        # as the studio does once its window is shown: the provider SDKs are imported
        # in a worker, long before anyone can click Generate
        from studio.app import _warm_imports

        await asyncio.get_running_loop().run_in_executor(executor, _warm_imports)
    await asyncio.sleep(0.3)  # the window is shown
    heartbeat.start()
    await asyncio.sleep(float(args.get("idle_seconds", 2.0)))
    idle = heartbeat.stop()  # the machine's own noise, same process, nothing running
    heartbeat.start(sample_stalls=bool(args.get("sample_stalls")))
    started = time.monotonic()
    finished = await view.generate(store)
    seconds = time.monotonic() - started
    beats = heartbeat.stop()
    shown = sum(c.has_picture for c in view.model.cards)
    await view.stop()
    await context.aclose()
    executor.shutdown(wait=True, cancel_futures=True)
    if args["variant"] == "pillow_on_loop":
        Services.pipeline = original  # type: ignore[method-assign]
    return {
        "variant": args["variant"],
        "outcome": finished.outcome if finished else "cancelled",
        "seconds": seconds,
        "pictures_shown": shown,
        "heartbeat": beats,
        "idle_heartbeat": idle,
        "peak_rss_mb": peak_rss_mb(),
    }


# --- big books -----------------------------------------------------------------------------


async def _until(check: Any, limit: float = 30.0) -> float:
    start = time.perf_counter()
    while not check():
        if time.perf_counter() - start > limit:
            raise TimeoutError("the view did not show the page in time")
        await asyncio.sleep(0.001)
    return time.perf_counter() - start


def _settled(view: Any, number: int) -> bool:
    """The page is shown and its picture's load is over (the sheet keeps the old one till then)."""
    sheet = view.reader.sheet_for(number)
    return sheet is not None and not view.ops.pending and sheet.picture.has_picture


async def book(args: dict[str, Any]) -> dict[str, Any]:
    """Open a bundle in the main window's BookView and page through all of it."""
    from studio.core.library import Bundle
    from studio.core.services import make_executor
    from studio.gui.book_view import BookView

    executor = make_executor()
    rss_before = current_rss_mb()
    context = _context(Path(tempfile.mkdtemp(prefix="studio-bench-book-")), executor)
    view = BookView(context)
    view.resize(1280, 900)
    view.show()
    await asyncio.sleep(0.2)
    heartbeat = Heartbeat(float(args.get("heartbeat_ms", 5)))
    heartbeat.start()
    started = time.perf_counter()
    await view.open_book(Bundle(Path(args["bundle"])))
    loaded = time.perf_counter() - started
    reader = view.reader

    def showing(number: int) -> Any:
        def check() -> bool:
            sheet = reader.sheet_for(number)
            return sheet is not None and sheet.picture.has_picture

        return check

    await _until(showing(1))
    await asyncio.sleep(0)  # let it paint
    first = time.perf_counter() - started
    flips: list[float] = []
    for number in range(2, reader.page_count + 1):
        reader.next_page()
        flips.append(await _until(lambda n=number: _settled(view, n)))
        await asyncio.sleep(0)  # let it paint
    beats = heartbeat.stop()
    pages = reader.page_count
    await view.close_book()
    executor.shutdown(wait=True, cancel_futures=True)
    return {
        "pages": pages,
        "load_book_json_s": loaded,
        "first_page_shown_s": first,
        "flip_p50_ms": sorted(flips)[len(flips) // 2] * 1000 if flips else None,
        "flip_max_ms": max(flips) * 1000 if flips else None,
        "heartbeat": beats,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }


async def cards(args: dict[str, Any]) -> dict[str, Any]:
    from studio.core.library import BookStore, Bundle
    from studio.core.services import make_executor
    from studio.gui.generation_view import GenerationView

    executor = make_executor()
    context = _context(Path(tempfile.mkdtemp(prefix="studio-bench-cards-")), executor)
    view = GenerationView(context)
    view.resize(1280, 900)
    view.show()
    await asyncio.sleep(0.2)
    heartbeat = Heartbeat(float(args.get("heartbeat_ms", 5)))
    heartbeat.start()
    started = time.perf_counter()
    bundle = Bundle(Path(args["bundle"]))
    store = BookStore(bundle, bundle.load(), executor)
    view.show_book(store)
    first = await _until(lambda: bool(view.model.cards) and view.model.cards[0].has_picture)
    every = await _until(lambda: all(c.has_picture for c in view.model.cards), limit=120)
    beats = heartbeat.stop()
    await view.stop()
    executor.shutdown(wait=True, cancel_futures=True)
    return {
        "pages": len(view.model.cards),
        "first_card_s": first,
        "all_cards_s": time.perf_counter() - started if every >= 0 else None,
        "heartbeat": beats,
        "peak_rss_mb": peak_rss_mb(),
    }


# --- start-up --------------------------------------------------------------------------------


def window() -> None:
    """Start the studio's window as `studio` does; print the time it was shown, then exit."""
    import PySide6.QtWidgets as widgets
    from PySide6.QtCore import QEvent, QObject, QTimer

    shown: dict[str, float] = {}

    class ShowWatcher(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (
                event.type() == QEvent.Type.Show
                and isinstance(watched, widgets.QMainWindow)
                and "shown" not in shown
            ):
                shown["shown"] = time.monotonic()
                QTimer.singleShot(0, painted)
            return False

    def painted() -> None:
        shown["idle"] = time.monotonic()
        print(json.dumps(shown), flush=True)
        os._exit(0)

    class WatchedApplication(widgets.QApplication):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self._watcher = ShowWatcher()
            self.installEventFilter(self._watcher)

    widgets.QApplication = WatchedApplication  # type: ignore[misc]
    from studio.cli import main

    sys.argv = ["studio"]
    main()


# --- edit --------------------------------------------------------------------------------


async def edit(args: dict[str, Any]) -> dict[str, Any]:
    """Commit `edits` edits to page words; time from each commit until it is on disk."""
    from studio.core.book import Book, GenerationSettings, Page, PlanStatus
    from studio.core.library import Library, atomic_write
    from studio.core.services import make_executor
    from studio.gui.book_view import BookView

    executor = make_executor()
    root = Path(tempfile.mkdtemp(prefix="studio-bench-edit-"))
    pages = int(args.get("pages", 40))
    words = "The little fox looked up at the dark sky and counted every star she could see. "
    book = Book(
        title="Edits",
        settings=GenerationSettings(premise="a fox counts stars", pages=pages, engine="offline"),
        plan_status=PlanStatus.DONE,
        pages=[Page(number=n, text=words * 3, scene="A fox under stars.") for n in range(1, 41)][
            :pages
        ],
    )
    bundle = Library(root).create(book)
    context = _context(root, executor)
    view = BookView(context)
    view.resize(1280, 900)
    view.show()
    await view.open_book(bundle)
    await asyncio.sleep(0.2)
    saved = asyncio.Event()
    view.document.saved.connect(saved.set)
    latencies: list[float] = []
    for i in range(int(args.get("edits", 30))):
        text = f"Edit number {i}: the fox counted {i} stars."
        saved.clear()
        started = time.perf_counter()
        view.document.edit_text(1 + i % pages, text)
        await asyncio.wait_for(saved.wait(), 10)
        latencies.append((time.perf_counter() - started) * 1000)
        if text not in bundle.book_file.read_text(encoding="utf-8"):
            raise AssertionError("the saved signal came before the edit was on disk")
        await asyncio.sleep(0.05)
    data = bundle.book_file.read_bytes()
    bare: list[float] = []
    for _ in range(10):
        started = time.perf_counter()
        atomic_write(root / "copy.json", data)
        bare.append((time.perf_counter() - started) * 1000)
    await view.close_book()
    executor.shutdown(wait=True, cancel_futures=True)
    return {"latency_ms": latencies, "bare_write_ms": bare, "book_json_bytes": len(data)}


def main() -> None:
    mode = sys.argv[1]
    if mode == "window":
        window()
        return
    args = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    from PySide6.QtWidgets import QApplication  # noqa: I001  (PySide6 before qasync)
    import qasync

    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    job = {"smooth": smooth, "book": book, "cards": cards, "edit": edit}[mode]
    result: dict[str, Any] = qasync.run(job(args))
    print(json.dumps(result), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()

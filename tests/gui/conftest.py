"""GUI tests run on a qasync loop over pytest-qt's one QApplication.

Every test fails if it leaves a visible window or a pending asyncio task.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import qasync
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from studio.core.library import Library
from studio.core.settings import AppSettings
from studio.gui.context import AppContext
from studio.gui.lib.theme import apply_theme, load_fonts
from studio.gui.main_window import MainWindow

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "screenshots"
_app: QApplication | None = None


def _application() -> QApplication:
    global _app
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    _app = QApplication(["studio-tests"])
    return _app


def _qasync_loop() -> asyncio.AbstractEventLoop:
    return qasync.QEventLoop(_application())


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Any]:
    """Async GUI tests run on a qasync loop (Qt events and asyncio in one loop)."""
    return {"qasync": _qasync_loop}


@pytest.fixture(scope="session", autouse=True)
def _themed_app(qapp: QApplication) -> QApplication:
    load_fonts()
    apply_theme(qapp, dark=False)
    qapp.setQuitOnLastWindowClosed(False)
    return qapp


@pytest.fixture(autouse=True)
def _earlier_loops_collected() -> None:
    """Collect earlier tests' qasync loops here, on the GUI thread.

    A closed loop stays in reference cycles with QObjects that own Qt timers;
    collected from a worker thread, Qt cannot stop those timers and crashes.
    """
    gc.collect()


@pytest.fixture(autouse=True)
def _no_windows_left(qapp: QApplication) -> Iterator[None]:
    yield
    left = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    for widget in left:
        widget.close()
        widget.deleteLater()
    assert not left, (
        f"windows left open: {[type(w).__name__ + ' ' + w.windowTitle() for w in left]}"
    )


@pytest_asyncio.fixture(autouse=True)
async def _no_tasks_left() -> AsyncIterator[None]:
    yield
    me = asyncio.current_task()
    for _ in range(5):
        await asyncio.sleep(0)
    pending = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    assert not pending, f"tasks left pending: {pending}"


async def wait_until(
    predicate: Callable[[], Any], seconds: float = 15.0, message: str = ""
) -> None:
    """Let the loop run until `predicate()` is true."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting: {message or predicate}")
        await asyncio.sleep(0.02)


async def wait_for_dialog(kind: type[QWidget], seconds: float = 5.0) -> Any:
    found: list[QWidget] = []

    def visible() -> bool:
        found[:] = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()
        ]
        return bool(found)

    await wait_until(visible, seconds, f"a {kind.__name__} to open")
    return found[0]


async def click(widget: QWidget, pos: QPoint | None = None) -> None:
    """Click `widget` from a plain loop callback.

    QTest may flush Qt's event queue; doing that inside a task would step other
    tasks nested in it (asyncio refuses, and they stall), so it runs outside.
    """
    await _outside_tasks(
        QTest.mouseClick,
        widget,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        pos or QPoint(),
    )


async def press(widget: QWidget, key: Qt.Key) -> None:
    """Press and release `key` on `widget` (see `click` for why it is a coroutine)."""
    await _outside_tasks(QTest.keyClick, widget, key)


async def _outside_tasks(fn: Callable[..., Any], *args: Any) -> None:
    done = asyncio.get_running_loop().create_future()

    def run() -> None:
        try:
            fn(*args)
        except Exception as err:
            done.set_exception(err)
        else:
            done.set_result(None)

    asyncio.get_running_loop().call_soon(run)
    await done


def screenshot(widget: QWidget, name: str, tmp_path: Path) -> Path:
    """Save a picture of `widget`: into screenshots/ with STUDIO_SCREENSHOTS=1, else tmp."""
    folder = SCREENSHOT_DIR if os.environ.get("STUDIO_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    assert widget.grab().save(str(path)), f"could not save {path}"
    assert not QImage(str(path)).isNull()
    return path


@contextlib.asynccontextmanager
async def shown(window: MainWindow) -> AsyncIterator[MainWindow]:
    """Show `window` and shut it down before the test ends.

    Shutting down inside the test matters: qasync runs Qt timers that are still
    due between pytest-asyncio's steps, outside the running loop.
    """
    window.show()
    try:
        yield window
    finally:
        await window.shutdown()
        window.close()
        window.deleteLater()


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="test-work")
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(tmp_path / "library")


ContextFactory = Callable[..., Awaitable[AppContext]]


@pytest_asyncio.fixture
async def make_context(
    library: Library, executor: ThreadPoolExecutor
) -> AsyncIterator[Callable[..., AppContext]]:
    """Build AppContexts (closed after the test): `make_context(api_key=..., base_url=...)`."""
    made: list[AppContext] = []

    def make(api_key: str | None = None, persist: bool = False, **settings: Any) -> AppContext:
        context = AppContext(
            library,
            executor,
            AppSettings(**settings),
            api_key=api_key,
            persist_settings=persist,
        )
        made.append(context)
        return context

    yield make
    for context in made:
        await context.aclose()

"""The composition root: one QApplication, one qasync loop, the services, a clean exit.

Everything long-lived (the executor, the HTTP clients) is opened inside the
running loop and closed before it stops, so quitting mid-generation saves the
book and exits quietly.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from studio import __version__
from studio.core.booklock import set_process_label
from studio.core.config import find_api_key
from studio.core.library import Library, default_library_dir
from studio.core.services import make_executor
from studio.core.settings import load_settings, take_settings_notice
from studio.gui.context import AppContext
from studio.gui.errors import ErrorReporter
from studio.gui.icons import app_icon
from studio.gui.lib import loop as qt_loop
from studio.gui.lib.theme import apply_theme, follow_system, load_fonts
from studio.gui.main_window import MainWindow

AUTOSTART_ENV = "STUDIO_AUTOSTART"
"""A premise: start generating it offline at launch (demos and tests)."""
AUTOQUIT_ENV = "STUDIO_AUTOQUIT_AFTER"
"""Seconds after which the window closes itself, as if the person closed it (tests)."""


def library_root(library_dir: Path | None) -> Path:
    """`--library`, else STUDIO_LIBRARY, else the user data folder."""
    return library_dir if library_dir is not None else default_library_dir()


def build_application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName("Story Studio")
    app.setApplicationDisplayName("Story Studio")
    app.setOrganizationName("StoryStudio")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("org.storystudio.StoryStudio")
    app.setWindowIcon(app_icon())
    load_fonts()
    apply_theme(app)
    follow_system(app)
    return app


def _tell_about_settings(window: MainWindow) -> None:
    """Say once, over the window, that the settings file could not be used."""
    notice = take_settings_notice()
    if notice is None:
        return
    box = QMessageBox(QMessageBox.Icon.Warning, "Settings reset", notice, parent=window)
    box.setTextFormat(Qt.TextFormat.PlainText)  # the path is the person's, not markup
    box.setObjectName("settings-notice")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setModal(False)
    box.show()


def _close_on_signals(window: MainWindow) -> None:
    """SIGTERM and SIGINT close the window, exactly like its close button."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, window.close)
        except (NotImplementedError, RuntimeError, ValueError):
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(window.close))


def _remove_signal_handlers() -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.remove_signal_handler(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            signal.signal(sig, signal.SIG_DFL)


async def _autostart(window: MainWindow, premise: str) -> None:
    from studio.core.book import GenerationSettings

    engine = os.environ.get("STUDIO_AUTOSTART_ENGINE", "offline")
    s = window.context.settings
    settings = GenerationSettings(
        premise=premise,
        pages=s.pages,
        engine=engine,
        base_url=s.base_url if engine != "offline" else None,
        image_base_url=s.image_base_url if engine != "offline" else None,
        **(
            {"text_model": s.text_model, "image_model": s.image_model}
            if engine != "offline"
            else {}
        ),
        concurrency=s.concurrency,
    )
    await window.generate_new(settings)


def _warm_imports() -> None:
    """Import the provider SDKs and read the offline engine's data files in a worker, so
    neither the first book nor the New Book form's first reading of a premise stalls
    the window."""
    import importlib

    for name in ("studio.core.providers.openai", "studio.core.providers.offline"):
        try:
            importlib.import_module(name)
        except Exception:
            logging.getLogger(__name__).debug("Could not preload %s", name, exc_info=True)
    try:
        from studio.core.offline.data import offline_data

        offline_data()
    except Exception:  # a broken data file is said when the engine is used
        logging.getLogger(__name__).debug("Could not read the offline data", exc_info=True)


async def amain(
    app: QApplication, library_dir: Path | None = None, files: Sequence[Path] = ()
) -> int:
    """Run the studio until its window closes; everything opened here is closed here."""
    set_process_label("the Story Studio window")
    app.setQuitOnLastWindowClosed(False)
    loop = asyncio.get_running_loop()
    closed = asyncio.Event()
    executor: ThreadPoolExecutor = make_executor()
    context = AppContext(
        Library(library_root(library_dir)),
        executor,
        load_settings(),
        api_key=find_api_key(),
    )
    window = MainWindow(context)
    reporter = ErrorReporter(lambda: window if window.isVisible() else None)
    reporter.install(loop)
    try:
        window.closed.connect(closed.set)
        _close_on_signals(window)
        window.show()
        _tell_about_settings(window)
        window.schedule_library_refresh()
        executor.submit(_warm_imports)
        opener = FileOpener(window, app)
        if files:
            window.ops.run(_open_files(window, files))
        if premise := os.environ.get(AUTOSTART_ENV):
            window.ops.run(_autostart(window, premise))
        if seconds := os.environ.get(AUTOQUIT_ENV):
            QTimer.singleShot(int(float(seconds) * 1000), window.close)
        await closed.wait()
        app.removeEventFilter(opener)
        window.hide()
        await window.shutdown()
    finally:
        _remove_signal_handlers()
        try:
            await context.aclose()
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
            reporter.uninstall()
            window.deleteLater()
    return 0


class FileOpener(QObject):
    """Opens the books macOS hands over with an open-file event (a double-click on a
    shared book in Finder, or one dropped on the Dock icon), as `studio FILE` does."""

    def __init__(self, window: MainWindow, app: QApplication) -> None:
        super().__init__(window)
        self._window = window
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QFileOpenEvent) and event.file():
            self._window.ops.run(_open_files(self._window, [Path(event.file())]))
            return True
        return False


async def _open_files(window: MainWindow, files: Sequence[Path]) -> None:
    """`studio FILE…`: open each book folder, add each shared archive to the library."""
    for path in files:
        await window.open_path(path.expanduser().absolute())


def main(library_dir: Path | None = None, files: Sequence[Path] = ()) -> int:
    """Open the studio window; returns the process exit status."""
    app = build_application()
    return qt_loop.run(amain(app, library_dir, files))

"""`studio --smoke`: a self-test of an installed or frozen build.

It opens the main window offscreen, writes and illustrates a 3-page book with
the offline engine through the real pipeline, exports it as a PDF and checks
the result, all in a temporary library. It exercises what a broken package
would break first: the Qt platform and image plugins, the bundled fonts and
icons, Pillow, reportlab, pydantic and the qasync loop. One line on stdout
when it passes, a message on stderr and a non-zero exit when it does not.
"""

from __future__ import annotations

import asyncio
import faulthandler
import os
import re
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.core.terminal import terminal_text

PREMISE = "A shy lighthouse keeper and a curious whale become friends"
PAGES = 3
TIME_LIMIT = 120.0
MIN_PDF_BYTES = 20_000

EXIT_FAILED, EXIT_HUNG = 1, 124

NATIVE_PLATFORM_PLUGINS = {
    "linux": "libqxcb.so",
    "win32": "qwindows.dll",
    "darwin": "libqcocoa.dylib",
}

# Said by the offscreen platform itself, whatever the app does.
BENIGN_QT_MESSAGES = (
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support raise()",
    "This plugin does not support grabbing the keyboard",
)


class SmokeFailure(Exception):
    """A check failed; the message says which and why."""


@dataclass
class Report:
    title: str = ""
    pages: int = 0
    pictures: int = 0
    pdf_bytes: int = 0
    pdf_pages: int = 0
    platform: str = ""
    window: str = ""
    problems: list[str] = field(default_factory=list)


def run_smoke(time_limit: float = TIME_LIMIT) -> int:
    """Run the self-test; 0 when everything worked."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.monotonic()
    with _watchdog(time_limit + 15.0), tempfile.TemporaryDirectory(prefix="studio-smoke-") as tmp:
        try:
            report = _run(Path(tmp), time_limit)
        except SmokeFailure as err:
            _say_failure(str(err))
            return EXIT_FAILED
        except Exception as err:
            _say_failure(f"unexpected {type(err).__name__}: {err}")
            return EXIT_FAILED
    if report.problems:
        _say_failure("; ".join(report.problems))
        return EXIT_FAILED
    print(
        f"smoke ok: {report.title!r}, {report.pages} pages, {report.pictures} pictures, "
        f"PDF {report.pdf_pages} pages {report.pdf_bytes // 1024} KiB, "
        f"window {report.window} on {report.platform}, {time.monotonic() - started:.1f} s",
        flush=True,
    )
    return 0


def _say_failure(message: str) -> None:
    if sys.stderr is not None:
        print(f"smoke FAILED: {terminal_text(message)}", file=sys.stderr, flush=True)


def _run(root: Path, time_limit: float) -> Report:
    with _isolated(root), _null_keyring():
        from studio.app import build_application
        from studio.gui.lib import loop

        app = build_application()
        with _collected_messages() as messages:
            report = loop.run(_timed(_amain(app, root), time_limit))
            app.processEvents()
    report.problems.extend(messages)
    return report


@contextmanager
def _isolated(root: Path) -> Iterator[None]:
    """Keep the test away from the user's settings, library and key."""
    names = ("STUDIO_CONFIG_DIR", "STUDIO_LIBRARY", "OPENAI_API_KEY")
    saved = {name: os.environ.get(name) for name in names}
    os.environ["STUDIO_CONFIG_DIR"] = str(root / "config")
    os.environ["STUDIO_LIBRARY"] = str(root / "library")
    os.environ.pop("OPENAI_API_KEY", None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _null_keyring() -> Iterator[None]:
    """The keyring backends must be importable (they are found through entry
    points, which a frozen build can lose), but the self-test must not unlock
    or prompt for the user's real keyring: it runs on the null backend."""
    import keyring
    from keyring.backend import get_all_keyring
    from keyring.backends.null import Keyring as NullKeyring

    if sys.platform == "win32":
        import keyring.backends.Windows
    elif sys.platform == "darwin":
        import keyring.backends.macOS
    else:
        import keyring.backends.SecretService
    if not get_all_keyring():
        raise SmokeFailure("no keyring backend could be loaded")
    previous = keyring.get_keyring()
    keyring.set_keyring(NullKeyring())  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        keyring.set_keyring(previous)


async def _timed(work: Any, seconds: float) -> Report:
    try:
        return await asyncio.wait_for(work, seconds)
    except TimeoutError:
        raise SmokeFailure(f"did not finish within {seconds:.0f} s") from None


async def _amain(app: Any, root: Path) -> Report:
    """What `studio.app.amain` does, with a book made and exported in between."""
    from studio.core.library import Library
    from studio.core.services import make_executor
    from studio.core.settings import AppSettings
    from studio.gui.context import AppContext
    from studio.gui.errors import ErrorReporter
    from studio.gui.main_window import MainWindow

    app.setQuitOnLastWindowClosed(False)
    report = Report(platform=app.platformName())
    _check_platform_plugins()
    _check_icon(app)
    executor = make_executor()
    library = Library(root / "library")
    settings = AppSettings(engine="offline", pages=PAGES, library_dir=str(library.root))
    context = AppContext(library, executor, settings, persist_settings=False)
    window = MainWindow(context)
    reporter = ErrorReporter(lambda: None)
    reporter.show_dialogs = False
    reporter.error_reported.connect(lambda title, text: report.problems.append(f"{title}: {text}"))
    reporter.install(asyncio.get_running_loop())
    try:
        window.show()
        bundle = await _generate(window, report)
        await window.open_book(bundle)
        await _settle()
        report.window = _check_window(window)
        await _export(bundle, executor, root / "smoke.pdf", report)
    finally:
        window.close()
        window.hide()
        await window.shutdown()
        try:
            await context.aclose()
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
            reporter.uninstall()
            window.deleteLater()
            await _settle()
    return report


def _check_platform_plugins() -> None:
    """The native platform plugin must ship even when the test runs offscreen."""
    from PySide6.QtCore import QCoreApplication, QLibraryInfo

    expected = NATIVE_PLATFORM_PLUGINS.get(sys.platform)
    if expected is None:
        return
    roots = [QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)]
    roots += QCoreApplication.libraryPaths()
    if not any((Path(root) / "platforms" / expected).exists() for root in roots):
        raise SmokeFailure(f"the Qt platform plugin {expected} is missing (looked in {roots})")


def _check_icon(app: Any) -> None:
    """The window icon is an SVG: it needs the bundled Qt SVG plugins."""
    icon = app.windowIcon()
    if icon.isNull() or icon.pixmap(64, 64).isNull():
        raise SmokeFailure("the application icon does not load (Qt SVG plugins missing?)")


async def _settle() -> None:
    """Let the Qt loop lay out and paint. Never `processEvents()` inside a
    coroutine: it would run other tasks re-entrantly."""
    for _ in range(5):
        await asyncio.sleep(0.02)


async def _generate(window: Any, report: Report) -> Any:
    """A new book through the window's own generation path and the real pipeline."""
    from studio.core.book import GenerationSettings
    from studio.core.events import Outcome

    settings = GenerationSettings(premise=PREMISE, pages=PAGES, engine="offline")
    finished = await window.generate_new(settings)
    if finished is None:
        raise SmokeFailure("the generation was cancelled")
    if finished.outcome is not Outcome.COMPLETE:
        raise SmokeFailure(f"the generation ended {finished.outcome}: {finished.message}")
    bundle = window.generation_view.bundle
    if bundle is None:
        raise SmokeFailure("the window lost track of the book it generated")
    _check_book(bundle, report)
    return bundle


def _check_book(bundle: Any, report: Report) -> None:
    from studio.cli import check_bundle

    book = bundle.load()
    checked = check_bundle(bundle.path)
    report.title = book.display_title
    report.pages = len(book.pages)
    report.pictures = checked["images_done"]
    if not book.is_complete or report.pages != PAGES or report.pictures != PAGES:
        raise SmokeFailure(
            f"the book is incomplete: {report.pages}/{PAGES} pages, "
            f"{report.pictures} pictures, problems: {checked['problems']}"
        )
    if not checked["valid"]:
        raise SmokeFailure(f"the book does not check out: {checked['problems']}")


async def _export(bundle: Any, executor: ThreadPoolExecutor, out: Path, report: Report) -> None:
    from studio.export import ExportError, ExportOptions, export_book

    try:
        result = await export_book(
            bundle, bundle.load(), ExportOptions(format="pdf", out=out), executor=executor
        )
    except ExportError as err:
        raise SmokeFailure(f"PDF export failed: {err}") from err
    _check_pdf(result.path, report)


def _check_pdf(path: Path, report: Report) -> None:
    if not path.is_file():
        raise SmokeFailure(f"the PDF was not written: {path}")
    data = path.read_bytes()
    report.pdf_bytes = len(data)
    report.pdf_pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise SmokeFailure(f"{path.name} is not a complete PDF")
    if len(data) < MIN_PDF_BYTES:
        raise SmokeFailure(f"{path.name} is only {len(data)} bytes")
    if report.pdf_pages < PAGES:
        raise SmokeFailure(f"{path.name} has {report.pdf_pages} pages, expected {PAGES} or more")


def _check_window(window: Any) -> str:
    if not window.isVisible():
        raise SmokeFailure("the main window did not show")
    shot = window.grab()
    if shot.isNull() or shot.width() < 100 or shot.height() < 100:
        raise SmokeFailure("the main window did not render")
    return f"{shot.width()}x{shot.height()}"


@contextmanager
def _collected_messages() -> Iterator[list[str]]:
    """Qt warnings and Python warnings become failures instead of stderr noise."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    messages: list[str] = []

    def on_qt_message(kind: QtMsgType, _context: object, text: str) -> None:
        if kind in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg):
            return
        if not any(benign in text for benign in BENIGN_QT_MESSAGES):
            messages.append(f"Qt: {text}")

    previous = qInstallMessageHandler(on_qt_message)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            yield messages
        messages.extend(f"{w.category.__name__}: {w.message}" for w in caught)
    finally:
        qInstallMessageHandler(previous)


@contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    """Ends the process if the event loop itself stops turning, which
    `wait_for` cannot notice."""

    def expire() -> None:
        _say_failure(f"hung for {seconds:.0f} s; stacks follow")
        if sys.stderr is not None:
            with suppress(Exception):
                faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        os._exit(EXIT_HUNG)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()

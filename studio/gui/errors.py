"""One place for every error nobody caught: log it, then tell the person what to do.

Installed by the composition root as `sys.excepthook` (Qt slots, async slots, background
ops) and as the loop's exception handler (callbacks, forgotten tasks). The
dialog is opened with `open()`, never `exec()`, so the loop keeps running.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from studio.core.config import ConfigError
from studio.core.library import BookBusyError, BookFileError, BookGoneError, StorageError
from studio.core.logs import log_file
from studio.core.providers.base import AuthError, ProviderError
from studio.gui.plain import make_plain, plain_window_title, set_informative

log = logging.getLogger("studio.gui")

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]


def describe(error: BaseException) -> tuple[str, str]:
    """A title and a message that says what happened and what to do about it."""
    if isinstance(error, AuthError):
        return "API key rejected", f"{error}\n\nOpen Settings (Ctrl+,) to check the key."
    if isinstance(error, ConfigError):
        return "Settings needed", f"{error}\n\nOpen Settings (Ctrl+,) to fix it."
    if isinstance(error, ProviderError):
        return "The server had a problem", str(error)
    if isinstance(error, BookFileError):
        return "The book cannot be read", str(error)
    if isinstance(error, BookBusyError):
        return "The book is in use", str(error)
    if isinstance(error, BookGoneError):
        return "The book was deleted", str(error)
    if isinstance(error, StorageError):
        return "Could not save", f"{error}\n\nFree some space or choose another library folder."
    if isinstance(error, ConnectionError | TimeoutError):
        return (
            "No connection",
            f"The server did not answer ({error or type(error).__name__}). "
            "Check the address in Settings and that the server is running.",
        )
    if isinstance(error, OSError):
        return "File problem", f"{error.strerror or error}: {error.filename or ''}".strip(": ")
    return (
        "Something went wrong",
        f"{type(error).__name__}: {error}\n\nYour books are saved. If this keeps happening, "
        + _where_the_log_is(),
    )


def _where_the_log_is() -> str:
    path = log_file()
    if path is None:
        return "run `studio -v` from a terminal and report the details it prints."
    return f"report it with the details in the log file {path}."


class ErrorReporter(QObject):
    """Logs uncaught errors and shows one non-blocking dialog for them."""

    error_reported = Signal(str, str)

    def __init__(self, parent_window: Callable[[], QWidget | None] = lambda: None) -> None:
        super().__init__()
        self._parent_window = parent_window
        self._box: QMessageBox | None = None
        self._count = 0
        self._previous_hook: ExceptHook | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.show_dialogs = True

    def install(self, loop: asyncio.AbstractEventLoop, *, excepthook: bool = True) -> None:
        self._loop = loop
        loop.set_exception_handler(self.handle_loop_error)
        if excepthook:
            self._previous_hook = sys.excepthook
            sys.excepthook = self.handle_exception

    def uninstall(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.set_exception_handler(None)
        self._loop = None
        if self._previous_hook is not None:
            sys.excepthook = self._previous_hook
            self._previous_hook = None
        self.close_dialog()

    def handle_exception(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt | asyncio.CancelledError):
            return
        log.error("Uncaught error:\n%s", "".join(traceback.format_exception(kind, error, tb)))
        self.report(error)

    def handle_loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if isinstance(error, asyncio.CancelledError):
            return
        if error is None:
            log.warning("Event loop: %s", context.get("message", context))
            return
        self.handle_exception(type(error), error, error.__traceback__)

    def report(self, error: BaseException) -> None:
        title, message = describe(error)
        self.error_reported.emit(title, message)
        if self.show_dialogs:
            self._show(title, message)

    def _show(self, title: str, message: str) -> None:
        if self._box is not None and self._box.isVisible():
            self._count += 1
            set_informative(self._box, f"{self._count} more problems happened since.")
            return
        self._count = 0
        box = QMessageBox(self._parent_window())
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(plain_window_title(title))
        make_plain(box)
        box.setText(message)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.finished.connect(box.deleteLater)
        box.destroyed.connect(self._forget_box)
        self._box = box
        box.open()

    def _forget_box(self) -> None:
        self._box = None

    def close_dialog(self) -> None:
        if self._box is not None:
            self._box.close()
            self._box = None

"""The studio's log file: rotating, redacted, in the platform's log folder.

Windowed builds have no terminal, so what goes wrong must be kept somewhere a
person can find it; the error dialog names the file. Secrets are scrubbed and
control sequences removed before a line is written, as for the terminal.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

import platformdirs

from studio.core.redact import RedactingFilter, TerminalTextFilter

LOG_NAME = "studio.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 3

_installed: Path | None = None


def log_dir() -> Path:
    override = os.environ.get("STUDIO_LOG_DIR")
    if override:
        return Path(override)
    return platformdirs.user_log_path("StoryStudio", appauthor=False)


def log_file() -> Path | None:
    """The file this process logs to, once `install_log_file` has set it up."""
    return _installed


def install_log_file(level: int = logging.INFO) -> Path | None:
    """Log `level` and up to a rotating file as well; None when it cannot be written."""
    global _installed
    if _installed is not None:
        return _installed
    path = log_dir() / LOG_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=False
        )
    except OSError:
        return None
    handler.setLevel(level)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RedactingFilter())
    handler.addFilter(TerminalTextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    _installed = path
    return path

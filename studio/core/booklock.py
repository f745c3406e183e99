"""Who may write a book, across processes.

Two locks per book, both operating-system file locks (released when their
process ends, however it ends):

- the *generation* lock, held for a whole run, rewrite or redraw: a second
  one, from the command line or a window, is refused at once with a message
  naming the process that holds it;
- the *write* lock, held for the moment a writer reads `book.json`, merges
  and replaces it, so that two saves never interleave.

The lock files live in the user's runtime folder (or cache folder), never in
the bundle, so a deleted book is not recreated by its lock and a shared
archive carries none. They are keyed by the bundle folder's device and inode,
which a rename of the folder keeps.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import filelock
import platformdirs

from studio.core.safeio import read_bounded
from studio.core.storage_errors import BookBusyError, BookGoneError
from studio.core.terminal import terminal_text

WRITE_TIMEOUT_SECONDS = 15.0
_OWNER_BYTES = 4096
_process_label = ""


def set_process_label(label: str) -> None:
    """How this process is named to another one that finds a book locked."""
    global _process_label
    _process_label = label


def _label() -> str:
    if _process_label:
        return _process_label
    command = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    return " ".join([command, *sys.argv[1:2]])


def lock_dir() -> Path:
    override = os.environ.get("STUDIO_LOCK_DIR")
    if override:
        return Path(override)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "StoryStudio" / "locks"
    return platformdirs.user_cache_path("StoryStudio", appauthor=False) / "locks"


def _key(bundle_path: Path) -> str:
    try:
        info = os.stat(bundle_path)
    except FileNotFoundError as err:
        raise BookGoneError(gone_message(bundle_path)) from err
    return f"{info.st_dev:x}-{info.st_ino:x}"


def gone_message(bundle_path: Path) -> str:
    return f"The book {bundle_path} was deleted; nothing more is saved to it."


def _lock(path: Path) -> filelock.BaseFileLock:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:  # a home folder that cannot be written: the temporary folder will do
        user = os.getuid() if hasattr(os, "getuid") else os.getlogin()
        path = Path(tempfile.gettempdir()) / f"storystudio-locks-{user}" / path.name
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return filelock.FileLock(path, thread_local=False)


@contextlib.contextmanager
def write_lock(bundle_path: Path, timeout: float = WRITE_TIMEOUT_SECONDS) -> Iterator[None]:
    """Held while one writer reads, merges and replaces `book.json`."""
    lock = _lock(lock_dir() / f"{_key(bundle_path)}.write.lock")
    try:
        lock.acquire(timeout=timeout)
    except filelock.Timeout as err:
        raise BookBusyError(
            f"Another Story Studio process has been saving {bundle_path.name} for over "
            f"{timeout:.0f} seconds; try again in a moment."
        ) from err
    try:
        yield
    finally:
        lock.release()


class GenerationLock:
    """Held by one run, rewrite or redraw of a book at a time."""

    def __init__(self, bundle_path: Path) -> None:
        self.bundle_path = bundle_path
        key = _key(bundle_path)
        self._lock = _lock(lock_dir() / f"{key}.generation.lock")
        self._owner = Path(self._lock.lock_file).with_name(f"{key}.owner.json")

    def acquire(self) -> None:
        """Take the lock now, or raise BookBusyError naming who holds it."""
        try:
            self._lock.acquire(timeout=0)
        except filelock.Timeout as err:
            raise BookBusyError(self._busy_message()) from err
        record = {"pid": os.getpid(), "what": _label(), "since": time.time()}
        with contextlib.suppress(OSError):
            tmp = self._owner.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(record))
            os.replace(tmp, self._owner)

    def release(self) -> None:
        with contextlib.suppress(OSError):
            if self._read_owner().get("pid") == os.getpid():
                self._owner.unlink()
        self._lock.release()

    def _read_owner(self) -> dict[str, object]:
        try:
            data = json.loads(read_bounded(self._owner, _OWNER_BYTES))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _busy_message(self) -> str:
        name = self.bundle_path.name
        owner = self._read_owner()
        pid, what, since = owner.get("pid"), owner.get("what"), owner.get("since")
        if pid == os.getpid():
            return f"{name} is already being generated in this window; wait for it to finish."
        who = "another Story Studio process"
        if isinstance(what, str) and isinstance(pid, int):
            who = f"another Story Studio process ({terminal_text(what, one_line=True)[:80]}, process {pid}"
            if isinstance(since, int | float):
                who += f", since {datetime.fromtimestamp(since).strftime('%H:%M:%S')}"
            who += ")"
        return (
            f"{name} is being generated by {who}. Wait for it to finish or stop it, then try again."
        )

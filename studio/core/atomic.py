"""Writing a file so that a reader, a crash or a full disk finds the old one or the new
one, whole: a temporary file beside the target, written, fsynced, renamed over the
target, and the folder fsynced so that the rename itself survives a power cut.

The library, the settings and the exports' folder markers all write this way.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

from studio.core.storage_errors import StorageError

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be removed there anyway
    fcntl = None  # type: ignore[assignment]

_FLAGS = (
    os.O_RDWR
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def describe_os_error(path: Path, err: OSError) -> str:
    """What went wrong writing `path`, in words a person can act on."""
    if err.errno == errno.ENOSPC:
        cause = "the disk is full"
    elif err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        cause = "the folder is read-only or not writable"
    elif err.errno == errno.EDQUOT:
        cause = "the disk quota is exceeded"
    else:
        cause = err.strerror or str(err)
    return f"Could not save {path.name} in {path.parent}: {cause}."


def create_temp(target: Path, *, suffix: str = ".tmp", mode: int = 0o600) -> tuple[Path, int]:
    """A new, empty `.NAME.XXXXXXXX<suffix>` beside `target`, and its open descriptor
    (NAME is the target's name without leading dots; X is a lowercase hex digit).

    `mode` is filtered by the umask as for any new file: 0o600 keeps the file
    private while it is written; 0o666 gives it the modes the user's other files get.
    """
    stem = target.name.lstrip(".")
    while True:
        path = target.with_name(f".{stem}.{secrets.token_hex(4)}{suffix}")
        try:
            return path, os.open(path, _FLAGS, mode)
        except FileExistsError:
            continue


def atomic_write(
    path: Path,
    data: bytes,
    *,
    mode: int = 0o600,
    suffix: str = ".tmp",
    hold_lock: bool = False,
) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, whole.

    The temporary file is `.NAME.XXXXXXXX<suffix>` beside `path`, created with
    `mode` (see `create_temp`). `hold_lock` keeps an exclusive `flock` on it while
    it exists, so that leftover cleaning in another process leaves it alone.
    Raises StorageError saying what went wrong and whether the previous copy is intact.
    """
    fd = -1
    tmp: Path | None = None
    try:
        tmp, fd = create_temp(path, suffix=suffix, mode=mode)
        locked = hold_lock and fcntl is not None
        if locked:
            fcntl.flock(fd, fcntl.LOCK_EX)  # held by `fd` until the file has its name
        handle = os.fdopen(os.dup(fd) if locked else fd, "wb")
        if not locked:
            fd = -1
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        tmp = None
        fsync_dir(path.parent)
    except OSError as err:
        kept = " The previous copy is intact." if path.exists() else ""
        raise StorageError(describe_os_error(path, err) + kept) from err
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def fsync_file(path: Path) -> None:
    """Flush a file written by other means (a PDF library, a zip writer) to the disk."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))  # Windows flushes only a writer
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; elsewhere the rename is enough)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

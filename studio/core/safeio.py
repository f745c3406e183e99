"""Bounded reads of files the studio did not necessarily write.

`read_bounded` opens without blocking (a FIFO in place of a file cannot hang
the caller), refuses anything but a regular file, checks the size before
reading and never reads more than the cap, even when the file grows.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class UnsafeFileError(OSError):
    """The path is not a regular file, or it is larger than the cap. The text says which."""


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words: "a folder", "a pipe (FIFO)", "a device"."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them.

    Raises FileNotFoundError when it is missing, UnsafeFileError when it is not
    a regular file or is larger than `limit`, other OSErrors as the OS reports them.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFileError(f"it is {file_kind(info.st_mode)}, not a file")
        if info.st_size > limit:
            raise UnsafeFileError(
                f"it is too large ({info.st_size:,} bytes; the limit is {limit:,})"
            )
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise UnsafeFileError(f"it grew past the limit of {limit:,} bytes while being read")
        return data
    finally:
        os.close(fd)

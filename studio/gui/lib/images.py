"""Pictures for widgets: read, decoded and scaled in the executor, kept in one cache.

`QImage` may be built in any thread; `QPixmap` only on the GUI thread. So the
slow part (reading, decoding, scaling) runs in the executor the app owns, and
the cheap conversion to a pixmap happens where the picture is shown. Files
are read through `read_picture_file`, which refuses FIFOs, devices and
oversized files.

Widgets that live in reference cycles (the reader's pages) keep `QImage`s,
never `QPixmap`s: a pixmap must be freed on the GUI thread, and Python's cycle
collector may run on any thread.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from concurrent.futures import Executor
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QSize, Qt
from PySide6.QtGui import QImage, QImageReader, QPixmap

from studio.core.library import read_picture_file

CACHE_BYTES = 128 * 1024 * 1024
"""How much decoded picture data the cache keeps before it drops the least recent."""


class ImageLoadError(Exception):
    """The file is missing, cannot be read, or is not a picture Qt can decode."""


def _scaled(image: QImage, max_size: QSize | None) -> QImage:
    if max_size is None or (
        image.width() <= max_size.width() and image.height() <= max_size.height()
    ):
        return image
    return image.scaled(
        max_size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def decode_image(data: bytes, max_size: QSize | None = None) -> QImage:
    """Decode picture bytes (turned upright by their EXIF orientation) and fit them
    into `max_size`. A large JPEG is decoded at a fraction of its size straight
    away. Blocking: call it in the executor."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    size = reader.size()
    if max_size is not None and size.isValid():
        fitted = size.scaled(max_size, Qt.AspectRatioMode.KeepAspectRatio)
        if fitted.width() < size.width() or fitted.height() < size.height():
            reader.setScaledSize(fitted)
    image = reader.read()
    if image.isNull():
        raise ImageLoadError("The picture data could not be decoded.")
    return _scaled(image, max_size)


def read_image(path: Path, max_size: QSize | None = None) -> QImage:
    """Read, decode and scale a picture file. Blocking: call it in the executor."""
    try:
        data = read_picture_file(path)
    except FileNotFoundError as err:
        raise ImageLoadError(f"{path.name} is missing.") from err
    except OSError as err:
        raise ImageLoadError(f"{path.name} could not be read: {err}.") from err
    try:
        return decode_image(data, max_size)
    except ImageLoadError:
        raise ImageLoadError(f"{path.name} could not be read as a picture.") from None


def scale_for_painting(image: QImage, size: QSize) -> QImage:
    """Scale to paint 1:1, in the format the raster engine blits fastest. Blocking."""
    scaled = image.scaled(
        size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    return scaled.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


async def load_image(executor: Executor | None, path: Path, max_size: QSize | None) -> QImage:
    """`read_image` off the GUI thread (not cached: for pictures shown once)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, read_image, path, max_size)


async def decode_image_bytes(
    executor: Executor | None, data: bytes, max_size: QSize | None
) -> QImage:
    """`decode_image` off the GUI thread (a streamed partial picture, say)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, decode_image, data, max_size)


async def scale_image(executor: Executor | None, image: QImage, size: QSize) -> QImage:
    """`scale_for_painting` off the GUI thread."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, scale_for_painting, image, size)


def _stamp(path: Path) -> int:
    return path.stat().st_mtime_ns


def _stamped_read(path: Path, max_size: QSize | None) -> tuple[int, QImage]:
    try:
        stamp = _stamp(path)
    except OSError as err:
        raise ImageLoadError(f"{path.name} is missing.") from err
    return stamp, read_image(path, max_size)


Key = tuple[str, int, int, int]


class ImageCache:
    """Decoded pictures by (path, size), least recently used dropped first.

    A file's modification time is part of the key, so a redrawn picture is
    never served stale. The cache is bounded by the bytes it holds.
    """

    def __init__(self, capacity_bytes: int = CACHE_BYTES) -> None:
        self.capacity_bytes = capacity_bytes
        self._items: OrderedDict[Key, QImage] = OrderedDict()
        self._bytes = 0

    @staticmethod
    def _key(path: Path, max_size: QSize | None, stamp: int) -> Key:
        size = max_size or QSize(-1, -1)
        return (str(path), size.width(), size.height(), stamp)

    def __len__(self) -> int:
        return len(self._items)

    async def image(self, executor: Executor | None, path: Path, max_size: QSize | None) -> QImage:
        """The picture at `path` fitted into `max_size`, from the cache or read off the
        GUI thread. Raises ImageLoadError."""
        loop = asyncio.get_running_loop()
        try:
            stamp = await loop.run_in_executor(executor, _stamp, path)
        except OSError as err:
            raise ImageLoadError(f"{path.name} is missing.") from err
        cached = self._items.get(self._key(path, max_size, stamp))
        if cached is not None:
            self._items.move_to_end(self._key(path, max_size, stamp))
            return cached
        stamp, image = await loop.run_in_executor(executor, _stamped_read, path, max_size)
        self._put(self._key(path, max_size, stamp), image)
        return image

    async def pixmap(
        self, executor: Executor | None, path: Path, max_size: QSize | None
    ) -> QPixmap:
        """`image`, made a pixmap here on the GUI thread."""
        return QPixmap.fromImage(await self.image(executor, path, max_size))

    def _put(self, key: Key, image: QImage) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self._bytes -= old.sizeInBytes()
        self._items[key] = image
        self._bytes += image.sizeInBytes()
        while self._bytes > self.capacity_bytes and len(self._items) > 1:
            _, dropped = self._items.popitem(last=False)
            self._bytes -= dropped.sizeInBytes()

    def forget(self, folder: Path) -> None:
        """Drop the pictures under `folder` (a book that is no longer shown)."""
        for key in [k for k in self._items if Path(k[0]).is_relative_to(folder)]:
            self._bytes -= self._items.pop(key).sizeInBytes()

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0


image_cache = ImageCache()
"""The one cache every view reads pictures through."""

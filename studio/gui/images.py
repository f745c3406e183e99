"""Pictures for widgets: decoded and scaled in the executor, made pixmaps on the GUI thread.

`QImage` may be built in any thread; `QPixmap` only on the GUI thread. So the
slow part (reading, decoding, scaling) runs in `context.executor`, and the
cheap conversion happens where the pixmap is shown.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from concurrent.futures import Executor
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap

from studio.core.library import read_picture_file


class HasExecutor(Protocol):
    executor: Executor


class ImageLoadError(Exception):
    """The file is missing or is not a picture Qt can read."""


def _scaled(image: QImage, max_size: QSize | None) -> QImage:
    if max_size is None or (
        image.width() <= max_size.width() and image.height() <= max_size.height()
    ):
        return image
    return image.scaled(
        max_size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def read_qimage(path: Path, max_size: QSize | None = None) -> QImage:
    """Decode and scale a picture file. Blocking: call it in the executor."""
    try:
        data = read_picture_file(path)
    except FileNotFoundError:
        raise
    except OSError as err:
        raise ImageLoadError(f"{path.name} could not be read: {err}.") from err
    image = QImage.fromData(data)
    if image.isNull():
        raise ImageLoadError(f"{path.name} could not be read as a picture.")
    return _scaled(image, max_size)


def decode_qimage(data: bytes, max_size: QSize | None = None) -> QImage:
    """Decode and scale encoded picture bytes. Blocking: call it in the executor."""
    image = QImage.fromData(data)
    if image.isNull():
        raise ImageLoadError("The picture data could not be decoded.")
    return _scaled(image, max_size)


async def load_qimage(context: HasExecutor, path: Path | str, max_size: QSize | None) -> QImage:
    """Read `path` into a QImage no larger than `max_size`, off the GUI thread."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(context.executor, read_qimage, Path(path), max_size)


async def decode_image_bytes(context: HasExecutor, data: bytes, max_size: QSize | None) -> QImage:
    """Decode picture bytes (a streamed partial, say) off the GUI thread."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(context.executor, decode_qimage, data, max_size)


class PixmapCache:
    """Pixmaps by (path, size), least recently used dropped first.

    A file's modification time is part of the key, so a redrawn picture is
    never served stale.
    """

    def __init__(self, capacity: int = 400) -> None:
        self.capacity = capacity
        self._items: OrderedDict[tuple[str, int, int, int], QPixmap] = OrderedDict()

    @staticmethod
    def _key(path: Path | str, max_size: QSize, stamp: int) -> tuple[str, int, int, int]:
        return (str(path), max_size.width(), max_size.height(), stamp)

    def get(self, path: Path | str, max_size: QSize, stamp: int = 0) -> QPixmap | None:
        key = self._key(path, max_size, stamp)
        pixmap = self._items.get(key)
        if pixmap is not None:
            self._items.move_to_end(key)
        return pixmap

    def put(self, path: Path | str, max_size: QSize, image: QImage, stamp: int = 0) -> QPixmap:
        """Convert (on the GUI thread) and remember."""
        pixmap = QPixmap.fromImage(image)
        self._items[self._key(path, max_size, stamp)] = pixmap
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
        return pixmap

    async def pixmap(self, context: HasExecutor, path: Path | str, max_size: QSize) -> QPixmap:
        """The cached pixmap, or one loaded off the GUI thread and cached."""
        loop = asyncio.get_running_loop()
        try:
            stamp = await loop.run_in_executor(context.executor, _mtime_ns, Path(path))
        except OSError as err:
            raise ImageLoadError(f"{Path(path).name} is missing.") from err
        cached = self.get(path, max_size, stamp)
        if cached is not None:
            return cached
        image = await load_qimage(context, path, max_size)
        return self.put(path, max_size, image, stamp)

    def clear(self) -> None:
        self._items.clear()


def _mtime_ns(path: Path) -> int:
    return path.stat().st_mtime_ns


pixmap_cache = PixmapCache()
"""The shared cache every view uses."""

"""The one picture loader: read, decode and scale off the GUI thread, and its cache."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QSize

from studio.gui.lib.images import (
    ImageCache,
    ImageLoadError,
    decode_image,
    image_cache,
    load_image,
    read_image,
)


def _picture(path: Path, size: tuple[int, int], colour: str = "teal", **save: object) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", **save)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(2) as executor:
        yield executor


def test_a_picture_is_fitted_into_the_size_asked_for(tmp_path: Path) -> None:
    path = _picture(tmp_path / "wide.jpg", (800, 400))
    image = read_image(path, QSize(200, 200))
    assert (image.width(), image.height()) == (200, 100)
    assert read_image(path).width() == 800


def test_an_exif_rotated_photo_is_shown_upright(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: rotate 90° clockwise to view
    path = _picture(tmp_path / "photo.jpg", (300, 200), exif=exif.tobytes())
    image = read_image(path)
    assert (image.width(), image.height()) == (200, 300)


def test_what_cannot_be_shown_says_why(tmp_path: Path) -> None:
    with pytest.raises(ImageLoadError, match=r"gone\.jpg is missing"):
        read_image(tmp_path / "gone.jpg")
    (tmp_path / "notes.jpg").write_text("not a picture")
    with pytest.raises(ImageLoadError, match="could not be read as a picture"):
        read_image(tmp_path / "notes.jpg")
    with pytest.raises(ImageLoadError):
        decode_image(b"\x89PNG broken")


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(ImageLoadError, match="could not be read"):
        read_image(fifo)


async def test_the_cache_serves_a_picture_until_its_file_changes(
    tmp_path: Path, pool: ThreadPoolExecutor
) -> None:
    cache = ImageCache()
    path = _picture(tmp_path / "p.jpg", (400, 400), "teal")
    size = QSize(100, 100)
    first = await cache.image(pool, path, size)
    assert await cache.image(pool, path, size) is first
    _picture(path, (400, 400), "orange")
    stamp = path.stat().st_mtime_ns + 1_000_000
    os.utime(path, ns=(stamp, stamp))
    redrawn = await cache.image(pool, path, size)
    assert redrawn is not first and redrawn.pixelColor(50, 50).red() > 200
    pixmap = await cache.pixmap(pool, path, size)
    assert pixmap.width() == 100


async def test_the_cache_keeps_to_its_budget_and_forgets_a_closed_book(
    tmp_path: Path, pool: ThreadPoolExecutor
) -> None:
    one_picture = 100 * 100 * 4
    cache = ImageCache(capacity_bytes=2 * one_picture)
    book = tmp_path / "book.storybook"
    book.mkdir()
    paths = [_picture(book / f"{n}.jpg", (100, 100)) for n in range(3)]
    for path in paths:
        await cache.image(pool, path, None)
    assert len(cache) == 2, "the least recently used picture was dropped"
    other = _picture(tmp_path / "cover.jpg", (10, 10))
    await cache.image(pool, other, None)
    cache.forget(book)
    assert len(cache) == 1


async def test_loading_off_the_gui_thread(tmp_path: Path, pool: ThreadPoolExecutor) -> None:
    path = _picture(tmp_path / "p.jpg", (64, 32))
    image = await load_image(pool, path, QSize(32, 32))
    assert (image.width(), image.height()) == (32, 16)
    with pytest.raises(ImageLoadError):
        await image_cache.image(pool, tmp_path / "missing.jpg", None)

"""Book view tests: a qasync loop, a small real book on disk, and checks for leftovers.

Every async test here runs on a qasync `QEventLoop`, so Qt signals, timers and
asyncio tasks share one loop as they do in the app. After each test no window
may be left open and no asyncio task may still be pending.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import io
import math
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

import pytest
import pytest_asyncio
import qasync
import shiboken6
from PIL import Image, ImageDraw
from PySide6.QtWidgets import QApplication

from studio.core import imaging
from studio.core.book import (
    Book,
    Character,
    GenerationSettings,
    Illustration,
    ImageStatus,
    ImageVersion,
    Page,
    PlanStatus,
    StyleGuide,
    TextVersion,
)
from studio.core.library import Bundle, Library
from studio.core.settings import AppSettings
from studio.gui.book_view import BookView
from studio.gui.context import AppContext
from studio.gui.lib.theme import apply_theme, load_fonts

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"

TEXTS = [
    "Pip the hedgehog woke before the sun and found a silver key under the old oak tree.",
    "He carried it past the sleeping sheep and over the stream, where the water sang to him.",
    "At the top of the hill stood a tiny red door, just the right size for a hedgehog.",
    "Behind it waited his friends with a cake, for it was Pip's birthday, and he had forgotten.",
]
OLD_TEXT = "Pip woke up early. He found a key."
SCENES = [
    "A small hedgehog under a great oak at dawn, a silver key glinting in the grass.",
    "The hedgehog crossing a stream on stepping stones, sheep asleep on the bank.",
    "A hill with a tiny red door set into it, the hedgehog looking up at it.",
    "Friends gathered around a cake inside a cosy burrow, lanterns glowing.",
]
PALETTES = [
    ((255, 214, 170), (150, 190, 235), (96, 150, 88)),
    ((186, 220, 245), (120, 175, 230), (84, 140, 96)),
    ((250, 200, 160), (180, 150, 220), (120, 150, 80)),
    ((60, 50, 90), (120, 90, 140), (150, 100, 70)),
]


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Any]:
    return {"qasync": _qasync_loop}


def _qasync_loop() -> asyncio.AbstractEventLoop:
    app = QApplication.instance() or QApplication([])
    return qasync.QEventLoop(app)


@functools.cache
def paint(seed: int, size: int = 768, *, fmt: str = "PNG", variant: int = 0) -> bytes:
    """A small landscape: sky, sun, rolling hills and a tree; different per seed and variant."""
    dawn, sky, ground = PALETTES[seed % len(PALETTES)]
    if variant:
        sky = tuple(max(0, c - 40 * variant) for c in sky)
        ground = tuple(min(255, c + 50 * variant) for c in ground)
    img = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(img)
    for y in range(size):
        t = y / size
        color = tuple(int(a * (1 - t) + b * t) for a, b in zip(sky, dawn, strict=True))
        draw.line([(0, y), (size, y)], fill=color)
    r = size // 11
    cx, cy = size * (0.25 + 0.17 * seed), size * 0.3
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(252, 226, 140))
    for i in range(3):
        base = size * (0.6 + 0.12 * i)
        points = [
            (x, base - size * 0.05 * math.sin(x / size * 5 + seed + i * 1.7))
            for x in range(0, size + 8, 8)
        ]
        shade = tuple(max(0, c - 18 * i) for c in ground)
        draw.polygon([*points, (size, size), (0, size)], fill=shade)
    tx, ty = size * 0.72, size * 0.58
    draw.rectangle((tx - 9, ty, tx + 9, ty + size * 0.14), fill=(110, 78, 50))
    draw.ellipse((tx - 60, ty - 90, tx + 60, ty + 20), fill=(60, 120, 70))
    out = io.BytesIO()
    img.save(out, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


@functools.cache
def renditions(data: bytes) -> imaging.Renditions:
    return imaging.make_renditions(data)


def store_picture(bundle: Bundle, tag: str, data: bytes, prompt: str, age: int) -> ImageVersion:
    """Write a picture's renditions into the bundle as the pipeline does."""
    rendered = renditions(data)
    version = ImageVersion(
        original=f"{tag}.{rendered.info.extension}",
        display=f"{tag}-display.jpg",
        thumbnail=f"{tag}-thumb.jpg",
        prompt=prompt,
        model="test-painter",
        width=rendered.info.width,
        height=rendered.info.height,
        created_at=datetime.now(UTC) - timedelta(minutes=age),
    )
    bundle.write_image(version.original, rendered.original)
    bundle.write_image(version.display, rendered.display)
    bundle.write_image(version.thumbnail, rendered.thumbnail)
    return version


def make_book(library: Library, *, engine: str = "offline") -> Bundle:
    """Four finished pages with real pictures; page 1 has an earlier text and picture."""
    settings = GenerationSettings(premise="A hedgehog finds a key on his birthday", pages=4)
    settings.engine = engine
    book = Book(
        title="Pip and the Silver Key",
        settings=settings,
        plan_status=PlanStatus.DONE,
        style=StyleGuide(
            art_style="soft watercolour picture-book illustration",
            palette="warm ochres, sage green, dusk blue",
            medium="watercolour and ink on cotton paper",
        ),
        characters=[Character(name="Pip", description="a small brown hedgehog with a green scarf")],
    )
    bundle = library.create(book)
    for i, (text, scene) in enumerate(zip(TEXTS, SCENES, strict=True)):
        fmt = "JPEG" if i % 2 else "PNG"
        current = store_picture(bundle, f"p{i + 1:03d}-a", paint(i, fmt=fmt), scene, age=5)
        page = Page(
            number=i + 1,
            text=text,
            scene=scene,
            characters=["Pip"],
            image=Illustration(status=ImageStatus.DONE, current=current),
        )
        book.pages.append(page)
    first = book.pages[0]
    first.text_history.append(
        TextVersion(
            text=OLD_TEXT, scene=SCENES[0], created_at=datetime.now(UTC) - timedelta(hours=2)
        )
    )
    first.image.history.append(
        store_picture(bundle, "p001-old", paint(0, variant=1), SCENES[0], age=120)
    )
    bundle.save(book)
    return bundle


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def themed_app(qapp: QApplication) -> QApplication:
    """The app's own fonts, palette and styles, so screenshots look like the app."""
    load_fonts()
    apply_theme(qapp, dark=False)
    return qapp


@pytest.fixture(autouse=True)
def earlier_loops_collected() -> None:
    """Collect the qasync loops of earlier tests here, on the GUI thread.

    A closed loop stays in reference cycles with QObjects that own Qt timers. If
    the cycle collector first runs in a worker thread (a picture being painted),
    Qt cannot stop those timers there and later fires one at a deleted object.
    """
    gc.collect()


@pytest_asyncio.fixture(autouse=True)
async def nothing_left_behind() -> AsyncIterator[None]:
    """Fail a test that leaves a window open or an asyncio task running."""
    yield
    me = asyncio.current_task()
    deadline = time.monotonic() + 2.0
    pending = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
    while pending and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        pending = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
    assert not pending, f"asyncio tasks still pending after the test: {pending}"
    windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    for window in windows:
        window.close()
    assert not windows, f"windows left open after the test: {windows}"


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="test-work")
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    lib = Library(tmp_path / "library")
    lib.ensure()
    return lib


@pytest.fixture
def bundle(library: Library) -> Bundle:
    return make_book(library)


@pytest_asyncio.fixture
async def context(library: Library, executor: ThreadPoolExecutor) -> AsyncIterator[AppContext]:
    ctx = AppContext(
        library, executor, AppSettings(engine="offline"), offline_delay=0.0, persist_settings=False
    )
    yield ctx
    await ctx.aclose()


@pytest_asyncio.fixture
async def view(context: AppContext) -> AsyncIterator[BookView]:
    widget = BookView(context)
    widget.resize(1360, 860)
    widget.show()
    yield widget
    await widget.close_book()
    widget.close()
    shiboken6.delete(widget)


async def wait_until(predicate: Callable[[], object], seconds: float = 5.0) -> None:
    """Let the loop run until `predicate()` is true (never a nested Qt loop)."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not become true in time")
        await asyncio.sleep(0.02)


def screenshots_on() -> bool:
    return os.environ.get("STUDIO_SCREENSHOTS") == "1"


def screenshot(widget: Any, name: str) -> Path | None:
    """Save `widget` as screenshots/<name>.png when STUDIO_SCREENSHOTS=1."""
    if not screenshots_on():
        return None
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    widget.grab().save(str(path))
    return path

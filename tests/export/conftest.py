"""A small finished book on disk, built with real pictures, for the export tests."""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from studio.core import imaging
from studio.core.book import (
    Book,
    GenerationSettings,
    Illustration,
    ImageStatus,
    ImageVersion,
    Page,
    PlanStatus,
    Review,
    ReviewState,
)
from studio.core.library import Bundle, Library

TEXTS = [
    "Milo the fox found a lantern at the edge of the wood.",
    'It glowed "like a tiny moon" & hummed a song only foxes could hear.',
    "<script>alert(1)</script> Tom & Jerry <b>were</b> not invited.",
    "Together they followed the light over the hill,\npast the sleeping sheep.\n\nAnd home again.",
]

BookFactory = Callable[..., tuple[Bundle, Book]]


@functools.cache
def picture(width: int, height: int, seed: int) -> bytes:
    """A soft landscape: sky gradient, hills, a sun; different for every seed."""
    img = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(img)
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)], fill=(int(120 + 100 * t), int(170 + 50 * t), 235 - seed * 20)
        )
    for i in range(3):
        base = height * (0.62 + 0.1 * i)
        points = [
            (x, base - 40 * math.sin(x / width * 6 + seed + i)) for x in range(0, width + 8, 8)
        ]
        draw.polygon([*points, (width, height), (0, height)], fill=(70 + 30 * i, 140 - 15 * i, 80))
    r = width // 10
    cx, cy = width * (0.2 + 0.15 * seed), height * 0.25
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(250, 214, 110))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@functools.cache
def _renditions(size: tuple[int, int], seed: int) -> imaging.Renditions:
    return imaging.make_renditions(picture(*size, seed=seed))


def _illustration(bundle: Bundle, number: int, size: tuple[int, int]) -> Illustration:
    r = _renditions(size, number)
    names = (f"p{number}-orig.png", f"p{number}-display.jpg", f"p{number}-thumb.jpg")
    for name, data in zip(names, (r.original, r.display, r.thumbnail), strict=True):
        bundle.write_image(name, data)
    version = ImageVersion(
        original=names[0], display=names[1], thumbnail=names[2],
        prompt=f"scene {number}", model="test-painter", width=size[0], height=size[1],
    )  # fmt: skip
    return Illustration(status=ImageStatus.DONE, current=version)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    lib = Library(tmp_path / "library")
    lib.ensure()
    return lib


def build_book(
    library: Library,
    pages: int = 4,
    size: tuple[int, int] = (1024, 1024),
    failed: tuple[int, ...] = (),
) -> tuple[Bundle, Book]:
    """A finished book of `pages` pages with real pictures, saved in `library`."""
    book = Book(
        title="Milo and the Lantern",
        settings=GenerationSettings(premise="A fox finds a lantern", pages=max(pages, 2)),
        plan_status=PlanStatus.DONE,
    )
    bundle = library.create(book)
    for n in range(1, pages + 1):
        book.pages.append(_page(bundle, n, size, n in failed))
    bundle.save(book)
    return bundle, book


def _page(bundle: Bundle, n: int, size: tuple[int, int], failed: bool) -> Page:
    page = Page(
        number=n,
        text=TEXTS[(n - 1) % len(TEXTS)],
        scene=f'Milo the red fox on a hill at dusk, scene {n} <with> "quotes"',
        characters=["Milo"],
    )
    if failed:
        page.image = Illustration(status=ImageStatus.FAILED, error="The server said no (500).")
    else:
        page.image = _illustration(bundle, n, size)
    if n == 2:
        page.review = Review(state=ReviewState.NEEDS_CHANGES, notes="Make the lantern <brighter>.")
    return page


@pytest.fixture
def make_book(library: Library) -> BookFactory:
    """make_book(pages=4, size=(1024, 1024), failed=()) -> (bundle, book), saved."""
    return functools.partial(build_book, library)


@pytest.fixture
def book(make_book: BookFactory) -> tuple[Bundle, Book]:
    return make_book()

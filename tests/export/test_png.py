from __future__ import annotations

import json

from PIL import Image

from studio.export import ExportOptions, export_book_sync
from studio.export.output import MARKER


def test_one_picture_per_page_with_text_band(make_book, tmp_path):
    bundle, book = make_book(pages=3, failed=(2,))
    result = export_book_sync(bundle, book, ExportOptions("png", tmp_path / "pages"))
    files = sorted(p.name for p in result.path.iterdir() if p.name != MARKER)
    assert files == ["page-001.png", "page-002.png", "page-003.png"]
    assert sorted(json.loads((result.path / MARKER).read_text())["files"]) == files
    for name in files:
        with Image.open(result.path / name) as image:
            image.load()
            assert image.format == "PNG"
            assert image.width == 1024
            assert 1024 + 300 <= image.height <= 1024 + 600
    assert any("Page 2" in w for w in result.warnings)


def test_text_is_drawn_below_the_picture(make_book, tmp_path):
    bundle, book = make_book(pages=1)
    result = export_book_sync(bundle, book, ExportOptions("png", tmp_path / "pages"))
    with Image.open(result.path / "page-001.png") as image:
        band = image.convert("L").crop((0, 1024, image.width, image.height))
        darkest, _ = band.getextrema()
    assert darkest < 100  # dark ink on the light paper band

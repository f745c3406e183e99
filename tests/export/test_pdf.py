from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from studio.export import ExportOptions, export_book_sync
from tests.export.conftest import TEXTS, BookFactory


def _export(make_book: BookFactory, out: Path, preset: str = "screen", **kw: Any) -> Any:
    bundle, book = make_book(**kw)
    return export_book_sync(bundle, book, ExportOptions("pdf", out, preset))


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _fonts(reader: PdfReader) -> list[Any]:
    fonts = []
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        for font in resources.get("/Font", {}).values():
            fonts.append(font.get_object())
    return fonts


def test_cover_then_one_page_per_book_page_with_searchable_text(make_book, tmp_path):
    result = _export(make_book, tmp_path / "book.pdf")
    reader = PdfReader(result.path)
    assert len(reader.pages) == 1 + 4
    assert "Milo and the Lantern" in reader.pages[0].extract_text()
    for number, text in enumerate(TEXTS, start=1):
        page_text = _words(reader.pages[number].extract_text())
        assert _words(text.replace("\n", " ")) in page_text
    assert result.warnings == []


def test_fonts_are_embedded(make_book, tmp_path):
    reader = PdfReader(_export(make_book, tmp_path / "book.pdf").path)
    fonts = _fonts(reader)
    assert fonts
    for font in fonts:
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, font["/BaseFont"]


def test_pictures_go_in_at_full_resolution(make_book, tmp_path):
    reader = PdfReader(_export(make_book, tmp_path / "book.pdf", pages=2, size=(1400, 1400)).path)
    widths = [image.image.width for image in reader.pages[1].images]
    assert widths == [1400]  # the original, not the 1280 px display rendition


@pytest.mark.parametrize(
    ("preset", "trim", "media"),
    [
        ("print-square", (612.0, 612.0), (630.0, 630.0)),
        ("print-a4", (595.2756, 841.8898), (613.2756, 859.8898)),
    ],
)
def test_print_presets_set_trim_and_bleed_boxes(make_book, tmp_path, preset, trim, media):
    result = _export(make_book, tmp_path / "book.pdf", preset)
    for page in PdfReader(result.path).pages:
        assert [float(v) for v in page.mediabox] == pytest.approx([0, 0, *media], abs=0.01)
        assert [float(v) for v in page.bleedbox] == pytest.approx([0, 0, *media], abs=0.01)
        box = [float(v) for v in page.trimbox]
        assert box == pytest.approx([9, 9, 9 + trim[0], 9 + trim[1]], abs=0.01)
        assert box[2] - box[0] == pytest.approx(trim[0], abs=0.01)


def test_print_preset_warns_about_low_resolution_pictures(make_book, tmp_path):
    result = _export(make_book, tmp_path / "book.pdf", "print-square", pages=2)
    assert len(result.warnings) == 2
    assert re.fullmatch(
        r"Page 1's picture is 1024 px wide, \d+ DPI at print size; 300 DPI needs \d+ px\.",
        result.warnings[0],
    )


def test_screen_preset_has_no_bleed(make_book, tmp_path):
    page = PdfReader(_export(make_book, tmp_path / "book.pdf").path).pages[1]
    assert [float(v) for v in page.mediabox] == [0, 0, 576, 576]
    assert page.trimbox == page.mediabox


def test_missing_picture_gives_placeholder_and_warning(make_book, tmp_path):
    result = _export(make_book, tmp_path / "book.pdf", failed=(3,))
    reader = PdfReader(result.path)
    assert len(reader.pages) == 5
    assert "not ready yet" in reader.pages[3].extract_text()
    assert any("Page 3" in w and "server said no" in w for w in result.warnings)


def test_notes_are_added_on_request(book, tmp_path):
    bundle, story = book
    options = ExportOptions("pdf", tmp_path / "book.pdf", include_notes=True)
    reader = PdfReader(export_book_sync(bundle, story, options).path)
    assert len(reader.pages) == 6
    notes = _words(reader.pages[5].extract_text())
    assert "Review notes" in notes
    assert "Make the lantern <brighter>." in notes

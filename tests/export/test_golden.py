"""The EPUB's and the web export's text, compared with reference copies in golden/.

A change to what a reader gets shows as a unified diff. When the change is
meant, rewrite the references and review them with `git diff`:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/export/test_golden.py
"""

from __future__ import annotations

import difflib
import os
import re
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from studio.core.book import Book
from studio.core.library import Bundle, Library
from studio.export import ExportOptions, export_book_sync
from tests.export.conftest import build_book

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
BOOK_ID = "6f1c0c2e8a4b4d0e9b1a2c3d4e5f6a7b"
WHEN = datetime(2024, 5, 17, 9, 30, tzinfo=UTC)
WHEN_TEXT = "2024-05-17T09:30"
EPUB_TEXT = (".xhtml", ".opf", ".css", ".xml", ".ncx")

_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def normalise(text: str) -> str:
    """The book's own id and dates stay as they are; a time or uuid the export makes up
    itself (the moment of export, a fresh identifier) reads the same on every run."""
    fixed_uuid = str(uuid.UUID(BOOK_ID))
    text = _TIMESTAMP.sub(lambda m: m[0] if m[0].startswith(WHEN_TEXT) else "<TIMESTAMP>", text)
    return _UUID.sub(lambda m: m[0] if m[0].lower() == fixed_uuid else "<UUID>", text)


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    actual = normalise(actual)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    if not path.is_file():
        pytest.fail(f"{path} is missing; write it with UPDATE_GOLDEN=1")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            f"golden/{name}",
            f"exported {name}",
        )
        pytest.fail(
            f"{name} differs from its golden copy (UPDATE_GOLDEN=1 rewrites it):\n" + "".join(diff),
            pytrace=False,
        )


@pytest.fixture
def fixed_book(library: Library) -> tuple[Bundle, Book]:
    """Three small pages, the third one's picture failed, with a fixed id and dates."""
    bundle, book = build_book(library, pages=3, size=(256, 256), failed=(3,))
    book.id = BOOK_ID
    book.created_at = book.updated_at = WHEN
    return bundle, book


def test_the_epub_text_matches_the_golden_copies(
    fixed_book: tuple[Bundle, Book], tmp_path: Path
) -> None:
    bundle, book = fixed_book
    options = ExportOptions("epub", tmp_path / "book.epub", include_notes=True)
    result = export_book_sync(bundle, book, options)
    with zipfile.ZipFile(result.path) as zf:
        names = zf.namelist()
        assert_golden("epub/entries.txt", "".join(f"{n}\n" for n in names))
        texts = [n for n in names if n.endswith(EPUB_TEXT)]
        assert "OEBPS/content.opf" in texts and "OEBPS/nav.xhtml" in texts
        for name in texts:
            assert_golden(f"epub/{name}", zf.read(name).decode("utf-8"))


def test_the_web_export_matches_the_golden_copies(
    fixed_book: tuple[Bundle, Book], tmp_path: Path
) -> None:
    bundle, book = fixed_book
    options = ExportOptions("html", tmp_path / "web", include_notes=True)
    folder = export_book_sync(bundle, book, options).path
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert_golden("html/files.txt", "".join(f"{f}\n" for f in files))
    for name in ("index.html", "style.css"):
        assert_golden(f"html/{name}", (folder / name).read_text(encoding="utf-8"))


def test_a_changed_export_shows_as_a_diff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}.GOLDEN", tmp_path)
    monkeypatch.setattr(f"{__name__}.UPDATE", False)
    (tmp_path / "page.xhtml").write_text("<p>Milo</p>\n<p>the fox</p>\n", encoding="utf-8")
    assert_golden("page.xhtml", "<p>Milo</p>\n<p>the fox</p>\n")
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_golden("page.xhtml", "<p>Milo</p>\n<p>the bear</p>\n")
    message = str(failed.value)
    assert "--- golden/page.xhtml" in message and "+++ exported page.xhtml" in message
    assert "-<p>the fox</p>" in message and "+<p>the bear</p>" in message


def test_only_made_up_times_and_ids_are_normalised() -> None:
    own = f"urn:uuid:{uuid.UUID(BOOK_ID)} 2024-05-17T09:30:00Z"
    assert normalise(own) == own
    made_up = f"urn:uuid:{uuid.uuid4()} 2031-01-02T03:04:05.678+00:00"
    assert normalise(made_up) == "urn:uuid:<UUID> <TIMESTAMP>"

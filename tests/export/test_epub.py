from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from studio.export import ExportOptions, export_book_sync
from tests.tools import missing_tool

XHTML = "{http://www.w3.org/1999/xhtml}"


def _epubcheck() -> list[str] | None:
    """The epubcheck command: $EPUBCHECK, else `epubcheck` on PATH (Debian ships it as a jar)."""
    found = os.environ.get("EPUBCHECK") or shutil.which("epubcheck")
    if not found:
        return None
    path = Path(found).resolve()
    with path.open("rb") as handle:
        is_jar = path.suffix == ".jar" or handle.read(2) == b"PK"
    return ["java", "-XX:TieredStopAtLevel=1", "-jar", str(path)] if is_jar else [str(path)]


@pytest.fixture
def epub(book, tmp_path) -> tuple[Path, list[str]]:
    bundle, story = book
    story.pages[2].image.status = story.pages[2].image.status.FAILED
    options = ExportOptions("epub", tmp_path / "book.epub", include_notes=True)
    result = export_book_sync(bundle, story, options)
    return result.path, result.warnings


def test_passes_epubcheck_without_errors(epub):
    command = _epubcheck()
    if command is None:
        missing_tool("epubcheck is not installed (apt-get install -y epubcheck)")
    run = subprocess.run([*command, str(epub[0])], capture_output=True, text=True, timeout=120)
    output = run.stdout + run.stderr
    counts = re.search(r"(\d+) fatals / (\d+) errors", output)
    assert counts, output
    assert counts.groups() == ("0", "0"), output
    assert run.returncode == 0, output


def test_mimetype_comes_first_and_stored(epub):
    with zipfile.ZipFile(epub[0]) as zf:
        first = zf.infolist()[0]
        assert first.filename == "mimetype"
        assert first.compress_type == zipfile.ZIP_STORED
        assert zf.read("mimetype") == b"application/epub+zip"


def test_pages_are_well_formed_with_escaped_text_and_alt_text(epub):
    with zipfile.ZipFile(epub[0]) as zf:
        pages = sorted(n for n in zf.namelist() if re.fullmatch(r"OEBPS/page-\d{3}\.xhtml", n))
        assert len(pages) == 4
        trees = [ElementTree.fromstring(zf.read(n)) for n in pages]
    texts = ["".join(t.itertext()) for t in trees]
    assert "<script>alert(1)</script> Tom & Jerry <b>were</b> not invited." in texts[2]
    assert not list(trees[2].iter(f"{XHTML}script"))
    images = [img for t in trees for img in t.iter(f"{XHTML}img")]
    assert len(images) == 3  # page 3's picture failed
    assert all(img.get("alt", "").startswith("Milo the red fox") for img in images)


def test_metadata_and_cover(epub, book):
    with zipfile.ZipFile(epub[0]) as zf:
        opf = zf.read("OEBPS/content.opf").decode()
    assert f"urn:uuid:{book[1].id[:8]}" in opf
    assert "<dc:title>Milo and the Lantern</dc:title>" in opf
    assert 'properties="cover-image"' in opf
    assert any("Page 3" in w for w in epub[1])

"""Every script prints: pages in eight scripts, exported to PDF and PNG, read back with OCR.

The exports are rendered (pdftoppm for the PDF) and read with tesseract in the
page's language; the text that comes back must match the page's text, letter
for letter and in order, to a difflib similarity of at least SIMILARITY after
dropping spaces and punctuation (which OCR reads unreliably in any script).
Measured on Debian 12's tesseract 5.3 with its jpn, chi_sim, ara, heb, hin,
tha, ell and rus data, over each page's whole text: PDF 0.96-1.00 (Greek
0.955, Thai 0.98), PNG 0.96-1.00. What the bound keeps out, measured the same
way: boxes score 0.0, Hebrew drawn left to right 0.21, Arabic unjoined and
left to right 0.32. OCR reads unshaped Devanagari almost as well as shaped
(0.97), so tests/export/test_typeset.py checks the syllables' glyphs directly.
Print the figures with `pytest -s tests/export/test_scripts.py -k read_back`.
"""

from __future__ import annotations

import difflib
import re
import subprocess
import unicodedata
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PIL import Image
from pypdf import PdfReader

from studio.core.book import Book
from studio.core.library import Bundle
from studio.export import ExportOptions, export_book_sync
from studio.export.fonts import cjk_face
from tests.export.conftest import BookFactory
from tests.tools import require_tesseract_languages, require_tools

SIMILARITY = 0.8

# language tag: (tesseract data, the page's text)
PAGES = {
    "ja": ("jpn", "小さな猫は月がとても好きでした。毎晩、屋根の上に座って空を見上げました。"),
    "zh": ("chi_sim", "小猫非常喜欢月亮。每天晚上，它都坐在屋顶上仰望天空。"),
    "ar": (
        "ara",
        "كانت القطة الصغيرة تحب القمر كثيرا. كل ليلة كانت تجلس على السطح وتنظر إلى السماء.",
    ),
    "he": ("heb", "החתולה הקטנה אהבה מאוד את הירח. בכל לילה היא ישבה על הגג והסתכלה בשמיים."),
    "hi": ("hin", "छोटी बिल्ली को चाँद से बहुत प्यार था। हर रात वह छत पर बैठकर आसमान को देखती थी।"),
    "th": ("tha", "แมวน้อยรักพระจันทร์มาก ทุกคืนมันจะนั่งบนหลังคาและมองดูท้องฟ้า"),
    "el": ("ell", "Η μικρή γάτα αγαπούσε πολύ το φεγγάρι. Κάθε βράδυ καθόταν στη στέγη."),
    "ru": ("rus", "Маленькая кошка очень любила луну. Каждую ночь она сидела на крыше."),
}
CJK = {"ja", "zh"}


def _book(make_book: BookFactory, lang: str) -> tuple[Bundle, Book]:
    bundle, book = make_book(pages=2)
    book.settings.language = lang
    book.title = PAGES[lang][1].split()[0][:10]
    for page in book.pages:
        page.text = PAGES[lang][1]
    bundle.save(book)
    return bundle, book


def _need_fonts(lang: str) -> None:
    if lang in CJK and cjk_face(lang) is None:
        from tests.tools import missing_tool

        missing_tool("no CJK font is installed (apt-get install fonts-noto-cjk)")


def normalised(text: str) -> str:
    """Letters, marks and digits only, in NFC: what OCR is asked to get right."""
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if unicodedata.category(c)[0] in "LMN")


def similarity(expected: str, read: str) -> float:
    return difflib.SequenceMatcher(None, normalised(expected), normalised(read)).ratio()


def ocr(image: Path, tesseract_lang: str) -> str:
    run = subprocess.run(
        ["tesseract", str(image), "-", "-l", tesseract_lang, "--psm", "6"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return run.stdout


def _text_band(image: Path, top: float, out: Path) -> Path:
    """The part of a page below `top` (a share of its height, or pixels when over 1)."""
    with Image.open(image) as page:
        y = round(top if top > 1 else page.height * top)
        page.crop((0, y, page.width, page.height)).save(out)
    return out


def _pdf_text_image(pdf: Path, tmp_path: Path) -> Path:
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "2", "-l", "2", str(pdf), str(tmp_path / "p")],
        check=True, timeout=120,
    )  # fmt: skip
    rendered = next(tmp_path.glob("p-*2.png"))
    # On the screen preset the picture stops 30 % of the page above the bottom edge.
    return _text_band(rendered, 0.71, tmp_path / "pdf-text.png")


@pytest.mark.parametrize("lang", PAGES)
def test_pdf_pages_read_back_in_every_script(make_book, tmp_path, lang):
    require_tools("pdftoppm", "pdffonts")
    require_tesseract_languages(PAGES[lang][0])
    _need_fonts(lang)
    bundle, book = _book(make_book, lang)
    result = export_book_sync(bundle, book, ExportOptions("pdf", tmp_path / "book.pdf"))
    assert not [w for w in result.warnings if "font" in w], result.warnings
    read = ocr(_pdf_text_image(result.path, tmp_path), PAGES[lang][0])
    score = similarity(PAGES[lang][1], read)
    print(f"OCR similarity {lang}: {score:.3f}")
    assert score >= SIMILARITY, f"{lang}: {score:.2f}, read {read!r}"


@pytest.mark.parametrize("lang", PAGES)
def test_png_pages_read_back_in_every_script(make_book, tmp_path, lang):
    require_tesseract_languages(PAGES[lang][0])
    _need_fonts(lang)
    bundle, book = _book(make_book, lang)
    result = export_book_sync(bundle, book, ExportOptions("png", tmp_path / "pages"))
    assert not [w for w in result.warnings if "font" in w or "raqm" in w], result.warnings
    below_picture = 1024  # the fixture's pictures are 1024 px high
    band = _text_band(result.path / "page-001.png", below_picture, tmp_path / "png-text.png")
    read = ocr(band, PAGES[lang][0])
    score = similarity(PAGES[lang][1], read)
    print(f"OCR similarity {lang}: {score:.3f}")
    assert score >= SIMILARITY, f"{lang}: {score:.2f}, read {read!r}"


@pytest.mark.parametrize("lang", ["ar", "ja", "hi"])
def test_pdf_embeds_every_font_and_says_its_language(make_book, tmp_path, lang):
    require_tools("pdffonts")
    _need_fonts(lang)
    bundle, book = _book(make_book, lang)
    path = export_book_sync(bundle, book, ExportOptions("pdf", tmp_path / "book.pdf")).path
    listing = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert listing
    for row in listing:
        assert re.search(r"\byes\s+yes\s+yes\b", row), row  # embedded, subset, ToUnicode
    assert PdfReader(path).trailer["/Root"]["/Lang"] == lang


def test_epub_and_web_pages_follow_a_right_to_left_language(make_book, tmp_path):
    bundle, book = _book(make_book, "ar")
    epub = export_book_sync(bundle, book, ExportOptions("epub", tmp_path / "b.epub")).path
    with zipfile.ZipFile(epub) as zf:
        opf = zf.read("OEBPS/content.opf").decode()
        page = ElementTree.fromstring(zf.read("OEBPS/page-001.xhtml"))
        nav = ElementTree.fromstring(zf.read("OEBPS/nav.xhtml"))
    assert "<dc:language>ar</dc:language>" in opf
    assert 'xml:lang="ar"' in opf
    assert '<spine page-progression-direction="rtl">' in opf
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    for doc in (page, nav):
        assert doc.get(xml_lang) == "ar" and doc.get("lang") == "ar"
        assert doc.get("dir") == "rtl"
        assert doc.find("{http://www.w3.org/1999/xhtml}body").get("dir") == "rtl"
    folder = export_book_sync(bundle, book, ExportOptions("html", tmp_path / "web")).path
    assert '<html lang="ar" dir="rtl">' in (folder / "index.html").read_text(encoding="utf-8")


def test_a_left_to_right_language_gets_no_direction(make_book, tmp_path):
    bundle, book = _book(make_book, "ja")
    epub = export_book_sync(bundle, book, ExportOptions("epub", tmp_path / "b.epub")).path
    with zipfile.ZipFile(epub) as zf:
        opf = zf.read("OEBPS/content.opf").decode()
        page = zf.read("OEBPS/page-002.xhtml").decode()
    assert "<dc:language>ja</dc:language>" in opf and "page-progression" not in opf
    assert 'xml:lang="ja" lang="ja">' in page and "dir=" not in page
    folder = export_book_sync(bundle, book, ExportOptions("html", tmp_path / "web")).path
    assert '<html lang="ja">' in (folder / "index.html").read_text(encoding="utf-8")


def test_a_right_to_left_epub_passes_epubcheck(make_book, tmp_path):
    from tests.export.test_epub import _epubcheck

    command = _epubcheck()
    if command is None:
        from tests.tools import missing_tool

        missing_tool("epubcheck is not installed (apt-get install -y epubcheck)")
    bundle, book = _book(make_book, "ar")
    epub = export_book_sync(bundle, book, ExportOptions("epub", tmp_path / "b.epub")).path
    run = subprocess.run([*command, str(epub)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("fmt", ["pdf", "png"])
def test_a_character_no_font_has_is_named_with_its_page(make_book, tmp_path, fmt):
    bundle, book = make_book(pages=2)
    book.pages[1].text = "The scroll said \U00010000 and nothing more."
    bundle.save(book)
    result = export_book_sync(bundle, book, ExportOptions(fmt, tmp_path / f"out-{fmt}"))
    found = [w for w in result.warnings if "U+10000" in w]
    assert len(found) == 1, result.warnings
    assert found[0].startswith("Page 2 has a character no installed font can print")
    assert "LINEAR B SYLLABLE B008 A" in found[0]


def test_a_book_every_font_covers_gets_no_font_warning(make_book, tmp_path):
    bundle, book = _book(make_book, "ar")
    book.pages[0].text = "Greek αβγ, Hebrew שלום, Devanagari नमस्ते, Thai สวัสดี, Russian Привет."
    bundle.save(book)
    result = export_book_sync(bundle, book, ExportOptions("pdf", tmp_path / "b.pdf"))
    assert not [w for w in result.warnings if "font" in w], result.warnings

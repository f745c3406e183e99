"""Which font prints each character of a book: shipped faces, then the system's CJK font.

A `FontChain` is an ordered list of faces; each character is set in the first
face that has a glyph for it. The shipped faces are DejaVu (Latin, Greek,
Cyrillic) and compact Noto families for Hebrew, Arabic, Devanagari and Thai.
Chinese, Japanese and Korean need fonts of 10-20 MB each, so the studio uses
the one the system has (fontconfig's choice for the book's language, or a
known path on Windows and macOS) rather than shipping one.

`uncovered(book)` names the characters no face covers, page by page, so an
export can say so before anyone prints a box.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import uharfbuzz as hb  # type: ignore[import-untyped]

from studio.core.book import Book
from studio.core.language import primary
from studio.export.common import clean_text
from studio.resources import font_path

SERIF = "DejaVuSerif"
SERIF_BOLD = "DejaVuSerif-Bold"
SHIPPED_FALLBACKS = (
    "NotoSerifHebrew-Regular",
    "NotoNaskhArabic-Regular",
    "NotoSerifDevanagari-Regular",
    "NotoSerifThai-Regular",
)
LAST_RESORT = "DejaVuSans"
"""DejaVu Sans has many symbols and arrows the serif lacks."""

CJK_FONT_ENV = "STUDIO_CJK_FONT"
"""A font file (optionally `path#index` for a collection) to use for CJK text."""

# Known CJK fonts where there is no fontconfig, best first.
_KNOWN_CJK = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/YuGothR.ttc",
    "C:/Windows/Fonts/msgothic.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/malgun.ttf",
)
# fontconfig's language for the CJK face: the book's language picks the glyph
# forms (Japanese and Chinese draw some shared characters differently).
_CJK_LANG = {"ja": "ja", "ko": "ko", "zh": "zh-cn"}


class Face:
    """One font face: its bytes, its characters, and a HarfBuzz font for shaping."""

    def __init__(self, key: str, data: bytes, index: int = 0) -> None:
        self.key = key
        self.data = data
        self.index = index
        self.hb_face = hb.Face(hb.Blob(data), index)
        self.upem: int = self.hb_face.upem
        self.hb_font = hb.Font(self.hb_face)
        self.chars: frozenset[int] = frozenset(self.hb_face.unicodes)

    def covers(self, char: str) -> bool:
        return ord(char) in self.chars

    @cached_property
    def has_cff_outlines(self) -> bool:
        return not {b"CFF ", b"CFF2"}.isdisjoint(_table_tags(self.data, self.index))

    def __repr__(self) -> str:
        return f"Face({self.key!r})"


def _table_tags(data: bytes, index: int) -> set[bytes]:
    """The tags of the tables in a font file (face `index` of a collection)."""
    offset = 0
    if data[:4] == b"ttcf":
        (offset,) = struct.unpack_from(">I", data, 12 + 4 * index)
    (count,) = struct.unpack_from(">H", data, offset + 4)
    return {data[offset + 12 + 16 * i : offset + 16 + 16 * i] for i in range(count)}


@dataclass(frozen=True)
class FontChain:
    faces: tuple[Face, ...]

    def face_for(self, char: str) -> Face | None:
        for face in self.faces:
            if face.covers(char):
                return face
        return None

    @property
    def first(self) -> Face:
        return self.faces[0]


@cache
def shipped_face(name: str) -> Face:
    return Face(name, font_path(name).read_bytes())


@cache
def _file_face(path: str, index: int) -> Face | None:
    try:
        data = Path(path).read_bytes()
        return Face(f"{Path(path).stem}-{index}", data, index)
    except (OSError, RuntimeError, ValueError):
        return None


def chain(language: str, bold: bool = False) -> FontChain:
    """The faces for a book in `language`, best first."""
    faces = [shipped_face(SERIF_BOLD if bold else SERIF)]
    faces += [shipped_face(name) for name in SHIPPED_FALLBACKS]
    cjk = cjk_face(language)
    if cjk is not None:
        faces.append(cjk)
    faces.append(shipped_face(LAST_RESORT))
    return FontChain(tuple(faces))


def cjk_face(language: str) -> Face | None:
    """The system's font for Chinese, Japanese and Korean text, if it has one."""
    lang = _CJK_LANG.get(primary(language), "zh-cn")
    for path, index in _cjk_candidates(lang):
        face = _file_face(path, index)
        if face is not None and face.covers("\u4e00"):
            return face
    return None


def _cjk_candidates(lang: str) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    override = os.environ.get(CJK_FONT_ENV)
    if override:
        path, _, index = override.partition("#")
        found.append((path, int(index) if index.isdigit() else 0))
    found += _fontconfig_cjk(lang)
    found += [(p, _collection_index(p, lang)) for p in _KNOWN_CJK if Path(p).is_file()]
    return found


@cache
def _fontconfig_cjk(lang: str) -> list[tuple[str, int]]:
    if sys.platform == "win32" or shutil.which("fc-match") is None:
        return []
    found: list[tuple[str, int]] = []
    for family in ("serif", "sans-serif"):
        try:
            run = subprocess.run(
                ["fc-match", "-f", "%{file}|%{index}", f"{family}:lang={lang}"],
                capture_output=True, text=True, timeout=10, check=False,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            return found
        path, _, index = run.stdout.strip().partition("|")
        if path and index.isdigit():
            found.append((path, int(index)))
    return found


# In Noto's CJK collections the faces come in this order.
_NOTO_CJK_ORDER = {"ja": 0, "ko": 1, "zh-cn": 2}


def _collection_index(path: str, lang: str) -> int:
    return _NOTO_CJK_ORDER.get(lang, 0) if "NotoS" in path and path.endswith(".ttc") else 0


# --- Characters no face covers -------------------------------------------------------


def is_invisible(char: str) -> bool:
    """Spaces, line ends and format characters (joiners, marks of direction,
    variation selectors): nothing to draw, so no font needs them."""
    category = unicodedata.category(char)
    return category in ("Zs", "Zl", "Zp", "Cc", "Cf") or 0xFE00 <= ord(char) <= 0xFE0F


def missing_chars(text: str, fonts: FontChain) -> list[str]:
    """The distinct characters of `text` that no face of `fonts` has, in order of appearance."""
    missing: dict[str, None] = {}
    for char in text:
        if char not in missing and not is_invisible(char) and fonts.face_for(char) is None:
            missing[char] = None
    return list(missing)


def describe(char: str) -> str:
    """`U+1F996 T-REX (🦖)`."""
    name = unicodedata.name(char, "unnamed character")
    shown = f" ({char})" if char.isprintable() else ""
    return f"U+{ord(char):04X} {name}{shown}"


def uncovered(book: Book) -> list[str]:
    """A warning for each place the book has a character no font can print."""
    warnings = []
    places: list[tuple[str, str, FontChain]] = [
        ("The title", book.display_title, chain(book.language, bold=True))
    ]
    body = chain(book.language)
    places += [(f"Page {p.number}", p.text, body) for p in book.pages]
    for where, text, fonts in places:
        missing = missing_chars(clean_text(text), fonts)
        if missing:
            warnings.append(_missing_warning(where, missing))
    return warnings


def _missing_warning(where: str, missing: Sequence[str]) -> str:
    shown = ", ".join(describe(c) for c in missing[:5])
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    noun = "a character" if len(missing) == 1 else "characters"
    return (
        f"{where} has {noun} no installed font can print: {shown}{more}. "
        "They show as empty boxes in the PDF and PNG pages; change the text, or install "
        "a font that covers them."
    )


# --- Faces a PDF can embed -----------------------------------------------------------


def with_truetype_outlines(face: Face, chars: Iterable[str]) -> Face:
    """`face` itself when its outlines are TrueType; else (CFF, as in Noto CJK) a
    copy holding only `chars`, converted to TrueType outlines, which is what the
    PDF writer embeds. Shaping and drawing then use the copy's glyphs."""
    if not face.has_cff_outlines:
        return face
    return _converted(face, "".join(sorted(set(chars))))


@cache
def _converted(face: Face, text: str) -> Face:
    from fontTools import subset  # type: ignore[import-untyped]
    from fontTools.pens.cu2quPen import Cu2QuPen  # type: ignore[import-untyped]
    from fontTools.pens.ttGlyphPen import TTGlyphPen  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont, newTable  # type: ignore[import-untyped]

    font = TTFont(io.BytesIO(face.data), fontNumber=face.index, lazy=True)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    for tag in ("CFF ", "CFF2", "VORG"):
        if tag in font:
            del font[tag]
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in (
        "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
        "maxStackElements", "maxSizeOfInstructions", "maxComponentElements",
    ):  # fmt: skip
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["post"].formatType = 3.0
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
    out = io.BytesIO()
    font.save(out)
    return Face(f"{face.key}-truetype", out.getvalue())

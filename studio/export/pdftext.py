"""Drawing set lines (`studio.export.typeset`) on a reportlab canvas, glyph by glyph.

reportlab's own shaping (4.1+, with uharfbuzz) reorders the glyphs of
Devanagari syllables and right-to-left words wrongly, so the studio shapes
with HarfBuzz itself and places each glyph where HarfBuzz says. A glyph that
is a character's own (the font's cmap maps the character to it) is written as
that character; contextual forms, ligatures and conjuncts get a private-use
code point mapped to their glyph in the embedded subset. Every run is wrapped
in an ActualText span carrying its real text, so copying, search and screen
readers get the words, not the private code points.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable

from reportlab.lib.colors import Color
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from studio.export.fonts import Face, FontChain, chain, with_truetype_outlines
from studio.export.typeset import Line, Run

_SHIPPED_NAMES = {"DejaVuSerif": "StorySerif", "DejaVuSerif-Bold": "StorySerif-Bold"}
_lock = threading.Lock()
_registered: dict[str, TTFont] = {}
_private: dict[tuple[str, int], int] = {}


def pdf_chain(language: str, text: Iterable[str], bold: bool = False) -> FontChain:
    """The book's font chain with every face in a form the PDF can embed."""
    chars = set("".join(text))
    faces = chain(language, bold).faces
    return FontChain(tuple(with_truetype_outlines(f, chars) for f in faces))


def font_name(face: Face) -> str:
    """The reportlab name of `face`, registered on first use."""
    with _lock:
        return _register(face)


def _register(face: Face) -> str:
    name = _SHIPPED_NAMES.get(face.key, f"Story-{face.key}")
    if name in _registered:
        return name
    try:
        known = pdfmetrics.getFont(name)
    except KeyError:
        known = None
    if isinstance(known, TTFont):
        _registered[name] = known
        return name
    font = TTFont(name, io.BytesIO(face.data), subfontIndex=face.index)
    pdfmetrics.registerFont(font)
    _registered[name] = font
    return name


def _char_for(name: str, run: Run, gid: int, cluster: int, advance_1000: float) -> str:
    """The code point to write for glyph `gid`: its character when the cmap agrees,
    else a private-use one mapped to the glyph."""
    font = _registered[name]
    face = font.face
    char = run.text[cluster]
    if face.charToGlyph.get(ord(char)) == gid and _cluster_is_one_char(run, cluster):
        return char
    key = (name, gid)
    code = _private.get(key)
    if code is None:
        code = 0xE000
        while code in face.charToGlyph:
            code += 1
        face.charToGlyph[code] = gid
        face.charWidths[code] = advance_1000
        _private[key] = code
    return chr(code)


def _cluster_is_one_char(run: Run, cluster: int) -> bool:
    clusters = sorted({g.cluster for g in run.glyphs} | {len(run.text)})
    after = next(c for c in clusters if c > cluster)
    return after == cluster + 1


def draw_line(
    canvas: Canvas, line: Line, x: float, baseline: float, size: float, color: Color
) -> None:
    """Draw `line` with its left edge at `x` on `baseline`."""
    for run in line.runs:
        if run.glyphs:
            _draw_run(canvas, run, x + run.x, baseline, size, color)


def _draw_run(canvas: Canvas, run: Run, x: float, y: float, size: float, color: Color) -> None:
    with _lock:
        name = _register(run.face)
        scale = 1000 / size
        chars = [_char_for(name, run, g.id, g.cluster, g.advance * scale) for g in run.glyphs]
    actual = "FEFF" + run.text.encode("utf-16-be").hex().upper()
    canvas.addLiteral(f"/Span <</ActualText <{actual}>>> BDC")
    text = canvas.beginText()
    text.setFont(name, size)
    text.setFillColor(color)
    for glyph, char in zip(run.glyphs, chars, strict=True):
        text.setTextOrigin(x + glyph.x, y + glyph.y)
        text.textOut(char)
    canvas.drawText(text)
    canvas.addLiteral("EMC")

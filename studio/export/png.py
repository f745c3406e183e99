"""PNG pages: each page's picture with its text set below it, one `page-NNN.png` per page.

The page is as wide as its picture (kept between MIN_WIDTH and MAX_WIDTH so
the text stays readable and files stay reasonable); the text band under the
picture grows with the text.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from studio.core import imaging
from studio.core.book import Page
from studio.export.common import (
    PLACEHOLDER_NOTE,
    PLACEHOLDER_TEXT,
    Job,
    load_picture,
    paragraphs,
)
from studio.export.fonts import Face, chain, uncovered
from studio.export.typeset import Line, Style, set_paragraphs
from studio.resources import font_path

MIN_WIDTH = 1024
MAX_WIDTH = 2048
PAPER = (251, 247, 239)
INK = (46, 41, 37)
MUTED = (138, 129, 120)
PLACEHOLDER_FILL = (237, 229, 214)

Font = ImageFont.FreeTypeFont
NO_RAQM = (
    "This installation's Pillow has no libraqm, so PNG pages cannot join Arabic letters, "
    "order right-to-left text or form Devanagari and Thai syllables; the PDF export can."
)


def write_pngs(job: Job, folder: Path) -> None:
    for warning in uncovered(job.book):
        job.warn(warning)
    if not features.check("raqm") and _needs_shaping(job):
        job.warn(NO_RAQM)
    total = len(job.book.pages)
    for i, page in enumerate(job.book.pages):
        job.step(i, total, f"Page {page.number}")
        image = render_page(job, page)
        image.save(folder / f"page-{page.number:03d}.png", optimize=False, compress_level=6)
    job.step(total, total, "Done")


def render_page(job: Job, page: Page) -> Image.Image:
    picture = _picture(job, page)
    width = picture.width if picture else MIN_WIDTH
    text_size = max(22, round(width * 0.034))
    style = Style(chain(job.book.language), text_size, job.book.language)
    lines = set_paragraphs(paragraphs(page.text), style, width * 0.84)
    line_h = round(text_size * 1.45)
    pad = round(width * 0.06)
    band = max(round(width * 0.32), len(lines) * line_h + 2 * pad)
    art_h = picture.height if picture else width
    canvas = Image.new("RGB", (width, art_h + band), PAPER)
    if picture:
        canvas.paste(picture, (0, 0))
    else:
        _placeholder(canvas, width)
    top = art_h + (band - len(lines) * line_h) // 2
    _draw_lines(canvas, lines, style, top, line_h)
    return canvas


def _picture(job: Job, page: Page) -> Image.Image | None:
    found = load_picture(job, page, "original")
    if found is None:
        return None
    try:
        image = imaging.decode(found.data)
    except imaging.ImageRejected as err:
        job.warn(
            f"Page {page.number}'s picture is unusable ({str(err).rstrip('.')}). {PLACEHOLDER_NOTE}"
        )
        return None
    flat = _flatten(image)
    width = min(MAX_WIDTH, max(MIN_WIDTH, flat.width))
    if width == flat.width:
        return flat
    height = round(flat.height * width / flat.width)
    return flat.resize((width, height), Image.Resampling.LANCZOS)


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        back = Image.new("RGB", rgba.size, PAPER)
        back.paste(rgba, mask=rgba.getchannel("A"))
        return back
    return image.convert("RGB")


@cache
def _font(name: str, size: int) -> Font:
    return ImageFont.truetype(str(font_path(name)), size)


@cache
def _face_font(face: Face, size: int) -> Font:
    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(io.BytesIO(face.data), size, index=face.index, layout_engine=engine)


def _needs_shaping(job: Job) -> bool:
    """Whether any page has text that only a shaping engine sets right."""
    return any(
        any(0x0590 <= ord(c) <= 0x08FF or 0x0900 <= ord(c) <= 0x0DFF or 0x0E00 <= ord(c) <= 0x0EFF
            for c in page.text)
        for page in job.book.pages
    )  # fmt: skip


def _draw_lines(
    canvas: Image.Image, lines: list[Line], style: Style, top: int, line_h: int
) -> None:
    """Each run drawn where the line's layout puts it; Pillow (with raqm) shapes the run."""
    draw = ImageDraw.Draw(canvas)
    size = round(style.size)
    for i, line in enumerate(lines):
        left = (canvas.width - line.width) / 2
        baseline = top + i * line_h + line_h / 2 + size * 0.35
        for run in line.runs:
            font = _face_font(run.face, size)
            xy = (left + run.x, baseline)
            if font.layout_engine == ImageFont.Layout.RAQM:
                direction = "rtl" if run.rtl else "ltr"
                draw.text(
                    xy, run.text, font=font, fill=INK, anchor="ls",
                    direction=direction, language=style.language,
                )  # fmt: skip
            else:  # basic layout takes neither a direction nor a language
                draw.text(xy, run.text, font=font, fill=INK, anchor="ls")


def _placeholder(canvas: Image.Image, width: int) -> None:
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, width, width), fill=PLACEHOLDER_FILL)
    inset = round(width * 0.06)
    box = (inset, inset, width - inset, width - inset)
    draw.rounded_rectangle(box, radius=inset // 3, outline=MUTED, width=max(2, width // 400))
    font = _font("DejaVuSerif-Italic", max(18, round(width * 0.026)))
    draw.text((width / 2, width / 2), PLACEHOLDER_TEXT, font=font, fill=MUTED, anchor="mm")

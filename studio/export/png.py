"""PNG pages: each page's picture with its text set below it, one `page-NNN.png` per page.

The page is as wide as its picture (kept between MIN_WIDTH and MAX_WIDTH so
the text stays readable and files stay reasonable); the text band under the
picture grows with the text.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from studio.core import imaging
from studio.core.book import Page
from studio.export.common import (
    PLACEHOLDER_NOTE,
    PLACEHOLDER_TEXT,
    Job,
    load_picture,
    paragraphs,
)
from studio.resources import font_path

MIN_WIDTH = 1024
MAX_WIDTH = 2048
PAPER = (251, 247, 239)
INK = (46, 41, 37)
MUTED = (138, 129, 120)
PLACEHOLDER_FILL = (237, 229, 214)

Font = ImageFont.FreeTypeFont


def write_pngs(job: Job, folder: Path) -> None:
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
    lines = _layout(paragraphs(page.text), _font("DejaVuSerif", text_size), width * 0.84)
    line_h = round(text_size * 1.45)
    pad = round(width * 0.06)
    band = max(round(width * 0.32), len(lines) * line_h + 2 * pad)
    art_h = picture.height if picture else width
    canvas = Image.new("RGB", (width, art_h + band), PAPER)
    if picture:
        canvas.paste(picture, (0, 0))
    else:
        _placeholder(canvas, width)
    _draw_lines(canvas, lines, text_size, art_h + (band - len(lines) * line_h) // 2, line_h)
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


def _layout(paras: list[str], font: Font, max_width: float) -> list[str]:
    """Greedy word wrap; a blank line between paragraphs."""
    lines: list[str] = []
    for para in paras:
        if lines:
            lines.append("")
        for source_line in para.split("\n"):
            lines.extend(_wrap(source_line.split(), font, max_width))
    return lines


def _wrap(words: list[str], font: Font, max_width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in words:
        for piece in _split_long(word, font, max_width):
            trial = f"{current} {piece}".strip()
            if current and font.getlength(trial) > max_width:
                lines.append(current)
                current = piece
            else:
                current = trial
    if current:
        lines.append(current)
    return lines


def _split_long(word: str, font: Font, max_width: float) -> list[str]:
    """A word wider than the line is cut into pieces that fit."""
    pieces: list[str] = []
    while font.getlength(word) > max_width and len(word) > 1:
        cut = len(word) - 1
        while cut > 1 and font.getlength(word[:cut]) > max_width:
            cut -= 1
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word]


def _draw_lines(canvas: Image.Image, lines: list[str], size: int, top: int, line_h: int) -> None:
    draw = ImageDraw.Draw(canvas)
    font = _font("DejaVuSerif", size)
    centre = canvas.width / 2
    for i, line in enumerate(lines):
        y = top + i * line_h + line_h / 2
        draw.text((centre, y), line, font=font, fill=INK, anchor="mm")


def _placeholder(canvas: Image.Image, width: int) -> None:
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, width, width), fill=PLACEHOLDER_FILL)
    inset = round(width * 0.06)
    box = (inset, inset, width - inset, width - inset)
    draw.rounded_rectangle(box, radius=inset // 3, outline=MUTED, width=max(2, width // 400))
    font = _font("DejaVuSerif-Italic", max(18, round(width * 0.026)))
    draw.text((width / 2, width / 2), PLACEHOLDER_TEXT, font=font, fill=MUTED, anchor="mm")

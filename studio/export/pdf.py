"""PDF: a cover, then one picture-book page per page, with embedded fonts and real text.

Pictures go in at full resolution (the original file). Print presets add a
bleed around the trim: pictures run into it, and every page carries TrimBox
and BleedBox so a printer knows where to cut.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch, mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFInfo
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, Paragraph, Spacer

from studio.core.book import Page
from studio.core.review import review_summary
from studio.export.common import (
    APP_LINE,
    PLACEHOLDER_TEXT,
    ExportError,
    Job,
    Picture,
    clean_text,
    cover_picture,
    load_picture,
    paragraphs,
    review_label,
)
from studio.export.fonts import FontChain, uncovered
from studio.export.output import SEAL_PLACEHOLDER
from studio.export.pdftext import draw_line, pdf_chain
from studio.export.typeset import Line, Style, set_paragraphs
from studio.resources import font_path

PRINT_DPI = 300
PAPER = HexColor("#FBF7EF")
INK = HexColor("#2E2925")
MUTED = HexColor("#8A8178")
PLACEHOLDER_FILL = HexColor("#EDE5D6")
MIN_TEXT_SIZE = 11.0


@dataclass(frozen=True)
class Preset:
    name: str
    trim_w: float
    trim_h: float
    bleed: float
    text_size: float

    @property
    def media(self) -> tuple[float, float]:
        return self.trim_w + 2 * self.bleed, self.trim_h + 2 * self.bleed

    @property
    def is_print(self) -> bool:
        return self.bleed > 0

    @property
    def trim_box(self) -> tuple[float, float, float, float]:
        b = self.bleed
        return b, b, b + self.trim_w, b + self.trim_h


PRESETS = {
    "screen": Preset("screen", 8 * inch, 8 * inch, 0.0, 17.0),
    "print-square": Preset("print-square", 8.5 * inch, 8.5 * inch, 0.125 * inch, 18.0),
    "print-a4": Preset("print-a4", 210 * mm, 297 * mm, 0.125 * inch, 18.0),
}


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Fonts:
    """The book's faces for body text and titles, in the form the PDF embeds."""

    body: FontChain
    bold: FontChain
    language: str


@dataclass(frozen=True)
class Block:
    """Set lines at one size."""

    lines: list[Line]
    size: float
    leading: float

    @property
    def height(self) -> float:
        return len(self.lines) * self.leading


def _book_fonts(job: Job, include_notes: bool) -> Fonts:
    book = job.book
    texts = [book.display_title, *(p.text for p in book.pages)]
    if include_notes:
        texts += [p.review.notes for p in book.pages]
    return Fonts(
        pdf_chain(book.language, texts), pdf_chain(book.language, texts, bold=True), book.language
    )


@cache
def _fonts() -> None:
    """Register the shipped DejaVu faces once; reportlab embeds the subsets it uses."""
    # Binary image streams: ASCII85 would grow them by a quarter and, without
    # reportlab's optional C accelerator, take seconds per picture.
    rl_config.useA85 = 0
    faces = {
        "StorySerif": "DejaVuSerif",
        "StorySerif-Bold": "DejaVuSerif-Bold",
        "StorySerif-Italic": "DejaVuSerif-Italic",
        "StorySans": "DejaVuSans",
    }
    for name, file in faces.items():
        pdfmetrics.registerFont(TTFont(name, str(font_path(file))))
    pdfmetrics.registerFontFamily(
        "StorySerif", normal="StorySerif", bold="StorySerif-Bold", italic="StorySerif-Italic"
    )


def write_pdf(job: Job, target: Path, preset_name: str, include_notes: bool) -> None:
    preset = PRESETS.get(preset_name)
    if preset is None:
        raise ExportError(
            f"Unknown PDF preset {preset_name!r}; choose one of {', '.join(PRESETS)}."
        )
    _fonts()
    for warning in uncovered(job.book):
        job.warn(warning)
    fonts = _book_fonts(job, include_notes)
    canvas = _canvas(job, target, preset)
    total = len(job.book.pages) + 1
    job.step(0, total, "Cover")
    _cover(canvas, job, preset, fonts)
    for i, page in enumerate(job.book.pages, start=1):
        job.step(i, total, f"Page {page.number}")
        _page(canvas, job, preset, page, fonts)
    if include_notes:
        _notes(canvas, job, preset, fonts)
    job.step(total, total, "Saving")
    canvas.save()


def _canvas(job: Job, target: Path, preset: Preset) -> Canvas:
    canvas = Canvas(
        str(target),
        pagesize=preset.media,
        pageCompression=1,
        lang=job.book.language,
        # Otherwise the page preamble names Helvetica, an unembedded font. (The
        # stubs type this argument as a float by mistake.)
        initialFontName="StorySerif",  # type: ignore[arg-type]
    )
    _seal_info(canvas)
    canvas.setTitle(job.book.display_title)
    canvas.setAuthor("Story Studio")
    canvas.setCreator("Story Studio")
    canvas.setSubject(clean_text(job.book.settings.premise)[:200])
    if preset.is_print:
        canvas.setTrimBox(preset.trim_box)
        canvas.setBleedBox((0, 0, *preset.media))
    return canvas


class _SealedInfo(PDFInfo):
    """The document information with one more entry: the export's seal, which
    `studio.export.output.seal` fills in once the file is written."""

    def format(self, document: object) -> bytes:
        text: bytes = super().format(document)
        end = text.rstrip().rfind(b">>")
        if end < 0:
            return text
        return text[:end] + b"/StoryStudioExport (" + SEAL_PLACEHOLDER + b")\n" + text[end:]


def _seal_info(canvas: Canvas) -> None:
    doc = canvas._doc  # type: ignore[attr-defined]  # no public way to add an info entry
    sealed = _SealedInfo()
    sealed.__dict__.update(doc.info.__dict__)
    doc.info = sealed


# --- Pages ---------------------------------------------------------------------------


def _start_page(canvas: Canvas, preset: Preset) -> None:
    canvas.setFillColor(PAPER)
    canvas.rect(0, 0, *preset.media, stroke=0, fill=1)


def _cover(canvas: Canvas, job: Job, preset: Preset, fonts: Fonts) -> None:
    _start_page(canvas, preset)
    b = preset.bleed
    found = cover_picture(job, "original")
    zone = 0.34 * preset.trim_h if found else preset.trim_h
    if found:
        _picture_or_placeholder(canvas, job, preset, _band(preset, zone), found[1], None)
    title = _fitted(
        [clean_text(job.book.display_title)], fonts.bold, fonts.language, 2 * preset.text_size,
        1.22, preset, zone * 0.6,
    )  # fmt: skip
    _draw_block(canvas, title, preset, b + zone * 0.62 - title.height / 2 + 0.12 * inch)
    canvas.setFont("StorySerif-Italic", 10)
    canvas.setFillColor(MUTED)
    canvas.drawCentredString(b + preset.trim_w / 2, b + 0.55 * inch, APP_LINE)
    canvas.bookmarkPage("cover")
    canvas.addOutlineEntry("Cover", "cover", level=0)
    canvas.showPage()


def _page(canvas: Canvas, job: Job, preset: Preset, page: Page, fonts: Fonts) -> None:
    _start_page(canvas, preset)
    para = _fitted(
        paragraphs(page.text), fonts.body, fonts.language, preset.text_size, 1.45, preset,
        0.42 * preset.trim_h,
    )  # fmt: skip
    text_h = para.height
    footer = 0.55 * inch
    zone = max(text_h + footer + 0.5 * inch, 0.3 * preset.trim_h)
    band = _band(preset, zone)
    _picture_or_placeholder(canvas, job, preset, band, load_picture(job, page, "original"), page)
    b = preset.bleed
    _draw_block(canvas, para, preset, b + footer + (zone - footer - text_h) / 2)
    _folio(canvas, preset, page.number)
    key = f"page-{page.number}"
    canvas.bookmarkPage(key)
    canvas.addOutlineEntry(f"Page {page.number}", key, level=0)
    canvas.showPage()


def _band(preset: Preset, text_zone: float) -> Rect:
    """The picture's area: full width and up to the top edge, into the bleed."""
    media_w, media_h = preset.media
    bottom = preset.bleed + text_zone
    return Rect(0, bottom, media_w, media_h - bottom)


def _margin(preset: Preset) -> float:
    return 0.6 * inch if preset.is_print else 0.5 * inch


def _folio(canvas: Canvas, preset: Preset, number: int) -> None:
    canvas.setFont("StorySerif", 9)
    canvas.setFillColor(MUTED)
    canvas.drawCentredString(
        preset.bleed + preset.trim_w / 2, preset.bleed + 0.3 * inch, str(number)
    )


def _fitted(
    paras: list[str],
    fonts: FontChain,
    language: str,
    base: float,
    leading: float,
    preset: Preset,
    max_h: float,
) -> Block:
    """The text at the largest size (from `base` down to MIN_TEXT_SIZE) that fits `max_h`."""
    width = preset.trim_w - 2 * _margin(preset)
    size = base
    while True:
        lines = set_paragraphs(paras, Style(fonts, size, language), width)
        block = Block(lines, size, size * leading)
        if block.height <= max_h or size <= MIN_TEXT_SIZE:
            return block
        size = max(MIN_TEXT_SIZE, size - 1)


def _draw_block(canvas: Canvas, block: Block, preset: Preset, bottom: float) -> None:
    """Centre each line across the text area; the block's last line sits on `bottom`."""
    left = preset.bleed + _margin(preset)
    width = preset.trim_w - 2 * _margin(preset)
    top = bottom + block.height
    for i, line in enumerate(block.lines):
        baseline = top - i * block.leading - (block.leading + block.size * 0.7) / 2
        draw_line(canvas, line, left + (width - line.width) / 2, baseline, block.size, INK)


# --- Pictures ------------------------------------------------------------------------


def _picture_or_placeholder(
    canvas: Canvas, job: Job, preset: Preset, band: Rect, picture: Picture | None, page: Page | None
) -> None:
    if picture is None:
        _placeholder(canvas, preset, band)
        return
    try:
        drawn_w = _cover_image(canvas, band, picture)
    except Exception as err:  # reportlab raises many kinds on a bad file: all mean "unusable"
        where = f"Page {page.number}'s picture" if page else "The cover picture"
        job.warn(f"{where} could not be placed ({err}). A placeholder is used instead.")
        _placeholder(canvas, preset, band)
        return
    if page is not None and preset.is_print:
        _check_resolution(job, page, picture, drawn_w)


MAX_CROP = 0.12
"""The most of a picture's width or height that may be cut to fill its area."""


def _cover_image(canvas: Canvas, band: Rect, picture: Picture) -> float:
    """Draw the picture filling `band` when that cuts off little of it, else whole
    and centred on the paper (a square picture on a page with text below it);
    return its drawn width."""
    iw, ih = picture.info.width, picture.info.height
    cover = max(band.w / iw, band.h / ih)
    if min(band.w / iw, band.h / ih) / cover < 1 - MAX_CROP:
        inset = 0.55 * inch  # clear of the trim and the bleed, like a printed frame
        band = Rect(band.x + inset, band.y, band.w - 2 * inset, band.h - inset)
        cover = min(band.w / iw, band.h / ih)
    scale = cover
    dw, dh = iw * scale, ih * scale
    canvas.saveState()
    path = canvas.beginPath()
    path.rect(band.x, band.y, band.w, band.h)
    canvas.clipPath(path, stroke=0, fill=0)
    reader = ImageReader(io.BytesIO(picture.data))
    canvas.drawImage(
        reader, band.x + (band.w - dw) / 2, band.y + (band.h - dh) / 2, dw, dh, mask="auto"
    )
    canvas.restoreState()
    return dw


def _check_resolution(job: Job, page: Page, picture: Picture, drawn_w: float) -> None:
    width_in = drawn_w / inch
    dpi = picture.info.width / width_in
    if dpi + 0.5 < PRINT_DPI:
        needed = math.ceil(PRINT_DPI * width_in)
        job.warn(
            f"Page {page.number}'s picture is {picture.info.width} px wide, {dpi:.0f} DPI at "
            f"print size; {PRINT_DPI} DPI needs {needed} px."
        )


def _placeholder(canvas: Canvas, preset: Preset, band: Rect) -> None:
    canvas.setFillColor(PLACEHOLDER_FILL)
    canvas.rect(band.x, band.y, band.w, band.h, stroke=0, fill=1)
    inset = preset.bleed + 0.35 * inch
    canvas.setStrokeColor(Color(0.55, 0.5, 0.45, alpha=0.6))
    canvas.setDash(4, 4)
    canvas.setLineWidth(0.8)
    top = band.y + band.h - inset
    canvas.roundRect(inset, band.y + 0.35 * inch, band.w - 2 * inset, top - band.y - 0.35 * inch, 8)
    canvas.setDash()
    canvas.setFont("StorySerif-Italic", 12)
    canvas.setFillColor(MUTED)
    canvas.drawCentredString(band.x + band.w / 2, band.y + band.h / 2 - 4, PLACEHOLDER_TEXT)


# --- Review notes --------------------------------------------------------------------


def _notes(canvas: Canvas, job: Job, preset: Preset, fonts: Fonts) -> None:
    story = _notes_story(job, fonts)
    m = _margin(preset)
    b = preset.bleed
    while story:
        _start_page(canvas, preset)
        frame = Frame(b + m, b + m, preset.trim_w - 2 * m, preset.trim_h - 2 * m, showBoundary=0)
        before = len(story)
        frame.addFromList(story, canvas)
        canvas.showPage()
        if len(story) == before:
            story.pop(0)  # a flowable taller than a page: drop it rather than loop forever


class SetText(Flowable):
    """The author's words in a flowable: set and shaped like the pages, aligned
    to the start of each line (the right edge for right-to-left text)."""

    def __init__(self, text: str, fonts: Fonts, size: float, leading: float) -> None:
        super().__init__()
        self.text = text
        self.style = Style(fonts.body, size, fonts.language)
        self.leading = leading
        self.lines: list[Line] = []

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.lines = set_paragraphs(paragraphs(self.text), self.style, avail_width)
        self.height = len(self.lines) * self.leading
        return avail_width, self.height

    def draw(self) -> None:
        size = self.style.size
        for i, line in enumerate(self.lines):
            baseline = self.height - i * self.leading - (self.leading + size * 0.7) / 2
            x = self.width - line.width if line.rtl else 0.0
            draw_line(self.canv, line, x, baseline, size, INK)


def _notes_story(job: Job, fonts: Fonts) -> list[Flowable]:
    heading = ParagraphStyle(
        "h", fontName="StorySerif-Bold", fontSize=18, leading=24, textColor=INK
    )
    label = ParagraphStyle("l", fontName="StorySerif-Bold", fontSize=11, leading=15, textColor=INK)
    body = ParagraphStyle(
        "b", fontName="StorySerif", fontSize=10.5, leading=14.5, textColor=INK, alignment=TA_LEFT
    )
    story: list[Flowable] = [
        Paragraph("Review notes", heading),
        Paragraph(escape(review_summary(job.book).text), body),
        Spacer(1, 10),
    ]
    for page in job.book.pages:
        story.append(Paragraph(f"Page {page.number} · {review_label(page)}", label))
        notes = clean_text(page.review.notes) or "No notes."
        story.append(SetText(notes, fonts, 10.5, 14.5))
        story.append(Spacer(1, 8))
    return story

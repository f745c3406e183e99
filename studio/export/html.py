"""A web folder: `index.html`, `style.css`, `images/` and the fonts, readable offline.

No scripts and no remote loads; a Content-Security-Policy says so to the
browser too. Every piece of book text is escaped: it is untrusted.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

from studio.core.book import Page
from studio.core.language import is_right_to_left
from studio.core.review import review_summary
from studio.export.common import (
    APP_LINE,
    PLACEHOLDER_TEXT,
    Job,
    Picture,
    alt_text,
    clean_text,
    load_picture,
    paragraphs,
    review_label,
)
from studio.resources import font_path

FONTS = ("DejaVuSerif", "DejaVuSerif-Bold")
CSP = "default-src 'none'; img-src 'self'; style-src 'self'; font-src 'self'"
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}

STYLE = """\
@font-face { font-family: "Story Serif"; src: url("fonts/DejaVuSerif.ttf"); }
@font-face { font-family: "Story Serif"; font-weight: bold; src: url("fonts/DejaVuSerif-Bold.ttf"); }
:root { color-scheme: light; --paper: #fbf7ef; --ink: #2e2925; --muted: #8a8178; }
* { box-sizing: border-box; }
body { margin: 0; background: #e9e3d8; color: var(--ink);
  font: 1.15rem/1.6 "Story Serif", Georgia, serif; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
.page { background: var(--paper); margin: 0 0 2rem; border-radius: 6px; overflow: hidden;
  box-shadow: 0 2px 12px rgb(0 0 0 / 12%); }
.page img, .placeholder { display: block; width: 100%; height: auto; }
.placeholder { aspect-ratio: 1; display: grid; place-items: center; background: #ede5d6;
  color: var(--muted); font-style: italic; padding: 2rem; text-align: center; }
.text { padding: 1.4rem 2rem 0.6rem; text-align: center; }
.text p { margin: 0 0 0.8rem; white-space: pre-line; }
.folio { text-align: center; color: var(--muted); font-size: 0.8rem; padding-bottom: 1rem; }
.cover h1 { font-size: clamp(1.8rem, 5vw, 2.8rem); line-height: 1.2; margin: 1.5rem 1.5rem 0.5rem;
  text-align: center; }
.byline { text-align: center; color: var(--muted); font-style: italic; font-size: 0.9rem;
  padding-bottom: 1.5rem; }
.notes { padding: 1.5rem 2rem; }
.notes h2 { margin-top: 0; }
.notes dt { font-weight: bold; margin-top: 0.8rem; }
.notes dd { margin: 0.2rem 0 0; white-space: pre-line; }
@media (max-width: 32rem) { main { padding: 0; } .page { border-radius: 0; margin-bottom: 1rem; }
  .text { padding: 1rem 1.2rem 0.4rem; } }
@media print { body { background: none; } .page { box-shadow: none; break-inside: avoid; } }
"""


def write_html(job: Job, folder: Path, include_notes: bool) -> None:
    (folder / "images").mkdir()
    _copy_fonts(folder / "fonts")
    (folder / "style.css").write_text(STYLE, encoding="utf-8")
    total = len(job.book.pages) + 1
    sections: list[str] = []
    sources: dict[int, str] = {}
    for i, page in enumerate(job.book.pages):
        job.step(i, total, f"Page {page.number}")
        sections.append(_page(job, folder, page, sources))
    job.step(len(job.book.pages), total, "Index")
    parts = [_cover(job, sources), *sections, _notes(job) if include_notes else ""]
    (folder / "index.html").write_text(_document(job, parts), encoding="utf-8")
    job.step(total, total, "Done")


def _copy_fonts(folder: Path) -> None:
    folder.mkdir()
    for name in FONTS:
        shutil.copyfile(font_path(name), folder / f"{name}.ttf")
    shutil.copyfile(
        font_path("DejaVuSerif").with_name("LICENSE-DejaVu.txt"), folder / "LICENSE.txt"
    )


def _document(job: Job, parts: list[str]) -> str:
    title = html.escape(clean_text(job.book.display_title))
    body = "\n".join(p for p in parts if p)
    lang = html.escape(job.book.language)
    direction = ' dir="rtl"' if is_right_to_left(job.book.language) else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}"{direction}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="generator" content="Story Studio">
<title>{title}</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""


def _cover(job: Job, sources: dict[int, str]) -> str:
    title = html.escape(clean_text(job.book.display_title))
    first = next((p for p in job.book.pages if p.number in sources), None)
    image = ""
    if first is not None:
        image = f'<img src="{sources[first.number]}" alt="{html.escape(alt_text(first))}">'
    return (
        f'<header class="page cover">{image}<h1>{title}</h1>'
        f'<p class="byline">{html.escape(APP_LINE)}</p></header>'
    )


def _page(job: Job, folder: Path, page: Page, sources: dict[int, str]) -> str:
    picture = load_picture(job, page, "display")
    figure = _image(folder, page, picture, sources) if picture else _placeholder()
    text = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(page.text))
    return (
        f'<section class="page" id="page-{page.number}">{figure}'
        f'<div class="text">{text}</div><p class="folio">{page.number}</p></section>'
    )


def _image(folder: Path, page: Page, picture: Picture, sources: dict[int, str]) -> str:
    name = f"page-{page.number:03d}.{EXTENSIONS[picture.info.format]}"
    (folder / "images" / name).write_bytes(picture.data)
    sources[page.number] = f"images/{name}"
    size = f'width="{picture.info.width}" height="{picture.info.height}"'
    return f'<img src="images/{name}" {size} alt="{html.escape(alt_text(page))}">'


def _placeholder() -> str:
    return f'<div class="placeholder" role="img" aria-label="{PLACEHOLDER_TEXT}">{PLACEHOLDER_TEXT}</div>'


def _notes(job: Job) -> str:
    items = "".join(
        f"<dt>Page {p.number} · {html.escape(review_label(p))}</dt>"
        f"<dd>{html.escape(clean_text(p.review.notes) or 'No notes.')}</dd>"
        for p in job.book.pages
    )
    summary = html.escape(review_summary(job.book).text)
    return f'<section class="page notes"><h2>Review notes</h2><p>{summary}</p><dl>{items}</dl></section>'

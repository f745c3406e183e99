"""EPUB 3: a cover, a table of contents, one XHTML page per book page, display-size pictures.

Written by hand with zipfile so every byte is known: `mimetype` first and
stored, then the container, the package document, navigation, pages, CSS and
pictures. The result passes epubcheck.
"""

from __future__ import annotations

import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from studio.core import imaging
from studio.core.book import Book, Page
from studio.core.language import is_right_to_left
from studio.core.review import review_summary
from studio.export.common import (
    APP_LINE,
    PLACEHOLDER_TEXT,
    Job,
    Picture,
    alt_text,
    clean_text,
    cover_picture,
    load_picture,
    paragraphs,
    review_label,
)
from studio.export.output import SEAL_PLACEHOLDER

MEDIA_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}

CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""

STYLE = """\
body { margin: 0; padding: 0; font-family: serif; line-height: 1.5; color: #2e2925; }
.picture { margin: 0 0 1em; text-align: center; page-break-inside: avoid; }
.picture img { max-width: 100%; max-height: 70vh; }
.placeholder { margin: 1em 0; padding: 4em 1em; text-align: center; font-style: italic;
  color: #8a8178; background: #ede5d6; border: 1px dashed #b3a898; }
.text { text-align: center; font-size: 1.15em; margin: 0 1em; }
.text p { margin: 0 0 0.8em; }
h1.title { text-align: center; font-size: 2em; line-height: 1.2; margin: 0.8em 0.5em 0.3em; }
.byline { text-align: center; font-style: italic; color: #8a8178; font-size: 0.9em; }
.notes dt { font-weight: bold; margin-top: 0.8em; }
.notes dd { margin: 0.2em 0 0; }
nav ol { list-style: none; padding-left: 1em; }
"""


@dataclass(frozen=True)
class Item:
    """A file in the package: its id, path inside OEBPS/, media type and properties."""

    id: str
    href: str
    media_type: str
    properties: str = ""
    in_spine: bool = False


def write_epub(job: Job, target: Path, include_notes: bool) -> None:
    total = len(job.book.pages) + 1
    items: list[Item] = []
    with zipfile.ZipFile(target, "w") as zf:
        zf.comment = SEAL_PLACEHOLDER  # filled in by studio.export.output.seal
        _start(zf)
        job.step(0, total, "Cover")
        _cover(zf, job, items)
        for i, page in enumerate(job.book.pages, start=1):
            job.step(i, total, f"Page {page.number}")
            _page(zf, job, page, items)
        if include_notes:
            _add_xhtml(
                zf,
                items,
                Item("notes", "notes.xhtml", "", in_spine=True),
                "Review notes",
                _notes(job.book),
                job.book,
            )
        _finish(zf, job.book, items)
    job.step(total, total, "Done")


def _start(zf: zipfile.ZipFile) -> None:
    zf.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip", zipfile.ZIP_STORED)
    _put(zf, "META-INF/container.xml", CONTAINER)


def _put(zf: zipfile.ZipFile, name: str, data: str | bytes, compress: bool = True) -> None:
    kind = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    zf.writestr(name, data, kind)


def _finish(zf: zipfile.ZipFile, book: Book, items: list[Item]) -> None:
    _put(zf, "OEBPS/style.css", STYLE)
    items.append(Item("css", "style.css", "text/css"))
    nav = Item("nav", "nav.xhtml", "application/xhtml+xml", "nav")
    _put(zf, "OEBPS/nav.xhtml", _xhtml(book, book.display_title, _nav_body(book, items), nav=True))
    items.append(nav)
    _put(zf, "OEBPS/content.opf", _package(book, items))


# --- Content documents ---------------------------------------------------------------


def _add_xhtml(
    zf: zipfile.ZipFile, items: list[Item], item: Item, title: str, body: str, book: Book
) -> None:
    _put(zf, f"OEBPS/{item.href}", _xhtml(book, title, body))
    items.append(Item(item.id, item.href, "application/xhtml+xml", item.properties, True))


def _language(book: Book) -> str:
    """The language attributes: `xml:lang="ar" lang="ar" dir="rtl"`."""
    lang = quoteattr(book.language)
    direction = ' dir="rtl"' if is_right_to_left(book.language) else ""
    return f"xml:lang={lang} lang={lang}{direction}"


def _xhtml(book: Book, title: str, body: str, nav: bool = False) -> str:
    ns = ' xmlns:epub="http://www.idpf.org/2007/ops"' if nav else ""
    body_dir = ' dir="rtl"' if is_right_to_left(book.language) else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml"{ns} {_language(book)}>
<head>
<meta charset="UTF-8"/>
<title>{escape(clean_text(title) or "Untitled")}</title>
<link rel="stylesheet" type="text/css" href="style.css"/>
</head>
<body{body_dir}>
{body}
</body>
</html>
"""


def _cover(zf: zipfile.ZipFile, job: Job, items: list[Item]) -> None:
    found = cover_picture(job, "display")
    figure = ""
    if found is not None:
        page, picture = found
        href = _add_image(zf, items, "cover-image", "images/cover", picture, "cover-image")
        alt = quoteattr(alt_text(page))
        figure = f'<div class="picture"><img src="{href}" alt={alt}/></div>'
    title = escape(clean_text(job.book.display_title))
    body = f'{figure}\n<h1 class="title">{title}</h1>\n<p class="byline">{escape(APP_LINE)}</p>'
    _add_xhtml(zf, items, Item("cover", "cover.xhtml", ""), job.book.display_title, body, job.book)


def _page(zf: zipfile.ZipFile, job: Job, page: Page, items: list[Item]) -> None:
    picture = load_picture(job, page, "display")
    if picture is None:
        figure = f'<div class="placeholder"><p>{escape(PLACEHOLDER_TEXT)}</p></div>'
    else:
        href = _add_image(
            zf, items, f"img-{page.number:03d}", f"images/page-{page.number:03d}", picture
        )
        figure = f'<div class="picture"><img src="{href}" alt={quoteattr(alt_text(page))}/></div>'
    text = "".join(f"<p>{_lines(p)}</p>" for p in paragraphs(page.text))
    body = (
        f'<section id="page-{page.number}">\n{figure}\n<div class="text">{text}</div>\n</section>'
    )
    item = Item(f"page-{page.number:03d}", f"page-{page.number:03d}.xhtml", "")
    _add_xhtml(zf, items, item, f"Page {page.number}", body, job.book)


def _lines(paragraph: str) -> str:
    return "<br/>".join(escape(line) for line in paragraph.split("\n"))


def _add_image(
    zf: zipfile.ZipFile,
    items: list[Item],
    item_id: str,
    stem: str,
    picture: Picture,
    props: str = "",
) -> str:
    data, fmt = _epub_ready(picture)
    media_type, ext = MEDIA_TYPES[fmt]
    href = f"{stem}.{ext}"
    _put(zf, f"OEBPS/{href}", data, compress=False)
    items.append(Item(item_id, href, media_type, props))
    return href


def _epub_ready(picture: Picture) -> tuple[bytes, str]:
    """JPEG and PNG go in as they are; anything else (WebP) becomes a JPEG every reader shows."""
    if picture.info.format in MEDIA_TYPES:
        return picture.data, picture.info.format
    return imaging.encode_jpeg(imaging.decode(picture.data)), "JPEG"


def _notes(book: Book) -> str:
    rows = "".join(
        f"<dt>Page {p.number}: {escape(review_label(p))}</dt>"
        f"<dd>{_lines(clean_text(p.review.notes) or 'No notes.')}</dd>"
        for p in book.pages
    )
    summary = escape(review_summary(book).text)
    return f'<section class="notes">\n<h1>Review notes</h1>\n<p>{summary}</p>\n<dl>{rows}</dl>\n</section>'


def _nav_body(book: Book, items: list[Item]) -> str:
    entries = ['<li><a href="cover.xhtml">Cover</a></li>']
    hrefs = {i.href for i in items}
    entries += [
        f'<li><a href="page-{p.number:03d}.xhtml">Page {p.number}</a></li>' for p in book.pages
    ]
    if "notes.xhtml" in hrefs:
        entries.append('<li><a href="notes.xhtml">Review notes</a></li>')
    landmarks = '<li><a epub:type="cover" href="cover.xhtml">Cover</a></li>'
    if book.pages:
        landmarks += (
            '<li><a epub:type="bodymatter" href="page-001.xhtml">Start of the story</a></li>'
        )
    return (
        f'<nav epub:type="toc" id="toc">\n<h1>Contents</h1>\n<ol>{"".join(entries)}</ol>\n</nav>\n'
        f'<nav epub:type="landmarks" id="landmarks" hidden="hidden">\n<h2>Landmarks</h2>\n'
        f"<ol>{landmarks}</ol>\n</nav>"
    )


# --- Package document ----------------------------------------------------------------


def _identifier(book: Book) -> str:
    try:
        return f"urn:uuid:{uuid.UUID(book.id)}"
    except ValueError:
        return f"urn:storystudio:{book.id}"


def _package(book: Book, items: list[Item]) -> str:
    manifest = "\n".join(_manifest_line(i) for i in items)
    progression = ' page-progression-direction="rtl"' if is_right_to_left(book.language) else ""
    spine = "\n".join(f'    <itemref idref="{i.id}"/>' for i in items if i.in_spine)
    modified = book.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    cover_meta = (
        '\n    <meta name="cover" content="cover-image"/>'
        if any(i.id == "cover-image" for i in items)
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="book-id" xml:lang={quoteattr(book.language)}>
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="book-id">{escape(_identifier(book))}</dc:identifier>
    <dc:title>{escape(clean_text(book.display_title) or "Untitled")}</dc:title>
    <dc:language>{escape(book.language)}</dc:language>
    <dc:creator>Story Studio</dc:creator>
    <dc:date>{book.created_at.astimezone(UTC).strftime("%Y-%m-%d")}</dc:date>
    <meta property="dcterms:modified">{modified}</meta>{cover_meta}
  </metadata>
  <manifest>
{manifest}
  </manifest>
  <spine{progression}>
{spine}
  </spine>
</package>
"""


def _manifest_line(item: Item) -> str:
    props = f' properties="{item.properties}"' if item.properties else ""
    return f'    <item id="{item.id}" href="{item.href}" media-type="{item.media_type}"{props}/>'

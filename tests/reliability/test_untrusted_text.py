"""Text a server wrote or a book file holds is shown as text, never run as markup.

A story with HTML and script in its title, page text, scenes (alt text), character
names and review notes comes from the fake server through `studio generate`; every
export must show it literally: HTML and EPUB escape it (the EPUB's XHTML must still
parse as XML), the PDF prints it as characters and carries no script or link
actions, PNG pages and the archive simply work.
"""

from __future__ import annotations

import io
import json
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest

from studio.core.book import Character, PagePlan, StoryPlan, StyleGuide
from studio.core.library import Bundle
from studio.export import ExportOptions, export_book_sync
from tests.fakes.server import FakeOpenAIThread
from tests.reliability.helpers import CANARY, studio, studio_env

IMG = "<img src=http://evil/x>"
SCRIPT = "<script>alert('owned')</script>"
BREAKOUT = '"><svg onload=alert(1)>'
CDATA = "]]><!-- --></p></body>"
HOSTILE = (IMG, SCRIPT, BREAKOUT, CDATA)


def hostile_story(pages: int) -> StoryPlan:
    return StoryPlan(
        title=f"The {SCRIPT} Book {IMG}",
        style=StyleGuide(art_style=f"watercolour {IMG}", palette="warm", medium="ink"),
        characters=[Character(name=f"Pip{BREAKOUT}", description=f"a fox {SCRIPT}")],
        pages=[
            PagePlan(
                text=f"Page {n}: {IMG} and {SCRIPT} & {CDATA} said Pip{BREAKOUT}.",
                scene=f"A meadow {BREAKOUT} {IMG} (page {n}).",
                characters=[f"Pip{BREAKOUT}"],
            )
            for n in range(1, pages + 1)
        ],
    )


@pytest.fixture(scope="module")
def hostile_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    env = studio_env(root / "home", OPENAI_API_KEY=CANARY)
    with FakeOpenAIThread(story=hostile_story(2), pages=2) as server:
        run = studio(
            "--library", root / "library", "generate", f"a premise {SCRIPT}", "--pages", 2,
            "--engine", "openai", "--base-url", server.base_url, env=env,
        )  # fmt: skip
    assert run.code == 0, run.stderr
    assert run.bundle is not None
    bundle = Bundle(run.bundle)
    book = bundle.load()
    assert IMG in book.title and SCRIPT in book.pages[0].text  # the server's words, kept as is
    book.pages[0].review.notes = f"Note {SCRIPT} {IMG}"  # and an author's, from the book file
    bundle.save(book)
    return run.bundle


def _export(bundle_path: Path, fmt: str, out: Path) -> Path:
    bundle = Bundle(bundle_path)
    options = ExportOptions(format=fmt, out=out, include_notes=True)
    return export_book_sync(bundle, bundle.load(), options).path


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _assert_markup_inert(markup: str, where: str) -> str:
    parser = _Tags()
    parser.feed(markup)
    for tag, attrs in parser.tags:
        assert tag not in ("script", "svg", "iframe", "object", "embed"), (where, tag)
        assert not any(k.startswith("on") for k in attrs), (where, tag, attrs)
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert "evil" not in value and not value.startswith(("http:", "javascript:")), (
                where,
                tag,
                attrs,
            )
    return "".join(parser.text)


def test_html_export_shows_markup_as_text(hostile_bundle: Path, tmp_path: Path) -> None:
    folder = _export(hostile_bundle, "html", tmp_path / "web")
    pages = list(folder.rglob("*.html"))
    assert pages
    shown = ""
    for page in pages:
        shown += _assert_markup_inert(page.read_text(), str(page))
    for text in (IMG, SCRIPT, BREAKOUT):
        assert text in shown, f"{text!r} should be visible as text"


def test_epub_export_shows_markup_as_text(hostile_bundle: Path, tmp_path: Path) -> None:
    epub = _export(hostile_bundle, "epub", tmp_path / "book.epub")
    shown = ""
    with zipfile.ZipFile(epub) as zf:
        for name in zf.namelist():
            if not name.endswith((".xhtml", ".opf", ".ncx")):
                continue
            data = zf.read(name).decode()
            ElementTree.fromstring(data.encode())  # still well-formed XML
            shown += _assert_markup_inert(data, name)
    for text in (IMG, SCRIPT, BREAKOUT):
        assert text in shown


def test_pdf_export_prints_markup_literally_and_has_no_actions(
    hostile_bundle: Path, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    pdf = _export(hostile_bundle, "pdf", tmp_path / "book.pdf")
    raw = pdf.read_bytes()
    for action in (b"/JavaScript", b"/JS ", b"/Launch", b"/URI", b"/SubmitForm"):
        assert action not in raw, action
    reader = PdfReader(io.BytesIO(raw))
    text = " ".join((p.extract_text() or "") for p in reader.pages)
    flat = " ".join(text.split())
    for literal in ("<script>alert('owned')</script>", "<img src=http://evil/x>"):
        assert literal in flat, (literal, flat[:500])


def test_png_and_archive_exports_work(hostile_bundle: Path, tmp_path: Path) -> None:
    folder = _export(hostile_bundle, "png", tmp_path / "pages")
    assert all(" " not in p.name and "<" not in p.name for p in folder.iterdir())
    archive = _export(hostile_bundle, "archive", tmp_path / "book.storybook.zip")
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert all("<" not in n and ".." not in n for n in names)
        assert SCRIPT in json.loads(zf.read("book.json"))["pages"][0]["text"]

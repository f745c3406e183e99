from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from studio.export import ExportOptions, export_book_sync


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _export(book, out: Path):
    bundle, story = book
    return export_book_sync(bundle, story, ExportOptions("html", out))


def _tags(folder: Path) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collector()
    parser.feed((folder / "index.html").read_text(encoding="utf-8"))
    return parser.tags


def test_page_text_is_escaped(book, tmp_path):
    folder = _export(book, tmp_path / "web").path
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; Jerry &lt;b&gt;were&lt;/b&gt;" in page
    assert "<script" not in page
    assert "<b>" not in page


def test_every_picture_and_stylesheet_is_a_local_file(book, tmp_path):
    folder = _export(book, tmp_path / "web").path
    tags = _tags(folder)
    sources = [attrs["src"] for tag, attrs in tags if tag == "img"]
    assert len(sources) == 1 + 4  # the cover and each page
    links = [attrs["href"] for tag, attrs in tags if tag == "link"]
    for ref in [*sources, *links]:
        assert ref and "//" not in ref and not ref.startswith("/")
        assert (folder / ref).is_file()
    assert all(attrs.get("alt") for tag, attrs in tags if tag == "img")
    assert "url(" not in (folder / "style.css").read_text().replace('url("fonts/', "")


def test_export_replaces_an_earlier_export_but_not_other_folders(book, tmp_path):
    out = tmp_path / "web"
    _export(book, out)
    again = _export(book, out)
    assert again.path == out and not again.warnings
    assert (out / "index.html").is_file()
    other = tmp_path / "documents"
    other.mkdir()
    (other / "taxes.txt").write_text("keep me")
    result = _export(book, other)
    assert result.path == tmp_path / "documents-2"
    assert any("did not write" in w and "documents-2" in w for w in result.warnings)
    assert [p.name for p in other.iterdir()] == ["taxes.txt"]
    assert (result.path / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "documents",
        "documents-2",
        "library",
        "web",
    ]

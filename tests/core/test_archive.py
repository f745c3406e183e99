from __future__ import annotations

import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from studio.core.archive import ArchiveError, ArchiveRejected, import_archive, write_archive
from studio.core.book import Book
from studio.core.library import Bundle, Library
from studio.export import ExportError, ExportOptions, export_book_sync
from tests.export.conftest import build_book, picture

Entries = list[tuple[str, bytes]]


@pytest.fixture
def source(tmp_path: Path) -> tuple[Bundle, Book]:
    library = Library(tmp_path / "source")
    library.ensure()
    return build_book(library, pages=3)


@pytest.fixture
def target(tmp_path: Path) -> Library:
    library = Library(tmp_path / "target")
    library.ensure()
    return library


def _images(bundle: Bundle) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in bundle.images_dir.iterdir()}


def _listing(*folders: Path) -> list[str]:
    return sorted(str(p) for folder in folders for p in folder.rglob("*"))


def export_archive(bundle: Bundle, out: Path) -> Path:
    """Share `bundle` as the studio does: the archive export, placed safely."""
    return export_book_sync(bundle, bundle.load(), ExportOptions("archive", out)).path


# --- Round trip ----------------------------------------------------------------------


def test_export_then_import_gives_back_the_same_book(source, target, tmp_path):
    bundle, _ = source
    archive = export_archive(bundle, tmp_path)
    assert archive.name == "milo-and-the-lantern.storybook.zip"
    imported = import_archive(archive, target)
    assert imported.path == target.root / "milo-and-the-lantern.storybook"
    assert imported.load().model_dump() == bundle.load().model_dump()
    assert _images(imported) == _images(bundle)
    assert [p.name for p in target.root.iterdir()] == [imported.path.name]


def test_importing_twice_keeps_both_under_new_names_and_ids(source, target, tmp_path):
    archive = export_archive(source[0], tmp_path / "shared.zip")
    first = import_archive(archive, target)
    second = import_archive(archive, target)
    assert second.path.name == "milo-and-the-lantern-2.storybook"
    assert first.load().id == source[1].id
    assert second.load().id != source[1].id
    assert second.load().title == source[1].title


def test_a_bundle_folder_zipped_by_a_file_manager_is_accepted(source, target, tmp_path):
    bundle, _ = source
    archive = tmp_path / "by-hand.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(bundle.path.rglob("*")):
            zf.write(path, f"{bundle.path.name}/{path.relative_to(bundle.path)}")
        zf.writestr("__MACOSX/._book.json", b"\0")
    imported = import_archive(archive, target)
    assert _images(imported) == _images(bundle)


# --- Hostile and broken archives -----------------------------------------------------


def _zip(
    path: Path, entries: Entries, tweak: Callable[[zipfile.ZipInfo], None] | None = None
) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if tweak:
                tweak(info)
            zf.writestr(info, data)
    return path


def _book_entries(source: tuple[Bundle, Book]) -> Entries:
    bundle, _ = source
    files = [("book.json", bundle.book_file.read_bytes())]
    return files + [(f"images/{n}", d) for n, d in sorted(_images(bundle).items())]


def _bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _assert_refused(archive: Path, library: Library, reason: str) -> None:
    library.ensure()
    before = _listing(library.root, archive.parent)
    with pytest.raises(ArchiveRejected, match=reason):
        import_archive(archive, library)
    assert _listing(library.root, archive.parent) == before
    assert not (archive.parent.parent / "evil.txt").exists()


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.txt", "outside its folder"),
        ("images/../../evil.txt", "outside its folder"),
        ("/tmp/evil", "absolute path"),
        ("C:/evil.txt", "absolute path"),
        ("images\\..\\..\\evil.txt", "unsafe name"),
        ("notes.txt", "not part of a book"),
        ("images/sub/deep.png", "not part of a book"),
    ],
)
def test_entries_outside_the_book_are_refused(source, target, tmp_path, name, reason):
    archive = _zip(tmp_path / "hostile.zip", [*_book_entries(source), (name, b"evil")])
    _assert_refused(archive, target, reason)


def test_symlink_entries_are_refused(source, target, tmp_path):
    def as_link(info: zipfile.ZipInfo) -> None:
        if info.filename == "images/link.png":
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16

    entries = [*_book_entries(source), ("images/link.png", b"/etc/passwd")]
    _assert_refused(_zip(tmp_path / "link.zip", entries, as_link), target, "symbolic link")


def test_zip_bomb_is_refused_by_its_declared_ratio(source, target, tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in _book_entries(source):
            zf.writestr(name, data)
        with zf.open("images/zeros.png", "w", force_zip64=True) as entry:
            block = b"\0" * (1024 * 1024)
            for _ in range(200):
                entry.write(block)
    _assert_refused(archive, target, "zip bomb")


def test_sizes_that_lie_are_caught_while_reading(source, target, tmp_path):
    archive = tmp_path / "liar.zip"
    real = b"\0" * (3 * 1024 * 1024)
    _zip(archive, [*_book_entries(source), ("images/liar.png", real)])
    raw = bytearray(archive.read_bytes())
    central = raw.rfind(b"PK\x01\x02")  # the last entry's central directory record
    struct.pack_into("<I", raw, central + 24, 100)  # claim 100 bytes uncompressed
    archive.write_bytes(bytes(raw))
    _assert_refused(archive, target, "is damaged|more data")


def test_too_much_data_in_total_is_refused(source, target, tmp_path, monkeypatch):
    monkeypatch.setattr("studio.core.archive.MAX_TOTAL_BYTES", 10_000)
    _assert_refused(_zip(tmp_path / "big.zip", _book_entries(source)), target, "at most")


def test_too_many_files_are_refused(source, target, tmp_path):
    entries = [*_book_entries(source)] + [(f"images/f{i}.png", b"") for i in range(2001)]
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    _assert_refused(archive, target, "at most 2000")


def test_invalid_book_json_is_refused(source, target, tmp_path):
    entries = [("book.json", b"{not json"), *_book_entries(source)[1:]]
    _assert_refused(_zip(tmp_path / "json.zip", entries), target, "not valid JSON")


def test_book_json_of_the_wrong_shape_is_refused(source, target, tmp_path):
    entries = [("book.json", b'{"schema_version": 1, "pages": 3}'), *_book_entries(source)[1:]]
    _assert_refused(_zip(tmp_path / "shape.zip", entries), target, "does not match the format")


def test_missing_book_json_is_refused(source, target, tmp_path):
    _assert_refused(
        _zip(tmp_path / "nobook.zip", _book_entries(source)[1:]), target, "no book.json"
    )


def test_an_image_that_is_not_one_is_refused(source, target, tmp_path):
    entries = [*_book_entries(source), ("images/fake.png", b"MZ\x90\x00 this is a program")]
    _assert_refused(_zip(tmp_path / "fake.zip", entries), target, "not a picture")


def test_a_decompression_bomb_picture_is_refused(source, target, tmp_path):
    entries = [*_book_entries(source), ("images/huge.png", _bomb_png())]
    _assert_refused(_zip(tmp_path / "huge.zip", entries), target, "too large")


def test_a_picture_the_book_needs_must_be_there(source, target, tmp_path):
    entries = [e for e in _book_entries(source) if e[0] != "images/p2-orig.png"]
    _assert_refused(_zip(tmp_path / "missing.zip", entries), target, "p2-orig.png .* missing")


def test_duplicate_names_are_refused(source, target, tmp_path):
    entries = [*_book_entries(source), ("images/P1-ORIG.png", picture(8, 8, 1))]
    _assert_refused(_zip(tmp_path / "dup.zip", entries), target, "more than once")


def test_a_file_that_is_not_a_zip_is_refused(target, tmp_path):
    archive = tmp_path / "not.zip"
    archive.write_bytes(b"hello" * 100)
    _assert_refused(archive, target, "not a zip archive")


def test_export_refuses_when_a_picture_file_is_gone(source, tmp_path):
    bundle, _ = source
    (bundle.images_dir / "p1-thumb.jpg").unlink()
    with pytest.raises(ExportError, match=r"p1-thumb\.jpg is missing"):
        export_archive(bundle, tmp_path)
    assert not list(tmp_path.glob("*.zip")) and not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize("link", ["picture", "images", "book.json"])
def test_export_refuses_a_symlink_inside_the_bundle(source, tmp_path, link):
    bundle, _ = source
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.png"
    secret.write_bytes(picture(64, 64, seed=1))
    if link == "picture":
        (bundle.images_dir / "p1-orig.png").unlink()
        (bundle.images_dir / "p1-orig.png").symlink_to(secret)
        named = "images/p1-orig.png"
    elif link == "images":
        moved = outside / "images"
        bundle.images_dir.rename(moved)
        bundle.images_dir.symlink_to(moved, target_is_directory=True)
        named = "images"
    else:
        real = outside / "book.json"
        bundle.book_file.rename(real)
        bundle.book_file.symlink_to(real)
        named = "book.json"
    with pytest.raises(ArchiveError, match=rf"{named} in .* is a symbolic link"):
        write_archive(bundle, tmp_path / "out.zip")
    with pytest.raises(ExportError, match="symbolic link"):
        export_archive(bundle, tmp_path)
    assert not list(tmp_path.glob("*.zip")) and not list(tmp_path.glob(".*.part"))


def test_an_unreferenced_symlink_in_images_is_not_packed(source, tmp_path):
    bundle, _ = source
    (tmp_path / "private.txt").write_text("not part of the book")
    (bundle.images_dir / "stray.png").symlink_to(tmp_path / "private.txt")
    with zipfile.ZipFile(export_archive(bundle, tmp_path)) as zf:
        names = zf.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
    assert "images/stray.png" not in names
    assert all(not stat.S_ISLNK(m) for m in modes.values())

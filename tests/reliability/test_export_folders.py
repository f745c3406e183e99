"""Exports into places the user already has: nothing the user made is lost or changed.

Every case builds a user's folder (or file) under `home`, records a manifest of
every entry there that is the user's (each file's SHA-256 and mode, each link's
target, each folder's mode), exports into it, and checks that every entry of
the manifest is still there, byte for byte; that the export is complete and
opens; and that the result's path and warnings say what happened.

What counts as the studio's (and may change) is decided here, not by the code
under test: a file listed with its current SHA-256 in the `files` of a
`.storystudio-export.json` beside it, that marker itself, and single files an
earlier export in the same case returned, while their bytes are unchanged.

Run with `-s` to see the tally at the end of the module.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from studio.core.archive import import_archive
from studio.core.book import Book
from studio.core.library import Bundle, Library
from studio.export import (
    FORMATS,
    ExportError,
    ExportOptions,
    ExportResult,
    export_book_sync,
    output,
)
from tests.export.conftest import build_book, picture
from tests.reliability.helpers import REPO, leftovers, studio_env

PAGES = 3
MARKER = ".storystudio-export.json"
FOLDER_FORMATS = ("html", "png")
FILE_FORMATS = ("pdf", "epub", "archive")
SUFFIX = {"pdf": ".pdf", "epub": ".epub", "archive": ".storybook.zip"}
BOOK_FILE = {fmt: f"milo-and-the-lantern{SUFFIX[fmt]}" for fmt in FILE_FORMATS}


# --- Fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tally() -> Iterator[Counter[str]]:
    counts: Counter[str] = Counter()
    yield counts
    print(
        f"\nExports into user folders: {counts['targets']} targets tried, "
        f"{counts['beside']} written beside, {counts['in_place']} in place, "
        f"{counts['refused']} refused; {counts['user_entries']} user entries compared, "
        f"{counts['lost']} lost or changed."
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.fixture
def book(tmp_path: Path) -> tuple[Bundle, Book]:
    library = Library(tmp_path / "library")
    library.ensure()
    return build_book(library, pages=PAGES)


@dataclass
class Case:
    """One place to export to: what the studio wrote there before, and the checks."""

    home: Path
    bundle: Bundle
    book: Book
    tally: Counter[str]
    studio_files: dict[Path, str] = field(default_factory=dict)

    def export(self, fmt: str, out: Path, book: Book | None = None) -> ExportResult:
        """An export the case sets up with (the studio's own earlier work)."""
        result = export_book_sync(self.bundle, book or self.book, ExportOptions(fmt, out))
        if result.path.is_file():
            self.studio_files[result.path] = _sha(result.path)
        return result

    def check(
        self, fmt: str, out: Path, *, expect: str, book: Book | None = None
    ) -> ExportResult | None:
        """Export and judge. `expect`: 'in_place', 'beside' or 'refused'."""
        before = self.user_manifest()
        self.tally["targets"] += 1
        try:
            result = export_book_sync(self.bundle, book or self.book, ExportOptions(fmt, out))
        except ExportError as err:
            assert expect == "refused", f"refused unexpectedly: {err}"
            assert str(out.parent) in str(err) or str(out) in str(err), err
            result = None
        after = manifest(self.home)
        lost = sorted(k for k, v in before.items() if after.get(k) != v)
        self.tally["user_entries"] += len(before)
        self.tally["lost"] += len(lost)
        assert not lost, f"user entries lost or changed: {lost}"
        assert not leftovers(self.home), leftovers(self.home)
        self.tally[expect] += 1
        if result is None:
            return None
        assert_complete(fmt, result.path, len((book or self.book).pages), self.home.parent)
        wanted = out / BOOK_FILE[fmt] if fmt in FILE_FORMATS and out.is_dir() else out
        if expect == "in_place":
            assert result.path == wanted
            assert not any("left exactly as it was" in w for w in result.warnings)
        else:
            assert result.path != wanted and result.path.parent == wanted.parent
            said = [w for w in result.warnings if "left exactly as it was" in w]
            assert said and str(wanted) in said[0] and str(result.path) in said[0], said
        return result

    def user_manifest(self) -> dict[str, tuple[object, ...]]:
        entries = manifest(self.home)
        for rel in list(entries):
            path = self.home / rel
            if _studios(path, self.home, self.studio_files):
                del entries[rel]
        return entries


@pytest.fixture
def case(home: Path, book: tuple[Bundle, Book], tally: Counter[str]) -> Case:
    return Case(home, *book, tally)


# --- Manifests -----------------------------------------------------------------------


def manifest(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under `root`, links not followed: what it is and what it holds."""
    entries: dict[str, tuple[object, ...]] = {}
    for base, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(base) / name
            st = os.lstat(path)
            rel = path.relative_to(root).as_posix()
            if stat.S_ISLNK(st.st_mode):
                entries[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                entries[rel] = ("folder", stat.S_IMODE(st.st_mode))
            else:
                entries[rel] = ("file", _sha(path), stat.S_IMODE(st.st_mode))
    return entries


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_TEMPORARY = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.(?:part|tmp)")
"""The studio's temporary names (`.NAME.XXXXXXXX.part`): a killed export's, or a running one's."""


def _studios(path: Path, home: Path, studio_files: dict[Path, str]) -> bool:
    """Whether `path` is something the studio wrote and nobody changed since."""
    if any(_TEMPORARY.fullmatch(part) for part in path.relative_to(home).parts):
        return True
    if path.is_symlink():
        return False
    if path in studio_files:
        return path.is_file() and _sha(path) == studio_files[path]
    for folder in [f for f in path.parents if home in f.parents]:
        marker = folder / MARKER
        if marker.is_file() and not marker.is_symlink():
            if path == marker:
                return True
            listed = json.loads(marker.read_text())["files"]
            rel = path.relative_to(folder).as_posix()
            if path.is_dir():
                return any(p.startswith(rel + "/") for p in listed) and not any(
                    not _studios(c, home, studio_files) for c in path.rglob("*")
                )
            return rel in listed and path.is_file() and _sha(path) == listed[rel]["sha256"]
    return False


# --- Is the export complete? ---------------------------------------------------------


class _Sources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("src", "href") and value:
                self.refs.append(value)


def assert_complete(fmt: str, path: Path, pages: int, scratch: Path) -> None:
    if fmt in FOLDER_FORMATS:
        assert path.is_dir() and not path.is_symlink()
        listed = _listed(path)
        if fmt == "html":
            parser = _Sources()
            parser.feed((path / "index.html").read_text(encoding="utf-8"))
            assert {"index.html", "style.css"} <= set(listed)
            assert {f"images/page-{n:03d}.jpg" for n in range(1, pages + 1)} <= set(listed)
            for ref in parser.refs:
                assert ref in listed, ref
        else:
            names = [f"page-{n:03d}.png" for n in range(1, pages + 1)]
            assert sorted(listed) == names
            for name in names:
                with Image.open(path / name) as image:
                    image.verify()
        return
    assert path.is_file() and not path.is_symlink()
    assert output.is_sealed(path) is True
    if fmt == "pdf":
        assert len(PdfReader(path).pages) == pages + 1
    elif fmt == "epub":
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None
            assert zf.namelist()[0] == "mimetype"
            assert sum(n.startswith("OEBPS/page-") for n in zf.namelist()) == pages
    else:
        library = Library(scratch / f"check-{len(list(scratch.iterdir()))}")
        library.ensure()
        assert len(import_archive(path, library).load().pages) == pages


def _listed(folder: Path) -> dict[str, dict[str, object]]:
    listed: dict[str, dict[str, object]] = json.loads((folder / MARKER).read_text())["files"]
    for rel, entry in listed.items():
        target = folder / rel
        assert not any(p.is_symlink() for p in [target, *target.parents] if folder in p.parents)
        assert _sha(target) == entry["sha256"], rel
    return listed


# --- The user's things ---------------------------------------------------------------


def _png(seed: int, size: int = 24) -> bytes:
    img = Image.new("RGB", (size, size), (seed * 37 % 256, seed * 91 % 256, seed * 13 % 256))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(_png(seed, 48))).save(out, "JPEG")
    return out.getvalue()


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def user_website(folder: Path) -> Path:
    _write(
        folder / "index.html", "<!DOCTYPE html><title>My holiday</title><img src=images/photo.jpg>"
    )
    _write(folder / "images" / "photo.jpg", _jpeg(1))
    _write(folder / "images" / "page-001.jpg", _jpeg(2))
    _write(folder / "notes.txt", "Call grandma about the photos.\n")
    return folder


def user_photos(folder: Path, count: int = 58) -> Path:
    for n in range(1, count + 1):
        _write(folder / f"page-{n:03d}.png", _png(n))
    return folder


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """Make `folder` (already filled) read-only for everyone, root included."""
    if os.geteuid() == 0 and shutil.which("mount"):
        keep = folder.with_name(folder.name + ".content")
        folder.rename(keep)
        folder.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)], check=True)
        try:
            subprocess.run(["cp", "-a", f"{keep}/.", str(folder)], check=True)
            shutil.rmtree(keep)
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
            yield folder
        finally:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        return
    modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")] if p.is_dir()}
    for path in modes:
        path.chmod(0o555)
    try:
        yield folder
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def _fewer_pages(book: Book, pages: int) -> Book:
    smaller = book.model_copy(deep=True)
    del smaller.pages[pages:]
    return smaller


# --- Folder exports (HTML, PNG) ------------------------------------------------------


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_a_users_web_folder_is_left_alone(case: Case, home: Path, fmt: str) -> None:
    site = user_website(home / "site")
    result = case.check(fmt, site, expect="beside")
    assert result is not None and result.path == home / "site-2"
    assert any("did not write" in w for w in result.warnings)


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_a_folder_of_58_page_photos_is_left_alone(case: Case, home: Path, fmt: str) -> None:
    photos = user_photos(home / "photos")
    result = case.check(fmt, photos, expect="beside")
    assert result is not None and result.path == home / "photos-2"
    assert len(list(photos.iterdir())) == 58


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_an_earlier_export_is_updated_and_the_users_additions_stay(
    case: Case, home: Path, fmt: str
) -> None:
    out = home / "out"
    case.export(fmt, out)
    _write(out / "notes.txt", "What to change next time.\n")
    inner = out / "images" / "my-drawing.png" if fmt == "html" else out / "my-drawing.png"
    _write(inner, _png(7))
    # The book lost a page since: its files are the studio's and go; the user's stay.
    result = case.check(fmt, out, expect="in_place", book=_fewer_pages(case.book, PAGES - 1))
    assert result is not None
    gone = out / ("images/page-003.jpg" if fmt == "html" else "page-003.png")
    assert not gone.exists()
    said = [w for w in result.warnings if "did not write" in w]
    assert said and "notes.txt" in said[0] and "my-drawing.png" in said[0]


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_a_studio_file_the_user_edited_is_kept(case: Case, home: Path, fmt: str) -> None:
    out = home / "out"
    case.export(fmt, out)
    if fmt == "html":
        edited = out / "index.html"
        edited.write_text(edited.read_text().replace("Milo", "Mila"), encoding="utf-8")
    else:
        edited = _write(out / "page-002.png", _png(99))
    result = case.check(fmt, out, expect="beside")
    assert result is not None and result.path == home / "out-2"
    assert edited.relative_to(out).as_posix() in result.warnings[0]


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_a_read_only_folder_of_the_users_gets_the_export_beside_it(
    case: Case, home: Path, fmt: str
) -> None:
    with read_only(user_website(home / "site")) as site:
        case.check(fmt, site, expect="beside")


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_an_earlier_export_made_read_only_gets_the_export_beside_it(
    case: Case, home: Path, fmt: str
) -> None:
    case.export(fmt, home / "out")
    with read_only(home / "out") as out:
        result = case.check(fmt, out, expect="beside")
    assert result is not None and "cannot be written" in result.warnings[0]


@pytest.mark.parametrize("fmt", [*FOLDER_FORMATS, *FILE_FORMATS])
def test_inside_a_read_only_folder_the_export_is_refused_with_its_name(
    case: Case, home: Path, fmt: str
) -> None:
    (home / "locked").mkdir()
    _write(home / "locked" / "diary.txt", "mine")
    with read_only(home / "locked") as locked:
        name = "web" if fmt in FOLDER_FORMATS else BOOK_FILE[fmt]
        case.check(fmt, locked / name, expect="refused")


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_a_file_where_the_folder_should_be_is_left_alone(case: Case, home: Path, fmt: str) -> None:
    out = _write(home / "book", "a text file the user named 'book'\n")
    result = case.check(fmt, out, expect="beside")
    assert result is not None and "is a file, not a folder" in result.warnings[0]


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_a_link_inside_an_earlier_export_is_never_followed(
    case: Case, home: Path, fmt: str
) -> None:
    pictures = user_photos(home / "Pictures", 3)
    _write(pictures / "page-001.jpg", _jpeg(5))
    out = home / "out"
    case.export(fmt, out)
    if fmt == "html":
        shutil.rmtree(out / "images")
        (out / "images").symlink_to(pictures, target_is_directory=True)
    else:
        (out / "page-001.png").unlink()
        (out / "page-001.png").symlink_to(pictures / "page-001.png")
    result = case.check(fmt, out, expect="beside")
    assert result is not None and "link" in result.warnings[0]


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_links_in_a_users_folder_are_left_alone(case: Case, home: Path, fmt: str) -> None:
    pictures = user_photos(home / "Pictures", 4)
    site = home / "site"
    _write(site / "index.html", "<p>mine</p>")
    (site / "images").symlink_to(pictures, target_is_directory=True)
    (site / "page-001.png").symlink_to(pictures / "page-001.png")
    case.check(fmt, site, expect="beside")


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_a_link_as_the_target_is_left_alone(case: Case, home: Path, fmt: str) -> None:
    site = user_website(home / "site")
    (home / "shortcut").symlink_to(site, target_is_directory=True)
    (home / "dangling").symlink_to(home / "nowhere")
    case.check(fmt, home / "shortcut", expect="beside")
    case.check(fmt, home / "dangling", expect="beside")
    assert not (home / "nowhere").exists()


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_an_empty_folder_is_used(case: Case, home: Path, fmt: str) -> None:
    (home / "empty").mkdir(mode=0o750)
    case.check(fmt, home / "empty", expect="in_place")
    assert stat.S_IMODE((home / "empty").stat().st_mode) == 0o750


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_an_export_of_the_other_kind_is_left_alone(case: Case, home: Path, fmt: str) -> None:
    other = "png" if fmt == "html" else "html"
    case.export(other, home / "out")
    result = case.check(fmt, home / "out", expect="beside")
    assert result is not None and "Story Studio" in result.warnings[0]


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_a_user_file_where_the_export_now_writes_is_kept(case: Case, home: Path, fmt: str) -> None:
    out = home / "out"
    case.export(fmt, out, book=_fewer_pages(case.book, 2))
    # The book grew a page; the user had already put a picture of their own at its name.
    _write(out / ("images/page-003.jpg" if fmt == "html" else "page-003.png"), _jpeg(3))
    case.check(fmt, out, expect="beside")


@pytest.mark.parametrize("fmt", FOLDER_FORMATS)
def test_a_forged_marker_naming_files_outside_is_not_trusted(
    case: Case, home: Path, fmt: str
) -> None:
    secret = _write(home / "Documents" / "taxes.txt", "2024 return\n")
    folder = home / "out"
    _write(folder / "notes.txt", "mine\n")
    entry = {"size": secret.stat().st_size, "sha256": _sha(secret)}
    forged = {
        "app": "Story Studio",
        "version": 1,
        "kind": fmt,
        "files": {"../Documents/taxes.txt": entry},
    }
    marker = _write(folder / MARKER, json.dumps(forged))
    case.check(fmt, folder, expect="beside")
    assert json.loads(marker.read_text()) == forged and secret.read_text() == "2024 return\n"


# --- Single files (PDF, EPUB, archive) -----------------------------------------------


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_a_users_file_with_the_same_name_is_left_alone(case: Case, home: Path, fmt: str) -> None:
    mine = _write(home / f"book{SUFFIX[fmt]}", b"%PDF-1.4 the user's own file\n" * 50)
    first = case.check(fmt, mine, expect="beside")
    assert first is not None and first.path == home / f"book-2{SUFFIX[fmt]}"
    case.studio_files[first.path] = _sha(first.path)
    # Exporting to the same name again replaces the studio's book-2, not book-3.
    again = case.check(fmt, mine, expect="beside")
    assert again is not None and again.path == first.path


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_an_earlier_export_is_replaced(case: Case, home: Path, fmt: str) -> None:
    case.export(fmt, home)
    result = case.check(fmt, home, expect="in_place")
    assert result is not None and not result.warnings


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_an_earlier_export_the_user_changed_is_kept(case: Case, home: Path, fmt: str) -> None:
    path = case.export(fmt, home).path
    with path.open("ab") as handle:  # an annotation saved by a viewer, say
        handle.write(b"\n% the user's note\n")
    result = case.check(fmt, home, expect="beside")
    assert result is not None and "changed since Story Studio wrote it" in result.warnings[0]


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_a_folder_where_the_file_should_be_is_left_alone(case: Case, home: Path, fmt: str) -> None:
    _write(home / BOOK_FILE[fmt] / "inside.txt", "a folder with the book's name\n")
    result = case.check(fmt, home, expect="beside")
    assert result is not None and "is a folder" in result.warnings[0]


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_a_link_at_the_files_name_is_not_followed(case: Case, home: Path, fmt: str) -> None:
    real = _write(home / "Documents" / f"real{SUFFIX[fmt]}", b"the user's real file")
    (home / BOOK_FILE[fmt]).symlink_to(real)
    result = case.check(fmt, home, expect="beside")
    assert result is not None and "is a link" in result.warnings[0]


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_a_file_among_the_users_files(case: Case, home: Path, fmt: str) -> None:
    docs = user_website(home / "Documents")
    case.check(fmt, docs, expect="in_place")


# --- Umask ---------------------------------------------------------------------------


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o077])
@pytest.mark.parametrize("fmt", FORMATS)
def test_exported_files_follow_the_umask(case: Case, home: Path, fmt: str, mask: int) -> None:
    out = home / ("out" if fmt in FOLDER_FORMATS else BOOK_FILE[fmt])
    with umask(mask):
        first = case.export(fmt, out).path
        _assert_modes(first, mask)
        again = case.export(fmt, out).path  # an update in place: new files, new marker
    assert again == first
    _assert_modes(again, mask)


def _assert_modes(path: Path, mask: int) -> None:
    for item in [path, *path.rglob("*")]:
        mode = stat.S_IMODE(item.lstat().st_mode)
        wanted = (0o777 if item.is_dir() else 0o666) & ~mask
        assert mode == wanted, f"{item}: {oct(mode)} instead of {oct(wanted)}"


# --- Leftovers of a killed export, and cancel ------------------------------------------


def _age(path: Path, seconds: float = 600) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_leftovers_of_a_killed_export_are_removed_by_the_next_one(case: Case, home: Path) -> None:
    case.export("html", home / "web")
    made = [
        _age(_write(home / ".milo-and-the-lantern.pdf.ab12cd34.part", b"%PDF half")),
        _age(_write(home / ".milo-and-the-lantern.storybook.zip.k3j_x9qz.tmp", b"PK")),
        _age(_write(home / ".pages.0a1b2c3d.part" / "page-001.png", _png(1)).parent),
        _age(
            _write(home / "web" / ".storystudio-export.ffee0011.part" / "index.html", "<p>").parent
        ),
        _age(_write(home / "web" / ".storystudio-export.json.12345678.part", "{")),
    ]
    # Not leftovers: a user's file with a similar name, and one a running export holds.
    mine = _age(_write(home / ".milo-and-the-lantern.pdf.backup.part", "mine"))
    running = _age(_write(home / ".milo-and-the-lantern.epub.live0001.part", b"PK"))
    with running.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        for fmt, out in [
            ("pdf", home),
            ("archive", home),
            ("png", home / "pages"),
            ("html", home / "web"),
        ]:
            case.export(fmt, out)
        assert running.exists()
    assert not any(p.exists() for p in made), [p for p in made if p.exists()]
    assert mine.read_text() == "mine"
    case.export("epub", home)
    assert not running.exists()
    assert sorted(p.name for p in leftovers(home)) == [mine.name]


@pytest.mark.parametrize("into", ["new", "earlier-export"])
def test_an_export_killed_by_sigkill_is_cleaned_up_by_the_next(
    case: Case, home: Path, monkeypatch: pytest.MonkeyPatch, into: str
) -> None:
    out = home / "pages"
    if into == "earlier-export":
        case.export("png", out)
        _write(out / "notes.txt", "mine\n")
    before = case.user_manifest()
    env = studio_env(home)
    command = [sys.executable, "-m", "studio", "export", case.bundle.path, "--format", "png"]
    with subprocess.Popen(
        [*command, "--out", out],
        env=env,
        cwd=REPO,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    ) as proc:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("1/"):  # page 1 is written, page 2 is being drawn
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert leftovers(home), "the kill landed after the export finished"
    monkeypatch.setattr(output, "STALE_SECONDS", 0.0)  # the lock says it is dead; no need to wait
    result = case.check("png", out, expect="in_place")
    assert result is not None
    assert all(case.user_manifest().get(k) == v for k, v in before.items())


def test_a_cancelled_update_leaves_the_earlier_export_as_it_was(case: Case, home: Path) -> None:
    import threading

    out = home / "web"
    case.export("html", out)
    _write(out / "notes.txt", "mine\n")
    before = manifest(home)
    cancel = threading.Event()

    def stop_at_page_2(done: int, total: int, label: str) -> None:
        if done == 2:
            cancel.set()

    from studio.export import ExportCancelled

    with pytest.raises(ExportCancelled):
        export_book_sync(
            case.bundle,
            case.book,
            ExportOptions("html", out),
            progress=stop_at_page_2,
            cancel=cancel,
        )
    assert manifest(home) == before


# --- What the person reads -------------------------------------------------------------


def test_the_command_line_prints_where_the_export_went(case: Case, home: Path) -> None:
    site = user_website(home / "site")
    before = case.user_manifest()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "studio",
            "export",
            case.bundle.path,
            "--format",
            "html",
            "--out",
            site,
        ],
        env=studio_env(home),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == str(home / "site-2")
    assert f"Warning: {site} already holds files that Story Studio did not write" in proc.stderr
    assert f"saved in {home / 'site-2'} instead" in proc.stderr
    assert all(manifest(home).get(k) == v for k, v in before.items())


def test_seal_detects_any_changed_byte(case: Case, home: Path) -> None:
    path = case.export("pdf", home).path
    data = bytearray(path.read_bytes())
    assert output.is_sealed(path) is True
    for at in (0, len(data) // 2, len(data) - 1):
        changed = bytearray(data)
        changed[at] ^= 0x01
        path.write_bytes(bytes(changed))
        assert output.is_sealed(path) is False, at
    path.write_bytes(picture(32, 32, seed=1))
    assert output.is_sealed(path) is None

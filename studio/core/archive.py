"""Sharing a book as one `<slug>.storybook.zip`, and taking one in safely.

An archive holds `book.json` and `images/<name>` at its root (a single
`<name>.storybook/` folder around them, as a file manager's "Compress" makes,
is accepted too). Packing one never follows a symbolic link inside the bundle:
a link where the book's file should be stops the export with its name. Import trusts nothing in it: every name, size, the book and
every picture are checked, and it is unpacked into a hidden folder inside the
library that becomes the new bundle only once all of it passed. A refused
archive leaves nothing behind.

An imported book never replaces one already in the library: it gets a free
folder name (`<slug>-2.storybook`), and if the library already holds a book
with the same id (the same book imported twice, or shared back to its author)
the newcomer gets a fresh id so both copies can live side by side. Its title
and contents stay as they were.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO
from uuid import uuid4

from studio.core import imaging
from studio.core.book import Book, ImageVersion
from studio.core.library import (
    BOOK_FILE,
    BUNDLE_SUFFIX,
    IMAGES_DIR,
    MAX_BOOK_JSON_BYTES,
    BookFileError,
    Bundle,
    Library,
    StorageError,
    atomic_write,
    parse_book,
    slugify,
)
from studio.core.safeio import file_kind

ARCHIVE_SUFFIX = BUNDLE_SUFFIX + ".zip"
MAX_ENTRIES = 2000
MAX_TOTAL_BYTES = 1024**3
MAX_RATIO = 100
"""Largest uncompressed/compressed ratio for entries over RATIO_FLOOR bytes."""
RATIO_FLOOR = 1024 * 1024
CHUNK = 1024 * 1024
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class ArchiveRejected(Exception):
    """The archive is not a book we can take in. The message says why."""


class ArchiveError(Exception):
    """A book could not be packed into an archive. The message says why."""


# --- Export --------------------------------------------------------------------------


def referenced_images(book: Book) -> list[str]:
    """Every picture file name the book points at, each once, in page order."""
    versions: list[ImageVersion] = []
    for page in book.pages:
        if page.image.current:
            versions.append(page.image.current)
        versions.extend(page.image.history)
    if book.character_sheet:
        versions.append(book.character_sheet)
    names = (n for v in versions for n in (v.original, v.display, v.thumbnail))
    return list(dict.fromkeys(names))


def archive_name(bundle: Bundle) -> str:
    stem = bundle.path.name.removesuffix(BUNDLE_SUFFIX)
    return f"{slugify(stem)}{ARCHIVE_SUFFIX}"


def write_archive(bundle: Bundle, destination: Path, comment: bytes = b"") -> None:
    """Pack `bundle` into the zip file `destination` (which the caller seals, flushes
    to the disk and moves into place; see `studio.export`), with `comment` as the zip
    comment.

    Only book.json and the pictures the book uses go in, each as an ordinary
    file. A symbolic link inside the bundle (book.json, images/ or a picture) is
    never followed: the export is refused, naming it, because the archive would
    otherwise carry a file from outside the book, or miss one the book needs.
    """
    _refuse_link(bundle, bundle.book_file)
    book = bundle.load()
    files = _files_to_pack(bundle, book)
    try:
        with destination.open("wb") as handle:
            _write_zip(handle, book, files, comment)
    except OSError as err:
        raise ArchiveError(f"Could not write {destination}: {err.strerror or err}.") from err


def _files_to_pack(bundle: Bundle, book: Book) -> dict[str, Path]:
    files: dict[str, Path] = {}
    names = referenced_images(book)
    if names:
        _refuse_link(bundle, bundle.images_dir)
    for name in names:
        path = bundle.image_path(name)
        _refuse_link(bundle, path)
        if not path.is_file():
            raise ArchiveError(
                f"The picture file {name} is missing from {bundle.path.name}; "
                "regenerate the page's picture before sharing the book."
            )
        files[name] = path
    return files


def _refuse_link(bundle: Bundle, path: Path) -> None:
    if path.is_symlink():
        inside = path.relative_to(bundle.path).as_posix()
        raise ArchiveError(
            f"{inside} in {bundle.path.name} is a symbolic link, not the file itself; a shared "
            "book carries only its own files. Put the real file there (or regenerate the "
            "page's picture) and share again."
        )


def _write_zip(handle: IO[bytes], book: Book, files: dict[str, Path], comment: bytes) -> None:
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.comment = comment
        zf.writestr(BOOK_FILE, book.model_dump_json(indent=1))
        for name, path in files.items():
            info = zipfile.ZipInfo(f"{IMAGES_DIR}/{name}", date_time=_date_time(path))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            # Pictures are compressed already: storing them saves time and nothing else.
            info.compress_type = zipfile.ZIP_STORED
            with _open_no_follow(path) as source, zf.open(info, "w") as target:
                shutil.copyfileobj(source, target, CHUNK)


def _open_no_follow(path: Path) -> IO[bytes]:
    """Open a file of the bundle for reading; a link put there meanwhile is refused."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_BINARY", 0))
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise ArchiveError(f"{path} is a symbolic link, not the file itself.") from err
        raise ArchiveError(f"Could not read {path}: {err.strerror or err}.") from err
    return os.fdopen(fd, "rb")


def _date_time(path: Path) -> tuple[int, int, int, int, int, int]:
    stamp = max(os.lstat(path).st_mtime, 315532800)  # the zip format starts in 1980
    return time.localtime(stamp)[:6]


# --- Import --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    book_entry: zipfile.ZipInfo
    images: dict[str, zipfile.ZipInfo]


def import_archive(archive: Path, library: Library) -> Bundle:
    """Check `archive` completely and add its book to `library` as a new bundle.

    Raises ArchiveRejected (naming the problem) when anything in it is unsafe,
    damaged or not part of a book; the library is then left as it was.
    """
    with _open_regular(archive) as handle, _open(archive, handle) as zf:
        try:
            plan = _plan(zf)
            book = _read_book(zf, plan, archive)
            return _install(zf, plan, book, library)
        except (zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError) as err:
            raise ArchiveRejected(f"{archive.name} is damaged ({err}).") from err
        except NotImplementedError as err:
            raise ArchiveRejected(
                f"{archive.name} uses a kind of compression Story Studio cannot read ({err})."
            ) from err


def _open(archive: Path, handle: IO[bytes]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(handle)
    except FileNotFoundError as err:
        raise ArchiveRejected(f"{archive} does not exist.") from err
    except IsADirectoryError as err:
        raise ArchiveRejected(f"{archive} is a folder, not a .storybook.zip archive.") from err
    except (zipfile.BadZipFile, EOFError, UnicodeDecodeError, NotImplementedError) as err:
        raise ArchiveRejected(f"{archive.name} is damaged or not a zip archive ({err}).") from err
    except OSError as err:
        raise ArchiveRejected(f"{archive} cannot be read ({err.strerror or err}).") from err


def _open_regular(archive: Path) -> IO[bytes]:
    """Open without blocking (a FIFO cannot hang the import) and only a regular file."""
    try:
        fd = os.open(
            archive, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        )
    except FileNotFoundError as err:
        raise ArchiveRejected(f"{archive} does not exist.") from err
    except OSError as err:
        raise ArchiveRejected(f"{archive} cannot be read ({err.strerror or err}).") from err
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ArchiveRejected(
                f"{archive} is {file_kind(info.st_mode)}, not a .storybook.zip archive."
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _plan(zf: zipfile.ZipFile) -> _Plan:
    entries = zf.infolist()
    if len(entries) > MAX_ENTRIES:
        raise ArchiveRejected(
            f"The archive has {len(entries)} files; a book has at most {MAX_ENTRIES}."
        )
    prefix = _common_bundle_folder(entries)
    book_entry: zipfile.ZipInfo | None = None
    images: dict[str, zipfile.ZipInfo] = {}
    seen: set[str] = set()
    for info in entries:
        _check_entry(info)
        name = info.filename.removeprefix(prefix)
        if _ignored(name):
            continue
        if name.casefold() in seen:
            raise ArchiveRejected(
                f"The archive contains {info.filename!r} more than once "
                "(names that differ only in capitals count as the same)."
            )
        seen.add(name.casefold())
        if name == BOOK_FILE:
            book_entry = info
        elif not info.is_dir():
            images[_image_name(name, info)] = info
    _check_sizes(entries)
    if book_entry is None:
        raise ArchiveRejected("The archive has no book.json; it is not a Story Studio book.")
    return _Plan(book_entry, images)


def _common_bundle_folder(entries: list[zipfile.ZipInfo]) -> str:
    """'name.storybook/' when every entry sits in that one folder, else ''."""
    firsts = {e.filename.split("/", 1)[0] for e in entries if not _ignored(e.filename)}
    if len(firsts) == 1:
        (first,) = firsts
        if first.endswith(BUNDLE_SUFFIX) and all(
            e.filename.startswith(first + "/") or _ignored(e.filename) for e in entries
        ):
            return first + "/"
    return ""


def _ignored(name: str) -> bool:
    parts = name.split("/")
    return parts[0] == "__MACOSX" or parts[-1] in IGNORED_NAMES or name in ("", "/")


def _check_entry(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if name.startswith("/") or _DRIVE.match(name):
        raise ArchiveRejected(f"The archive tries to write to an absolute path: {name!r}.")
    if "\\" in name or ":" in name or _CONTROL.search(name):
        raise ArchiveRejected(f"The archive has a file with an unsafe name: {name!r}.")
    parts = PurePosixPath(name).parts
    if ".." in parts or "." in name.rstrip("/").split("/"):
        raise ArchiveRejected(f"The archive tries to write outside its folder: {name!r}.")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ArchiveRejected(f"The archive contains a symbolic link ({name!r}); books have none.")
    if info.flag_bits & 0x1:
        raise ArchiveRejected(f"{name!r} is encrypted; books are shared without a password.")


def _image_name(name: str, info: zipfile.ZipInfo) -> str:
    folder, _, file = name.partition("/")
    if folder != IMAGES_DIR or not file or "/" in file or file.startswith("."):
        raise ArchiveRejected(
            f"The archive contains {info.filename!r}, which is not part of a book "
            "(only book.json and pictures in images/ are)."
        )
    return file


def _check_sizes(entries: list[zipfile.ZipInfo]) -> None:
    total = sum(e.file_size for e in entries)
    if total > MAX_TOTAL_BYTES:
        raise ArchiveRejected(
            f"The archive unpacks to {_size(total)}; a book may take at most "
            f"{_size(MAX_TOTAL_BYTES)}."
        )
    for e in entries:
        if e.file_size > RATIO_FLOOR and e.file_size > MAX_RATIO * max(e.compress_size, 1):
            raise ArchiveRejected(
                f"{e.filename!r} is compressed {e.file_size // max(e.compress_size, 1)} to 1, "
                "far more than any picture or book; the archive looks like a zip bomb."
            )


def _size(n: int) -> str:
    if n >= 1024**3:
        return f"{n / 1024**3:.1f} GB"
    return f"{n / 1024**2:.1f} MB" if n >= 1024**2 else f"{max(1, n // 1024)} KB"


def _read_book(zf: zipfile.ZipFile, plan: _Plan, archive: Path) -> Book:
    raw = _read_entry(zf, plan.book_entry, MAX_BOOK_JSON_BYTES)
    try:
        book = parse_book(raw, Path(archive.name) / BOOK_FILE)
    except BookFileError as err:
        raise ArchiveRejected(str(err)) from err
    for name in referenced_images(book):
        if not _valid_name(name):
            raise ArchiveRejected(f"book.json names an unsafe picture file: {name!r}.")
        if name not in plan.images:
            raise ArchiveRejected(
                f"The picture {name} that the book uses is missing from the archive."
            )
    return book


def _valid_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Read one entry, never holding more than `limit` or its declared size, which may lie."""
    cap = min(limit, info.file_size)
    if info.file_size > limit:
        raise ArchiveRejected(f"{info.filename!r} is too large ({_size(info.file_size)}).")
    return b"".join(_chunks(zf, info, cap))


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> Iterator[bytes]:
    count = 0
    with zf.open(info) as stream:
        while chunk := stream.read(CHUNK):
            count += len(chunk)
            if count > cap:
                raise ArchiveRejected(
                    f"{info.filename!r} holds more data than the archive declares; "
                    "the archive is damaged or hostile."
                )
            yield chunk


def _install(zf: zipfile.ZipFile, plan: _Plan, book: Book, library: Library) -> Bundle:
    library.ensure()
    try:
        staging = Path(tempfile.mkdtemp(prefix=".import-", suffix=".tmp", dir=library.root))
    except OSError as err:
        raise StorageError(f"Cannot add a book to {library.root}: {err.strerror}.") from err
    try:
        _unpack_images(zf, plan, Bundle(staging))
        if _id_taken(book.id, library):
            book.id = uuid4().hex
        Bundle(staging).save(book)
        return Bundle(_move_into_place(staging, library, book))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _unpack_images(zf: zipfile.ZipFile, plan: _Plan, staging: Bundle) -> None:
    staging.images_dir.mkdir()
    budget = MAX_TOTAL_BYTES
    for name, info in plan.images.items():
        data = _read_entry(zf, info, min(imaging.MAX_BYTES, budget))
        budget -= len(data)
        try:
            imaging.inspect(data)
        except imaging.ImageRejected as err:
            raise ArchiveRejected(f"images/{name} is refused: {err}") from err
        atomic_write(staging.image_path(name), data)


def _id_taken(book_id: str, library: Library) -> bool:
    for bundle in library.bundles():
        try:
            if bundle.load().id == book_id:
                return True
        except BookFileError:
            continue
    return False


def _move_into_place(staging: Path, library: Library, book: Book) -> Path:
    slug = slugify(book.display_title)
    for n in range(1, 10_000):
        name = f"{slug}{BUNDLE_SUFFIX}" if n == 1 else f"{slug}-{n}{BUNDLE_SUFFIX}"
        target = library.root / name
        if target.exists():
            continue
        try:
            os.rename(staging, target)
        except (FileExistsError, IsADirectoryError):
            continue
        except OSError as err:
            if err.errno == errno.ENOTEMPTY:
                continue
            raise StorageError(
                f"Could not add the book to {library.root}: {err.strerror}."
            ) from err
        return target
    raise StorageError(f"The library {library.root} has too many books named {slug}.")

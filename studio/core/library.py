"""Books on disk: the `<slug>.storybook/` bundle, atomic writes, loading and the library.

A bundle holds `book.json` and `images/`. Every write goes to a temporary file
beside its target, is flushed and fsynced, then renamed over the target, so a
crash leaves either the old file or the new one, never half of one.

Several writers may hold one book (a run, the window, `studio review`). Each
saves under the book's write lock; `book.json` carries a revision, and a writer
that finds another revision than the one it read merges its change on top of
what is there (see `bookmerge`). A bundle that was deleted is never recreated.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

import platformdirs
from pydantic import ValidationError

from studio.core.atomic import atomic_write as atomic_write
from studio.core.book import SCHEMA_VERSION, Book, ImageStatus, PlanStatus, now
from studio.core.booklock import GenerationLock, gone_message, write_lock
from studio.core.bookmerge import apply_into, merge
from studio.core.safeio import UnsafeFileError, read_bounded
from studio.core.storage_errors import BookBusyError as BookBusyError
from studio.core.storage_errors import BookFileError as BookFileError
from studio.core.storage_errors import BookGoneError as BookGoneError
from studio.core.storage_errors import StorageError as StorageError

log = logging.getLogger(__name__)
T = TypeVar("T")

BUNDLE_SUFFIX = ".storybook"
BOOK_FILE = "book.json"
IMAGES_DIR = "images"
MAX_BOOK_JSON_BYTES = 32 * 1024 * 1024
MAX_PICTURE_FILE_BYTES = 128 * 1024 * 1024
"""No picture the studio writes comes near this; a file past it is not read."""


def default_library_dir() -> Path:
    """`STUDIO_LIBRARY` if set, else the platform's user data folder."""
    env = os.environ.get("STUDIO_LIBRARY")
    if env:
        return Path(env).expanduser()
    return platformdirs.user_data_path("StoryStudio", appauthor=False) / "Library"


def slugify(text: str, max_len: int = 48) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", ascii_text).strip("-").lower()
    return slug[:max_len].strip("-") or "book"


# --- Loading and migration -----------------------------------------------------------


def migrate(data: dict[str, Any], source: Path) -> dict[str, Any]:
    """Bring an older `book.json` up to the current schema."""
    version = data.get("schema_version")
    if not isinstance(version, int):
        raise BookFileError(
            f"{source}: the file has no schema_version; it is not a Story Studio book."
        )
    if version > SCHEMA_VERSION:
        raise BookFileError(
            f"{source}: this book was saved by a newer Story Studio (format {version}); "
            f"this version reads format {SCHEMA_VERSION} and older. Update Story Studio to open it."
        )
    if version < 1:
        raise BookFileError(f"{source}: unknown book format {version}.")
    return data


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "the top level"
    more = f" (and {err.error_count() - 1} more problems)" if err.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def parse_book(raw: bytes, source: Path) -> Book:
    """Validate the bytes of a `book.json`; raise BookFileError naming `source`."""
    if len(raw) > MAX_BOOK_JSON_BYTES:
        raise BookFileError(f"{source}: the file is too large to be a book ({len(raw)} bytes).")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as err:
        raise BookFileError(f"{source}: the file is not valid JSON ({err}).") from err
    if not isinstance(data, dict):
        raise BookFileError(f"{source}: expected a JSON object at the top level.")
    try:
        return Book.model_validate(migrate(data, source))
    except ValidationError as err:
        raise BookFileError(
            f"{source}: the book does not match the format: {_first_error(err)}."
        ) from err


def _revision_of(raw: bytes) -> int | None:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    value = data.get("revision", 0) if isinstance(data, dict) else None
    return value if isinstance(value, int) else None


def _clean_interrupted(book: Book) -> Book:
    """A picture still 'running' on disk was cut off by a crash: it is pending again."""
    for page in book.pages:
        if page.image.status is ImageStatus.RUNNING:
            page.image.status = ImageStatus.PENDING
    return book


@dataclass(frozen=True)
class Bundle:
    """A `<slug>.storybook/` folder."""

    path: Path

    @property
    def book_file(self) -> Path:
        return self.path / BOOK_FILE

    @property
    def images_dir(self) -> Path:
        return self.path / IMAGES_DIR

    def image_path(self, name: str) -> Path:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise BookFileError(f"{self.book_file}: invalid picture file name {name!r}.")
        return self.images_dir / name

    def read(self) -> bytes:
        """The bytes of `book.json`: a regular file under the size cap, read without blocking."""
        try:
            return read_bounded(self.book_file, MAX_BOOK_JSON_BYTES)
        except FileNotFoundError as err:
            raise BookFileError(
                f"{self.book_file}: the file is missing; this is not a book bundle."
            ) from err
        except UnsafeFileError as err:
            raise BookFileError(f"{self.book_file}: cannot be read as a book: {err}.") from err
        except OSError as err:
            raise BookFileError(f"{self.book_file}: cannot be read ({err.strerror}).") from err

    def load(self) -> Book:
        return _clean_interrupted(parse_book(self.read(), self.book_file))

    def save(self, book: Book) -> None:
        """Write `book` whole, as the first save of a new bundle. Later changes go
        through `update` or `commit`, which merge with other writers."""
        self._require_folder()
        self.images_dir.mkdir(exist_ok=True)
        atomic_write(self.book_file, book.model_dump_json(indent=1).encode())

    def _require_folder(self) -> None:
        if not self.path.is_dir():
            raise BookGoneError(gone_message(self.path))

    def _read_current(self) -> bytes:
        """`book.json` as it is on disk now; BookGoneError if its bundle was deleted."""
        self._require_folder()
        try:
            return self.read()
        except BookFileError:
            self._require_folder()
            raise

    def update(self, change: Callable[[Book], T]) -> T:
        """Apply `change` to the book as it is on disk now, under the write lock, and save.

        For one-off writers (a review note, a rename): what others saved is kept.
        """
        with write_lock(self.path):
            book = _clean_interrupted(parse_book(self._read_current(), self.book_file))
            result = change(book)
            book.revision += 1
            book.updated_at = now()
            self._write(book.model_dump(mode="json"))
        return result

    def commit(self, ours: dict[str, Any], base: dict[str, Any] | None) -> dict[str, Any]:
        """Save `ours`, a writer's whole book that started from `base`; return what was written.

        When the file on disk is still at `base`'s revision, `ours` is written as is.
        Otherwise the two are merged, this writer's changes on top.
        """
        with write_lock(self.path):
            raw = self._read_current()
            revision = _revision_of(raw)
            written = dict(ours)
            if base is not None and revision != base.get("revision", 0):
                theirs = parse_book(raw, self.book_file).model_dump(mode="json")
                try:
                    written = Book.model_validate(merge(base, ours, theirs)).model_dump(mode="json")
                except ValidationError as err:
                    log.warning("Could not merge with the book saved since: %s", err)
            written["revision"] = (revision or 0) + 1
            self._write(written)
        return written

    def _write(self, data: dict[str, Any]) -> None:
        self._require_folder()
        self.images_dir.mkdir(exist_ok=True)
        atomic_write(self.book_file, json.dumps(data, indent=1, ensure_ascii=False).encode())

    def generation_lock(self) -> GenerationLock:
        return GenerationLock(self.path)

    def remove_stale_temp_files(self, older_than: float = 60.0) -> int:
        """Delete temporary files a killed process left behind; returns how many."""
        cutoff = time.time() - older_than
        removed = 0
        for folder in (self.path, self.images_dir):
            for leftover in folder.glob(".*.tmp") if folder.is_dir() else ():
                try:
                    if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                        leftover.unlink()
                        removed += 1
                except OSError:
                    continue
        return removed

    def write_image(self, name: str, data: bytes) -> Path:
        target = self.image_path(name)
        self._require_folder()
        target.parent.mkdir(exist_ok=True)
        try:
            atomic_write(target, data)
        except StorageError:
            self._require_folder()
            raise
        return target


def read_picture_file(path: Path) -> bytes:
    """A picture file's bytes: a regular file under the cap, read without blocking.

    Raises OSError (UnsafeFileError for a FIFO, a device or an oversized file)."""
    return read_bounded(path, MAX_PICTURE_FILE_BYTES)


class BookStore:
    """A loaded book and its bundle, saved off the event loop.

    `save()` snapshots the book on the loop (cheap) and writes in the executor.
    Saves requested while one is running are coalesced into one more write,
    whose snapshot is taken when it starts (after the changes the running one
    brought in).
    Changes another process saved meanwhile are merged in, and brought into
    the live book in place (`bookmerge.apply_into`).
    """

    def __init__(
        self,
        bundle: Bundle,
        book: Book,
        executor: Executor | None = None,
        *,
        held: GenerationLock | None = None,
    ) -> None:
        """`held`: the book's generation lock, already taken by the caller, who releases it."""
        self.bundle = bundle
        self.book = book
        self._executor = executor
        self._lock = asyncio.Lock()
        self._dirty = False
        self._base: dict[str, Any] = book.model_dump(mode="json")
        """The book as this store last read or wrote it."""
        self._generation: GenerationLock | None = held
        self._generating = 1 if held is not None else 0

    @property
    def revision(self) -> int:
        return int(self._base.get("revision") or 0)

    async def save(self) -> None:
        """Write the book soon; returns once this change is on disk.

        The write goes on when the caller is cancelled: a save cut off between the
        file's replacement and this store's note of it would leave the store merging
        its own pages a second time on the next save."""
        self.book.updated_at = now()
        self._dirty = True
        await asyncio.shield(self._save_if_dirty())

    async def _save_if_dirty(self) -> None:
        async with self._lock:
            if not self._dirty:
                return  # a save that started after this call wrote this change
            self._dirty = False
            await self._commit(self.book.model_dump(mode="json"))

    async def _commit(self, ours: dict[str, Any]) -> None:
        loop = asyncio.get_running_loop()
        written = await loop.run_in_executor(self._executor, self.bundle.commit, ours, self._base)
        self._take(ours, written)

    async def refresh(self) -> bool:
        """Bring in what another process saved; True when the book changed.

        Unsaved changes of this store are merged and saved; with none, nothing is written.
        """
        return await asyncio.shield(self._refresh())

    async def _refresh(self) -> bool:
        loop = asyncio.get_running_loop()
        async with self._lock:
            theirs = await loop.run_in_executor(self._executor, self._read_if_changed)
            if theirs is None:
                return False
            ours = self.book.model_dump(mode="json")
            if ours != self._base:
                await self._commit(ours)
            else:
                self._take(ours, theirs)
            return True

    def _read_if_changed(self) -> dict[str, Any] | None:
        """The book on disk when its revision is not this store's, else None (executor)."""
        raw = self.bundle.read()
        if _revision_of(raw) == self.revision:
            return None
        return parse_book(raw, self.bundle.book_file).model_dump(mode="json")

    def _take(self, ours: dict[str, Any], written: dict[str, Any]) -> None:
        if written != ours:
            apply_into(self.book, ours, written)
        self.book.revision = int(written.get("revision") or 0)
        self._base = written

    @contextlib.contextmanager
    def generating(self) -> Iterator[None]:
        """Hold the book's generation lock (shared by every run of this store).

        Raises BookBusyError at once when another process or store holds it.
        """
        if self._generating == 0:
            lock = self.bundle.generation_lock()
            lock.acquire()
            self._generation = lock
        self._generating += 1
        try:
            yield
        finally:
            self._generating -= 1
            if self._generating == 0 and self._generation is not None:
                self._generation.release()
                self._generation = None

    async def write_image(self, name: str, data: bytes) -> Path:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.bundle.write_image, name, data)


# --- The library ---------------------------------------------------------------------


@dataclass(frozen=True)
class BookSummary:
    bundle: Bundle
    title: str
    pages: int
    images_done: int
    failed: int
    complete: bool
    cover: Path | None
    updated: float
    error: str | None = None

    @property
    def state(self) -> str:
        if self.error:
            return "unreadable"
        if self.complete:
            return "complete"
        return "has failures" if self.failed else "unfinished"


def summarize(bundle: Bundle) -> BookSummary:
    try:
        book = bundle.load()
    except BookFileError as err:
        return BookSummary(bundle, bundle.path.stem, 0, 0, 0, False, None, 0.0, str(err))
    cover = next(
        (bundle.image_path(p.image.current.thumbnail) for p in book.pages if p.image.current), None
    )
    return BookSummary(
        bundle=bundle,
        title=book.display_title,
        pages=len(book.pages) or book.settings.pages,
        images_done=sum(p.is_done for p in book.pages),
        failed=len(book.failed_pages) + (book.plan_status is PlanStatus.FAILED),
        complete=book.is_complete,
        cover=cover,
        updated=book.updated_at.timestamp(),
    )


class Library:
    """A folder of bundles."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or default_library_dir()).expanduser()

    def ensure(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StorageError(
                f"Cannot create the library folder {self.root}: {err.strerror}."
            ) from err

    def bundles(self) -> list[Bundle]:
        if not self.root.is_dir():
            return []
        found = [p for p in self.root.iterdir() if p.suffix == BUNDLE_SUFFIX and p.is_dir()]
        return [Bundle(p) for p in sorted(found)]

    def summaries(self) -> list[BookSummary]:
        """Every book, newest first. Reads every book.json: call it off the GUI thread."""
        return sorted((summarize(b) for b in self.bundles()), key=lambda s: -s.updated)

    def _unique_path(self, slug: str) -> Path:
        candidate = self.root / f"{slug}{BUNDLE_SUFFIX}"
        n = 2
        while candidate.exists():
            candidate = self.root / f"{slug}-{n}{BUNDLE_SUFFIX}"
            n += 1
        return candidate

    def create(self, book: Book, name: str | None = None) -> Bundle:
        """Make a new bundle for `book` with a unique folder name and save it."""
        self.ensure()
        path = self._unique_path(slugify(name or book.display_title))
        try:
            (path / IMAGES_DIR).mkdir(parents=True)
        except OSError as err:
            raise StorageError(f"Cannot create {path}: {err.strerror}.") from err
        bundle = Bundle(path)
        bundle.save(book)
        return bundle

    def rename(self, bundle: Bundle, title: str) -> Bundle:
        def retitle(book: Book) -> None:
            book.title = title.strip() or book.title

        bundle.update(retitle)
        return bundle

    def duplicate(self, bundle: Bundle) -> Bundle:
        book = bundle.load()
        target = self._unique_path(slugify(book.display_title))
        tmp = self.root / f".{target.name}.copying"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            shutil.copytree(bundle.path, tmp, symlinks=False)
            copy = Bundle(tmp)
            book.id = uuid4().hex
            book.title = f"{book.display_title} (copy)"
            copy.save(book)
            os.replace(tmp, target)
        except OSError as err:
            shutil.rmtree(tmp, ignore_errors=True)
            raise StorageError(f"Could not copy the book: {err.strerror}.") from err
        return Bundle(target)

    def delete(self, bundle: Bundle) -> None:
        if bundle.path.parent.resolve() != self.root.resolve():
            raise StorageError(f"{bundle.path} is not in the library {self.root}.")
        # moved aside first: a run still writing to the book finds it gone, and nothing it
        # writes can land in the folder being removed
        trash = bundle.path.with_name(f".{bundle.path.name}.deleting-{uuid4().hex[:8]}")
        with write_lock(bundle.path):
            try:
                os.rename(bundle.path, trash)
            except OSError as err:
                raise StorageError(f"Could not delete {bundle.path}: {err.strerror}.") from err
        for _ in range(5):
            try:
                shutil.rmtree(trash)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.05)
        shutil.rmtree(trash, ignore_errors=True)

"""What every export format shares: pictures with their checks, progress, cancel.

Where the output goes, and how it gets there safely, is `studio.export.output`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from studio.core import imaging
from studio.core.book import Book, ImageStatus, Page
from studio.core.library import BUNDLE_SUFFIX, BookFileError, Bundle, read_picture_file, slugify

Progress = Callable[[int, int, str], None]
APP_LINE = "Illustrated with Story Studio"
PLACEHOLDER_TEXT = "The picture for this page is not ready yet."
PLACEHOLDER_NOTE = "The page is exported with a placeholder; regenerate its picture to fix this."


class ExportCancelled(Exception):
    """The export was stopped before it finished; nothing was left behind."""


class ExportError(Exception):
    """An export could not be written. The message says why and what to do."""


@dataclass
class Job:
    """One export run: the book, where progress goes, and the cancel flag."""

    bundle: Bundle
    book: Book
    progress: Progress | None = None
    cancel: threading.Event | None = None
    warnings: list[str] = field(default_factory=list)

    def step(self, done: int, total: int, label: str) -> None:
        """Report progress; stop here when cancel was asked for."""
        if self.cancel is not None and self.cancel.is_set():
            raise ExportCancelled("The export was cancelled.")
        if self.progress is not None:
            self.progress(done, total, label)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


@dataclass(frozen=True)
class Picture:
    data: bytes
    info: imaging.ImageInfo


def load_picture(job: Job, page: Page, rendition: str) -> Picture | None:
    """The page's picture (`original` or `display`), checked; None with a warning if unusable."""
    current = page.image.current
    if page.image.status is not ImageStatus.DONE or current is None:
        job.warn(_missing_reason(page))
        return None
    try:
        data = read_picture_file(job.bundle.image_path(getattr(current, rendition)))
        return Picture(data, imaging.inspect(data))
    except (OSError, BookFileError) as err:
        job.warn(
            f"Page {page.number}'s picture file cannot be read ({_reason(err)}). {PLACEHOLDER_NOTE}"
        )
    except imaging.ImageRejected as err:
        job.warn(
            f"Page {page.number}'s picture is unusable ({str(err).rstrip('.')}). {PLACEHOLDER_NOTE}"
        )
    return None


def _reason(err: Exception) -> str:
    if isinstance(err, FileNotFoundError):
        return "the file is missing"
    return getattr(err, "strerror", None) or str(err)


def _missing_reason(page: Page) -> str:
    status = page.image.status
    if status is ImageStatus.FAILED:
        why = f" ({page.image.error.rstrip('.')})" if page.image.error else ""
        return f"Page {page.number}'s picture failed{why}. {PLACEHOLDER_NOTE}"
    return f"Page {page.number} has no picture yet. {PLACEHOLDER_NOTE}"


def cover_picture(job: Job, rendition: str) -> tuple[Page, Picture] | None:
    """The first page's picture, or the first one there is; quietly (pages report their own)."""
    quiet = Job(job.bundle, job.book)
    for page in job.book.pages:
        picture = load_picture(quiet, page, rendition)
        if picture is not None:
            return page, picture
    return None


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text safe to put in XML/HTML/PDF: no control characters, tidy line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _XML_ILLEGAL.sub("", text).strip()


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs; single line breaks are kept inside them."""
    parts = re.split(r"\n\s*\n", clean_text(text))
    return [p.strip() for p in parts if p.strip()]


def alt_text(page: Page) -> str:
    scene = re.sub(r"\s+", " ", clean_text(page.scene))
    if len(scene) > 300:
        scene = scene[:297].rsplit(" ", 1)[0] + "…"
    return scene or f"Illustration for page {page.number}"


def book_slug(bundle: Bundle, book: Book) -> str:
    return slugify(book.title or bundle.path.name.removesuffix(BUNDLE_SUFFIX))


def review_label(page: Page) -> str:
    return page.review.state.value.replace("_", " ").capitalize()

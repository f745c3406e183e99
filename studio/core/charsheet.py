"""The character sheet: one reference picture of the cast, drawn once per book.

With character lock on, every page's picture is drawn with the sheet as its
reference, so the characters look alike from page to page. The sheet is drawn
as soon as the cast and the style are known; pages wait for it (drawn or
failed) before they ask for their own pictures. A sheet that fails is said in a
notice and the pages are drawn without it; a rejected key stops the run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from studio.core import imaging
from studio.core.book import Book, ImageVersion
from studio.core.events import CharacterSheetReady, Event, Notice
from studio.core.prompting import sheet_prompt
from studio.core.providers.base import (
    AuthError,
    ImageProvider,
    ImageRequest,
    ImageResult,
    ProviderError,
)
from studio.core.retry import describe_failure


class CharacterSheet:
    """When to draw the sheet, drawing or reading it, and waiting for it.

    `ask(request)` makes one picture call (the caller's limiter, time limit and
    usage record); `keep(stem, data, prompt)` writes its renditions into the book
    and returns the version; `read(name)` reads a picture file of the bundle;
    `path(name)` is where it lives, for the event that shows it.
    """

    def __init__(
        self,
        book: Callable[[], Book],
        images: ImageProvider,
        *,
        enabled: bool,
        ask: Callable[[ImageRequest], Awaitable[ImageResult]],
        keep: Callable[[str, bytes, str], Awaitable[ImageVersion]],
        read: Callable[[str], Awaitable[bytes]],
        path: Callable[[str], str],
        emit: Callable[[Event], None],
        changed: Callable[[], None],
    ) -> None:
        self._book = book
        self._images = images
        self._enabled = enabled
        self._ask, self._keep, self._read, self._path = ask, keep, read, path
        self._emit, self._changed = emit, changed
        self._ready: asyncio.Event | None = None
        self.reference: bytes | None = None
        """The sheet's picture once drawn or read; None without one."""

    def wanted(self) -> bool:
        """True the first time a sheet should be drawn for this run: lock on, a cast and
        a style known. Says once that a model which takes no references gets none."""
        book = self._book()
        if not self._enabled or self._ready is not None or not book.characters:
            return False
        if not self._images.accepts_references:
            self._enabled = False
            self._emit(
                Notice(
                    message=f"{self._images.model} takes no reference pictures; "
                    "character lock is off for this book."
                )
            )
            return False
        return book.style is not None

    async def draw(self) -> None:
        """Draw the sheet (or read the one the book has). A failure is told and leaves
        the pages without it; a rejected key (AuthError) is raised."""
        if self._ready is None:
            self.claim()
        assert self._ready is not None
        try:
            self.reference = await self._picture()
        except AuthError:
            raise
        except (ProviderError, imaging.ImageRejected, TimeoutError) as err:
            self._emit(
                Notice(
                    message=f"The character sheet failed ({describe_failure(err, 'image server')}); "
                    "drawing pages without it."
                )
            )
        finally:
            self._ready.set()

    def claim(self) -> None:
        """Mark the sheet as on its way, before `draw` is started as a task."""
        self._ready = asyncio.Event()

    async def wait(self) -> None:
        """Wait until the sheet is drawn or has failed; at once when none is coming."""
        if self._ready is not None:
            await self._ready.wait()

    async def _picture(self) -> bytes:
        book = self._book()
        if book.character_sheet is not None:
            return await self._read(book.character_sheet.original)
        assert book.style is not None
        request = ImageRequest(
            prompt=sheet_prompt(book.style, book.characters),
            size=book.settings.image_size,
            quality=book.settings.image_quality,
            style=book.style,
            characters=tuple(book.characters),
        )
        result = await self._ask(request)
        book.character_sheet = await self._keep("characters", result.data, request.prompt)
        self._changed()
        self._emit(CharacterSheetReady(path=self._path(book.character_sheet.display)))
        return result.data

"""What the pipeline needs from a provider, and the errors a provider raises."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Protocol

from studio.core.book import Character, PagePlan, StoryOutline, StyleGuide, UsageRecord
from studio.core.understanding import Understanding


class ProviderError(Exception):
    """A call failed. `str(error)` is a message a person can act on."""

    retryable: bool = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransientError(ProviderError):
    """Worth trying again: 5xx, timeouts, connection resets."""

    retryable = True


class RateLimited(TransientError):
    """HTTP 429. `retry_after` holds the server's Retry-After in seconds, if any."""


class AuthError(ProviderError):
    """The key was rejected (401/403). Stops the whole run: every call would fail."""


class ContentRejected(ProviderError):
    """The request was refused for its content (400 content policy, a refusal)."""


class PlanError(ProviderError):
    """The story could not be planned: truncated, refused, invalid JSON, wrong shape."""


class OutputLimitReached(PlanError):
    """The answer was cut off at the output cap (finish_reason length)."""


class FormatRejected(ProviderError):
    """The server refused the response format asked for; another one may work."""


class NoImageEndpoint(ProviderError):
    """The server has no images endpoint: every picture asked of it fails the same way."""


class ImageDataError(ProviderError):
    """The server's answer holds no usable picture."""


@dataclass(frozen=True)
class PlanRequest:
    premise: str
    pages: int
    audience_age: str = "4-7"
    art_style: str = ""
    language: str = "en"
    """BCP 47: the language the title and the pages are written in."""
    understanding: Understanding | None = None
    """The offline engine's reading of the premise, as the author corrected it."""


@dataclass(frozen=True)
class PageRewriteRequest:
    """Rewrite one page's text (and scene) within the book's story."""

    title: str
    premise: str
    pages_text: list[str]
    number: int
    instruction: str = ""
    audience_age: str = "4-7"
    language: str = "en"


@dataclass(frozen=True)
class PageRequest:
    """One page of a book being written page by page."""

    premise: str
    title: str
    characters: tuple[Character, ...]
    outline: tuple[str, ...]
    number: int
    earlier_pages: tuple[str, ...] = ()
    audience_age: str = "4-7"
    language: str = "en"


@dataclass(frozen=True)
class RewrittenPage:
    text: str
    scene: str
    usage: UsageRecord


@dataclass(frozen=True)
class PlanDone:
    """The last item a plan stream yields: usage of the whole call."""

    usage: UsageRecord


@dataclass(frozen=True)
class ImageRequest:
    prompt: str
    size: str = "1024x1024"
    quality: str = "auto"
    references: list[bytes] = field(default_factory=list)
    """Reference pictures (character sheet) for models that accept them."""
    # The structured parts `prompt` was built from, for engines that draw from them.
    scene: str = ""
    style: StyleGuide | None = None
    characters: tuple[Character, ...] = ()
    seed: int = 0


@dataclass(frozen=True)
class ImageResult:
    data: bytes
    usage: UsageRecord
    revised_prompt: str | None = None


PartialCallback = Callable[[bytes], None]


class TextProvider(Protocol):
    model: str

    def stream_plan(self, request: PlanRequest) -> AsyncIterator[str | PlanDone]:
        """Yield the story plan's JSON text in pieces as it arrives, then one PlanDone.

        The JSON matches `StoryPlan`. Raises PlanError (or another ProviderError).
        """
        ...

    async def repair_plan(
        self, request: PlanRequest, broken: str, problem: str
    ) -> tuple[str, PlanDone]:
        """Ask once more for a valid plan, given the broken JSON and what is wrong with it."""
        ...

    async def rewrite_page(self, request: PageRewriteRequest) -> RewrittenPage: ...

    async def write_outline(self, request: PlanRequest) -> tuple[StoryOutline, UsageRecord]:
        """Title, style, characters and one line per page (the per-page route's first call)."""
        ...

    async def write_page(self, request: PageRequest) -> tuple[PagePlan, UsageRecord]:
        """One page's words, scene and characters; raises PlanError if unusable."""
        ...


class ImageProvider(Protocol):
    model: str

    @property
    def accepts_references(self) -> bool: ...

    async def generate(
        self, request: ImageRequest, on_partial: PartialCallback | None = None
    ) -> ImageResult:
        """Return one picture as encoded bytes (PNG/JPEG/WebP), not yet verified."""
        ...

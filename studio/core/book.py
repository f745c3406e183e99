"""The book: pydantic models of a picture book, its pages and its history.

`StoryPlan` is what a language model writes (and what the offline engine
composes); `Book` is what lives on disk in `book.json`, with the state of
every page's illustration, earlier versions, review notes and usage.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from studio.core.language import detect, normalise
from studio.core.understanding import Understanding

SCHEMA_VERSION = 1
MIN_PAGES = 2
MAX_PAGES = 40


def now() -> datetime:
    return datetime.now(UTC)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- What the language model writes -------------------------------------------------


class StyleGuide(_Strict):
    """The look every picture of the book shares."""

    art_style: str = Field(
        description="Art style, e.g. 'soft watercolour picture-book illustration'"
    )
    palette: str = Field(description="Colour palette, e.g. 'warm ochres, sage green, dusk blue'")
    medium: str = Field(
        description="Medium and texture, e.g. 'watercolour and ink on cotton paper'"
    )

    def prompt_text(self) -> str:
        return f"Art style: {self.art_style}. Palette: {self.palette}. Medium: {self.medium}."


class Character(_Strict):
    """A character with a fixed visual description, repeated word for word on every page."""

    name: str = Field(description="The character's name as used in the text")
    description: str = Field(
        description="Fixed visual description: species, size, colours, clothing, distinguishing marks"
    )


class PagePlan(_Strict):
    text: str = Field(description="The words printed on the page (1 to 4 sentences)")
    scene: str = Field(description="What the illustration shows: setting, action, composition")
    characters: list[str] = Field(description="Names of the characters visible in the picture")


class StoryPlan(_Strict):
    """The structured story a plan call returns. Field order matters: the page
    objects come last so their pictures can start while later pages stream."""

    title: str
    style: StyleGuide
    characters: list[Character]
    pages: list[PagePlan]


class StoryOutline(_Strict):
    """The first call of the per-page route: everything but the pages' words."""

    title: str
    style: StyleGuide
    characters: list[Character]
    outline: list[str] = Field(description="One line per page: what happens on that page")


class PageRewrite(_Strict):
    """A rewritten page: its words and what its picture shows."""

    text: str = Field(description="The words printed on the page (1 to 4 short sentences)")
    scene: str = Field(description="What the illustration shows: setting, action, composition")


# --- What lives on disk --------------------------------------------------------------


class ImageStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReviewState(StrEnum):
    UNREVIEWED = "unreviewed"
    APPROVED = "approved"
    NEEDS_CHANGES = "needs_changes"


class TextVersion(BaseModel):
    text: str
    scene: str
    created_at: datetime = Field(default_factory=now)


class ImageVersion(BaseModel):
    """One rendition set of a picture, by file name inside the bundle's `images/`."""

    original: str
    display: str
    thumbnail: str
    prompt: str = ""
    model: str = ""
    width: int = 0
    height: int = 0
    created_at: datetime = Field(default_factory=now)

    @field_validator("original", "display", "thumbnail")
    @classmethod
    def _plain_file_name(cls, name: str) -> str:
        if not _FILE_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a plain picture file name")
        return name


_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}")


class Illustration(BaseModel):
    status: ImageStatus = ImageStatus.PENDING
    error: str | None = None
    current: ImageVersion | None = None
    history: list[ImageVersion] = Field(default_factory=list)


class Review(BaseModel):
    state: ReviewState = ReviewState.UNREVIEWED
    notes: str = ""


class Page(BaseModel):
    number: Annotated[int, Field(ge=1)]
    text: str
    scene: str
    characters: list[str] = Field(default_factory=list)
    image: Illustration = Field(default_factory=Illustration)
    text_history: list[TextVersion] = Field(default_factory=list)
    review: Review = Field(default_factory=Review)

    @property
    def is_done(self) -> bool:
        return self.image.status is ImageStatus.DONE and self.image.current is not None


class PlanStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class GenerationSettings(BaseModel):
    """How a book is (re)generated. Never holds a key."""

    premise: str
    pages: Annotated[int, Field(ge=MIN_PAGES, le=MAX_PAGES)] = 8
    engine: str = "offline"
    audience_age: str = "4-7"
    art_style: str = ""
    base_url: str | None = None
    image_base_url: str | None = None
    text_model: str = "offline-storyteller"
    image_model: str = "offline-painter"
    image_size: str = "1024x1024"
    image_quality: str = "auto"
    concurrency: Annotated[int, Field(ge=1, le=64)] = 4
    character_lock: bool = False
    budget_usd: float | None = None
    image_engine: str | None = None
    """Where pictures come from: "openai" or "offline"; None follows `engine`."""
    plan_mode: str = "auto"
    """auto (whole plan, then per page if that fails), whole or per-page."""
    language: str | None = None
    """The book's language, a BCP 47 tag; None (books made before it was kept) means
    the language its premise is written in."""

    understanding: Understanding | None = None
    """What the offline engine took from the premise, as the author corrected it; None
    lets the engine read the premise itself."""

    @field_validator("language")
    @classmethod
    def _a_language_tag(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else normalise(value)


class UsageRecord(BaseModel):
    kind: str  # "text" or "image"
    model: str
    latency_s: float
    input_tokens: int = 0
    output_tokens: int = 0
    images: int = 0
    cost_usd: float = 0.0
    at: datetime = Field(default_factory=now)


class UsageTotals(BaseModel):
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    images: int = 0
    cost_usd: float = 0.0

    def add(self, record: UsageRecord) -> None:
        self.calls += 1
        self.input_tokens += record.input_tokens
        self.output_tokens += record.output_tokens
        self.images += record.images
        self.cost_usd = round(self.cost_usd + record.cost_usd, 6)


class Book(BaseModel):
    schema_version: int = SCHEMA_VERSION
    revision: int = 0
    """Counts the saves of this book; a writer that finds another number on disk than
    the one it read merges its change with what is there."""
    id: str = Field(default_factory=lambda: uuid4().hex)
    title: str = ""
    settings: GenerationSettings
    plan_status: PlanStatus = PlanStatus.PENDING
    plan_error: str | None = None
    outline: list[str] = Field(default_factory=list)
    """One line per page, when the story was written page by page."""
    style: StyleGuide | None = None
    characters: list[Character] = Field(default_factory=list)
    pages: list[Page] = Field(default_factory=list)
    character_sheet: ImageVersion | None = None
    usage: UsageTotals = Field(default_factory=UsageTotals)
    usage_log: list[UsageRecord] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)

    @model_validator(mode="after")
    def _pages_numbered_in_order(self) -> Book:
        """Page numbers follow the reading order; a file that says otherwise is mended."""
        for index, page in enumerate(self.pages):
            page.number = index + 1
        return self

    @property
    def language(self) -> str:
        """The BCP 47 tag of the language the book is written in."""
        return self.settings.language or detect(self.settings.premise)

    @property
    def display_title(self) -> str:
        return self.title or self.settings.premise[:60] or "Untitled"

    @property
    def is_complete(self) -> bool:
        return (
            self.plan_status is PlanStatus.DONE
            and len(self.pages) == self.settings.pages
            and all(p.is_done for p in self.pages)
        )

    @property
    def failed_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.image.status is ImageStatus.FAILED]

    def page(self, number: int) -> Page:
        return self.pages[number - 1]

    def record_usage(self, record: UsageRecord) -> None:
        self.usage_log.append(record)
        self.usage.add(record)

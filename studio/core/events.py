"""Typed events the pipeline emits. The CLI prints them, the GUI renders them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from studio.core.book import Page, UsageRecord, UsageTotals


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class PlanStarted(Event):
    pages: int


class StoryProgress(Event):
    """Characters of the story received so far (for a live 'writing' indicator)."""

    chars: int


class StoryWaiting(Event):
    """The story server has been silent a while: what it works on, for how long
    (`seconds`) and when the studio gives it up (`limit`, seconds from the start)."""

    what: str
    seconds: float
    limit: float


class TitleReady(Event):
    title: str


class PageTextReady(Event):
    page: Page


class CharacterSheetReady(Event):
    path: str


class ImageStarted(Event):
    number: int


class ImagePartial(Event):
    """A partial rendering streamed by the image model (encoded image bytes)."""

    number: int
    data: bytes


class ImageReady(Event):
    number: int
    display_path: str
    thumbnail_path: str


class ImageFailed(Event):
    number: int
    reason: str


class PageTextChanged(Event):
    page: Page


class UsageUpdated(Event):
    record: UsageRecord
    totals: UsageTotals


class BudgetReached(Event):
    spent_usd: float
    budget_usd: float


class PlanFailed(Event):
    reason: str


class RunFinished(Event):
    """The run is over. `outcome` is one of complete, failed_pages, cancelled,
    budget, plan_failed, stopped (a fatal provider error such as a bad key)."""

    outcome: str
    message: str = ""


class Notice(Event):
    """Something the person should know that is not an error."""

    message: str

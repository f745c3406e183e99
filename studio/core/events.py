"""Typed events the pipeline emits. The CLI prints them, the GUI renders them."""

from __future__ import annotations

from enum import StrEnum

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


class Outcome(StrEnum):
    """How a run ended."""

    COMPLETE = "complete"
    FAILED_PAGES = "failed_pages"
    CANCELLED = "cancelled"
    BUDGET = "budget"
    PLAN_FAILED = "plan_failed"
    STOPPED = "stopped"
    """Stopped before its end; `RunFinished.stop` says why."""
    DELETED = "deleted"
    """The book was deleted while it was being generated; nothing more was saved."""


class StopReason(StrEnum):
    """Why a run stopped before its end."""

    KEY_REJECTED = "key_rejected"
    """The server refused the API key: no other request went out."""
    CANNOT_SAVE = "cannot_save"
    """The book could not be written (a full disk, a read-only folder)."""
    UNEXPECTED = "unexpected"
    """A fault in the studio itself; the log has the details."""


class RunFinished(Event):
    """The run is over: how (`outcome`), why it stopped early (`stop`), in words (`message`)."""

    outcome: Outcome
    message: str = ""
    stop: StopReason | None = None


class Notice(Event):
    """Something the person should know that is not an error."""

    message: str

"""Use cases shared by the CLI and the window: a run's engines and limits from a book.

Precedence, the same everywhere: what the caller names (a flag, a form), then
what the book stores, then the environment (OPENAI_BASE_URL, OPENAI_API_KEY).
Pictures go to the story's server unless the book names another one: a book
stores "same as the story" (None), never a copy of the story's address.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from studio.core.book import GenerationSettings
from studio.core.config import ConfigError, EngineConfig, resolve, strip_credentials
from studio.core.events import Outcome, RunFinished, StopReason
from studio.core.pipeline import PipelineConfig, PlanMode

ENGINES = ("offline", "openai")
PLAN_MODES = tuple(mode.value for mode in PlanMode)
RESPONSE_FORMATS = ("auto", "json_schema", "json_object", "text")


@dataclass(frozen=True)
class Overrides:
    """What the person asked for this run; None keeps the book's choice."""

    base_url: str | None = None
    image_base_url: str | None = None
    text_model: str | None = None
    image_model: str | None = None
    image_engine: str | None = None
    concurrency: int | None = None
    character_lock: bool | None = None
    budget_usd: float | None = None
    plan_mode: str | None = None


def apply_overrides(settings: GenerationSettings, overrides: Overrides) -> None:
    """Change a book's settings as asked. A new story server moves the pictures too,
    unless a picture server is named as well."""
    if overrides.base_url is not None:
        if settings.image_base_url == settings.base_url:
            settings.image_base_url = None  # a stored copy meant "same as the story"
        settings.base_url = strip_credentials(overrides.base_url)
    if overrides.image_base_url is not None:
        settings.image_base_url = strip_credentials(overrides.image_base_url)
    for name in (
        "text_model",
        "image_model",
        "image_engine",
        "concurrency",
        "character_lock",
        "budget_usd",
        "plan_mode",
    ):
        value = getattr(overrides, name)
        if value is not None:
            setattr(settings, name, value)
    if settings.image_base_url == settings.base_url:
        settings.image_base_url = None


def engine_config(
    settings: GenerationSettings,
    *,
    response_format: str | None = None,
    api_key: str | None = None,
) -> EngineConfig:
    """The engines and endpoints a run of this book uses (`api_key`: a key kept for
    this session only; None looks in the environment and the keyring)."""
    return resolve(
        settings.engine,
        base_url=settings.base_url,
        image_base_url=settings.image_base_url,
        text_model=settings.text_model,
        image_model=settings.image_model,
        image_engine=settings.image_engine,
        response_format=response_format,
        api_key=api_key,
    )


def pipeline_config(
    settings: GenerationSettings, environ: Mapping[str, str] | None = None
) -> PipelineConfig:
    """The limits of a run: the book's budget, concurrency and character lock, and
    the time limits (STUDIO_CALL_TIMEOUT, STUDIO_PLAN_SECONDS_PER_PAGE)."""
    env = os.environ if environ is None else environ
    config = PipelineConfig(
        concurrency=settings.concurrency,
        budget_usd=settings.budget_usd,
        character_lock=settings.character_lock,
        plan_mode=PlanMode(settings.plan_mode if settings.plan_mode in PLAN_MODES else "auto"),
    )
    if timeout := env.get("STUDIO_CALL_TIMEOUT"):
        config.call_timeout = config.stream_idle_timeout = _seconds(timeout, "STUDIO_CALL_TIMEOUT")
    if per_page := env.get("STUDIO_PLAN_SECONDS_PER_PAGE"):
        config.plan_seconds_per_page = _seconds(per_page, "STUDIO_PLAN_SECONDS_PER_PAGE")
        config.plan_seconds_base = min(config.plan_seconds_base, 4 * config.plan_seconds_per_page)
    return config


class ExitCode(IntEnum):
    """The `studio` command's exit status, one for each way a run or command ends."""

    OK = 0
    ERROR = 1
    USAGE = 2
    """Bad arguments, settings or key."""
    FAILED_PAGES = 3
    """Saved, with pages that failed or were left for the budget; resume finishes them."""
    BUSY = 4
    """Another run is generating the book."""
    DELETED = 5
    """The book was deleted while it was being generated."""
    CANCELLED = 130


def exit_code(finished: RunFinished) -> ExitCode:
    """How the end of a run is told to the shell."""
    if finished.outcome is Outcome.STOPPED:
        return ExitCode.USAGE if finished.stop is StopReason.KEY_REJECTED else ExitCode.ERROR
    return {
        Outcome.COMPLETE: ExitCode.OK,
        Outcome.FAILED_PAGES: ExitCode.FAILED_PAGES,
        Outcome.BUDGET: ExitCode.FAILED_PAGES,
        Outcome.CANCELLED: ExitCode.CANCELLED,
        Outcome.PLAN_FAILED: ExitCode.ERROR,
        Outcome.DELETED: ExitCode.DELETED,
    }[finished.outcome]


def _seconds(value: str, name: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds.") from None
    if seconds <= 0:
        raise ConfigError(f"{name} must be more than 0 seconds.")
    return seconds

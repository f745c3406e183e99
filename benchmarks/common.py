"""What the benchmarks share: presets, a studio run, the two common baselines, statistics."""

from __future__ import annotations

import asyncio
import base64
import json
import math
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from benchmarks.sim import SimConfig

PREMISE = "A small fox looks for a lost lantern"
IMAGE_MODEL = "gpt-image-1"
TEXT_MODEL = "gpt-4.1-mini"


@dataclass(frozen=True)
class Preset:
    """The sizes of one harness run."""

    name: str
    book_pages: tuple[int, ...]
    first_page_pages: int
    sim: SimConfig
    smooth_pages: int
    big_pages: int
    startup_repeats: int
    rate_pages: int
    rate_limit: int
    rate_window: float
    heartbeat_ms: float = 5.0
    idle_seconds: float = 2.0
    sequential_pages: int = 0  # the sequential baseline only up to this size (0: all)

    def sim_config(self, **changes: Any) -> SimConfig:
        return replace(self.sim, **changes)

    def latency_model(self) -> str:
        """The simulator's parameters in words, for the results and the table."""
        sim = self.sim
        return (
            f"story streamed at {sim.tokens_per_second:g} tokens/s; each picture answered "
            f"after {sim.image_latency:g} +- {sim.image_jitter:g} s (real gpt-image: 10-60 s); "
            "one 1536x1024 PNG of about 3.6 MB (4.8 MB as base64) for every page"
        )


PRESETS = {
    "full": Preset(
        name="full",
        book_pages=(12, 24),
        first_page_pages=12,
        # Text at a real model's speed; pictures 6 +- 1 s instead of gpt-image's 10-60 s,
        # so the fixed cost of handling a picture here (about 0.2 s: receiving 5 MB,
        # decoding, renditions, three files) stays a few per cent of its latency, as with
        # a real service. At 1.5 s it was 13 %, and that alone used up the first-page
        # allowance (1.10x).
        sim=SimConfig(tokens_per_second=150, image_latency=6.0, image_jitter=1.0),
        smooth_pages=24,
        big_pages=200,
        startup_repeats=5,
        rate_pages=24,
        rate_limit=6,
        rate_window=6.0,
        sequential_pages=12,
    ),
    "quick": Preset(
        name="quick",
        book_pages=(8,),
        first_page_pages=8,
        sim=SimConfig(tokens_per_second=400, image_latency=0.5, image_jitter=0.1),
        smooth_pages=8,
        big_pages=40,
        startup_repeats=1,
        rate_pages=8,
        rate_limit=3,
        rate_window=1.5,
        idle_seconds=1.0,
    ),
    "tiny": Preset(
        name="tiny",
        book_pages=(3,),
        first_page_pages=3,
        sim=SimConfig(tokens_per_second=4000, chunk_chars=40, image_latency=0.1, image_jitter=0.02),
        smooth_pages=3,
        big_pages=4,
        startup_repeats=1,
        rate_pages=4,
        rate_limit=2,
        rate_window=0.5,
        idle_seconds=0.3,
    ),
}


@dataclass
class Figure:
    """One row of the table: a measured value, what it is compared with, and the target."""

    benchmark: str
    name: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "name": self.name,
            "value": None if math.isnan(self.value) else round(self.value, 4),
            "unit": self.unit,
            "target": self.target,
            "met": self.met,
            "note": self.note,
        }


@dataclass
class Outcome:
    """A benchmark's figures and its raw measurements."""

    figures: list[Figure] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def add(self, *figures: Figure) -> None:
        self.figures.extend(figures)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


# --- the studio ---------------------------------------------------------------------------


@dataclass
class StudioRun:
    t0: float
    end: float
    outcome: str
    text_ready: dict[int, float]
    image_ready: dict[int, float]

    @property
    def seconds(self) -> float:
        return self.end - self.t0

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "outcome": self.outcome,
            "text_ready": {n: t - self.t0 for n, t in sorted(self.text_ready.items())},
            "image_ready": {n: t - self.t0 for n, t in sorted(self.image_ready.items())},
        }


def book_settings(base_url: str, pages: int, concurrency: int) -> Any:
    from studio.core.book import GenerationSettings

    return GenerationSettings(
        premise=PREMISE,
        pages=pages,
        engine="openai",
        base_url=base_url,
        image_base_url=base_url,
        text_model=TEXT_MODEL,
        image_model=IMAGE_MODEL,
        image_size="1536x1024",
        concurrency=concurrency,
    )


def engine(base_url: str) -> Any:
    from studio.core.config import resolve

    return resolve(
        "openai",
        base_url=base_url,
        api_key="bench-key",
        text_model=TEXT_MODEL,
        image_model=IMAGE_MODEL,
    )


async def run_studio(
    base_url: str,
    pages: int,
    folder: Path,
    *,
    concurrency: int | None = None,
    on_event: Callable[[Any], None] | None = None,
) -> StudioRun:
    """One generation through `Pipeline.run()`, as the CLI and the window run it."""
    from studio.core.book import Book
    from studio.core.events import ImageReady, PageTextReady
    from studio.core.library import BookStore, Library
    from studio.core.pipeline import PipelineConfig
    from studio.core.services import open_services

    text_ready: dict[int, float] = {}
    image_ready: dict[int, float] = {}

    def emit(event: Any) -> None:
        now = time.monotonic()
        if isinstance(event, PageTextReady):
            text_ready.setdefault(event.page.number, now)
        elif isinstance(event, ImageReady):
            image_ready[event.number] = now
        if on_event is not None:
            on_event(event)

    width = concurrency or pages
    async with open_services(engine(base_url)) as services:
        bundle = Library(folder).create(Book(settings=book_settings(base_url, pages, width)))
        store = BookStore(bundle, bundle.load(), services.executor)
        pipeline = services.pipeline(store, emit, PipelineConfig(concurrency=width))
        t0 = time.monotonic()
        finished = await pipeline.run()
        end = time.monotonic()
    return StudioRun(t0, end, finished.outcome, text_ready, image_ready)


# --- the baselines --------------------------------------------------------------------------


def _story_messages(pages: int) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "You write picture books as one JSON object."},
        {"role": "user", "content": f"{PREMISE}. Write exactly {pages} pages."},
    ]


def _page_prompts(text: str) -> list[str]:
    from studio.core.book import StoryPlan
    from studio.core.prompting import page_prompt

    plan = StoryPlan.model_validate_json(text)
    by_name = {c.name: c for c in plan.characters}
    return [
        page_prompt(plan.style, [by_name[n] for n in p.characters if n in by_name], p.scene)
        for p in plan.pages
    ]


def _save_picture(folder: Path, number: int, b64: str) -> None:
    """What a simple app does with an answer: decode, make renditions, write the files."""
    from studio.core import imaging
    from studio.core.library import atomic_write

    rendered = imaging.make_renditions(base64.b64decode(b64))
    atomic_write(folder / f"p{number:03d}.png", rendered.original)
    atomic_write(folder / f"p{number:03d}-display.jpg", rendered.display)
    atomic_write(folder / f"p{number:03d}-thumb.jpg", rendered.thumbnail)


@dataclass
class BaselineRun:
    t0: float
    story_done: float
    end: float
    page_done: dict[int, float]

    @property
    def seconds(self) -> float:
        return self.end - self.t0

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "story_seconds": self.story_done - self.t0,
            "page_done": {n: t - self.t0 for n, t in sorted(self.page_done.items())},
        }


async def run_sequential(base_url: str, pages: int, folder: Path) -> BaselineRun:
    """(a) The story, then each picture awaited one by one, with the async client."""
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key="bench-key", max_retries=0, timeout=120)
    done: dict[int, float] = {}
    try:
        t0 = time.monotonic()
        stream = await client.chat.completions.create(
            model=TEXT_MODEL,
            messages=_story_messages(pages),  # type: ignore[arg-type]
            response_format={"type": "json_object"},
            stream=True,
        )
        parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
        story_done = time.monotonic()
        (folder / "book.json").write_text("".join(parts))
        for number, prompt in enumerate(_page_prompts("".join(parts)), 1):
            answer = await client.images.generate(
                model=IMAGE_MODEL, prompt=prompt, size="1536x1024", n=1
            )
            _save_picture(folder, number, answer.data[0].b64_json or "")  # type: ignore[index]
            done[number] = time.monotonic()
        return BaselineRun(t0, story_done, time.monotonic(), done)
    finally:
        await client.close()


def run_thread_pool(base_url: str, pages: int, folder: Path, workers: int = 4) -> BaselineRun:
    """(b) The usual thread-pool script: sync client, story first, then 4 workers."""
    from openai import OpenAI

    client = OpenAI(base_url=base_url, api_key="bench-key", max_retries=0, timeout=120)
    done: dict[int, float] = {}

    def draw(job: tuple[int, str]) -> None:
        number, prompt = job
        answer = client.images.generate(model=IMAGE_MODEL, prompt=prompt, size="1536x1024", n=1)
        _save_picture(folder, number, answer.data[0].b64_json or "")  # type: ignore[index]
        done[number] = time.monotonic()

    try:
        t0 = time.monotonic()
        stream = client.chat.completions.create(
            model=TEXT_MODEL,
            messages=_story_messages(pages),  # type: ignore[arg-type]
            response_format={"type": "json_object"},
            stream=True,
        )
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        story_done = time.monotonic()
        (folder / "book.json").write_text(text)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(draw, enumerate(_page_prompts(text), 1)))
        return BaselineRun(t0, story_done, time.monotonic(), done)
    finally:
        client.close()


def scratch(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"studio-bench-{prefix}-"))


def run_async(coro: Any) -> Any:
    return asyncio.run(coro)


def dump(value: Any) -> str:
    return json.dumps(value, indent=1, default=str)

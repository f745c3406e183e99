"""The offline engine as providers: a storyteller and a painter that need no key.

`OfflineTextProvider` composes a real short story from the premise and streams
it like a model would; `OfflineImageProvider` paints each page with Pillow in an
executor, drawing every character from its own description.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import AsyncIterator
from functools import partial

from studio.core.book import Character, PagePlan, StoryOutline, StoryPlan, UsageRecord
from studio.core.offline.instructions import read_instruction
from studio.core.offline.language import language_notice, rewrite_notice, writes_language
from studio.core.offline.lexicon import find_species
from studio.core.offline.painter import paint_with_preview
from studio.core.offline.story import compose_plan, rewrite_page
from studio.core.providers.base import (
    ImageRequest,
    ImageResult,
    PageRequest,
    PageRewriteRequest,
    PartialCallback,
    PlanDone,
    PlanRequest,
    ProviderError,
    RewrittenPage,
)
from studio.core.understanding import Understanding


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


class OfflineTextProvider:
    """Composes stories locally, deterministically for a given premise and page count."""

    model = "offline-storyteller"

    def __init__(self, *, chunk_delay: float = 0.015, chunk_chars: int = 24) -> None:
        self._delay = max(0.0, chunk_delay)
        self._chunk = max(1, chunk_chars)

    def plan_json(self, request: PlanRequest) -> str:
        """The whole plan as `StoryPlan` JSON (title, style, characters, pages)."""
        return self._plan(request).model_dump_json()

    def _plan(self, request: PlanRequest) -> StoryPlan:
        return compose_plan(
            request.premise,
            request.pages,
            request.audience_age,
            request.art_style,
            language=request.language,
            understanding=understanding_of(request),
        )

    @staticmethod
    def writes_language(tag: str) -> bool:
        """Whether a book in `tag` is written in that language (else in English)."""
        return writes_language(tag)

    @staticmethod
    def language_notice(tag: str) -> str | None:
        """What to tell the author before writing a book in `tag`, or None."""
        return language_notice(tag)

    @staticmethod
    def instruction_notice(instruction: str) -> str | None:
        """What to tell the author when a rewrite instruction needs a model, or None."""
        return read_instruction(instruction).needs_model

    async def stream_plan(self, request: PlanRequest) -> AsyncIterator[str | PlanDone]:
        """Yield the plan's JSON in small pieces, as a model would, then one PlanDone."""
        started = time.perf_counter()
        text = self.plan_json(request)
        for start in range(0, len(text), self._chunk):
            yield text[start : start + self._chunk]
            await asyncio.sleep(self._delay)
        yield PlanDone(self._usage(request, text, started))

    async def repair_plan(
        self, request: PlanRequest, broken: str, problem: str
    ) -> tuple[str, PlanDone]:
        """Offline plans are always valid: return the composed plan again."""
        started = time.perf_counter()
        text = self.plan_json(request)
        await asyncio.sleep(0)
        return text, PlanDone(self._usage(request, text, started))

    async def rewrite_page(self, request: PageRewriteRequest) -> RewrittenPage:
        """A different version of one page, consistent with its neighbours (English
        books only: ProviderError for the others, saying that they need a model)."""
        if notice := rewrite_notice(request.language):
            raise ProviderError(notice)
        started = time.perf_counter()
        page = rewrite_page(
            request.premise,
            request.pages_text,
            request.number,
            request.instruction,
            request.audience_age,
        )
        await asyncio.sleep(0)
        prompt = " ".join([request.premise, request.instruction, *request.pages_text])
        usage = UsageRecord(
            kind="text",
            model=self.model,
            latency_s=time.perf_counter() - started,
            input_tokens=_tokens(prompt),
            output_tokens=_tokens(page.text + page.scene),
            cost_usd=0.0,
        )
        return RewrittenPage(text=page.text, scene=page.scene, usage=usage)

    async def write_outline(self, request: PlanRequest) -> tuple[StoryOutline, UsageRecord]:
        """The composed plan's frame, with each page's words as its outline line."""
        started = time.perf_counter()
        plan = self._plan(request)
        outline = StoryOutline(
            title=plan.title,
            style=plan.style,
            characters=plan.characters,
            outline=[page.text for page in plan.pages],
        )
        await asyncio.sleep(0)
        return outline, self._usage(request, outline.model_dump_json(), started)

    async def write_page(self, request: PageRequest) -> tuple[PagePlan, UsageRecord]:
        """The composed plan's page (the same premise always composes the same book)."""
        started = time.perf_counter()
        plan = compose_plan(
            request.premise, len(request.outline), request.audience_age, language=request.language
        )
        page = plan.pages[request.number - 1]
        await asyncio.sleep(0)
        usage = UsageRecord(
            kind="text",
            model=self.model,
            latency_s=time.perf_counter() - started,
            input_tokens=_tokens(request.premise + " ".join(request.outline)),
            output_tokens=_tokens(page.model_dump_json()),
            cost_usd=0.0,
        )
        return page, usage

    def _usage(self, request: PlanRequest, text: str, started: float) -> UsageRecord:
        prompt = f"{request.premise} {request.pages} {request.audience_age} {request.art_style}"
        return UsageRecord(
            kind="text",
            model=self.model,
            latency_s=time.perf_counter() - started,
            input_tokens=_tokens(prompt),
            output_tokens=_tokens(text),
            cost_usd=0.0,
        )


class OfflineImageProvider:
    """Paints illustrations with Pillow, always off the event loop."""

    model = "offline-painter"

    def __init__(
        self, executor: concurrent.futures.Executor | None = None, *, delay: float = 0.0
    ) -> None:
        self._executor = executor
        self._delay = max(0.0, delay)

    @property
    def accepts_references(self) -> bool:
        """The painter draws from descriptions, not from reference pictures."""
        return False

    async def generate(
        self, request: ImageRequest, on_partial: PartialCallback | None = None
    ) -> ImageResult:
        """Paint one page from its scene, style and characters; return PNG bytes."""
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        scene, characters = painted_scene(request)
        job = partial(
            paint_with_preview, scene, request.style, characters, request.size, request.seed
        )
        final, preview = await loop.run_in_executor(self._executor, job)
        if on_partial is not None:
            on_partial(preview)
        if self._delay:
            await asyncio.sleep(self._delay)
        usage = UsageRecord(
            kind="image",
            model=self.model,
            latency_s=time.perf_counter() - started,
            images=1,
            cost_usd=0.0,
        )
        return ImageResult(data=final, usage=usage)


def understanding_of(request: object) -> Understanding | None:
    """The author's corrected understanding of the premise, when the request carries one."""
    found = getattr(request, "understanding", None)
    return found if isinstance(found, Understanding) else None


_ARTICLES = frozenset({"a", "an", "the", "some"})


def painted_scene(request: ImageRequest) -> tuple[str, list[Character]]:
    """What the painter paints: the page's scene, or the author's edited prompt with the
    characters and things it names that the page has no one for ("a blue moth")."""
    characters = list(request.characters)
    if not request.scene or f"Scene: {request.scene}" in request.prompt:
        return request.scene or request.prompt, characters
    drawn = " ".join(c.description.lower() for c in characters)
    for offset, kind in find_species(request.prompt):
        if kind in drawn or any(kind == c.name.lower() for c in characters):
            continue
        words = [w for w in request.prompt[:offset].lower().split()[-2:] if w not in _ARTICLES]
        characters.append(Character(name=kind, description=" ".join(["a", *words, kind])))
        drawn += f" {kind}"
    return request.prompt, characters[:4]

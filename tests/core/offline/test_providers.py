"""The offline providers stream like a model and paint off the event loop."""

from __future__ import annotations

import asyncio
import io
import threading
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

import studio.core.providers.offline as offline
from studio.core.book import Character, StoryPlan, StyleGuide
from studio.core.providers.base import ImageRequest, PageRewriteRequest, PlanDone, PlanRequest
from studio.core.providers.offline import OfflineImageProvider, OfflineTextProvider

PREMISE = "a shy hedgehog named Pip who is afraid of the dark"


async def test_plan_streams_in_many_chunks_then_done() -> None:
    provider = OfflineTextProvider(chunk_delay=0, chunk_chars=24)
    chunks: list[str] = []
    done: list[PlanDone] = []
    async for item in provider.stream_plan(PlanRequest(premise=PREMISE, pages=8)):
        if isinstance(item, PlanDone):
            done.append(item)
        else:
            assert not done, "PlanDone comes last"
            chunks.append(item)
    text = "".join(chunks)
    plan = StoryPlan.model_validate_json(text)
    assert len(plan.pages) == 8
    assert len(chunks) > 50 and all(len(c) <= 24 for c in chunks)
    assert (
        text.index('"title"')
        < text.index('"style"')
        < text.index('"characters"')
        < text.index('"pages"')
    )
    usage = done[0].usage
    assert usage.kind == "text" and usage.model == "offline-storyteller" and usage.cost_usd == 0.0
    assert usage.output_tokens == len(text) // 4 and usage.input_tokens > 0


async def test_stream_yields_control_to_the_loop() -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    provider = OfflineTextProvider(chunk_delay=0, chunk_chars=200)
    async for _ in provider.stream_plan(PlanRequest(premise=PREMISE, pages=4)):
        pass
    task.cancel()
    assert ticks > 3


async def test_repair_returns_a_valid_plan() -> None:
    provider = OfflineTextProvider()
    text, done = await provider.repair_plan(PlanRequest(premise=PREMISE, pages=5), "{", "truncated")
    assert len(StoryPlan.model_validate_json(text).pages) == 5
    assert done.usage.kind == "text"


async def test_rewrite_page_differs() -> None:
    provider = OfflineTextProvider()
    plan = StoryPlan.model_validate_json(provider.plan_json(PlanRequest(premise=PREMISE, pages=6)))
    texts = [p.text for p in plan.pages]
    request = PageRewriteRequest(title=plan.title, premise=PREMISE, pages_text=texts, number=3)
    page = await provider.rewrite_page(request)
    assert page.text != texts[2] and page.scene and page.usage.cost_usd == 0.0


async def test_image_is_painted_in_the_given_executor(monkeypatch) -> None:
    seen: list[int] = []
    real = offline.paint_with_preview

    def spy(*args, **kwargs):
        seen.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(offline, "paint_with_preview", spy)
    partials: list[bytes] = []
    pip = Character(name="Pip", description="a small hedgehog with chestnut-brown spines")
    request = ImageRequest(
        prompt="ignored",
        size="1536x1024",
        scene="Night in the forest: Pip holds a lantern.",
        style=StyleGuide(art_style="watercolour", palette="dusk blue", medium="watercolour"),
        characters=(pip,),
        seed=7,
    )
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="paint") as pool:
        provider = OfflineImageProvider(pool)
        result = await provider.generate(request, on_partial=partials.append)
    assert seen and seen[0] != threading.get_ident()
    assert Image.open(io.BytesIO(result.data)).size == (1536, 1024)
    assert len(partials) == 1 and Image.open(io.BytesIO(partials[0])).width < 1536
    assert (
        result.usage.kind == "image" and result.usage.images == 1 and result.usage.cost_usd == 0.0
    )
    assert provider.accepts_references is False and provider.model == "offline-painter"


async def test_default_executor_also_keeps_painting_off_the_loop(monkeypatch) -> None:
    seen: list[int] = []
    real = offline.paint_with_preview
    monkeypatch.setattr(
        offline, "paint_with_preview", lambda *a: seen.append(threading.get_ident()) or real(*a)
    )
    await OfflineImageProvider().generate(ImageRequest(prompt="a meadow at noon", size="256x256"))
    assert seen and seen[0] != threading.get_ident()

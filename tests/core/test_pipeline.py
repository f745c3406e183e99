"""The pipeline end to end against the fake OpenAI-compatible server."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from studio.core.book import Book, GenerationSettings, ImageStatus, PlanStatus
from studio.core.config import resolve
from studio.core.events import (
    BudgetReached,
    Event,
    ImageFailed,
    ImagePartial,
    ImageReady,
    Notice,
    PageTextReady,
    RunFinished,
)
from studio.core.imaging import verify_file
from studio.core.library import BookStore, Bundle, Library
from studio.core.pipeline import Outcome, PipelineConfig, PlanMode
from studio.core.services import open_services
from tests.fakes.server import FakeOpenAI, Fault, default_story

FAST = PipelineConfig(
    concurrency=4, call_timeout=2.0, backoff_base=0.01, max_attempts=3, max_rate_limited=4
)


@dataclass
class Run:
    bundle: Bundle
    finished: RunFinished
    events: list[Event] = field(default_factory=list)

    @property
    def book(self) -> Book:
        return self.bundle.load()


WHOLE = dataclasses.replace(FAST, plan_mode=PlanMode.WHOLE)


def new_bundle(tmp_path: Path, server: FakeOpenAI, pages: int = 4, **settings: object) -> Bundle:
    book = Book(
        settings=GenerationSettings(
            premise=str(settings.pop("premise", "a fox who is afraid of the dark")),
            pages=pages,
            engine="openai",
            base_url=server.base_url,
            text_model="gpt-4.1-mini",
            image_model=str(settings.pop("image_model", "gpt-image-1")),
            **settings,  # type: ignore[arg-type]
        )
    )
    return Library(tmp_path / "library").create(book)


async def run_pipeline(
    bundle: Bundle, config: PipelineConfig = FAST, *, method: str = "run", **kwargs: object
) -> Run:
    book = bundle.load()
    engine = resolve(
        "openai",
        base_url=book.settings.base_url,
        text_model=book.settings.text_model,
        image_model=book.settings.image_model,
        api_key="sk-test-pipeline",
        image_engine=book.settings.image_engine,
    )
    events: list[Event] = []
    async with open_services(engine) as services:
        store = BookStore(bundle, book, services.executor)
        pipeline = services.pipeline(store, events.append, config)
        finished = await getattr(pipeline, method)(**kwargs)
    return Run(bundle, finished, events)


def assert_complete(run: Run) -> None:
    book = run.book
    assert run.finished.outcome == Outcome.COMPLETE, run.finished.message
    assert book.is_complete
    for page in book.pages:
        assert page.image.current is not None
        for name in (page.image.current.original, page.image.current.display):
            assert verify_file(run.bundle.image_path(name).read_bytes())


async def test_a_book_is_written_illustrated_and_saved(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    run = await run_pipeline(new_bundle(tmp_path, fake_openai))
    assert_complete(run)
    book = run.book
    assert book.title and book.style and len(book.characters) == 2
    assert [p.number for p in book.pages] == [1, 2, 3, 4]
    assert book.usage.images == 4 and book.usage.calls == 5
    assert book.usage.input_tokens > 0 and book.usage.output_tokens > 0
    ready = [type(e).__name__ for e in run.events if isinstance(e, PageTextReady | ImageReady)]
    assert ready.index("PageTextReady") < ready.index("ImageReady")


async def test_page_one_is_requested_before_the_story_finishes_streaming(tmp_path: Path) -> None:
    async with FakeOpenAI(pages=6, chunk_delay=0.03, chunk_chars=30) as server:
        await run_pipeline(new_bundle(tmp_path, server, pages=6))
        first_image = min(r.started for r in server.requests_to("images"))
        assert server.chat_stream_finished_at is not None
        assert first_image < server.chat_stream_finished_at


async def test_pictures_are_drawn_concurrently(tmp_path: Path) -> None:
    latency, pages = 0.4, 8
    async with FakeOpenAI(pages=pages, image_latency=latency) as server:
        started = time.monotonic()
        run = await run_pipeline(
            new_bundle(tmp_path, server, pages=pages), PipelineConfig(concurrency=8)
        )
        elapsed = time.monotonic() - started
    assert_complete(run)
    assert elapsed < pages * latency / 3


async def test_every_page_prompt_repeats_the_style_and_character_words(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    run = await run_pipeline(new_bundle(tmp_path, fake_openai, image_model="dall-e-3"))
    book = run.book
    prompts = [r.body["prompt"] for r in fake_openai.requests_to("images")]
    assert len(prompts) == 4
    for prompt in prompts:
        assert book.style is not None and book.style.prompt_text() in prompt
    hero = book.characters[0]
    assert all(f"{hero.name}: {hero.description}" in p for p in prompts)


PICTURE_FAULTS = [
    (Fault.RATE_LIMIT, "429"),
    (Fault.SERVER_ERROR, "500"),
    (Fault.UNAVAILABLE, "503"),
    (Fault.RESET, "connection"),
    (Fault.HANG, "did not answer"),
    (Fault.NOT_IMAGE, "not a picture"),
    (Fault.OVERSIZED, "too large"),
    (Fault.URL_404, "404"),
    (Fault.NO_DATA, "without a picture"),
    (Fault.CONTENT_POLICY, "refused"),
]


@pytest.mark.parametrize(
    ("fault", "reason"), PICTURE_FAULTS, ids=[f.name for f, _ in PICTURE_FAULTS]
)
async def test_a_failing_picture_fails_alone_with_a_reason_and_resume_completes(
    tmp_path: Path, fault: Fault, reason: str
) -> None:
    image_format = "url" if fault is Fault.URL_404 else "b64"
    async with FakeOpenAI(pages=4, retry_after=0.05, image_format=image_format) as server:
        bundle = new_bundle(tmp_path, server, image_model="dall-e-3")
        server.inject(fault, endpoint="images", times=50, match="(page 2)")
        run = await run_pipeline(bundle)
        assert run.finished.outcome == Outcome.FAILED_PAGES
        book = run.book
        assert [p.image.status for p in book.pages] == [
            ImageStatus.DONE,
            ImageStatus.FAILED,
            ImageStatus.DONE,
            ImageStatus.DONE,
        ]
        assert reason.lower() in (book.pages[1].image.error or "").lower()
        assert "Pages 2 failed" in run.finished.message
        server.clear_faults()
        assert_complete(await run_pipeline(bundle))


async def test_a_transient_fault_is_retried_without_failing_the_page(tmp_path: Path) -> None:
    async with FakeOpenAI(pages=3, retry_after=0.05) as server:
        server.inject(Fault.UNAVAILABLE, endpoint="images", times=1, match="(page 1)")
        server.inject(Fault.RATE_LIMIT, endpoint="images", times=1, match="(page 2)")
        run = await run_pipeline(new_bundle(tmp_path, server, pages=3))
    assert_complete(run)


PLAN_FAULTS = [
    (Fault.REFUSAL, 2, "declined"),
    (Fault.LENGTH, 1, "output limit"),
    (Fault.TRUNCATED, 9, "ended"),
    (Fault.INVALID_JSON, 2, "not valid json"),
    (Fault.SCHEMA_MISMATCH, 2, "expected shape"),
    (Fault.SERVER_ERROR, 9, "500"),
]


@pytest.mark.parametrize(
    ("fault", "times", "reason"), PLAN_FAULTS, ids=[f.name for f, _, _ in PLAN_FAULTS]
)
async def test_a_story_that_cannot_be_written_says_why_and_resume_writes_it(
    tmp_path: Path, fault: Fault, times: int, reason: str
) -> None:
    async with FakeOpenAI(pages=3) as server:
        bundle = new_bundle(tmp_path, server, pages=3)
        server.inject(fault, endpoint="chat", times=times)
        run = await run_pipeline(bundle, WHOLE)
        assert run.finished.outcome == Outcome.PLAN_FAILED
        assert run.book.plan_status is PlanStatus.FAILED
        assert reason.lower() in (run.book.plan_error or "").lower()
        server.clear_faults()
        assert_complete(await run_pipeline(bundle))


async def test_invalid_json_once_is_repaired(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.inject(Fault.INVALID_JSON, endpoint="chat", times=1)
    run = await run_pipeline(new_bundle(tmp_path, fake_openai))
    assert_complete(run)
    assert len(fake_openai.requests_to("chat")) == 2


async def test_a_repair_the_server_fails_once_is_tried_again(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    fake_openai.inject(Fault.INVALID_JSON, endpoint="chat", times=1)
    fake_openai.inject(Fault.SERVER_ERROR, endpoint="chat", times=1)
    run = await run_pipeline(new_bundle(tmp_path, fake_openai))
    assert_complete(run)
    statuses = [r.status for r in fake_openai.requests_to("chat")]
    assert statuses == [200, 500, 200], "story, repair refused, repair again"


async def test_a_rejected_key_stops_the_run_at_once(tmp_path: Path) -> None:
    async with FakeOpenAI(pages=8, image_latency=0.2) as server:
        server.inject(Fault.UNAUTHORIZED, endpoint="images", times=100)
        run = await run_pipeline(new_bundle(tmp_path, server, pages=8))
        assert len(server.requests_to("images")) <= FAST.concurrency
    assert run.finished.outcome == Outcome.STOPPED
    assert "Settings" in run.finished.message
    statuses = {p.image.status for p in run.book.pages}
    assert statuses == {ImageStatus.PENDING}


async def test_the_budget_stops_new_requests_and_saves(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    bundle = new_bundle(tmp_path, fake_openai)
    config = PipelineConfig(concurrency=1, budget_usd=0.000001)
    run = await run_pipeline(bundle, config)
    assert run.finished.outcome == Outcome.BUDGET
    assert any(isinstance(e, BudgetReached) for e in run.events)
    assert len(fake_openai.requests_to("images")) == 0
    assert len(run.book.pages) == 4
    assert_complete(await run_pipeline(bundle))


async def test_cancel_stops_quickly_keeps_what_is_done_and_resume_finishes(tmp_path: Path) -> None:
    async with FakeOpenAI(pages=6, image_latency=0.3, image_jitter=0.2) as server:
        bundle = new_bundle(tmp_path, server, pages=6)
        config = PipelineConfig(concurrency=2)
        task = asyncio.create_task(run_pipeline(bundle, config))
        while not any(p.is_done for p in _load_quietly(bundle)):  # noqa: ASYNC110 (polls the disk)
            await asyncio.sleep(0.05)
        cancelled_at = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - cancelled_at < 0.5
        book = bundle.load()
        assert ImageStatus.RUNNING not in {p.image.status for p in book.pages}
        assert 1 <= sum(p.is_done for p in book.pages) < 6
        assert_complete(await run_pipeline(bundle))


def _load_quietly(bundle: Bundle) -> list:  # type: ignore[type-arg]
    try:
        return bundle.load().pages
    except Exception:
        return []


async def test_partial_pictures_are_surfaced(tmp_path: Path) -> None:
    async with FakeOpenAI(pages=2, partial_images=True) as server:
        run = await run_pipeline(new_bundle(tmp_path, server, pages=2))
    assert_complete(run)
    partial = [e for e in run.events if isinstance(e, ImagePartial)]
    assert {e.number for e in partial} == {1, 2}


async def test_character_lock_draws_a_sheet_and_passes_it_with_every_page(tmp_path: Path) -> None:
    async with FakeOpenAI(pages=3) as server:
        run = await run_pipeline(
            new_bundle(tmp_path, server, pages=3, character_lock=True),
            PipelineConfig(character_lock=True),
        )
        assert [r.endpoint for r in server.requests if r.endpoint.startswith("images")] == [
            "images",
            "images_edit",
            "images_edit",
            "images_edit",
        ]
    assert_complete(run)
    assert run.book.character_sheet is not None


async def test_regenerating_a_picture_keeps_the_old_one(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    bundle = new_bundle(tmp_path, fake_openai, pages=2)
    await run_pipeline(bundle)
    before = bundle.load().pages[0].image.current
    run = await run_pipeline(bundle, method="regenerate_image", number=1, prompt="A red balloon.")
    page = run.book.pages[0]
    assert page.image.history == [before]
    assert page.image.current is not None and page.image.current.prompt == "A red balloon."
    assert fake_openai.requests_to("images")[-1].body["prompt"] == "A red balloon."


async def test_regenerating_text_keeps_the_old_text(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    bundle = new_bundle(tmp_path, fake_openai, pages=2)
    await run_pipeline(bundle)
    old = bundle.load().pages[1].text
    book = bundle.load()
    engine = resolve("openai", base_url=fake_openai.base_url, api_key="sk-test")
    async with open_services(engine) as services:
        pipeline = services.pipeline(BookStore(bundle, book, services.executor))
        page = await pipeline.regenerate_text(2, "make it rhyme")
    assert page.text != old
    assert bundle.load().pages[1].text_history[-1].text == old


async def test_a_failed_redraw_keeps_the_page_picture(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    bundle = new_bundle(tmp_path, fake_openai, pages=2, image_model="dall-e-3")
    await run_pipeline(bundle)
    before = bundle.load().pages[0].image.current
    fake_openai.inject(Fault.CONTENT_POLICY, endpoint="images", times=5)
    run = await run_pipeline(
        bundle, method="regenerate_image", number=1, prompt="A forbidden picture."
    )
    assert run.finished.outcome == Outcome.FAILED_PAGES
    assert "refused" in run.finished.message
    page = run.book.pages[0]
    assert page.image.status is ImageStatus.DONE
    assert page.image.current == before
    assert any(isinstance(e, ImageFailed) for e in run.events)


@pytest.mark.parametrize(
    ("personality", "learned"),
    [
        ("openai", "json_schema"),
        ("llamacpp", "json_object"),
        ("lmstudio", "json_schema"),
        ("ollama", "json_schema"),
        ("plain", "json_schema"),
    ],
)
async def test_every_kind_of_server_gives_a_book(
    tmp_path: Path, personality: str, learned: str
) -> None:
    """Each server answers from the schema it is sent and refuses what it refuses; the
    studio negotiates a format, at most one refused request, and makes the book."""
    async with FakeOpenAI(pages=3, personality=personality) as server:
        run = await run_pipeline(new_bundle(tmp_path, server, pages=3, image_engine="offline"))
        assert_complete(run)
        chats = server.requests_to("chat")
        refused = [r for r in chats if r.status >= 400]
        assert len(refused) <= 1 and len(chats) <= 2
        assert chats[-1].body.get("response_format", {}).get("type") == learned
        assert all("max_tokens" in r.body for r in chats)
        assert server.requests_to("images") == []


async def test_the_per_page_route_writes_an_outline_then_each_page(tmp_path: Path) -> None:
    async with FakeOpenAI(pages=3, personality="llamacpp") as server:
        per_page = dataclasses.replace(FAST, plan_mode=PlanMode.PER_PAGE)
        bundle = new_bundle(tmp_path, server, pages=3, image_engine="offline")
        run = await run_pipeline(bundle, per_page)
        assert_complete(run)
        names = [
            r.body["response_format"].get("schema", {}).get("properties", {})
            for r in server.requests_to("chat")
            if r.status == 200
        ]
        assert "outline" in names[0] and all(set(n) == {"text", "scene"} for n in names[1:])
        assert len(names) == 4
        assert [p.text for p in run.book.pages] == [p.text for p in default_story(3).pages]


async def test_a_whole_story_that_fails_is_written_page_by_page(tmp_path: Path) -> None:
    async with FakeOpenAI(pages=3) as server:
        server.inject(Fault.SCHEMA_MISMATCH, endpoint="chat", times=2)  # the plan and its repair
        run = await run_pipeline(new_bundle(tmp_path, server, pages=3))
        assert_complete(run)
        notices = [e.message for e in run.events if isinstance(e, Notice)]
        assert any("page by page" in n for n in notices)
        assert len(server.requests_to("chat")) == 2 + 1 + 3


async def test_a_server_that_draws_nothing_says_so_once(tmp_path: Path) -> None:
    """llama.cpp has no images endpoint: the first 404 names the painter as the way
    out, and no other page asks the server again."""
    async with FakeOpenAI(pages=3, personality="llamacpp") as server:
        one_at_a_time = dataclasses.replace(FAST, concurrency=1)
        run = await run_pipeline(new_bundle(tmp_path, server, pages=3), one_at_a_time)
        reasons = {p.image.error for p in run.book.pages}
        assert len(reasons) == 1
        reason = reasons.pop() or ""
        assert "does not draw pictures" in reason and "--image-engine offline" in reason
        assert "Not Found" in reason
        assert len(server.requests_to("images")) == 1


async def test_a_spanish_book_asks_for_spanish_words_and_english_scenes(tmp_path: Path) -> None:
    async with FakeOpenAI(pages=2) as server:
        bundle = new_bundle(tmp_path, server, pages=2, premise="Una niña que colecciona nubes")
        run = await run_pipeline(bundle)
        assert_complete(run)
        await run_pipeline(bundle, method="regenerate_text", number=1, instruction="más corto")
        chats = server.requests_to("chat")
    assert run.book.language == "es"
    systems = [str(r.body["messages"][0]["content"]) for r in chats]
    assert len(systems) == 2
    for system in systems:
        assert "in Spanish (es)" in system
        assert "scene" in system and "in English" in system


async def test_an_english_book_is_asked_for_as_before(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    await run_pipeline(new_bundle(tmp_path, fake_openai, pages=2))
    system = str(fake_openai.requests_to("chat")[0].body["messages"][0]["content"])
    assert "Spanish" not in system and "JSON keys stay" not in system

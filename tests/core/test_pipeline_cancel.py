"""Cancel stops a run at once, even when a library lets one cancellation slip by."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from studio.core.book import Book, GenerationSettings, ImageStatus
from studio.core.events import Outcome
from studio.core.library import BookStore, Library
from studio.core.pipeline import CANCEL_AGAIN_SECONDS, Pipeline, PipelineConfig
from studio.core.providers.base import ImageRequest, ImageResult, PartialCallback
from studio.core.providers.offline import OfflineImageProvider, OfflineTextProvider


class SlowPainter:
    """The offline painter behind a slow call that, like `asyncio.wait_for` on Python
    3.11 (bpo-42130), drops the first cancellation it gets and goes on waiting."""

    model = "offline-painter"
    accepts_references = False

    def __init__(self) -> None:
        self.painter = OfflineImageProvider()
        self.swallowed = 0
        self.started = 0

    async def generate(
        self, request: ImageRequest, on_partial: PartialCallback | None = None
    ) -> ImageResult:
        self.started += 1
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            if self.swallowed == 0:
                self.swallowed += 1
                await asyncio.sleep(30)  # the cancellation was lost: still drawing
            raise
        return await self.painter.generate(request, on_partial)


async def test_cancel_stops_a_run_whose_call_dropped_the_first_cancellation(
    tmp_path: Path,
) -> None:
    settings = GenerationSettings(premise="a hedgehog in the rain", pages=3, engine="offline")
    bundle = Library(tmp_path / "library").create(Book(settings=settings))
    painter = SlowPainter()
    store = BookStore(bundle, bundle.load())
    pipeline = Pipeline(store, OfflineTextProvider(), painter, config=PipelineConfig(concurrency=1))
    run = asyncio.ensure_future(pipeline.run())
    for _ in range(500):
        if painter.started:
            break
        await asyncio.sleep(0.01)
    assert painter.started == 1
    started = time.monotonic()
    run.cancel()
    pipeline.cancel()
    try:
        await asyncio.wait_for(run, 5)
    except asyncio.CancelledError:
        pass
    took = time.monotonic() - started
    assert painter.swallowed == 1
    assert took < 10 * CANCEL_AGAIN_SECONDS, f"the run went on for {took:.1f} s"
    assert painter.started == 1, "no request may start after cancel"
    book = bundle.load()
    assert book.pages and all(p.image.status is ImageStatus.PENDING for p in book.pages)


async def test_cancel_while_the_story_streams_reports_cancelled(tmp_path: Path) -> None:
    settings = GenerationSettings(premise="an owl at night", pages=2, engine="offline")
    bundle = Library(tmp_path / "library").create(Book(settings=settings))
    events: list[object] = []
    pipeline = Pipeline(
        BookStore(bundle, bundle.load()), OfflineTextProvider(), SlowPainter(), emit=events.append
    )
    run = asyncio.ensure_future(pipeline.run())
    await asyncio.sleep(0.3)
    pipeline.cancel()
    try:
        await asyncio.wait_for(run, 5)
    except asyncio.CancelledError:
        pass
    finished = [e for e in events if getattr(e, "outcome", None) is Outcome.CANCELLED]
    assert finished, events
    book = bundle.load()
    assert book.plan_status.value == "pending"  # resume writes the story again
    assert all(p.image.status is not ImageStatus.RUNNING for p in book.pages)


class HeldRenders(ThreadPoolExecutor):
    """An executor that holds each picture's rendering until the test lets it go, so a
    cancel can land while a received picture is being written."""

    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.rendering = threading.Event()
        self.go_on = threading.Event()

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        if getattr(fn, "__name__", "") != "_render_and_write":
            return super().submit(fn, *args, **kwargs)

        def held():  # type: ignore[no-untyped-def]
            self.rendering.set()
            self.go_on.wait(10)
            return fn(*args, **kwargs)

        return super().submit(held)


async def test_a_picture_received_before_cancel_is_kept_in_the_book(tmp_path: Path) -> None:
    settings = GenerationSettings(premise="a hedgehog in the rain", pages=3, engine="offline")
    bundle = Library(tmp_path / "library").create(Book(settings=settings))
    executor = HeldRenders()
    pipeline = Pipeline(
        BookStore(bundle, bundle.load()),
        OfflineTextProvider(),
        OfflineImageProvider(),
        config=PipelineConfig(concurrency=1),
        executor=executor,
    )
    run = asyncio.ensure_future(pipeline.run())
    assert await asyncio.to_thread(executor.rendering.wait, 10)
    pipeline.cancel()
    await asyncio.sleep(4 * CANCEL_AGAIN_SECONDS)  # the cancel is repeated meanwhile
    executor.go_on.set()
    try:
        await asyncio.wait_for(run, 10)
    except asyncio.CancelledError:
        pass
    executor.shutdown()
    book = bundle.load()
    drawn = [p for p in book.pages if p.image.current is not None]
    assert len(drawn) == 1, "the picture that was paid for is in the book"
    assert drawn[0].image.status is ImageStatus.DONE
    named = {drawn[0].image.current.original, drawn[0].image.current.display}  # type: ignore[union-attr]
    named.add(drawn[0].image.current.thumbnail)  # type: ignore[union-attr]
    on_disk = {f.name for f in bundle.path.joinpath("images").iterdir()}
    assert on_disk == named, "every picture file on disk is named by the book"

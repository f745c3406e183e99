"""The long-lived things a run needs, opened inside the running loop and closed after."""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from studio.core.config import EngineConfig
from studio.core.events import Event
from studio.core.library import BookStore
from studio.core.pipeline import Pipeline, PipelineConfig
from studio.core.providers.base import ImageProvider, TextProvider
from studio.core.settings import FormatMemory


@dataclass
class Services:
    config: EngineConfig
    text: TextProvider
    images: ImageProvider
    executor: ThreadPoolExecutor

    def pipeline(
        self,
        store: BookStore,
        emit: Callable[[Event], None] | None = None,
        config: PipelineConfig | None = None,
    ) -> Pipeline:
        return Pipeline(
            store, self.text, self.images, executor=self.executor, emit=emit, config=config
        )


def make_executor() -> ThreadPoolExecutor:
    """The pool for pixels and files. Its threads start now, not on a first submit
    from the GUI thread, which would wait there for a new thread to come up."""
    workers = max(2, min(4, (os.cpu_count() or 2)))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="studio-work")
    barrier = threading.Barrier(workers + 1)
    for _ in range(workers):
        pool.submit(barrier.wait, 5.0)
    barrier.wait(5.0)
    return pool


@asynccontextmanager
async def open_services(
    config: EngineConfig,
    *,
    executor: ThreadPoolExecutor | None = None,
    offline_delay: float | None = None,
    formats: FormatMemory | None = None,
) -> AsyncIterator[Services]:
    """Providers, one shared HTTP session and clients, and an executor the run owns.

    `formats` remembers which response format the story server takes."""
    owned = executor is None
    pool = executor or make_executor()
    try:
        async with AsyncExitStack() as stack:
            if config.offline:
                text, images = _offline(pool, offline_delay)
            else:
                text, images = await _openai(config, stack, pool, formats)
                if config.offline_pictures:
                    images = _offline(pool, offline_delay)[1]
            yield Services(config, text, images, pool)
    finally:
        if owned:
            pool.shutdown(wait=True, cancel_futures=True)


def _offline(pool: ThreadPoolExecutor, delay: float | None) -> tuple[TextProvider, ImageProvider]:
    from studio.core.providers.offline import OfflineImageProvider, OfflineTextProvider

    text = OfflineTextProvider() if delay is None else OfflineTextProvider(chunk_delay=delay)
    return text, OfflineImageProvider(pool)


async def _openai(
    config: EngineConfig,
    stack: AsyncExitStack,
    pool: ThreadPoolExecutor,
    formats: FormatMemory | None,
) -> tuple[TextProvider, ImageProvider]:
    import aiohttp

    from studio.core.providers.openai import (
        OpenAIImageProvider,
        OpenAITextProvider,
        ResponseFormat,
        make_client,
        parse_format,
    )

    http = await stack.enter_async_context(aiohttp.ClientSession())
    text_client = make_client(config.base_url, config.api_key, timeout=120.0)
    stack.push_async_callback(text_client.close)
    image_client = text_client
    same_server = (config.image_base_url, config.image_api_key) == (config.base_url, config.api_key)
    if not config.offline_pictures and not same_server:
        image_client = make_client(config.image_base_url, config.image_api_key, timeout=240.0)
        stack.push_async_callback(image_client.close)
    endpoint, model = str(text_client.base_url), config.text_model
    remembered = parse_format(formats.recall(endpoint, model)) if formats else None

    def learned(fmt: ResponseFormat) -> None:
        if formats is not None:
            formats.remember(endpoint, model, fmt.value)

    text = OpenAITextProvider(
        text_client,
        config.text_model,
        response_format=parse_format(config.response_format),
        remembered=None if remembered is ResponseFormat.AUTO else remembered,
        on_format_learned=learned,
    )
    images = OpenAIImageProvider(image_client, config.image_model, http, executor=pool)
    return text, images

"""What every window and view is handed: the library, the settings and the services.

Built once by the composition root (`studio.app`) inside the running qasync
loop; widgets never construct clients or executors themselves. A run's engines
and limits come from `studio.core.runs`, as they do for the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack

from studio.core.book import GenerationSettings
from studio.core.config import EngineConfig
from studio.core.events import Event
from studio.core.library import BookStore, Library
from studio.core.pipeline import Pipeline, PipelineConfig
from studio.core.runs import engine_config, pipeline_config
from studio.core.services import Services, open_services
from studio.core.settings import AppSettings, FormatMemory, load_settings, save_settings


class AppContext:
    def __init__(
        self,
        library: Library,
        executor: ThreadPoolExecutor,
        settings: AppSettings,
        *,
        api_key: str | None = None,
        offline_delay: float | None = None,
        persist_settings: bool = True,
    ) -> None:
        self.library = library
        self.executor = executor
        self.settings = settings
        self.api_key = api_key
        """The key for this session (from the keyring or the environment); memory only."""
        self.offline_delay = offline_delay
        self.persist_settings = persist_settings
        self.formats = FormatMemory()
        """The response format each story server took, kept in the settings file."""
        self._services: dict[EngineConfig, Services] = {}
        self._stack = AsyncExitStack()

    def engine_for(self, settings: GenerationSettings) -> EngineConfig:
        """The engines a book's settings call for, with this session's key and the
        response format chosen in Settings."""
        return engine_config(
            settings, response_format=self.settings.response_format, api_key=self.api_key
        )

    def limits_for(self, settings: GenerationSettings) -> PipelineConfig:
        """A run's limits: the book's budget, concurrency and character lock, and the
        time limits from the environment (STUDIO_CALL_TIMEOUT, ...)."""
        return pipeline_config(settings)

    async def services_for(self, settings: GenerationSettings) -> Services:
        """Providers for a book, opened once per endpoint configuration and kept open."""
        config = self.engine_for(settings)
        if config not in self._services:
            services = await self._stack.enter_async_context(
                open_services(
                    config,
                    executor=self.executor,
                    offline_delay=self.offline_delay,
                    formats=self.formats,
                )
            )
            self._services[config] = services
        return self._services[config]

    async def pipeline(
        self, store: BookStore, emit: Callable[[Event], None] | None = None
    ) -> Pipeline:
        """A pipeline for a whole run, a rewrite or a redraw of `store`'s book: the same
        engines and limits for every one of them."""
        settings = store.book.settings
        limits = self.limits_for(settings)
        services = await self.services_for(settings)
        return services.pipeline(store, emit, limits)

    async def reset_services(self) -> None:
        """Close every open client (after Settings changed endpoints or the key)."""
        await self._stack.aclose()
        self._stack = AsyncExitStack()
        self._services.clear()

    def save_settings(self) -> None:
        """Save the settings, keeping the formats the servers taught since they were read."""
        if self.persist_settings:
            learned = load_settings().learned_formats
            self.settings.learned_formats = {**self.settings.learned_formats, **learned}
            save_settings(self.settings)

    async def aclose(self) -> None:
        await self.reset_services()

"""What every window and view is handed: the library, the settings and the services.

Built once by the composition root (`studio.app`) inside the running qasync
loop; widgets never construct clients or executors themselves.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack

from studio.core.book import GenerationSettings
from studio.core.config import EngineConfig, resolve
from studio.core.library import Library
from studio.core.services import Services, open_services
from studio.core.settings import AppSettings, save_settings


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
        self._services: dict[EngineConfig, Services] = {}
        self._stack = AsyncExitStack()

    def engine_for(self, settings: GenerationSettings) -> EngineConfig:
        """The engine a book's settings call for, with this session's key."""
        return resolve(
            settings.engine,
            base_url=settings.base_url,
            image_base_url=settings.image_base_url,
            text_model=settings.text_model,
            image_model=settings.image_model,
            api_key=self.api_key,
        )

    async def services_for(self, settings: GenerationSettings) -> Services:
        """Providers for a book, opened once per endpoint configuration and kept open."""
        config = self.engine_for(settings)
        if config not in self._services:
            services = await self._stack.enter_async_context(
                open_services(config, executor=self.executor, offline_delay=self.offline_delay)
            )
            self._services[config] = services
        return self._services[config]

    async def reset_services(self) -> None:
        """Close every open client (after Settings changed endpoints or the key)."""
        await self._stack.aclose()
        self._stack = AsyncExitStack()
        self._services.clear()

    def save_settings(self) -> None:
        if self.persist_settings:
            save_settings(self.settings)

    async def aclose(self) -> None:
        await self.reset_services()

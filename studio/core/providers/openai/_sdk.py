"""Imports the SDK would otherwise load lazily on the first request."""

from __future__ import annotations

import contextlib
import importlib


def _preload_sdk() -> None:
    """Import now what the SDK would import lazily on the first request.

    The studio imports this module in a worker once its window is shown; without
    this, the first book's first request would import about 0.4 s of modules
    (the chat and images resources, the HTTP transport) on the GUI thread.
    """
    for name in (
        "openai.resources.chat.completions.completions",
        "openai.resources.images",
        "openai.lib.streaming.chat",
        "httpcore2",
        "h11",
        "anyio._backends._asyncio",
        "jiter",
    ):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


_preload_sdk()
_preload_sdk()

"""One AsyncOpenAI client per endpoint, and what an error message may name."""

from __future__ import annotations

import asyncio
import os
from urllib.parse import urlsplit

from openai import AsyncOpenAI

from studio.core.providers.base import (
    AuthError,
)
from studio.core.providers.openai._errors import OPENAI_HOSTS, Context, host_of

# --- Client ---------------------------------------------------------------------------


def make_client(base_url: str | None, api_key: str | None, *, timeout: float) -> AsyncOpenAI:
    """One AsyncOpenAI client for a run, with the SDK's retries off (the pipeline retries).

    `None` falls back to OPENAI_BASE_URL and OPENAI_API_KEY. Local servers need no
    key; OpenAI itself does. Call it from the running event loop that will use it.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError("make_client() must be called from a running event loop.") from None
    url = base_url or os.environ.get("OPENAI_BASE_URL") or None
    key = api_key or os.environ.get("OPENAI_API_KEY") or None
    if key is None:
        if url is None or host_of(url) in OPENAI_HOSTS:
            raise AuthError(
                "No API key is set. Add one in Settings > Provider or set OPENAI_API_KEY."
            )
        key = "no-key-needed"
    return AsyncOpenAI(api_key=key, base_url=url, timeout=timeout, max_retries=0)


def context(client: AsyncOpenAI, model: str, timeout: float, *, image: bool) -> Context:
    secret = client.api_key if isinstance(client.api_key, str) else None
    path = urlsplit(str(client.base_url)).path
    return Context(host_of(client.base_url), model, timeout, secret, image, path)


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)

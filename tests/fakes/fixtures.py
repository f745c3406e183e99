"""Pytest fixtures for the fake OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.fakes.server import FakeOpenAI


@pytest_asyncio.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    """A started FakeOpenAI with default settings, closed after the test.

    Change its attributes (pages, image_latency, ...) or inject faults in the test.
    """
    async with FakeOpenAI() as server:
        yield server

"""The real server answers through the openai SDK, as the studio's provider talks to it."""

from __future__ import annotations

import asyncio

import pytest
from openai import AsyncOpenAI

from tests.real.llama import LlamaServer

pytestmark = [pytest.mark.slow, pytest.mark.real_server]


async def test_the_real_server_answers_a_short_chat(llama_server: LlamaServer) -> None:
    client = AsyncOpenAI(base_url=llama_server.base_url, api_key="none", max_retries=0)
    try:
        listed = [m.id async for m in client.models.list()]
        assert llama_server.model in listed
        answer = await asyncio.wait_for(
            client.chat.completions.create(
                model=llama_server.model,
                messages=[
                    {"role": "system", "content": "You write stories for small children."},
                    {"role": "user", "content": "Write one sentence about a fox and a red kite."},
                ],
                max_tokens=32,
                temperature=0,
                seed=1,
            ),
            timeout=60,
        )
    finally:
        await client.close()
    choice = answer.choices[0]
    assert choice.message.content and choice.message.content.strip(), answer
    assert choice.finish_reason in ("stop", "length")
    assert answer.usage is not None and 0 < answer.usage.completion_tokens <= 32

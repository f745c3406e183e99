"""The fake OpenAI-compatible server itself: content, faults, limits and runners."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import aiohttp
import pytest
from PIL import Image

from studio.core.book import StoryPlan
from tests.fakes.server import FakeOpenAI, FakeOpenAIThread, Fault, default_story, oversized_png

ROOT = Path(__file__).resolve().parents[2]


async def post(server: FakeOpenAI, path: str, body: dict[str, object]) -> aiohttp.ClientResponse:
    async with aiohttp.ClientSession() as session:
        response = await session.post(f"{server.base_url}{path}", json=body)
        await response.read()
        return response


def plan_body(pages: int, *, stream: bool = False) -> dict[str, object]:
    prompt = f"Write exactly {pages} pages."
    return {"model": "m", "messages": [{"role": "user", "content": prompt}], "stream": stream}


async def test_story_follows_the_requested_page_count(fake_openai: FakeOpenAI) -> None:
    response = await post(fake_openai, "/chat/completions", plan_body(7))
    content = json.loads(await response.text())["choices"][0]["message"]["content"]
    assert len(StoryPlan.model_validate_json(content).pages) == 7
    assert fake_openai.requests[0].endpoint == "chat" and fake_openai.requests[0].status == 200


async def test_stream_is_chunked_sse(fake_openai: FakeOpenAI) -> None:
    fake_openai.chunk_chars = 25
    body = plan_body(3, stream=True) | {"stream_options": {"include_usage": True}}
    text = await (await post(fake_openai, "/chat/completions", body)).text()
    events = [line[6:] for line in text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[-1]["usage"]["completion_tokens"] > 0
    content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert max(len(c["choices"][0]["delta"].get("content") or "") for c in chunks[:-1]) == 25
    assert StoryPlan.model_validate_json(content) == default_story(3)
    assert fake_openai.chat_stream_finished_at is not None


async def test_fault_is_used_up_and_matches(fake_openai: FakeOpenAI) -> None:
    fake_openai.inject(Fault.SERVER_ERROR, endpoint="images", times=2, match="dragon")
    statuses = []
    for prompt in ["a cat", "a dragon", "a dragon", "a dragon"]:
        response = await post(fake_openai, "/images/generations", {"prompt": prompt})
        statuses.append(response.status)
    assert statuses == [200, 500, 500, 200]


async def test_rate_limit_sends_retry_after(fake_openai: FakeOpenAI) -> None:
    fake_openai.rate_limit_per_minute = 2
    fake_openai.retry_after = 0.25
    responses = [await post(fake_openai, "/images/generations", {"prompt": "p"}) for _ in range(3)]
    assert [r.status for r in responses] == [200, 200, 429]
    assert responses[2].headers["retry-after-ms"] == "250"


async def test_pictures_are_png_coloured_by_prompt(fake_openai: FakeOpenAI) -> None:
    pictures = []
    for prompt in ["fox", "owl"]:
        response = await post(fake_openai, "/images/generations", {"prompt": prompt})
        b64 = json.loads(await response.text())["data"][0]["b64_json"]
        pictures.append(Image.open(io.BytesIO(base64.b64decode(b64))))
    assert pictures[0].size == (64, 64)
    assert pictures[0].getpixel((0, 0)) != pictures[1].getpixel((0, 0))


async def test_url_pictures_are_served(fake_openai: FakeOpenAI) -> None:
    fake_openai.image_format = "url"
    response = await post(fake_openai, "/images/generations", {"prompt": "fox"})
    url = json.loads(await response.text())["data"][0]["url"]
    async with aiohttp.ClientSession() as session, session.get(url) as download:
        assert Image.open(io.BytesIO(await download.read())).format == "PNG"
    assert fake_openai.requests[-1].endpoint == "download"


async def test_image_latency(fake_openai: FakeOpenAI) -> None:
    fake_openai.image_latency = 0.2
    started = time.monotonic()
    await post(fake_openai, "/images/generations", {"prompt": "p"})
    assert time.monotonic() - started >= 0.2


async def test_models_are_listed(fake_openai: FakeOpenAI) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{fake_openai.base_url}/models") as r,
    ):
        assert "gpt-image-1" in [m["id"] for m in (await r.json())["data"]]


def test_oversized_png_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    data = oversized_png()
    assert len(data) < 200_000
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.size == (20000, 20000) and picture.mode == "1"
        picture.verify()
    raw_length = len(zlib.decompress(data[data.index(b"IDAT") + 4 : -16]))
    assert raw_length == 20000 * (1 + 2500)


def test_thread_runner_serves_sync_clients() -> None:
    with FakeOpenAIThread(pages=3) as server:
        server.inject(Fault.UNAVAILABLE, endpoint="chat")
        request = urllib.request.Request(
            f"{server.base_url}/chat/completions",
            data=json.dumps(plan_body(3)).encode(),
            headers={"Content-Type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=5)
        caught.value.close()
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.load(response)["choices"][0]["finish_reason"] == "stop"
        assert [r.status for r in server.requests] == [503, 200]


def test_runs_standalone() -> None:
    command = [sys.executable, "-m", "tests.fakes.server", "--port", "0", "--image-latency", "0"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        with urllib.request.urlopen(f"{base_url}/models", timeout=5) as response:
            assert response.status == 200
    finally:
        process.terminate()
        process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()

"""Every answer has a bound: picture answers by size while read, waits by length, stories
by how much a server may write."""

from __future__ import annotations

import email.utils
import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import httpx2
import openai
import pytest
import pytest_asyncio
from openai import AsyncOpenAI

from studio.core.providers.base import (
    ImageDataError,
    ImageRequest,
    OutputLimitReached,
    PlanRequest,
    ProviderError,
    RateLimited,
)
from studio.core.providers.openai import (
    OpenAIImageProvider,
    OpenAITextProvider,
    make_client,
    map_openai_error,
    plan_token_cap,
    retry_after_seconds,
)
from studio.core.providers.openai._errors import MAX_RETRY_AFTER, WaitTooLong, wait_text
from studio.core.providers.openai._text import CHARS_PER_TOKEN_LIMIT
from tests.fakes.server import FakeOpenAI, Fault

KIB = 1024


@pytest_asyncio.fixture
async def client(fake_openai: FakeOpenAI) -> AsyncIterator[AsyncOpenAI]:
    api = make_client(fake_openai.base_url, "sk-test", timeout=10)
    yield api
    await api.close()


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


# --- Inline pictures ------------------------------------------------------------------


@pytest.mark.parametrize("fault", [Fault.HUGE_PICTURE, Fault.HUGE_PICTURE_SIZED])
@pytest.mark.parametrize("model", ["dall-e-3", "gpt-image-1"])
async def test_a_huge_inline_picture_is_refused_while_read(
    fake_openai: FakeOpenAI,
    client: AsyncOpenAI,
    http: aiohttp.ClientSession,
    fault: Fault,
    model: str,
) -> None:
    """dall-e-3: one JSON answer; gpt-image-1 with previews: the picture stream."""
    fake_openai.huge_picture_bytes = 40 * 1024 * KIB  # 40 MB of base64
    fake_openai.inject(fault)
    provider = OpenAIImageProvider(client, model, http, timeout=10, max_download_bytes=64 * KIB)
    with pytest.raises(ImageDataError) as caught:
        await provider.generate(ImageRequest("a fox"), lambda _: None)
    message = str(caught.value)
    assert message.startswith(f"The picture from {provider._ctx.host} is larger than 64 KB")
    assert "smaller picture size" in message
    [request] = fake_openai.requests_to("images")
    assert request.status == 0, "the server was cut off before it finished sending"


async def test_a_picture_under_the_cap_still_arrives(
    fake_openai: FakeOpenAI, client: AsyncOpenAI, http: aiohttp.ClientSession
) -> None:
    fake_openai.picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 200  # 51 KB
    for model in ("dall-e-3", "gpt-image-1"):
        provider = OpenAIImageProvider(client, model, http, timeout=10, max_download_bytes=64 * KIB)
        result = await provider.generate(ImageRequest("a fox"), lambda _: None)
        assert result.data == fake_openai.picture


async def test_a_download_over_the_cap_names_the_host(
    fake_openai: FakeOpenAI, client: AsyncOpenAI, http: aiohttp.ClientSession
) -> None:
    fake_openai.image_format = "url"
    fake_openai.inject(Fault.OVERSIZED)
    provider = OpenAIImageProvider(client, "flux-schnell", http, max_download_bytes=4 * KIB)
    with pytest.raises(ImageDataError, match=r"^The picture from 127\.0\.0\.1:\d+ is larger"):
        await provider.generate(ImageRequest("a fox"))


# --- Retry-After ------------------------------------------------------------------------


def _http_date(delta: timedelta) -> str:
    return email.utils.format_datetime(datetime.now(UTC) + delta, usegmt=True)


def _headers(given: dict[str, str | timedelta]) -> dict[str, str]:
    """The headers, a timedelta standing for the HTTP date that far from now."""
    return {k: _http_date(v) if isinstance(v, timedelta) else v for k, v in given.items()}


@pytest.mark.parametrize(
    ("headers", "low", "high"),
    [
        ({"retry-after": "3"}, 3, 3),
        ({"retry-after": "0.5"}, 0.5, 0.5),
        ({"retry-after-ms": "1500", "retry-after": "99"}, 1.5, 1.5),
        ({"retry-after-ms": "soon", "retry-after": "7"}, 7, 7),
        ({"retry-after": "-4"}, 0, 0),
        ({"retry-after": "999999"}, 999999, 999999),
        ({"retry-after": timedelta(days=3)}, 3 * 86400 - 60, 3 * 86400),
        ({"retry-after": timedelta(seconds=-600)}, 0, 0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0, 0),
        ({"retry-after": "1e999"}, math.inf, math.inf),
    ],
)
def test_retry_after_is_read_in_every_form(
    headers: dict[str, str | timedelta], low: float, high: float
) -> None:
    seconds = retry_after_seconds(_headers(headers))
    assert seconds is not None and low <= seconds <= high


@pytest.mark.parametrize("value", ["nan", "tomorrow", "", "Mon, 99 Foo 2015 99:99:99 GMT"])
def test_retry_after_that_is_not_a_wait_is_none(value: str) -> None:
    assert retry_after_seconds({"retry-after": value}) is None
    assert retry_after_seconds(None) is None


def _rate_limited(headers: dict[str, str]) -> openai.RateLimitError:
    request = httpx2.Request("POST", "http://127.0.0.1:8080/v1/images/generations")
    response = httpx2.Response(429, headers=headers, request=request)
    return openai.RateLimitError("Rate limit reached", response=response, body=None)


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({"retry-after": "999999"}, "asked to wait 12 days"),
        ({"retry-after": timedelta(days=3)}, "asked to wait 3 days"),
        ({"retry-after": "121"}, "asked to wait 3 minutes"),
        ({"retry-after-ms": "18000000"}, "asked to wait 5 hours"),
        ({"retry-after": "inf"}, "asked to wait indefinitely"),
    ],
)
def test_a_wait_past_the_cap_fails_the_call_with_a_sentence(
    headers: dict[str, str | timedelta], words: str
) -> None:
    error = map_openai_error(
        _rate_limited(_headers(headers)), host="127.0.0.1:8080", model="gpt-image-1", timeout=60
    )
    assert isinstance(error, WaitTooLong) and not isinstance(error, RateLimited)
    assert not error.retryable
    assert str(error).startswith(f"The server at 127.0.0.1:8080 {words}")
    assert str(error).endswith("; resume later.")


def test_a_wait_up_to_the_cap_is_waited() -> None:
    error = map_openai_error(
        _rate_limited({"retry-after": f"{MAX_RETRY_AFTER:g}"}),
        host="h",
        model="m",
        timeout=60,
    )
    assert isinstance(error, RateLimited) and error.retryable
    assert error.retry_after == MAX_RETRY_AFTER


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (121, "3 minutes"),
        (7199, "120 minutes"),
        (7200, "2 hours"),
        (172799, "48 hours"),
        (172800, "2 days"),
        (999999, "12 days"),
    ],
)
def test_wait_text_rounds_up(seconds: float, text: str) -> None:
    assert wait_text(seconds) == text


# --- A story that never ends -------------------------------------------------------------


async def test_an_endless_story_stream_is_cut_at_its_length_cap(
    fake_openai: FakeOpenAI, client: AsyncOpenAI
) -> None:
    fake_openai.inject(Fault.ENDLESS, endpoint="chat")
    provider = OpenAITextProvider(client, "gpt-4o-mini", timeout=10)
    received = 0
    with pytest.raises(OutputLimitReached) as caught:
        async for item in provider.stream_plan(PlanRequest("A fox finds a lantern", 3)):
            if isinstance(item, str):
                received += len(item)
    limit = plan_token_cap(3) * CHARS_PER_TOKEN_LIMIT
    assert limit - 100 < received <= limit  # refused about the cap, not long after
    assert f"kept writing past {limit:,} characters" in str(caught.value)
    assert isinstance(caught.value, ProviderError) and not caught.value.retryable

"""The OpenAI-compatible provider against the fake server: plans, pictures and failures."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import httpx2
import openai
import pytest
import pytest_asyncio
from aiohttp import web
from openai import AsyncOpenAI
from PIL import Image

from studio.core.book import StoryPlan
from studio.core.pricing import estimate_book_cost, estimate_image_cost, estimate_text_cost
from studio.core.providers.base import (
    AuthError,
    ContentRejected,
    ImageDataError,
    ImageRequest,
    PageRewriteRequest,
    PlanDone,
    PlanError,
    PlanRequest,
    ProviderError,
    RateLimited,
    TransientError,
)
from studio.core.providers.openai import (
    OpenAIImageProvider,
    OpenAITextProvider,
    make_client,
    map_openai_error,
    plan_token_cap,
    read_picture_json,
    read_sse_event,
    split_sse,
    story_plan_schema,
)
from tests.fakes.server import FakeOpenAI, Fault

KEY = "sk-test-very-secret-key-123"


@pytest_asyncio.fixture
async def client(fake_openai: FakeOpenAI) -> AsyncIterator[AsyncOpenAI]:
    api = make_client(fake_openai.base_url, KEY, timeout=5)
    yield api
    await api.close()


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def text(client: AsyncOpenAI) -> OpenAITextProvider:
    return OpenAITextProvider(client, "gpt-4o-mini", timeout=1)


def image_provider(
    client: AsyncOpenAI, http: aiohttp.ClientSession, model: str, **kwargs: float
) -> OpenAIImageProvider:
    return OpenAIImageProvider(client, model, http, timeout=1, **kwargs)  # type: ignore[arg-type]


async def collect(provider: OpenAITextProvider, pages: int = 5) -> tuple[str, PlanDone]:
    items = [
        item async for item in provider.stream_plan(PlanRequest("A fox finds a lantern", pages))
    ]
    assert isinstance(items[-1], PlanDone)
    assert all(isinstance(item, str) for item in items[:-1])
    return "".join(item for item in items[:-1] if isinstance(item, str)), items[-1]


async def plan_error(provider: OpenAITextProvider) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await collect(provider)
    assert KEY not in str(caught.value)
    return caught.value


# --- Plan -------------------------------------------------------------------------------


async def test_streamed_plan_is_a_valid_story(
    fake_openai: FakeOpenAI, text: OpenAITextProvider
) -> None:
    json_text, done = await collect(text, pages=6)

    plan = StoryPlan.model_validate_json(json_text)
    assert len(plan.pages) == 6
    assert done.usage.kind == "text" and done.usage.model == "gpt-4o-mini"
    assert done.usage.input_tokens > 0 and done.usage.output_tokens > 0
    assert done.usage.cost_usd > 0
    body = fake_openai.requests_to("chat")[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True


async def test_plan_arrives_in_several_pieces(
    fake_openai: FakeOpenAI, text: OpenAITextProvider
) -> None:
    fake_openai.chunk_chars = 30
    items = [item async for item in text.stream_plan(PlanRequest("A fox", 3))]
    assert len(items) > 10


def test_schema_is_strict_everywhere() -> None:
    def walk(node: object) -> None:
        if isinstance(node, dict):
            assert "$ref" not in node
            if node.get("type") == "object":
                assert node["additionalProperties"] is False
                assert sorted(node["required"]) == sorted(node["properties"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(story_plan_schema())


async def test_falls_back_to_json_mode_and_remembers(
    fake_openai: FakeOpenAI, text: OpenAITextProvider
) -> None:
    fake_openai.inject(Fault.NO_JSON_SCHEMA, endpoint="chat", times=5)

    json_text, _ = await collect(text)
    await collect(text)

    StoryPlan.model_validate_json(json_text)
    formats = [r.body["response_format"]["type"] for r in fake_openai.requests_to("chat")]
    assert formats == ["json_schema", "json_object", "json_object"]
    assert "JSON Schema" in fake_openai.requests_to("chat")[1].body["messages"][0]["content"]


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        (Fault.REFUSAL, "declined to write this story: I can't help"),
        (Fault.LENGTH, "cut off at the output limit of"),
        (Fault.TRUNCATED, "ended before this story was finished"),
    ],
)
async def test_plan_faults_are_plan_errors(
    fake_openai: FakeOpenAI, text: OpenAITextProvider, fault: Fault, words: str
) -> None:
    fake_openai.inject(fault, endpoint="chat")
    error = await plan_error(text)
    assert isinstance(error, PlanError)
    assert words in str(error)


async def test_invalid_json_passes_through_for_validation_and_repair(
    fake_openai: FakeOpenAI, text: OpenAITextProvider
) -> None:
    fake_openai.inject(Fault.INVALID_JSON, endpoint="chat")
    json_text, _ = await collect(text)
    assert json_text
    with pytest.raises(ValueError, match="Invalid JSON"):
        StoryPlan.model_validate_json(json_text)


async def test_schema_mismatch_passes_through_for_validation(
    fake_openai: FakeOpenAI, text: OpenAITextProvider
) -> None:
    fake_openai.inject(Fault.SCHEMA_MISMATCH, endpoint="chat")
    json_text, _ = await collect(text)
    with pytest.raises(ValueError):
        StoryPlan.model_validate_json(json_text)


async def test_rate_limit_reads_retry_after(
    fake_openai: FakeOpenAI, text: OpenAITextProvider
) -> None:
    fake_openai.retry_after = 2.5
    fake_openai.inject(Fault.RATE_LIMIT, endpoint="chat")
    error = await plan_error(text)
    assert isinstance(error, RateLimited) and error.retryable
    assert error.retry_after == pytest.approx(2.5)


async def test_rate_limit_window(fake_openai: FakeOpenAI, text: OpenAITextProvider) -> None:
    fake_openai.rate_limit_per_minute = 1
    await collect(text)
    assert isinstance(await plan_error(text), RateLimited)


async def test_bad_key_is_auth_error(fake_openai: FakeOpenAI, text: OpenAITextProvider) -> None:
    fake_openai.inject(Fault.UNAUTHORIZED, endpoint="chat")
    error = await plan_error(text)
    assert isinstance(error, AuthError)
    assert "rejected the API key (401)" in str(error)


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.UNAVAILABLE, Fault.RESET])
async def test_server_trouble_is_transient(
    fake_openai: FakeOpenAI, text: OpenAITextProvider, fault: Fault
) -> None:
    fake_openai.inject(fault, endpoint="chat")
    error = await plan_error(text)
    assert isinstance(error, TransientError)
    assert "127.0.0.1" in str(error)


@pytest.mark.parametrize("fault", [Fault.HANG, Fault.STALL])
async def test_silence_times_out(
    fake_openai: FakeOpenAI, client: AsyncOpenAI, fault: Fault
) -> None:
    provider = OpenAITextProvider(client, "gpt-4o-mini", timeout=0.3)
    fake_openai.inject(fault, endpoint="chat")
    started = time.monotonic()
    error = await plan_error(provider)
    assert isinstance(error, TransientError)
    assert "did not answer within 0.3 s" in str(error)
    assert time.monotonic() - started < 2


async def test_text_content_policy(fake_openai: FakeOpenAI, text: OpenAITextProvider) -> None:
    fake_openai.inject(Fault.CONTENT_POLICY, endpoint="chat")
    error = await plan_error(text)
    assert isinstance(error, ContentRejected)
    assert "safety system" in str(error)


def test_unknown_model_is_named() -> None:
    request = httpx2.Request("POST", "http://localhost:1234/v1/chat/completions")
    response = httpx2.Response(404, request=request)
    body = {"message": f"The model 'llama9' does not exist ({KEY})", "code": "model_not_found"}
    exc = openai.NotFoundError("404", response=response, body=body)
    error = map_openai_error(exc, host="localhost:1234", model="llama9", timeout=1, secret=KEY)
    assert str(error) == (
        "The model 'llama9' isn't available at localhost:1234. "
        "Check the model name in Settings > Provider."
    )


def test_server_message_is_scrubbed_of_the_key() -> None:
    request = httpx2.Request("POST", "http://localhost:1234/v1/chat/completions")
    response = httpx2.Response(400, request=request)
    exc = openai.BadRequestError("400", response=response, body={"message": f"bad key {KEY}"})
    error = map_openai_error(exc, host="localhost:1234", model="m", timeout=1, secret=KEY)
    assert KEY not in str(error) and "***" in str(error)


async def test_wrong_address_names_the_endpoint(fake_openai: FakeOpenAI) -> None:
    api = make_client(fake_openai.root_url + "/nowhere", KEY, timeout=1)
    provider = OpenAITextProvider(api, "gpt-4o-mini", timeout=1)
    error = await plan_error(provider)
    await api.close()
    assert "404" in str(error) and "/v1" in str(error)


async def test_repair_plan(fake_openai: FakeOpenAI, text: OpenAITextProvider) -> None:
    fixed, done = await text.repair_plan(PlanRequest("A fox", 3), '{"title": ', "Unexpected end")
    assert len(StoryPlan.model_validate_json(fixed).pages) == 3
    body = fake_openai.requests_to("chat")[0].body
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"]["properties"]["pages"]["maxItems"] == 3
    assert body["max_tokens"] == plan_token_cap(3)
    assert "Unexpected end" in body["messages"][1]["content"]
    assert done.usage.output_tokens > 0


async def test_rewrite_page(fake_openai: FakeOpenAI, text: OpenAITextProvider) -> None:
    request = PageRewriteRequest("The Lantern", "A fox", ["One.", "Two.", "Three."], 2, "Shorter.")
    page = await text.rewrite_page(request)
    assert page.text and page.scene and page.usage.kind == "text"
    assert "Shorter." in fake_openai.requests_to("chat")[0].body["messages"][1]["content"]


async def test_rewrite_refusal(fake_openai: FakeOpenAI, text: OpenAITextProvider) -> None:
    fake_openai.inject(Fault.REFUSAL, endpoint="chat")
    with pytest.raises(PlanError, match="declined"):
        await text.rewrite_page(PageRewriteRequest("T", "P", ["One."], 1))


# --- Images -----------------------------------------------------------------------------


def decode(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


async def test_gpt_image_streams_partials(
    fake_openai: FakeOpenAI, client: AsyncOpenAI, http: aiohttp.ClientSession
) -> None:
    fake_openai.partial_images = True
    partials: list[bytes] = []
    provider = image_provider(client, http, "gpt-image-1")

    result = await provider.generate(ImageRequest("a red fox", quality="low"), partials.append)

    assert len(partials) == 2 and all(decode(p).size == (16, 16) for p in partials)
    assert decode(result.data).size == (64, 64)
    assert result.usage.images == 1 and result.usage.output_tokens == 272
    assert result.usage.cost_usd == estimate_image_cost("gpt-image-1", "1024x1024", "low")
    body = fake_openai.requests_to("images")[0].body
    assert body["stream"] is True and body["partial_images"] == 2 and body["quality"] == "low"


async def test_streaming_rejected_falls_back(
    fake_openai: FakeOpenAI, client: AsyncOpenAI, http: aiohttp.ClientSession
) -> None:
    fake_openai.image_streaming = False
    provider = image_provider(client, http, "gpt-image-1")
    for _ in range(2):
        result = await provider.generate(ImageRequest("a fox"), lambda _: None)
        assert decode(result.data).format == "PNG"
    assert [bool(r.body.get("stream")) for r in fake_openai.requests_to("images")] == [
        True,
        False,
        False,
    ]


async def test_references_use_edit(
    fake_openai: FakeOpenAI, client: AsyncOpenAI, http: aiohttp.ClientSession
) -> None:
    provider = image_provider(client, http, "gpt-image-1")
    sheet = (await provider.generate(ImageRequest("sheet"))).data
    assert provider.accepts_references

    result = await provider.generate(ImageRequest("page 1", references=[sheet, sheet]))

    assert decode(result.data).format == "PNG"
    edit = fake_openai.requests_to("images_edit")[0].body
    assert edit["prompt"] == "page 1" and len(edit["images"]) == 2
    assert edit["images"][0]["bytes"] == len(sheet)


async def test_dall_e_asks_for_base64(
    fake_openai: FakeOpenAI, client: AsyncOpenAI, http: aiohttp.ClientSession
) -> None:
    fake_openai.image_format = "url"
    provider = image_provider(client, http, "dall-e-3")
    result = await provider.generate(ImageRequest("a fox", references=[b"ignored"]))
    assert decode(result.data).format == "PNG" and not provider.accepts_references
    assert fake_openai.requests_to("images")[0].body["response_format"] == "b64_json"
    assert "quality" not in fake_openai.requests_to("images")[0].body
    assert not fake_openai.requests_to("download")


async def test_url_answers_are_downloaded(
    fake_openai: FakeOpenAI, client: AsyncOpenAI, http: aiohttp.ClientSession
) -> None:
    fake_openai.image_format = "url"
    result = await image_provider(client, http, "flux-schnell").generate(ImageRequest("a fox"))
    assert decode(result.data).size == (64, 64)
    assert len(fake_openai.requests_to("download")) == 1
    assert "response_format" not in fake_openai.requests_to("images")[0].body


async def test_download_size_cap(
    fake_openai: FakeOpenAI, client: AsyncOpenAI, http: aiohttp.ClientSession
) -> None:
    fake_openai.image_format = "url"
    fake_openai.inject(Fault.OVERSIZED)
    provider = image_provider(client, http, "flux-schnell", max_download_bytes=4096)
    with pytest.raises(ImageDataError, match="larger than 4 KB"):
        await provider.generate(ImageRequest("a fox"))


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        (Fault.URL_404, ImageDataError, "404"),
        (Fault.NO_DATA, ImageDataError, "without a picture"),
        (Fault.SCHEMA_MISMATCH, ImageDataError, "without a picture"),
        (Fault.INVALID_JSON, ImageDataError, "could not be read"),
        (Fault.CONTENT_POLICY, ContentRejected, "refused this picture's prompt"),
        (Fault.UNAUTHORIZED, AuthError, "401"),
        (Fault.RATE_LIMIT, RateLimited, "429"),
        (Fault.RESET, TransientError, "connection"),
        (Fault.HANG, TransientError, "did not answer within 0.3 s"),
        (Fault.UNAVAILABLE, TransientError, "503"),
    ],
)
async def test_image_faults(
    fake_openai: FakeOpenAI,
    client: AsyncOpenAI,
    http: aiohttp.ClientSession,
    fault: Fault,
    error: type[ProviderError],
    words: str,
) -> None:
    fake_openai.image_format = "url"
    fake_openai.inject(fault)
    provider = OpenAIImageProvider(client, "flux-schnell", http, timeout=0.3)
    with pytest.raises(error, match=words) as caught:
        await provider.generate(ImageRequest("a fox"))
    assert KEY not in str(caught.value)


async def test_truncated_picture_stream_is_transient(
    fake_openai: FakeOpenAI, client: AsyncOpenAI, http: aiohttp.ClientSession
) -> None:
    fake_openai.inject(Fault.TRUNCATED)
    provider = image_provider(client, http, "gpt-image-1")
    with pytest.raises(TransientError, match="ended before the picture was finished"):
        await provider.generate(ImageRequest("a fox"), lambda _: None)


async def test_not_an_image_is_returned_for_later_checks(
    fake_openai: FakeOpenAI, client: AsyncOpenAI, http: aiohttp.ClientSession
) -> None:
    fake_openai.inject(Fault.NOT_IMAGE)
    result = await image_provider(client, http, "gpt-image-1").generate(ImageRequest("a fox"))
    assert result.data.startswith(b"this is not a picture")


async def test_oversized_png_arrives_intact(
    fake_openai: FakeOpenAI, client: AsyncOpenAI, http: aiohttp.ClientSession
) -> None:
    fake_openai.inject(Fault.OVERSIZED)
    result = await image_provider(client, http, "gpt-image-1").generate(ImageRequest("a fox"))
    assert result.data.startswith(b"\x89PNG")
    assert struct.unpack(">II", result.data[16:24]) == (20000, 20000)


# --- Client, secrets, prices ------------------------------------------------------------


async def test_make_client_env_and_local_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    api = make_client(None, None, timeout=3)
    assert str(api.base_url).startswith("http://localhost:11434/v1") and api.max_retries == 0
    await api.close()
    monkeypatch.delenv("OPENAI_BASE_URL")
    with pytest.raises(AuthError, match="OPENAI_API_KEY"):
        make_client(None, None, timeout=3)


def test_make_client_needs_a_loop() -> None:
    with pytest.raises(RuntimeError, match="running event loop"):
        make_client("http://localhost:1/v1", "k", timeout=1)


async def test_key_stays_out_of_reprs(client: AsyncOpenAI, http: aiohttp.ClientSession) -> None:
    providers = [OpenAITextProvider(client, "m"), OpenAIImageProvider(client, "m", http)]
    assert all(KEY not in repr(p) for p in providers)


def test_prices() -> None:
    assert estimate_text_cost("gpt-4o-mini-2024-07-18", 1_000_000, 1_000_000) == 0.75
    assert estimate_text_cost("llama3.1:8b", 10**6, 10**6) == 0.0
    assert estimate_image_cost("dall-e-3", "1792x1024", "hd") == 0.12
    assert estimate_image_cost("gpt-image-1", "1024x1024", "auto") == 0.042
    assert estimate_book_cost("gpt-4o-mini", "gpt-image-1", 8, "1024x1024", "low") > 8 * 0.011
    assert estimate_book_cost("qwen2", "sdxl", 8, "1024x1024") == 0.0


async def test_cancel_stops_a_stream_quickly(
    fake_openai: FakeOpenAI, text: OpenAITextProvider
) -> None:
    fake_openai.chunk_delay = 0.05
    task = asyncio.create_task(collect(text, pages=20))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 0.5


# --- Big answers stay off the event loop ------------------------------------------------


class CountingExecutor(ThreadPoolExecutor):
    """A thread pool that counts the jobs it was given."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.jobs = 0

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        self.jobs += 1
        return super().submit(fn, *args, **kwargs)


@pytest.fixture
def executor() -> Iterator[CountingExecutor]:
    pool = CountingExecutor()
    yield pool
    pool.shutdown(wait=True)


BIG_PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4000  # about 1 MB, 1.4 MB as base64


async def test_big_answer_is_parsed_in_the_executor(
    fake_openai: FakeOpenAI,
    client: AsyncOpenAI,
    http: aiohttp.ClientSession,
    executor: CountingExecutor,
) -> None:
    fake_openai.picture = BIG_PICTURE
    provider = OpenAIImageProvider(client, "gpt-image-1", http, timeout=5, executor=executor)

    result = await provider.generate(ImageRequest("a fox"))

    assert result.data == BIG_PICTURE and executor.jobs == 1
    assert result.revised_prompt == "a fox" and result.usage.output_tokens == 272
    assert "stream" not in fake_openai.requests_to("images")[0].body


async def test_big_streamed_picture_is_parsed_in_the_executor(
    fake_openai: FakeOpenAI,
    client: AsyncOpenAI,
    http: aiohttp.ClientSession,
    executor: CountingExecutor,
) -> None:
    fake_openai.picture = BIG_PICTURE
    fake_openai.partial_images = True
    provider = OpenAIImageProvider(client, "gpt-image-1", http, timeout=5, executor=executor)
    partials: list[bytes] = []

    result = await provider.generate(ImageRequest("a fox"), partials.append)

    assert result.data == BIG_PICTURE and executor.jobs == 1  # the small previews: on the loop
    assert [decode(p).size for p in partials] == [(16, 16), (16, 16)]
    assert result.usage.input_tokens == 50 and result.usage.output_tokens == 272


async def test_no_stream_without_a_preview_callback(
    fake_openai: FakeOpenAI, client: AsyncOpenAI, http: aiohttp.ClientSession
) -> None:
    fake_openai.partial_images = True
    result = await image_provider(client, http, "gpt-image-1").generate(ImageRequest("a fox"))
    assert decode(result.data).size == (64, 64)
    assert "stream" not in fake_openai.requests_to("images")[0].body


def test_picture_json_cut_and_fallbacks() -> None:
    b64 = base64.b64encode(BIG_PICTURE).decode()
    plain = json.dumps({"data": [{"b64_json": b64, "revised_prompt": "p"}], "usage": {}})
    document, data = read_picture_json(plain.encode(), nested=True)
    assert data == BIG_PICTURE and document["data"][0]["revised_prompt"] == "p"
    # escaped slashes (some servers write "\/") and spaces around the colon
    escaped = '{"data": [{"b64_json" : "' + b64.replace("/", "\\/") + '"}]}'
    assert read_picture_json(escaped.encode(), nested=True)[1] == BIG_PICTURE
    # a "b64_json" somewhere else first: the real one is still found
    nested_first = json.dumps({"meta": {"b64_json": "AAAA"}, "data": [{"b64_json": b64}]})
    assert read_picture_json(nested_first.encode(), nested=True)[1] == BIG_PICTURE
    event = json.dumps({"type": "image_generation.completed", "b64_json": b64})
    assert read_picture_json(event.encode(), nested=False)[1] == BIG_PICTURE
    assert read_picture_json(b'{"data": [{"url": "u", "b64_json": ""}]}', nested=True)[1] is None
    with pytest.raises(ImageDataError, match="invalid base64"):
        read_picture_json(b'{"data": [{"b64_json": "' + b"A" * 5 + b'"}]}', nested=True)
    with pytest.raises(ValueError):
        read_picture_json(b"<html>oops", nested=True)


async def blocks_of(chunks: list[bytes]) -> list[bytes]:
    async def source() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    return [b"".join(block) async for block in split_sse(source())]


async def testsplit_sse_split_anywhere() -> None:
    text = b"event: a\ndata: 1\n\n: comment\ndata: 2\ndata: 3\n\nevent: b\r\ndata: 4\r\n\r\ndata: 5"
    expected = [b"event: a\ndata: 1", b": comment\ndata: 2\ndata: 3", b"event: b\ndata: 4"]
    for size in (1, 2, 3, 7, len(text)):
        chunks = [text[i : i + size] for i in range(0, len(text), size)]
        assert await blocks_of(chunks) == expected  # the unfinished "data: 5" is dropped
    assert await blocks_of([b"data: x\r", b"\r", b"\n"]) == [b"data: x"]
    assert await blocks_of([b"data: x\n", b"\n\n\n", b"data: y\n\n"]) == [b"data: x", b"data: y"]
    assert read_sse_event(b": c\nevent: done\ndata: 2\ndata: 3") == ("done", b"2\n3")
    assert read_sse_event(b"event: ping") == ("ping", None)


@pytest_asyncio.fixture
async def sse_server() -> AsyncIterator[Callable[[bytes], Awaitable[str]]]:
    """A server whose picture stream is exactly the bytes given, sent in small pieces."""
    runners: list[web.AppRunner] = []

    async def serve(body: bytes) -> str:
        async def handler(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
            await response.prepare(request)
            for i in range(0, len(body), 1000):
                await response.write(body[i : i + 1000])
            await response.write_eof()
            return response

        app = web.Application()
        app.router.add_post("/v1/images/generations", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{runner.addresses[0][1]}/v1"

    yield serve
    for runner in runners:
        await runner.cleanup()


def sse(kind: str, payload: dict[str, object]) -> bytes:
    return f"event: {kind}\r\ndata: {json.dumps({'type': kind, **payload})}\r\n\r\n".encode()


async def stream_from(url: str, http: aiohttp.ClientSession) -> tuple[bytes, list[bytes]]:
    api = make_client(url, KEY, timeout=5)
    partials: list[bytes] = []
    try:
        provider = OpenAIImageProvider(api, "gpt-image-1", http, timeout=5)
        result = await provider.generate(ImageRequest("a fox"), partials.append)
    finally:
        await api.close()
    return result.data, partials


async def test_stream_with_broken_preview_and_crlf(
    sse_server: Callable[[bytes], Awaitable[str]], http: aiohttp.ClientSession
) -> None:
    b64 = base64.b64encode(BIG_PICTURE).decode()
    body = (
        b": keep-alive\r\n\r\n"
        + sse("image_generation.partial_image", {"b64_json": "not base64!"})
        + sse("image_generation.partial_image", {"b64_json": base64.b64encode(b"p").decode()})
        + sse("image_generation.completed", {"b64_json": b64, "usage": {"output_tokens": 9}})
        + b"data: [DONE]\r\n\r\n"
    )
    data, partials = await stream_from(await sse_server(body), http)
    assert data == BIG_PICTURE and partials == [b"p"]


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        (
            b'event: error\ndata: {"error": {"message": "The picture failed"}}\n\n',
            ProviderError,
            "The picture failed",
        ),
        (sse("image_generation.completed", {"b64_json": "@@@@"}), ImageDataError, "base64"),
        (b"data: {not json\n\n", ImageDataError, "could not be read"),
        (sse("image_generation.partial_image", {"b64_json": "AAAA"}), TransientError, "ended"),
    ],
)
async def test_stream_problems(
    sse_server: Callable[[bytes], Awaitable[str]],
    http: aiohttp.ClientSession,
    body: bytes,
    error: type[ProviderError],
    words: str,
) -> None:
    with pytest.raises(error, match=words) as caught:
        await stream_from(await sse_server(body), http)
    assert KEY not in str(caught.value)

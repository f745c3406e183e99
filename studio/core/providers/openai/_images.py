"""Pictures from an image model."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial
from typing import Any, cast
from urllib.parse import urljoin, urlsplit

import aiohttp
import httpx2
import openai
from openai import AsyncOpenAI

from studio.core.book import UsageRecord
from studio.core.pricing import estimate_image_cost
from studio.core.providers.base import (
    ImageDataError,
    ImageRequest,
    ImageResult,
    PartialCallback,
    TransientError,
)
from studio.core.providers.openai._client import context
from studio.core.providers.openai._download import PictureTooLarge, download, too_big
from studio.core.providers.openai._errors import STREAM_WORDS, is_rejected_option, map_error
from studio.core.providers.openai._pictures import (
    BIG,
    cut_b64,
    decode_b64,
    invalid_b64,
    is_gpt_image,
    read_picture_json,
)
from studio.core.providers.openai._sse import read_sse_event, split_sse

MIB = 1024 * 1024
_SSE_HEADERS = {"Accept": "text/event-stream"}
_NO_PICTURE = (
    "The image server answered without a picture ({why}). Try again, or check that "
    "'{model}' is an image model."
)


@dataclass
class _Picture:
    data: bytes
    input_tokens: int = 0
    output_tokens: int = 0
    revised_prompt: str | None = None


@dataclass
class _Event:
    """One server-sent event of a picture stream, its picture (if any) decoded."""

    kind: str
    document: Any
    picture: bytes | None = None
    broken: bool = False  # the picture data was invalid


class _Meter:
    """Counts an answer's bytes while they are read and refuses past its caps.

    `event_limit` bounds one answer (or one server-sent event, the part held in
    memory at a time), `total_limit` the whole response.
    """

    def __init__(
        self, event_limit: int, total_limit: int, refuse: Callable[[], PictureTooLarge]
    ) -> None:
        self.event_limit = event_limit
        self.total_limit = total_limit
        self._refuse = refuse
        self.event = 0
        self.total = 0

    def check_length(self, response: Any) -> None:
        """Refuse before reading when the answer says it is too long."""
        try:
            length = int(response.headers.get("content-length") or 0)
        except ValueError:
            return
        if length > self.event_limit:
            raise self._refuse()

    def count(self, size: int) -> None:
        self.event += size
        self.total += size
        if self.event > self.event_limit or self.total > self.total_limit:
            raise self._refuse()

    def event_done(self) -> None:
        self.event = 0


def _parse_event(pieces: list[bytes]) -> _Event | None:
    name, data = read_sse_event(pieces[0] if len(pieces) == 1 else b"".join(pieces))
    if data is None or data.startswith(b"[DONE]"):
        return None if data is None else _Event("[DONE]", None)
    try:
        document, picture = read_picture_json(data, nested=False)
        broken = False
    except ImageDataError:
        cut = cut_b64(data)
        document, picture, broken = json.loads(cut[0] if cut else data), None, True
    kind = document.get("type") if isinstance(document, dict) else None
    return _Event(str(kind or name), document, picture, broken)


async def _bytes_of(response: Any, meter: _Meter) -> AsyncIterator[bytes]:
    """The response's body chunks, counted by `meter`, with network failures as the
    SDK's own errors."""
    try:
        async for chunk in response.iter_bytes():
            meter.count(len(chunk))
            yield chunk
    except httpx2.TimeoutException as exc:
        raise openai.APITimeoutError(request=response.http_request) from exc
    except httpx2.RequestError as exc:
        raise openai.APIConnectionError(request=response.http_request) from exc


def _stream_error(document: Any, response: Any) -> openai.APIError | None:
    error = document.get("error") if isinstance(document, dict) else None
    if not error:
        return None
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str) or not message:
        message = "An error occurred during streaming"
    return openai.APIError(message, response.http_request, body=error)


class OpenAIImageProvider:
    """Paints pictures with an image model at an OpenAI-compatible endpoint.

    `executor` runs the parsing and base64 decoding of answers; None uses the
    event loop's default executor.
    """

    def __init__(
        self,
        client: AsyncOpenAI,
        model: str,
        http: aiohttp.ClientSession,
        *,
        timeout: float = 180,
        max_download_bytes: int = 50 * MIB,
        partial_images: int = 2,
        executor: Executor | None = None,
    ) -> None:
        self.model = model
        self._client = client
        self._http = http
        self._timeout = timeout
        self._max_download = max_download_bytes
        # A picture of max_download_bytes is 4/3 as long in base64, in JSON around it.
        self._max_answer = (max_download_bytes + 2) // 3 * 4 + MIB
        self._partials = partial_images
        self._executor = executor
        self._stream_ok = True
        self._ctx = context(client, model, timeout, image=True)

    def __repr__(self) -> str:
        return f"OpenAIImageProvider(model={self.model!r}, host={self._ctx.host!r})"

    @property
    def accepts_references(self) -> bool:
        """True for the gpt-image family, which can edit from reference pictures."""
        return is_gpt_image(self.model)

    async def generate(
        self, request: ImageRequest, on_partial: PartialCallback | None = None
    ) -> ImageResult:
        """Return one picture's encoded bytes (not yet verified) and the call's usage.

        Previews are streamed only when `on_partial` is given.
        """
        started = time.monotonic()
        try:
            picture = await self._picture(request, on_partial)
        except Exception as exc:
            raise map_error(exc, self._ctx) from exc
        usage = UsageRecord(
            kind="image",
            model=self.model,
            latency_s=round(time.monotonic() - started, 3),
            input_tokens=picture.input_tokens,
            output_tokens=picture.output_tokens,
            images=1,
            cost_usd=estimate_image_cost(self.model, request.size, request.quality),
        )
        return ImageResult(data=picture.data, usage=usage, revised_prompt=picture.revised_prompt)

    async def _picture(self, request: ImageRequest, on_partial: PartialCallback | None) -> _Picture:
        streamed = on_partial is not None and self._partials > 0 and is_gpt_image(self.model)
        if streamed and self._stream_ok:
            try:
                return await self._streamed(request, cast(PartialCallback, on_partial))
            except openai.APIError as exc:
                if not is_rejected_option(exc, STREAM_WORDS):
                    raise
                self._stream_ok = False
        return await self._answered(request)

    def _edits(self, request: ImageRequest) -> bool:
        return bool(request.references) and self.accepts_references

    def _arguments(self, request: ImageRequest, *, stream: bool) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "prompt": request.prompt,
            "model": self.model,
            "n": 1,
            "size": request.size,
            "timeout": self._timeout,
        }
        if stream:
            arguments |= {
                "stream": True,
                "partial_images": self._partials,
                "extra_headers": _SSE_HEADERS,
            }
        if is_gpt_image(self.model) and request.quality:
            arguments["quality"] = request.quality
        elif self.model.lower().startswith("dall-e"):
            arguments["response_format"] = "b64_json"
        if self._edits(request):
            arguments["image"] = _reference_files(request.references)
        return arguments

    async def _off_loop(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(function, *args, **kwargs))

    def _too_big(self) -> PictureTooLarge:
        return too_big(self._ctx.host, self._max_download)

    async def _read_answer(self, request: ImageRequest) -> bytearray:
        """The answer's body, read as it streams in and refused past the size cap:
        a huge answer costs about the cap in memory, never its whole length."""
        images = self._client.images.with_streaming_response
        call = images.edit if self._edits(request) else images.generate
        meter = _Meter(self._max_answer, self._max_answer, self._too_big)
        body = bytearray()
        async with call(**self._arguments(request, stream=False)) as response:
            meter.check_length(response)
            async for chunk in _bytes_of(response, meter):
                body += chunk
        return body

    async def _answered(self, request: ImageRequest) -> _Picture:
        """One plain request; the answer's JSON is parsed off the loop."""
        body = await self._read_answer(request)
        if len(body) >= BIG:
            document, data = await self._off_loop(read_picture_json, body, nested=True)
        else:
            document, data = read_picture_json(body, nested=True)
        items = document.get("data") if isinstance(document, dict) else None
        if not isinstance(items, list) or not items:
            raise ImageDataError(_NO_PICTURE.format(why="no image data", model=self.model))
        item = items[0] if isinstance(items[0], dict) else {}
        revised = item.get("revised_prompt")
        if data is None:
            url = item.get("url")
            if not url:
                raise ImageDataError(
                    _NO_PICTURE.format(why="neither data nor a link", model=self.model)
                )
            data = await self._fetch(str(url))
        return _Picture(
            data,
            *_token_counts(document),
            revised_prompt=revised if isinstance(revised, str) else None,
        )

    async def _streamed(self, request: ImageRequest, on_partial: PartialCallback) -> _Picture:
        images = self._client.images.with_streaming_response
        call = images.edit if self._edits(request) else images.generate
        final: _Event | None = None
        # Previews, the picture and a little slack: an endless stream is refused too.
        meter = _Meter(self._max_answer, self._max_answer * (self._partials + 2), self._too_big)
        async with call(**self._arguments(request, stream=True)) as response:
            meter.check_length(response)
            async for block in split_sse(_bytes_of(response, meter)):
                meter.event_done()
                if sum(map(len, block)) >= BIG:
                    event = await self._off_loop(_parse_event, block)
                else:
                    event = _parse_event(block)
                if event is None:
                    continue
                if event.kind == "[DONE]":
                    break
                if (error := _stream_error(event.document, response)) is not None:
                    raise error
                if event.kind.endswith("partial_image"):
                    if event.picture:
                        on_partial(event.picture)  # a broken preview is skipped
                elif event.kind.endswith("completed"):
                    final = event
        if final is None or (final.picture is None and not final.broken):
            raise TransientError(
                f"The picture stream from {self._ctx.host} ended before the picture was "
                "finished. Trying again may help."
            )
        if final.picture is None:
            raise invalid_b64()
        return _Picture(final.picture, *_token_counts(final.document))

    async def _fetch(self, url: str) -> bytes:
        if url.startswith("data:"):
            encoded = url.partition(",")[2]
            if len(encoded) >= BIG:
                return cast(bytes, await self._off_loop(decode_b64, encoded))
            return decode_b64(encoded)
        absolute = urljoin(str(self._client.base_url), url)
        if urlsplit(absolute).scheme not in ("http", "https"):
            raise ImageDataError(
                f"The image server linked the picture at an unusable address: {url[:80]}"
            )
        return await download(
            self._http, absolute, time_limit=self._timeout, max_bytes=self._max_download
        )


def _token_counts(document: Any) -> tuple[int, int]:
    usage = document.get("usage") if isinstance(document, dict) else None
    if not isinstance(usage, dict):
        return 0, 0
    input_tokens = usage.get("input_tokens", 0)
    output_tokens = usage.get("output_tokens", 0)
    return (
        input_tokens if isinstance(input_tokens, int) else 0,
        output_tokens if isinstance(output_tokens, int) else 0,
    )


def _reference_files(
    references: list[bytes],
) -> tuple[str, bytes, str] | list[tuple[str, bytes, str]]:
    """One picture goes as the `image` field, several as the `image[]` array."""
    files = [(f"reference-{i}.png", data, "image/png") for i, data in enumerate(references, 1)]
    return files[0] if len(files) == 1 else files

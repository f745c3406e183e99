"""The provider for any OpenAI-compatible endpoint.

Works with OpenAI itself, Azure, Ollama, LM Studio, llama.cpp server, vLLM and
LocalAI. Every failure leaves this module as a `ProviderError` whose message a
person can act on; the API key never appears in one.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import copy
import email.utils
import importlib
import json
import os
import time
from collections.abc import AsyncIterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast
from urllib.parse import urljoin, urlsplit

import aiohttp
import httpx2
import openai
from openai import AsyncOpenAI

from studio.core.book import StoryPlan, UsageRecord
from studio.core.pricing import estimate_image_cost, estimate_text_cost
from studio.core.providers.base import (
    AuthError,
    ContentRejected,
    ImageDataError,
    ImageRequest,
    ImageResult,
    PageRewriteRequest,
    PartialCallback,
    PlanDone,
    PlanError,
    PlanRequest,
    ProviderError,
    RateLimited,
    RewrittenPage,
    TransientError,
)


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

MIB = 1024 * 1024
_OPENAI_HOSTS = ("api.openai.com",)
_POLICY_WORDS = ("content_policy", "content policy", "moderation", "safety")
_FORMAT_WORDS = ("response_format", "json_schema", "not supported", "unsupported")
_STREAM_WORDS = ("stream", "partial_image")
_SSE_HEADERS = {"Accept": "text/event-stream"}
_NO_PICTURE = (
    "The image server answered without a picture ({why}). Try again, or check that "
    "'{model}' is an image model."
)

PLAN_SYSTEM_PROMPT = """\
You are an award-winning picture-book author and art director. You write one \
complete picture book and answer with a single JSON object.

Rules:
- Write exactly {pages} pages: the "pages" array has exactly {pages} items.
- Write for children aged {age}: 1 to 4 short sentences per page, words they know, \
a clear beginning, middle and satisfying end.
- "style" fixes the look of every picture in the book. {art_style}
- "characters" lists every character who appears in a picture. Each "description" \
is fixed and concrete: kind or species, size, colours, clothing and one \
distinguishing mark, in one sentence. It is repeated word for word in every \
picture, so it never mentions moods, actions or places.
- Each page's "scene" describes the picture only: setting, time of day, what each \
character is doing, composition and viewpoint. It does not repeat the characters' \
looks and never asks for words or letters in the picture.
- Each page's "characters" lists the names, exactly as in "characters", of those \
visible in its picture.
- Answer with the JSON object only, no commentary."""

REWRITE_SYSTEM_PROMPT = """\
You are a picture-book author revising one page of your own book for children aged \
{age}. Keep the story consistent with the other pages and the characters' names. \
Answer with a JSON object with exactly two string fields: "text" (the words printed \
on the page, 1 to 4 short sentences) and "scene" (what the illustration shows: \
setting, action, composition; no words in the picture)."""


# --- Schema ---------------------------------------------------------------------------


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _inline(copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[-1]]), defs)
    out = {key: _inline(value, defs) for key, value in node.items() if key != "title"}
    if out.get("type") == "object" and "properties" in out:
        out["additionalProperties"] = False
        out["required"] = list(out["properties"])
    return out


def story_plan_schema() -> dict[str, Any]:
    """The JSON Schema of `StoryPlan` in the strict form Structured Outputs accept.

    References are inlined (some compatible servers cannot follow `$ref`), every
    object forbids extra properties and requires all of its properties.
    """
    schema = StoryPlan.model_json_schema()
    defs = schema.pop("$defs", {})
    return cast(dict[str, Any], _inline(schema, defs))


# --- Errors ---------------------------------------------------------------------------


def _host_of(url: object) -> str:
    parts = urlsplit(str(url))
    host = parts.hostname or str(url)
    return f"{host}:{parts.port}" if parts.port else host


def _redact(text: str, secret: str | None) -> str:
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


def _server_message(exc: openai.APIError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])[:300]
    if isinstance(body, str) and body.strip():
        return body.strip()[:300]
    return exc.message[:300]


def retry_after_seconds(headers: Any) -> float | None:
    """The wait a 429 answer asks for, from `retry-after-ms` or `Retry-After`."""
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    try:
        if millis is not None:
            return max(0.0, float(millis) / 1000)
    except ValueError:
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return _seconds_until(value)


def _seconds_until(http_date: str) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass(frozen=True)
class _Context:
    """What an error message may name: the host, the model and the time limit."""

    host: str
    model: str
    timeout: float
    secret: str | None = field(default=None, repr=False)
    image: bool = False


def _is_policy(exc: openai.APIError, message: str) -> bool:
    text = f"{exc.code or ''} {message}".lower()
    return any(word in text for word in _POLICY_WORDS)


def _status_error(exc: openai.APIStatusError, ctx: _Context) -> ProviderError:
    message = _server_message(exc)
    status = exc.status_code
    if isinstance(exc, openai.RateLimitError):
        return _rate_limit_error(exc, ctx, message)
    if isinstance(exc, openai.AuthenticationError):
        return AuthError(
            "The server rejected the API key (401). Check Settings > Provider or OPENAI_API_KEY."
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return AuthError(
            f"The server refused this API key access to '{ctx.model}' (403). "
            "Check Settings > Provider or OPENAI_API_KEY."
        )
    if status == 400 and _is_policy(exc, message):
        what = (
            "The image service refused this picture's prompt"
            if ctx.image
            else ("The text service refused this request")
        )
        return ContentRejected(f"{what}: {message}")
    if isinstance(exc, openai.NotFoundError):
        return _not_found_error(exc, ctx, message)
    if status >= 500 or status in (408, 409, 425):
        return _server_trouble(status, ctx)
    return ProviderError(f"The server at {ctx.host} rejected the request ({status}): {message}")


def _rate_limit_error(exc: openai.APIStatusError, ctx: _Context, message: str) -> ProviderError:
    if (exc.code or "") == "insufficient_quota":
        return ProviderError(
            f"The account at {ctx.host} has no credit left (insufficient_quota). "
            "Add credit or choose another provider in Settings > Provider."
        )
    wait = retry_after_seconds(exc.response.headers)
    hint = f" It asked to wait {wait:g} s." if wait is not None else ""
    return RateLimited(
        f"The server at {ctx.host} is limiting how fast requests may be sent (429).{hint}",
        retry_after=wait,
    )


def _not_found_error(exc: openai.APIStatusError, ctx: _Context, message: str) -> ProviderError:
    if "model" in f"{exc.code or ''} {message}".lower():
        return ProviderError(
            f"The model '{ctx.model}' isn't available at {ctx.host}. "
            "Check the model name in Settings > Provider."
        )
    return ProviderError(
        f"The server at {ctx.host} has no such endpoint (404): {message}. "
        "Check the server address; it usually ends in /v1."
    )


def _server_trouble(status: int, ctx: _Context) -> TransientError:
    if status == 503:
        return TransientError(f"The server at {ctx.host} is unavailable or overloaded (503).")
    return TransientError(
        f"The server at {ctx.host} had a problem ({status}). Trying again may help."
    )


def _map_error(exc: BaseException, ctx: _Context) -> ProviderError:
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, openai.APIStatusError):
        error = _status_error(exc, ctx)
    elif isinstance(exc, openai.APITimeoutError | TimeoutError):
        error = TransientError(f"The server at {ctx.host} did not answer within {ctx.timeout:g} s.")
    elif isinstance(exc, openai.APIConnectionError | aiohttp.ClientError | ConnectionError):
        error = TransientError(
            f"Could not reach the server at {ctx.host}: the connection failed or was reset."
        )
    elif isinstance(exc, openai.APIResponseValidationError | ValueError):
        error = _garbage_error(ctx)
    else:
        error = ProviderError(f"The call to {ctx.host} failed: {type(exc).__name__}: {exc}")
    return type(error)(_redact(str(error), ctx.secret), retry_after=error.retry_after)


def _garbage_error(ctx: _Context) -> ProviderError:
    message = f"The server at {ctx.host} sent an answer that could not be read."
    return ImageDataError(message) if ctx.image else TransientError(message)


def map_openai_error(
    exc: BaseException,
    *,
    host: str,
    model: str,
    timeout: float,
    secret: str | None = None,
    image: bool = False,
) -> ProviderError:
    """Translate an SDK, network or decoding exception into a `ProviderError`.

    `secret` (the API key) is scrubbed from the message should a server echo it.
    """
    return _map_error(exc, _Context(host, model, timeout, secret, image))


def _is_rejected_option(exc: BaseException, words: tuple[str, ...]) -> bool:
    if not isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return False
    message = _server_message(exc).lower()
    if _is_policy(exc, message):
        return False
    return any(word in f"{exc.param or ''} {message}" for word in words)


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
        if url is None or _host_of(url) in _OPENAI_HOSTS:
            raise AuthError(
                "No API key is set. Add one in Settings > Provider or set OPENAI_API_KEY."
            )
        key = "no-key-needed"
    return AsyncOpenAI(api_key=key, base_url=url, timeout=timeout, max_retries=0)


def _context(client: AsyncOpenAI, model: str, timeout: float, *, image: bool) -> _Context:
    secret = client.api_key if isinstance(client.api_key, str) else None
    return _Context(_host_of(client.base_url), model, timeout, secret, image)


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


# --- Text -----------------------------------------------------------------------------


@dataclass
class _StreamState:
    """What a plan stream has said so far, besides the text it yielded."""

    text: list[str] = field(default_factory=list)
    refusal: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None

    def take(self, chunk: Any) -> str:
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self.input_tokens = getattr(usage, "prompt_tokens", None)
            self.output_tokens = getattr(usage, "completion_tokens", None)
        for choice in getattr(chunk, "choices", None) or []:
            self.finish_reason = getattr(choice, "finish_reason", None) or self.finish_reason
            delta = getattr(choice, "delta", None)
            if refusal := getattr(delta, "refusal", None):
                self.refusal.append(refusal)
            if content := getattr(delta, "content", None):
                self.text.append(content)
                return str(content)
        return ""


def _finish_problem(finish_reason: str | None, refusal: str) -> PlanError | None:
    if refusal:
        return PlanError(f"The model declined to write this story: {refusal}")
    if finish_reason == "length":
        return PlanError(
            "The story was cut off before it was finished (the model's output limit was "
            "reached). Try fewer pages or a model with a larger output limit."
        )
    if finish_reason == "content_filter":
        return PlanError(
            "The service's content filter stopped the story before it was finished. "
            "Try rewording the premise."
        )
    if finish_reason is None:
        error = PlanError(
            "The connection ended before the story was finished (the server stopped "
            "sending without saying why). Try again."
        )
        error.retryable = True
        return error
    return None


def _check_json(text: str) -> None:
    if not text.strip():
        raise PlanError("The model answered with an empty story. Try again or another model.")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(
            f"The model's story is not valid JSON ({exc.msg}; line {exc.lineno}, "
            f"column {exc.colno}). Try again or another model."
        ) from None


def _plan_messages(request: PlanRequest, schema_in_prompt: bool) -> list[dict[str, str]]:
    art = (
        f'The author asked for this art style: "{request.art_style}".'
        if request.art_style
        else "Choose an art style that suits the story."
    )
    system = PLAN_SYSTEM_PROMPT.format(pages=request.pages, age=request.audience_age, art_style=art)
    if schema_in_prompt:
        system += "\n\nThe JSON object must match this JSON Schema:\n" + json.dumps(
            story_plan_schema()
        )
    user = (
        f"Premise: {request.premise}\nWrite exactly {request.pages} pages for children "
        f"aged {request.audience_age}."
    )
    if request.art_style:
        user += f"\nArt style: {request.art_style}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _rewrite_messages(request: PageRewriteRequest) -> list[dict[str, str]]:
    pages = "\n".join(f"Page {i}: {text}" for i, text in enumerate(request.pages_text, 1))
    instruction = request.instruction or "Make it read better while keeping what happens."
    user = (
        f"Book: {request.title}\nPremise: {request.premise}\n\n{pages}\n\n"
        f"Rewrite page {request.number}. {instruction}\nAnswer with the JSON object only."
    )
    system = REWRITE_SYSTEM_PROMPT.format(age=request.audience_age)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _repair_messages(request: PlanRequest, broken: str, problem: str) -> list[dict[str, str]]:
    messages = _plan_messages(request, schema_in_prompt=True)
    messages[1]["content"] += (
        f"\n\nYour previous answer was not usable: {problem}\n"
        "Fix the JSON so it matches the schema, keep everything that was already right, "
        f"and keep exactly {request.pages} pages. Previous answer:\n{broken}"
    )
    return messages


class OpenAITextProvider:
    """Plans stories and rewrites pages with a chat model at an OpenAI-compatible endpoint."""

    def __init__(self, client: AsyncOpenAI, model: str, *, timeout: float = 120) -> None:
        self.model = model
        self._client = client
        self._timeout = timeout
        self._json_schema_ok = True
        self._ctx = _context(client, model, timeout, image=False)

    def __repr__(self) -> str:
        return f"OpenAITextProvider(model={self.model!r}, host={self._ctx.host!r})"

    @property
    def uses_json_schema(self) -> bool:
        """False once the endpoint has rejected Structured Outputs; JSON mode is used then."""
        return self._json_schema_ok

    async def stream_plan(self, request: PlanRequest) -> AsyncIterator[str | PlanDone]:
        """Yield the plan's JSON text as it streams in, then one `PlanDone`."""
        started = time.monotonic()
        messages, stream = await self._open_plan_stream(request)
        state = _StreamState()
        try:
            async for chunk in stream:
                if piece := state.take(chunk):
                    yield piece
        except Exception as exc:
            raise _map_error(exc, self._ctx) from exc
        finally:
            await stream.close()
        problem = _finish_problem(state.finish_reason, "".join(state.refusal))
        if problem is not None:
            raise problem
        if not "".join(state.text).strip():
            raise PlanError("The model answered with an empty story. Try again or another model.")
        yield PlanDone(self._usage(started, messages, state))

    async def repair_plan(
        self, request: PlanRequest, broken: str, problem: str
    ) -> tuple[str, PlanDone]:
        """Ask once more, in JSON mode, for a plan that fixes `problem` in `broken`."""
        text, usage = await self._complete_json(_repair_messages(request, broken, problem))
        return text, PlanDone(usage)

    async def rewrite_page(self, request: PageRewriteRequest) -> RewrittenPage:
        """Rewrite one page's text and scene; raises ProviderError if the answer is unusable."""
        text, usage = await self._complete_json(_rewrite_messages(request))
        try:
            data = json.loads(text)
            return RewrittenPage(
                text=_field(data, "text"), scene=_field(data, "scene"), usage=usage
            )
        except (json.JSONDecodeError, TypeError, KeyError) as exc:
            raise ProviderError(
                f"The model's rewrite of page {request.number} could not be read ({exc}). "
                "Try again."
            ) from None

    async def _open_plan_stream(self, request: PlanRequest) -> tuple[list[dict[str, str]], Any]:
        if self._json_schema_ok:
            messages = _plan_messages(request, schema_in_prompt=False)
            try:
                return messages, await self._create_stream(messages, _schema_format())
            except openai.APIError as exc:
                if not _is_rejected_option(exc, _FORMAT_WORDS):
                    raise _map_error(exc, self._ctx) from exc
                self._json_schema_ok = False
        messages = _plan_messages(request, schema_in_prompt=True)
        try:
            return messages, await self._create_stream(messages, {"type": "json_object"})
        except Exception as exc:
            raise _map_error(exc, self._ctx) from exc

    async def _create_stream(
        self, messages: list[dict[str, str]], response_format: dict[str, Any]
    ) -> Any:
        return await self._client.chat.completions.create(
            model=self.model,
            messages=cast(Any, messages),
            response_format=cast(Any, response_format),
            stream=True,
            stream_options={"include_usage": True},
            extra_headers=_SSE_HEADERS,
            timeout=self._timeout,
        )

    async def _complete_json(self, messages: list[dict[str, str]]) -> tuple[str, UsageRecord]:
        started = time.monotonic()
        try:
            response = await self._client.chat.completions.create(
                model=self.model,
                messages=cast(Any, messages),
                response_format={"type": "json_object"},
                timeout=self._timeout,
            )
        except Exception as exc:
            raise _map_error(exc, self._ctx) from exc
        state = _StreamState()
        text = _message_text(response, state)
        problem = _finish_problem(state.finish_reason or "stop", "".join(state.refusal))
        if problem is not None:
            raise problem
        _check_json(text)
        state.text.append(text)
        return text, self._usage(started, messages, state)

    def _usage(
        self, started: float, messages: list[dict[str, str]], state: _StreamState
    ) -> UsageRecord:
        prompt = "".join(message["content"] for message in messages)
        input_tokens = state.input_tokens or _estimate_tokens(prompt)
        output_tokens = state.output_tokens or _estimate_tokens("".join(state.text))
        return UsageRecord(
            kind="text",
            model=self.model,
            latency_s=round(time.monotonic() - started, 3),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_usd=estimate_text_cost(self.model, input_tokens, output_tokens),
        )


def _schema_format() -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {"name": "story_plan", "strict": True, "schema": story_plan_schema()},
    }


def _message_text(response: Any, state: _StreamState) -> str:
    usage = getattr(response, "usage", None)
    state.input_tokens = getattr(usage, "prompt_tokens", None)
    state.output_tokens = getattr(usage, "completion_tokens", None)
    choices = getattr(response, "choices", None) or []
    if not choices:
        raise PlanError("The model answered without any text. Try again or another model.")
    choice = choices[0]
    state.finish_reason = getattr(choice, "finish_reason", None)
    message = getattr(choice, "message", None)
    if refusal := getattr(message, "refusal", None):
        state.refusal.append(refusal)
    return str(getattr(message, "content", None) or "")


def _field(data: Any, name: str) -> str:
    value = data[name]
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f'"{name}" is missing or empty')
    return value.strip()


# --- Images ---------------------------------------------------------------------------
#
# A picture arrives as base64 inside JSON: about 5 MB for 1536x1024. Parsing that
# on the event loop stalls the window for tens of milliseconds, so the answer is
# read as raw bytes and taken apart in the executor: the base64 string is cut out
# of the document with bytes.find, the small remainder goes through json.loads and
# the base64 is decoded in slices, so the interpreter lock is never held for long.
# Streamed answers (gpt-image with previews) are split into server-sent events on
# the loop with bytes.find; each event's payload is parsed the same way.

_BIG = 64 * 1024  # payloads at least this large are parsed in the executor
_B64_SLICE = 256 * 1024  # base64 characters decoded per call (a multiple of 4)
_B64_KEY = b'"b64_json"'


def _is_gpt_image(model: str) -> bool:
    return model.lower().startswith("gpt-image")


def _invalid_b64() -> ImageDataError:
    return ImageDataError(
        "The image server sent picture data that could not be decoded (invalid base64)."
    )


def _decode_b64(data: str | bytes | memoryview) -> bytes:
    """Decode strict base64 in slices, so another thread may run between them."""
    try:
        if isinstance(data, str):
            data = data.encode("ascii")
        if len(data) <= _B64_SLICE:
            return base64.b64decode(data, validate=True)
        view = memoryview(data)
        return b"".join(
            base64.b64decode(view[start : start + _B64_SLICE], validate=True)
            for start in range(0, len(view), _B64_SLICE)
        )
    except (binascii.Error, ValueError):
        raise _invalid_b64() from None


def _holder(document: Any, nested: bool) -> dict[str, Any] | None:
    """The object that carries `b64_json`: the answer's first item, or a stream event."""
    if nested:
        items = document.get("data") if isinstance(document, dict) else None
        document = items[0] if isinstance(items, list) and items else None
    return document if isinstance(document, dict) else None


def _cut_b64(body: bytes) -> tuple[bytes, memoryview] | None:
    """`body` with the first `b64_json` string emptied, and that string; None if unsure."""
    key = body.find(_B64_KEY)
    if key < 0:
        return None
    at = key + len(_B64_KEY)
    while at < len(body) and body[at] in b" \t\r\n":
        at += 1
    if body[at : at + 1] != b":":
        return None
    at += 1
    while at < len(body) and body[at] in b" \t\r\n":
        at += 1
    if body[at : at + 1] != b'"':
        return None
    start = at + 1
    end = body.find(b'"', start)
    if end < 0 or body.find(b"\\", start, end) >= 0:
        return None  # unterminated, or escaped characters: leave it to json.loads
    return body[:start] + body[end:], memoryview(body)[start:end]


def read_picture_json(body: bytes, *, nested: bool) -> tuple[Any, bytes | None]:
    """Parse an image answer (`nested`: `{"data": [item]}`) or one stream event's JSON.

    Returns the document, with its `b64_json` emptied when it was cut out, and the
    decoded picture, or None when the document has none. Raises ValueError if the
    body is not JSON and ImageDataError if the base64 is invalid. Pure and
    thread-safe: meant for an executor.
    """
    cut = _cut_b64(body)
    if cut is not None:
        document = json.loads(cut[0])
        holder = _holder(document, nested)
        if holder is not None and holder.get("b64_json") == "":
            return document, (_decode_b64(cut[1]) if len(cut[1]) else None)
    document = json.loads(body)
    holder = _holder(document, nested)
    b64 = holder.get("b64_json") if holder is not None else None
    return document, (_decode_b64(b64) if isinstance(b64, str) and b64 else None)


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


def read_sse_event(block: bytes) -> tuple[str, bytes | None]:
    """The event name and the data of one server-sent event block (lines, LF-separated)."""
    name = ""
    data: list[bytes] = []
    pos, size = 0, len(block)
    while pos < size:
        stop = block.find(b"\n", pos)
        if stop < 0:
            stop = size
        colon = block.find(b":", pos, stop)
        if colon != pos:  # a line starting with ":" is a comment
            field_end = stop if colon < 0 else colon
            value = stop if colon < 0 else colon + 1
            if value < stop and block[value] == 0x20:
                value += 1
            field_name = block[pos:field_end]
            if field_name == b"data":
                data.append(block[value:stop])
            elif field_name == b"event":
                name = block[value:stop].decode("utf-8", errors="replace")
        pos = stop + 1
    if not data:
        return name, None
    return name, data[0] if len(data) == 1 else b"\n".join(data)


def _parse_event(pieces: list[bytes]) -> _Event | None:
    name, data = read_sse_event(pieces[0] if len(pieces) == 1 else b"".join(pieces))
    if data is None or data.startswith(b"[DONE]"):
        return None if data is None else _Event("[DONE]", None)
    try:
        document, picture = read_picture_json(data, nested=False)
        broken = False
    except ImageDataError:
        cut = _cut_b64(data)
        document, picture, broken = json.loads(cut[0] if cut else data), None, True
    kind = document.get("type") if isinstance(document, dict) else None
    return _Event(str(kind or name), document, picture, broken)


def _lf(chunk: bytes, after_cr: bool) -> bytes:
    """`chunk` with CRLF and CR line ends as LF (`after_cr`: the last chunk ended in CR)."""
    if after_cr and chunk[:1] == b"\n":
        chunk = chunk[1:]
    if b"\r" in chunk:
        chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return chunk


async def split_sse(chunks: AsyncIterator[bytes]) -> AsyncIterator[list[bytes]]:
    """Split a byte stream into server-sent event blocks, each as the list of its pieces.

    Only single-byte searches (memchr) touch the data and nothing is copied into
    a growing buffer: joining a block's pieces is left to the caller, off the
    loop when the block is large. Line ends become LF; an unfinished block at the
    end is dropped, as the SSE specification says.
    """
    pieces: list[bytes] = []
    ends_in_lf = False  # the last piece ends with a line break
    after_cr = False
    async for raw in chunks:
        chunk = _lf(raw, after_cr)
        after_cr = raw[-1:] == b"\r"
        if not chunk:
            continue
        start = 0
        if ends_in_lf and chunk[0] == 0x0A:
            pieces[-1] = pieces[-1][:-1]
            if any(pieces):
                yield pieces
            pieces, start = [], 1
        ends_in_lf = False
        at = start
        while (line_end := chunk.find(b"\n", at)) >= 0:
            if line_end + 1 == len(chunk):
                ends_in_lf = True
                break
            at = line_end + 1
            if chunk[at] == 0x0A:  # a blank line ends the block
                pieces.append(chunk[start:line_end])
                if any(pieces):
                    yield pieces
                pieces, start = [], at + 1
                at = start
        if start < len(chunk):
            pieces.append(chunk[start:] if start else chunk)


async def _bytes_of(response: Any) -> AsyncIterator[bytes]:
    """The response's body chunks, with network failures as the SDK's own errors."""
    try:
        async for chunk in response.iter_bytes():
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
        self._partials = partial_images
        self._executor = executor
        self._stream_ok = True
        self._ctx = _context(client, model, timeout, image=True)

    def __repr__(self) -> str:
        return f"OpenAIImageProvider(model={self.model!r}, host={self._ctx.host!r})"

    @property
    def accepts_references(self) -> bool:
        """True for the gpt-image family, which can edit from reference pictures."""
        return _is_gpt_image(self.model)

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
            raise _map_error(exc, self._ctx) from exc
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
        streamed = on_partial is not None and self._partials > 0 and _is_gpt_image(self.model)
        if streamed and self._stream_ok:
            try:
                return await self._streamed(request, cast(PartialCallback, on_partial))
            except openai.APIError as exc:
                if not _is_rejected_option(exc, _STREAM_WORDS):
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
        if _is_gpt_image(self.model) and request.quality:
            arguments["quality"] = request.quality
        elif self.model.lower().startswith("dall-e"):
            arguments["response_format"] = "b64_json"
        if self._edits(request):
            arguments["image"] = _reference_files(request.references)
        return arguments

    async def _off_loop(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(function, *args, **kwargs))

    async def _answered(self, request: ImageRequest) -> _Picture:
        """One plain request; the answer's JSON is parsed off the loop."""
        images = self._client.images.with_raw_response
        call = images.edit if self._edits(request) else images.generate
        response = await call(**self._arguments(request, stream=False))
        body = response.content
        if len(body) >= _BIG:
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
        async with call(**self._arguments(request, stream=True)) as response:
            async for block in split_sse(_bytes_of(response)):
                if sum(map(len, block)) >= _BIG:
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
            raise _invalid_b64()
        return _Picture(final.picture, *_token_counts(final.document))

    async def _fetch(self, url: str) -> bytes:
        if url.startswith("data:"):
            encoded = url.partition(",")[2]
            if len(encoded) >= _BIG:
                return cast(bytes, await self._off_loop(_decode_b64, encoded))
            return _decode_b64(encoded)
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


async def download(
    http: aiohttp.ClientSession, url: str, *, time_limit: float, max_bytes: int
) -> bytes:
    """GET a picture, giving up after `time_limit` seconds or beyond `max_bytes`."""
    host = _host_of(url)
    try:
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=time_limit)) as response:
            _check_download_status(response.status, response.reason, host)
            if (response.content_length or 0) > max_bytes:
                raise _too_big(max_bytes)
            return await _read_capped(response, max_bytes)
    except TimeoutError:
        raise TransientError(
            f"Downloading the picture from {host} took longer than {time_limit:g} s."
        ) from None
    except aiohttp.ClientError as exc:
        raise TransientError(
            f"Could not download the picture from {host} ({type(exc).__name__})."
        ) from None


def _check_download_status(status: int, reason: str | None, host: str) -> None:
    if status == 200:
        return
    if status >= 500 or status in (408, 429):
        raise TransientError(
            f"Downloading the picture from {host} failed ({status} {reason or ''}). "
            "Trying again may help."
        )
    raise ImageDataError(
        f"The picture's download link at {host} answered {status} {reason or ''}. "
        "The server may have removed it; generate the picture again."
    )


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    buffer = bytearray()
    async for chunk in response.content.iter_chunked(256 * 1024):
        buffer += chunk
        if len(buffer) > max_bytes:
            raise _too_big(max_bytes)
    return bytes(buffer)


def _too_big(max_bytes: int) -> ImageDataError:
    return ImageDataError(
        f"The picture is larger than {_size_text(max_bytes)}, the most this app downloads. "
        "Choose a smaller picture size."
    )


def _size_text(count: int) -> str:
    if count >= MIB:
        return f"{count / MIB:.3g} MB"
    return f"{count / 1024:.3g} KB"

"""Story plans, outlines, pages and rewrites from a chat model.

Every call goes out in the response format the server takes (see `_formats`),
with its output capped by a token budget sized from what is asked for, one at
a time (llama.cpp servers have one slot: a second request cuts the first off).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import openai
from openai import AsyncOpenAI
from pydantic import BaseModel, ValidationError

from studio.core.book import PagePlan, PageRewrite, StoryOutline, UsageRecord
from studio.core.pricing import estimate_text_cost
from studio.core.prompting import (
    Messages,
    outline_messages,
    page_messages,
    plan_messages,
    repair_messages,
    rewrite_messages,
)
from studio.core.providers.base import (
    FormatRejected,
    OutputLimitReached,
    PageRequest,
    PageRewriteRequest,
    PlanDone,
    PlanError,
    PlanRequest,
    ProviderError,
    RewrittenPage,
)
from studio.core.providers.openai._client import context, estimate_tokens
from studio.core.providers.openai._errors import OPENAI_HOSTS, map_error, server_message
from studio.core.providers.openai._formats import (
    FormatChoice,
    ResponseFormat,
    names_format,
    names_token_cap,
    other_cap_key,
    response_format_param,
)
from studio.core.providers.openai._schema import (
    outline_schema,
    page_schema,
    rewrite_schema,
    story_plan_schema,
)
from studio.core.streamjson import parse_json_object

_SSE_HEADERS = {"Accept": "text/event-stream"}
M = TypeVar("M", bound=BaseModel)


def plan_token_cap(pages: int) -> int:
    """Output tokens allowed for a whole plan: the book's frame plus each page's words,
    scene and names, with room to spare (a page takes about 120 tokens)."""
    return 700 + 220 * pages


def outline_token_cap(pages: int) -> int:
    return 500 + 60 * pages


PAGE_TOKEN_CAP = 400

CHARS_PER_TOKEN_LIMIT = 16
"""A streamed answer longer than its token cap times this many characters is cut off:
the server is ignoring the cap (a token is about four characters), and a stream that
never ends must not fill the memory until the deadline."""


@dataclass
class _StreamState:
    """What an answer has said so far, besides its text."""

    text: list[str] = field(default_factory=list)
    refusal: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    chars: int = 0
    """Characters of text and refusal received so far."""

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
                self.chars += len(refusal)
            if content := getattr(delta, "content", None):
                self.text.append(content)
                self.chars += len(content)
                return str(content)
        return ""


def _runaway(state: _StreamState, cap: int, what: str) -> OutputLimitReached | None:
    """An error if the answer ran far past its token cap: the server ignores the cap."""
    limit = cap * CHARS_PER_TOKEN_LIMIT
    if state.chars <= limit:
        return None
    return OutputLimitReached(
        f"The model kept writing past {limit:,} characters without finishing {what} (the "
        f"limit asked for was {cap} tokens); it was stopped. Try again, fewer pages, another "
        "model, or writing page by page (--plan per-page)."
    )


def _finish_problem(state: _StreamState, cap: int, what: str) -> PlanError | None:
    refusal = "".join(state.refusal)
    if refusal:
        return PlanError(f"The model declined to write {what}: {refusal}")
    if state.finish_reason == "length":
        return OutputLimitReached(
            f"The model's answer was cut off at the output limit of {cap} tokens before {what} "
            "was finished. Try fewer pages, a stronger model, or writing page by page "
            "(--plan per-page)."
        )
    if state.finish_reason == "content_filter":
        return PlanError(
            f"The service's content filter stopped {what} before it was finished. "
            "Try rewording the premise."
        )
    if state.finish_reason is None:
        error = PlanError(
            f"The connection ended before {what} was finished (the server stopped "
            "sending without saying why). Try again."
        )
        error.retryable = True
        return error
    return None


def _message_text(response: Any, state: _StreamState) -> str:
    usage = getattr(response, "usage", None)
    state.input_tokens = getattr(usage, "prompt_tokens", None)
    state.output_tokens = getattr(usage, "completion_tokens", None)
    choices = getattr(response, "choices", None) or []
    if not choices:
        raise PlanError("The model answered without any text. Try again or another model.")
    choice = choices[0]
    state.finish_reason = getattr(choice, "finish_reason", None) or "stop"
    message = getattr(choice, "message", None)
    if refusal := getattr(message, "refusal", None):
        state.refusal.append(refusal)
    text = str(getattr(message, "content", None) or "")
    state.text.append(text)
    return text


@dataclass(frozen=True)
class _Call:
    """One chat call's shape: how to build its messages, its schema, name and cap."""

    messages: Callable[[dict[str, Any] | None], Messages]
    name: str
    schema: dict[str, Any]
    cap: int
    what: str


class OpenAITextProvider:
    """Plans stories and rewrites pages with a chat model at an OpenAI-compatible endpoint.

    `response_format` forces one format (auto negotiates); `remembered` is the
    format that worked here before, and `on_format_learned` is told when
    another one turns out to be the one that works.
    """

    def __init__(
        self,
        client: AsyncOpenAI,
        model: str,
        *,
        timeout: float = 120,
        response_format: ResponseFormat = ResponseFormat.AUTO,
        remembered: ResponseFormat | None = None,
        on_format_learned: Callable[[ResponseFormat], None] | None = None,
    ) -> None:
        self.model = model
        self._client = client
        self._timeout = timeout
        self._ctx = context(client, model, timeout, image=False)
        self._openai_host = self._ctx.host in OPENAI_HOSTS
        self._formats = FormatChoice(response_format, remembered, on_format_learned)
        self._cap_key = "max_completion_tokens" if self._openai_host else "max_tokens"
        self._slot = asyncio.Lock()

    def __repr__(self) -> str:
        return f"OpenAITextProvider(model={self.model!r}, host={self._ctx.host!r})"

    @property
    def response_format(self) -> ResponseFormat:
        """The format the next call goes out in."""
        return self._formats.current

    @property
    def uses_json_schema(self) -> bool:
        """False once the endpoint has rejected Structured Outputs."""
        return self._formats.current is ResponseFormat.JSON_SCHEMA

    # --- the calls ---------------------------------------------------------------------

    async def stream_plan(self, request: PlanRequest) -> AsyncIterator[str | PlanDone]:
        """Yield the plan's JSON text as it streams in, then one `PlanDone`."""
        call = self._plan_call(request)
        async with self._slot:
            started = time.monotonic()
            messages, stream = await self._send(call, stream=True)
            state = _StreamState()
            try:
                async for chunk in stream:
                    piece = state.take(chunk)
                    if (runaway := _runaway(state, call.cap, call.what)) is not None:
                        raise runaway
                    if piece:
                        yield piece
            except Exception as exc:
                raise map_error(exc, self._ctx) from exc
            finally:
                await stream.close()
        problem = _finish_problem(state, call.cap, call.what)
        if problem is not None:
            raise problem
        if not "".join(state.text).strip():
            raise PlanError("The model answered with an empty story. Try again or another model.")
        yield PlanDone(self._usage(started, messages, state))

    async def repair_plan(
        self, request: PlanRequest, broken: str, problem: str
    ) -> tuple[str, PlanDone]:
        """Ask once more for a plan that fixes `problem` in `broken`."""
        plan = self._plan_call(request)
        call = _Call(
            lambda schema: repair_messages(
                request, broken, problem, schema or story_plan_schema(request.pages)
            ),
            plan.name,
            plan.schema,
            plan.cap,
            plan.what,
        )
        text, usage = await self._complete(call)
        return text, PlanDone(usage)

    async def write_outline(self, request: PlanRequest) -> tuple[StoryOutline, UsageRecord]:
        """Title, style, characters and one line per page."""
        call = _Call(
            lambda schema: outline_messages(request, schema),
            "story_outline",
            outline_schema(request.pages),
            outline_token_cap(request.pages),
            "the outline",
        )
        text, usage = await self._complete(call)
        return _read(StoryOutline, text, "outline"), usage

    async def write_page(self, request: PageRequest) -> tuple[PagePlan, UsageRecord]:
        """One page's words, scene and characters."""
        call = _Call(
            lambda schema: page_messages(request, schema),
            "story_page",
            page_schema(),
            PAGE_TOKEN_CAP,
            f"page {request.number}",
        )
        text, usage = await self._complete(call)
        page = _read(PageRewrite, text, f"page {request.number}")
        return PagePlan(text=page.text, scene=page.scene, characters=[]), usage

    async def rewrite_page(self, request: PageRewriteRequest) -> RewrittenPage:
        """Rewrite one page's text and scene; raises ProviderError if the answer is unusable."""
        call = _Call(
            lambda schema: rewrite_messages(request, schema),
            "page_rewrite",
            rewrite_schema(),
            PAGE_TOKEN_CAP,
            f"the rewrite of page {request.number}",
        )
        text, usage = await self._complete(call)
        data = parse_json_object(text)
        try:
            return RewrittenPage(
                text=_field(data, "text"), scene=_field(data, "scene"), usage=usage
            )
        except (TypeError, KeyError) as exc:
            raise ProviderError(
                f"The model's rewrite of page {request.number} could not be read ({exc}). "
                "Try again."
            ) from None

    # --- plumbing ----------------------------------------------------------------------

    def _plan_call(self, request: PlanRequest) -> _Call:
        return _Call(
            lambda schema: plan_messages(request, schema),
            "story_plan",
            story_plan_schema(request.pages),
            plan_token_cap(request.pages),
            "this story",
        )

    async def _complete(self, call: _Call) -> tuple[str, UsageRecord]:
        async with self._slot:
            started = time.monotonic()
            messages, response = await self._send(call, stream=False)
        state = _StreamState()
        text = _message_text(response, state)
        problem = _finish_problem(state, call.cap, call.what)
        if problem is not None:
            raise problem
        if not text.strip():
            raise PlanError(f"The model answered {call.what} with nothing. Try again.")
        return text, self._usage(started, messages, state)

    async def _send(self, call: _Call, *, stream: bool) -> tuple[Messages, Any]:
        """Send `call` in the format the server takes; returns its messages and answer."""
        tried: list[str] = []
        while True:
            fmt = self._formats.current
            schema_in_prompt = None if fmt is ResponseFormat.JSON_SCHEMA else call.schema
            messages = call.messages(schema_in_prompt)
            try:
                answer = await self._create(call, fmt, messages, stream=stream)
            except openai.APIStatusError as exc:
                if not names_format(exc):
                    raise map_error(exc, self._ctx) from exc
                tried.append(f"{fmt.value} ({exc.status_code}: {server_message(exc)})")
                if self._formats.next_after_rejection() is None:
                    raise self._format_refused(tried) from exc
                continue
            except Exception as exc:
                raise map_error(exc, self._ctx) from exc
            self._formats.accepted()
            return messages, answer

    def _format_refused(self, tried: list[str]) -> FormatRejected:
        forced = self._formats.forced
        if forced is not None:
            return FormatRejected(
                f"The server at {self._ctx.host} refuses the response format "
                f"'{forced.value}': {tried[-1]}. Choose another in Settings > Provider "
                "or with --response-format (auto finds one that works)."
            )
        return FormatRejected(
            f"The server at {self._ctx.host} refused every response format: " + "; ".join(tried)
        )

    async def _create(
        self, call: _Call, fmt: ResponseFormat, messages: Messages, *, stream: bool
    ) -> Any:
        arguments: dict[str, Any] = {
            "model": self.model,
            "messages": cast(Any, messages),
            "timeout": self._timeout,
        }
        response_format = response_format_param(
            fmt, call.name, call.schema, openai_host=self._openai_host
        )
        if response_format is not None:
            arguments["response_format"] = response_format
        if stream:
            arguments |= {
                "stream": True,
                "stream_options": {"include_usage": True},
                "extra_headers": _SSE_HEADERS,
            }
        create = cast(Any, self._client.chat.completions.create)
        try:
            return await create(**arguments, **{self._cap_key: call.cap})
        except openai.APIStatusError as exc:
            if not names_token_cap(exc, self._cap_key):
                raise
            self._cap_key = other_cap_key(self._cap_key)  # the server takes the other name
            return await create(**arguments, **{self._cap_key: call.cap})

    def _usage(self, started: float, messages: Messages, state: _StreamState) -> UsageRecord:
        prompt = "".join(message["content"] for message in messages)
        input_tokens = state.input_tokens or estimate_tokens(prompt)
        output_tokens = state.output_tokens or estimate_tokens("".join(state.text))
        return UsageRecord(
            kind="text",
            model=self.model,
            latency_s=round(time.monotonic() - started, 3),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_usd=estimate_text_cost(self.model, input_tokens, output_tokens),
        )


def _read(model: type[M], text: str, what: str) -> M:
    data = parse_json_object(text)
    if data is None:
        raise PlanError(f"The model's {what} is not JSON. Try again or another model.")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        raise PlanError(
            f"The model's {what} did not have the expected shape ({where}: {first['msg']})."
        ) from None


def _field(data: Any, name: str) -> str:
    if not isinstance(data, dict):
        raise TypeError("the answer is not a JSON object")
    value = data[name]
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f'"{name}" is missing or empty')
    return value.strip()

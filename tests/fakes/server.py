"""A fake OpenAI-compatible server on loopback for tests and benchmarks.

It keeps the contract real servers keep: a chat answer is built from the
request's own schema (its response_format's, or the one its system prompt
carries after "JSON Schema:"), with exactly that schema's properties and the
words of a deterministic story, and output caps cut it with finish_reason
"length". A personality (openai, llamacpp, lmstudio, ollama, plain) refuses
what that server refuses, in its words. It also paints flat-colour PNGs (or
serves one given picture), serves URL downloads, lists models, rate-limits on
request, and injects faults on demand::

    async with FakeOpenAI(pages=6) as server:
        server.inject(Fault.RATE_LIMIT, endpoint="images", times=2)
        client = AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0)

Standalone: ``python -m tests.fakes.server --port 0 --image-latency 1 --personality llamacpp``.

What it records, for tests and benchmarks: every request (`requests`, with the
picture delay it drew and the finish_reason it sent), and for the latest story
stream the time each chunk left (`chunk_log`), the story text (`chat_content`)
and when the stream started and finished. `reset()` forgets all of it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import email.parser
import email.policy
import functools
import hashlib
import io
import json
import random
import re
import struct
import threading
import time
import uuid
import zlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web
from PIL import Image

from studio.core.book import StoryPlan
from tests.fakes.schema_answer import (
    StorySource,
    answer_from_schema,
    default_story,
    page_in_prompt,
    schema_in_prompt,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Fault(StrEnum):
    """A misbehaviour the next matching request gets."""

    RATE_LIMIT = "429"
    SERVER_ERROR = "500"
    UNAVAILABLE = "503"
    RESET = "reset"  # connection closed without an answer
    HANG = "hang"  # never answers
    STALL = "stall"  # stream stalls half-way forever
    TRUNCATED = "truncated"  # stream ends half-way without finish_reason or [DONE]
    INVALID_JSON = "invalid_json"  # chat: story text is not JSON; images: body is not JSON
    REFUSAL = "refusal"
    LENGTH = "length"  # finish_reason=length half-way
    CONTENT_POLICY = "content_policy"  # 400 content_policy_violation
    UNAUTHORIZED = "401"
    NOT_IMAGE = "not_image"  # b64 of bytes that are not a picture
    OVERSIZED = "oversized"  # a valid PNG that claims 20000x20000 pixels
    URL_404 = "url_404"  # answer with a url that 404s
    NO_DATA = "no_data"  # {"data": []}
    SCHEMA_MISMATCH = "schema_mismatch"  # valid JSON, wrong shape
    NO_JSON_SCHEMA = "no_json_schema"  # 400 when response_format is json_schema
    ENDLESS = "endless"  # chat: a model in a loop, the same words forever past any cap
    HUGE_PICTURE = "huge_picture"  # images: `huge_picture_bytes` of base64, no Content-Length
    HUGE_PICTURE_SIZED = "huge_picture_sized"  # the same, its Content-Length announced
    HOSTILE_MESSAGE = "hostile_message"  # 500 whose message carries terminal control sequences


@dataclass
class RecordedRequest:
    """One request the server received."""

    endpoint: str  # "chat" | "images" | "images_edit" | "download" | "models"
    body: dict[str, Any]
    started: float
    finished: float | None = None
    status: int = 0  # 0 while unanswered, or when the connection was dropped
    delay: float | None = None  # images: the latency drawn for this request
    finish_reason: str | None = None  # chat: the finish_reason sent, if one was


@dataclass
class _Injected:
    fault: Fault
    endpoint: str
    times: int
    match: str | None


@dataclass
class _Call:
    """A request being answered: its record, raw text and the fault it drew."""

    record: RecordedRequest
    raw: str
    fault: Fault | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --- Content ----------------------------------------------------------------------------

_PAGES_RE = (
    re.compile(r"exactly\s+(\d{1,3})\s+pages", re.I),
    re.compile(r"(\d{1,3})\s+pages", re.I),
)


def pages_in_prompt(messages: Any) -> int | None:
    """The page count a plan prompt asks for, if it says one."""
    text = " ".join(str(m.get("content", "")) for m in messages if isinstance(m, dict))
    for pattern in _PAGES_RE:
        if found := pattern.search(text):
            return int(found.group(1))
    return None


def _colour(prompt: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(prompt.encode()).digest()
    return digest[0], digest[1], digest[2]


@functools.lru_cache(maxsize=256)
def solid_png(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    """A flat-colour PNG."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


@functools.lru_cache(maxsize=1)
def oversized_png(side: int = 20000) -> bytes:
    """A valid 1-bit PNG of side x side pixels, about 50 KB on the wire."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    block = row * 500
    compressed = [packer.compress(block) for _ in range(side // 500)]
    compressed.append(packer.compress(row * (side % 500)) + packer.flush())
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", b"".join(compressed)),
            _png_chunk(b"IEND", b""),
        ]
    )


HOSTILE_MESSAGE = "\x1b]52;c;SGVsbG8=\x07Overloaded\x1b[2J\x9b31m server\r\u202eerror\u202c\x1b[0m"
"""The message of `Fault.HOSTILE_MESSAGE`: clipboard write, clear screen, C1 CSI, CR, bidi."""


def _error_body(message: str, kind: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


# --- Personalities ----------------------------------------------------------------------

PERSONALITIES = ("openai", "llamacpp", "lmstudio", "ollama", "plain")


@dataclass(frozen=True)
class Personality:
    """What one kind of server takes, refuses and sends back.

    `caps`: the output-cap fields it honours (others are ignored). `usage_chunk`:
    whether a stream ends with a usage chunk when `stream_options.include_usage`
    asks. `one_slot`: a new chat request cuts off the stream that is running.
    `images`: whether it has the image endpoints (else they answer 404).
    """

    name: str
    caps: tuple[str, ...]
    usage_chunk: bool
    one_slot: bool = False
    images: bool = True


_PERSONALITY = {
    "openai": Personality("openai", ("max_tokens", "max_completion_tokens"), usage_chunk=True),
    # llama-cpp-python 0.3: its request model has max_tokens only (max_completion_tokens is
    # dropped without a word), its streams never carry usage, and it serves no pictures.
    "llamacpp": Personality(
        "llamacpp", ("max_tokens",), usage_chunk=False, one_slot=True, images=False
    ),
    "lmstudio": Personality("lmstudio", ("max_tokens",), usage_chunk=True),
    "ollama": Personality("ollama", ("max_tokens",), usage_chunk=True),
    "plain": Personality("plain", ("max_tokens",), usage_chunk=False),
}

LMSTUDIO_JSON_OBJECT = "'response_format.type' must be 'json_schema' or 'text'"
OPENAI_JSON_WORD = (
    "'messages' must contain the word 'json' in some form, to use 'response_format' of type "
    "'json_object'."
)


def llamacpp_format_message(kind: str) -> str:
    """llama-cpp-python's words for a response_format type it does not know.

    Its route handler turns FastAPI's request validation error into an HTTP 500
    whose message is that error's text.
    """
    detail = {
        "type": "literal_error",
        "loc": ("body", "response_format", "type"),
        "msg": "Input should be 'text' or 'json_object'",
        "input": kind,
        "ctx": {"expected": "'text' or 'json_object'"},
    }
    return (
        f"1 validation error:\n  {detail!r}\n\n"
        '  File "/usr/local/lib/python3.11/site-packages/llama_cpp/server/app.py", '
        "line 376, in create_chat_completion\n    POST /v1/chat/completions"
    )


def strict_schema_problem(name: str, schema: Any) -> str | None:
    """OpenAI's words for a strict schema it refuses, or None when it is in strict form."""

    def walk(node: Any, where: tuple[str | int, ...]) -> str | None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                if (problem := walk(item, (*where, index))) is not None:
                    return problem
            return None
        if not isinstance(node, dict):
            return None
        if node.get("type") == "object" or "properties" in node:
            if node.get("additionalProperties") is not False:
                return (
                    f"In context={where!r}, 'additionalProperties' is required to be supplied "
                    "and to be false."
                )
            required: list[Any] = node["required"] if isinstance(node.get("required"), list) else []
            for key in node.get("properties") or {}:
                if key not in required:
                    return (
                        f"In context={where!r}, 'required' is required to be supplied and to be "
                        f"an array including every key in properties. Missing '{key}'."
                    )
        for key, value in node.items():
            if isinstance(value, dict | list) and (problem := walk(value, (*where, key))):
                return problem
        return None

    problem = walk(schema, ())
    return None if problem is None else f"Invalid schema for response_format '{name}': {problem}"


@dataclass
class _Format:
    """How a chat request is answered: from which schema, and whether in prose."""

    schema: dict[str, Any] | None
    fenced: bool = False


def fenced(text: str) -> str:
    """A chatty answer with the JSON in a fenced block, as text-only servers give it."""
    return f"Here is your story:\n```json\n{text}\n```\nI hope you like it!"


# --- Server -----------------------------------------------------------------------------


class FakeOpenAI:
    """An OpenAI-compatible HTTP server on 127.0.0.1 with scripted behaviour and faults."""

    def __init__(
        self,
        *,
        story: StoryPlan | None = None,
        pages: int = 4,
        chunk_delay: float = 0.0,
        chunk_chars: int = 40,
        image_latency: float = 0.0,
        image_jitter: float = 0.0,
        image_size: tuple[int, int] = (64, 64),
        image_format: str = "b64",
        partial_images: bool = False,
        rate_limit_per_minute: int | None = None,
        retry_after: float = 1.0,
        seed: int = 0,
        image_streaming: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        picture: bytes | None = None,
        rate_limit_window: float = 60.0,
        rate_limit_endpoints: tuple[str, ...] = ("chat", "images"),
        honest_retry_after: bool = False,
        personality: str = "openai",
        retry_after_header: str | None = None,
        huge_picture_bytes: int = 600_000_000,
    ) -> None:
        """Options beyond the obvious ones:

        `picture`: encoded bytes served as every picture (no fault), instead of a
        flat-colour PNG per prompt. `rate_limit_per_minute` requests are allowed
        in any sliding `rate_limit_window` seconds (60 by default) to the families
        in `rate_limit_endpoints` ("chat", "images"); a 429 carries `retry_after`,
        or with `honest_retry_after` the time until the oldest request in the
        window leaves it.

        `personality` is the kind of chat server it plays (see `PERSONALITIES`):
        "openai" enforces strict json_schema; "llamacpp" refuses json_schema with
        HTTP 500, constrains json_object to the schema beside it, sends no usage
        chunk and has one slot (a new chat request cuts off a running stream);
        "lmstudio" refuses json_object with HTTP 400 and wraps plain answers in
        prose; "ollama" takes both formats; "plain" ignores response_format and
        answers prose around a fenced JSON block. "llamacpp" also has no image
        endpoints (404), like most local servers. Every answer is built from the
        schema the request carries (its response_format's, else the one in its
        system prompt), so it has exactly that schema's properties.

        `retry_after_header`: the Retry-After every 429 carries instead of
        `retry_after` seconds, as given (an HTTP date, say), and no retry-after-ms.
        `huge_picture_bytes`: the length of the base64 a HUGE_PICTURE answer holds,
        written a megabyte at a time (the server never holds it).
        """
        if image_format not in ("b64", "url"):
            raise ValueError('image_format must be "b64" or "url"')
        if personality not in PERSONALITIES:
            raise ValueError(f"personality must be one of {', '.join(PERSONALITIES)}")
        self.personality = personality
        self.story = story
        self.pages = pages
        self.chunk_delay = chunk_delay
        self.chunk_chars = max(1, chunk_chars)
        self.image_latency = image_latency
        self.image_jitter = image_jitter
        self.image_size = image_size
        self.image_format = image_format
        self.partial_images = partial_images
        self.rate_limit_per_minute = rate_limit_per_minute
        self.retry_after = retry_after
        self.seed = seed
        self.image_streaming = image_streaming
        self.picture = picture
        self.rate_limit_window = rate_limit_window
        self.rate_limit_endpoints = tuple(rate_limit_endpoints)
        self.honest_retry_after = honest_retry_after
        self.retry_after_header = retry_after_header
        self.huge_picture_bytes = huge_picture_bytes
        self.requests: list[RecordedRequest] = []
        self.chat_stream_started_at: float | None = None
        self.chat_stream_finished_at: float | None = None
        self.chat_content = ""
        self.chunk_log: list[tuple[float, int]] = []
        self.base_url = ""
        self._host = host
        self._port = port
        self._rng = random.Random(seed)
        self._faults: list[_Injected] = []
        self._lock = threading.Lock()
        self._window: deque[float] = deque()
        self._files: dict[str, bytes] = {}
        self._runner: web.AppRunner | None = None
        self._closing: asyncio.Event | None = None
        self._running_streams: set[asyncio.Event] = set()

    # -- lifecycle --

    async def start(self) -> str:
        """Start listening; returns `base_url` ("http://127.0.0.1:PORT/v1")."""
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._wrap("chat", self._chat))
        app.router.add_post("/v1/images/generations", self._wrap("images", self._images))
        app.router.add_post("/v1/images/edits", self._wrap("images_edit", self._images))
        app.router.add_get("/v1/models", self._wrap("models", self._models))
        app.router.add_get("/files/{name}", self._wrap("download", self._file))
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://{self._host}:{port}/v1"
        return self.base_url

    async def close(self) -> None:
        """Release hanging requests and stop the server."""
        if self._closing is not None:
            self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOpenAI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def root_url(self) -> str:
        """The server's address without /v1."""
        return self.base_url.removesuffix("/v1")

    # -- faults --

    def inject(
        self, fault: Fault, *, endpoint: str = "images", times: int = 1, match: str | None = None
    ) -> None:
        """Give the next `times` requests to `endpoint` ("images" or "chat") this fault.

        `match` limits it to requests whose raw body contains that text. "images"
        covers generations and edits. Thread-safe.
        """
        if endpoint not in ("images", "chat"):
            raise ValueError('endpoint must be "images" or "chat"')
        with self._lock:
            self._faults.append(_Injected(Fault(fault), endpoint, times, match))

    def clear_faults(self) -> None:
        """Forget every injected fault not yet used."""
        with self._lock:
            self._faults.clear()

    def _draw_fault(self, endpoint: str, raw: str, body: dict[str, Any]) -> Fault | None:
        family = "images" if endpoint.startswith("images") else endpoint
        with self._lock:
            for injected in self._faults:
                if injected.endpoint != family or not _applies(injected, raw, body):
                    continue
                injected.times -= 1
                if injected.times <= 0:
                    self._faults.remove(injected)
                return injected.fault
        return None

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        """The recorded requests to one endpoint, oldest first."""
        return [r for r in self.requests if r.endpoint == endpoint]

    def reset(self) -> None:
        """Forget the records, injected faults and rate window; restart the random jitter."""
        with self._lock:
            self._faults.clear()
        self.requests.clear()
        self._window.clear()
        self._rng = random.Random(self.seed)
        self.chat_stream_started_at = None
        self.chat_stream_finished_at = None
        self.chat_content = ""
        self.chunk_log = []

    # -- plumbing --

    def _wrap(
        self, endpoint: str, handler: Callable[[web.Request, _Call], Awaitable[web.StreamResponse]]
    ) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            record = RecordedRequest(endpoint, {}, time.monotonic())
            self.requests.append(record)
            try:
                call = await self._begin(endpoint, request, record)
                limited = self._rate_limited(endpoint)
                response = limited or await handler(request, call)
                record.status = response.status
                return response
            finally:
                record.finished = time.monotonic()

        return handle

    async def _begin(self, endpoint: str, request: web.Request, record: RecordedRequest) -> _Call:
        raw = b""
        if request.can_read_body:
            raw = await request.read()
        text = raw.decode("utf-8", errors="replace")
        record.body = _parse_body(request, raw)
        fault = None
        if endpoint in ("chat", "images", "images_edit"):
            fault = self._draw_fault(endpoint, text, record.body)
        return _Call(record, text, fault)

    def _rate_limited(self, endpoint: str) -> web.Response | None:
        family = "images" if endpoint.startswith("images") else endpoint
        if self.rate_limit_per_minute is None or family not in self.rate_limit_endpoints:
            return None
        now = time.monotonic()
        window = self.rate_limit_window
        while self._window and now - self._window[0] >= window:
            self._window.popleft()
        if len(self._window) < self.rate_limit_per_minute:
            self._window.append(now)
            return None
        wait = self._window[0] + window - now if self.honest_retry_after else None
        return self._status(
            429, "Rate limit reached for requests.", "rate_limit_exceeded", retry_after=wait
        )

    def _status(
        self, status: int, message: str, code: str | None, *, retry_after: float | None = None
    ) -> web.Response:
        kind = {429: "requests", 401: "invalid_request_error"}.get(status, "server_error")
        if status == 400:
            kind = "invalid_request_error"
        headers = {}
        if status == 429 and self.retry_after_header is not None and retry_after is None:
            headers = {"retry-after": self.retry_after_header}
        elif status == 429:
            wait = self.retry_after if retry_after is None else max(0.0, retry_after)
            headers = {
                "retry-after": f"{wait:g}",
                "retry-after-ms": str(int(wait * 1000)),
            }
        return web.json_response(_error_body(message, kind, code), status=status, headers=headers)

    async def _common_fault(self, request: web.Request, call: _Call) -> web.StreamResponse | None:
        fault = call.fault
        if fault is Fault.RATE_LIMIT:
            return self._status(429, "Rate limit reached for requests.", "rate_limit_exceeded")
        if fault is Fault.SERVER_ERROR:
            return self._status(500, "The server had an error processing your request.", None)
        if fault is Fault.UNAVAILABLE:
            return self._status(503, "The engine is currently overloaded.", None)
        if fault is Fault.UNAUTHORIZED:
            return self._status(401, "Incorrect API key provided: sk-****.", "invalid_api_key")
        if fault is Fault.CONTENT_POLICY:
            return self._status(
                400,
                "Your request was rejected as a result of our safety system.",
                "content_policy_violation",
            )
        if fault is Fault.NO_JSON_SCHEMA:
            return self._status(
                400, "response_format json_schema is not supported by this server.", None
            )
        if fault is Fault.HOSTILE_MESSAGE:
            return self._status(500, HOSTILE_MESSAGE, None)
        if fault is Fault.RESET:
            return await self._reset(request)
        # Without a stream, a model that stalls or never stops writing never answers.
        unanswered = fault in (Fault.STALL, Fault.ENDLESS) and not call.extra.get("stream")
        if fault is Fault.HANG or unanswered:
            await self._hang()
            return await self._reset(request)
        return None

    async def _reset(self, request: web.Request) -> web.StreamResponse:
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError

    async def _hang(self) -> None:
        assert self._closing is not None
        await self._closing.wait()

    async def _sse(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            status=200, headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        return response

    # -- chat --

    @property
    def _traits(self) -> Personality:
        return _PERSONALITY[self.personality]

    async def _chat(self, request: web.Request, call: _Call) -> web.StreamResponse:
        body = call.record.body
        call.extra["stream"] = bool(body.get("stream"))
        if (failed := await self._common_fault(request, call)) is not None:
            return failed
        fmt = self._negotiate(body)
        if isinstance(fmt, web.Response):
            return fmt
        if self._traits.one_slot:
            for running in self._running_streams:
                running.set()
        content = self._chat_content(body, call.fault, fmt)
        content, capped = self._capped(body, content)
        call.extra["capped"] = capped
        if call.extra["stream"]:
            return await self._chat_stream(request, call, content)
        return web.json_response(self._completion(call, content))

    def _negotiate(self, body: dict[str, Any]) -> _Format | web.Response:
        """The schema this personality answers from, or its refusal of the format asked."""
        messages = body.get("messages") or []
        prompt = schema_in_prompt(messages)
        asked = _mapping(body.get("response_format"))
        kind = asked.get("type")
        beside = _mapping(asked.get("schema")) or None
        given = _mapping(asked.get("json_schema"))
        sent = _mapping(given.get("schema")) or None
        name = self.personality
        if name == "plain":
            return _Format(prompt, fenced=True)
        if name == "llamacpp":
            if kind not in (None, "text", "json_object"):
                message = llamacpp_format_message(str(kind))
                return web.json_response(
                    _error_body(message, "internal_server_error", None), status=500
                )
            return _Format(beside if kind == "json_object" and beside else prompt)
        if name == "lmstudio":
            if kind == "json_object":
                return web.json_response({"error": LMSTUDIO_JSON_OBJECT}, status=400)
            if kind == "json_schema":
                return _Format(sent)
            return _Format(prompt, fenced=True)
        if name == "ollama":
            if kind == "json_schema":
                return _Format(sent)
            return _Format(prompt or (beside if kind == "json_object" else None))
        return self._openai_format(body, kind, given, sent, prompt)

    def _openai_format(
        self,
        body: dict[str, Any],
        kind: Any,
        given: dict[str, Any],
        sent: dict[str, Any] | None,
        prompt: dict[str, Any] | None,
    ) -> _Format | web.Response:
        if kind == "json_schema":
            if given.get("strict") is True:
                problem = strict_schema_problem(str(given.get("name", "")), sent or {})
                if problem is not None:
                    return self._invalid(problem, "response_format")
            return _Format(sent)
        if kind == "json_object" and "json" not in json.dumps(body.get("messages")).lower():
            return self._invalid(OPENAI_JSON_WORD, "messages")
        return _Format(prompt)

    def _invalid(self, message: str, param: str) -> web.Response:
        error = _error_body(message, "invalid_request_error", None)
        error["error"]["param"] = param
        return web.json_response(error, status=400)

    def _chat_content(self, body: dict[str, Any], fault: Fault | None, fmt: _Format) -> str:
        messages = body.get("messages") or []
        if fault is Fault.SCHEMA_MISMATCH:
            text = json.dumps({"story": "Once upon a time", "pages": "four"})
        else:
            source = StorySource(
                self.story,
                pages=pages_in_prompt(messages) or self.pages,
                seed=self.seed,
                page=page_in_prompt(messages),
                rewrite=_is_rewrite(messages),
            )
            if fmt.schema is None:
                text = source.canned()
            else:
                answer = answer_from_schema(fmt.schema, source)
                text = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
            if fault is Fault.INVALID_JSON:
                text = text[: len(text) // 2] + "}} oops, not JSON"
        return fenced(text) if fmt.fenced else text

    def _capped(self, body: dict[str, Any], content: str) -> tuple[str, bool]:
        """`content` cut at the output cap the request sets, if this server honours it
        (about four characters a token), and whether it was cut."""
        caps = [body.get(key) for key in self._traits.caps]
        limits = [c for c in caps if isinstance(c, int) and not isinstance(c, bool) and c > 0]
        if limits and len(content) > min(limits) * 4:
            return content[: min(limits) * 4], True
        return content, False

    def _completion(self, call: _Call, content: str) -> dict[str, Any]:
        body, fault = call.record.body, call.fault
        message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
        finish = "length" if call.extra.get("capped") else "stop"
        if fault is Fault.REFUSAL:
            message.update(content=None, refusal="I can't help with that story.")
            finish = "stop"
        elif fault in (Fault.LENGTH, Fault.TRUNCATED, Fault.STALL):
            message["content"] = content[: len(content) // 2]
            finish = "length"
        call.record.finish_reason = finish
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": str(body.get("model", "fake")),
            "choices": [
                {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
            ],
            "usage": _usage(body, message["content"] or ""),
        }

    async def _chat_stream(
        self, request: web.Request, call: _Call, content: str
    ) -> web.StreamResponse:
        body = call.record.body
        self.chat_content = content
        self.chunk_log = []
        self.chat_stream_started_at = time.monotonic()
        cut = asyncio.Event()
        if self._traits.one_slot:
            self._running_streams.add(cut)
        response = await self._sse(request)
        try:
            await self._stream_story(response, call, content, cut)
            if call.fault is Fault.TRUNCATED:
                await response.write_eof()
                return response
            # llama-cpp-python ends an interrupted stream with [DONE] and no finish_reason.
            wants_usage = (body.get("stream_options") or {}).get("include_usage")
            if wants_usage and self._traits.usage_chunk and not cut.is_set():
                await _send(response, self._chunk(body, None, None, usage=_usage(body, content)))
            await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
            return response
        finally:
            self._running_streams.discard(cut)
            self.chat_stream_finished_at = time.monotonic()

    async def _stream_story(
        self, response: web.StreamResponse, call: _Call, content: str, cut: asyncio.Event
    ) -> None:
        body, fault = call.record.body, call.fault
        await _send(response, self._chunk(body, {"role": "assistant", "content": ""}, None))
        if fault is Fault.REFUSAL:
            await _send(
                response, self._chunk(body, {"refusal": "I can't help with that story."}, None)
            )
            await self._finish(response, call, "stop")
            return
        cut_at = (
            len(content) // 2
            if fault in (Fault.STALL, Fault.TRUNCATED, Fault.LENGTH, Fault.ENDLESS)
            else len(content)
        )
        for start in range(0, cut_at, self.chunk_chars):
            stop = min(start + self.chunk_chars, cut_at)
            await _send(response, self._chunk(body, {"content": content[start:stop]}, None))
            self.chunk_log.append((time.monotonic(), stop))
            await self._pause(cut)
            if cut.is_set():
                return
        if fault is Fault.STALL:
            await self._hang()
            raise asyncio.CancelledError
        if fault is Fault.ENDLESS:
            await self._ramble(response, body, cut)
            return
        if fault is not Fault.TRUNCATED:
            length = fault is Fault.LENGTH or call.extra.get("capped")
            await self._finish(response, call, "length" if length else "stop")

    async def _ramble(
        self, response: web.StreamResponse, body: dict[str, Any], cut: asyncio.Event
    ) -> None:
        """The same words, chunk after chunk, until the client hangs up (or the stream is
        cut off by a new request, or the server closes); never a finish_reason."""
        assert self._closing is not None
        words = (" and on" * (self.chunk_chars // 7 + 1))[: self.chunk_chars]
        while not cut.is_set():
            if self._closing.is_set():
                raise asyncio.CancelledError
            try:
                await _send(response, self._chunk(body, {"content": words}, None))
            except ConnectionResetError:  # the client stopped listening
                raise asyncio.CancelledError from None
            await self._pause(cut)
            await asyncio.sleep(0)  # the server's other requests go on meanwhile

    async def _finish(self, response: web.StreamResponse, call: _Call, reason: str) -> None:
        call.record.finish_reason = reason
        await _send(response, self._chunk(call.record.body, {}, reason))

    async def _pause(self, cut: asyncio.Event) -> None:
        """Wait `chunk_delay` between chunks, or less when the stream is cut off."""
        if self.chunk_delay <= 0:
            return
        if not self._traits.one_slot:
            await asyncio.sleep(self.chunk_delay)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(cut.wait(), self.chunk_delay)

    def _chunk(
        self,
        body: dict[str, Any],
        delta: dict[str, Any] | None,
        finish: str | None,
        usage: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": str(body.get("model", "fake")),
            "choices": choices,
            "usage": usage,
        }

    # -- images --

    async def _images(self, request: web.Request, call: _Call) -> web.StreamResponse:
        if not self._traits.images:
            return web.json_response({"detail": "Not Found"}, status=404)  # FastAPI's words
        body = call.record.body
        stream = str(body.get("stream", "")).lower() == "true"
        call.extra["stream"] = stream
        if stream and not self.image_streaming:
            return self._status(400, "stream is not supported for this model.", None)
        if (failed := await self._common_fault(request, call)) is not None:
            return failed
        await self._image_delay(call.record)
        if call.fault is Fault.INVALID_JSON:
            return web.Response(text="<html>oops, not JSON", content_type="application/json")
        if call.fault in (Fault.HUGE_PICTURE, Fault.HUGE_PICTURE_SIZED):
            return await self._huge_picture(request, call, stream)
        if stream:
            return await self._image_stream(request, call)
        return web.json_response(self._image_answer(body, call.fault))

    async def _image_delay(self, record: RecordedRequest | None = None) -> None:
        delay = self.image_latency + self._rng.uniform(-self.image_jitter, self.image_jitter)
        if record is not None:
            record.delay = delay
        if delay > 0:
            await asyncio.sleep(delay)

    def _picture(self, body: dict[str, Any], fault: Fault | None) -> bytes:
        if fault is Fault.NOT_IMAGE:
            return b"this is not a picture, just some bytes"
        if fault is Fault.OVERSIZED:
            return oversized_png()
        if self.picture is not None:
            return self.picture
        return solid_png(self.image_size, _colour(str(body.get("prompt", ""))))

    def _image_answer(self, body: dict[str, Any], fault: Fault | None) -> dict[str, Any]:
        answer: dict[str, Any] = {"created": int(time.time())}
        if fault is Fault.NO_DATA:
            return answer | {"data": []}
        if fault is Fault.SCHEMA_MISMATCH:
            return answer | {"data": [{"revised_prompt": "no picture here"}]}
        wanted = body.get("response_format") or (
            "url" if self.image_format == "url" else "b64_json"
        )
        data = self._picture(body, fault)
        if fault is Fault.URL_404:
            item = {"url": f"{self.root_url}/files/missing-{uuid.uuid4().hex}.png"}
        elif wanted == "url":
            item = {"url": self._publish(data)}
        else:
            item = {"b64_json": _b64(data)}
        item["revised_prompt"] = str(body.get("prompt", ""))
        return answer | {"data": [item], "usage": _image_usage()}

    async def _huge_picture(
        self, request: web.Request, call: _Call, stream: bool
    ) -> web.StreamResponse:
        """An answer whose base64 is `huge_picture_bytes` long, as JSON or as the stream's
        completed event, written a megabyte at a time until done or the client hangs up."""
        now = int(time.time())
        if stream:
            kind = (
                "image_edit" if call.record.endpoint == "images_edit" else "image_generation"
            ) + ".completed"
            head = f'event: {kind}\ndata: {{"type": "{kind}", "b64_json": "'.encode()
            tail = f'", "created_at": {now}, "usage": {json.dumps(_image_usage())}}}\n\n'
        else:
            head = f'{{"created": {now}, "data": [{{"b64_json": "'.encode()
            tail = f'"}}], "usage": {json.dumps(_image_usage())}}}'
        size = self.huge_picture_bytes
        response = web.StreamResponse(
            status=200,
            headers={"Content-Type": "text/event-stream" if stream else "application/json"},
        )
        if call.fault is Fault.HUGE_PICTURE_SIZED:
            response.content_length = len(head) + size + len(tail.encode())
        await response.prepare(request)
        piece = b"A" * (1 << 20)
        try:
            await response.write(head)
            for start in range(0, size, len(piece)):
                await response.write(piece[: min(len(piece), size - start)])
            await response.write(tail.encode())
            await response.write_eof()
        except ConnectionResetError:  # the client refused the rest: so be it
            raise asyncio.CancelledError from None
        return response

    def _publish(self, data: bytes) -> str:
        name = f"{uuid.uuid4().hex}.png"
        self._files[name] = data
        return f"{self.root_url}/files/{name}"

    async def _image_stream(self, request: web.Request, call: _Call) -> web.StreamResponse:
        body, fault = call.record.body, call.fault
        prefix = "image_edit" if call.record.endpoint == "images_edit" else "image_generation"
        response = await self._sse(request)
        wanted = int(body.get("partial_images") or 0) if self.partial_images else 0
        for index in range(min(wanted, 3)):
            partial = solid_png((16, 16), _colour(f"{body.get('prompt', '')}{index}"))
            event = {
                "type": f"{prefix}.partial_image",
                "b64_json": _b64(partial),
                "partial_image_index": index,
            }
            await _send(response, event, event=event["type"])
        if fault is Fault.STALL:
            await self._hang()
            raise asyncio.CancelledError
        if fault is not Fault.TRUNCATED:
            done = {
                "type": f"{prefix}.completed",
                "b64_json": _b64(self._picture(body, fault)),
                "created_at": int(time.time()),
                "usage": _image_usage(),
            }
            await _send(response, done, event=done["type"])
        await response.write_eof()
        return response

    # -- misc --

    async def _file(self, request: web.Request, call: _Call) -> web.StreamResponse:
        data = self._files.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404, text="no such file")
        return web.Response(body=data, content_type="image/png")

    async def _models(self, request: web.Request, call: _Call) -> web.StreamResponse:
        names = ["gpt-4o-mini", "gpt-image-1", "dall-e-3", "fake-painter"]
        data = [{"id": n, "object": "model", "created": 0, "owned_by": "fake"} for n in names]
        return web.json_response({"object": "list", "data": data})


def _applies(injected: _Injected, raw: str, body: dict[str, Any]) -> bool:
    if injected.match is not None and injected.match not in raw:
        return False
    if injected.fault is Fault.NO_JSON_SCHEMA:
        return (body.get("response_format") or {}).get("type") == "json_schema"
    return True


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _is_rewrite(messages: Any) -> bool:
    texts = [str(m.get("content", "")).lower() for m in messages if isinstance(m, dict)]
    system = texts[0] if texts else ""
    return "revising one page" in system or any("rewrite page" in t for t in texts)


def _parse_body(request: web.Request, raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    if request.content_type.startswith("multipart/"):
        return _parse_multipart(request.headers["Content-Type"], raw)
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return {"_raw": raw.decode("utf-8", errors="replace")}
    return parsed if isinstance(parsed, dict) else {"_json": parsed}


def _parse_multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    body: dict[str, Any] = {"images": []}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if filename := part.get_filename():
            body["images"].append({"field": name, "filename": filename, "bytes": len(data)})
        elif isinstance(name, str):
            body[name] = data.decode("utf-8", errors="replace")
    return body


def _usage(body: dict[str, Any], content: str) -> dict[str, int]:
    prompt = json.dumps(body.get("messages", ""))
    prompt_tokens, completion_tokens = max(1, len(prompt) // 4), max(1, len(content) // 4)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _image_usage() -> dict[str, Any]:
    return {
        "input_tokens": 50,
        "output_tokens": 272,
        "total_tokens": 322,
        "input_tokens_details": {"image_tokens": 0, "text_tokens": 50},
    }


@functools.lru_cache(maxsize=8)
def _b64(data: bytes) -> str:
    """Base64 text; a picture served again (same bytes) is encoded once."""
    return base64.b64encode(data).decode()


async def _send(
    response: web.StreamResponse, payload: dict[str, Any], *, event: str | None = None
) -> None:
    head = f"event: {event}\n" if event else ""
    await response.write(f"{head}data: {json.dumps(payload)}\n\n".encode())


# --- Thread runner ---------------------------------------------------------------------


class FakeOpenAIThread:
    """Runs a FakeOpenAI on its own event loop in a background thread.

    For CLI subprocess tests and synchronous code: ``with FakeOpenAIThread() as server``.
    Attributes and methods of the server (`base_url`, `inject`, `requests`, ...) are
    available on this object.
    """

    def __init__(self, **kwargs: Any) -> None:
        self.server = FakeOpenAI(**kwargs)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="fake-openai", daemon=True
        )

    def __enter__(self) -> FakeOpenAIThread:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(timeout=10)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        asyncio.run_coroutine_threadsafe(self.server.close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.server, name)


# --- Standalone ------------------------------------------------------------------------


async def _serve(args: argparse.Namespace) -> None:
    server = FakeOpenAI(
        host=args.host,
        port=args.port,
        pages=args.pages,
        chunk_delay=args.chunk_delay,
        image_latency=args.image_latency,
        image_jitter=args.image_jitter,
        image_format=args.image_format,
        partial_images=args.partial_images,
        rate_limit_per_minute=args.rate_limit,
        rate_limit_window=args.rate_window,
        honest_retry_after=args.honest_retry_after,
        picture=args.picture.read_bytes() if args.picture else None,
        personality=args.personality,
    )
    async with server:
        print(server.base_url, flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    """Run the fake server until interrupted; prints its base_url first."""
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    parser.add_argument("--image-latency", type=float, default=0.0)
    parser.add_argument("--image-jitter", type=float, default=0.0)
    parser.add_argument("--image-format", choices=["b64", "url"], default="b64")
    parser.add_argument("--partial-images", action="store_true")
    parser.add_argument("--rate-limit", type=int, default=None, help="requests per window")
    parser.add_argument("--rate-window", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--honest-retry-after", action="store_true")
    parser.add_argument("--picture", type=Path, default=None, help="serve this picture file")
    parser.add_argument(
        "--personality", choices=PERSONALITIES, default="openai", help="the chat server it plays"
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()


__all__ = [
    "PERSONALITIES",
    "FakeOpenAI",
    "FakeOpenAIThread",
    "Fault",
    "Personality",
    "RecordedRequest",
    "default_story",
    "fenced",
    "oversized_png",
    "pages_in_prompt",
    "solid_png",
]

"""The loopback simulator: the fake OpenAI server with a latency model, in its own process.

`BenchServer` extends `tests.fakes.server.FakeOpenAI` with what measuring needs:

- the story streamed at a set token rate (4 characters a token), with the
  time every chunk left the server, so the moment each page's prompt was
  complete is known;
- every picture answered after L seconds plus uniform jitter, with the drawn
  delay recorded per request;
- one pre-encoded picture served for every request (no encoding per request);
- a sliding-window image rate limit of R per W seconds that answers 429 with
  an honest Retry-After (the time until a slot frees) or a fixed one.

`SimProcess` runs it in a child process so its work never competes with the
measured client for the GIL; the parent asks it for its records over a pipe.
Both processes read `time.monotonic()`, one system-wide clock on Linux and macOS.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import math
import os
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import ROOT

CHARS_PER_TOKEN = 4


@dataclass
class SimConfig:
    """The latency model."""

    tokens_per_second: float = 150.0
    chunk_chars: int = 12
    image_latency: float = 1.5
    image_jitter: float = 0.25
    image_size: tuple[int, int] = (1536, 1024)
    picture: str | None = None  # path of a pre-encoded picture to serve for every request
    partial_images: bool = True
    rate_limit: int | None = None  # images per window
    rate_window: float = 60.0
    retry_after: float | None = None  # None: honest (until a slot frees)
    seed: int = 7

    @property
    def chunk_delay(self) -> float:
        return self.chunk_chars / (self.tokens_per_second * CHARS_PER_TOKEN)


@dataclass
class Stats:
    """What the simulator saw, in its own monotonic clock (shared with the client)."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    chunks: list[tuple[float, int]] = field(default_factory=list)  # (sent at, chars so far)
    content: str = ""
    stream_started: float | None = None
    stream_finished: float | None = None

    def images(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["endpoint"].startswith("images")]

    def accepted_images(self) -> list[dict[str, Any]]:
        return [r for r in self.images() if r["status"] == 200]

    def page_ready_times(self) -> list[float]:
        """When each page's object in the streamed story was complete, in order."""
        ends = page_object_ends(self.content)
        times: list[float] = []
        for end in ends:
            times.append(next((t for t, chars in self.chunks if chars >= end), math.nan))
        return times

    def delay_for_page(self, number: int) -> float | None:
        """The simulated latency of the accepted picture request of page `number`."""
        for r in self.accepted_images():
            if r.get("page") == number:
                return float(r["delay"])
        return None


def page_object_ends(text: str) -> list[int]:
    """Offsets just past the closing brace of each object in the story's "pages" array."""
    start = text.find('"pages"')
    if start < 0:
        return []
    i = text.find("[", start) + 1
    depth = 0
    in_string = escaped = False
    ends: list[int] = []
    while 0 < i < len(text):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                ends.append(i + 1)
        elif ch == "]" and depth == 0:
            break
        i += 1
    return ends


# --- the server (runs in the child process) -----------------------------------------------

_current = contextvars.ContextVar[Any]("current_record", default=None)


def _make_server_class() -> type:
    from tests.fakes.server import FakeOpenAI

    class BenchServer(FakeOpenAI):  # type: ignore[misc, valid-type]
        def __init__(self, config: SimConfig) -> None:
            super().__init__(
                chunk_delay=config.chunk_delay,
                chunk_chars=config.chunk_chars,
                image_latency=config.image_latency,
                image_jitter=config.image_jitter,
                image_size=tuple(config.image_size),
                partial_images=config.partial_images,
                seed=config.seed,
            )
            self.config = config
            self.picture_bytes = Path(config.picture).read_bytes() if config.picture else None
            self.delays: dict[int, float] = {}
            self.chunk_log: list[tuple[float, int]] = []
            self.sent_chars = 0
            self.stream_started: float | None = None
            self.content = ""
            self.bench_window: deque[float] = deque()

        def reset(self) -> None:
            import random

            self.requests.clear()
            self.delays.clear()
            self.chunk_log = []
            self.sent_chars = 0
            self.stream_started = None
            self.content = ""
            self.chat_stream_finished_at = None
            self.bench_window.clear()
            self._rng = random.Random(self.config.seed)

        async def _images(self, request: Any, call: Any) -> Any:
            _current.set(call.record)
            return await super()._images(request, call)

        async def _image_delay(self) -> None:
            delay = self.image_latency + self._rng.uniform(-self.image_jitter, self.image_jitter)
            record = _current.get()
            if record is not None:
                self.delays[id(record)] = delay
            if delay > 0:
                await asyncio.sleep(delay)

        def _picture(self, body: dict[str, Any], fault: Any) -> bytes:
            if self.picture_bytes is not None and fault is None:
                return self.picture_bytes
            return super()._picture(body, fault)

        def _chat_content(self, body: dict[str, Any], fault: Any) -> str:
            self.content = super()._chat_content(body, fault)
            self.sent_chars = 0
            self.chunk_log = []
            self.stream_started = time.monotonic()
            return self.content

        def _chunk(self, body: Any, delta: Any, finish: Any, usage: Any = None) -> Any:
            if delta and delta.get("content"):
                self.sent_chars += len(delta["content"])
                self.chunk_log.append((time.monotonic(), self.sent_chars))
            return super()._chunk(body, delta, finish, usage)

        def _rate_limited(self, endpoint: str) -> Any:
            limit = self.config.rate_limit
            if limit is None or not endpoint.startswith("images"):
                return None
            now = time.monotonic()
            window = self.config.rate_window
            while self.bench_window and now - self.bench_window[0] >= window:
                self.bench_window.popleft()
            if len(self.bench_window) < limit:
                self.bench_window.append(now)
                return None
            honest = self.bench_window[0] + window - now
            self.retry_after = (
                self.config.retry_after if self.config.retry_after is not None else honest
            )
            return self._status(429, "Rate limit reached for images per minute.", "rate_limit")

        def stats(self) -> dict[str, Any]:
            rows = []
            for r in list(self.requests):
                prompt = str(r.body.get("prompt", ""))
                rows.append(
                    {
                        "endpoint": r.endpoint,
                        "started": r.started,
                        "finished": r.finished,
                        "status": r.status,
                        "delay": self.delays.get(id(r)),
                        "page": _page_of(prompt),
                    }
                )
            return {
                "requests": rows,
                "chunks": self.chunk_log,
                "content": self.content,
                "stream_started": self.stream_started,
                "stream_finished": self.chat_stream_finished_at,
            }

    return BenchServer


def _page_of(prompt: str) -> int | None:
    marker = prompt.rfind("(page ")
    if marker < 0:
        return None
    digits = prompt[marker + 6 :].split(")", 1)[0]
    return int(digits) if digits.isdigit() else None


def _serve(config: SimConfig) -> None:
    """Child process: serve, print the base_url, then answer commands on stdin."""
    server_class = _make_server_class()
    server = server_class(config)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="sim", daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(timeout=20)
    print(json.dumps({"base_url": server.base_url}), flush=True)

    async def on_loop(command: str) -> Any:
        if command == "stats":
            return server.stats()
        if command == "reset":
            server.reset()
            return {"ok": True}
        return {"error": f"unknown command {command}"}

    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        answer = asyncio.run_coroutine_threadsafe(on_loop(command), loop).result(timeout=30)
        print(json.dumps(answer), flush=True)
    asyncio.run_coroutine_threadsafe(server.close(), loop).result(timeout=20)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)


# --- the parent's handle --------------------------------------------------------------------


class SimProcess:
    """The simulator in a child process: ``with SimProcess(config) as sim: sim.base_url``."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.base_url = ""
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> SimProcess:
        payload = json.dumps(asdict(self.config))
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.sim", payload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        self.base_url = self._read()["base_url"]
        return self

    def __exit__(self, *exc: object) -> None:
        proc = self._proc
        if proc is None:
            return
        try:
            assert proc.stdin is not None
            proc.stdin.write("quit\n")
            proc.stdin.flush()
            proc.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        self._proc = None

    def _read(self) -> Any:
        assert self._proc is not None and self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("The simulator process ended unexpectedly.")
        return json.loads(line)

    def _ask(self, command: str) -> Any:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        return self._read()

    def reset(self) -> None:
        self._ask("reset")

    def stats(self) -> Stats:
        raw = self._ask("stats")
        return Stats(
            requests=raw["requests"],
            chunks=[(float(t), int(c)) for t, c in raw["chunks"]],
            content=raw["content"],
            stream_started=raw["stream_started"],
            stream_finished=raw["stream_finished"],
        )


def main() -> None:
    raw = json.loads(sys.argv[1])
    raw["image_size"] = tuple(raw["image_size"])
    _serve(SimConfig(**raw))


if __name__ == "__main__":
    main()

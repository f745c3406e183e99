"""The loopback simulator: the fake OpenAI server with a latency model, in its own process.

It is `tests.fakes.server.FakeOpenAI`, configured through its public options:

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
import json
import math
import os
import subprocess
import sys
import threading
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


def make_server(config: SimConfig) -> Any:
    """The fake server with this latency model, through its public options only."""
    from tests.fakes.server import FakeOpenAI

    return FakeOpenAI(
        chunk_delay=config.chunk_delay,
        chunk_chars=config.chunk_chars,
        image_latency=config.image_latency,
        image_jitter=config.image_jitter,
        image_size=tuple(config.image_size),
        partial_images=config.partial_images,
        seed=config.seed,
        picture=Path(config.picture).read_bytes() if config.picture else None,
        rate_limit_per_minute=config.rate_limit,
        rate_limit_window=config.rate_window,
        rate_limit_endpoints=("images",),
        honest_retry_after=config.retry_after is None,
        retry_after=config.retry_after if config.retry_after is not None else 1.0,
    )


def server_stats(server: Any) -> dict[str, Any]:
    """What the server recorded, as plain JSON."""
    rows = []
    for r in list(server.requests):
        rows.append(
            {
                "endpoint": r.endpoint,
                "started": r.started,
                "finished": r.finished,
                "status": r.status,
                "delay": r.delay,
                "page": _page_of(str(r.body.get("prompt", ""))),
            }
        )
    return {
        "requests": rows,
        "chunks": list(server.chunk_log),
        "content": server.chat_content,
        "stream_started": server.chat_stream_started_at,
        "stream_finished": server.chat_stream_finished_at,
    }


def _page_of(prompt: str) -> int | None:
    marker = prompt.rfind("(page ")
    if marker < 0:
        return None
    digits = prompt[marker + 6 :].split(")", 1)[0]
    return int(digits) if digits.isdigit() else None


def _serve(config: SimConfig) -> None:
    """Child process: serve, print the base_url, then answer commands on stdin."""
    server = make_server(config)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="sim", daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(timeout=20)
    print(json.dumps({"base_url": server.base_url}), flush=True)

    async def on_loop(command: str) -> Any:
        if command == "stats":
            return server_stats(server)
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

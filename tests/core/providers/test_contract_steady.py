"""Every request the provider sends is valid under the official OpenAI OpenAPI spec.

Steady (https://github.com/stainless-api/steady, npm package @stdy/cli) mocks the
spec and marks each request with `x-steady-request-valid`; an invalid request
gets a 400 whose `x-steady-error-*` headers say what is wrong.

Install it with `npm ci` (or `npm install`) at the repository root, or point
STEADY_BIN at a `steady` executable. STEADY_OPENAPI_SPEC overrides the spec path.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx2
import pytest
import pytest_asyncio
from openai import AsyncOpenAI

from studio.core.providers.base import (
    ImageRequest,
    PageRequest,
    PageRewriteRequest,
    PlanRequest,
    ProviderError,
)
from studio.core.providers.openai import OpenAIImageProvider, OpenAITextProvider, ResponseFormat
from tests.tools import missing_tool

ROOT = Path(__file__).resolve().parents[3]
SPEC = Path(
    os.environ.get(
        "STEADY_OPENAPI_SPEC", ROOT.parent / "shared" / "openai-openapi" / "openapi.yaml"
    )
)


def steady_command() -> list[str] | None:
    """How to run Steady, or None when it is not installed."""
    for candidate in (os.environ.get("STEADY_BIN"), ROOT / "node_modules" / ".bin" / "steady"):
        if candidate and Path(candidate).is_file():
            return [str(candidate)]
    found = shutil.which("steady")
    return [found] if found else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Steady exited early with code {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"Steady did not start listening within {limit:g} s")


@pytest.fixture(scope="module")
def steady_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    command = steady_command()
    if command is None:
        missing_tool("Steady is not installed: run `npm ci` at the repository root")
    assert SPEC.is_file(), f"OpenAPI spec not found at {SPEC} (set STEADY_OPENAPI_SPEC)"
    port = free_port()
    log = (tmp_path_factory.mktemp("steady") / "steady.log").open("wb")
    args = [
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-format",
        "json",
        "--generator-seed=7",
    ]
    # The SDK sends several files as `image[]`, as the OpenAI API documents.
    args += ["--stream-interval=1", "--stream-count=3", "--validator-form-array-format=brackets"]
    args.append(str(SPEC))
    process = subprocess.Popen([*command, *args], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@dataclass
class Verdicts:
    """What Steady said about each request: path and the validation headers."""

    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    async def record(self, response: httpx2.Response) -> None:
        problems = {k: v for k, v in response.headers.items() if k.startswith("x-steady-error")}
        valid = response.headers.get("x-steady-request-valid", "missing")
        self.seen.append((response.request.url.path, valid, problems))

    def assert_all_valid(self, paths: set[str]) -> None:
        assert {path for path, _, _ in self.seen} >= paths
        invalid = [entry for entry in self.seen if entry[1] != "true"]
        assert not invalid, f"Steady rejected requests: {invalid}"


@pytest_asyncio.fixture
async def verdicts() -> Verdicts:
    return Verdicts()


@pytest_asyncio.fixture
async def client(steady_url: str, verdicts: Verdicts) -> AsyncIterator[AsyncOpenAI]:
    http_client = httpx2.AsyncClient(event_hooks={"response": [verdicts.record]})
    api = AsyncOpenAI(
        base_url=steady_url, api_key="sk-contract", max_retries=0, http_client=http_client
    )
    yield api
    await api.close()


async def outcome(call: object) -> str:
    """Run a call; a ProviderError is fine here (Steady answers with random data)."""
    try:
        await call  # type: ignore[misc]
    except ProviderError as error:
        return type(error).__name__
    return "ok"


async def drain_plan(provider: OpenAITextProvider) -> None:
    async for _ in provider.stream_plan(PlanRequest("A fox finds a lantern", 4, "4-7", "ink")):
        pass


async def test_text_calls_are_valid(client: AsyncOpenAI, verdicts: Verdicts) -> None:
    provider = OpenAITextProvider(client, "gpt-4o-mini", timeout=10)
    await outcome(drain_plan(provider))
    await outcome(provider.repair_plan(PlanRequest("A fox", 4), '{"title": ', "Unexpected end"))
    rewrite = PageRewriteRequest("The Lantern", "A fox", ["One.", "Two."], 2, "Shorter.")
    await outcome(provider.rewrite_page(rewrite))

    verdicts.assert_all_valid({"/chat/completions"})
    assert len(verdicts.seen) == 3
    assert provider.uses_json_schema


@pytest.mark.parametrize("fmt", ["json_schema", "json_object", "text"])
async def test_every_response_format_and_call_is_valid(
    client: AsyncOpenAI, verdicts: Verdicts, fmt: str
) -> None:
    """Each format the studio can fall back to, and the per-page route's calls, as the
    official spec describes chat requests: capped output, the format field or none."""
    provider = OpenAITextProvider(
        client, "gpt-4o-mini", timeout=10, response_format=ResponseFormat(fmt)
    )
    await outcome(drain_plan(provider))
    await outcome(provider.write_outline(PlanRequest("A fox finds a lantern", 4)))
    page = PageRequest("A fox", "The Lantern", (), ("Fox finds it.", "Fox keeps it."), 2)
    await outcome(provider.write_page(page))
    await outcome(provider.repair_plan(PlanRequest("A fox", 4), '{"title": ', "Unexpected end"))

    verdicts.assert_all_valid({"/chat/completions"})
    assert len(verdicts.seen) == 4
    assert provider.response_format is ResponseFormat(fmt)


async def test_image_calls_are_valid(client: AsyncOpenAI, verdicts: Verdicts) -> None:
    async with aiohttp.ClientSession() as http:
        gpt_image = OpenAIImageProvider(client, "gpt-image-1", http, timeout=10)
        await outcome(gpt_image.generate(ImageRequest("a fox", quality="low"), lambda _: None))
        await outcome(gpt_image.generate(ImageRequest("a fox", references=[b"\x89PNG"])))
        await outcome(gpt_image.generate(ImageRequest("a fox", references=[b"\x89PNG"] * 2)))
        await outcome(gpt_image.generate(ImageRequest("a fox")))
        dall_e = OpenAIImageProvider(client, "dall-e-3", http, timeout=10)
        await outcome(dall_e.generate(ImageRequest("a fox", size="1792x1024")))

    verdicts.assert_all_valid({"/images/generations", "/images/edits"})
    assert len(verdicts.seen) == 5

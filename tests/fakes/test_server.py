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
from typing import Any

import aiohttp
import jsonschema
import pytest
from PIL import Image

from studio.core.book import PageRewrite, StoryOutline, StoryPlan
from studio.core.prompting import SCHEMA_MARKER
from studio.core.providers.openai import (
    outline_schema,
    page_schema,
    rewrite_schema,
    story_plan_schema,
)
from tests.fakes.server import (
    FakeOpenAI,
    FakeOpenAIThread,
    Fault,
    default_story,
    oversized_png,
)

ROOT = Path(__file__).resolve().parents[2]


async def post(server: FakeOpenAI, path: str, body: dict[str, object]) -> aiohttp.ClientResponse:
    async with aiohttp.ClientSession() as session:
        response = await session.post(f"{server.base_url}{path}", json=body)
        await response.read()
        return response


def plan_body(pages: int, *, stream: bool = False) -> dict[str, object]:
    prompt = f"Write exactly {pages} pages."
    return {"model": "m", "messages": [{"role": "user", "content": prompt}], "stream": stream}


def strict(schema: dict[str, Any], name: str = "story_plan") -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}}


def chat_body(
    user: str,
    *,
    schema_in_prompt: dict[str, Any] | None = None,
    response_format: dict[str, Any] | None = None,
    stream: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    system = "You write picture books and answer with one JSON object."
    if schema_in_prompt is not None:
        system += f"\n\n{SCHEMA_MARKER}\n{json.dumps(schema_in_prompt)}"
    body: dict[str, Any] = {
        "model": "m",
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        "stream": stream,
    }
    if response_format is not None:
        body["response_format"] = response_format
    return body | extra


async def answer_of(server: FakeOpenAI, body: dict[str, Any]) -> tuple[str, str]:
    """The message content and finish_reason of a chat answer, streamed or not."""
    response = await post(server, "/chat/completions", body)
    assert response.status == 200, await response.text()
    if not body.get("stream"):
        choice = json.loads(await response.text())["choices"][0]
        return choice["message"]["content"], choice["finish_reason"]
    chunks = sse(await response.text())
    assert chunks[-1] == "[DONE]"
    choices = [c["choices"][0] for c in chunks[:-1] if c["choices"]]
    finish = [c["finish_reason"] for c in choices if c["finish_reason"]]
    return "".join(c["delta"].get("content") or "" for c in choices), finish[-1]


def sse(text: str) -> list[Any]:
    events = [line[6:] for line in text.splitlines() if line.startswith("data: ")]
    return [e if e == "[DONE]" else json.loads(e) for e in events]


def without_title() -> dict[str, Any]:
    schema = story_plan_schema(3)
    del schema["properties"]["title"]
    schema["required"].remove("title")
    return schema


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
    command = [
        sys.executable,
        "-m",
        "tests.fakes.server",
        "--port",
        "0",
        "--personality",
        "lmstudio",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        with urllib.request.urlopen(f"{base_url}/models", timeout=5) as response:
            assert response.status == 200
        request = urllib.request.Request(
            f"{base_url}/chat/completions",
            data=json.dumps(chat_body("p", response_format={"type": "json_object"})).encode(),
            headers={"Content-Type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=5)
        assert caught.value.code == 400
        caught.value.close()
    finally:
        process.terminate()
        process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


# --- Answers built from the request's schema ---------------------------------------------


@pytest.mark.parametrize(
    ("schema", "model", "user"),
    [
        (story_plan_schema(3), StoryPlan, "Write exactly 3 pages."),
        (outline_schema(5), StoryOutline, "Plan exactly 5 pages."),
        (page_schema(), PageRewrite, "Outline: ...\nWrite page 2 of 4: the fox finds it"),
        (rewrite_schema(), PageRewrite, "Page 1: One.\n\nRewrite page 1. Shorter."),
    ],
    ids=["plan", "outline", "page", "rewrite"],
)
async def test_strict_answer_is_an_instance_of_the_sent_schema(
    fake_openai: FakeOpenAI, schema: dict[str, Any], model: type[Any], user: str
) -> None:
    content, finish = await answer_of(fake_openai, chat_body(user, response_format=strict(schema)))
    answer = json.loads(content)
    jsonschema.validate(answer, schema)
    model.model_validate(answer)
    assert list(answer) == list(schema["properties"]) and finish == "stop"


async def test_answer_has_exactly_the_sent_properties(fake_openai: FakeOpenAI) -> None:
    schema = without_title()
    content, _ = await answer_of(
        fake_openai, chat_body("Premise: a fox", response_format=strict(schema))
    )
    answer = json.loads(content)
    assert "title" not in answer and set(answer) == {"style", "characters", "pages"}
    assert len(answer["pages"]) == 3  # maxItems, not the server's default of 4
    with pytest.raises(ValueError, match="title"):
        StoryPlan.model_validate(answer)


async def test_answer_reads_as_the_story_and_fills_the_rest(fake_openai: FakeOpenAI) -> None:
    story = default_story(2)
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "mood": {"enum": ["calm", "bold"]},
            "rating": {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 3}]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "pages": {"type": "array", "items": {"$ref": "#/$defs/Page"}},
        },
        "$defs": {
            "Page": {"type": "object", "properties": {"scene": {"type": "string"}}},
        },
    }
    loose = {"type": "json_schema", "json_schema": {"name": "book", "schema": schema}}
    body = chat_body("Write exactly 2 pages.", response_format=loose)
    answer = json.loads((await answer_of(fake_openai, body))[0])
    assert answer["title"] == story.title and answer["mood"] == "calm" and answer["rating"] == 3
    assert len(answer["tags"]) == 2 and all(isinstance(t, str) and t for t in answer["tags"])
    assert answer["pages"] == [{"scene": p.scene} for p in story.pages]


async def test_single_page_answer_is_the_page_asked_for(fake_openai: FakeOpenAI) -> None:
    schema = page_schema()
    user = "Outline:\n1. On page 1 the fox wakes.\nWrite page 3 of 4: the fox finds it"
    answer = json.loads(
        (await answer_of(fake_openai, chat_body(user, response_format=strict(schema))))[0]
    )
    assert answer == {
        "text": default_story(4).pages[2].text,
        "scene": default_story(4).pages[2].scene,
    }


async def test_a_given_story_supplies_the_words() -> None:
    story = default_story(2, seed=7).model_copy(update={"title": "<b>Hostile</b> & odd"})
    async with FakeOpenAI(story=story) as server:
        body = chat_body("Write exactly 2 pages.", response_format=strict(story_plan_schema(2)))
        plan = StoryPlan.model_validate_json((await answer_of(server, body))[0])
    assert plan == story


async def test_json_object_is_answered_from_the_prompt_schema(fake_openai: FakeOpenAI) -> None:
    body = chat_body(
        "Premise: a fox", schema_in_prompt=without_title(), response_format={"type": "json_object"}
    )
    answer = json.loads((await answer_of(fake_openai, body))[0])
    assert set(answer) == {"style", "characters", "pages"}


async def test_no_schema_anywhere_answers_the_canned_story(fake_openai: FakeOpenAI) -> None:
    content, _ = await answer_of(fake_openai, chat_body("Write exactly 3 pages."))
    assert StoryPlan.model_validate_json(content) == default_story(3)


@pytest.mark.parametrize("fault", [Fault.SCHEMA_MISMATCH, Fault.INVALID_JSON])
async def test_shape_faults_still_apply_to_schema_answers(
    fake_openai: FakeOpenAI, fault: Fault
) -> None:
    fake_openai.inject(fault, endpoint="chat")
    body = chat_body("Write exactly 3 pages.", response_format=strict(story_plan_schema(3)))
    content, _ = await answer_of(fake_openai, body)
    with pytest.raises(ValueError):
        StoryPlan.model_validate_json(content)


# --- Output caps -------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("key", ["max_tokens", "max_completion_tokens"])
async def test_output_cap_cuts_with_finish_length(
    fake_openai: FakeOpenAI, key: str, stream: bool
) -> None:
    body = chat_body("Write exactly 3 pages.", stream=stream, **{key: 25})
    content, finish = await answer_of(fake_openai, body)
    assert (len(content), finish) == (100, "length")
    assert fake_openai.requests_to("chat")[0].body[key] == 25
    assert fake_openai.requests_to("chat")[0].finish_reason == "length"


async def test_llamacpp_honours_max_tokens_only() -> None:
    async with FakeOpenAI(personality="llamacpp") as server:
        uncapped, finish = await answer_of(
            server, chat_body("Write exactly 3 pages.", max_completion_tokens=25)
        )
        assert finish == "stop" and len(uncapped) > 100
        capped, finish = await answer_of(server, chat_body("Write exactly 3 pages.", max_tokens=25))
        assert (len(capped), finish) == (100, "length")


# --- Personalities -----------------------------------------------------------------------


async def test_openai_refuses_a_schema_not_in_strict_form(fake_openai: FakeOpenAI) -> None:
    schema = story_plan_schema(3)
    schema["required"].remove("title")
    response = await post(
        fake_openai, "/chat/completions", chat_body("p", response_format=strict(schema))
    )
    error = json.loads(await response.text())["error"]
    assert response.status == 400 and error["type"] == "invalid_request_error"
    assert error["message"] == (
        "Invalid schema for response_format 'story_plan': In context=(), 'required' is required "
        "to be supplied and to be an array including every key in properties. Missing 'title'."
    )


async def test_openai_json_object_needs_the_word_json(fake_openai: FakeOpenAI) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "A story"}]}
    body["response_format"] = {"type": "json_object"}
    response = await post(fake_openai, "/chat/completions", body)
    error = json.loads(await response.text())["error"]
    assert response.status == 400 and error["param"] == "messages"
    assert "must contain the word 'json'" in error["message"]


async def test_llamacpp_refuses_json_schema_with_500() -> None:
    async with FakeOpenAI(personality="llamacpp") as server:
        body = chat_body("p", response_format=strict(story_plan_schema(3)))
        response = await post(server, "/chat/completions", body)
        error = json.loads(await response.text())["error"]
    assert response.status == 500
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "internal_server_error" and error["code"] is None
    assert error["message"].startswith("1 validation error:\n")
    assert "\"Input should be 'text' or 'json_object'\"" in error["message"]
    assert "'input': 'json_schema'" in error["message"]


async def test_llamacpp_constrains_json_object_to_the_schema_beside_it() -> None:
    async with FakeOpenAI(personality="llamacpp") as server:
        beside = {"type": "json_object", "schema": without_title()}
        answer = json.loads((await answer_of(server, chat_body("p", response_format=beside)))[0])
        assert set(answer) == {"style", "characters", "pages"}
        from_prompt = chat_body(
            "Write exactly 2 pages.",
            schema_in_prompt=story_plan_schema(2),
            response_format={"type": "json_object"},
        )
        StoryPlan.model_validate_json((await answer_of(server, from_prompt))[0])


async def test_llamacpp_sends_no_usage_chunk_and_ollama_does() -> None:
    body = chat_body("Write exactly 2 pages.", stream=True, stream_options={"include_usage": True})
    for personality, wanted in [("llamacpp", False), ("ollama", True), ("openai", True)]:
        async with FakeOpenAI(personality=personality) as server:
            chunks = sse(await (await post(server, "/chat/completions", body)).text())
        assert any(c != "[DONE]" and c.get("usage") for c in chunks) is wanted, personality


async def test_llamacpp_new_request_cuts_off_the_running_stream() -> None:
    async with (
        FakeOpenAI(personality="llamacpp", chunk_delay=0.05, chunk_chars=10) as server,
        aiohttp.ClientSession() as session,
    ):
        url = f"{server.base_url}/chat/completions"
        async with session.post(
            url, json=chat_body("Write exactly 4 pages.", stream=True)
        ) as first:
            await first.content.readline()  # the first chunk has left: the stream is running
            async with session.post(url, json=chat_body("Write exactly 2 pages.")) as second:
                assert second.status == 200
                assert json.loads(await second.text())["choices"][0]["finish_reason"] == "stop"
            rest = (await first.content.read()).decode()
        chunks = sse(rest)
    # llama-cpp-python ends an interrupted stream with [DONE] and no finish_reason.
    assert chunks and chunks[-1] == "[DONE]"
    assert all(c == "[DONE]" or c["choices"][0]["finish_reason"] is None for c in chunks)
    assert server.requests_to("chat")[0].finish_reason is None
    assert server.chunk_log[-1][1] < len(server.chat_content)


async def test_llamacpp_has_no_image_endpoint() -> None:
    async with FakeOpenAI(personality="llamacpp") as server:
        response = await post(server, "/images/generations", {"prompt": "a fox"})
        assert response.status == 404
        assert json.loads(await response.text()) == {"detail": "Not Found"}


async def test_lmstudio_refuses_json_object_with_a_bare_string() -> None:
    async with FakeOpenAI(personality="lmstudio") as server:
        response = await post(
            server, "/chat/completions", chat_body("p", response_format={"type": "json_object"})
        )
        assert response.status == 400
        assert json.loads(await response.text()) == {
            "error": "'response_format.type' must be 'json_schema' or 'text'"
        }
        answer = json.loads(
            (await answer_of(server, chat_body("p", response_format=strict(without_title()))))[0]
        )
        assert "title" not in answer
        text, _ = await answer_of(server, chat_body("p", schema_in_prompt=without_title()))
    assert "```json\n{" in text and not text.startswith("{")


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
async def test_plain_answers_prose_around_fenced_json(stream: bool) -> None:
    async with FakeOpenAI(personality="plain") as server:
        body = chat_body(
            "Write exactly 2 pages.",
            schema_in_prompt=story_plan_schema(2),
            response_format=strict(without_title()),  # ignored
            stream=stream,
        )
        text, finish = await answer_of(server, body)
    head, rest = text.split("```json\n", 1)
    inner, tail = rest.split("\n```", 1)
    assert head == "Here is your story:\n" and tail == "\nI hope you like it!"
    assert StoryPlan.model_validate_json(inner) == default_story(2) and finish == "stop"


def test_unknown_personality_is_refused() -> None:
    with pytest.raises(ValueError, match="personality"):
        FakeOpenAI(personality="vllm")

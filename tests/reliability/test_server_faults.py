"""Server faults through the real command line: exit codes, page states, reasons, resume.

Each case runs `studio generate --engine openai` in a child process against the fake
OpenAI-compatible server with one fault injected, checks the bundle with
`studio check --json` and book.json, clears the fault and runs `studio resume`,
which must finish the book. The fast cases run by default; the rest are `slow`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from studio.cli import check_bundle
from tests.fakes.server import FakeOpenAIThread, Fault
from tests.reliability.helpers import (
    CANARY,
    assert_consistent,
    check_json,
    studio,
    studio_env,
    understandable,
)

PAGES = 3
ONE_PAGE = "(page 2)"  # the fake story's scene for page 2 ends so; its picture prompt has it


@dataclass(frozen=True)
class Case:
    fault: Fault
    endpoint: str  # "chat" or "images"
    times: int
    code: int  # exit code of the faulty run
    says: tuple[str, ...] = ()  # words the reason (book.json / stderr) must contain
    image_model: str | None = None
    short_timeouts: bool = False
    marks: tuple[pytest.MarkDecorator, ...] = field(default=())

    @property
    def outcome(self) -> str:
        if self.code == 0:
            return "complete"
        if self.code == 3:
            return "page 2 failed"
        if self.fault is Fault.UNAUTHORIZED:
            return "stopped"
        return "plan failed"


slow = pytest.mark.slow

CASES = {
    # rate limits: retried after Retry-After, never a failure
    "429-images": Case(Fault.RATE_LIMIT, "images", 2, 0, marks=(slow,)),
    "429-chat": Case(Fault.RATE_LIMIT, "chat", 2, 0, marks=(slow,)),
    # server errors: retried; if they persist, that page (or the story) fails with a reason
    "500-images-once": Case(Fault.SERVER_ERROR, "images", 1, 0, marks=(slow,)),
    "500-images": Case(Fault.SERVER_ERROR, "images", 99, 3, ("500",)),
    "500-chat": Case(Fault.SERVER_ERROR, "chat", 99, 1, ("500",), marks=(slow,)),
    "503-images": Case(Fault.UNAVAILABLE, "images", 99, 3, ("503",), marks=(slow,)),
    "503-chat": Case(Fault.UNAVAILABLE, "chat", 99, 1, ("503",), marks=(slow,)),
    "reset-images": Case(Fault.RESET, "images", 99, 3, ("connection",), marks=(slow,)),
    "reset-chat": Case(Fault.RESET, "chat", 99, 1, ("connection",), marks=(slow,)),
    # a server that never answers, and a stream that stops half-way
    "hang-images": Case(Fault.HANG, "images", 99, 3, ("in time",), short_timeouts=True),
    "hang-chat": Case(
        Fault.HANG, "chat", 99, 1, ("story", "in time"), short_timeouts=True, marks=(slow,)
    ),
    "stall-images": Case(
        Fault.STALL, "images", 99, 3, ("in time",), short_timeouts=True, marks=(slow,)
    ),
    "stall-chat": Case(
        Fault.STALL,
        "chat",
        99,
        1,
        ("story", "in time"),
        short_timeouts=True,
        marks=(slow,),
    ),
    "hang-images-once": Case(Fault.HANG, "images", 1, 0, short_timeouts=True, marks=(slow,)),
    "truncated-images": Case(Fault.TRUNCATED, "images", 99, 3, ("ended",), marks=(slow,)),
    "truncated-chat": Case(Fault.TRUNCATED, "chat", 99, 1, ("ended",)),
    # what the model says
    "invalid-json-chat-once": Case(Fault.INVALID_JSON, "chat", 1, 0, marks=(slow,)),
    "invalid-json-chat": Case(Fault.INVALID_JSON, "chat", 99, 1, ("JSON",), marks=(slow,)),
    "invalid-json-images": Case(
        Fault.INVALID_JSON, "images", 99, 3, image_model="dall-e-3", marks=(slow,)
    ),
    "refusal": Case(Fault.REFUSAL, "chat", 99, 1, ("declined",), marks=(slow,)),
    "length": Case(Fault.LENGTH, "chat", 99, 1, ("cut off",), marks=(slow,)),
    "content-policy-one-picture": Case(
        Fault.CONTENT_POLICY, "images", 99, 3, ("refused",), marks=(slow,)
    ),
    # the key
    "401-chat": Case(
        Fault.UNAUTHORIZED, "chat", 99, 2, ("OPENAI_API_KEY", "Settings"), marks=(slow,)
    ),
    "401-images": Case(Fault.UNAUTHORIZED, "images", 99, 2, ("OPENAI_API_KEY", "Settings")),
    # what comes back instead of a picture
    "url-404": Case(
        Fault.URL_404, "images", 99, 3, ("404",), image_model="dall-e-3", marks=(slow,)
    ),
    "not-an-image": Case(Fault.NOT_IMAGE, "images", 99, 3, ("not a picture",), marks=(slow,)),
    "20000x20000-png": Case(Fault.OVERSIZED, "images", 99, 3, ("too large",), marks=(slow,)),
}


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=name, marks=c.marks) for name, c in CASES.items()],
)
def test_fault_through_the_cli_then_resume_finishes(case: Case, tmp_path: Path) -> None:
    env = studio_env(tmp_path / "home", OPENAI_API_KEY=CANARY)
    library = tmp_path / "library"
    with FakeOpenAIThread(pages=PAGES, retry_after=0.4) as server:
        match = (
            ONE_PAGE if case.endpoint == "images" and case.fault is not Fault.UNAUTHORIZED else None
        )
        server.inject(case.fault, endpoint=case.endpoint, times=case.times, match=match)
        model = ["--image-model", case.image_model] if case.image_model else []
        # A story fault is judged on the whole-story call; falling back page by page
        # is tested with the fakes that answer each call from its own schema.
        route = ["--plan", "whole"] if case.endpoint == "chat" else []
        run = studio(
            "--library", library, "generate", "a fox who finds a lantern", "--pages", PAGES,
            "--engine", "openai", "--base-url", server.base_url, *model, *route,
            env=env, short_timeouts=case.short_timeouts,
        )  # fmt: skip
        assert run.code == case.code, (run.code, run.stderr)
        assert CANARY not in run.stdout + run.stderr
        assert "Traceback" not in run.stderr, run.stderr
        bundle = run.bundle
        assert bundle is not None, run.stdout

        report = check_json(bundle, env)
        state = assert_consistent(bundle)
        book = state["book"]
        reason = _reason(case, book, run.stderr)
        for word in case.says:
            assert word.lower() in reason.lower(), (word, reason)

        if case.outcome == "complete":
            assert report["valid"] and report["images_done"] == PAGES, report
            assert run.code == 0
        elif case.outcome == "page 2 failed":
            assert report["failed_pages"] == [2] == state["failed"], report
            assert state["done"] == PAGES - 1
            assert understandable(reason), reason
        elif case.outcome == "plan failed":
            assert book.plan_status.value == "failed" and understandable(book.plan_error)
            assert book.plan_error in run.stderr
        else:  # a rejected key stops everything at once, failing nothing
            _assert_stopped_at_once(case, server, state, run.stderr)

        if case.fault is Fault.RATE_LIMIT:
            _assert_retry_after_honoured(server, case.endpoint, 0.4)

        server.clear_faults()
        again = studio("resume", bundle, env=env, short_timeouts=case.short_timeouts)
        assert again.code == 0, again.stderr
        assert CANARY not in again.stdout + again.stderr

    final = check_bundle(bundle)
    assert final["valid"] and final["images_done"] == PAGES and not final["failed_pages"], final
    assert assert_consistent(bundle)["done"] == PAGES


def _reason(case: Case, book, stderr: str) -> str:  # type: ignore[no-untyped-def]
    if case.outcome == "page 2 failed":
        return book.page(2).image.error or ""
    if case.outcome == "plan failed":
        return book.plan_error or ""
    return stderr


def _assert_stopped_at_once(case: Case, server, state, stderr: str) -> None:  # type: ignore[no-untyped-def]
    assert state["failed"] == [], "a rejected key must not fail the pages one by one"
    assert stderr.count("401") == 1, stderr
    images = server.requests_to("images")
    if case.endpoint == "chat":
        assert images == [] and len(server.requests_to("chat")) == 1
    else:
        # no retries: at most one request per page (those already in flight)
        assert len(images) <= PAGES, len(images)


def _assert_retry_after_honoured(server, endpoint: str, seconds: float) -> None:  # type: ignore[no-untyped-def]
    calls = server.requests_to(endpoint)
    limited = [r for r in calls if r.status == 429]
    assert limited, "the fault was not drawn"
    for r in limited:
        later = [c.started for c in calls if c.started >= r.started and c is not r]
        if endpoint == "images":
            later = [
                c.started
                for c in calls
                if c.started > r.started and ONE_PAGE in str(c.body.get("prompt", ""))
            ]
        assert later, "the request was not tried again"
        assert min(later) - (r.finished or r.started) >= seconds * 0.9, "Retry-After not honoured"

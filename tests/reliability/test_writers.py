"""One book, several writers: nothing any of them saved is lost.

A run draws the book while other writers act on it at random moments, each
through the studio's own code: review notes (`Bundle.update`, as `studio
review` does), page edits from a second copy of the book (a `BookStore`, as
the window holds), renames, a second run (refused), and sometimes a delete
(which stops the run; no bundle comes back). Afterwards every change that was
saved is still in `book.json`, every picture is there, and no file is orphaned.

The command-line tests do the same with real `studio` processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.core.book import Book, GenerationSettings, PlanStatus, ReviewState
from studio.core.config import resolve
from studio.core.library import BookBusyError, BookStore, Bundle, Library
from studio.core.pipeline import Outcome, PipelineConfig
from studio.core.review import set_review
from studio.core.services import open_services
from tests.fakes.server import FakeOpenAI, FakeOpenAIThread
from tests.reliability.helpers import REPO, studio, studio_env

FAST = PipelineConfig(
    concurrency=2, call_timeout=5.0, backoff_base=0.01, max_attempts=3, max_rate_limited=4
)
SEEDS = int(os.environ.get("RELIABILITY_WRITER_SEEDS", "24"))
"""Interleavings run (RELIABILITY_WRITER_STATS=FILE appends what each one did to FILE)."""


@pytest.fixture(autouse=True)
def _own_lock_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_LOCK_DIR", str(tmp_path / "locks"))


@dataclasses.dataclass
class Interleaving:
    seed: int
    outcome: str = ""
    notes: dict[int, str] = dataclasses.field(default_factory=dict)
    texts: dict[int, str] = dataclasses.field(default_factory=dict)
    title: str | None = None
    refused: int = 0
    deleted: bool = False
    complete_when_deleted: bool = False
    operations: int = 0


def _new_bundle(root: Path, server: FakeOpenAI, pages: int) -> Bundle:
    settings = GenerationSettings(
        premise="a fox who is afraid of the dark",
        pages=pages,
        engine="openai",
        base_url=server.base_url,
        text_model="gpt-4.1-mini",
        image_model="gpt-image-1",
        concurrency=2,
    )
    return Library(root).create(Book(settings=settings))


async def _interleave(root: Path, server: FakeOpenAI, seed: int) -> tuple[Bundle, Interleaving]:
    rng = random.Random(seed)
    server.image_latency, server.image_jitter = 0.06, 0.05
    library = Library(root)
    bundle = _new_bundle(root, server, pages=rng.choice([3, 4, 5]))
    engine = resolve("openai", base_url=server.base_url, api_key="sk-test-writers")
    seen = Interleaving(seed)
    async with open_services(engine) as services:
        loop = asyncio.get_running_loop()

        def later(fn: object, *args: object) -> asyncio.Future[object]:
            return loop.run_in_executor(services.executor, fn, *args)  # type: ignore[arg-type]

        store = BookStore(bundle, bundle.load(), services.executor)
        run = asyncio.ensure_future(services.pipeline(store, None, FAST).run())
        window: BookStore | None = None
        step = 0
        while not run.done():
            await asyncio.sleep(rng.uniform(0.0, 0.05))
            step += 1
            on_disk: Book = await later(bundle.load)  # type: ignore[assignment]
            written = on_disk.plan_status is PlanStatus.DONE and on_disk.pages
            op = rng.choice(["review", "edit", "edit", "rename", "refresh", "second", "delete"])
            if op == "review" and written:
                number = rng.randint(1, len(on_disk.pages))
                note = f"note {seed}.{step}"

                def review(book: Book, number: int = number, note: str = note) -> None:
                    set_review(book, number, ReviewState.NEEDS_CHANGES, note)

                await later(bundle.update, review)
                seen.notes[number] = note
            elif op == "edit" and written:
                window = window or BookStore(bundle, on_disk, services.executor)
                number = rng.randint(1, len(window.book.pages))
                text = f"Edited words {seed}.{step}."
                window.book.page(number).text = text
                await window.save()
                seen.texts[number] = text
            elif op == "rename" and on_disk.title:
                seen.title = f"Renamed {seed}.{step}"
                await later(library.rename, bundle, seen.title)
            elif op == "refresh" and window is not None:
                before = sum(p.is_done for p in window.book.pages)
                await window.refresh()
                assert sum(p.is_done for p in window.book.pages) >= before
            elif op == "second":
                other = BookStore(bundle, on_disk, services.executor)
                try:
                    await services.pipeline(other, None, FAST).run()
                except BookBusyError as err:
                    assert "already being generated" in str(err)
                    seen.refused += 1
                else:  # only once the first run let go of the book
                    assert run.done()
                    break
            elif op == "delete" and rng.random() < 0.12:
                await later(library.delete, bundle)
                seen.deleted = True
                seen.complete_when_deleted = all(p.is_done for p in on_disk.pages)
                break
            else:
                continue
            seen.operations += 1
        finished = await run
        seen.outcome = finished.outcome
    return bundle, seen


def _judge(bundle: Bundle, seen: Interleaving) -> None:
    if seen.deleted:
        # a run whose last save came before the delete ended as it was; any other stopped
        assert seen.outcome == Outcome.DELETED or seen.complete_when_deleted, seen
        time.sleep(0.05)
        assert not bundle.path.exists(), f"seed {seen.seed}: the deleted bundle came back"
        assert list(bundle.path.parent.iterdir()) == [], "the delete left something behind"
        return
    assert seen.outcome == Outcome.COMPLETE, seen
    book = bundle.load()
    assert book.is_complete
    for number, note in seen.notes.items():
        assert book.page(number).review.notes == note, (seen, number)
    for number, text in seen.texts.items():
        assert book.page(number).text == text, (seen, number)
    if seen.title is not None:
        assert book.title == seen.title, seen
    referenced = set()
    for page in book.pages:
        assert page.image.current is not None
        for name in (page.image.current.original, page.image.current.display):
            assert bundle.image_path(name).is_file(), (seen, name)
        for version in [page.image.current, *page.image.history]:
            referenced |= {version.original, version.display, version.thumbnail}
    on_disk = {p.name for p in bundle.images_dir.iterdir() if not p.name.startswith(".")}
    assert on_disk <= referenced, f"orphaned: {sorted(on_disk - referenced)}"


@pytest.mark.parametrize("seed", range(SEEDS))
async def test_random_interleavings_lose_nothing(
    tmp_path: Path, fake_openai: FakeOpenAI, seed: int
) -> None:
    bundle, seen = await _interleave(tmp_path / "library", fake_openai, seed)
    _judge(bundle, seen)
    if stats := os.environ.get("RELIABILITY_WRITER_STATS"):
        _record(Path(stats), seen)


def _record(path: Path, seen: Interleaving) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(dataclasses.asdict(seen)) + "\n")


async def test_a_window_edit_during_a_run_keeps_the_runs_pictures(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    fake_openai.image_latency = 0.15
    bundle = _new_bundle(tmp_path / "library", fake_openai, pages=4)
    engine = resolve("openai", base_url=fake_openai.base_url, api_key="sk-test-writers")
    async with open_services(engine) as services:
        store = BookStore(bundle, bundle.load(), services.executor)
        run = asyncio.ensure_future(services.pipeline(store, None, FAST).run())
        for _ in range(3000):  # until the first picture is saved
            if any(p.is_done for p in bundle.load().pages):
                break
            await asyncio.sleep(0.02)
        window = BookStore(bundle, bundle.load(), services.executor)
        window.book.page(4).text = "The window's words."
        await window.save()
        finished = await run
        assert finished.outcome == Outcome.COMPLETE
        # the run's copy took the edit in, in place; the window's copy takes the pictures in
        assert store.book.page(4).text == "The window's words."
        assert await window.refresh()
        assert window.book.is_complete
    book = bundle.load()
    assert book.page(4).text == "The window's words."
    assert book.is_complete
    assert book.revision >= 6


# --- real processes ---------------------------------------------------------------------


def _start(*args: str | Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "studio", *map(str, args)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(condition: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def _first_bundle(library: Path) -> Path | None:
    found = sorted(library.glob("*.storybook")) if library.is_dir() else []
    return found[0] if found and (found[0] / "book.json").exists() else None


def _pictures_done(bundle: Path) -> int:
    try:
        return sum(p.is_done for p in Bundle(bundle).load().pages)
    except Exception:
        return 0


@contextlib.contextmanager
def _generating(
    library: Path, premise: str, server: FakeOpenAIThread, env: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """`studio generate` of a 6-page book, one picture at a time, and its bundle once
    its first picture is saved; the process is killed if the test leaves it running."""
    args = ["--library", library, "generate", premise, "--pages", 6]
    args += ["--engine", "openai", "--base-url", server.base_url, "--concurrency", 1]
    generate = _start(*args, env={**env, "OPENAI_API_KEY": "sk-test-writers"})
    try:
        _wait_for(lambda: (b := _first_bundle(library)) is not None and _pictures_done(b) >= 1)
        bundle = _first_bundle(library)
        assert bundle is not None
        yield generate, bundle
    finally:
        generate.kill()
        generate.wait()


def test_cli_second_run_is_refused_and_a_review_during_a_run_is_kept(tmp_path: Path) -> None:
    env = studio_env(tmp_path, STUDIO_LOCK_DIR=os.environ["STUDIO_LOCK_DIR"])
    library = tmp_path / "library"
    # pictures take 3 s each, one at a time, until the checks are done
    with (
        FakeOpenAIThread(pages=6, image_latency=3.0) as server,
        _generating(library, "a hedgehog who bakes bread", server, env) as (generate, bundle),
    ):
        second = studio("resume", bundle, env={**env, "OPENAI_API_KEY": "sk-test"})
        assert second.code == 4, second.stderr
        assert "is being generated by another Story Studio process" in second.stderr
        assert f"studio generate, process {generate.pid}" in second.stderr
        again = studio("regenerate", bundle, "--page", 1, "--picture", env=env)
        assert again.code == 4, again.stderr
        review = studio("review", bundle, "--page", 2, "--state", "needs_changes",
                        "--note", "The bread should be round.", env=env)  # fmt: skip
        assert review.code == 0, review.stderr
        assert generate.poll() is None, "the run ended before the checks were made"
        server.server.image_latency = 0.0
        _, err = generate.communicate(timeout=120)
    assert generate.returncode == 0, err
    book = Bundle(bundle).load()
    assert book.is_complete
    assert book.page(2).review.notes == "The bread should be round."
    assert book.page(2).review.state is ReviewState.NEEDS_CHANGES
    # the lock went with the run: the next resume is not refused
    after = studio("resume", bundle, env={**env, "OPENAI_API_KEY": "sk-test"}, timeout=60)
    assert after.code != 4, after.stderr


def test_cli_run_stops_when_its_book_is_deleted(tmp_path: Path) -> None:
    env = studio_env(tmp_path, STUDIO_LOCK_DIR=os.environ["STUDIO_LOCK_DIR"])
    library = tmp_path / "library"
    with (
        FakeOpenAIThread(pages=6, image_latency=0.6) as server,
        _generating(library, "an otter who collects shells", server, env) as (generate, bundle),
    ):
        Library(library).delete(Bundle(bundle))
        _, err = generate.communicate(timeout=120)
    assert generate.returncode == 5, err
    assert "was deleted" in err
    time.sleep(0.2)
    assert not bundle.exists(), "the run recreated the deleted book"
    assert list(library.iterdir()) == []

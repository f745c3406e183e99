"""One generation: a streamed story plan whose pages are illustrated as they arrive.

The plan call streams JSON; each page is saved and its picture requested the
moment its object is complete. Pictures run concurrently under an adaptive
limit, are verified and resized in the executor, and are written to disk
before the page is marked done. Cancelling the task that runs `run()` stops
every request, keeps what is done and leaves the book resumable.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from concurrent.futures import Executor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import ValidationError

from studio.core import imaging
from studio.core.book import (
    Book,
    Character,
    ImageStatus,
    ImageVersion,
    Page,
    PagePlan,
    PlanStatus,
    StoryOutline,
    StoryPlan,
    StyleGuide,
    TextVersion,
    UsageRecord,
)
from studio.core.budget import Budget
from studio.core.charsheet import CharacterSheet
from studio.core.events import (
    BudgetReached,
    Event,
    ImageFailed,
    ImagePartial,
    ImageReady,
    ImageStarted,
    Notice,
    Outcome,
    PageTextChanged,
    PageTextReady,
    PlanFailed,
    PlanStarted,
    RunFinished,
    StopReason,
    StoryProgress,
    StoryWaiting,
    TitleReady,
    UsageUpdated,
)
from studio.core.library import BookGoneError, BookStore, Bundle, StorageError
from studio.core.limits import AdaptiveLimiter
from studio.core.pricing import estimate_image_cost, estimate_text_cost
from studio.core.prompting import image_request, story_beats
from studio.core.providers.base import (
    AuthError,
    FormatRejected,
    ImageProvider,
    ImageRequest,
    ImageResult,
    NoImageEndpoint,
    PageRequest,
    PageRewriteRequest,
    PlanDone,
    PlanError,
    PlanRequest,
    ProviderError,
    RateLimited,
    TextProvider,
)
from studio.core.retry import RetryPolicy
from studio.core.streamjson import PageObject, ParsedItem, PlanStreamParser, extract_json_object

log = logging.getLogger(__name__)
T = TypeVar("T")

CANCEL_AGAIN_SECONDS = 0.2
"""How often `Pipeline.cancel` cancels again what has not stopped yet."""


class PlanMode(StrEnum):
    AUTO = "auto"  # the whole plan in one call; page by page if that fails
    WHOLE = "whole"
    PER_PAGE = "per-page"


@dataclass
class PipelineConfig:
    concurrency: int = 4
    max_attempts: int = 4
    max_rate_limited: int = 30
    call_timeout: float = 240.0
    stream_idle_timeout: float = 90.0
    backoff_base: float = 0.5
    budget_usd: float | None = None
    character_lock: bool = False
    plan_mode: PlanMode = PlanMode.AUTO
    plan_seconds_base: float = 120.0
    plan_seconds_per_page: float = 30.0
    """A whole plan (or an outline) may take base + pages x per-page seconds, a page's
    call twice the per-page share; then it is given up with a sentence saying so."""
    waiting_after: float = 3.0
    """Seconds without a word from the story server before the wait is shown."""

    def plan_deadline(self, pages: int) -> float:
        return self.plan_seconds_base + self.plan_seconds_per_page * pages

    @property
    def page_deadline(self) -> float:
        return max(60.0, 2 * self.plan_seconds_per_page)


class _Stop(Exception):
    """Stops the whole run (a rejected key, a disk that cannot be written)."""

    def __init__(self, message: str, reason: StopReason) -> None:
        super().__init__(message)
        self.reason = reason


def _stop_for(err: AuthError | StorageError) -> _Stop:
    reason = StopReason.KEY_REJECTED if isinstance(err, AuthError) else StopReason.CANNOT_SAVE
    return _Stop(str(err), reason)


class Pipeline:
    def __init__(
        self,
        store: BookStore,
        text: TextProvider,
        images: ImageProvider,
        *,
        executor: Executor | None = None,
        emit: Callable[[Event], None] | None = None,
        config: PipelineConfig | None = None,
    ) -> None:
        self.store = store
        self.text = text
        self.images = images
        self.config = config or PipelineConfig()
        self._executor = executor
        self._emit_cb = emit
        self.limiter = AdaptiveLimiter(self.config.concurrency)
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._group: asyncio.TaskGroup | None = None
        self._last_failure: dict[int, str] = {}
        self._stopped: str | None = None
        self.retry = RetryPolicy(
            self.config.max_attempts, self.config.max_rate_limited, self.config.backoff_base
        )
        self.budget = Budget(
            self.config.budget_usd,
            lambda: self.book.usage.cost_usd,
            lambda spent, limit: self._emit(BudgetReached(spent_usd=spent, budget_usd=limit)),
        )
        self.sheet = CharacterSheet(
            lambda: self.book,
            images,
            enabled=self.config.character_lock,
            ask=self._ask_for_sheet,
            keep=lambda stem, data, prompt: _to_the_end(self._render_and_write(stem, data, prompt)),
            read=self._read_picture,
            path=lambda name: str(self.store.bundle.image_path(name)),
            emit=self._emit,
            changed=self._save_soon,
        )
        self._failed_this_run: set[int] = set()
        self._activity = time.monotonic()
        self._waiting_for: tuple[str, float, float] | None = None
        """What the story server is working on, since when, and its time limit."""
        self._no_pictures: str | None = None
        self._whole_failed = ""
        self._run_task: asyncio.Task[Any] | None = None
        self._cancelling = False
        self._finishing = False

    @property
    def book(self) -> Book:
        return self.store.book

    # --- running ---------------------------------------------------------------------

    def cancel(self) -> None:
        """Stop the run, rewrite or redraw now; what was done stays saved.

        Requests in flight are cancelled, and cancelled again every 0.2 s until they
        have stopped: on Python 3.11 a library's `asyncio.wait_for` can drop a
        cancellation that lands as its awaited call completes (bpo-42130).
        """
        self._cancelling = True
        self._cancel_in_flight()

    def _cancel_in_flight(self) -> None:
        live = [t for t in self._tasks.values() if not t.done()]
        run = self._run_task
        if run is not None and not run.done() and not self._finishing:
            live.append(run)
        for task in live:
            task.cancel()
        if live:
            asyncio.get_running_loop().call_later(CANCEL_AGAIN_SECONDS, self._cancel_in_flight)

    async def run(self) -> RunFinished:
        """Plan what is missing, illustrate what is not done, return how it ended.

        Raises BookBusyError at once when another run holds the book."""
        with self.store.generating():
            self._run_task = asyncio.current_task()
            return await self._run()

    async def _run(self) -> RunFinished:
        async def body() -> None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, self.store.bundle.remove_stale_temp_files)
            await self._plan_if_needed()
            self._start_missing_images()

        ended = await self._in_group(body, "Cancelled; what was done is saved.")
        if ended is not None:
            return ended
        return await self._finish(self._outcome(), "")

    async def regenerate_image(self, number: int, prompt: str | None = None) -> RunFinished:
        """Draw one page's picture again; the current one moves to its history."""
        with self.store.generating():
            self._run_task = asyncio.current_task()
            return await self._regenerate_image(number, prompt)

    async def _regenerate_image(self, number: int, prompt: str | None) -> RunFinished:
        async def body() -> None:
            self._maybe_start_sheet()  # a locked book's redraw has the sheet as its reference
            self._start_image(number, prompt, force=True)

        ended = await self._in_group(body, "Cancelled.")
        if ended is not None:
            return ended
        failure = self._last_failure.pop(number, None)
        if failure is not None:
            return RunFinished(outcome=Outcome.FAILED_PAGES, message=failure)
        if self.budget.noted:  # the budget was reached before the picture was asked for
            return RunFinished(outcome=Outcome.BUDGET, message=self._describe(Outcome.BUDGET))
        return RunFinished(outcome=Outcome.COMPLETE, message="")

    async def _in_group(
        self, body: Callable[[], Awaitable[None]], cancelled: str
    ) -> RunFinished | None:
        """Run `body` and the tasks it starts. Returns how the run ended when it was
        stopped (a rejected key, a full disk); saves and re-raises on cancel."""
        try:
            stopped = await self._run_group(body)
        except asyncio.CancelledError:
            await asyncio.shield(self._finish(Outcome.CANCELLED, cancelled))
            raise
        if stopped is None:
            return None
        return await self._finish(Outcome.STOPPED, str(stopped), stopped.reason)

    async def _run_group(self, body: Callable[[], Awaitable[None]]) -> _Stop | None:
        """Run `body` and the tasks it starts; return why the run was stopped, if it was."""
        stopped: _Stop | None = None
        self._stopped = None
        try:
            async with asyncio.TaskGroup() as group:
                self._group = group
                await body()
        except* _Stop as group_error:
            first = group_error.exceptions[0]
            stopped = first if isinstance(first, _Stop) else None
        except* Exception as group_error:
            log.error("The run failed", exc_info=group_error.exceptions[0])
            message = f"Unexpected error: {group_error.exceptions[0]}"
            stopped = _Stop(message, StopReason.UNEXPECTED)
        finally:
            self._group = None
        return stopped

    async def regenerate_text(self, number: int, instruction: str = "") -> Page:
        """Rewrite one page's text (and scene); the old text moves to its history."""
        with self.store.generating():
            self._run_task = asyncio.current_task()
            return await self._regenerate_text(number, instruction)

    async def _regenerate_text(self, number: int, instruction: str) -> Page:
        book = self.book
        request = PageRewriteRequest(
            title=book.display_title,
            premise=book.settings.premise,
            pages_text=[p.text for p in book.pages],
            number=number,
            instruction=instruction,
            audience_age=book.settings.audience_age,
            language=book.language,
        )
        result = await self._with_retries(lambda: self.text.rewrite_page(request))
        self._record(result.usage)
        page: Page = book.page(number)
        page.text_history.append(TextVersion(text=page.text, scene=page.scene))
        page.text, page.scene = result.text, result.scene
        await self.store.save()
        self._emit(PageTextChanged(page=page.model_copy(deep=True)))
        return page

    async def _finish(
        self, outcome: Outcome, message: str, stop: StopReason | None = None
    ) -> RunFinished:
        self._finishing = True  # its save is not cancelled again
        for page in self.book.pages:
            if page.image.status in (ImageStatus.RUNNING, ImageStatus.PENDING):
                has_picture = page.image.current is not None
                page.image.status = ImageStatus.DONE if has_picture else ImageStatus.PENDING
        try:
            await self.store.save()
        except BookGoneError as err:
            outcome, message, stop = Outcome.DELETED, str(err), None
        except StorageError as err:
            outcome, message, stop = Outcome.STOPPED, str(err), StopReason.CANNOT_SAVE
        finished = RunFinished(
            outcome=outcome, message=message or self._describe(outcome), stop=stop
        )
        self._emit(finished)
        return finished

    def _outcome(self) -> Outcome:
        book = self.book
        if book.plan_status is PlanStatus.FAILED:
            return Outcome.PLAN_FAILED
        if book.is_complete:
            return Outcome.COMPLETE
        if book.failed_pages:
            return Outcome.FAILED_PAGES
        return Outcome.BUDGET if self.budget.reached() else Outcome.FAILED_PAGES

    def _describe(self, outcome: Outcome) -> str:
        book = self.book
        if outcome is Outcome.COMPLETE:
            return f"Finished: {len(book.pages)} pages with pictures."
        if outcome is Outcome.PLAN_FAILED:
            return book.plan_error or "The story could not be written."
        if outcome is Outcome.BUDGET:
            return (
                f"Stopped at the budget of ${self.config.budget_usd or 0:.2f}; "
                "resume to finish the remaining pages."
            )
        failed = ", ".join(str(n) for n in book.failed_pages)
        return f"Saved. Pages {failed} failed; retry them or resume later." if failed else ""

    # --- the story -------------------------------------------------------------------

    async def _plan_if_needed(self) -> None:
        book = self.book
        if book.plan_status is PlanStatus.DONE:
            return
        self._emit(PlanStarted(pages=book.settings.pages))
        request = PlanRequest(
            premise=book.settings.premise,
            pages=book.settings.pages,
            audience_age=book.settings.audience_age,
            art_style=book.settings.art_style,
            language=book.language,
            understanding=book.settings.understanding,
        )
        ticker = self._spawn(self._tick_waiting())
        try:
            await self._write_story(request)
        except AuthError as err:
            raise _stop_for(err) from err
        except ProviderError as err:
            await self._plan_failed(str(err))
        finally:
            if ticker is not None:
                ticker.cancel()

    async def _write_story(self, request: PlanRequest) -> None:
        mode = self.config.plan_mode
        if mode is not PlanMode.PER_PAGE and not self.book.outline:
            try:
                plan = await self._timed(
                    "the story",
                    self.config.plan_deadline(request.pages),
                    lambda: self._with_retries(lambda: self._stream_plan(request)),
                )
                await self._accept_plan(plan)
                return
            except (PlanError, FormatRejected) as err:
                if mode is PlanMode.WHOLE:
                    raise
                self._whole_failed = str(err)
                self._emit(
                    Notice(
                        message=f"The whole story did not come out ({err}) "
                        "Writing it page by page instead."
                    )
                )
        await self._plan_per_page(request)

    async def _timed(self, what: str, limit: float, call: Callable[[], Awaitable[T]]) -> T:
        """`call()`, given up after `limit` seconds with a PlanError saying so; while it
        runs, the wait is shown once the server has been silent for a few seconds."""
        self._waiting_for = (what, time.monotonic(), limit)
        self._activity = time.monotonic()
        try:
            async with asyncio.timeout(limit):
                return await call()
        except TimeoutError:
            error = PlanError(
                f"The story server took longer than {limit:.0f} s, the limit for {what} of "
                f"a {self.book.settings.pages}-page book, and was given up. Try again, fewer "
                "pages, a faster model, or writing page by page (--plan per-page)."
            )
            raise error from None
        finally:
            self._waiting_for = None

    async def _tick_waiting(self) -> None:
        """Say, about once a second, that the studio is waiting and for how long."""
        while True:
            await asyncio.sleep(1.0)
            waiting = self._waiting_for
            now = time.monotonic()
            if waiting is None or now - self._activity < self.config.waiting_after:
                continue
            what, since, limit = waiting
            self._emit(
                StoryWaiting(what=what, seconds=round(now - since, 1), limit=round(limit, 1))
            )

    # --- the per-page route --------------------------------------------------------------

    async def _plan_per_page(self, request: PlanRequest) -> None:
        """An outline first, then one small call per page; each page's picture starts
        when its page arrives. Pages that still fail are marked failed, with the reason."""
        book = self.book
        if not book.outline:
            await self._write_outline(request)
        failed: dict[int, str] = {}
        for index in range(book.settings.pages):
            if index < len(book.pages) and book.pages[index].text.strip():
                continue
            try:
                plan = await self._write_one_page(index + 1)
            except (PlanError, FormatRejected) as err:
                failed[index + 1] = str(err)
                self._put_unwritten_page(index, str(err))
                continue
            self._put_page(index, plan)
        if failed:
            numbers = ", ".join(str(n) for n in failed)
            first = next(iter(failed.values()))
            which = f"Pages {numbers}" if len(failed) > 1 else f"Page {numbers}"
            them = "them" if len(failed) > 1 else "it"
            whole = (
                f"The whole story did not come out ({self._whole_failed}) "
                if self._whole_failed
                else ""
            )
            await self._plan_failed(
                f"{whole}{which} could not be written page by page either ({first}). "
                f"The rest is saved; resume to try {them} again."
                if whole
                else f"{which} could not be written ({first}). "
                f"The rest is saved; resume to try {them} again."
            )
            return
        book.plan_status, book.plan_error = PlanStatus.DONE, None
        self._maybe_start_sheet()
        self._save_soon()

    async def _write_outline(self, request: PlanRequest) -> None:
        book = self.book
        try:
            outline, usage = await self._timed(
                "the outline",
                self.config.plan_deadline(request.pages),
                lambda: self._with_retries(lambda: self.text.write_outline(request)),
            )
            self._record(usage)
        except (PlanError, FormatRejected) as err:
            self._emit(
                Notice(
                    message=f"The outline did not come out ({err}); "
                    "writing each page from a plain story shape."
                )
            )
            outline = _plain_outline(request)
        beats = story_beats(request.premise, request.pages)
        given = [line.strip() for line in outline.outline][: request.pages]
        given += [""] * (request.pages - len(given))
        lines = [
            line if len(line.split()) >= 3 else beat
            for line, beat in zip(given, beats, strict=True)
        ]
        if any(line is beat for line, beat in zip(lines, beats, strict=True)):
            self._emit(
                Notice(
                    message="Some lines of the model's outline were unusable; "
                    "the studio filled them with a plain story shape."
                )
            )
        if not book.title.strip() and outline.title.strip():
            book.title = outline.title.strip()
            self._emit(TitleReady(title=book.title))
        if book.style is None:
            book.style = outline.style
        if not book.characters:
            book.characters = _tidy_characters(outline.characters)
        book.outline = lines
        self._maybe_start_sheet()
        for page in book.pages:
            self._start_image_when_ready(page.number)
        self._save_soon()

    async def _write_one_page(self, number: int) -> PagePlan:
        book = self.book
        outline = tuple(book.outline) or tuple(p.text for p in book.pages)
        request = PageRequest(
            premise=book.settings.premise,
            title=book.display_title,
            characters=tuple(book.characters),
            outline=outline,
            number=number,
            earlier_pages=tuple(p.text for p in book.pages[: number - 1] if p.text),
            audience_age=book.settings.audience_age,
            language=book.language,
        )
        problem = ""
        for _ in range(PAGE_ATTEMPTS):  # a small model's bad answer is asked for again
            try:
                plan: PagePlan
                plan, usage = await self._timed(
                    f"page {number}",
                    self.config.page_deadline,
                    lambda: self._with_retries(lambda: self.text.write_page(request)),
                )
            except PlanError as err:
                problem = str(err)
                continue
            self._record(usage)
            plan = _tidy_page(plan, book.characters)
            problem = _unusable_page(plan, book, number - 1)
            if not problem:
                return plan
        raise PlanError(f"page {number} was still unusable after {PAGE_ATTEMPTS} tries: {problem}")

    def _put_unwritten_page(self, index: int, reason: str) -> None:
        """A page whose words could not be written: saved empty, failed with the reason."""
        book = self.book
        page = Page(number=index + 1, text="", scene="")
        page.image.status, page.image.error = ImageStatus.FAILED, reason
        if index < len(book.pages):
            book.pages[index] = page
        elif index == len(book.pages):
            book.pages.append(page)
        self._save_soon()
        self._emit(PageTextReady(page=page.model_copy(deep=True)))
        self._emit(ImageFailed(number=index + 1, reason=reason))

    async def _plan_failed(self, reason: str) -> None:
        self.book.plan_status = PlanStatus.FAILED
        self.book.plan_error = reason
        self._save_soon()
        self._emit(PlanFailed(reason=reason))

    async def _stream_plan(self, request: PlanRequest) -> StoryPlan:
        parser = PlanStreamParser()
        stream = self.text.stream_plan(request)
        with self.budget.streaming() as hold:
            async for item in _idle_timeout(stream, self.config.stream_idle_timeout):
                if isinstance(item, PlanDone):
                    hold.settle()
                    self._record(item.usage)
                    continue
                self._activity = time.monotonic()
                hold.update(self._text_cost_so_far(request, len(parser.text) + len(item)))
                for parsed in parser.feed(item):
                    self._accept_partial(parsed)
                self._emit(StoryProgress(chars=len(parser.text)))
        return await self._validated(request, parser.text)

    def _text_cost_so_far(self, request: PlanRequest, chars: int) -> float:
        prompt_tokens = 600 + len(request.premise) // 4
        return estimate_text_cost(self.text.model, prompt_tokens, chars // 4)

    async def _validated(self, request: PlanRequest, text: str) -> StoryPlan:
        problem = _plan_problem(extract_json_object(text), request.pages)
        if isinstance(problem, StoryPlan):
            return problem
        self._emit(
            Notice(message=f"The story needed fixing ({problem}); asking the model once more.")
        )
        repaired, done = await self._with_retries(
            lambda: self.text.repair_plan(request, text, problem)
        )
        self._record(done.usage)
        again = _plan_problem(extract_json_object(repaired), request.pages, require_count=False)
        if isinstance(again, StoryPlan):
            return again
        raise PlanError(f"The model's story did not have the expected shape: {again}.")

    def _accept_partial(self, parsed: ParsedItem) -> None:
        book = self.book
        try:
            if isinstance(parsed, PageObject):
                page = _tidy_page(PagePlan.model_validate(parsed.value), book.characters)
                usable = not _unusable_page(page, book, parsed.index)
                if parsed.index < book.settings.pages and usable:
                    self._put_page(parsed.index, page)
            elif parsed.key == "title" and isinstance(parsed.value, str):
                book.title = parsed.value
                self._emit(TitleReady(title=parsed.value))
            elif parsed.key == "style":
                book.style = StyleGuide.model_validate(parsed.value)
            elif parsed.key == "characters":
                book.characters = _tidy_characters(
                    [Character.model_validate(c) for c in parsed.value]
                )
                self._maybe_start_sheet()
        except (ValidationError, TypeError):
            return  # the whole plan is validated at the end

    async def _accept_plan(self, plan: StoryPlan) -> None:
        book = self.book
        if plan.title != book.title:
            book.title = plan.title
            self._emit(TitleReady(title=plan.title))
        book.style, book.characters = plan.style, _tidy_characters(plan.characters)
        pages = [_tidy_page(page, book.characters) for page in plan.pages[: book.settings.pages]]
        for index, page in enumerate(pages):
            if problem := _unusable_page(page, book, index):
                raise PlanError(f"the model's page {index + 1} was unusable: {problem}")
            self._put_page(index, page)
        if len(pages) < book.settings.pages:
            if len(pages) < 1:
                raise PlanError("The model wrote a story with no pages.")
            self._emit(
                Notice(
                    message=f"The model wrote {len(pages)} pages instead of {book.settings.pages}."
                )
            )
            book.settings.pages = len(pages)
        for i, page_plan in enumerate(pages):
            self._put_page(i, page_plan)
        del book.pages[len(pages) :]
        book.plan_status, book.plan_error = PlanStatus.DONE, None
        self._maybe_start_sheet()
        self._save_soon()

    def _put_page(self, index: int, plan: PagePlan) -> None:
        book = self.book
        number = index + 1
        if index < len(book.pages):
            old: Page = book.pages[index]
            if (old.text, old.scene, old.characters) == (plan.text, plan.scene, plan.characters):
                self._start_image_when_ready(number)  # a picture that failed is not asked again
                return
            task = self._tasks.pop(number, None)
            if task:
                task.cancel()
            self._failed_this_run.discard(number)
            book.pages[index] = _new_page(number, plan)
        else:
            if index > len(book.pages):
                return  # pages arrive in order; a gap means a malformed stream
            book.pages.append(_new_page(number, plan))
        self._save_soon()
        self._emit(PageTextReady(page=book.pages[index].model_copy(deep=True)))
        self._start_image_when_ready(number)

    # --- the pictures ----------------------------------------------------------------

    def _start_image_when_ready(self, number: int) -> None:
        if self.book.style is not None:
            self._start_image(number)

    def _start_missing_images(self) -> None:
        for page in self.book.pages:
            if not page.is_done:
                self._start_image(page.number)

    def _start_image(self, number: int, prompt: str | None = None, *, force: bool = False) -> None:
        running = self._tasks.get(number)
        if running and not running.done():
            return
        page = self.book.page(number)
        if not page.text.strip() and not page.scene.strip():
            return  # its words could not be written: nothing to draw yet
        if not force and (page.is_done or number in self._failed_this_run):
            return  # a picture that failed in this run is drawn again only when asked
        task = self._spawn(self._illustrate(number, prompt))
        if task is not None:
            self._tasks[number] = task

    async def _illustrate(self, number: int, prompt: str | None) -> None:
        try:
            await self._illustrate_with_retries(number, prompt)
        except (_Stop, asyncio.CancelledError):
            raise
        except (AuthError, StorageError) as err:
            raise _stop_for(err) from err
        except Exception as err:
            log.exception("Page %d failed unexpectedly", number)
            self._fail(number, f"Unexpected error: {err}")

    async def _illustrate_with_retries(self, number: int, prompt: str | None) -> None:
        async def attempt() -> None:
            await self.sheet.wait()
            if self.budget.reached(self._image_cost()):
                self.budget.note()
                return
            if self._no_pictures is not None:
                raise NoImageEndpoint(self._no_pictures)
            await self._attempt(number, prompt)

        try:
            await self.retry.run(
                attempt,
                server="image server",
                between=lambda: self._set_status(number, ImageStatus.PENDING, None),
                limiter_waits=True,  # the limiter holds the next call until the server has room
            )
        except NoImageEndpoint as err:
            self._no_pictures = str(err)  # every other page would be refused the same way
            self._fail(number, str(err))
        except AuthError:
            raise
        except (ProviderError, imaging.ImageRejected) as err:
            self._fail(number, str(err))

    async def _attempt(self, number: int, prompt: str | None) -> None:
        with self.budget.holding(self._image_cost()):
            data, request = await self._request_image(number, prompt)
        await _to_the_end(self._store_image(number, data, request.prompt))

    def _image_cost(self) -> float:
        s = self.book.settings
        return estimate_image_cost(self.images.model, s.image_size, s.image_quality)

    async def _request_image(self, number: int, prompt: str | None) -> tuple[bytes, ImageRequest]:
        book = self.book
        request = image_request(book, book.page(number), prompt)
        if self.sheet.reference:
            request = _with_reference(request, self.sheet.reference)
        self._not_cancelled()
        async with self.limiter as slot:
            self._not_cancelled()
            if self._stopped is not None:
                raise _Stop(self._stopped, StopReason.KEY_REJECTED)
            if self._no_pictures is not None:
                raise NoImageEndpoint(self._no_pictures)  # every page would be refused alike
            self._set_status(number, ImageStatus.RUNNING, None)
            self._emit(ImageStarted(number=number))
            self._save_soon()

            def partial(data: bytes) -> None:
                self._emit(ImagePartial(number=number, data=data))

            try:
                async with asyncio.timeout(self.config.call_timeout):
                    result = await self.images.generate(request, partial)
            except RateLimited as err:
                self.limiter.penalize(err.retry_after, slot)
                raise
            except AuthError as err:
                self._stopped = str(err)  # no other request goes out after this one
                raise
        self.limiter.succeeded(slot)
        self._record(result.usage)
        return result.data, request

    async def _store_image(self, number: int, data: bytes, prompt: str) -> None:
        version = await self._render_and_write(f"p{number:03d}", data, prompt)
        illustration = self.book.page(number).image
        if illustration.current is not None:
            illustration.history.append(illustration.current)
        illustration.current = version
        self._set_status(number, ImageStatus.DONE, None)
        await self.store.save()
        self._emit(
            ImageReady(
                number=number,
                display_path=str(self.store.bundle.image_path(version.display)),
            )
        )

    async def _render_and_write(self, stem: str, data: bytes, prompt: str) -> ImageVersion:
        """Verify, make renditions and write all three files, in one executor job."""
        loop = asyncio.get_running_loop()
        tag = f"{stem}-{secrets.token_hex(3)}"
        return await loop.run_in_executor(
            self._executor,
            _render_and_write,
            self.store.bundle,
            tag,
            data,
            prompt,
            self.images.model,
        )

    def _set_status(self, number: int, status: ImageStatus, error: str | None) -> None:
        illustration = self.book.page(number).image
        illustration.status, illustration.error = status, error

    def _fail(self, number: int, reason: str) -> None:
        """Mark the picture failed; a page that already has a picture keeps it."""
        self._last_failure[number] = reason
        self._failed_this_run.add(number)
        has_picture = self.book.page(number).image.current is not None
        if has_picture:
            self._set_status(number, ImageStatus.DONE, None)
        else:
            self._set_status(number, ImageStatus.FAILED, reason)
        self._save_soon()
        self._emit(ImageFailed(number=number, reason=reason))

    # --- character sheet ---------------------------------------------------------------

    def _maybe_start_sheet(self) -> None:
        if self._group is not None and self.sheet.wanted():
            self.sheet.claim()
            self._spawn(self._draw_sheet())

    async def _draw_sheet(self) -> None:
        try:
            await self.sheet.draw()
        except AuthError as err:
            self._stopped = str(err)  # the pages waiting for the sheet ask for nothing
            raise _stop_for(err) from err

    async def _ask_for_sheet(self, request: ImageRequest) -> ImageResult:
        async with self.limiter:
            async with asyncio.timeout(self.config.call_timeout):
                result = await self.images.generate(request)
        self._record(result.usage)
        return result

    async def _read_picture(self, name: str) -> bytes:
        path = self.store.bundle.image_path(name)
        return await asyncio.get_running_loop().run_in_executor(self._executor, path.read_bytes)

    # --- bookkeeping -------------------------------------------------------------------

    def _record(self, usage: UsageRecord) -> None:
        self.book.record_usage(usage)
        self._emit(UsageUpdated(record=usage, totals=self.book.usage.model_copy()))

    def _save_soon(self) -> None:
        self._spawn(self._save())

    def _not_cancelled(self) -> None:
        """A request about to start after `cancel()` is not started."""
        if self._cancelling:
            raise asyncio.CancelledError

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
        """Start a task in the run's group; None once the run is ending."""
        if self._group is None:
            coro.close()
            return None
        try:
            return self._group.create_task(coro)
        except RuntimeError:  # the group is shutting down after a stop or cancel
            coro.close()
            return None

    async def _save(self) -> None:
        try:
            await self.store.save()
        except StorageError as err:
            raise _stop_for(err) from err

    def _emit(self, event: Event) -> None:
        if self._emit_cb is None:
            return
        try:
            self._emit_cb(event)
        except Exception:
            log.exception("An event handler failed on %s", type(event).__name__)

    async def _with_retries(self, call: Callable[[], Awaitable[T]]) -> T:
        return await self.retry.run(call, server="story server")


PAGE_ATTEMPTS = 3
_META_PHRASES = (
    "this page",
    "the page where",
    "this picture book",
    "this is the scene",
    "the illustrations",
    "write page",
    "picture book",
    "this illustration",
    "an example",
    "field order",
)


def _plain_outline(request: PlanRequest) -> StoryOutline:
    """The frame of a book when a model cannot give one: the premise as its title."""
    title = request.premise.strip().rstrip(".")[:80] or "A Picture Book"
    return StoryOutline(
        title=title[:1].upper() + title[1:],
        style=StyleGuide(
            art_style=request.art_style or "soft picture-book illustration",
            palette="warm, gentle colours",
            medium="watercolour and ink",
        ),
        characters=[],
        outline=story_beats(request.premise, request.pages),
    )


def _alike(one: str, other: str) -> bool:
    """The same words (a refrain that recurs in a longer page is fine)."""
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


_MAX_SENTENCES = 4
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _clip(text: str, sentences: int, chars: int) -> str:
    """At most `sentences` sentences and about `chars` characters, cut at a sentence end."""
    parts = _SENTENCE_END.split(" ".join(text.split()))
    kept = " ".join(parts[:sentences])
    while len(kept) > chars and " " in kept and len(parts) > 1:
        parts = parts[:-1]
        kept = " ".join(parts[:sentences])
    return kept if len(kept) <= chars else kept[:chars].rsplit(" ", 1)[0] + "…"


def _tidy_page(plan: PagePlan, characters: list[Character]) -> PagePlan:
    """A page as a picture book prints it: a few sentences, a short scene, and the
    book's characters it names (small models ramble and forget the names list)."""
    text = _clip(plan.text, _MAX_SENTENCES, 600)
    scene = _clip(plan.scene, 3, 400)
    if len(scene.split()) < 3 and len(text.split()) >= 4:
        scene = _clip(text, 1, 300)  # small models often leave the scene empty
    known = {c.name.casefold(): c.name for c in characters}
    named = [known[n.strip().casefold()] for n in plan.characters if n.strip().casefold() in known]
    if not named:
        words = f"{text} {scene}".casefold()
        named = [c.name for c in characters if c.name.casefold() in words]
    return PagePlan(text=text, scene=scene, characters=list(dict.fromkeys(named)))


def _tidy_characters(characters: list[Character]) -> list[Character]:
    """Each description in one or two sentences: it is repeated in every picture's prompt."""
    return [
        Character(name=c.name.strip()[:60] or "Hero", description=_clip(c.description, 2, 300))
        for c in characters
    ]


_SCHEMA_WORDS = ('"type"', '"properties"', "json schema", "additionalproperties")


def _unusable_page(plan: PagePlan, book: Book | None = None, index: int | None = None) -> str:
    """Why a page a model wrote cannot be printed, or "" when it can: small models
    echo the schema, repeat a name or the title, leave JSON debris or copy a page."""
    from studio.core.book import PagePlan as _Fields

    text, scene = plan.text.strip(), plan.scene.strip()
    if len(text.split()) < 4 or not any(c.isalpha() for c in text):
        return "its text is empty or only a few words"
    if len(scene.split()) < 3:
        return "it says nothing about its picture"
    both = f"{text} {scene}".lower()
    if any(mark in both for mark in ("{", "}", "[/inst]")) or any(w in both for w in _SCHEMA_WORDS):
        return "it repeated the instructions or JSON instead of writing the page"
    described = {(f.description or "").strip().lower() for f in _Fields.model_fields.values()}
    if text.lower() in described:
        return "it repeated the field's description instead of writing the page"
    if any(phrase in text.lower() for phrase in _META_PHRASES):
        return "it describes the book instead of telling the story"
    if book is not None:
        names = {book.title.casefold(), *(c.name.casefold() for c in book.characters)}
        if text.casefold() in names:
            return "its text is only a name or the title"
        earlier = book.pages[: index if index is not None else len(book.pages)]
        if any(_alike(p.text, text) for p in earlier):
            return "it repeats an earlier page"
    return ""


def _render_and_write(
    bundle: Bundle, tag: str, data: bytes, prompt: str, model: str
) -> ImageVersion:
    rendered = imaging.make_renditions(data)
    version = ImageVersion(
        original=f"{tag}.{rendered.info.extension}",
        display=f"{tag}-display.jpg",
        thumbnail=f"{tag}-thumb.jpg",
        prompt=prompt,
        model=model,
        width=rendered.info.width,
        height=rendered.info.height,
    )
    bundle.write_image(version.original, rendered.original)
    bundle.write_image(version.display, rendered.display)
    bundle.write_image(version.thumbnail, rendered.thumbnail)
    return version


async def _to_the_end(work: Coroutine[Any, Any, T]) -> T:
    """Finish `work` even when cancelled, then pass the cancel on.

    A picture that was paid for and received is written and named in the book; a cancel
    in the middle would leave its files on disk with no page pointing at them, and the
    next resume would pay for it again. Writing and recording take milliseconds."""
    task = asyncio.ensure_future(work)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
        except Exception:
            break  # task.result() below raises it
    result = task.result()
    if cancelled:
        raise asyncio.CancelledError
    return result


def _new_page(number: int, plan: PagePlan) -> Page:
    return Page(number=number, text=plan.text, scene=plan.scene, characters=plan.characters)


def _with_reference(request: ImageRequest, sheet: bytes) -> ImageRequest:
    from dataclasses import replace

    return replace(request, references=[sheet])


def _plan_problem(raw: str, pages: int, *, require_count: bool = True) -> StoryPlan | str:
    """The validated plan, or a short description of what is wrong with it."""
    try:
        plan = StoryPlan.model_validate_json(raw)
    except ValidationError as err:
        first = err.errors()[0]
        if first["type"] == "json_invalid":
            return "the reply was not valid JSON"
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        return f"{where}: {first['msg']}"
    if require_count and len(plan.pages) < pages:
        return f"it has {len(plan.pages)} pages but {pages} were asked for"
    return plan


async def _idle_timeout(stream: AsyncIterator[T], seconds: float) -> AsyncIterator[T]:
    """Re-yield `stream`, raising TimeoutError if no item arrives for `seconds`."""
    iterator = aiter(stream)
    try:
        while True:
            try:
                async with asyncio.timeout(seconds):
                    item = await anext(iterator)
            except StopAsyncIteration:
                return
            yield item
    finally:
        closer = getattr(iterator, "aclose", None)
        if closer is not None:
            await closer()

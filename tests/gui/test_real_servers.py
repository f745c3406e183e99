"""The window against servers that behave like real local ones: the painter draws while a
server writes, time limits come from the environment, the format a server took is
remembered, and a silent server shows how long it has been waited for."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from studio.core.book import Book, GenerationSettings, Page
from studio.core.events import Event, PageTextReady, StoryProgress, StoryWaiting
from studio.core.library import BookStore
from studio.core.settings import load_settings, settings_file
from studio.gui.context import AppContext
from studio.gui.generation_view import GenerationView
from studio.gui.main_window import MainWindow
from studio.gui.new_book import NewBookDialog
from tests.fakes import FakeOpenAI, Fault
from tests.gui.conftest import click, shown, wait_for_dialog, wait_until
from tests.gui.test_generation import assert_every_card_has_its_picture, openai_settings


def chat_formats(server: FakeOpenAI) -> list[str]:
    return [
        (r.body.get("response_format") or {}).get("type", "none")
        for r in server.requests_to("chat")
    ]


async def test_a_local_server_writes_and_the_painter_draws(
    make_context: Callable[..., AppContext],
) -> None:
    async with FakeOpenAI(pages=3) as server:
        context = make_context(
            engine="openai", base_url=server.base_url, image_engine="offline", plan_mode="whole"
        )
        async with shown(MainWindow(context)) as window:
            window.new_action.trigger()
            dialog: NewBookDialog = await wait_for_dialog(NewBookDialog)
            dialog.premise_edit.setPlainText("A fox who lost a lantern")
            dialog.pages_spin.setValue(3)
            assert dialog.engine == "openai" and dialog.generate_button.isEnabled()
            assert not dialog.image_model_combo.isEnabled()
            assert "$0.00" in dialog.estimate_label.text()
            await click(dialog.generate_button)
            await wait_until(lambda: window.generation_view.last_finished is not None, 30)
            await window.generation_view.drain()
            finished = window.generation_view.last_finished
            assert finished is not None and finished.outcome == "complete", finished
            assert_every_card_has_its_picture(window, 3)
            store = window.generation_view.store
            assert store is not None
            saved = store.bundle.load().settings
            assert (saved.image_engine, saved.image_base_url, saved.plan_mode) == (
                "offline",
                None,
                "whole",
            )
            assert saved.image_model == "offline-painter"
        assert server.requests_to("chat"), "the story came from the server"
        assert not server.requests_to("images"), "no picture was asked of the server"


async def test_a_hung_picture_is_given_up_after_studio_call_timeout(
    make_context: Callable[..., AppContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_CALL_TIMEOUT", "0.5")
    async with FakeOpenAI(pages=2) as server:
        server.inject(Fault.HANG, endpoint="images", times=1)
        async with shown(MainWindow(make_context(base_url=server.base_url))) as window:
            finished = await asyncio.wait_for(window.generate_new(openai_settings(server, 2)), 20)
            assert finished is not None and finished.outcome == "complete", finished
            assert_every_card_has_its_picture(window, 2)
        assert len(server.requests_to("images")) == 3, "the hung call was given up and retried"


async def test_the_format_a_server_took_is_remembered_across_sessions(
    make_context: Callable[..., AppContext],
) -> None:
    async with FakeOpenAI(pages=2, personality="llamacpp") as server:
        context = make_context(persist=True, base_url=server.base_url, image_engine="offline")
        settings = openai_settings(server, 2)
        settings.image_engine = "offline"
        async with shown(MainWindow(context)) as window:
            first = await asyncio.wait_for(window.generate_new(settings.model_copy()), 30)
            assert first is not None and first.outcome == "complete", first
            assert "json_schema" in chat_formats(server), "the first run negotiated"
            learned = load_settings(settings_file()).learned_formats
            assert list(learned.values()) == ["json_object"], learned

            context.save_settings()  # Settings saved later keep what the server taught
            assert load_settings(settings_file()).learned_formats == learned

            await context.reset_services()  # as a new session would start
            server.reset()
            second = await asyncio.wait_for(window.generate_new(settings.model_copy()), 30)
            assert second is not None and second.outcome == "complete", second
            assert chat_formats(server) and "json_schema" not in chat_formats(server)


async def test_a_silent_story_server_shows_the_wait_and_the_line_clears(
    make_context: Callable[..., AppContext], tmp_path: Path
) -> None:
    async with FakeOpenAI(pages=2, chunk_delay=1.3, chunk_chars=700) as server:
        context = make_context(base_url=server.base_url)
        view = GenerationView(context)
        seen: list[tuple[Event, str]] = []
        view.event_received.connect(lambda e: seen.append((e, view.status_label.text())))
        book = Book(settings=openai_settings(server, 2))
        bundle = context.library.create(book)
        store = BookStore(bundle, book, context.executor)
        view.show_book(store)
        services = await context.services_for(book.settings)
        limits = replace(context.limits_for(book.settings), waiting_after=0.2)
        pipeline = services.pipeline(store, view.apply_event, limits)
        finished = await asyncio.wait_for(pipeline.run(), 30)
        await view.drain()
        await view.stop()
        view.deleteLater()
    assert finished.outcome == "complete", finished
    waits = [(e, line) for e, line in seen if isinstance(e, StoryWaiting)]
    assert waits, "the wait was shown"
    event, line = waits[0]
    assert event.what == "the story" and event.limit > 0
    wait = r"Waiting for the story server to write the story: \d+ s \(gives up after \d+ s\)"
    assert re.fullmatch(wait, line), line
    later = seen[seen.index(waits[0]) + 1 :]
    spoke = next(line for e, line in later if isinstance(e, StoryProgress))
    assert not spoke.startswith("Waiting"), spoke


async def test_the_wait_line_gives_back_the_line_it_covered(
    make_context: Callable[..., AppContext],
) -> None:
    view = GenerationView(make_context(engine="offline"))
    for number in (1, 2):
        view.apply_event(PageTextReady(page=Page(number=number, text="Once.", scene="A hill.")))
    assert view.status_label.text() == "Page 2 written; its picture is on its way."
    view.apply_event(StoryWaiting(what="page 3", seconds=12.2, limit=90))
    assert view.status_label.text() == (
        "Waiting for the story server to write page 3: 12 s (gives up after 90 s)"
    )
    view.apply_event(StoryWaiting(what="page 3", seconds=13.1, limit=90))
    assert view.status_label.text().endswith("page 3: 13 s (gives up after 90 s)")
    view.apply_event(StoryProgress(chars=900))
    assert view.status_label.text() == "Page 2 written; its picture is on its way."
    view.deleteLater()


async def test_settings_for_a_book_are_the_ones_every_run_uses(
    make_context: Callable[..., AppContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_CALL_TIMEOUT", "7")
    context = make_context(response_format="json_object")
    settings = GenerationSettings(
        premise="x",
        engine="openai",
        base_url="http://127.0.0.1:9/v1",
        budget_usd=1.5,
        concurrency=2,
        character_lock=True,
        image_engine="offline",
        plan_mode="per-page",
    )
    engine = context.engine_for(settings)
    assert (engine.offline_pictures, engine.response_format) == (True, "json_object")
    limits = context.limits_for(settings)
    assert (limits.call_timeout, limits.budget_usd, limits.concurrency) == (7.0, 1.5, 2)
    assert limits.character_lock and limits.plan_mode.value == "per-page"

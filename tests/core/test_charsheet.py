"""The character sheet: drawn once, passed with every page, and never a reason to stop
a book unless the key is rejected."""

from __future__ import annotations

from pathlib import Path

from studio.core.events import CharacterSheetReady, Notice, StopReason
from studio.core.pipeline import Outcome, PipelineConfig
from tests.core.test_pipeline import assert_complete, new_bundle, run_pipeline
from tests.fakes.server import FakeOpenAI, Fault

LOCKED = PipelineConfig(character_lock=True, backoff_base=0.01, max_attempts=1)
SHEET = "character reference sheet"


def _pictures(server: FakeOpenAI) -> list[str]:
    return [r.endpoint for r in server.requests if r.endpoint.startswith("images")]


async def test_a_refused_sheet_is_told_and_the_pages_are_drawn_without_it(
    tmp_path: Path,
) -> None:
    async with FakeOpenAI(pages=3) as server:
        server.inject(Fault.CONTENT_POLICY, match=SHEET)
        run = await run_pipeline(new_bundle(tmp_path, server, pages=3), LOCKED)
        assert _pictures(server) == ["images"] * 4, "the sheet, then three pages with no reference"
    assert_complete(run)
    assert run.book.character_sheet is None
    notices = [e.message for e in run.events if isinstance(e, Notice)]
    assert any(m.startswith("The character sheet failed") for m in notices), notices
    assert any("drawing pages without it" in m for m in notices)


async def test_a_redraw_uses_the_saved_sheet_and_draws_no_new_one(tmp_path: Path) -> None:
    async with FakeOpenAI(pages=2) as server:
        bundle = new_bundle(tmp_path, server, pages=2)
        first = await run_pipeline(bundle, LOCKED)
        assert [e for e in first.events if isinstance(e, CharacterSheetReady)]
        sheet = bundle.load().character_sheet
        assert sheet is not None and bundle.image_path(sheet.display).is_file()
        before = len(server.requests)

        await run_pipeline(bundle, LOCKED, method="regenerate_image", number=2, prompt=None)

        assert [r.endpoint for r in server.requests[before:]] == ["images_edit"]
    assert bundle.load().character_sheet == sheet


async def test_a_key_rejected_while_drawing_the_sheet_stops_the_book(tmp_path: Path) -> None:
    async with FakeOpenAI(pages=3) as server:
        server.inject(Fault.UNAUTHORIZED, match=SHEET)
        run = await run_pipeline(new_bundle(tmp_path, server, pages=3), LOCKED)
        assert _pictures(server) == ["images"], "no page asks for a picture after a rejected key"
    assert run.finished.outcome is Outcome.STOPPED
    assert run.finished.stop is StopReason.KEY_REJECTED
    assert all(p.image.current is None for p in run.book.pages)

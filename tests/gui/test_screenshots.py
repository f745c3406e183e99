"""Pictures of the main states (screenshots/ with STUDIO_SCREENSHOTS=1, else a tmp folder)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication

from studio.core.book import GenerationSettings
from studio.gui.context import AppContext
from studio.gui.generation_view import CardState
from studio.gui.lib.theme import apply_theme
from studio.gui.main_window import MainWindow
from studio.gui.new_book import NewBookDialog
from studio.gui.settings_dialog import SettingsDialog
from tests.gui.conftest import screenshot, shown, wait_for_dialog, wait_until


async def test_screenshots_of_the_main_states(
    make_context: Callable[..., AppContext], tmp_path: Path
) -> None:
    window = MainWindow(make_context())
    window.resize(1280, 860)
    try:
        async with shown(window):
            await take_screenshots(window, tmp_path)
    finally:
        apply_theme(QApplication.instance(), dark=False)  # type: ignore[arg-type]


async def take_screenshots(window: MainWindow, tmp_path: Path) -> None:
    shots: list[Path] = []
    await window.library_view.refresh()
    shots.append(screenshot(window, "01-empty-library", tmp_path))

    window.new_action.trigger()
    dialog: NewBookDialog = await wait_for_dialog(NewBookDialog)
    dialog.premise_edit.setPlainText(
        "A shy hedgehog named Pip who is afraid of the dark befriends a lost firefly"
    )
    dialog.pages_spin.setValue(8)
    shots.append(screenshot(dialog, "02-new-book", tmp_path))
    dialog.reject()
    await wait_until(lambda: not dialog.isVisible(), 2)

    settings = GenerationSettings(
        premise=dialog.premise(), pages=8, engine="offline", concurrency=2
    )
    run = window.ops.run(window.generate_new(settings))
    model = window.generation_view.model
    await wait_until(
        lambda: sum(c.has_picture for c in model.cards) >= 3 or run.done(), 30, "half the pictures"
    )
    shots.append(screenshot(window, "03-generating", tmp_path))
    await asyncio.wait_for(run, 60)
    await window.generation_view.drain()
    assert all(c.state is CardState.DONE for c in model.cards)
    shots.append(screenshot(window, "04-finished", tmp_path))

    bundle = window.generation_view.bundle
    assert bundle is not None
    await window.open_book(bundle)
    await asyncio.sleep(1.0)
    shots.append(screenshot(window, "05-book", tmp_path))

    window.show_library()
    await window.library_view.refresh()
    window.library_view.select(bundle)
    shots.append(screenshot(window, "06-library", tmp_path))

    window.settings_action.trigger()
    settings_dialog = await wait_for_dialog(SettingsDialog)
    shots.append(screenshot(settings_dialog, "07-settings", tmp_path))
    settings_dialog.reject()
    await wait_until(lambda: not settings_dialog.isVisible(), 2)

    apply_theme(QApplication.instance(), dark=True)  # type: ignore[arg-type]
    window.show_library()
    await window.library_view.refresh()
    shots.append(screenshot(window, "08-library-dark", tmp_path))
    window.pages.setCurrentWidget(window.generation_view)
    shots.append(screenshot(window, "09-finished-dark", tmp_path))
    assert all(p.stat().st_size > 10_000 for p in shots)

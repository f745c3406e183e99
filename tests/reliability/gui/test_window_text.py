"""Markup a server wrote is shown as plain text everywhere in the window.

A story with `<img src=http://evil/x>` and `<script>` in its title, pages, scenes and
character names is generated in the window from the fake server, then opened and
listed. Every label showing it must not interpret rich text, and neither may any
tooltip (Qt renders a tooltip as rich text when Qt.mightBeRichText says it may be).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGuiNamespace
from PySide6.QtWidgets import QAbstractItemView, QLabel, QWidget

from studio.core.book import GenerationSettings
from studio.core.library import Bundle
from studio.gui.context import AppContext
from studio.gui.main_window import MainWindow
from tests.fakes import FakeOpenAI
from tests.gui.conftest import shown, wait_until
from tests.reliability.test_untrusted_text import IMG, SCRIPT, hostile_story

pytestmark = pytest.mark.gui
KEY = "sk-test-window-0000"
MARKERS = ("<img", "<script", "<svg")


def _rich(text: str) -> bool:
    return bool(QtGuiNamespace.mightBeRichText(text))


def interpreted_markup(window: QWidget) -> list[str]:
    """Every place in `window` where hostile text would be interpreted as rich text."""
    found: list[str] = []
    for widget in [window, *window.findChildren(QWidget)]:
        tip = widget.toolTip()
        if any(m in tip for m in MARKERS) and _rich(tip):
            found.append(f"tooltip of {type(widget).__name__}: {tip[:80]!r}")
        if isinstance(widget, QLabel):
            text = widget.text()
            if not any(m in text for m in MARKERS):
                continue
            fmt = widget.textFormat()
            if fmt == Qt.TextFormat.RichText or (fmt == Qt.TextFormat.AutoText and _rich(text)):
                found.append(
                    f"QLabel {widget.objectName() or type(widget.parent()).__name__}: {text[:80]!r}"
                )
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            for row in range(model.rowCount()):
                index = model.index(row, 0)
                tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
                if isinstance(tip, str) and any(m in tip for m in MARKERS) and _rich(tip):
                    found.append(f"item tooltip in {type(widget).__name__} row {row}: {tip[:80]!r}")
    return found


async def test_markup_from_a_server_is_plain_text_in_the_window(
    make_context: Callable[..., AppContext],
) -> None:
    async with FakeOpenAI(story=hostile_story(3), pages=3) as server:
        context = make_context(api_key=KEY, base_url=server.base_url)
        async with shown(MainWindow(context)) as window:
            settings = GenerationSettings(
                premise=f"a premise {SCRIPT}", pages=3, engine="openai",
                base_url=server.base_url, text_model="gpt-4.1-mini", image_model="gpt-image-1",
            )  # fmt: skip
            finished = await window.generate_new(settings)
            assert finished is not None and finished.outcome == "complete"
            await window.generation_view.drain()
            problems = interpreted_markup(window)
            status = window.generation_view.status_label  # shows failure reasons servers wrote
            if status.textFormat() != Qt.TextFormat.PlainText:
                problems.append("GenerationView.status_label interprets rich text")
            bundle = window.generation_view.bundle
            assert isinstance(bundle, Bundle)
            assert IMG in bundle.load().title

            await window.open_book(bundle)
            problems += interpreted_markup(window)

            window.show_library()
            await wait_until(lambda: bool(window.library_view.model.summaries), 10)
            problems += interpreted_markup(window)
    assert problems == [], "\n".join(problems)

"""The New Book form: what a book stores from the settings, and what it will cost."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from studio.gui.context import AppContext
from studio.gui.new_book import NewBookDialog

LOCAL = "http://127.0.0.1:1234/v1"


def form(context: AppContext, pages: int = 6) -> NewBookDialog:
    dialog = NewBookDialog(context)
    dialog.premise_edit.setPlainText("A fox who lost a lantern")
    dialog.pages_spin.setValue(pages)
    return dialog


async def test_a_local_server_with_the_painter_costs_nothing(
    make_context: Callable[..., AppContext],
) -> None:
    context = make_context(
        engine="openai",
        base_url=LOCAL,
        image_engine="offline",
        plan_mode="per-page",
        text_model="gpt-4.1",  # a priced name, but served on this computer
    )
    dialog = form(context)
    try:
        assert dialog.estimated_cost() == 0.0
        assert "<b>$0.00:</b>" in dialog.estimate_label.text()
        assert "offline painter" in dialog.estimate_label.text()
        assert dialog.generate_button.isEnabled(), "no key is needed for a local server"
        assert not dialog.image_model_combo.isEnabled()
        assert "offline painter" in dialog.endpoint_label.text()
        made = dialog.generation_settings()
        assert (made.engine, made.image_engine, made.plan_mode) == ("openai", "offline", "per-page")
        assert (made.base_url, made.image_base_url, made.image_model) == (
            LOCAL,
            None,
            "offline-painter",
        )
        dialog.remember()
        assert context.settings.image_model == "gpt-image-1", "the picture model is kept"
    finally:
        dialog.deleteLater()


async def test_the_offline_engine_costs_nothing(make_context: Callable[..., AppContext]) -> None:
    dialog = form(make_context(engine="offline", plan_mode="whole"))
    try:
        assert dialog.estimated_cost() == 0.0
        assert "$0.00" in dialog.estimate_label.text()
        made = dialog.generation_settings()
        assert (made.engine, made.image_engine, made.image_base_url) == ("offline", None, None)
    finally:
        dialog.deleteLater()


async def test_a_paid_server_is_priced_and_needs_a_key(
    make_context: Callable[..., AppContext],
) -> None:
    dialog = form(make_context(engine="openai", image_model="gpt-image-1"), pages=8)
    try:
        assert dialog.estimated_cost() > 0.3
        assert "About $" in dialog.estimate_label.text()
        assert "Needs an API key" in dialog.estimate_label.text()
        assert not dialog.generate_button.isEnabled()
    finally:
        dialog.deleteLater()


@pytest.mark.parametrize(
    ("picture_server", "stored"),
    [
        (None, None),
        (LOCAL, None),
        (LOCAL + "/", None),
        ("http://127.0.0.1:7860/v1", "http://127.0.0.1:7860/v1"),
    ],
)
async def test_a_book_stores_a_picture_server_only_when_it_is_another(
    make_context: Callable[..., AppContext], picture_server: str | None, stored: str | None
) -> None:
    context = make_context(engine="openai", base_url=LOCAL, image_base_url=picture_server)
    dialog = form(context)
    try:
        made = dialog.generation_settings()
        assert (made.image_engine, made.image_base_url) == ("openai", stored)
        assert dialog.estimated_cost() == 0.0, "local servers are free"
        assert "$0.00" in dialog.estimate_label.text()
    finally:
        dialog.deleteLater()


async def test_the_language_follows_the_premise_until_one_is_chosen(
    make_context: Callable[..., AppContext],
) -> None:
    dialog = form(make_context(engine="offline"))
    try:
        combo = dialog.language_combo
        assert combo.currentText() == "As the premise: English (en)"
        assert dialog.generation_settings().language == "en"
        dialog.premise_edit.setPlainText("Una niña que colecciona nubes")
        assert combo.currentText() == "As the premise: Spanish (es)"
        assert dialog.generation_settings().language == "es"
        combo.setCurrentIndex(combo.findData("fr"))
        assert combo.currentText() == "French (fr)"
        assert dialog.generation_settings().language == "fr"
    finally:
        dialog.deleteLater()


async def test_the_form_shows_what_the_offline_engine_understood_and_keeps_corrections(
    make_context: Callable[..., AppContext],
) -> None:
    dialog = NewBookDialog(make_context(engine="offline"))
    dialog.show()
    try:
        assert dialog.understood_group.isVisible()
        dialog.premise_edit.setPlainText("A brave girl named Amara and her grandmother's drum")
        assert dialog.noun_edit.text() == "girl"
        assert dialog.name_edit.text() == "Amara"
        assert dialog.object_edit.text() == "her grandmother's drum"
        assert dialog.kind_combo.currentData() == "person"
        dialog.name_edit.clear()
        dialog.name_edit.textEdited.emit("Zuri")
        dialog.name_edit.setText("Zuri")
        dialog.premise_edit.setPlainText("A brave girl named Amara and her grandmother's old drum")
        assert dialog.name_edit.text() == "Zuri", "a corrected field keeps the author's words"
        assert dialog.object_edit.text() == "her grandmother's old drum", "the rest follows"
        made = dialog.generation_settings()
        assert made.understanding is not None
        assert (made.understanding.noun, made.understanding.name) == ("girl", "Zuri")
        assert made.understanding.key_object == "her grandmother's old drum"

        dialog.premise_edit.setPlainText("A moth who loves the moon")
        assert dialog.time_combo.currentData() == "night"
        assert "Japanese" not in dialog.estimate_label.text()
        dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("ja"))
        assert "writes English and Spanish only" in dialog.estimate_label.text()

        dialog.engine_combo.setCurrentIndex(dialog.engine_combo.findData("openai"))
        assert not dialog.understood_group.isVisible(), "a model reads the premise itself"
        assert dialog.generation_settings().understanding is None
    finally:
        dialog.close()
        dialog.deleteLater()

"""Settings: saved and reloaded, the key in no file, connection tests and local servers."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiohttp import web
from PySide6.QtWidgets import QDialogButtonBox

from studio.core.settings import load_settings, settings_file
from studio.gui.context import AppContext
from studio.gui.main_window import MainWindow
from studio.gui.settings_dialog import SettingsDialog, check_connection, is_image_model
from tests.fakes import FakeOpenAI
from tests.gui.conftest import click, screenshot, shown, wait_for_dialog, wait_until

SECRET = "sk-test-do-not-write-me-0451"


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_settings_are_saved_reloaded_and_the_key_is_in_no_file(
    make_context: Callable[..., AppContext],
) -> None:
    async with shown(MainWindow(make_context(persist=True))) as window:
        assert window.banner_holder.isVisible()
        async with FakeOpenAI() as server:
            window.settings_action.trigger()
            dialog: SettingsDialog = await wait_for_dialog(SettingsDialog)
            assert "No keyring" in dialog.keyring_label.text()
            assert "OPENAI_API_KEY" in dialog.keyring_label.text()

            dialog.image_base_url_edit.setText("http://images.example.com/v1")
            assert dialog.warning_frame.isVisibleTo(dialog)
            assert "plain http" in dialog.warning_label.text()
            dialog.image_base_url_edit.setText("")
            assert not dialog.warning_frame.isVisibleTo(dialog)

            port = int(server.base_url.split(":")[2].split("/")[0])
            dialog.local_servers = ((free_port(), "Ollama"), (port, "LM Studio"))
            await click(dialog.find_button)
            await wait_until(lambda: dialog.found_combo.count() == 1, 5)
            assert "LM Studio" in dialog.found_combo.itemText(0)
            await click(dialog.use_button)
            assert dialog.base_url_edit.text() == server.base_url
            assert dialog.engine_combo.currentData() == "openai"

            dialog.text_model_edit.setText("gpt-4o-mini")
            dialog.key_edit.setText(SECRET)
            await click(dialog.test_button)
            await wait_until(lambda: "Connected" in dialog.probe_label.text(), 5)
            assert "gpt-4o-mini is available" in dialog.probe_label.text()

            dialog.size_combo.setCurrentText("1536x1024")
            dialog.quality_combo.setCurrentText("low")
            dialog.concurrency_spin.setValue(3)
            dialog.budget_spin.setValue(2.5)
            await click(
                dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
            )
            await wait_until(lambda: not dialog.isVisible(), 5)
            await wait_until(lambda: "OPENAI_API_KEY" in window.statusBar().currentMessage(), 5)

        assert window.context.api_key == SECRET
        assert not window.banner_holder.isVisible(), "a provider is configured: no offline banner"
        saved = load_settings(settings_file())
        assert saved.base_url == server.base_url
        assert (saved.text_model, saved.image_size, saved.image_quality) == (
            "gpt-4o-mini",
            "1536x1024",
            "low",
        )
        assert (saved.concurrency, saved.budget_usd, saved.engine) == (3, 2.5, "openai")
        config_dir = Path(os.environ["STUDIO_CONFIG_DIR"])
        files = files_in(config_dir)
        assert files, "settings were written"
        for path in files:
            assert SECRET.encode() not in path.read_bytes(), path


async def test_connection_failures_say_what_to_check() -> None:
    probe = await check_connection(f"http://127.0.0.1:{free_port()}/v1", None, 2)
    assert not probe.ok and "Nothing answered" in probe.message and "running" in probe.message
    async with FakeOpenAI() as server:
        probe = await check_connection(server.root_url + "/nowhere", "sk-test", 2)
    assert not probe.ok and "/v1" in probe.message


async def test_connection_checks_the_picture_server_too(
    make_context: Callable[..., AppContext],
) -> None:
    async with shown(MainWindow(make_context())) as window, FakeOpenAI() as story:
        window.settings_action.trigger()
        dialog: SettingsDialog = await wait_for_dialog(SettingsDialog)
        dialog.base_url_edit.setText(story.base_url)
        dialog.image_base_url_edit.setText(f"http://127.0.0.1:{free_port()}/v1")
        dialog.image_model_edit.setText("gpt-image-1")
        await click(dialog.test_button)
        await wait_until(lambda: "Picture server" in dialog.probe_label.text(), 8)
        lines = dialog.probe_label.text().splitlines()
        assert lines[0].startswith("Connected")
        assert "Nothing answered" in lines[-1]
        dialog.reject()
        await wait_until(lambda: not dialog.isVisible(), 5)


@contextlib.asynccontextmanager
async def text_only_server(models: tuple[str, ...]) -> AsyncIterator[int]:
    """A loopback server whose /v1/models offers only `models`; yields its port."""

    async def listing(request: web.Request) -> web.Response:
        data = [{"id": m, "object": "model", "owned_by": "local"} for m in models]
        return web.json_response({"object": "list", "data": data})

    app = web.Application()
    app.router.add_get("/v1/models", listing)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


def port_of(server: FakeOpenAI) -> int:
    return int(server.base_url.split(":")[2].split("/")[0])


async def test_pictures_format_and_route_are_saved_and_reloaded(
    make_context: Callable[..., AppContext], tmp_path: Path
) -> None:
    async with shown(MainWindow(make_context(persist=True))) as window:
        window.settings_action.trigger()
        dialog: SettingsDialog = await wait_for_dialog(SettingsDialog)
        assert dialog.server_pictures_radio.isChecked()
        assert dialog.image_model_edit.isEnabled()
        assert not dialog.painter_note.isVisibleTo(dialog)
        assert dialog.format_combo.currentText() == "Automatic (recommended)"
        assert [dialog.route_combo.itemText(i) for i in range(3)] == [
            "Automatic",
            "Whole story in one call",
            "Page by page (for small local models)",
        ]

        await click(dialog.painter_radio)
        assert not dialog.image_base_url_edit.isEnabled()
        assert not dialog.image_model_edit.isEnabled()
        assert dialog.painter_note.isVisibleTo(dialog)
        assert "offline painter" in dialog.painter_note.text()
        assert "offline painter" in dialog.image_model_edit.toolTip()
        dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("json_object"))
        dialog.route_combo.setCurrentIndex(dialog.route_combo.findData("per-page"))
        assert dialog.width() <= 800 and dialog.height() <= 600, dialog.size()
        screenshot(dialog, "10-settings-painter", tmp_path)
        save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
        await click(save)
        await wait_until(lambda: not dialog.isVisible(), 5)

        saved = load_settings(settings_file())
        assert (saved.image_engine, saved.response_format, saved.plan_mode) == (
            "offline",
            "json_object",
            "per-page",
        )
        assert window.context.settings.image_engine == "offline"

        window.settings_action.trigger()
        again: SettingsDialog = await wait_for_dialog(SettingsDialog)
        assert again is not dialog
        assert again.painter_radio.isChecked() and not again.image_model_edit.isEnabled()
        assert again.format_combo.currentData() == "json_object"
        assert again.route_combo.currentText() == "Page by page (for small local models)"
        again.reject()
        await wait_until(lambda: not again.isVisible(), 5)


async def test_use_a_found_server_that_draws_no_pictures_chooses_the_painter(
    make_context: Callable[..., AppContext], tmp_path: Path
) -> None:
    async with (
        shown(MainWindow(make_context())) as window,
        FakeOpenAI() as drawing,
        text_only_server(("gemma-3-270m-it", "nomic-embed-text")) as words_only,
    ):
        window.settings_action.trigger()
        dialog: SettingsDialog = await wait_for_dialog(SettingsDialog)
        dialog.local_servers = ((words_only, "llama.cpp"), (port_of(drawing), "LM Studio"))
        await click(dialog.find_button)
        await wait_until(lambda: dialog.found_combo.count() == 2, 5)
        assert dialog.found_combo.isVisibleTo(dialog) and dialog.use_button.isVisibleTo(dialog)

        dialog.found_combo.setCurrentIndex(0)
        await click(dialog.use_button)
        assert dialog.base_url_edit.text() == f"http://127.0.0.1:{words_only}/v1"
        assert dialog.text_model_edit.text() == "gemma-3-270m-it"
        assert dialog.painter_radio.isChecked()
        assert not dialog.image_model_edit.isEnabled()
        assert (
            "This server draws no pictures: pictures will come from the offline painter."
            in dialog.probe_label.text()
        )
        assert dialog.width() <= 800 and dialog.height() <= 600, dialog.size()
        screenshot(dialog, "11-settings-server-without-pictures", tmp_path)

        dialog.found_combo.setCurrentIndex(1)
        await click(dialog.use_button)
        assert dialog.base_url_edit.text() == drawing.base_url
        assert dialog.server_pictures_radio.isChecked()
        assert dialog.image_model_edit.isEnabled()
        assert dialog.image_model_edit.text() == "gpt-image-1"
        assert "draws the pictures too" in dialog.probe_label.text()

        dialog.image_base_url_edit.setText("https://images.example.com/v1")
        dialog.found_combo.setCurrentIndex(0)
        await click(dialog.use_button)
        assert dialog.server_pictures_radio.isChecked(), "another picture server is kept"
        assert "images.example.com" in dialog.probe_label.text()
        dialog.reject()
        await wait_until(lambda: not dialog.isVisible(), 5)


@pytest.mark.parametrize(
    ("model", "draws"),
    [
        ("gpt-image-1", True),
        ("dall-e-3", True),
        ("black-forest-labs/FLUX.1-schnell", True),
        ("stable-diffusion-xl-base-1.0", True),
        ("sdxl-turbo", True),
        ("sd3.5-medium", True),
        ("gemma-3-270m-it", False),
        ("qwen2.5-wisdom-7b", False),
        ("llama3.2:latest", False),
    ],
)
def test_image_models_are_told_by_name(model: str, draws: bool) -> None:
    assert is_image_model(model) is draws


async def test_connection_with_the_painter_asks_no_picture_server(
    make_context: Callable[..., AppContext],
) -> None:
    async with shown(MainWindow(make_context(image_engine="offline"))) as window:
        async with FakeOpenAI() as story:
            window.settings_action.trigger()
            dialog: SettingsDialog = await wait_for_dialog(SettingsDialog)
            assert dialog.painter_radio.isChecked()
            dialog.base_url_edit.setText(story.base_url)
            dialog.image_base_url_edit.setText(f"http://127.0.0.1:{free_port()}/v1")
            await click(dialog.test_button)
            await wait_until(lambda: "offline painter" in dialog.probe_label.text(), 8)
            assert dialog.probe_label.text().startswith("Connected")
            assert "Nothing answered" not in dialog.probe_label.text()
            assert len(story.requests_to("models")) == 1
            dialog.reject()
            await wait_until(lambda: not dialog.isVisible(), 5)


async def test_asking_before_stopping_can_be_turned_back_on(
    make_context: Callable[..., AppContext],
) -> None:
    context = make_context(persist=True, confirm_stop=False, confirm_quit=False)
    async with shown(MainWindow(context)) as window:
        window.settings_action.trigger()
        dialog: SettingsDialog = await wait_for_dialog(SettingsDialog)
        assert not dialog.ask_check.isChecked(), "don't ask again was chosen"
        await click(dialog.ask_check)
        save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
        await click(save)
        await wait_until(lambda: not dialog.isVisible(), 5)
    saved = load_settings(settings_file())
    assert saved.confirm_stop and saved.confirm_quit

"""Settings: saved and reloaded, the key in no file, connection tests and local servers."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox

from studio.core.settings import load_settings, settings_file
from studio.gui.context import AppContext
from studio.gui.main_window import MainWindow
from studio.gui.settings_dialog import SettingsDialog, check_connection
from tests.fakes import FakeOpenAI
from tests.gui.conftest import click, shown, wait_for_dialog, wait_until

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

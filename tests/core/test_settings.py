"""The saved preferences: what a person gets back, and what never lands in the file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from studio.core.config import DEFAULT_TEXT_MODEL
from studio.core.settings import (
    SETTINGS_LIMIT,
    AppSettings,
    FormatMemory,
    load_settings,
    read_settings,
    save_settings,
    settings_file,
    take_settings_notice,
)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.json"


def test_the_settings_file_lives_in_studio_config_dir(tmp_path: Path) -> None:
    # the test fixtures point STUDIO_CONFIG_DIR at the test's own folder
    assert settings_file() == tmp_path / "config" / "settings.json"


def test_no_file_gives_the_defaults_without_a_word(path: Path) -> None:
    loaded = read_settings(path)
    assert loaded.settings == AppSettings() and loaded.notice is None
    assert loaded.settings.text_model == DEFAULT_TEXT_MODEL


def test_saved_settings_come_back_as_saved(path: Path) -> None:
    chosen = AppSettings(engine="openai", base_url="http://127.0.0.1:8080/v1", concurrency=2)
    save_settings(chosen, path)
    assert load_settings(path) == chosen
    assert take_settings_notice() is None


def test_a_password_in_a_url_is_never_saved(path: Path) -> None:
    save_settings(
        AppSettings(
            base_url="https://me:hunter2@llm.example.org/v1",
            image_base_url="https://me:hunter2@img.example.org/v1",
        ),
        path,
    )
    text = path.read_text(encoding="utf-8")
    assert "hunter2" not in text
    data = json.loads(text)
    assert data["base_url"] == "https://llm.example.org/v1"
    assert data["image_base_url"] == "https://img.example.org/v1"


def test_a_broken_file_is_kept_aside_and_said_once(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    assert load_settings(path) == AppSettings()
    notice = take_settings_notice()
    assert notice is not None and "it is not valid JSON" in notice
    kept = [p for p in path.parent.iterdir() if p.name.startswith("settings.json.corrupt-")]
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{not json"
    assert str(kept[0]) in notice and "the defaults are in use" in notice
    assert not path.exists()
    assert take_settings_notice() is None  # said once


def test_a_wrong_value_is_named_by_its_key(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"concurrency": 500}), encoding="utf-8")
    loaded = read_settings(path)
    assert loaded.settings == AppSettings()
    assert loaded.notice is not None and "concurrency:" in loaded.notice
    assert loaded.kept_as is not None and loaded.kept_as.is_file()


def test_a_file_past_the_limit_is_not_read(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(b" " * (SETTINGS_LIMIT + 1))
    loaded = read_settings(path)
    assert loaded.settings == AppSettings() and loaded.kept_as is not None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_in_its_place_is_moved_aside_unopened(path: Path) -> None:
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    loaded = read_settings(path)
    assert loaded.settings == AppSettings()
    assert loaded.notice is not None and "pipe" in loaded.notice


def test_the_response_format_a_server_took_is_remembered(path: Path) -> None:
    memory = FormatMemory(path)
    assert memory.recall("http://127.0.0.1:8080/v1", "gemma") is None
    memory.remember("http://me:pw@127.0.0.1:8080/v1", "gemma", "json_object")
    assert memory.recall("http://127.0.0.1:8080/v1", "gemma") == "json_object"
    assert memory.recall(None, "gemma") is None
    assert "pw@" not in path.read_text(encoding="utf-8")
    assert FormatMemory(path).recall("http://127.0.0.1:8080/v1", "gemma") == "json_object"

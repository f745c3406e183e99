"""The studio's saved preferences. Never holds a key: keys live in the OS keyring."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import platformdirs
from pydantic import BaseModel, Field, ValidationError

from studio.core.config import DEFAULT_IMAGE_MODEL, DEFAULT_TEXT_MODEL, strip_credentials
from studio.core.library import atomic_write


class AppSettings(BaseModel):
    engine: str = "auto"  # auto (openai when a key is configured), offline, openai
    base_url: str | None = None
    text_model: str = DEFAULT_TEXT_MODEL
    image_base_url: str | None = None
    image_model: str = DEFAULT_IMAGE_MODEL
    image_size: str = "1024x1024"
    image_quality: str = "auto"
    concurrency: Annotated[int, Field(ge=1, le=64)] = 4
    budget_usd: float | None = None
    audience_age: str = "4-7"
    art_style: str = ""
    pages: int = 8
    character_lock: bool = False
    library_dir: str | None = None
    image_engine: str = "openai"  # openai (the picture server) or offline (the painter)
    response_format: str = "auto"  # auto, json_schema, json_object or text
    plan_mode: str = "auto"  # auto, whole or per-page
    learned_formats: dict[str, str] = Field(default_factory=dict)
    """The response format that worked, by "endpoint model"."""

    def clean(self) -> AppSettings:
        return self.model_copy(
            update={
                "base_url": strip_credentials(self.base_url),
                "image_base_url": strip_credentials(self.image_base_url),
            }
        )


def settings_file() -> Path:
    override = os.environ.get("STUDIO_CONFIG_DIR")
    folder = (
        Path(override)
        if override
        else platformdirs.user_config_path("StoryStudio", appauthor=False)
    )
    return folder / "settings.json"


def load_settings(path: Path | None = None) -> AppSettings:
    path = path or settings_file()
    try:
        return AppSettings.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError):
        return AppSettings()


def save_settings(settings: AppSettings, path: Path | None = None) -> None:
    path = path or settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, settings.clean().model_dump_json(indent=2).encode())


def _format_key(base_url: str | None, model: str) -> str:
    return f"{strip_credentials(base_url) or 'default'} {model}"


class FormatMemory:
    """The response format each endpoint and model took, kept in the settings file.

    Read once when a run starts; written only when a server turns out to take
    another format than the one remembered.
    """

    def __init__(self, path: Path | None = None) -> None:
        self._path = path

    def recall(self, base_url: str | None, model: str) -> str | None:
        return load_settings(self._path).learned_formats.get(_format_key(base_url, model))

    def remember(self, base_url: str | None, model: str, fmt: str) -> None:
        settings = load_settings(self._path)
        settings.learned_formats[_format_key(base_url, model)] = fmt
        try:
            save_settings(settings, self._path)
        except OSError:
            pass  # a settings folder that cannot be written costs only the next negotiation

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

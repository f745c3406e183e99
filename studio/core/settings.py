"""The studio's saved preferences. Never holds a key: keys live in the OS keyring."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import platformdirs
from pydantic import BaseModel, Field, ValidationError

from studio.core.config import DEFAULT_IMAGE_MODEL, DEFAULT_TEXT_MODEL, strip_credentials
from studio.core.library import atomic_write
from studio.core.safeio import UnsafeFileError, read_bounded

SETTINGS_LIMIT = 1024 * 1024
"""The largest settings file read: real ones are a few hundred bytes."""


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
    confirm_stop: bool = True
    """Ask before Esc or Cancel stops a running generation."""
    confirm_quit: bool = True
    """Ask before quitting while a book is being generated."""
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


@dataclass(frozen=True)
class SettingsLoad:
    """What reading the settings file gave: the settings, and what went wrong, if anything."""

    settings: AppSettings
    notice: str | None = None
    """A sentence for the person: why the file was not used and where it is now."""
    kept_as: Path | None = None
    """Where an unusable settings file was moved, beside its old place."""


_notices: list[str] = []
_notices_lock = threading.Lock()


def read_settings(path: Path | None = None) -> SettingsLoad:
    """Read the settings file; a missing one gives the defaults without a word.

    A file that cannot be used (not JSON, not valid settings, not a regular
    file, larger than `SETTINGS_LIMIT`, unreadable) is renamed beside itself to
    ``settings.json.corrupt-YYYYMMDD-HHMMSS``, its bytes untouched, and the
    defaults are used; the notice says so. A pipe or device in its place is
    never opened for reading beyond a non-blocking open, only renamed.
    """
    path = path or settings_file()
    for _ in range(3):
        try:
            seen = os.lstat(path)
        except FileNotFoundError:
            return SettingsLoad(AppSettings())
        except OSError as err:
            return _kept_aside(path, _os_reason(err))
        try:
            return SettingsLoad(AppSettings.model_validate_json(read_bounded(path, SETTINGS_LIMIT)))
        except FileNotFoundError:
            continue  # gone (or a dangling link) since it was looked at: look again
        except OSError as err:
            reason = _os_reason(err)
        except ValidationError as err:
            reason = _validation_reason(err)
        except ValueError:
            reason = "it is not valid JSON"
        if _same_entry(path, seen):
            return _kept_aside(path, reason)
        # another process replaced the file while it was read: read the new one
    return SettingsLoad(AppSettings())


def load_settings(path: Path | None = None) -> AppSettings:
    """The saved settings, or the defaults. A file that could not be used is kept
    aside, and `take_settings_notice()` says so once."""
    loaded = read_settings(path)
    if loaded.notice is not None:
        with _notices_lock:
            _notices.append(loaded.notice)
    return loaded.settings


def take_settings_notice() -> str | None:
    """What went wrong with the settings file since this was last asked, or None.

    Each notice is given once, for the CLI to print or the window to show.
    """
    with _notices_lock:
        notices = list(dict.fromkeys(_notices))
        _notices.clear()
    return " ".join(notices) or None


def _same_entry(path: Path, seen: os.stat_result) -> bool:
    try:
        now = os.lstat(path)
    except OSError:
        return False
    return (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) == (
        seen.st_dev,
        seen.st_ino,
        seen.st_size,
        seen.st_mtime_ns,
    )


def _os_reason(err: OSError) -> str:
    if isinstance(err, UnsafeFileError):
        return str(err)  # its own sentence: "it is a pipe (FIFO), not a file"
    if isinstance(err, PermissionError):
        return "permission denied"
    text = err.strerror or str(err) or type(err).__name__
    return text[:1].lower() + text[1:]


def _validation_reason(err: ValidationError) -> str:
    first = err.errors()[0]
    if first["type"] == "json_invalid":
        return "it is not valid JSON"
    where = ".".join(str(part) for part in first["loc"])[:80] or "the top level"
    where = "".join(c if c.isprintable() else "?" for c in where)  # keys come from the file
    return f"{where}: {first['msg']}"


def _aside_name(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while os.path.lexists(candidate):
        number += 1
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
    return candidate


def _kept_aside(path: Path, reason: str) -> SettingsLoad:
    """Rename the unusable entry at `path` (a file, a link, a pipe: never opened) aside."""
    target = _aside_name(path)
    try:
        os.replace(path, target)
    except FileNotFoundError:
        return SettingsLoad(AppSettings())  # another process moved it aside first
    except OSError as err:
        return SettingsLoad(
            AppSettings(),
            f"Your settings file {path} could not be read ({reason}); it could not be "
            f"moved aside either ({_os_reason(err)}), and the defaults are in use.",
        )
    return SettingsLoad(
        AppSettings(),
        f"Your settings file {path} could not be read ({reason}); it was kept as "
        f"{target} and the defaults are in use.",
        kept_as=target,
    )


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

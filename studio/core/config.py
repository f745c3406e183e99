"""Which engine a run uses, where its endpoints are, and where the key comes from.

The key follows the SDK's convention (OPENAI_API_KEY), then the OS keyring.
It lives only in memory: `EngineConfig` never prints it and books never hold it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger(__name__)

KEYRING_SERVICE = "Story Studio"
KEYRING_USER = "api-key"
DEFAULT_TEXT_MODEL = "gpt-4.1-mini"
DEFAULT_IMAGE_MODEL = "gpt-image-1"
OFFLINE_TEXT_MODEL = "offline-storyteller"
OFFLINE_IMAGE_MODEL = "offline-painter"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


class ConfigError(Exception):
    """The configuration cannot work. The message says what to set."""


@dataclass(frozen=True)
class EngineConfig:
    engine: str
    text_model: str
    image_model: str
    base_url: str | None = None
    image_base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    image_api_key: str | None = field(default=None, repr=False)
    image_engine: str = ""
    """Where pictures come from: "openai" or "offline" (the painter); "" follows `engine`."""
    response_format: str = "auto"
    """auto, json_schema, json_object or text: how the story server is asked for JSON."""

    @property
    def offline(self) -> bool:
        return self.engine == "offline"

    @property
    def offline_pictures(self) -> bool:
        return self.offline or self.image_engine == "offline"


def strip_credentials(url: str | None) -> str | None:
    """Drop any user:password@ part so a URL can be stored or shown."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def is_local(url: str | None) -> bool:
    return bool(url) and (urlsplit(url).hostname or "") in LOCAL_HOSTS


def insecure_url_warning(url: str | None) -> str | None:
    """A warning when a key would travel unencrypted to another machine."""
    if url and urlsplit(url).scheme == "http" and not is_local(url):
        host = urlsplit(url).hostname
        return f"{host} uses plain http: the API key would travel unencrypted. Use https."
    return None


def keyring_key() -> str | None:
    """The key stored with the OS keyring, or None (also when no keyring exists)."""
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            value = keyring.get_password(KEYRING_SERVICE, KEYRING_USER)
        except KeyringError:
            return None
        return value or None
    except Exception:
        log.debug("No keyring available")
        return None


def store_keyring_key(key: str | None) -> str | None:
    """Save (or with None, forget) the key in the OS keyring.

    Returns None on success, or a message saying why it could not be stored:
    then the key is used for this session only and OPENAI_API_KEY is the way
    to keep it. It is never written to a plain file.
    """
    try:
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError

        try:
            if key:
                keyring.set_password(KEYRING_SERVICE, KEYRING_USER, key)
            else:
                keyring.delete_password(KEYRING_SERVICE, KEYRING_USER)
        except PasswordDeleteError:
            return None
        except KeyringError as err:
            return f"No keyring is available to store the key ({err}). Set OPENAI_API_KEY instead."
    except Exception as err:
        return f"No keyring is available to store the key ({type(err).__name__}). Set OPENAI_API_KEY instead."
    return None


def find_api_key() -> str | None:
    return os.environ.get("OPENAI_API_KEY") or keyring_key()


def _all_local(base_url: str | None, image_base_url: str | None, image_engine: str | None) -> bool:
    """Every server the book would call is on this machine (pictures painted count)."""
    painted = image_engine == "offline"
    return is_local(base_url) and (painted or image_base_url is None or is_local(image_base_url))


def chosen_engine(
    engine: str | None,
    *,
    base_url: str | None = None,
    image_base_url: str | None = None,
    image_engine: str | None = None,
    api_key: str | None = None,
) -> str:
    """The engine a book uses: the one named, else openai with a configured key or
    when every server is on this machine, else offline. `resolve` decides the same."""
    if engine in ("offline", "openai"):
        return engine
    base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
    key = api_key or find_api_key()
    return "openai" if key or _all_local(base_url, image_base_url, image_engine) else "offline"


def resolve(
    engine: str | None,
    *,
    base_url: str | None = None,
    image_base_url: str | None = None,
    text_model: str | None = None,
    image_model: str | None = None,
    api_key: str | None = None,
    image_engine: str | None = None,
    response_format: str | None = None,
) -> EngineConfig:
    """Decide the engines. With no engine named, a configured key or a local story
    server means openai. Endpoints: the argument (a flag or the book), then
    OPENAI_BASE_URL; pictures go where the story goes unless `image_base_url` says."""
    base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
    key = api_key or find_api_key()
    if image_engine not in (None, "", "openai", "offline"):
        raise ConfigError(f"Unknown picture engine {image_engine!r}: use 'offline' or 'openai'.")
    painter = image_engine == "offline"
    local = _all_local(base_url, image_base_url, image_engine)
    chosen = engine or chosen_engine(
        None, base_url=base_url, image_base_url=image_base_url, image_engine=image_engine,
        api_key=key,
    )  # fmt: skip
    if chosen == "offline":
        return EngineConfig("offline", OFFLINE_TEXT_MODEL, OFFLINE_IMAGE_MODEL)
    if chosen != "openai":
        raise ConfigError(f"Unknown engine {chosen!r}: use 'offline' or 'openai'.")
    if not key and not local:
        raise ConfigError(
            "The openai engine needs an API key: set OPENAI_API_KEY (or save a key in the "
            "studio's Settings), or use --engine offline."
        )
    return EngineConfig(
        engine="openai",
        text_model=text_model or DEFAULT_TEXT_MODEL,
        image_model=OFFLINE_IMAGE_MODEL if painter else (image_model or DEFAULT_IMAGE_MODEL),
        base_url=base_url,
        image_base_url=None if painter else (image_base_url or base_url),
        api_key=key or "not-needed-for-local-servers",
        image_api_key=key or "not-needed-for-local-servers",
        image_engine="offline" if painter else "openai",
        response_format=response_format or "auto",
    )

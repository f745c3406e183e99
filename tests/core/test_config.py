"""Which engine, which server and which key a run gets, and what a person is told."""

from __future__ import annotations

import pytest

from studio.core.config import (
    DEFAULT_IMAGE_MODEL,
    DEFAULT_TEXT_MODEL,
    OFFLINE_IMAGE_MODEL,
    OFFLINE_TEXT_MODEL,
    ConfigError,
    find_api_key,
    insecure_url_warning,
    is_local,
    keyring_key,
    resolve,
    store_keyring_key,
    strip_credentials,
)

KEY = "sk-test-config-0123456789"
LLAMA = "http://127.0.0.1:8080/v1"
REMOTE = "https://llm.example.org/v1"


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


# --- resolve -------------------------------------------------------------------------


def test_with_nothing_configured_a_run_is_offline_with_the_offline_models() -> None:
    config = resolve(None)
    assert (config.engine, config.text_model, config.image_model) == (
        "offline",
        OFFLINE_TEXT_MODEL,
        OFFLINE_IMAGE_MODEL,
    )
    assert config.offline and config.offline_pictures
    assert config.base_url is None and config.api_key is None


def test_a_key_in_the_environment_means_openai_with_the_default_models(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    config = resolve(None)
    assert config.engine == "openai" and not config.offline_pictures
    assert (config.text_model, config.image_model) == (DEFAULT_TEXT_MODEL, DEFAULT_IMAGE_MODEL)
    assert config.api_key == KEY and config.image_api_key == KEY
    assert config.base_url is None  # the SDK's default: api.openai.com


def test_openai_base_url_is_used_when_no_url_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", LLAMA)
    config = resolve(None)
    assert config.engine == "openai"
    assert config.base_url == LLAMA and config.image_base_url == LLAMA
    assert config.api_key == "not-needed-for-local-servers"


def test_a_url_given_wins_over_openai_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:1234/v1")
    config = resolve("openai", base_url=LLAMA)
    assert config.base_url == LLAMA


def test_pictures_go_where_the_story_goes_unless_another_server_is_named() -> None:
    same = resolve("openai", base_url=LLAMA, api_key=KEY)
    assert same.image_base_url == LLAMA
    other = resolve("openai", base_url=LLAMA, image_base_url=REMOTE, api_key=KEY)
    assert (other.base_url, other.image_base_url) == (LLAMA, REMOTE)


def test_painted_pictures_need_no_picture_server() -> None:
    config = resolve(None, base_url=LLAMA, image_base_url=REMOTE, image_engine="offline")
    assert config.engine == "openai" and config.offline_pictures
    assert config.image_model == OFFLINE_IMAGE_MODEL and config.image_base_url is None
    assert config.image_engine == "offline"


def test_models_and_response_format_are_passed_through() -> None:
    config = resolve(
        "openai",
        base_url=LLAMA,
        text_model="gemma-3-270m",
        image_model="sdxl",
        response_format="json_object",
    )
    assert (config.text_model, config.image_model) == ("gemma-3-270m", "sdxl")
    assert config.response_format == "json_object"
    assert resolve("openai", base_url=LLAMA).response_format == "auto"


def test_openai_without_a_key_for_a_remote_server_says_what_to_set() -> None:
    with pytest.raises(ConfigError, match="needs an API key: set OPENAI_API_KEY") as caught:
        resolve("openai", base_url=REMOTE)
    assert "--engine offline" in str(caught.value)


def test_an_unknown_engine_or_picture_engine_is_named() -> None:
    with pytest.raises(ConfigError, match="Unknown engine 'ollama'"):
        resolve("ollama", api_key=KEY)
    with pytest.raises(ConfigError, match="Unknown picture engine 'dalle'"):
        resolve("openai", api_key=KEY, image_engine="dalle")


def test_the_key_never_shows_in_the_config_repr() -> None:
    config = resolve("openai", api_key=KEY)
    assert KEY not in repr(config) and KEY not in str(config)


# --- URLs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://user:secret@llm.example.org/v1", "https://llm.example.org/v1"),
        ("http://token@127.0.0.1:8080/v1?x=1#top", "http://127.0.0.1:8080/v1?x=1#top"),
        ("https://llm.example.org:8443/v1", "https://llm.example.org:8443/v1"),
        ("http://localhost:11434/v1", "http://localhost:11434/v1"),
        (None, None),
        ("", ""),
    ],
)
def test_strip_credentials_keeps_everything_but_the_user_and_password(
    url: str | None, stored: str | None
) -> None:
    assert strip_credentials(url) == stored


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://localhost:1234/v1", True),
        ("http://127.0.0.1:8080/v1", True),
        ("http://[::1]:5001/v1", True),
        ("http://192.168.1.20:11434/v1", False),
        ("https://api.openai.com/v1", False),
        (None, False),
    ],
)
def test_only_this_machine_counts_as_local(url: str | None, local: bool) -> None:
    assert is_local(url) is local


def test_plain_http_to_another_machine_is_warned_about_by_host() -> None:
    warning = insecure_url_warning("http://gpu-box.lan:8000/v1")
    assert warning == (
        "gpu-box.lan uses plain http: the API key would travel unencrypted. Use https."
    )


@pytest.mark.parametrize("url", ["https://llm.example.org/v1", LLAMA, "http://localhost/v1", None])
def test_https_and_this_machine_raise_no_warning(url: str | None) -> None:
    assert insecure_url_warning(url) is None


# --- The key ---------------------------------------------------------------------------


def test_the_environment_key_comes_first_and_no_keyring_means_no_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert keyring_key() is None and find_api_key() is None
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert find_api_key() == KEY


def test_storing_a_key_without_a_keyring_says_to_use_the_environment() -> None:
    import keyring
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        message = store_keyring_key(KEY)
        assert keyring_key() is None
    finally:
        keyring.set_keyring(before)
    assert message is not None and message.endswith("Set OPENAI_API_KEY instead.")
    assert message.startswith("No keyring is available to store the key")
    assert KEY not in message

"""One rule picks a book's engine, for the New Book form and for every run alike."""

from __future__ import annotations

import pytest

from studio.core.config import chosen_engine, resolve

LOCAL, REMOTE = "http://127.0.0.1:8080/v1", "https://api.example.com/v1"


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


CASES = [
    # (engine, base_url, image_base_url, image_engine, key) -> engine
    ((None, None, None, None, None), "offline"),
    ((None, None, None, None, "sk-x"), "openai"),
    ((None, LOCAL, None, "openai", None), "openai"),
    ((None, LOCAL, REMOTE, "openai", None), "offline"),  # pictures would need a key
    ((None, LOCAL, REMOTE, "offline", None), "openai"),  # pictures painted here
    ((None, REMOTE, None, None, None), "offline"),
    (("offline", None, None, None, "sk-x"), "offline"),
    (("openai", LOCAL, None, None, None), "openai"),
]


@pytest.mark.parametrize(("given", "expected"), CASES)
def test_the_form_and_a_run_choose_the_same_engine(
    given: tuple[str | None, ...], expected: str
) -> None:
    engine, base_url, image_base_url, image_engine, key = given
    chosen = chosen_engine(
        engine,
        base_url=base_url,
        image_base_url=image_base_url,
        image_engine=image_engine,
        api_key=key,
    )
    assert chosen == expected
    run = resolve(
        engine,
        base_url=base_url,
        image_base_url=image_base_url,
        image_engine=image_engine,
        api_key=key,
    )
    assert run.engine == expected

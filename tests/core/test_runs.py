"""What a run of a book uses, worked out the same for the CLI and the window."""

from __future__ import annotations

import pytest

from studio.core.book import GenerationSettings
from studio.core.config import ConfigError
from studio.core.events import Outcome, RunFinished, StopReason
from studio.core.pipeline import PipelineConfig, PlanMode
from studio.core.runs import (
    ExitCode,
    Overrides,
    apply_overrides,
    engine_config,
    exit_code,
    pipeline_config,
)

LLAMA = "http://127.0.0.1:8080/v1"
LMSTUDIO = "http://localhost:1234/v1"


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


def settings(**values: object) -> GenerationSettings:
    return GenerationSettings(premise="a fox", **values)  # type: ignore[arg-type]


# --- apply_overrides -------------------------------------------------------------------


def test_nothing_asked_keeps_the_book_as_it_is() -> None:
    book = settings(engine="openai", base_url=LLAMA, text_model="gemma", concurrency=2)
    before = book.model_copy()
    apply_overrides(book, Overrides())
    assert book == before


def test_a_new_story_server_moves_the_pictures_too() -> None:
    book = settings(engine="openai", base_url=LLAMA, image_base_url=LLAMA)
    apply_overrides(book, Overrides(base_url=LMSTUDIO))
    assert book.base_url == LMSTUDIO
    assert book.image_base_url is None  # "same as the story"
    assert engine_config(book).image_base_url == LMSTUDIO


def test_a_picture_server_of_its_own_stays_when_the_story_server_changes() -> None:
    book = settings(engine="openai", base_url=LLAMA, image_base_url="https://img.example.org/v1")
    apply_overrides(book, Overrides(base_url=LMSTUDIO))
    assert (book.base_url, book.image_base_url) == (LMSTUDIO, "https://img.example.org/v1")


def test_a_url_is_stored_without_its_password() -> None:
    book = settings(engine="openai")
    apply_overrides(
        book,
        Overrides(base_url="http://me:secret@127.0.0.1:8080/v1", image_base_url=LMSTUDIO),
    )
    assert book.base_url == LLAMA and "secret" not in book.model_dump_json()


def test_models_limits_and_plan_mode_are_changed_as_asked() -> None:
    book = settings()
    apply_overrides(
        book,
        Overrides(
            text_model="gemma-3-270m",
            image_model="sdxl",
            image_engine="offline",
            concurrency=7,
            character_lock=True,
            budget_usd=0.5,
            plan_mode="per-page",
        ),
    )
    assert (book.text_model, book.image_model, book.image_engine) == (
        "gemma-3-270m",
        "sdxl",
        "offline",
    )
    assert (book.concurrency, book.character_lock, book.budget_usd) == (7, True, 0.5)
    assert book.plan_mode == "per-page"


# --- engine_config and pipeline_config ----------------------------------------------


def test_the_book_says_which_engine_and_server_a_run_uses() -> None:
    book = settings(engine="openai", base_url=LLAMA, text_model="gemma-3-270m")
    config = engine_config(book, response_format="json_object")
    assert (config.engine, config.base_url, config.text_model) == ("openai", LLAMA, "gemma-3-270m")
    assert config.response_format == "json_object"
    assert engine_config(settings()).engine == "offline"


def test_a_session_key_is_used_for_a_remote_server() -> None:
    book = settings(engine="openai", base_url="https://llm.example.org/v1")
    with pytest.raises(ConfigError, match="needs an API key"):
        engine_config(book)
    assert engine_config(book, api_key="sk-session-only-123").api_key == "sk-session-only-123"


def test_the_run_takes_the_books_limits() -> None:
    book = settings(concurrency=3, budget_usd=1.25, character_lock=True, plan_mode="whole")
    config = pipeline_config(book, environ={})
    assert (config.concurrency, config.budget_usd, config.character_lock) == (3, 1.25, True)
    assert config.plan_mode is PlanMode("whole")
    defaults = PipelineConfig()
    assert config.call_timeout == defaults.call_timeout


def test_an_unknown_plan_mode_in_a_book_means_auto() -> None:
    assert pipeline_config(settings(plan_mode="sideways"), environ={}).plan_mode is PlanMode.AUTO


def test_time_limits_come_from_the_environment() -> None:
    env = {"STUDIO_CALL_TIMEOUT": "12.5", "STUDIO_PLAN_SECONDS_PER_PAGE": "5"}
    config = pipeline_config(settings(), environ=env)
    assert config.call_timeout == config.stream_idle_timeout == 12.5
    assert config.plan_seconds_per_page == 5
    assert config.plan_seconds_base == 20  # at most four pages' worth


@pytest.mark.parametrize(
    ("value", "message"),
    [("soon", "must be a number of seconds"), ("0", "must be more than 0 seconds")],
)
def test_a_bad_time_limit_names_the_variable(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"STUDIO_CALL_TIMEOUT {message}"):
        pipeline_config(settings(), environ={"STUDIO_CALL_TIMEOUT": value})


# --- exit_code -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "stop", "code"),
    [
        (Outcome.COMPLETE, None, 0),
        (Outcome.FAILED_PAGES, None, 3),
        (Outcome.BUDGET, None, 3),
        (Outcome.CANCELLED, None, 130),
        (Outcome.PLAN_FAILED, None, 1),
        (Outcome.DELETED, None, 5),
        (Outcome.STOPPED, StopReason.KEY_REJECTED, 2),
        (Outcome.STOPPED, StopReason.CANNOT_SAVE, 1),
        (Outcome.STOPPED, StopReason.UNEXPECTED, 1),
    ],
)
def test_every_way_a_run_ends_has_its_exit_status(
    outcome: Outcome, stop: StopReason | None, code: int
) -> None:
    assert exit_code(RunFinished(outcome=outcome, stop=stop)) == code


def test_every_outcome_has_an_exit_status() -> None:
    for outcome in Outcome:
        assert isinstance(exit_code(RunFinished(outcome=outcome)), ExitCode)

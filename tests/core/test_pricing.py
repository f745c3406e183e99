"""The cost a person sees before and during a run, from the price tables."""

from __future__ import annotations

import pytest

from studio.core.pricing import (
    PLAN_INPUT_TOKENS,
    PLAN_OUTPUT_TOKENS_BASE,
    PLAN_OUTPUT_TOKENS_PER_PAGE,
    estimate_book_cost,
    estimate_image_cost,
    estimate_text_cost,
)


def test_a_text_call_costs_its_tokens_at_the_models_price() -> None:
    # gpt-4.1-mini: $0.40 in, $1.60 out per million tokens
    assert estimate_text_cost("gpt-4.1-mini", 1_000_000, 0) == pytest.approx(0.40)
    assert estimate_text_cost("gpt-4.1-mini", 1000, 500) == pytest.approx(0.0012)


def test_a_dated_model_name_uses_its_longest_prefix() -> None:
    assert estimate_text_cost("gpt-4o-mini-2024-07-18", 1_000_000, 0) == pytest.approx(0.15)
    assert estimate_text_cost("gpt-4o-2024-08-06", 1_000_000, 0) == pytest.approx(2.50)
    assert estimate_text_cost("  GPT-4.1-Nano ", 0, 1_000_000) == pytest.approx(0.40)


@pytest.mark.parametrize("model", ["gemma-3-270m", "llama3.2", "qwen2.5:7b", "offline-storyteller"])
def test_local_and_unknown_models_are_free(model: str) -> None:
    assert estimate_text_cost(model, 10_000, 10_000) == 0.0
    assert estimate_image_cost(model, "1024x1024") == 0.0


@pytest.mark.parametrize(
    ("model", "size", "quality", "price"),
    [
        ("gpt-image-1", "1024x1024", "low", 0.011),
        ("gpt-image-1", "1024x1536", "high", 0.25),
        ("gpt-image-1", "1024x1024", "auto", 0.042),  # auto is priced as medium
        ("gpt-image-1-mini", "1024x1024", "medium", 0.011),  # not gpt-image-1's row
        ("dall-e-3", "1024x1024", "auto", 0.04),  # auto is priced as standard
        ("dall-e-3", "1792x1024", "hd", 0.12),
        ("dall-e-2", "512x512", "auto", 0.018),
    ],
)
def test_a_picture_costs_what_the_table_says(
    model: str, size: str, quality: str, price: float
) -> None:
    assert estimate_image_cost(model, size, quality) == pytest.approx(price)


def test_an_unlisted_size_is_priced_as_the_dearest_one() -> None:
    assert estimate_image_cost("gpt-image-1", "2048x2048", "medium") == pytest.approx(0.063)


def test_a_book_costs_one_plan_call_and_one_picture_a_page() -> None:
    pages = 8
    plan = estimate_text_cost(
        "gpt-4.1-mini",
        PLAN_INPUT_TOKENS,
        PLAN_OUTPUT_TOKENS_BASE + PLAN_OUTPUT_TOKENS_PER_PAGE * pages,
    )
    expected = plan + pages * 0.042
    assert estimate_book_cost("gpt-4.1-mini", "gpt-image-1", pages, "1024x1024") == pytest.approx(
        expected, abs=1e-4
    )
    assert estimate_book_cost("gemma-3-270m", "offline-painter", pages, "1024x1024") == 0.0

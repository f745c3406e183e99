"""Estimated prices of text and image models, and the cost estimates built on them.

Prices are in US dollars and change over time: update the tables below when the
providers publish new ones. Models are matched by the longest prefix of their name,
so "gpt-4o-mini-2024-07-18" uses the "gpt-4o-mini" row. Unknown and local models
(Ollama, LM Studio, llama.cpp, vLLM, ...) cost 0.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

_T = TypeVar("_T")


@dataclass(frozen=True)
class TextPrice:
    """Dollars per one million input and output tokens."""

    input_per_m: float
    output_per_m: float


TEXT_PRICES: dict[str, TextPrice] = {
    "gpt-4o-mini": TextPrice(0.15, 0.60),
    "gpt-4o": TextPrice(2.50, 10.00),
    "gpt-4.1-nano": TextPrice(0.10, 0.40),
    "gpt-4.1-mini": TextPrice(0.40, 1.60),
    "gpt-4.1": TextPrice(2.00, 8.00),
    "gpt-5-nano": TextPrice(0.05, 0.40),
    "gpt-5-mini": TextPrice(0.25, 2.00),
    "gpt-5": TextPrice(1.25, 10.00),
    "o4-mini": TextPrice(1.10, 4.40),
    "o3-mini": TextPrice(1.10, 4.40),
    "o3": TextPrice(2.00, 8.00),
    "gpt-3.5-turbo": TextPrice(0.50, 1.50),
}

# Dollars per picture: model prefix -> quality -> size -> price.
# "auto" quality is estimated as "medium" (gpt-image) or "standard" (dall-e-3).
IMAGE_PRICES: dict[str, dict[str, dict[str, float]]] = {
    "gpt-image-1-mini": {
        "low": {"1024x1024": 0.005, "1024x1536": 0.006, "1536x1024": 0.006},
        "medium": {"1024x1024": 0.011, "1024x1536": 0.015, "1536x1024": 0.015},
        "high": {"1024x1024": 0.036, "1024x1536": 0.052, "1536x1024": 0.052},
    },
    "gpt-image-1": {
        "low": {"1024x1024": 0.011, "1024x1536": 0.016, "1536x1024": 0.016},
        "medium": {"1024x1024": 0.042, "1024x1536": 0.063, "1536x1024": 0.063},
        "high": {"1024x1024": 0.167, "1024x1536": 0.25, "1536x1024": 0.25},
    },
    "dall-e-3": {
        "standard": {"1024x1024": 0.04, "1024x1792": 0.08, "1792x1024": 0.08},
        "hd": {"1024x1024": 0.08, "1024x1792": 0.12, "1792x1024": 0.12},
    },
    "dall-e-2": {
        "standard": {"256x256": 0.016, "512x512": 0.018, "1024x1024": 0.02},
    },
}

_DEFAULT_QUALITY = {"auto": ("medium", "standard"), "": ("medium", "standard")}

# Rough size of one plan call, for estimates made before anything is generated.
PLAN_INPUT_TOKENS = 700
PLAN_OUTPUT_TOKENS_BASE = 250
PLAN_OUTPUT_TOKENS_PER_PAGE = 120


def _longest_prefix(table: dict[str, _T], model: str) -> _T | None:
    name = model.strip().lower()
    matches = [prefix for prefix in table if name.startswith(prefix)]
    return table[max(matches, key=len)] if matches else None


def estimate_text_cost(model: str, input_tokens: int, output_tokens: int) -> float:
    """Estimated dollars for one text call; 0.0 for unknown or local models."""
    price = _longest_prefix(TEXT_PRICES, model)
    if price is None:
        return 0.0
    cost = input_tokens * price.input_per_m + output_tokens * price.output_per_m
    return round(cost / 1_000_000, 6)


def _quality_row(table: dict[str, dict[str, float]], quality: str) -> dict[str, float]:
    wanted = quality.strip().lower()
    if wanted in table:
        return table[wanted]
    for fallback in _DEFAULT_QUALITY.get(wanted, ("medium", "standard")):
        if fallback in table:
            return table[fallback]
    return next(iter(table.values()))


def estimate_image_cost(model: str, size: str, quality: str = "auto") -> float:
    """Estimated dollars for one picture; 0.0 for unknown or local models.

    A size missing from the table is priced like the table's most expensive size.
    """
    by_quality = _longest_prefix(IMAGE_PRICES, model)
    if by_quality is None:
        return 0.0
    by_size = _quality_row(by_quality, quality)
    return by_size.get(size.strip().lower(), max(by_size.values()))


def estimate_book_cost(
    text_model: str, image_model: str, pages: int, size: str, quality: str = "auto"
) -> float:
    """Estimated dollars for a whole book: one plan call plus one picture per page."""
    output_tokens = PLAN_OUTPUT_TOKENS_BASE + PLAN_OUTPUT_TOKENS_PER_PAGE * pages
    text = estimate_text_cost(text_model, PLAN_INPUT_TOKENS, output_tokens)
    images = pages * estimate_image_cost(image_model, size, quality)
    return round(text + images, 4)

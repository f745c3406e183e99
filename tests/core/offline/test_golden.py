"""The offline engine's books for three premises, fixed so that any change shows as a diff.

A change to the data files or the engine that alters these books fails this test,
line by line. When the change is meant, write the new books with

    STUDIO_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/core/offline/test_golden.py

and review the difference of golden_books.json before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from studio.core.offline.appearance import appearance_of
from studio.core.offline.painter import paint_image, read_scene
from studio.core.offline.story import compose_plan, rewrite_page
from studio.core.prompting import page_prompt

GOLDEN = Path(__file__).with_name("golden_books.json")
BOOKS = [
    ("a shy hedgehog named Pip who is afraid of the dark", 6, "4-7", ""),
    (
        "A girl named Maya and her dog Biscuit go to the beach to find the singing shell",
        8,
        "6-9",
        "bold crayon drawing in red and teal",
    ),
    ("a little dragon who dreams of flying to the moon, a story about friendship", 4, "2-3", ""),
]
REWRITES = ["", "funnier please", "in rhyme"]
SIGNATURE = 4  # each picture as a 4x4 grid of average colours
TOLERANCE = 4  # per colour channel: the paper texture is random noise


def _book(premise: str, pages: int, age: str, art_style: str) -> dict[str, Any]:
    plan = compose_plan(premise, pages, age, art_style)
    texts = [page.text for page in plan.pages]
    pictures = []
    for number, page in enumerate(plan.pages, start=1):
        present = [c for c in plan.characters if c.name in page.characters]
        image = paint_image(page.scene, plan.style, present, "96x96", seed=number)
        small = image.convert("RGB").resize((SIGNATURE, SIGNATURE), Image.Resampling.BOX)
        cells = [small.getpixel((x, y)) for y in range(SIGNATURE) for x in range(SIGNATURE)]
        pictures.append(" ".join(_hex(cell) for cell in cells))  # type: ignore[arg-type]
    return {
        "premise": premise,
        "page_count": pages,
        "audience_age": age,
        "art_style": art_style,
        "title": plan.title,
        "style": plan.style.model_dump(),
        "characters": [c.model_dump() for c in plan.characters],
        "looks": [_look(c.description) for c in plan.characters],
        "pages": [
            {
                "text": page.text,
                "scene": page.scene,
                "characters": page.characters,
                "painter_reads": _scene(page.scene),
                "prompt": page_prompt(
                    plan.style,
                    [c for c in plan.characters if c.name in page.characters],
                    page.scene,
                ),
            }
            for page in plan.pages
        ],
        "rewrites": [
            {
                "page": 1 + i % pages,
                "instruction": wish,
                **rewrite_page(premise, texts, 1 + i % pages, wish, age).model_dump(),
            }
            for i, wish in enumerate(REWRITES)
        ],
        "pictures": pictures,
    }


def _look(description: str) -> dict[str, Any]:
    look = appearance_of(description)
    return {
        "species": look.species,
        "body": " ".join([look.kind.body, look.kind.ears, look.kind.tail, *look.kind.extras]),
        "colours": " ".join(
            _hex(c) for c in (look.coat, look.belly, look.cloth_colour, look.mark_colour)
        ),
        "cloth": look.cloth,
        "mark": look.mark,
        "scale": look.scale,
    }


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _rgb(text: str) -> tuple[int, int, int]:
    return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)


def _scene(scene: str) -> str:
    spec = read_scene(scene)
    flags = [
        k for k in ("underwater", "rain", "storm", "snow", "lantern", "home") if getattr(spec, k)
    ]
    return " ".join([spec.setting, spec.time, spec.shot, spec.mood, *flags])


def _lines(value: Any, path: str = "") -> list[str]:
    """A book as one line per value, so that a difference reads as the key that changed."""
    if isinstance(value, dict):
        return [
            line
            for key, item in value.items()
            for line in _lines(item, f"{path}.{key}" if path else key)
        ]
    if isinstance(value, list) and value and isinstance(value[0], dict | list):
        return [line for i, item in enumerate(value) for line in _lines(item, f"{path}[{i}]")]
    return [f"{path}: {json.dumps(value, ensure_ascii=False)}"]


@pytest.fixture(scope="module")
def books() -> list[dict[str, Any]]:
    made = [_book(*book) for book in BOOKS]
    if os.environ.get("STUDIO_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(made, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return made


@pytest.mark.parametrize("index", range(len(BOOKS)))
def test_the_words_of_the_book_are_unchanged(books: list[dict[str, Any]], index: int) -> None:
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))[index]
    actual = {k: v for k, v in books[index].items() if k != "pictures"}
    assert _lines(actual) == _lines({k: v for k, v in expected.items() if k != "pictures"})


@pytest.mark.parametrize("index", range(len(BOOKS)))
def test_the_pictures_of_the_book_are_unchanged(books: list[dict[str, Any]], index: int) -> None:
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))[index]["pictures"]
    actual = books[index]["pictures"]
    assert len(actual) == len(expected)
    for page, (got, want) in enumerate(zip(actual, expected, strict=True), start=1):
        worst = max(
            abs(a - b)
            for cell, ref in zip(got.split(), want.split(), strict=True)
            for a, b in zip(_rgb(cell), _rgb(ref), strict=True)
        )
        assert worst <= TOLERANCE, (
            f"page {page}: a colour moved by {worst} (got {got}, want {want})"
        )

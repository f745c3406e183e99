"""The words sent to the image model: the same character text on every page."""

from __future__ import annotations

import hashlib

from studio.core.book import Book, Character, Page, StyleGuide
from studio.core.providers.base import ImageRequest


def characters_on_page(book: Book, page: Page) -> list[Character]:
    """The book's characters named on this page, in the book's order."""
    wanted = {name.strip().casefold() for name in page.characters}
    return [c for c in book.characters if c.name.strip().casefold() in wanted]


def character_line(character: Character) -> str:
    return f"{character.name}: {character.description}"


def page_prompt(style: StyleGuide | None, characters: list[Character], scene: str) -> str:
    parts = ["A picture-book illustration."]
    if style:
        parts.append(style.prompt_text())
    if characters:
        parts.append(
            "Characters (draw them exactly like this): "
            + " ".join(
                character_line(c) + ("" if c.description.endswith(".") else ".") for c in characters
            )
        )
    parts.append(f"Scene: {scene}")
    parts.append("No text, letters or captions in the picture.")
    return "\n".join(parts)


def sheet_prompt(style: StyleGuide | None, characters: list[Character]) -> str:
    lines = [
        "A character reference sheet for a picture book: every character standing side by side "
        "on a plain light background, full body, facing the viewer.",
    ]
    if style:
        lines.append(style.prompt_text())
    lines.extend(character_line(c) for c in characters)
    lines.append("No text, letters or captions in the picture.")
    return "\n".join(lines)


def page_seed(book: Book, number: int) -> int:
    digest = hashlib.sha256(f"{book.id}:{number}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def image_request(book: Book, page: Page, prompt_override: str | None = None) -> ImageRequest:
    present = characters_on_page(book, page)
    prompt = prompt_override or page_prompt(book.style, present, page.scene)
    return ImageRequest(
        prompt=prompt,
        size=book.settings.image_size,
        quality=book.settings.image_quality,
        scene=page.scene,
        style=book.style,
        characters=tuple(present),
        seed=page_seed(book, page.number),
    )

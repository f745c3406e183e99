"""The words sent to the models: the same character text on every page, and the chat
prompts for plans, outlines, pages and rewrites."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from studio.core.book import Book, Character, Page, StyleGuide
from studio.core.language import name, primary
from studio.core.providers.base import ImageRequest, PageRequest, PageRewriteRequest, PlanRequest


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


# --- Words sent to the language model ------------------------------------------------

PLAN_SYSTEM_PROMPT = """\
You are an award-winning picture-book author and art director. You write one \
complete picture book and answer with a single JSON object.

Rules:
- Write exactly {pages} pages: the "pages" array has exactly {pages} items.
- Write for children aged {age}: 1 to 4 short sentences per page, words they know, \
a clear beginning, middle and satisfying end.
- "title" is the book's title.
- "style" fixes the look of every picture in the book. {art_style}
- "characters" lists every character who appears in a picture. Each "description" \
is fixed and concrete: kind or species, size, colours, clothing and one \
distinguishing mark, in one sentence. It is repeated word for word in every \
picture, so it never mentions moods, actions or places.
- Each page's "scene" describes the picture only: setting, time of day, what each \
character is doing, composition and viewpoint. It does not repeat the characters' \
looks and never asks for words or letters in the picture.
- Each page's "characters" lists the names, exactly as in "characters", of those \
visible in its picture.
- Answer with the JSON object only, no commentary."""

OUTLINE_SYSTEM_PROMPT = """\
You are a picture-book author planning a book of {pages} pages for children aged \
{age}. Answer with one JSON object: "title" (the book's title), "style" (art_style, \
palette and medium of every picture; {art_style}), "characters" (each with a "name" \
and a one-sentence visual "description": kind, colours, clothing) and "outline": \
exactly {pages} short lines, one per page, saying what happens on that page, from \
the beginning to a happy ending. Answer with the JSON object only."""

PAGE_SYSTEM_PROMPT = """\
You write one page of a picture book for children aged {age}. Answer with JSON: \
"text" is 2 or 3 short sentences of the story for this page; "scene" says what \
the picture shows."""

REWRITE_SYSTEM_PROMPT = """\
You are a picture-book author revising one page of your own book for children aged \
{age}. Keep the story consistent with the other pages and the characters' names. \
Answer with a JSON object with exactly two string fields: "text" (the words printed \
on the page, 1 to 4 short sentences) and "scene" (what the illustration shows: \
setting, action, composition; no words in the picture)."""

SCHEMA_MARKER = "The JSON object must match this JSON Schema:"

Messages = list[dict[str, str]]


def in_language(system: str, language: str) -> str:
    """`system` with the language to write in; English books' prompts are unchanged.

    What the illustrator reads (scenes, style, looks) stays in English, which every
    image model follows best; the JSON keys never change."""
    if primary(language) == "en":
        return system
    told = f"Write the words of the book (its title and its pages' text) in {name(language)} ({language})."
    told += (
        " Write each scene, the style and the characters' descriptions in English: "
        "they instruct the illustrator."
    )
    return f"{system}\n{told} The JSON keys stay in English."


def _with_schema(system: str, schema: dict[str, Any] | None) -> str:
    if schema is None:
        return system
    return f"{system}\n\n{SCHEMA_MARKER}\n{json.dumps(schema)}"


def _art_style(request: PlanRequest) -> str:
    if request.art_style:
        return f'The author asked for this art style: "{request.art_style}".'
    return "Choose an art style that suits the story."


def plan_messages(request: PlanRequest, schema: dict[str, Any] | None = None) -> Messages:
    """The whole-plan call; `schema` goes into the prompt when the server cannot enforce it."""
    system = PLAN_SYSTEM_PROMPT.format(
        pages=request.pages, age=request.audience_age, art_style=_art_style(request)
    )
    system = in_language(system, request.language)
    user = (
        f"Premise: {request.premise}\nWrite exactly {request.pages} pages for children "
        f"aged {request.audience_age}."
    )
    if request.art_style:
        user += f"\nArt style: {request.art_style}"
    return [
        {"role": "system", "content": _with_schema(system, schema)},
        {"role": "user", "content": user},
    ]


def repair_messages(
    request: PlanRequest, broken: str, problem: str, schema: dict[str, Any]
) -> Messages:
    """Ask once more for a plan, saying what was wrong with the last one."""
    messages = plan_messages(request, schema)
    messages[1]["content"] += (
        f"\n\nYour previous answer was not usable: {problem}\n"
        "Fix the JSON so it matches the schema, keep everything that was already right, "
        f"and keep exactly {request.pages} pages. Previous answer:\n{broken[:6000]}"
    )
    return messages


def outline_messages(request: PlanRequest, schema: dict[str, Any] | None = None) -> Messages:
    system = OUTLINE_SYSTEM_PROMPT.format(
        pages=request.pages, age=request.audience_age, art_style=_art_style(request).lower()
    )
    system = in_language(system, request.language)
    user = f"Premise: {request.premise}\nPlan exactly {request.pages} pages."
    return [
        {"role": "system", "content": _with_schema(system, schema)},
        {"role": "user", "content": user},
    ]


def page_messages(request: PageRequest, schema: dict[str, Any] | None = None) -> Messages:
    """One page of the per-page route: the book, the page before and this page's line.

    Short on purpose: small models lose the thread in a long prompt."""
    line = request.outline[request.number - 1] if request.number <= len(request.outline) else ""
    names = ", ".join(c.name for c in request.characters)
    before = request.earlier_pages[-1] if request.earlier_pages else ""
    user = (
        f"The book: {request.premise}\n"
        + (f"Characters: {names}\n" if names else "")
        + (f"The page before: {before}\n" if before else "")
        + f"Write page {request.number} of {len(request.outline)}. On this page: {line}"
    )
    system = in_language(PAGE_SYSTEM_PROMPT.format(age=request.audience_age), request.language)
    return [
        {"role": "system", "content": _with_schema(system, schema)},
        {"role": "user", "content": user},
    ]


def story_beats(premise: str, pages: int) -> list[str]:
    """A plain shape for a story, one line per page, when a model's outline is unusable."""
    subject = premise.strip().rstrip(".") or "the hero"
    first = f"We meet the story's hero: {subject}."
    last = "A happy ending: the hero has found a way, and everyone is glad."
    middle = [
        "Something the hero wants seems hard to reach.",
        "The hero tries, and it does not work yet.",
        "A friend comes along to help.",
        "They try a new idea together.",
        "It is difficult, but the hero keeps going.",
        "Something surprising happens.",
    ]
    if pages <= 1:
        return [first][:pages]
    inner = [middle[i % len(middle)] for i in range(max(0, pages - 2))]
    return [first, *inner, last]


def rewrite_messages(request: PageRewriteRequest, schema: dict[str, Any] | None = None) -> Messages:
    pages = "\n".join(f"Page {i}: {text}" for i, text in enumerate(request.pages_text, 1))
    instruction = request.instruction or "Make it read better while keeping what happens."
    user = (
        f"Book: {request.title}\nPremise: {request.premise}\n\n{pages}\n\n"
        f"Rewrite page {request.number}. {instruction}\nAnswer with the JSON object only."
    )
    system = in_language(REWRITE_SYSTEM_PROMPT.format(age=request.audience_age), request.language)
    return [
        {"role": "system", "content": _with_schema(system, schema)},
        {"role": "user", "content": user},
    ]

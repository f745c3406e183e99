"""The offline painter makes real pictures, the same character looking the same everywhere."""

from __future__ import annotations

import io
import time
from collections import Counter

import pytest
from PIL import Image, ImageChops

from studio.core.book import Character, StyleGuide
from studio.core.offline.appearance import appearance_of
from studio.core.offline.painter import (
    paint_image,
    paint_scene,
    paint_with_preview,
    parse_size,
    read_scene,
)

STYLE = StyleGuide(
    art_style="soft watercolour", palette="moss green, warm ochre", medium="watercolour"
)
PIP = Character(
    name="Pip",
    description="a small hedgehog with chestnut-brown spines and a cream belly, wearing a coral knitted "
    "scarf, with a white star-shaped patch on one cheek",
)
OLIVE = Character(
    name="Olive",
    description="a small owl with tawny feathers and a cream chest, wearing a sky-blue bobble hat, "
    "with three dark-brown freckles on her nose",
)


def _pixels(image: Image.Image) -> list:
    return list(image.get_flattened_data())


def _decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("size", ["1024x1024", "1536x1024", "512x768"])
def test_painting_decodes_at_the_requested_size(size: str) -> None:
    data = paint_scene("Morning in the forest: Pip waves.", STYLE, [PIP, OLIVE], size, seed=3)
    image = _decode(data)
    assert image.format == "PNG"
    assert image.size == parse_size(size)
    assert len(set(_pixels(image.convert("RGB").resize((32, 32))))) > 50, (
        "a picture, not a flat fill"
    )


def test_a_large_page_paints_fast() -> None:
    paint_scene("warm up", STYLE, [PIP], "256x256")
    started = time.perf_counter()
    paint_scene(
        "Night in the forest: Pip with a lantern.", STYLE, [PIP, OLIVE], "1024x1024", seed=1
    )
    assert time.perf_counter() - started < 1.5


def test_scene_reading() -> None:
    spec = read_scene(
        "Night, moon and stars at the seaside, at the pier: Pip holds a lantern. Close-up."
    )
    assert (spec.setting, spec.time, spec.lantern, spec.shot) == ("sea", "night", True, "close")
    assert read_scene("Morning in the forest: afraid of the dark").time == "day"
    assert read_scene("Sunset in the city").setting == "city"
    assert read_scene("in outer space").time == "night"
    assert read_scene("anything at all").setting == "meadow"


def test_night_is_darker_than_day() -> None:
    day = paint_image("Midday in the meadow", STYLE, [PIP], "256x256", seed=2).convert("L")
    night = paint_image("Night in the meadow", STYLE, [PIP], "256x256", seed=2).convert("L")
    mean = lambda im: sum(_pixels(im)) / (im.width * im.height)  # noqa: E731
    assert mean(night) < mean(day) - 40


def test_same_character_same_colours_on_different_pages() -> None:
    """Paint Pip alone on two different pages and compare the pixels of the figure."""
    scenes = [
        "Morning in the meadow, at the pond: Pip waves.",
        "Afternoon in the meadow: Pip dances.",
    ]
    figures = []
    for seed, scene in enumerate(scenes):
        with_pip = paint_image(scene, None, [PIP], "512x512", seed=seed).convert("RGB")
        without = paint_image(scene, None, [], "512x512", seed=seed).convert("RGB")
        mask = _difference_mask(with_pip, without)
        assert mask.getbbox() is not None
        figures.append(_masked_colours(with_pip, mask))
    first, second = figures
    shared = set(c for c, _ in first.most_common(6)) & set(c for c, _ in second.most_common(6))
    assert len(shared) >= 3, (first.most_common(6), second.most_common(6))


def _difference_mask(a: Image.Image, b: Image.Image) -> Image.Image:
    return ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 40 else 0)


def _masked_colours(image: Image.Image, mask: Image.Image) -> Counter[tuple[int, int, int]]:
    quantized = [
        tuple(v // 16 * 16 for v in px)
        for px, m in zip(_pixels(image), _pixels(mask), strict=True)
        if m
    ]
    return Counter(quantized)


def test_appearance_depends_only_on_the_description() -> None:
    look = appearance_of(PIP.description)
    assert look == appearance_of(PIP.description)
    assert look.species == "hedgehog" and look.cloth == "scarf" and look.mark == "star-shaped"
    assert look.coat == (140, 78, 44)
    renamed = Character(name="Someone Else", description=PIP.description)
    assert appearance_of(renamed.description) == look
    odd = appearance_of("a thing of no known kind")
    assert odd == appearance_of("a thing of no known kind")


def test_two_characters_look_different() -> None:
    assert appearance_of(PIP.description).coat != appearance_of(OLIVE.description).coat


def test_preview_is_small_and_decodes() -> None:
    final, preview = paint_with_preview("Dusk in the desert", STYLE, [PIP], "512x512", seed=0)
    assert _decode(preview).width < _decode(final).width


@pytest.mark.parametrize(
    "setting",
    [
        "forest",
        "seaside",
        "city",
        "outer space",
        "farm",
        "snowy north",
        "desert",
        "jungle",
        "mountains",
        "meadow",
        "underwater coral reef",
    ],
)
def test_every_setting_paints(setting: str) -> None:
    kinds = [
        "a tall girl with fair skin and curly black hair, wearing a red dress, with a blue bow in her hair",
        "a small robot with silver shiny metal and a teal face panel, wearing an orange backpack",
        "a small fish with gold scales",
        "a turtle with a green shell",
        "an octopus with coral skin",
        "a penguin with black feathers",
        "a small dragon with emerald scales and a gold belly",
    ]
    characters = [Character(name=f"C{i}", description=d) for i, d in enumerate(kinds)][:5]
    data = paint_scene(
        f"Sunset in the {setting}, rain and a lantern. Wide shot.", STYLE, characters, "384x256"
    )
    assert _decode(data).size == (384, 256)

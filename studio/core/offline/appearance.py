"""How a character looks, read from nothing but its visual description.

The same description always gives the same `Appearance`, so a character drawn
on page 2 and on page 30 has the same colours, clothes and marks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from studio.core.offline.lexicon import (
    COLOURS,
    RGB,
    SPECIES,
    WORD,
    Species,
    colours_in,
    find_species,
    lighten,
)

_COAT_WORDS = {
    "fur",
    "spines",
    "feathers",
    "scales",
    "skin",
    "shell",
    "wool",
    "metal",
    "coat",
    "plumage",
    "body",
    "hide",
    "fleece",
}
_BELLY_WORDS = {"belly", "tummy", "chest", "panel", "face", "underside"}
CLOTHES = (
    "scarf",
    "hat",
    "cape",
    "waistcoat",
    "vest",
    "backpack",
    "bandana",
    "bow",
    "boots",
    "jumper",
    "sweater",
    "raincoat",
    "dungarees",
    "dress",
    "t-shirt",
    "shirt",
    "crown",
    "collar",
    "coat",
    "hoodie",
    "overalls",
    "tie",
)
_MARKS = (
    "star-shaped",
    "star",
    "heart-shaped",
    "heart",
    "patch",
    "freckles",
    "tip",
    "glasses",
    "sticker",
    "stripe",
    "spot",
    "spots",
)
_SIZES = {
    "tiny": 0.8,
    "small": 0.9,
    "little": 0.9,
    "big": 1.12,
    "large": 1.12,
    "tall": 1.1,
    "giant": 1.2,
}
_HAIR_STYLES = ("curly", "straight", "wavy", "short", "fluffy", "long", "braided", "spiky")
_FALLBACK = Species("critter", "round", "stub", (), "")


@dataclass(frozen=True)
class Appearance:
    """Everything the painter needs to draw one character the same way every time."""

    species: str
    body: Species
    coat: RGB
    belly: RGB
    cloth: str
    cloth_colour: RGB
    mark: str
    mark_colour: RGB
    hair: RGB
    hair_style: str
    scale: float
    striped: bool
    wears: frozenset[str]


@lru_cache(maxsize=256)
def appearance_of(description: str) -> Appearance:
    """Read a character's fixed visual description into the shapes and colours to draw."""
    text = description.lower()
    words = WORD.findall(text)
    found = colours_in(text)
    rng = _hash_colours(description)
    species = next((name for _, name in find_species(text)), "")
    body = SPECIES.get(species, _FALLBACK)
    coat = _colour_before(found, words, _COAT_WORDS - ({"skin"} if body.plan == "human" else set()))
    belly = _colour_before(found, words, _BELLY_WORDS)
    cloth = next((w for w in words if w in CLOTHES), "")
    mark = next((w for w in words if w in _MARKS), "")
    skin = _colour_before(found, words, {"skin"})
    hair = _colour_before(found, words, {"hair"})
    unused = [rgb for _, rgb in found if rgb not in {coat, belly, skin, hair}]
    coat = coat or (unused[0] if unused else rng[0])
    if body.plan == "human":
        coat = skin or coat
    return Appearance(
        species=species or "creature",
        body=body,
        coat=coat,
        belly=belly or lighten(coat, 0.55),
        cloth=cloth,
        cloth_colour=_colour_before(found, words, {cloth})
        or (unused[1] if len(unused) > 1 else rng[1]),
        mark=mark,
        mark_colour=_colour_before(found, words, set(_MARKS)) or lighten(coat, -0.45),
        hair=hair or rng[2],
        hair_style=next((w for w in words if w in _HAIR_STYLES), "short"),
        scale=next((_SIZES[w] for w in words if w in _SIZES), 1.0),
        striped="striped" in words or "stripy" in words,
        wears=frozenset(w for w in words if w in CLOTHES or w in _MARKS),
    )


def _colour_before(found: list[tuple[int, RGB]], words: list[str], targets: set[str]) -> RGB | None:
    for i, word in enumerate(words):
        if word not in targets:
            continue
        near = [rgb for at, rgb in found if i - 4 <= at < i]
        if near:
            return near[-1]
    return None


def _hash_colours(description: str) -> tuple[RGB, RGB, RGB]:
    digest = hashlib.sha256(description.encode()).digest()
    names = sorted(COLOURS)
    picks = [COLOURS[names[b % len(names)]] for b in digest[:3]]
    return picks[0], picks[1], picks[2]

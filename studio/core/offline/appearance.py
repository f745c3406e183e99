"""How a character looks, read from nothing but its visual description.

The same description always gives the same `Appearance`, so a character drawn
on page 2 and on page 30 has the same colours, clothes and marks. The words
the painter understands are in painter.toml ([reading]).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache, lru_cache

from studio.core.offline.data import Kind, OfflineData, offline_data
from studio.core.offline.lexicon import RGB, WORD, colours, colours_in, find_species, kinds, lighten


@dataclass(frozen=True)
class Appearance:
    """Everything the painter needs to draw one character the same way every time."""

    species: str
    kind: Kind
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


@dataclass(frozen=True)
class _Words:
    coat: frozenset[str]
    coat_not_skin: frozenset[str]
    belly: frozenset[str]
    skin: frozenset[str]
    hair: frozenset[str]
    clothes: frozenset[str]
    marks: frozenset[str]


@cache
def _words(data: OfflineData) -> _Words:
    reading = data.painter.reading
    coat = frozenset(reading.coat_words)
    return _Words(
        coat=coat,
        coat_not_skin=coat - frozenset(reading.skin_words),
        belly=frozenset(reading.belly_words),
        skin=frozenset(reading.skin_words),
        hair=frozenset(reading.hair_words),
        clothes=frozenset(reading.clothes),
        marks=frozenset(reading.marks),
    )


def appearance_of(description: str) -> Appearance:
    """Read a character's fixed visual description into the shapes and colours to draw."""
    return _appearance(offline_data(), description)


@lru_cache(maxsize=256)
def _appearance(data: OfflineData, description: str) -> Appearance:
    reading = data.painter.reading
    known = _words(data)
    text = description.lower()
    words = WORD.findall(text)
    found = colours_in(text)
    rng = _hash_colours(description)
    species = next((name for _, name in find_species(text)), "")
    kind = kinds().get(species, reading.unknown_kind)
    coat = _colour_before(found, words, known.coat_not_skin if kind.body == "human" else known.coat)
    belly = _colour_before(found, words, known.belly)
    cloth = next((w for w in words if w in known.clothes), "")
    mark = next((w for w in words if w in known.marks), "")
    skin = _colour_before(found, words, known.skin)
    hair = _colour_before(found, words, known.hair)
    unused = [rgb for _, rgb in found if rgb not in {coat, belly, skin, hair}]
    coat = coat or (unused[0] if unused else rng[0])
    if kind.body == "human":
        coat = skin or coat
    return Appearance(
        species=species or reading.unknown_name,
        kind=kind,
        coat=coat,
        belly=belly or lighten(coat, 0.55),
        cloth=cloth,
        cloth_colour=_colour_before(found, words, frozenset({cloth}))
        or (unused[1] if len(unused) > 1 else rng[1]),
        mark=mark,
        mark_colour=_colour_before(found, words, known.marks) or lighten(coat, -0.45),
        hair=hair or rng[2],
        hair_style=next((w for w in words if w in reading.hair_styles), reading.default_hair_style),
        scale=next((reading.sizes[w] for w in words if w in reading.sizes), 1.0),
        striped=any(w in words for w in reading.stripes),
        wears=frozenset(w for w in words if w in known.clothes or w in known.marks),
    )


def _colour_before(
    found: list[tuple[int, RGB]], words: list[str], targets: frozenset[str]
) -> RGB | None:
    for i, word in enumerate(words):
        if word not in targets:
            continue
        near = [rgb for at, rgb in found if i - 4 <= at < i]
        if near:
            return near[-1]
    return None


def _hash_colours(description: str) -> tuple[RGB, RGB, RGB]:
    digest = hashlib.sha256(description.encode()).digest()
    table = colours()
    names = sorted(table)
    picks = [table[names[b % len(names)]] for b in digest[:3]]
    return picks[0], picks[1], picks[2]

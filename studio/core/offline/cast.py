"""The characters of an offline story, each with a fixed visual description.

Who they may be, their names and their looks come from cast.toml and kinds.toml.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from studio.core.offline.data import CastFile, Kind, offline_data
from studio.core.offline.lexicon import colour_of, kinds
from studio.core.offline.premise import Mention


@dataclass(frozen=True)
class Person:
    """A character of the story, with the words that describe how they look."""

    name: str
    species: str
    pronoun: str
    adjective: str
    cloth: str
    description: str
    known: bool
    hand: str = "paw"


def make_person(mention: Mention, rng: random.Random, taken: set[str], fallback: str) -> Person:
    """Turn a premise mention into a full character, inventing what the premise leaves out."""
    cast = offline_data().cast
    species = mention.species or fallback
    kind = kind_of(species, mention.plan)
    pronoun = mention.pronoun or rng.choice(("he", "she"))
    name = mention.name or _invent_name(species, kind.body == "human", rng, taken)
    taken.add(name)
    words = mention.adjectives
    size = next(
        (cast.size_words[w] for w in words if w in cast.size_words),
        rng.choice(cast.default_sizes),
    )
    colour = next((w for w in words if colour_of(w) is not None), None)
    traits = [w for w in words if w not in cast.size_words and colour_of(w) is None]
    drawn = species if species in kinds() or not mention.plan else f"{species} ({mention.plan})"
    if kind.body == "human":
        cloth, description = _human_look(drawn, size, pronoun, rng)
    else:
        cloth, description = _animal_look(drawn, kind, size, pronoun, colour, rng)
    adjective = traits[0] if traits else rng.choice(cast.hero_traits)
    hand = offline_data().kinds.bodies[kind.body].hand
    known = mention.name is not None
    return Person(name, species, pronoun, adjective, cloth, description, known, hand)


def kind_of(species: str, plan: str | None = None) -> Kind:
    """The kind a character is drawn as: its own, its body plan's, or cast.toml's
    unknown_kind."""
    table = kinds()
    kind = table.get(species) or table.get(plan or "")
    return kind if kind is not None else table[offline_data().cast.unknown_kind]


def _invent_name(species: str, human: bool, rng: random.Random, taken: set[str]) -> str:
    names = offline_data().cast.names
    pool = [n for n in (names.people if human else names.animals) if n not in taken]
    alliterative = [n for n in pool if n[0].lower() == species[0]]
    if alliterative and rng.random() < 0.6:
        return rng.choice(alliterative)
    return rng.choice(pool)


def _his(pronoun: str) -> str:
    return "her" if pronoun == "she" else "his"


def _human_look(species: str, size: str, pronoun: str, rng: random.Random) -> tuple[str, str]:
    cast = offline_data().cast
    people = cast.people
    skin, hair = rng.choice(people.skins), rng.choice(people.hair_colours)
    style = rng.choice(people.hair_styles)
    colour, garment = rng.choice(cast.cloth_colours), rng.choice(people.garments)
    accent = rng.choice(cast.cloth_colours)
    mark = rng.choice(people.marks).format(his=_his(pronoun), accent=accent)
    cloth = f"{colour} {garment}"
    return cloth, articles(
        people.description.format(
            size=size, kind=species, skin=skin, style=style, hair=hair, cloth=cloth, mark=mark
        )
    )


def _animal_look(
    species: str, kind: Kind, size: str, pronoun: str, colour: str | None, rng: random.Random
) -> tuple[str, str]:
    data = offline_data()
    cast, animals = data.cast, data.cast.animals
    coats, bellies = (
        (kind.coats, kind.bellies)
        if kind.coats is not None and kind.bellies is not None
        else (animals.coats, animals.bellies)
    )
    coat = colour or rng.choice(coats)
    belly = rng.choice(bellies)
    body = data.kinds.bodies[kind.body]
    clothes = animals.swimmer_clothes if body.swims else animals.clothes
    cloth = f"{rng.choice([c for c in cast.cloth_colours if c != coat])} {rng.choice(clothes)}"
    mark = _mark(kind.tail, _his(pronoun), coat, rng, cast)
    return cloth, articles(
        animals.description.format(
            size=size,
            kind=species,
            coat=coat,
            coat_word=data.kinds.coats[kind.coat],
            belly=belly,
            belly_word=body.belly,
            cloth=cloth,
            mark=mark,
        )
    )


def articles(text: str) -> str:
    """Use "an" before a vowel sound ("an orange scarf", still "a unicorn")."""
    return re.sub(r"\b([Aa]) (?=[aeiouAEIOU](?!ni|se|su|ro|ur))", r"\1n ", text)


def _mark(tail: str, his: str, coat: str, rng: random.Random, cast: CastFile) -> str:
    animals = cast.animals
    ink = animals.light_ink if coat in animals.dark_coats else rng.choice(animals.inks)
    marks = [mark.format(ink=ink, his=his) for mark in animals.marks]
    if tail in animals.tail_mark_tails:
        marks.append(animals.tail_mark.format(ink=ink, his=his))
    return rng.choice(marks)

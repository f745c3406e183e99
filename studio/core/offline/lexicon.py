"""Words the composer writes and the painter reads: colours, kinds, settings.

Both halves of the offline engine share these tables (colours.toml, kinds.toml
and worlds.toml in studio/assets/offline), so a colour or a kind the composer
puts into a description is one the painter knows how to draw.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache

from studio.core.offline.data import Kind, Noun, OfflineData, Plan, World, offline_data
from studio.core.understanding import PlanName

RGB = tuple[int, int, int]

WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


def lighten(colour: RGB, amount: float) -> RGB:
    """Move a colour toward white (amount > 0) or black (amount < 0)."""
    if amount >= 0:
        return _rgb(c + (255 - c) * amount for c in colour)
    return _rgb(c * (1 + amount) for c in colour)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """Linear blend of two colours; t=0 gives a, t=1 gives b."""
    return _rgb(x + (y - x) * t for x, y in zip(a, b, strict=True))


def _rgb(values: Iterable[float]) -> RGB:
    r, g, b = (max(0, min(255, round(v))) for v in values)
    return (r, g, b)


def colours() -> Mapping[str, RGB]:
    """Every colour word and its RGB (colours.toml)."""
    return offline_data().colours.colours


def resolve_colour(
    word: str, table: Mapping[str, RGB], modifiers: Mapping[str, float]
) -> RGB | None:
    """The RGB of one colour word in `table`, plurals and modifiers ("pale-blue") understood."""
    for candidate in (word, word.removesuffix("s"), word.removesuffix("es")):
        if candidate in table:
            return table[candidate]
    if "-" in word:
        head, _, tail = word.rpartition("-")
        base = resolve_colour(tail, table, modifiers)
        if base is not None and head in modifiers:
            return lighten(base, modifiers[head])
        return base if base is not None else resolve_colour(head, table, modifiers)
    return None


def colour_of(word: str) -> RGB | None:
    """The RGB of one colour word ("moss-green", "ochres", "sky-blue"), if known."""
    data = offline_data().colours
    return resolve_colour(word, data.colours, data.modifiers)


def colours_in(text: str) -> list[tuple[int, RGB]]:
    """Every colour named in `text`, as (word index, RGB), modifiers applied."""
    modifiers = offline_data().colours.modifiers
    words = WORD.findall(text.lower())
    found: list[tuple[int, RGB]] = []
    for i, word in enumerate(words):
        rgb = colour_of(word)
        if rgb is None:
            continue
        if i > 0 and words[i - 1] in modifiers:
            rgb = lighten(rgb, modifiers[words[i - 1]])
        found.append((i, rgb))
    return found


# --- Kinds ------------------------------------------------------------------------------


def kinds() -> Mapping[str, Kind]:
    """Every kind of character or thing, by name: kinds.toml's, then every noun and
    body plan of vocabulary.toml, drawn from its plan."""
    return _all_kinds(offline_data())


@cache
def _all_kinds(data: OfflineData) -> Mapping[str, Kind]:
    words = data.vocabulary
    table: dict[str, Kind] = {name: _plan_kind(plan) for name, plan in words.plans.items()}
    table.update(
        {name: _noun_kind(noun, words.plans[noun.plan]) for name, noun in words.nouns.items()}
    )
    table.update(data.kinds.kinds)
    return table


def _plan_kind(plan: Plan) -> Kind:
    return Kind(
        body=plan.body,
        ears=plan.ears,
        tail=plan.tail,
        extras=plan.extras,
        coat=plan.coat,
        coats=plan.coats,
        bellies=plan.bellies,
    )


def _noun_kind(noun: Noun, plan: Plan) -> Kind:
    person = plan.body == "human"
    return Kind(
        body=plan.body,
        ears=noun.ears or plan.ears,
        tail=noun.tail or plan.tail,
        extras=plan.extras if noun.extras is None else noun.extras,
        home=noun.home,
        coat=plan.coat,
        coats=None if person else (noun.colours or plan.coats),
        bellies=None if person else plan.bellies,
        pronoun=noun.pronoun,
    )


def plan_of(name: str) -> PlanName:
    """The body plan of a kind or noun: vocabulary.toml's, or the one its body suggests."""
    data = offline_data()
    noun = data.vocabulary.nouns.get(name)
    if noun is not None:
        return noun.plan
    if name in data.vocabulary.plans:
        return name
    kind = kinds().get(name)
    return _BODY_PLANS.get(kind.body, "creature") if kind is not None else "creature"


_BODY_PLANS: dict[str, PlanName] = {
    "critter": "mammal",
    "bird": "bird",
    "owl": "bird",
    "fish": "fish",
    "turtle": "reptile",
    "octopus": "creature",
    "robot": "object",
    "human": "person",
    "insect": "insect",
    "vehicle": "vehicle",
    "object": "object",
}


@cache
def _species_pattern(data: OfflineData) -> re.Pattern[str]:
    names = sorted(_all_kinds(data), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")(?:s|es)?\b")


def find_species(text: str) -> list[tuple[int, str]]:
    """Kinds named in `text`, as (character offset, kind), in order, longest names first."""
    pattern = _species_pattern(offline_data())
    return [(match.start(), match.group(1)) for match in pattern.finditer(text.lower())]


# --- Settings ---------------------------------------------------------------------------


def worlds() -> Mapping[str, World]:
    """Every world a story can happen in, by key (worlds.toml)."""
    return offline_data().worlds.worlds


def setting_scores(text: str) -> dict[str, float]:
    """How strongly `text` points at each setting: keyword count, plus a bonus for
    the setting named first (scenes open with where they happen)."""
    table = worlds()
    scores = dict.fromkeys(table, 0.0)
    first: str | None = None
    for word in WORD.findall(text.lower()):
        for setting, world in table.items():
            if word in world.keywords:
                scores[setting] += 1.0
                first = first or setting
    if first is not None:
        scores[first] += 1.5
    return scores


def detect_setting(text: str) -> str:
    """The setting `text` describes (forest, sea, city, space, ...), the default world
    (meadow) when nothing points anywhere."""
    scores = setting_scores(text)
    best = max(scores, key=lambda key: scores[key])
    return best if scores[best] > 0 else offline_data().worlds.default

"""How an `Understanding` of the premise becomes the story's cast, world and goal.

The storyteller keeps what the author asked for: the main character is the
premise's noun with its name and its words, the companion is the friend, the
setting gives the hero's home and a place, and a goal that only restates a
character ("a lost whale") becomes making a friend.
"""

from __future__ import annotations

import re

from studio.core.offline.data import World, offline_data
from studio.core.offline.premise import Goal, Mention, Premise
from studio.core.offline.understand import (
    english_noun,
    singular,
    world_of_setting,
)
from studio.core.understanding import Companion, Understanding


def hero_noun(understanding: Understanding, language: str = "en") -> str:
    """The main character's noun in the words of a book in `language`: the author's
    own for a book in the premise's language, its English noun in an English book."""
    noun = understanding.noun
    if not noun:
        return ""
    if understanding.language.startswith("es") and not language.startswith("es"):
        return english_noun(noun)
    return singular(noun.lower())


def world_key(understanding: Understanding, facts: Premise) -> str | None:
    """The world the story happens in: the setting's, the understood one, the premise's."""
    worlds = offline_data().worlds.worlds
    for key in (
        world_of_setting(understanding.setting),
        understanding.world,
        facts.setting,
    ):
        if key and key in worlds:
            return key
    return None


def with_setting(world: World, understanding: Understanding) -> World:
    """The world with the premise's setting as the hero's home and one more place."""
    data = offline_data()
    key = (understanding.setting or "").lower()
    if key in data.es.settings:
        key = data.es.settings[key].en
    setting = data.vocabulary.settings.get(key)
    if setting is None:
        return world
    places = (setting.place, *(p for p in world.places if p != setting.place))
    return world.model_copy(update={"home": setting.home, "places": places})


def mentions(understanding: Understanding, facts: Premise) -> list[Mention]:
    """The cast the premise asks for: the hero, the companion, one more named character."""
    noun = hero_noun(understanding)
    if not noun:
        return facts.mentions
    hero = Mention(
        understanding.name,
        noun,
        list(understanding.traits),
        understanding.pronoun,
        plan=understanding.body_plan,
    )
    cast = [hero]
    if understanding.companion is not None:
        cast.append(_companion(understanding.companion))
    taken = {m.name for m in cast if m.name}
    others = [m for m in facts.mentions if m.name and m.name not in taken]
    return cast + others[:1]


def _companion(companion: Companion) -> Mention:
    words = [w.lower() for w in re.findall(r"[\w'-]+", companion.phrase)]
    noun_words = set(companion.noun.lower().split())
    adjectives = [w for w in words if w not in noun_words and w not in _DETERMINERS]
    noun = english_noun(companion.noun)
    return Mention(companion.name, noun, adjectives[-2:], None, plan=companion.body_plan)


_DETERMINERS = frozenset(
    {"a", "an", "the", "his", "her", "their", "its", "my", "un", "una", "el", "la", "su"}
)


def goal(found: Goal, understanding: Understanding) -> Goal:
    """The premise's goal, unless it only names a character: then making a friend. A
    premise with no goal but a key object is about sharing that object."""
    names = [understanding.noun, *(c.noun for c in [understanding.companion] if c)]
    phrase = found.phrase.lower()
    if phrase and any(n and re.search(rf"\b{re.escape(n.lower())}", phrase) for n in names):
        return Goal("friend")
    if found.kind == "quest" and not found.phrase and understanding.key_object:
        return Goal("love", understanding.key_object)
    return found


def object_in_english(understanding: Understanding) -> str:
    """The key object in English words, for the picture: 'el tambor de su abuela' is
    drawn as 'the drum'."""
    phrase = understanding.key_object or ""
    if not phrase or not understanding.language.startswith("es"):
        return phrase
    spanish = offline_data().es.nouns
    for word in re.findall(r"[\w-]+", phrase.lower()):
        for candidate in (word, word.removesuffix("s"), word.removesuffix("es")):
            if candidate in spanish:
                return f"the {spanish[candidate].en}"
    return phrase

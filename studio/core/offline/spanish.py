"""A book told in Spanish, with the lines of es.toml.

The outline (cast, world, arc, times of day) is the same as the English book's;
the pages and the title are told in Spanish, the pictures are described in
English (the painter and image models read English), as with a model.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, replace

from studio.core.book import Character, PagePlan, StoryPlan
from studio.core.offline.data import (
    Episode,
    EsEpisode,
    EsGoal,
    EsSetting,
    EsWorld,
    SpanishFile,
    offline_data,
)
from studio.core.offline.grounding import hero_noun
from studio.core.offline.story import Beat, Outline, render
from studio.core.offline.understand import gender


def spanish_plan(outline: Outline) -> StoryPlan:
    """The book of `outline`, told in Spanish."""
    teller = _Teller.of(outline)
    pages: list[PagePlan] = []
    seen: set[str] = set()
    for index, beat in enumerate(outline.beats):
        page = teller.page(index, beat)
        if page.text in seen:
            page = replace_text(page, f"{page.text} {teller.sight(index + 1)}")
        seen.add(page.text)
        pages.append(page)
    return StoryPlan(
        title=teller.title(),
        style=outline.style,
        characters=[Character(name=p.name, description=p.description) for p in outline.cast],
        pages=pages,
    )


def replace_text(page: PagePlan, text: str) -> PagePlan:
    return PagePlan(text=text, scene=page.scene, characters=page.characters)


def spanish_goal(text: str) -> tuple[str, str]:
    """The goal of a Spanish premise: its kind (es.toml goals) and its words."""
    es = offline_data().es
    lowered = text.lower()
    for rule in es.words.goal_rules:
        for word in rule.words:
            match = re.search(rf"\b{re.escape(word)}\b\s*(.*)", lowered)
            if match:
                phrase = re.split(r"[,.;:!?]|\s(?:y|que|pero|porque|en|con)\s", match.group(1))[0]
                return rule.kind, " ".join(phrase.split()[:8])
    return "quest", ""


@dataclass(frozen=True)
class _Teller:
    outline: Outline
    es: SpanishFile
    goal: EsGoal
    slots: dict[str, str]
    rng: random.Random
    fills: list[EsEpisode]

    @staticmethod
    def of(outline: Outline) -> _Teller:
        es = offline_data().es
        seed = int.from_bytes(hashlib.sha256(outline.premise.text.encode()).digest()[:8], "big")
        rng = random.Random(seed)
        kind, phrase = _goal_of(outline)
        world = _es_world(outline.world_key)
        meta = phrase or (rng.choice(world.quests) if kind == "quest" else es.goals[kind].generic)
        fills = [
            e for e in es.beats.fill if outline.key_object or "{O}" not in " ".join(e.sentences)
        ]
        rng.shuffle(fills)
        slots = _slots(outline, es, rng, meta)
        return _Teller(outline, es, es.goals[kind], slots, rng, fills)

    def title(self) -> str:
        chosen = self.rng.choice(self.goal.titles).format(**self.slots)
        return chosen[:1].upper() + chosen[1:]

    def sight(self, index: int) -> str:
        sights = _es_world(self.outline.world_key).sights
        return sights[index % len(sights)]

    def page(self, index: int, beat: Beat) -> PagePlan:
        slots = {
            **self.slots,
            "lugar": self._place(index, beat),
            "vista": self.sight(index),
            "Cuando": self.es.when[beat.time],
        }
        lines, episode = self._lines(index, beat)
        text = " ".join(_fill(line, slots) for line in lines)
        return PagePlan(
            text=text,
            scene=self._scene(beat, episode, first=index == 0),
            characters=render(self.outline, beat).characters,
        )

    def _place(self, index: int, beat: Beat) -> str:
        if beat.place == "home":
            return self.slots["hogar"]
        places = [*self._setting_place(), *_es_world(self.outline.world_key).places]
        return places[index % len(places)]

    def _setting_place(self) -> list[str]:
        setting = _es_setting(self.outline)
        return [setting.place] if setting else []

    def _lines(self, index: int, beat: Beat) -> tuple[list[str], EsEpisode | None]:
        count = self.outline.sentences
        beats, goal = self.es.beats, self.goal
        if beat.kind in {"intro", "intro_want"}:
            episode = beats.intro[index % len(beats.intro)]
            lines = list(episode.sentences[:count])
            if beat.kind == "intro_want":
                lines = [episode.sentences[0], *goal.problem[: max(1, count)]]
            if self.outline.key_object:
                lines.insert(1, beats.object[len(self.slots["H"]) % len(beats.object)].sentences[0])
            return lines, episode
        if beat.kind == "want":
            return list(goal.problem[:count]), None
        if beat.kind in {"climax", "resolution"}:
            told = goal.climax if beat.kind == "climax" else goal.success
            return list(told[:count]), None
        if beat.kind == "resolve_close":
            return [goal.success[0], goal.closing], None
        if beat.kind == "closing":
            episode = beats.closing[index % len(beats.closing)]
            return [goal.closing, *episode.sentences[: max(1, count - 1)]], episode
        return self._episode_lines(index, beat, count)

    def _episode_lines(self, index: int, beat: Beat, count: int) -> tuple[list[str], EsEpisode]:
        pools: dict[str, tuple[EsEpisode, ...]] = {
            "meet": self.es.beats.meet,
            "meet_known": self.es.beats.meet,
            "third": self.es.beats.third,
            "setback": self.es.beats.setback,
            "growing": self.es.beats.growing,
        }
        pool = pools.get(beat.kind) or tuple(self.fills)
        episode = pool[index % len(pool)]
        return list(episode.sentences[:count]), episode

    def _scene(self, beat: Beat, episode: EsEpisode | None, *, first: bool) -> str:
        if episode is None:
            return render(self.outline, beat).scene
        english = Episode.model_construct(
            cast=beat.episode.cast,
            sentences=beat.episode.sentences,
            action=episode.action,
            excluded=(),
            extra=beat.episode.extra,
            times=(),
        )
        return render(self.outline, replace(beat, episode=english)).scene


def _es_world(key: str) -> EsWorld:
    """A world's Spanish words; its English ones for a world es.toml does not have yet."""
    data = offline_data()
    found = data.es.worlds.get(key)
    if found is not None:
        return found
    world = data.worlds.worlds[key]
    return EsWorld(
        names=world.names,
        home=world.home,
        places=world.places,
        sights=tuple(s for s in world.sights if "{" not in s) or world.names,
        quests=world.quests,
    )


def _goal_of(outline: Outline) -> tuple[str, str]:
    kind, phrase = "quest", ""
    if outline.understanding.language.startswith("es"):
        kind, phrase = spanish_goal(outline.premise.text)
    if kind == "quest" and outline.key_object:
        return "love", outline.key_object
    return kind, phrase


def _es_noun(english: str) -> tuple[str, str | None]:
    """A Spanish noun for an English one, and its gender; the English one when none."""
    for word, noun in offline_data().es.nouns.items():
        if noun.en == english:
            return word, noun.gender
    return english, None


def _es_setting(outline: Outline) -> EsSetting | None:
    es = offline_data().es
    setting = (outline.understanding.setting or "").lower()
    if setting in es.settings:
        return es.settings[setting]
    for found in es.settings.values():
        if found.en == setting:
            return found
    return None


def _slots(outline: Outline, es: SpanishFile, rng: random.Random, meta: str) -> dict[str, str]:
    hero, friend = outline.cast[0], outline.cast[1]
    third = outline.cast[2] if len(outline.cast) > 2 else friend
    known = outline.understanding
    if known.noun and known.language.startswith("es"):
        sp, g = hero_noun(known, "es"), gender(known.noun)
    else:
        sp, g = _es_noun(hero.species)
    g = g or ("f" if hero.pronoun == "she" else "m")
    fsp, fg = _es_noun(friend.species)
    tsp, tg = _es_noun(third.species)
    setting = _es_setting(outline)
    world = _es_world(outline.world_key)
    return {
        "H": hero.name,
        "F": friend.name,
        "T": third.name,
        "sp": sp,
        "fsp": fsp,
        "tsp": tsp,
        "el": "la" if g == "f" else "el",
        "un": "una" if g == "f" else "un",
        "o": "a" if g == "f" else "o",
        "fel": "la" if fg == "f" else "el",
        "fun": "una" if fg == "f" else "un",
        "fo": "a" if fg == "f" else "o",
        "tun": "una" if tg == "f" else "un",
        "O": outline.key_object,
        "hogar": setting.home if setting else world.home,
        "mundo": rng.choice(world.names),
        "meta": meta,
    }


def _fill(line: str, slots: dict[str, str]) -> str:
    out = line.format(**slots)
    out = re.sub(r"\bde el\b", "del", re.sub(r"\ba el\b", "al", out))
    return out[:1].upper() + out[1:] if out[:1].islower() else out

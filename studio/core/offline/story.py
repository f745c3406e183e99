"""The offline storyteller: composes a real short picture-book story from a premise.

Everything is deterministic for a given premise and page count: the cast and the
world come from a hash of the premise, the order of the episodes from a hash of
the premise and the page count. The episodes, lines and goals are in story.toml,
goals.toml and rewrite.toml.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field, replace
from functools import cache

from studio.core.book import MAX_PAGES, MIN_PAGES, Character, PagePlan, StoryPlan, StyleGuide
from studio.core.offline import grounding
from studio.core.offline.cast import Person, articles, make_person
from studio.core.offline.data import Episode, GoalText, OfflineData, World, offline_data
from studio.core.offline.gloss import english_premise
from studio.core.offline.instructions import read_instruction
from studio.core.offline.language import primary_language, writes_language
from studio.core.offline.lexicon import colours_in, kinds
from studio.core.offline.premise import Goal, Mention, Premise, read_premise, themes
from studio.core.offline.understand import understand
from studio.core.understanding import Understanding

_DAY = ("morning", "midday", "afternoon", "golden", "sunset")


@cache
def _dark_words(data: OfflineData) -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in data.story.dark_words)
    return re.compile(rf"\b(?:{words})\b")


@dataclass(frozen=True)
class Beat:
    """One page of the outline: its role in the arc, its episode, where and when."""

    kind: str
    episode: Episode
    place: str
    time: str
    sight: str
    shot: str
    new_day: bool = False


@dataclass(frozen=True)
class Outline:
    """The plan behind a story: cast, world, goal and one beat per page."""

    premise: Premise
    world: World
    world_key: str
    world_name: str
    cast: tuple[Person, ...]
    goal: Goal
    goal_text: GoalText
    sentences: int
    title: str
    style: StyleGuide
    beats: tuple[Beat, ...]
    understanding: Understanding = field(default_factory=Understanding)

    @property
    def key_object(self) -> str:
        """The premise's key object in its own words, or ''."""
        return self.understanding.key_object or ""


def compose_plan(
    premise: str,
    pages: int,
    audience_age: str = "4-7",
    art_style: str = "",
    *,
    language: str = "en",
    understanding: Understanding | None = None,
) -> StoryPlan:
    """Compose a complete story plan for `premise` with exactly `pages` pages (2 to 40),
    in `language` when the engine writes it (see `writes_language`), else in English.

    `understanding` is what the author confirmed or corrected of `understand(premise)`;
    without one, the premise is read afresh."""
    premise = english_premise(premise, language)
    outline = build_outline(premise, pages, audience_age, art_style, understanding)
    if writes_language(language) and primary_language(language) == "es":
        from studio.core.offline.spanish import spanish_plan

        return spanish_plan(outline)
    return StoryPlan(
        title=outline.title,
        style=outline.style,
        characters=[Character(name=p.name, description=p.description) for p in outline.cast],
        pages=[render(outline, beat) for beat in _unique(outline)],
    )


def build_outline(
    premise: str,
    pages: int,
    audience_age: str = "4-7",
    art_style: str = "",
    understanding: Understanding | None = None,
) -> Outline:
    """Read the premise (or take the author's understanding of it) and lay out the arc,
    one beat per page."""
    data = offline_data()
    pages = max(MIN_PAGES, min(MAX_PAGES, pages))
    facts = read_premise(premise or data.premise.default_premise)
    known = understanding or understand(facts.text)
    rng = random.Random(_seed(facts.text))
    world_key = grounding.world_key(known, facts) or _fallback_world(facts, rng)
    world = grounding.with_setting(data.worlds.worlds[world_key], known)
    cast = _cast(grounding.mentions(known, facts), world, pages, rng)
    goal = grounding.goal(facts.goal, known)
    if goal.kind == "quest":
        goal = Goal("quest", rng.choice(world.quests))
    goal_text = data.goals.goals[goal.kind]
    title = _title(goal, cast, rng)
    style = _style(world, art_style)
    outline = Outline(
        facts,
        world,
        world_key,
        rng.choice(world.names),
        tuple(cast),
        goal,
        goal_text,
        _sentences(audience_age),
        title,
        style,
        (),
        known,
    )
    beats = _beats(outline, pages, random.Random(_seed(f"{facts.text}|{pages}")))
    return replace(outline, beats=tuple(beats))


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.lower().encode()).digest()[:8], "big")


def _fallback_world(facts: Premise, rng: random.Random) -> str:
    table = offline_data().worlds
    return rng.choice(table.surprise) if not facts.mentions else table.default


def _sentences(audience_age: str) -> int:
    match = re.search(r"\d+", audience_age)
    low = int(match.group()) if match else 4
    return 1 if low < 4 else 2 if low < 8 else 3


# --- Cast ---------------------------------------------------------------------------


def _cast(mentions: list[Mention], world: World, pages: int, rng: random.Random) -> list[Person]:
    traits = offline_data().cast
    taken = {m.name for m in mentions if m.name}
    wanted = 3 if pages >= 8 or len(mentions) >= 3 else 2
    people: list[Person] = []
    species_used: set[str] = set()
    for i, mention in enumerate([*mentions, *([Mention()] * wanted)][:wanted]):
        fallback = _pick_species(world, species_used, rng, hero=i == 0)
        person = make_person(mention, rng, taken, fallback)
        if i > 0 and not person.known:
            adjectives = traits.friend_traits if i == 1 else traits.third_traits
            person = replace(person, adjective=_friend_adjective(person.species, adjectives, rng))
        species_used.add(person.species)
        people.append(person)
    return people


def _pick_species(world: World, used: set[str], rng: random.Random, *, hero: bool) -> str:
    pool = [s for s in world.helpers if s not in used] or list(offline_data().cast.spare_kinds)
    return rng.choice(pool)


def _friend_adjective(species: str, pool: tuple[str, ...], rng: random.Random) -> str:
    kind = kinds().get(species)
    if kind is not None and kind.friend_adjective:
        return kind.friend_adjective
    return rng.choice(pool)


# --- Title and style ----------------------------------------------------------------


def title_case(text: str) -> str:
    """Title Case for a book title, keeping small words small."""
    small = set(offline_data().story.title_small_words)
    words = text.split()
    return " ".join(
        w if (i and w.lower() in small) else w[:1].upper() + w[1:] for i, w in enumerate(words)
    )


def _title(goal: Goal, cast: list[Person], rng: random.Random) -> str:
    hero, friend = cast[0], cast[1]
    goal_text = offline_data().goals.goals[goal.kind]
    thing = re.sub(r"^(?:his|her|their|its|my|your)\s+", "the ", goal.phrase)
    verbal = goal_text.verbal
    if thing and not verbal and not re.match(r"(?:the|a|an)\s", thing):
        thing = f"the {thing}"
    options = [t for t in goal_text.title if "{Xt}" not in t or 0 < len(thing.split()) <= 5]
    chosen = rng.choice(options or list(goal_text.title))
    return title_case(chosen.format(H=hero.name, F=friend.name, Xt=thing))


def _style(world: World, art_style: str) -> StyleGuide:
    words = offline_data().story.style
    style = art_style.strip() or words.default
    medium = next(
        (m.medium for m in words.mediums if m.key in style.lower()),
        words.default_medium,
    )
    named = [w for w in re.findall(r"[A-Za-z-]+", style) if colours_in(w)]
    palette = ", ".join(named) + (", " if named else "") + world.palette if named else world.palette
    return StyleGuide(art_style=style, palette=palette, medium=medium)


# --- The arc -------------------------------------------------------------------------


def _layout(pages: int, cast: int) -> list[str]:
    if pages == 2:
        return ["intro_want", "resolve_close"]
    head = ["intro_want"] if pages <= 4 else ["intro", "want"]
    tail = (
        ["resolve_close"]
        if pages == 3
        else ["resolution", "closing"]
        if pages < 6
        else ["climax", "resolution", "closing"]
    )
    middle = ["fill"] * (pages - len(head) - len(tail))
    _place_specials(middle, has_third=cast >= 3)
    return head + middle + tail


def _place_specials(middle: list[str], *, has_third: bool) -> None:
    m = len(middle)
    middle[0] = "meet"
    if m >= 3:
        setback = min(m - 1, max(1, round(m * 0.7)))
        middle[setback] = "setback"
        if m >= 5 and setback + 1 < m:
            middle[setback + 1] = "growing"
    if has_third and m >= 2:
        spot = max(1, round(m * 0.3))
        free = [i for i in range(spot, m) if middle[i] == "fill"] + [
            i for i in range(1, spot) if middle[i] == "fill"
        ]
        if free:
            middle[free[0]] = "third"


def _times(kinds: list[str], dark: bool) -> list[tuple[str, bool]]:
    n = len(kinds)
    days = 1 if n < 12 else max(2, round(n / 9))
    times: list[tuple[str, bool]] = []
    last_day = -1
    for i, kind in enumerate(kinds):
        if kind in {"closing", "resolve_close"} or (dark and kind in {"climax", "resolution"}):
            times.append(("night", False))
            continue
        day = min(days - 1, i * days // max(1, n - 1))
        starts = [j for j in range(n) if min(days - 1, j * days // max(1, n - 1)) == day]
        frac = (i - starts[0]) / max(1, len(starts))
        slot = _DAY[min(len(_DAY) - 1, int(frac * len(_DAY)))]
        times.append((slot, day != last_day and day > 0))
        last_day = day
    if dark and n >= 4:
        before = kinds.index("climax") - 1 if "climax" in kinds else n - 3
        if before > 1 and times[before][0] in {"sunset", "golden"}:
            times[before] = ("dusk", times[before][1])
    return times


def _beats(outline: Outline, pages: int, rng: random.Random) -> list[Beat]:
    kinds = _layout(pages, len(outline.cast))
    story = offline_data().story
    dark = bool(_dark_words(offline_data()).search(outline.goal.phrase.lower()))
    forced = outline.understanding.time_of_day
    times = [(forced, False)] * len(kinds) if forced else _times(kinds, dark)
    places = _cycle(outline.world.places, rng)
    sights = _cycle(outline.world.sights, rng)
    episodes = _EpisodePicker(outline, rng)
    beats: list[Beat] = []
    third_met = "third" not in kinds
    shared_place = next(places)
    for i, kind in enumerate(kinds):
        third_met = third_met or kind == "third"
        place = (
            "home"
            if kind in {"intro", "intro_want", "closing"}
            else (
                shared_place if kind in {"climax", "resolution", "resolve_close"} else next(places)
            )
        )
        episode = episodes.pick(kind, allow_third=third_met)
        shot = (
            story.first_shot
            if i == 0
            else story.closing_shot
            if kind == "closing"
            else rng.choice(story.shots)
        )
        beats.append(Beat(kind, episode, place, times[i][0], next(sights), shot, times[i][1]))
    return beats


def _cycle(items: tuple[str, ...], rng: random.Random) -> _Cycle:
    return _Cycle(items, rng)


class _Cycle:
    """Hands out items in a shuffled order, reshuffling when all are used."""

    def __init__(self, items: tuple[str, ...], rng: random.Random) -> None:
        self._items, self._rng, self._queue = items, rng, list[str]()

    def __iter__(self) -> _Cycle:
        return self

    def __next__(self) -> str:
        if not self._queue:
            self._queue = list(self._items)
            self._rng.shuffle(self._queue)
        return self._queue.pop()


class _EpisodePicker:
    """Chooses each page's episode so that no two pages tell the same thing."""

    def __init__(self, outline: Outline, rng: random.Random) -> None:
        self._outline, self._rng = outline, rng
        world = outline.world_key
        fill = offline_data().story.beats.fill
        suits = [e for e in fill if world not in e.excluded and _cast_ok(e, outline)]
        self._tries = list(outline.goal_text.tries)
        self._episodes = suits
        rng.shuffle(self._tries)
        rng.shuffle(self._episodes)
        self._fills = 0
        self._used: list[Episode] = []

    def pick(self, kind: str, *, allow_third: bool) -> Episode:
        if kind == "fill":
            return self._fill(allow_third)
        return special_episode(self._outline, kind, self._rng.randrange(3))

    def _fill(self, allow_third: bool) -> Episode:
        self._fills += 1
        prefer_try = self._fills % 3 == 1 and self._tries
        pools = [self._tries, self._episodes] if prefer_try else [self._episodes, self._tries]
        for pool in pools:
            for episode in pool:
                if allow_third or "T" not in episode.cast:
                    pool.remove(episode)
                    self._used.append(episode)
                    return episode
        episode = self._used[self._fills % len(self._used)]
        return episode


def _cast_ok(episode: Episode, outline: Outline) -> bool:
    return "T" not in episode.cast or len(outline.cast) >= 3


def special_episode(outline: Outline, kind: str, variant: int) -> Episode:
    """The episode of a beat whose role is fixed (intro, meet, climax, ...), by variant."""
    friend_known = outline.cast[1].known
    beats = offline_data().story.beats
    pools: dict[str, tuple[Episode, ...]] = {
        "intro": suited(beats.intro, outline),
        "meet": beats.meet_known if friend_known else beats.meet,
        "third": beats.third,
        "setback": tuple(e for e in beats.setback if outline.world_key not in e.excluded),
        "growing": beats.growing,
    }
    if kind in pools:
        pool = pools[kind]
        return pool[variant % len(pool)]
    return _goal_episode(outline, kind, variant)


def suited(episodes: tuple[Episode, ...], outline: Outline) -> tuple[Episode, ...]:
    """The episodes told at the story's time of day (all of them when it changes)."""
    time = outline.understanding.time_of_day
    fitting = tuple(e for e in episodes if not e.times or not time or time in e.times)
    return fitting or episodes


def _goal_episode(outline: Outline, kind: str, variant: int) -> Episode:
    g = outline.goal_text
    data = offline_data().story
    lines = data.lines
    everyone = "HFT" if len(outline.cast) >= 3 else "HF"
    intros = suited(data.beats.intro, outline)
    intro = intros[variant % len(intros)]
    goodnight = lines.goodnights[variant % len(lines.goodnights)]
    lesson = _lesson(outline) or goodnight
    closing = (
        g.closing,
        lesson if outline.premise.themes else lines.closings[variant % len(lines.closings)],
        goodnight,
    )
    extra = g.climax_extra if kind in {"climax", "resolve_close"} else ""
    table: dict[str, Episode] = {
        "want": _episode("H", _rotate(g.problem, variant), lines.want_action),
        "intro_want": _episode("H", (intro.sentences[0], g.problem[0], g.problem[1]), intro.action),
        "climax": _episode("HF", g.climax, g.climax_action, extra=extra),
        "resolution": _episode(everyone, g.success, g.success_action),
        "resolve_close": _episode(
            everyone, (g.success[0], lines.helped, g.closing), g.success_action, extra=extra
        ),
        "closing": _episode("HF", closing, lines.closing_action),
    }
    return table[kind]


def _episode(cast: str, sentences: tuple[str, ...], action: str, extra: str = "") -> Episode:
    """An episode made of lines already checked when the data files were read."""
    return Episode.model_construct(
        cast=cast, sentences=sentences, action=action, excluded=(), extra=extra
    )


def _rotate(sentences: tuple[str, ...], variant: int) -> tuple[str, ...]:
    if variant % 2 == 0 or len(sentences) < 3:
        return sentences
    return (sentences[0], sentences[2], sentences[1])


# --- Rendering a beat into a page ----------------------------------------------------


def _slots(outline: Outline, beat: Beat) -> dict[str, str]:
    hero, friend = outline.cast[0], outline.cast[1]
    third = outline.cast[2] if len(outline.cast) > 2 else friend
    world = outline.world
    lesson = outline.premise.themes[0] if outline.premise.themes else ""
    he = hero.pronoun
    slots = {
        "H": hero.name,
        "Hsp": hero.species,
        "F": friend.name,
        "Fsp": friend.species,
        "T": third.name,
        "Tsp": third.species,
        "trait": hero.adjective,
        "fadj": friend.adjective,
        "tadj": third.adjective,
        "cloth": hero.cloth,
        "he": he,
        "He": he.capitalize(),
        "his": "her" if he == "she" else "his",
        "His": "Her" if he == "she" else "His",
        "him": "her" if he == "she" else "him",
        "himself": "herself" if he == "she" else "himself",
        "fhe": friend.pronoun,
        "Fhe": friend.pronoun.capitalize(),
        "fhis": "her" if friend.pronoun == "she" else "his",
        "fhim": "her" if friend.pronoun == "she" else "him",
        "Hhands": f"{hero.hand}s",
        "Fhand": friend.hand,
        "world": outline.world_name,
        "home": world.home,
        "place": beat.place,
        "sight": beat.sight,
        "things": world.things[len(beat.place) % len(world.things)],
        "critter": world.critter,
        "shelter": world.shelter,
        "hazard": world.hazard,
        "trinket": world.trinket,
        "drawing": world.drawing,
        "snack": world.snack,
        "X": outline.goal.phrase,
        "When": offline_data().story.times[beat.time].text,
        "letter": world.critter[0].upper(),
        "lesson": themes()[lesson] if lesson else "",
        "O": grounding.object_in_english(outline.understanding),
    }
    slots["goal"] = outline.goal_text.goal.format(X=outline.goal.phrase)
    if beat.place == "home":
        slots["place"] = "home"
    return slots


def fill(text: str, slots: dict[str, str]) -> str:
    """Fill a template's placeholders; start with a capital letter."""
    out = articles(text.format(**slots))
    return out[0].upper() + out[1:] if out and out[0].islower() else out


def render(outline: Outline, beat: Beat, sentences: int | None = None) -> PagePlan:
    """The page a beat becomes: text of the right length, a scene, the characters present."""
    slots = _slots(outline, beat)
    count = sentences or outline.sentences
    lines = [fill(s, slots) for s in beat.episode.sentences]
    keep = {"intro_want": max(count, 2), "resolve_close": 3}.get(beat.kind, count)
    chosen = lines[:keep]
    sight = fill(beat.sight, slots)
    if len(chosen) < keep and sight not in chosen:
        chosen.append(sight)
    if beat.new_day:
        chosen[0] = _next_morning(chosen[0], outline)
    first = beat.kind in {"intro", "intro_want"}
    if first and outline.key_object:
        chosen.insert(1, _object_line(outline, slots))
    text = " ".join(chosen)
    scene = _scene(outline, beat, slots, with_object=first)
    return PagePlan(text=text, scene=scene, characters=_present(outline, beat))


def _object_line(outline: Outline, slots: dict[str, str]) -> str:
    lines = offline_data().story.lines.object_lines
    return fill(lines[len(outline.cast[0].name) % len(lines)], slots)


def _next_morning(sentence: str, outline: Outline) -> str:
    lines = offline_data().story.lines
    names = {p.name for p in outline.cast}
    first = sentence.split()[0].strip(",.!?'")
    if not sentence[0].isalpha():
        return lines.next_morning_before_quote.format(sentence=sentence)
    if first in names:
        return lines.next_morning.format(sentence=sentence)
    return lines.next_morning.format(sentence=f"{sentence[0].lower()}{sentence[1:]}")


def _present(outline: Outline, beat: Beat) -> list[str]:
    letters = {"H": 0, "F": 1, "T": 2}
    return [
        outline.cast[letters[c]].name for c in beat.episode.cast if letters[c] < len(outline.cast)
    ]


def _scene(
    outline: Outline, beat: Beat, slots: dict[str, str], *, with_object: bool = False
) -> str:
    story = offline_data().story
    words = story.scene
    where = (
        words.at_home.format(home=outline.world.home)
        if beat.place == "home"
        else words.away.format(place=beat.place)
    )
    action = fill(beat.episode.action, slots)
    names = _present(outline, beat)
    arrangement = (
        words.one.format(first=names[0])
        if len(names) == 1
        else words.two.format(first=names[0], second=names[1])
        if len(names) == 2
        else words.many.format(names=", ".join(names[:-1]), last=names[-1])
    )
    extra = f", {beat.episode.extra}" if beat.episode.extra else ""
    if with_object and outline.key_object:
        extra += ", " + fill(story.lines.object_action, slots)
    return words.frame.format(
        time=story.times[beat.time].scene,
        noun=outline.world.noun,
        world=outline.world_name,
        where=where,
        action=action,
        extra=extra,
        shot=beat.shot,
        arrangement=arrangement,
    )


def _unique(outline: Outline) -> list[Beat]:
    """The outline's beats, adjusted where two pages would read the same."""
    seen: set[str] = set()
    beats: list[Beat] = []
    for beat in outline.beats:
        for attempt in range(len(outline.world.sights) + 1):
            text = render(outline, beat).text
            if text not in seen:
                break
            beat = replace(
                beat,
                sight=outline.world.sights[attempt % len(outline.world.sights)],
                place=outline.world.places[attempt % len(outline.world.places)],
            )
        if render(outline, beat).text in seen:
            sentences = (*beat.episode.sentences, "{sight}")
            beat = replace(beat, episode=beat.episode.model_copy(update={"sentences": sentences}))
        seen.add(render(outline, beat).text)
        beats.append(beat)
    return beats


# --- Rewriting one page --------------------------------------------------------------


def rewrite_page(
    premise: str,
    pages_text: list[str],
    number: int,
    instruction: str = "",
    audience_age: str = "4-7",
) -> PagePlan:
    """A different, coherent version of page `number` (1-based), honouring `instruction`
    ("shorter", "funnier", "rhyme", "more exciting", ...)."""
    total = max(MIN_PAGES, min(MAX_PAGES, len(pages_text) or MIN_PAGES))
    outline = build_outline(premise, total, audience_age)
    index = max(0, min(number, total) - 1)
    current = pages_text[index] if index < len(pages_text) else ""
    beat = _unique(outline)[index]
    page = _alternative(outline, beat, current, index)
    if outline.cast[0].name not in " ".join(pages_text) and current:
        page = PagePlan(
            text=_rephrase(current), scene=_foreign_scene(outline, current), characters=[]
        )
    wish = read_instruction(instruction)
    if wish.time:
        beat = replace(beat, time=wish.time)
        page = _at_time(outline, beat, page)
    text = apply_instruction(page.text, instruction, outline, beat, index, total)
    text, scene = _with_added(text, page.scene, wish.adds)
    if text == current:
        text = f"{text} {fill(beat.sight, _slots(outline, beat))}"
    return PagePlan(text=text, scene=scene, characters=page.characters)


def _at_time(outline: Outline, beat: Beat, page: PagePlan) -> PagePlan:
    """The page moved to its beat's time: 'That night, ...' and a night picture."""
    when = offline_data().story.times[beat.time]
    text = page.text
    first = text.split()[0].strip(",.!?'") if text else ""
    if first not in {p.name for p in outline.cast}:
        text = text[:1].lower() + text[1:]
    scene = re.sub(r"^[^(]*?(?= (?:in|at|on) )", when.scene, page.scene, count=1)
    return PagePlan(text=f"{when.text}, {text}", scene=scene, characters=page.characters)


def _with_added(text: str, scene: str, adds: tuple[str, ...]) -> tuple[str, str]:
    """A page with the characters or things the author asked for in it."""
    for noun in adds:
        if re.search(rf"\b{re.escape(noun)}", text.lower()):
            continue
        article = articles(f"a {noun}")
        text = f"{text} Just then, {article} came along too."
        scene = scene.replace(". ", f", with {article} nearby. ", 1)
    return text, scene


def _alternative(outline: Outline, beat: Beat, current: str, index: int) -> PagePlan:
    shots = offline_data().story.shots
    for variant in range(1, 8):
        episode = _other_episode(outline, beat, variant)
        shot = shots[(index + variant) % len(shots)]
        page = render(outline, replace(beat, episode=episode, shot=shot))
        if page.text != current:
            return page
    return render(
        outline, replace(beat, sight=outline.world.sights[index % len(outline.world.sights)])
    )


def _other_episode(outline: Outline, beat: Beat, variant: int) -> Episode:
    if beat.kind == "fill":
        pool = [
            e
            for e in (*outline.goal_text.tries, *offline_data().story.beats.fill)
            if e.cast == beat.episode.cast
            and e != beat.episode
            and outline.world_key not in e.excluded
        ]
        return pool[variant % len(pool)] if pool else beat.episode
    return special_episode(outline, beat.kind, variant)


def _rephrase(text: str) -> str:
    words = offline_data().rewrite
    out = text
    for a, b in words.swaps:
        pattern = rf"\b{re.escape(a)}\b"
        if re.search(pattern, out):
            out = re.sub(pattern, b.replace("\\", r"\\"), out, count=1)
    if out == text:
        out = (
            words.rephrase.format(text=f"{text[0].lower()}{text[1:]}")
            if text[:1].isalpha()
            else words.rephrase_not_a_letter.format(text=text)
        )
    return out


def _foreign_scene(outline: Outline, text: str) -> str:
    scene = offline_data().rewrite.foreign_scene
    first = re.split(r"(?<=[.!?])\s", text.strip())[0]
    lowered = text.lower()
    time = next(
        (t for t, words in scene.times.items() if any(w in lowered for w in words)),
        scene.default_time,
    )
    return scene.frame.format(time=time, noun=outline.world.noun, first=first)


def apply_instruction(
    text: str, instruction: str, outline: Outline, beat: Beat, index: int, total: int
) -> str:
    """Adapt a page's text to a short instruction from the author."""
    words = offline_data().rewrite
    cues = words.instructions
    wish = instruction.lower()

    def asks(stems: tuple[str, ...]) -> bool:
        return any(stem in wish for stem in stems)

    slots = _slots(outline, beat)
    if asks(cues.rhyme):
        stage = "begin" if index == 0 else "end" if index == total - 1 else "middle"
        couplets = getattr(words.rhymes, stage)
        a, b = couplets[index % len(couplets)]
        return f"{fill(a, slots)} {b.format(**slots)}"
    if asks(cues.shorter):
        return _shorten(text)
    sentences = _split(text)
    if asks(cues.funnier):
        sentences = [*sentences[:2], fill(words.funny[index % len(words.funny)], slots)]
    elif asks(cues.exciting):
        sentences = [fill(words.exciting[index % len(words.exciting)], slots), *sentences[:2]]
        sentences = [s[:-1] + "!" if s.endswith(".") else s for s in sentences]
    elif asks(cues.gentle):
        sentences = [*sentences[:2], fill(words.gentle[index % len(words.gentle)], slots)]
    elif asks(cues.longer):
        sentences = [*sentences[:3], fill(beat.sight, slots)]
    return " ".join(sentences[:4])


def _split(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z'])", text.strip()) if s]


def _shorten(text: str) -> str:
    sentences = _split(text)
    if len(sentences) > 1:
        return sentences[0]
    words = text.split()
    clause = re.split(r",\s", text, maxsplit=1)[0]
    return (
        clause.rstrip(".!?") + "."
        if clause != text
        else " ".join(words[: max(4, len(words) // 2)]).rstrip(",.") + "."
    )


def _lesson(outline: Outline) -> str:
    return offline_data().story.lines.lesson if outline.premise.themes else ""

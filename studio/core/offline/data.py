"""The offline engine's words and worlds, read from the TOML files in studio/assets/offline.

`offline_data()` reads every file once, on first use, and checks it against the
models below: unknown keys, missing keys, wrong types, empty lists, names that
point nowhere (a kind living in a world that does not exist) and placeholders a
template may not use all stop the load with an `OfflineDataError` that names the
file and the key. `load_data(folder)` reads another folder the same way.

Templates are Python format strings: `{H}` is replaced, `{{` and `}}` are
literal braces. Each kind of template has its own set of placeholders, listed
below (`STORY_SLOTS`, `TITLE_SLOTS`, ...); plain texts that are inserted as they
are (a world's places, its name, a quest) may not contain braces at all.
"""

from __future__ import annotations

import re
import string
import threading
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from studio.core.understanding import NounKind, PlanName, TimeKey
from studio.resources import asset_path

# --- What the code knows ---------------------------------------------------------------

STORY_SLOTS = frozenset(
    {
        "H", "Hsp", "F", "Fsp", "T", "Tsp", "trait", "fadj", "tadj", "cloth",
        "he", "He", "his", "His", "him", "himself", "fhe", "Fhe", "fhis", "fhim",
        "Hhands", "Fhand", "world", "home", "place", "sight", "things", "critter",
        "shelter", "hazard", "trinket", "drawing", "snack", "X", "When", "letter",
        "goal", "lesson", "O",
    }
)  # fmt: skip
"""Placeholders of story lines: the cast, their pronouns, the world, the goal and the
key object."""

TITLE_SLOTS = frozenset({"H", "F", "Xt"})
GOAL_SLOTS = frozenset({"X"})
PERSON_SLOTS = frozenset({"size", "kind", "skin", "style", "hair", "cloth", "mark"})
PERSON_MARK_SLOTS = frozenset({"his", "accent"})
ANIMAL_SLOTS = frozenset(
    {"size", "kind", "coat", "coat_word", "belly", "belly_word", "cloth", "mark"}
)
ANIMAL_MARK_SLOTS = frozenset({"his", "ink"})

Body = Literal[
    "critter", "bird", "owl", "fish", "turtle", "octopus", "robot", "human", "insect", "vehicle",
    "object",
]  # fmt: skip
"""The body plans the painter can draw."""
Ears = Literal["none", "round", "pointy", "long", "floppy", "big", "tufts", "horns", "antenna"]
Tail = Literal["none", "bushy", "thin", "curly", "stub", "spiky", "fluffy"]
Extra = Literal[
    "beard", "bigeyes", "comb", "crest", "crown", "eyepatches", "face", "facestripe",
    "flatbeak", "flippers", "frogeyes", "horn", "horns", "mane", "muzzle", "penguin",
    "pignose", "ridge", "snail", "snout", "spikes", "spots", "stripes", "trunk", "whale",
    "whiskers", "wings", "wool", "hull", "sail", "balloon", "fins",
]  # fmt: skip
"""Features the painter adds to a body (a snout, whiskers, wings...)."""
Backdrop = Literal[
    "meadow", "forest", "sea", "city", "space", "farm", "snow", "desert", "jungle", "mountain"
]
"""The landscapes the painter can paint behind a scene."""
GoalForm = Literal["object", "of_object", "to_object", "wish", "flag"]
"""How the words after a goal's trigger are read (see premise.toml)."""

STORY_TIMES = ("dawn", "morning", "midday", "afternoon", "golden", "sunset", "dusk", "night")
STORY_BEATS = ("intro", "meet", "meet_known", "third", "setback", "growing", "fill")
CODE_GOALS = frozenset({"quest", "find", "want", "love_do", "friend"})
"""Goal kinds the storyteller itself may choose, whatever premise.toml says."""


class OfflineDataError(ValueError):
    """A data file of the offline engine is missing, unreadable or wrong."""


# --- Checked strings ---------------------------------------------------------------------

_FORMATTER = string.Formatter()


def placeholders(text: str) -> list[str]:
    """The placeholder names of a template, in order; ValueError if one is malformed."""
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as error:
        raise ValueError(
            f"broken braces ({error}); a placeholder looks like {{H}}, a literal brace is {{{{"
        ) from None
    names: list[str] = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise ValueError(f"malformed placeholder {{{shown}}}: only plain names like {{H}}")
        names.append(name)
    return names


def _template(known: frozenset[str], what: str) -> AfterValidator:
    def check(text: str) -> str:
        for name in placeholders(text):
            if name not in known:
                allowed = " ".join(f"{{{k}}}" for k in sorted(known, key=str.lower))
                raise ValueError(f"unknown placeholder {{{name}}}; {what} can use {allowed}")
        return text

    return AfterValidator(check)


def _no_braces(text: str) -> str:
    if "{" in text or "}" in text:
        raise ValueError(
            f"{text!r} is used word for word, so it cannot contain placeholders or braces"
        )
    return text


NonEmpty = Field(min_length=1)
Plain = Annotated[str, NonEmpty, AfterValidator(_no_braces)]
StoryText = Annotated[str, NonEmpty, _template(STORY_SLOTS, "a story line")]
TitleText = Annotated[str, NonEmpty, _template(TITLE_SLOTS, "a title")]
GoalPhrase = Annotated[str, NonEmpty, _template(GOAL_SLOTS, "a goal")]
PersonText = Annotated[str, NonEmpty, _template(PERSON_SLOTS, "a person's description")]
PersonMark = Annotated[str, NonEmpty, _template(PERSON_MARK_SLOTS, "a person's mark")]
AnimalText = Annotated[str, NonEmpty, _template(ANIMAL_SLOTS, "an animal's description")]
AnimalMark = Annotated[str, NonEmpty, _template(ANIMAL_MARK_SLOTS, "an animal's mark")]

Word = Annotated[str, Field(pattern=r"^[a-z]+(?:-[a-z]+)*$")]
"""One lower-case word, hyphens allowed: what the readers split text into."""
Phrase = Annotated[str, Field(pattern=r"^[a-z']+(?:[- ][a-z']+)*$")]
"""Lower-case words separated by single spaces."""
Key = Annotated[str, Field(pattern=r"^[a-z]+(?:_[a-z]+)*$")]
Cue = Annotated[str, Field(min_length=1, pattern=r"^[^A-Z]+$")]
"""A lower-case piece of text looked for inside other text."""
Name = Annotated[str, Field(pattern=r"^[A-Z][A-Za-z'-]*$")]
Channel = Annotated[int, Field(ge=0, le=255)]
RGB = tuple[Channel, Channel, Channel]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


# --- colours.toml ------------------------------------------------------------------------


class ColoursFile(_Model):
    """Colour words and the red, green, blue they are painted with."""

    colours: Annotated[dict[Word, RGB], NonEmpty]
    modifiers: dict[Word, Annotated[float, Field(ge=-1, le=1)]]


# --- kinds.toml --------------------------------------------------------------------------


class BodyPlan(_Model):
    """The words for the parts of one body plan."""

    hand: Phrase
    belly: Phrase
    swims: bool = False


class Kind(_Model):
    """A kind of character: how it is drawn, where it lives, its usual colours."""

    body: Body
    ears: Ears = "round"
    tail: Tail = "none"
    extras: tuple[Extra, ...] = ()
    home: str = ""
    coat: Word = "fur"
    coats: Annotated[tuple[Word, ...], NonEmpty] | None = None
    bellies: Annotated[tuple[Word, ...], NonEmpty] | None = None
    pronoun: Literal["he", "she"] | None = None
    friend_adjective: Word | None = None

    @model_validator(mode="after")
    def _colours_together(self) -> Kind:
        if (self.coats is None) != (self.bellies is None):
            raise ValueError("give both coats and bellies, or neither")
        return self


class KindsFile(_Model):
    bodies: dict[Body, BodyPlan]
    coats: Annotated[dict[Word, Phrase], NonEmpty]
    kinds: Annotated[dict[Annotated[str, Field(pattern=r"^[a-z]+(?: [a-z]+)*$")], Kind], NonEmpty]

    @model_validator(mode="after")
    def _every_body(self) -> KindsFile:
        missing = [b for b in Body.__args__ if b not in self.bodies]  # type: ignore[attr-defined]
        if missing:
            raise ValueError(f"bodies needs an entry for {', '.join(missing)}")
        return self


# --- cast.toml ---------------------------------------------------------------------------


class Names(_Model):
    people: Annotated[tuple[Name, ...], Field(min_length=4)]
    animals: Annotated[tuple[Name, ...], Field(min_length=4)]


class People(_Model):
    skins: Annotated[tuple[Word, ...], NonEmpty]
    hair_colours: Annotated[tuple[Word, ...], NonEmpty]
    hair_styles: Annotated[tuple[Word, ...], NonEmpty]
    garments: Annotated[tuple[Phrase, ...], NonEmpty]
    marks: Annotated[tuple[PersonMark, ...], NonEmpty]
    description: PersonText


class Animals(_Model):
    coats: Annotated[tuple[Word, ...], NonEmpty]
    bellies: Annotated[tuple[Word, ...], NonEmpty]
    clothes: Annotated[tuple[Phrase, ...], NonEmpty]
    swimmer_clothes: Annotated[tuple[Phrase, ...], NonEmpty]
    marks: Annotated[tuple[AnimalMark, ...], NonEmpty]
    tail_mark: AnimalMark
    tail_mark_tails: tuple[Tail, ...]
    inks: Annotated[tuple[Word, ...], NonEmpty]
    light_ink: Word
    dark_coats: tuple[Word, ...]
    description: AnimalText


class CastFile(_Model):
    """Who the characters are when the premise does not say."""

    unknown_kind: str
    spare_kinds: Annotated[tuple[str, ...], NonEmpty]
    default_sizes: Annotated[tuple[Word, ...], NonEmpty]
    size_words: dict[Word, Word]
    hero_traits: Annotated[tuple[Word, ...], NonEmpty]
    friend_traits: Annotated[tuple[Word, ...], NonEmpty]
    third_traits: Annotated[tuple[Word, ...], NonEmpty]
    cloth_colours: Annotated[tuple[Word, ...], Field(min_length=2)]
    names: Names
    people: People
    animals: Animals


# --- worlds.toml -------------------------------------------------------------------------


class World(_Model):
    """One setting: what it is called, where things happen, what can be seen."""

    noun: Plain
    backdrop: Backdrop
    keywords: Annotated[tuple[Word, ...], NonEmpty]
    names: Annotated[tuple[Plain, ...], NonEmpty]
    home: Plain
    places: Annotated[tuple[Plain, ...], NonEmpty]
    sights: Annotated[tuple[StoryText, ...], NonEmpty]
    things: Annotated[tuple[Plain, ...], NonEmpty]
    helpers: Annotated[tuple[str, ...], NonEmpty]
    quests: Annotated[tuple[Plain, ...], NonEmpty]
    critter: Plain
    shelter: Plain
    hazard: Plain
    trinket: Plain
    drawing: Plain
    snack: Plain
    palette: Plain


class WorldsFile(_Model):
    default: str
    surprise: Annotated[tuple[str, ...], NonEmpty]
    worlds: Annotated[dict[Word, World], NonEmpty]


# --- story.toml and goals.toml -------------------------------------------------------------


class Episode(_Model):
    """One page's worth of story: who is in it, what is said, what the picture shows."""

    cast: Annotated[str, Field(pattern=r"^H(?:F|T|FT)?$")]
    sentences: Annotated[tuple[StoryText, ...], NonEmpty]
    action: StoryText
    excluded: tuple[str, ...] = ()
    extra: Annotated[str, AfterValidator(_no_braces)] = ""
    times: tuple[TimeKey, ...] = ()
    """The times of day the episode is told at when a story keeps one; any when empty."""


class Beats(_Model):
    """The episodes each role in the story's arc is told with."""

    intro: Annotated[tuple[Episode, ...], NonEmpty]
    meet: Annotated[tuple[Episode, ...], NonEmpty]
    meet_known: Annotated[tuple[Episode, ...], NonEmpty]
    third: Annotated[tuple[Episode, ...], NonEmpty]
    setback: Annotated[tuple[Episode, ...], NonEmpty]
    growing: Annotated[tuple[Episode, ...], NonEmpty]
    fill: Annotated[tuple[Episode, ...], NonEmpty]


class StoryTime(_Model):
    scene: Plain
    text: Plain


class SceneWords(_Model):
    at_home: Annotated[str, NonEmpty, _template(frozenset({"home"}), "at_home")]
    away: Annotated[str, NonEmpty, _template(frozenset({"place"}), "away")]
    one: Annotated[str, NonEmpty, _template(frozenset({"first"}), "one")]
    two: Annotated[str, NonEmpty, _template(frozenset({"first", "second"}), "two")]
    many: Annotated[str, NonEmpty, _template(frozenset({"names", "last"}), "many")]
    frame: Annotated[
        str,
        NonEmpty,
        _template(
            frozenset({"time", "noun", "world", "where", "action", "extra", "shot", "arrangement"}),
            "a scene",
        ),
    ]


SentenceText = Annotated[str, NonEmpty, _template(frozenset({"sentence"}), "this line")]


class Lines(_Model):
    closings: Annotated[tuple[StoryText, ...], NonEmpty]
    goodnights: Annotated[tuple[StoryText, ...], NonEmpty]
    want_action: StoryText
    helped: StoryText
    closing_action: StoryText
    lesson: StoryText
    next_morning: SentenceText
    next_morning_before_quote: SentenceText
    object_lines: Annotated[tuple[StoryText, ...], NonEmpty]
    object_action: StoryText


class Medium(_Model):
    key: Annotated[str, Field(min_length=1, pattern=r"^[a-z-]+$")]
    medium: Plain


class StyleWords(_Model):
    default: Plain
    default_medium: Plain
    mediums: tuple[Medium, ...]


class StoryFile(_Model):
    """The shape of every offline story: its beats, its fixed lines, its scenes."""

    title_small_words: tuple[Word, ...]
    dark_words: tuple[Word, ...]
    shots: Annotated[tuple[Plain, ...], NonEmpty]
    first_shot: Plain
    closing_shot: Plain
    times: dict[Key, StoryTime]
    scene: SceneWords
    lines: Lines
    style: StyleWords
    beats: Beats

    @model_validator(mode="after")
    def _every_time(self) -> StoryFile:
        missing = [t for t in STORY_TIMES if t not in self.times]
        extra = [t for t in self.times if t not in STORY_TIMES]
        if missing or extra:
            raise ValueError(
                f"times must be exactly {', '.join(STORY_TIMES)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(extra)}" if extra else "")
            )
        return self


class GoalText(_Model):
    """How one kind of goal is told: the problem, the tries, the big moment, the end."""

    goal: GoalPhrase
    verbal: bool = False
    problem: Annotated[tuple[StoryText, ...], Field(min_length=2)]
    tries: Annotated[tuple[Episode, ...], NonEmpty]
    climax: Annotated[tuple[StoryText, ...], NonEmpty]
    success: Annotated[tuple[StoryText, ...], NonEmpty]
    closing: StoryText
    title: Annotated[tuple[TitleText, ...], NonEmpty]
    climax_action: StoryText
    success_action: StoryText
    climax_extra: Annotated[str, AfterValidator(_no_braces)] = ""


class GoalsFile(_Model):
    goals: Annotated[dict[Key, GoalText], NonEmpty]


# --- premise.toml ------------------------------------------------------------------------


class CueWords(_Model):
    """Text to look for: whole words, word beginnings, or pieces anywhere."""

    words: tuple[Cue, ...] = ()
    starts: tuple[Cue, ...] = ()
    within: tuple[Cue, ...] = ()

    @model_validator(mode="after")
    def _something(self) -> CueWords:
        if not (self.words or self.starts or self.within):
            raise ValueError("give at least one of words, starts, within")
        return self

    def pattern(self) -> re.Pattern[str]:
        """A regular expression that finds any of the cues in lower-case text."""
        return re.compile(
            "|".join(
                [
                    *(rf"\b{re.escape(w)}\b" for w in self.words),
                    *(rf"\b{re.escape(w)}" for w in self.starts),
                    *(re.escape(w) for w in self.within),
                ]
            )
        )


class GoalRule(_Model):
    kind: Key
    form: GoalForm
    words: Annotated[tuple[Cue, ...], NonEmpty]


class SettingHint(_Model):
    world: str
    bonus: Annotated[float, Field(gt=0)]
    when_all: Annotated[tuple[CueWords, ...], NonEmpty]


class FallbackGoal(_Model):
    kind: Key
    within: Annotated[tuple[Cue, ...], NonEmpty]


class PremiseFile(_Model):
    """What the premise reader looks for."""

    default_premise: Plain
    not_names: tuple[Name, ...]
    name_followers: Annotated[tuple[Cue, ...], NonEmpty]
    clause_breaks: Annotated[tuple[Cue, ...], NonEmpty]
    themes: dict[Word, Plain]
    goal_rules: Annotated[tuple[GoalRule, ...], NonEmpty]
    fallback_goals: tuple[FallbackGoal, ...] = ()
    default_goal: Key
    setting_hints: tuple[SettingHint, ...] = ()


# --- rewrite.toml ------------------------------------------------------------------------


class Instructions(_Model):
    rhyme: Annotated[tuple[Cue, ...], NonEmpty]
    shorter: Annotated[tuple[Cue, ...], NonEmpty]
    funnier: Annotated[tuple[Cue, ...], NonEmpty]
    exciting: Annotated[tuple[Cue, ...], NonEmpty]
    gentle: Annotated[tuple[Cue, ...], NonEmpty]
    longer: Annotated[tuple[Cue, ...], NonEmpty]


Couplet = tuple[StoryText, StoryText]


class Rhymes(_Model):
    begin: Annotated[tuple[Couplet, ...], NonEmpty]
    middle: Annotated[tuple[Couplet, ...], NonEmpty]
    end: Annotated[tuple[Couplet, ...], NonEmpty]


class ForeignScene(_Model):
    frame: Annotated[
        str, NonEmpty, _template(frozenset({"time", "noun", "first"}), "a foreign scene")
    ]
    default_time: Plain
    times: dict[
        Annotated[str, Field(pattern=r"^[A-Z][a-z]*$")], Annotated[tuple[Cue, ...], NonEmpty]
    ]


TextLine = Annotated[str, NonEmpty, _template(frozenset({"text"}), "this line")]


class RewriteFile(_Model):
    """How a page is rewritten for an author's instruction."""

    instructions: Instructions
    funny: Annotated[tuple[StoryText, ...], NonEmpty]
    exciting: Annotated[tuple[StoryText, ...], NonEmpty]
    gentle: Annotated[tuple[StoryText, ...], NonEmpty]
    rhymes: Rhymes
    swaps: tuple[tuple[Word, Annotated[str, NonEmpty, AfterValidator(_no_braces)]], ...]
    rephrase: TextLine
    rephrase_not_a_letter: TextLine
    foreign_scene: ForeignScene


# --- painter.toml ------------------------------------------------------------------------


class SkyTime(_Model):
    """One time of day as the painter paints it."""

    words: Annotated[tuple[Cue, ...], NonEmpty]
    sky: tuple[RGB, RGB]
    light: RGB
    light_amount: Annotated[float, Field(ge=0, le=1)]
    sun: RGB | None = None
    low_sun: bool = False
    clouds: RGB
    cloud_alpha: Channel


class SceneCues(_Model):
    underwater: CueWords
    rain: CueWords
    storm: CueWords
    snow: CueWords
    lantern: CueWords
    home: CueWords
    close: CueWords
    wide: CueWords
    sad: CueWords
    wonder: CueWords


class Reading(_Model):
    """The words the painter looks for in a character's description."""

    coat_words: Annotated[tuple[Word, ...], NonEmpty]
    belly_words: Annotated[tuple[Word, ...], NonEmpty]
    skin_words: Annotated[tuple[Word, ...], NonEmpty]
    hair_words: Annotated[tuple[Word, ...], NonEmpty]
    clothes: Annotated[tuple[Word, ...], NonEmpty]
    marks: Annotated[tuple[Word, ...], NonEmpty]
    hair_styles: Annotated[tuple[Word, ...], NonEmpty]
    default_hair_style: Word
    stripes: tuple[Word, ...]
    sizes: dict[Word, Annotated[float, Field(gt=0, le=3)]]
    unknown_name: Plain
    unknown_kind: Kind


class PainterFile(_Model):
    textured: Annotated[tuple[Cue, ...], NonEmpty]
    default_palette: Annotated[tuple[RGB, ...], NonEmpty]
    times: Annotated[dict[Key, SkyTime], NonEmpty]
    cues: SceneCues
    reading: Reading

    @model_validator(mode="after")
    def _day_and_night(self) -> PainterFile:
        missing = [t for t in ("day", "night") if t not in self.times]
        if missing:
            raise ValueError(f"times needs {' and '.join(missing)}")
        return self


# --- vocabulary.toml -----------------------------------------------------------------------

NounName = Annotated[str, Field(pattern=r"^[a-z]+(?:[- ][a-z]+)*$")]


class Plan(_Model):
    """One body plan: what kind of character it is and how it is drawn by default."""

    kind: NounKind
    body: Body
    ears: Ears = "round"
    tail: Tail = "none"
    extras: tuple[Extra, ...] = ()
    coat: Word = "fur"
    coats: Annotated[tuple[Word, ...], NonEmpty] | None = None
    bellies: Annotated[tuple[Word, ...], NonEmpty] | None = None


class Noun(_Model):
    """A noun a premise may use for a character or a thing, with its plan and colours."""

    plan: PlanName
    colours: Annotated[tuple[Word, ...], NonEmpty] | None = None
    home: str = ""
    setting: str = ""
    pronoun: Literal["he", "she"] | None = None
    ears: Ears | None = None
    tail: Tail | None = None
    extras: tuple[Extra, ...] | None = None


class Setting(_Model):
    """A place a premise may name: its world, and how the story says it."""

    world: str
    home: Plain
    place: Plain


class VocabularyFile(_Model):
    """Everything the premise reader recognises: nouns, settings, times of day."""

    plans: dict[PlanName, Plan]
    nouns: Annotated[dict[NounName, Noun], Field(min_length=100)]
    settings: Annotated[dict[Phrase, Setting], NonEmpty]
    times: Annotated[dict[Phrase, TimeKey], NonEmpty]

    @model_validator(mode="after")
    def _every_plan(self) -> VocabularyFile:
        missing = [p for p in PlanName.__args__ if p not in self.plans]  # type: ignore[attr-defined]
        if missing:
            raise ValueError(f"plans needs an entry for {', '.join(missing)}")
        return self


# --- es.toml ---------------------------------------------------------------------------------

ES_SLOTS = frozenset(
    {
        "H", "F", "T", "sp", "fsp", "tsp", "el", "un", "o", "fel", "fun", "fo", "tun", "O",
        "hogar", "lugar", "mundo", "vista", "Cuando", "meta",
    }
)  # fmt: skip
"""Placeholders of Spanish lines (es.toml)."""
EsText = Annotated[str, NonEmpty, _template(ES_SLOTS, "a Spanish line")]
EsWord = Annotated[str, Field(pattern=r"^[^\sA-Z{}]+(?: [^\sA-Z{}]+)*$")]
"""Lower-case Spanish words, accents allowed."""


class EsNoun(_Model):
    en: str
    gender: Literal["f", "m"]


class EsSetting(_Model):
    en: str
    home: Plain
    place: Plain


class EsGoalRule(_Model):
    kind: Key
    words: Annotated[tuple[EsWord, ...], NonEmpty]


class EsWords(_Model):
    determiners: Annotated[tuple[EsWord, ...], NonEmpty]
    named: Annotated[tuple[EsWord, ...], NonEmpty]
    adjectives: tuple[EsWord, ...]
    not_names: tuple[str, ...]
    goal_rules: Annotated[tuple[EsGoalRule, ...], NonEmpty]


class EsWorld(_Model):
    names: Annotated[tuple[Plain, ...], NonEmpty]
    home: Plain
    places: Annotated[tuple[Plain, ...], NonEmpty]
    sights: Annotated[tuple[Plain, ...], NonEmpty]
    quests: Annotated[tuple[Plain, ...], NonEmpty]


class EsEpisode(_Model):
    """A page in Spanish, and (in English) what its picture shows."""

    sentences: Annotated[tuple[EsText, ...], NonEmpty]
    action: StoryText


class EsBeats(_Model):
    intro: Annotated[tuple[EsEpisode, ...], NonEmpty]
    object: Annotated[tuple[EsEpisode, ...], NonEmpty]
    meet: Annotated[tuple[EsEpisode, ...], NonEmpty]
    third: Annotated[tuple[EsEpisode, ...], NonEmpty]
    setback: Annotated[tuple[EsEpisode, ...], NonEmpty]
    growing: Annotated[tuple[EsEpisode, ...], NonEmpty]
    fill: Annotated[tuple[EsEpisode, ...], Field(min_length=4)]
    closing: Annotated[tuple[EsEpisode, ...], NonEmpty]


class EsGoal(_Model):
    problem: Annotated[tuple[EsText, ...], Field(min_length=2)]
    climax: Annotated[tuple[EsText, ...], Field(min_length=2)]
    success: Annotated[tuple[EsText, ...], Field(min_length=2)]
    closing: EsText
    titles: Annotated[tuple[EsText, ...], NonEmpty]
    generic: Plain


ES_GOALS = ("fear", "find", "learn", "want", "love", "quest")
"""The goals a Spanish book can be told with (es.toml goals)."""


class SpanishFile(_Model):
    """How a Spanish premise is read and a Spanish book is told."""

    times: dict[EsWord, TimeKey]
    when: dict[Key, Plain]
    words: EsWords
    settings: dict[EsWord, EsSetting]
    nouns: Annotated[dict[EsWord, EsNoun], Field(min_length=100)]
    worlds: dict[Word, EsWorld]
    beats: EsBeats
    goals: Annotated[dict[Key, EsGoal], NonEmpty]

    @model_validator(mode="after")
    def _every_time_and_goal(self) -> SpanishFile:
        missing = [t for t in STORY_TIMES if t not in self.when]
        missing += [g for g in ES_GOALS if g not in self.goals]
        if missing:
            raise ValueError(f"needs when.* and goals.* for {', '.join(missing)}")
        return self


# --- Loading -----------------------------------------------------------------------------


class GlossaryFile(_Model):
    """Words of languages the engine does not write, in English, by language (BCP 47
    primary subtag); each value is "role:words" (see glossary.toml)."""

    languages: dict[str, dict[str, Annotated[str, Field(pattern=r"^[anvpt]:\S.*$")]]]


@dataclass(frozen=True, eq=False)
class OfflineData:
    """Every data file of the offline engine, validated. Compared and hashed by identity,
    so that what is made from one set of files can be cached per set."""

    folder: Path
    colours: ColoursFile
    kinds: KindsFile
    cast: CastFile
    worlds: WorldsFile
    story: StoryFile
    goals: GoalsFile
    premise: PremiseFile
    rewrite: RewriteFile
    painter: PainterFile
    vocabulary: VocabularyFile
    es: SpanishFile
    glossary: GlossaryFile


FILES: dict[str, type[_Model]] = {
    "colours": ColoursFile,
    "kinds": KindsFile,
    "cast": CastFile,
    "worlds": WorldsFile,
    "story": StoryFile,
    "goals": GoalsFile,
    "premise": PremiseFile,
    "rewrite": RewriteFile,
    "painter": PainterFile,
    "vocabulary": VocabularyFile,
    "es": SpanishFile,
    "glossary": GlossaryFile,
}


def data_folder() -> Path:
    """Where the shipped data files are, also in the frozen build."""
    return asset_path("offline")


_loaded: OfflineData | None = None
_loading = threading.Lock()


def offline_data() -> OfflineData:
    """The shipped data files, read and checked once per process (by one thread)."""
    global _loaded
    if _loaded is None:
        with _loading:
            if _loaded is None:
                _loaded = load_data(data_folder())
    return _loaded


def load_data(folder: Path) -> OfflineData:
    """Read and check every data file in `folder`; OfflineDataError if any is wrong."""
    files = {name: _load(folder / f"{name}.toml", model) for name, model in FILES.items()}
    data = OfflineData(folder, **files)  # type: ignore[arg-type]
    _cross_check(data)
    return data


def _load(path: Path, model: type[_Model]) -> _Model:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OfflineDataError(f"{path}: the file is missing") from None
    except (OSError, UnicodeDecodeError) as error:
        raise OfflineDataError(f"{path}: cannot be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise OfflineDataError(f"{path}: not valid TOML: {error}") from None
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise OfflineDataError(_describe(path, error)) from None


def _describe(path: Path, error: ValidationError) -> str:
    problems = error.errors(include_url=False)
    lines = [f"{path}: {_where(p['loc'])}: {_what(p)}" for p in problems[:10]]
    if len(problems) > 10:
        lines.append(f"{path}: ... and {len(problems) - 10} more")
    return "\n".join(lines)


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            out += " (its name)"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _what(problem: Mapping[str, Any]) -> str:
    kind, message = problem["type"], str(problem["msg"])
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key (misspelt, or in the wrong table?)"
    message = message.removeprefix("Value error, ")
    found = problem.get("input")
    if kind != "value_error" and isinstance(found, str | int | float | bool):
        message += f" (found {found!r})"
    return message


# --- Checks across files -----------------------------------------------------------------


class _Checker:
    """Checks that names in one file point at things another file defines."""

    def __init__(self, data: OfflineData) -> None:
        from studio.core.offline.lexicon import resolve_colour

        self.data = data
        self._resolve = resolve_colour

    def fail(self, file: str, key: str, message: str) -> None:
        raise OfflineDataError(f"{self.data.folder / f'{file}.toml'}: {key}: {message}")

    def known(self, file: str, key: str, value: str, names: Iterable[str], what: str) -> None:
        options = list(names)
        if value not in options:
            self.fail(file, key, f"unknown {what} {value!r} (known: {', '.join(options)})")

    def colours(self, file: str, key: str, words: Iterable[str]) -> None:
        table = self.data.colours
        for i, word in enumerate(words):
            if self._resolve(word, table.colours, table.modifiers) is None:
                self.fail(file, f"{key}[{i}]", f"unknown colour {word!r}: add it to colours.toml")

    def episodes(self, file: str, key: str, episodes: Iterable[Episode]) -> None:
        for i, episode in enumerate(episodes):
            for j, world in enumerate(episode.excluded):
                self.known(
                    file, f"{key}[{i}].excluded[{j}]", world, self.data.worlds.worlds, "world"
                )


def _cross_check(data: OfflineData) -> None:
    check = _Checker(data)
    _check_kinds(check, data)
    _check_worlds(check, data)
    _check_cast(check, data)
    _check_story(check, data)
    _check_premise(check, data)
    _check_vocabulary(check, data)
    _check_spanish(check, data)


def _check_kinds(check: _Checker, data: OfflineData) -> None:
    coats, reading = data.kinds.coats, data.painter.reading
    for name, kind in data.kinds.kinds.items():
        _check_kind(check, data, "kinds", f"kinds.{name}", kind)
    _check_kind(check, data, "painter", "reading.unknown_kind", reading.unknown_kind)
    for coat, words in coats.items():
        if words.split()[-1] not in reading.coat_words:
            check.fail("kinds", f"coats.{coat}", f"the painter does not read {words!r} as a coat")


def _check_kind(check: _Checker, data: OfflineData, file: str, key: str, kind: Kind) -> None:
    if kind.home:
        check.known(file, f"{key}.home", kind.home, data.worlds.worlds, "world")
    check.known(file, f"{key}.coat", kind.coat, data.kinds.coats, "coat")
    check.colours(file, f"{key}.coats", kind.coats or ())
    check.colours(file, f"{key}.bellies", kind.bellies or ())


def _check_worlds(check: _Checker, data: OfflineData) -> None:
    worlds = data.worlds.worlds
    for name, world in worlds.items():
        for i, helper in enumerate(world.helpers):
            check.known("worlds", f"worlds.{name}.helpers[{i}]", helper, data.kinds.kinds, "kind")
        if not set(re.findall(r"[a-z]+(?:-[a-z]+)*", world.noun.lower())) & set(world.keywords):
            check.fail("worlds", f"worlds.{name}.noun", "must contain one of the world's keywords")
    check.known("worlds", "default", data.worlds.default, worlds, "world")
    for i, key in enumerate(data.worlds.surprise):
        check.known("worlds", f"surprise[{i}]", key, worlds, "world")


def _check_cast(check: _Checker, data: OfflineData) -> None:
    cast, kinds = data.cast, data.kinds.kinds
    check.known("cast", "unknown_kind", cast.unknown_kind, kinds, "kind")
    for i, key in enumerate(cast.spare_kinds):
        check.known("cast", f"spare_kinds[{i}]", key, kinds, "kind")
    check.colours("cast", "cloth_colours", cast.cloth_colours)
    check.colours("cast", "people.skins", cast.people.skins)
    check.colours("cast", "people.hair_colours", cast.people.hair_colours)
    check.colours("cast", "animals.coats", cast.animals.coats)
    check.colours("cast", "animals.bellies", cast.animals.bellies)
    check.colours("cast", "animals.inks", cast.animals.inks)
    check.colours("cast", "animals.dark_coats", cast.animals.dark_coats)
    check.colours("cast", "animals.light_ink", (cast.animals.light_ink,))
    readable = set(data.painter.reading.clothes)
    for key, clothes in (
        ("people.garments", cast.people.garments),
        ("animals.clothes", cast.animals.clothes),
        ("animals.swimmer_clothes", cast.animals.swimmer_clothes),
    ):
        for i, cloth in enumerate(clothes):
            if not set(cloth.split()) & readable:
                check.fail(
                    "cast", f"{key}[{i}]", f"the painter does not read {cloth!r} as clothing"
                )


def _check_story(check: _Checker, data: OfflineData) -> None:
    beats = data.story.beats
    for beat in STORY_BEATS:
        check.episodes("story", f"beats.{beat}", getattr(beats, beat))
    for name in data.worlds.worlds:
        if not [e for e in beats.setback if name not in e.excluded]:
            check.fail("story", "beats.setback", f"no setback suits the world {name!r}")
        if not [e for e in beats.fill if name not in e.excluded and "T" not in e.cast]:
            check.fail("story", "beats.fill", f"no episode for two suits the world {name!r}")
    goals = data.goals.goals
    for name, goal in goals.items():
        check.episodes("goals", f"goals.{name}.tries", goal.tries)
    for name in sorted(CODE_GOALS - set(goals)):
        check.fail("goals", "goals", f"the goal {name!r} is needed")


def _check_premise(check: _Checker, data: OfflineData) -> None:
    premise, goals = data.premise, data.goals.goals
    for i, rule in enumerate(premise.goal_rules):
        check.known("premise", f"goal_rules[{i}].kind", rule.kind, goals, "goal")
    for i, fallback in enumerate(premise.fallback_goals):
        check.known("premise", f"fallback_goals[{i}].kind", fallback.kind, goals, "goal")
    check.known("premise", "default_goal", premise.default_goal, goals, "goal")
    for i, hint in enumerate(premise.setting_hints):
        check.known("premise", f"setting_hints[{i}].world", hint.world, data.worlds.worlds, "world")


def _check_vocabulary(check: _Checker, data: OfflineData) -> None:
    words, worlds = data.vocabulary, data.worlds.worlds
    for name, plan in words.plans.items():
        check.known("vocabulary", f"plans.{name}.coat", plan.coat, data.kinds.coats, "coat")
        check.colours("vocabulary", f"plans.{name}.coats", plan.coats or ())
        check.colours("vocabulary", f"plans.{name}.bellies", plan.bellies or ())
    for word, noun in words.nouns.items():
        key = f"nouns.{word}"
        check.colours("vocabulary", f"{key}.colours", noun.colours or ())
        if noun.home:
            check.known("vocabulary", f"{key}.home", noun.home, worlds, "world")
        if noun.setting:
            check.known("vocabulary", f"{key}.setting", noun.setting, words.settings, "setting")
    for place, setting in words.settings.items():
        check.known("vocabulary", f"settings.{place}.world", setting.world, worlds, "world")


def _check_spanish(check: _Checker, data: OfflineData) -> None:
    es, nouns = data.es, {**data.kinds.kinds, **data.vocabulary.nouns}
    for name, noun in es.nouns.items():
        check.known("es", f"nouns.{name}.en", noun.en, nouns, "noun")
    for name, setting in es.settings.items():
        check.known("es", f"settings.{name}.en", setting.en, data.vocabulary.settings, "setting")
    for name in es.worlds:
        check.known("es", f"worlds.{name}", name, data.worlds.worlds, "world")

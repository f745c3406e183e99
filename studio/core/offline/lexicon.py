"""Words the composer writes and the painter reads: colours, species, settings.

Both halves of the offline engine share these tables, so a colour or a species
the composer puts into a description is one the painter knows how to draw.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

RGB = tuple[int, int, int]

COLOURS: dict[str, RGB] = {
    "white": (250, 248, 242),
    "snowy": (246, 248, 252),
    "ivory": (250, 244, 226),
    "cream": (246, 234, 206),
    "beige": (226, 208, 176),
    "fair": (250, 218, 196),
    "golden-brown": (198, 140, 92),
    "sandy": (222, 192, 140),
    "tan": (206, 164, 112),
    "fawn": (214, 168, 118),
    "honey": (226, 170, 74),
    "caramel": (192, 128, 66),
    "ginger": (214, 118, 52),
    "russet": (184, 84, 40),
    "rust": (176, 82, 46),
    "chestnut": (140, 78, 44),
    "chestnut-brown": (140, 78, 44),
    "brown": (128, 86, 54),
    "light-brown": (176, 128, 86),
    "warm-brown": (150, 96, 58),
    "dark-brown": (88, 56, 36),
    "chocolate": (96, 58, 38),
    "tawny": (170, 120, 70),
    "grey": (150, 152, 158),
    "gray": (150, 152, 158),
    "silver": (196, 202, 210),
    "silver-grey": (182, 186, 194),
    "slate": (100, 112, 128),
    "charcoal": (64, 66, 72),
    "black": (40, 38, 44),
    "red": (212, 60, 56),
    "scarlet": (222, 52, 46),
    "crimson": (184, 30, 58),
    "cherry": (196, 38, 62),
    "tomato": (232, 88, 62),
    "coral": (244, 128, 108),
    "pink": (244, 164, 186),
    "rose": (232, 120, 150),
    "dusty-pink": (214, 150, 160),
    "peach": (250, 190, 150),
    "apricot": (248, 170, 110),
    "orange": (240, 140, 50),
    "pumpkin": (230, 118, 34),
    "mustard": (212, 172, 50),
    "ochre": (204, 146, 58),
    "gold": (232, 186, 60),
    "golden": (236, 190, 70),
    "yellow": (250, 212, 70),
    "sunny-yellow": (252, 210, 60),
    "buttercup": (250, 220, 90),
    "lemon": (248, 232, 110),
    "green": (96, 168, 88),
    "moss-green": (112, 140, 68),
    "moss": (112, 140, 68),
    "sage": (150, 172, 132),
    "sage-green": (150, 172, 132),
    "mint": (170, 222, 190),
    "pistachio": (180, 204, 130),
    "leaf-green": (110, 176, 76),
    "emerald": (40, 150, 100),
    "forest-green": (48, 110, 64),
    "teal": (40, 134, 140),
    "turquoise": (64, 196, 196),
    "seafoam": (150, 220, 200),
    "sky-blue": (130, 190, 236),
    "pale-blue": (176, 208, 236),
    "blue": (70, 120, 200),
    "denim": (82, 112, 160),
    "cobalt": (40, 80, 170),
    "dusk": (96, 104, 156),
    "navy": (36, 50, 100),
    "midnight-blue": (30, 36, 80),
    "indigo": (70, 58, 140),
    "periwinkle": (150, 156, 224),
    "lavender": (186, 164, 220),
    "lilac": (200, 170, 220),
    "violet": (140, 90, 190),
    "purple": (130, 72, 160),
    "plum": (120, 60, 110),
    "magenta": (200, 60, 150),
    "berry": (160, 40, 90),
}

_MODIFIERS = {"pale": 0.45, "light": 0.35, "soft": 0.25, "dark": -0.35, "deep": -0.3}

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


def colour_of(word: str) -> RGB | None:
    """The RGB of one colour word ("moss-green", "ochres", "sky-blue"), if known."""
    for candidate in (word, word.removesuffix("s"), word.removesuffix("es")):
        if candidate in COLOURS:
            return COLOURS[candidate]
    if "-" in word:
        head, _, tail = word.rpartition("-")
        base = colour_of(tail)
        if base is not None and head in _MODIFIERS:
            return lighten(base, _MODIFIERS[head])
        return base if base is not None else colour_of(head)
    return None


def colours_in(text: str) -> list[tuple[int, RGB]]:
    """Every colour named in `text`, as (word index, RGB), modifiers applied."""
    words = WORD.findall(text.lower())
    found: list[tuple[int, RGB]] = []
    for i, word in enumerate(words):
        rgb = colour_of(word)
        if rgb is None:
            continue
        if i > 0 and words[i - 1] in _MODIFIERS:
            rgb = lighten(rgb, _MODIFIERS[words[i - 1]])
        found.append((i, rgb))
    return found


# --- Species --------------------------------------------------------------------------


@dataclass(frozen=True)
class Species:
    """How a kind of creature is drawn and where it likes to live."""

    plan: str  # critter, bird, owl, fish, human, robot, turtle, octopus
    ears: str = "round"  # none, round, pointy, long, floppy, big, tufts, horns, antenna
    tail: str = "none"  # none, bushy, thin, curly, stub, spiky, fluffy
    extras: tuple[str, ...] = ()
    home: str = ""
    coat: str = "fur"


SPECIES: dict[str, Species] = {
    "hedgehog": Species("critter", "round", "none", ("spikes", "snout"), "forest", "spines"),
    "rabbit": Species("critter", "long", "fluffy", (), "meadow"),
    "bunny": Species("critter", "long", "fluffy", (), "meadow"),
    "hare": Species("critter", "long", "fluffy", (), "meadow"),
    "bear": Species("critter", "round", "stub", ("snout",), "forest"),
    "polar bear": Species("critter", "round", "stub", ("snout",), "snow"),
    "panda": Species("critter", "round", "stub", ("eyepatches",), "jungle"),
    "cat": Species("critter", "pointy", "thin", ("whiskers",), "city"),
    "kitten": Species("critter", "pointy", "thin", ("whiskers",), "city"),
    "tiger": Species("critter", "pointy", "thin", ("whiskers", "stripes"), "jungle"),
    "lion": Species("critter", "round", "thin", ("mane",), "desert"),
    "dog": Species("critter", "floppy", "thin", ("snout",), "city"),
    "puppy": Species("critter", "floppy", "thin", ("snout",), "city"),
    "fox": Species("critter", "pointy", "bushy", ("snout",), "forest"),
    "fennec fox": Species("critter", "big", "bushy", ("snout",), "desert"),
    "arctic fox": Species("critter", "pointy", "bushy", ("snout",), "snow"),
    "wolf": Species("critter", "pointy", "bushy", ("snout",), "forest"),
    "mouse": Species("critter", "big", "thin", ("whiskers",), "meadow"),
    "squirrel": Species("critter", "pointy", "bushy", (), "forest"),
    "badger": Species("critter", "round", "stub", ("facestripe", "snout"), "forest"),
    "otter": Species("critter", "round", "thin", ("whiskers",), "sea"),
    "seal": Species("critter", "none", "none", ("whiskers", "flippers"), "sea"),
    "monkey": Species("critter", "round", "curly", ("face",), "jungle"),
    "elephant": Species("critter", "big", "thin", ("trunk",), "jungle"),
    "pig": Species("critter", "pointy", "curly", ("pignose",), "farm"),
    "piglet": Species("critter", "pointy", "curly", ("pignose",), "farm"),
    "cow": Species("critter", "floppy", "thin", ("horns", "muzzle", "spots"), "farm"),
    "sheep": Species("critter", "floppy", "stub", ("wool",), "farm", "wool"),
    "lamb": Species("critter", "floppy", "stub", ("wool",), "farm", "wool"),
    "goat": Species("critter", "floppy", "stub", ("horns", "beard"), "mountain"),
    "horse": Species("critter", "pointy", "bushy", ("mane", "muzzle"), "farm"),
    "pony": Species("critter", "pointy", "bushy", ("mane", "muzzle"), "farm"),
    "marmot": Species("critter", "round", "bushy", (), "mountain"),
    "frog": Species("critter", "none", "none", ("frogeyes",), "meadow", "skin"),
    "lizard": Species("critter", "none", "spiky", (), "desert", "scales"),
    "dragon": Species(
        "critter", "horns", "spiky", ("wings", "ridge", "snout"), "mountain", "scales"
    ),
    "dinosaur": Species("critter", "none", "spiky", ("ridge", "snout"), "jungle", "scales"),
    "unicorn": Species("critter", "pointy", "bushy", ("horn", "mane", "muzzle"), "meadow"),
    "alien": Species("critter", "antenna", "none", ("bigeyes",), "space", "skin"),
    "monster": Species("critter", "horns", "none", ("bigeyes",), "forest"),
    "bird": Species("bird", "none", "none", (), "meadow", "feathers"),
    "robin": Species("bird", "none", "none", (), "meadow", "feathers"),
    "sparrow": Species("bird", "none", "none", (), "city", "feathers"),
    "pigeon": Species("bird", "none", "none", (), "city", "feathers"),
    "seagull": Species("bird", "none", "none", (), "sea", "feathers"),
    "gull": Species("bird", "none", "none", (), "sea", "feathers"),
    "parrot": Species("bird", "none", "none", ("crest",), "jungle", "feathers"),
    "eagle": Species("bird", "none", "none", (), "mountain", "feathers"),
    "duck": Species("bird", "none", "none", ("flatbeak",), "farm", "feathers"),
    "duckling": Species("bird", "none", "none", ("flatbeak",), "farm", "feathers"),
    "hen": Species("bird", "none", "none", ("comb",), "farm", "feathers"),
    "chicken": Species("bird", "none", "none", ("comb",), "farm", "feathers"),
    "penguin": Species("bird", "none", "none", ("penguin",), "snow", "feathers"),
    "owl": Species("owl", "tufts", "none", (), "forest", "feathers"),
    "fish": Species("fish", "none", "none", (), "sea", "scales"),
    "whale": Species("fish", "none", "none", ("whale",), "sea", "skin"),
    "dolphin": Species("fish", "none", "none", ("whale",), "sea", "skin"),
    "turtle": Species("turtle", "none", "none", (), "sea", "shell"),
    "tortoise": Species("turtle", "none", "none", (), "desert", "shell"),
    "snail": Species("turtle", "antenna", "none", ("snail",), "meadow", "shell"),
    "octopus": Species("octopus", "none", "none", (), "sea", "skin"),
    "robot": Species("robot", "antenna", "none", (), "city", "metal"),
    "girl": Species("human", "none", "none", (), "", "skin"),
    "boy": Species("human", "none", "none", (), "", "skin"),
    "child": Species("human", "none", "none", (), "", "skin"),
    "kid": Species("human", "none", "none", (), "", "skin"),
    "princess": Species("human", "none", "none", ("crown",), "meadow", "skin"),
    "prince": Species("human", "none", "none", ("crown",), "meadow", "skin"),
    "knight": Species("human", "none", "none", (), "mountain", "skin"),
    "astronaut": Species("human", "none", "none", (), "space", "skin"),
    "pirate": Species("human", "none", "none", (), "sea", "skin"),
    "witch": Species("human", "none", "none", (), "forest", "skin"),
    "wizard": Species("human", "none", "none", (), "forest", "skin"),
    "grandma": Species("human", "none", "none", (), "", "skin"),
    "grandpa": Species("human", "none", "none", (), "", "skin"),
}

FEMININE = {"girl", "princess", "witch", "grandma", "hen"}
MASCULINE = {"boy", "prince", "wizard", "grandpa"}


def find_species(text: str) -> list[tuple[int, str]]:
    """Species named in `text`, as (character offset, species), in order, two-word first."""
    lowered = text.lower()
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str]] = []
    for name in sorted(SPECIES, key=len, reverse=True):
        for match in re.finditer(rf"\b{re.escape(name)}(?:s|es)?\b", lowered):
            span = match.span()
            if any(a < span[1] and span[0] < b for a, b in taken):
                continue
            taken.append(span)
            found.append((span[0], name))
    return sorted(found)


# --- Settings -------------------------------------------------------------------------

SETTING_KEYWORDS: dict[str, tuple[str, ...]] = {
    "forest": ("forest", "wood", "woods", "woodland", "oak", "pine", "pines", "grove", "fern"),
    "sea": (
        "sea",
        "ocean",
        "beach",
        "seaside",
        "shore",
        "wave",
        "waves",
        "island",
        "boat",
        "harbour",
        "harbor",
        "lighthouse",
        "underwater",
        "reef",
        "coral",
        "pirate",
        "tide",
    ),
    "city": (
        "city",
        "town",
        "street",
        "streets",
        "building",
        "buildings",
        "bus",
        "train",
        "rooftop",
        "market",
        "bakery",
        "skyscraper",
        "apartment",
        "library",
    ),
    "space": (
        "space",
        "planet",
        "planets",
        "rocket",
        "astronaut",
        "galaxy",
        "comet",
        "spaceship",
        "orbit",
        "asteroid",
        "mars",
        "alien",
        "aliens",
        "crater",
    ),
    "farm": (
        "farm",
        "barn",
        "tractor",
        "farmyard",
        "orchard",
        "haystack",
        "hay",
        "pigpen",
        "pumpkin",
        "farmhouse",
    ),
    "snow": (
        "snow",
        "snowy",
        "ice",
        "icy",
        "winter",
        "arctic",
        "polar",
        "frozen",
        "igloo",
        "sled",
        "sledge",
        "snowman",
        "icicle",
    ),
    "desert": ("desert", "dune", "dunes", "cactus", "cacti", "oasis", "canyon", "sahara"),
    "jungle": ("jungle", "rainforest", "vine", "vines", "tropical", "waterfall", "orchid"),
    "mountain": ("mountain", "mountains", "peak", "peaks", "cliff", "valley", "summit"),
    "meadow": ("meadow", "garden", "flower", "flowers", "pond", "park", "hill", "hills", "field"),
}

DEFAULT_SETTING = "meadow"


def setting_scores(text: str) -> dict[str, float]:
    """How strongly `text` points at each setting: keyword count, plus a bonus for
    the setting named first (scenes open with where they happen)."""
    scores = dict.fromkeys(SETTING_KEYWORDS, 0.0)
    first: str | None = None
    for word in WORD.findall(text.lower()):
        for setting, keywords in SETTING_KEYWORDS.items():
            if word in keywords:
                scores[setting] += 1.0
                first = first or setting
    if first is not None:
        scores[first] += 1.5
    return scores


def detect_setting(text: str) -> str:
    """The setting `text` describes (forest, sea, city, space, ...), meadow by default."""
    scores = setting_scores(text)
    best = max(scores, key=lambda key: scores[key])
    return best if scores[best] > 0 else DEFAULT_SETTING

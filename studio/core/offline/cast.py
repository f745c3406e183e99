"""The characters of an offline story, each with a fixed visual description."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from studio.core.offline.lexicon import SPECIES, colour_of
from studio.core.offline.premise import Mention

SIZE_WORDS = {
    "little": "small",
    "small": "small",
    "tiny": "tiny",
    "big": "big",
    "large": "big",
    "tall": "tall",
    "young": "small",
    "baby": "tiny",
    "giant": "big",
}

_LOOKS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "hedgehog": (("chestnut-brown", "warm-brown", "caramel"), ("cream",)),
    "rabbit": (("white", "silver-grey", "sandy", "light-brown"), ("cream", "white")),
    "bunny": (("white", "silver-grey", "sandy"), ("cream", "white")),
    "hare": (("tawny", "sandy"), ("cream",)),
    "bear": (("brown", "honey", "chocolate"), ("tan", "beige")),
    "polar bear": (("snowy",), ("cream",)),
    "panda": (("white",), ("white",)),
    "cat": (("ginger", "grey", "black", "tawny"), ("white", "cream")),
    "kitten": (("ginger", "grey", "tawny"), ("white", "cream")),
    "tiger": (("orange",), ("white",)),
    "lion": (("golden",), ("cream",)),
    "dog": (("sandy", "caramel", "brown", "white"), ("cream", "white")),
    "puppy": (("sandy", "caramel", "white"), ("cream",)),
    "fox": (("russet", "ginger"), ("white",)),
    "fennec fox": (("sandy",), ("cream",)),
    "arctic fox": (("snowy",), ("white",)),
    "wolf": (("grey", "silver-grey"), ("white",)),
    "mouse": (("grey", "light-brown", "fawn"), ("cream", "pink")),
    "squirrel": (("russet", "grey"), ("cream",)),
    "badger": (("grey",), ("charcoal",)),
    "otter": (("brown", "chocolate"), ("tan",)),
    "seal": (("grey", "silver-grey"), ("pale-blue",)),
    "monkey": (("brown", "caramel"), ("tan", "peach")),
    "elephant": (("grey", "slate"), ("pink",)),
    "pig": (("pink",), ("rose",)),
    "piglet": (("pink",), ("rose",)),
    "cow": (("white",), ("pink",)),
    "sheep": (("cream", "white"), ("charcoal",)),
    "lamb": (("white", "cream"), ("charcoal",)),
    "goat": (("white", "tan", "grey"), ("cream",)),
    "horse": (("chestnut", "brown", "white"), ("cream",)),
    "pony": (("chestnut", "grey", "white"), ("cream",)),
    "marmot": (("tawny", "brown"), ("cream",)),
    "frog": (("green", "leaf-green"), ("lemon", "pistachio")),
    "lizard": (("green", "teal", "orange"), ("lemon",)),
    "dragon": (("emerald", "teal", "purple", "red"), ("gold", "lemon")),
    "dinosaur": (("green", "orange", "purple"), ("lemon",)),
    "unicorn": (("white",), ("lilac",)),
    "alien": (("mint", "lilac", "turquoise"), ("lemon",)),
    "monster": (("purple", "teal", "orange"), ("lemon",)),
    "owl": (("tawny", "brown", "caramel"), ("cream",)),
    "bird": (("sky-blue", "yellow", "red"), ("cream",)),
    "robin": (("brown",), ("orange",)),
    "sparrow": (("brown",), ("cream",)),
    "pigeon": (("grey", "slate"), ("lavender",)),
    "seagull": (("white",), ("grey",)),
    "gull": (("white",), ("grey",)),
    "parrot": (("red", "green", "blue"), ("yellow",)),
    "eagle": (("brown",), ("white",)),
    "duck": (("yellow", "white"), ("cream",)),
    "duckling": (("yellow",), ("cream",)),
    "hen": (("russet", "white"), ("cream",)),
    "chicken": (("russet", "white"), ("cream",)),
    "penguin": (("charcoal", "black"), ("white",)),
    "fish": (("orange", "gold", "turquoise"), ("lemon",)),
    "whale": (("blue", "slate"), ("pale-blue",)),
    "dolphin": (("grey", "sky-blue"), ("pale-blue",)),
    "turtle": (("sage-green", "teal", "green"), ("pistachio",)),
    "tortoise": (("brown", "ochre"), ("sage",)),
    "snail": (("caramel", "rose"), ("lilac",)),
    "octopus": (("coral", "purple", "pink"), ("peach",)),
    "robot": (("silver", "sky-blue"), ("teal", "orange")),
}
_DEFAULT_LOOK = (("sandy", "grey", "brown", "ginger"), ("cream",))
_SKINS = ("fair", "peach", "golden-brown", "warm-brown", "deep-brown")
_HAIRS = ("black", "dark-brown", "ginger", "golden", "chestnut")
_HAIR_STYLES = ("curly", "straight", "wavy", "short", "fluffy")
_GARMENTS = ("raincoat", "dungarees", "dress", "jumper", "t-shirt")
_CLOTHES = ("knitted scarf", "bobble hat", "cape", "waistcoat", "backpack", "bandana", "bow")
_SWIMMER_CLOTHES = ("knitted scarf", "bobble hat", "bow")
_CLOTH_COLOURS = (
    "red",
    "moss-green",
    "sky-blue",
    "sunny-yellow",
    "coral",
    "lavender",
    "teal",
    "orange",
    "plum",
    "cobalt",
)
_TRAITS = ("curious", "cheerful", "gentle", "lively", "thoughtful", "bouncy")
FRIEND_ADJECTIVES = ("kind", "cheerful", "clever", "gentle", "bouncy", "wise")
THIRD_ADJECTIVES = ("chatty", "clever", "giggly", "bustling", "curious", "quick")

ANIMAL_NAMES = (
    "Pip",
    "Olive",
    "Oscar",
    "Fern",
    "Finn",
    "Bramble",
    "Basil",
    "Bea",
    "Hazel",
    "Hugo",
    "Juniper",
    "Jasper",
    "Mabel",
    "Milo",
    "Nell",
    "Ned",
    "Poppy",
    "Percy",
    "Rosie",
    "Rufus",
    "Sage",
    "Sid",
    "Tilly",
    "Toby",
    "Willow",
    "Wren",
    "Clover",
    "Cosmo",
    "Daisy",
    "Dot",
    "Ellie",
    "Eddie",
    "Goldie",
    "Gus",
    "Iris",
    "Kit",
    "Kiki",
    "Luna",
    "Leo",
    "Maple",
    "Moss",
    "Nutmeg",
    "Otto",
    "Penny",
    "Quill",
    "Ruby",
    "Sunny",
    "Tess",
    "Tumble",
    "Violet",
    "Wally",
    "Ziggy",
    "Coco",
    "Dash",
    "Lulu",
    "Pebble",
    "Rowan",
    "Skye",
    "Taffy",
    "Arlo",
    "Aggie",
    "Barnaby",
    "Fizz",
    "Gilly",
    "Hattie",
    "Marlo",
    "Pickle",
    "Biscuit",
    "Button",
    "Crumb",
)
HUMAN_NAMES = (
    "Maya",
    "Leo",
    "Ada",
    "Sam",
    "Noor",
    "Kai",
    "Ivy",
    "Theo",
    "Zara",
    "Omar",
    "Lila",
    "Ben",
    "Amara",
    "Mei",
    "Ravi",
    "Nora",
    "Felix",
    "Sofia",
    "Jonah",
    "Tomas",
)


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

    @property
    def hand(self) -> str:
        plan = SPECIES.get(self.species)
        kind = plan.plan if plan else "critter"
        return {
            "human": "hand",
            "robot": "hand",
            "bird": "wing",
            "owl": "wing",
            "fish": "fin",
            "octopus": "tentacle",
            "turtle": "flipper",
        }.get(kind, "paw")


def make_person(mention: Mention, rng: random.Random, taken: set[str], fallback: str) -> Person:
    """Turn a premise mention into a full character, inventing what the premise leaves out."""
    species = mention.species if mention.species in SPECIES else (mention.species or fallback)
    pronoun = mention.pronoun or rng.choice(("he", "she"))
    name = mention.name or _invent_name(species, rng, taken)
    taken.add(name)
    words = mention.adjectives
    size = next(
        (SIZE_WORDS[w] for w in words if w in SIZE_WORDS), rng.choice(("small", "little", "small"))
    )
    colour = next((w for w in words if colour_of(w) is not None), None)
    traits = [w for w in words if w not in SIZE_WORDS and colour_of(w) is None]
    if species in {"girl", "boy", "child", "kid"} or SPECIES.get(species, _ANIMAL).plan == "human":
        cloth, description = _human_look(species, size, pronoun, rng)
    else:
        cloth, description = _animal_look(species, size, pronoun, colour, rng)
    adjective = traits[0] if traits else rng.choice(_TRAITS)
    return Person(name, species, pronoun, adjective, cloth, description, mention.name is not None)


_ANIMAL = SPECIES["rabbit"]


def _invent_name(species: str, rng: random.Random, taken: set[str]) -> str:
    plan = SPECIES.get(species, _ANIMAL).plan
    pool = [n for n in (HUMAN_NAMES if plan == "human" else ANIMAL_NAMES) if n not in taken]
    alliterative = [n for n in pool if n[0].lower() == species[0]]
    if alliterative and rng.random() < 0.6:
        return rng.choice(alliterative)
    return rng.choice(pool)


def _human_look(species: str, size: str, pronoun: str, rng: random.Random) -> tuple[str, str]:
    skin, hair, style = rng.choice(_SKINS), rng.choice(_HAIRS), rng.choice(_HAIR_STYLES)
    colour, garment = rng.choice(_CLOTH_COLOURS), rng.choice(_GARMENTS)
    his = "her" if pronoun == "she" else "his"
    mark = rng.choice(
        (
            f"freckles across {his} nose",
            f"a {rng.choice(_CLOTH_COLOURS)} bow in {his} hair",
            f"round glasses on {his} nose",
            f"a star-shaped sticker on {his} cheek",
        )
    )
    cloth = f"{colour} {garment}"
    return cloth, articles(
        f"a {size} {species} with {skin} skin and {style} {hair} hair, wearing a {cloth}, with {mark}"
    )


def _animal_look(
    species: str, size: str, pronoun: str, colour: str | None, rng: random.Random
) -> tuple[str, str]:
    spec = SPECIES.get(species, _ANIMAL)
    coats, bellies = _LOOKS.get(species, _DEFAULT_LOOK)
    coat = colour or rng.choice(coats)
    belly = rng.choice(bellies)
    swimmer = spec.plan in {"fish", "octopus", "turtle"}
    clothes = _SWIMMER_CLOTHES if swimmer else _CLOTHES
    cloth = f"{rng.choice([c for c in _CLOTH_COLOURS if c != coat])} {rng.choice(clothes)}"
    his = "her" if pronoun == "she" else "his"
    belly_word = {"bird": "chest", "owl": "chest", "robot": "face panel"}.get(spec.plan, "belly")
    coat_words = {
        "spines": "spines",
        "feathers": "feathers",
        "scales": "scales",
        "shell": "shell",
        "wool": "wool",
        "metal": "shiny metal",
        "skin": "skin",
    }
    coat_word = coat_words.get(spec.coat, "fur")
    return cloth, articles(
        f"a {size} {species} with {coat} {coat_word} and a {belly} {belly_word}, "
        f"wearing a {cloth}, with {_mark(spec.tail, his, coat, rng)}"
    )


def articles(text: str) -> str:
    """Use "an" before a vowel sound ("an orange scarf", still "a unicorn")."""
    return re.sub(r"\b([Aa]) (?=[aeiouAEIOU](?!ni|se|su|ro|ur))", r"\1n ", text)


def _mark(tail: str, his: str, coat: str, rng: random.Random) -> str:
    dark = coat in {
        "black",
        "charcoal",
        "chocolate",
        "brown",
        "slate",
        "purple",
        "blue",
        "teal",
        "emerald",
        "dark-brown",
        "chestnut-brown",
        "warm-brown",
        "russet",
        "red",
    }
    ink = "white" if dark else rng.choice(("dark-brown", "plum", "charcoal"))
    marks = [
        f"a {ink} star-shaped patch on one cheek",
        f"a {ink} heart-shaped spot on {his} tummy",
        f"a {ink} patch around one eye",
        f"three {ink} freckles on {his} nose",
    ]
    if tail in {"bushy", "thin", "fluffy"}:
        marks.append(f"a {'white' if dark else ink} tip on {his} tail")
    return rng.choice(marks)

"""Reading a premise: who is in it, what they want, and where it happens."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from studio.core.offline.lexicon import (
    FEMININE,
    MASCULINE,
    SETTING_KEYWORDS,
    SPECIES,
    find_species,
    setting_scores,
)


@dataclass
class Mention:
    """A character the premise names or implies."""

    name: str | None = None
    species: str | None = None
    adjectives: list[str] = field(default_factory=list)
    pronoun: str | None = None  # "he" or "she" when the premise says


@dataclass(frozen=True)
class Goal:
    """What the hero wants: a kind (fear, want, find, learn, friend, home, love, quest)
    and the words of the premise that say it."""

    kind: str
    phrase: str = ""


@dataclass(frozen=True)
class Premise:
    """Everything the composer takes from the premise."""

    text: str
    mentions: list[Mention]
    goal: Goal
    setting: str | None
    themes: tuple[str, ...]


_NOT_NAMES = {
    "A",
    "An",
    "The",
    "Once",
    "One",
    "In",
    "On",
    "At",
    "When",
    "Who",
    "What",
    "Where",
    "Why",
    "How",
    "This",
    "That",
    "There",
    "Then",
    "And",
    "But",
    "So",
    "If",
    "Is",
    "It",
    "He",
    "She",
    "His",
    "Her",
    "They",
    "Their",
    "Every",
    "Each",
    "Some",
    "After",
    "Before",
    "With",
    "Story",
    "Book",
    "Christmas",
    "Halloween",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "I",
    "My",
    "We",
    "Our",
    "Earth",
    "Mars",
    "Moon",
    "Sun",
    "Grandma",
    "Grandpa",
    "Mum",
    "Mom",
    "Dad",
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Dr",
    "Today",
    "Tonight",
    "Long",
    "Late",
    "Early",
    "During",
    "Two",
    "Three",
    "Little",
    "Big",
    "Young",
    "Old",
    "Tiny",
    "Brave",
    "Shy",
    "Write",
    "Tell",
    "Make",
    "Create",
    "About",
    "Follow",
    "Meet",
    "Join",
    "Help",
    "Can",
    "Will",
    "Dear",
    "Best",
    "Friends",
    "Your",
    "All",
    "No",
    "Not",
    "Please",
    "Let",
    "For",
    "From",
    "To",
    "Of",
    "By",
    "As",
    "Under",
    "Over",
    "Into",
    "Near",
    "Far",
    "Deep",
    "High",
    "Up",
    "Down",
    "Lost",
    "Afraid",
    "Scared",
}

_SPECIES_ALT = "|".join(re.escape(name) for name in sorted(SPECIES, key=len, reverse=True))
_NAMED = re.compile(
    r"\b(?:[Aa]n?|[Tt]he|[Hh]is|[Hh]er|[Tt]heir)\s+((?:[A-Za-z-]+\s+){0,3}?)([A-Za-z-]+)"
    r"\s+(?:named|called)\s+([A-Z][A-Za-z'-]+)"
)
_SPECIES_NAME = re.compile(
    rf"\b(?:[Aa]n?|[Tt]he|[Hh]is|[Hh]er|[Tt]heir)\s+((?:[a-z-]+\s+){{0,2}}?)({_SPECIES_ALT})"
    r"\s+([A-Z][a-z'-]+)"
)
_NAME_THE = re.compile(
    rf"\b([A-Z][a-z'-]+),?\s+(?:the|a|an)\s+((?:[a-z-]+\s+){{0,2}}?)({_SPECIES_ALT})(?:s)?\b"
)
_NAME_FOLLOWS = re.compile(
    r"\s*(?:,|\s(?:and|is|was|wants|loves|has|goes|lives|learns|can|cannot|can't|finds|"
    r"meets|sets|dreams|needs|must|tries|gets)\b)"
)
_CAPITAL = re.compile(r"\b([A-Z][a-z'-]+)\b")
_CLAUSE_END = re.compile(
    r"[,.;:!?]|\s(?:and then|but|until|because|so that|when|while|who|with the help|and learns|and finds)\s"
)

_GOALS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "find",
        re.compile(
            r"\b(?:has lost|have lost|lost|loses|is looking for|looks for|is searching for|"
            r"searches for|must find|needs to find|wants to find|tries to find|has to find|"
            r"goes looking for|sets out to find|to find)\s+(.+)"
        ),
    ),
    ("fear", re.compile(r"\b(?:afraid|scared|frightened|terrified|fearful|nervous)\s+of\s+(.+)")),
    ("fear", re.compile(r"\bfears\s+(.+)")),
    ("learn", re.compile(r"\blearns?\s+(?:how\s+)?to\s+(.+)")),
    (
        "learn",
        re.compile(
            r"\b(?:can't|cannot|can not|couldn't|could not|is unable to|does not know how to|"
            r"doesn't know how to)\s+(.+)"
        ),
    ),
    (
        "home",
        re.compile(r"\b(?:far from home|way home|way back home|gets lost|got lost|is lost)\b()"),
    ),
    (
        "friend",
        re.compile(
            r"\b(?:lonely|no friends|make friends|makes friends|make a friend|new in town|"
            r"new kid|find a friend|all alone)\b()"
        ),
    ),
    (
        "want",
        re.compile(
            r"\b(?:wants|wanted|dreams|dreamed|dreamt|wishes|wished|longs|hopes|yearns|"
            r"sets out|decides|tries|is determined)\s+(?:of\s+|about\s+)?(?:to\s+)?(.+)"
        ),
    ),
    ("love", re.compile(r"\b(?:loves|adores|likes)\s+(.+)")),
)

THEMES: dict[str, str] = {
    "friendship": "friends make every adventure better",
    "kindness": "a little kindness goes a very long way",
    "sharing": "things are better when they are shared",
    "courage": "being brave means trying even when you feel scared",
    "bravery": "being brave means trying even when you feel scared",
    "patience": "good things come to those who wait",
    "honesty": "telling the truth makes hearts feel light",
    "teamwork": "together, friends can do almost anything",
    "gratitude": "saying thank you makes two people smile",
}


def read_premise(text: str) -> Premise:
    """Find the characters, the goal, the setting and the themes of a premise."""
    clean = " ".join(text.split())
    return Premise(
        text=clean,
        mentions=_mentions(clean),
        goal=_goal(clean),
        setting=_setting(clean),
        themes=tuple(theme for theme in THEMES if theme in clean.lower()),
    )


def _mentions(text: str) -> list[Mention]:
    found: dict[int, Mention] = {}
    for match in _NAMED.finditer(text):
        words = [w.lower() for w in match.group(1).split()]
        species = _species_word(match.group(2).lower(), words)
        found[match.start()] = Mention(match.group(3), species, words)
    named = {m.name for m in found.values()}
    for match in _SPECIES_NAME.finditer(text):
        if match.group(3) not in _NOT_NAMES and match.group(3) not in named:
            found[match.start()] = Mention(match.group(3), match.group(2), match.group(1).split())
            named.add(match.group(3))
    for match in _NAME_THE.finditer(text):
        if match.group(1) not in _NOT_NAMES and match.group(1) not in named:
            words = match.group(2).split()
            found[match.start()] = Mention(match.group(1), match.group(3), words)
            named.add(match.group(1))
    _add_species_mentions(text, found)
    _add_bare_names(text, found, named)
    mentions = [found[key] for key in sorted(found)][:3]
    for mention in mentions:
        mention.pronoun = _pronoun(text, mention)
    return mentions


def _species_word(word: str, adjectives: list[str]) -> str:
    two = f"{adjectives[-1]} {word}" if adjectives else ""
    if two in SPECIES:
        adjectives.pop()
        return two
    return word.removesuffix("s") if word.removesuffix("s") in SPECIES else word


def _add_species_mentions(text: str, found: dict[int, Mention]) -> None:
    known = {m.species for m in found.values()}
    for offset, species in find_species(text):
        if species in known:
            continue
        if any(abs(offset - start) < 40 and m.species == species for start, m in found.items()):
            continue
        found[offset] = Mention(None, species, _adjectives_before(text, offset))
        known.add(species)


def _adjectives_before(text: str, offset: int) -> list[str]:
    before = text[:offset].split()[-3:]
    words: list[str] = []
    for word in reversed(before):
        lowered = word.lower().strip(",")
        if lowered in {"a", "an", "the", "his", "her", "their", "and", "with"}:
            break
        words.insert(0, lowered)
    return words


def _add_bare_names(text: str, found: dict[int, Mention], named: set[str | None]) -> None:
    for match in _CAPITAL.finditer(text):
        name = match.group(1)
        if name in _NOT_NAMES or name in named:
            continue
        if _sentence_start(text, match.start()) and not _NAME_FOLLOWS.match(text, match.end()):
            continue
        if name.lower() in SPECIES or any(name.lower() in kws for kws in SETTING_KEYWORDS.values()):
            continue
        found[match.start()] = Mention(name)
        named.add(name)


def _sentence_start(text: str, offset: int) -> bool:
    before = text[:offset].rstrip()
    return not before or before[-1] in ".!?\"'"


def _pronoun(text: str, mention: Mention) -> str | None:
    if mention.species in FEMININE:
        return "she"
    if mention.species in MASCULINE:
        return "he"
    anchor = mention.name or mention.species or ""
    after = text[text.find(anchor) :].lower() if anchor and anchor in text else ""
    window = re.findall(r"\b(he|his|him|himself|she|her|hers|herself)\b", after[:120])
    if not window:
        return None
    return "she" if window[0] in {"she", "her", "hers", "herself"} else "he"


def _goal(text: str) -> Goal:
    for kind, pattern in _GOALS:
        match = pattern.search(text)
        if match is None:
            continue
        phrase = _clip(match.group(1))
        if kind in {"home", "friend"}:
            return Goal(kind)
        if phrase:
            goal = _refine(kind, phrase, match.group(0))
            if goal.kind == "find" and goal.phrase:
                return Goal("find", _with_determiner(goal.phrase))
            return goal
    if "friendship" in text.lower() or "friends" in text.lower():
        return Goal("friend")
    return Goal("quest")


def _refine(kind: str, phrase: str, whole: str) -> Goal:
    if kind == "want":
        if re.match(r"(?:find|look for|search for)\s", phrase):
            return Goal("find", re.sub(r"^(?:find|look for|search for)\s+", "", phrase))
        if " to " not in whole and " of " not in whole and " about " not in whole:
            if not phrase.split()[0].endswith("ing"):
                return Goal("find", phrase)
        return Goal("want", _infinitive(phrase))
    if kind == "love":
        if phrase.startswith("to "):
            return Goal("love_do", phrase[3:])
        if phrase.split()[0].endswith("ing"):
            return Goal("love_do", _infinitive(phrase))
    if kind == "find":
        phrase = _PLACE_TAIL.split(phrase, maxsplit=1)[0]
    return Goal(kind, phrase)


_DETERMINERS = re.compile(r"^(?:a|an|the|his|her|their|my|your|its|our|some|every|all)\s", re.I)


def _with_determiner(phrase: str) -> str:
    """'firefly' becomes 'the firefly' so templates read naturally."""
    if _DETERMINERS.match(phrase) or phrase[:1].isupper():
        return phrase
    return f"the {phrase}"


_PLACE_TAIL = re.compile(r"\s(?:in|at|on|by|near|under|somewhere in) (?:the|a|an|his|her|their)\s")


def _clip(phrase: str) -> str:
    phrase = _CLAUSE_END.split(f"{phrase} ", maxsplit=1)[0].strip()
    words = phrase.split()
    return " ".join(words[:8]).strip(" ,.;:!?\"'")


_NO_E = ("en", "et", "it", "el", "er", "on", "al", "ow", "ey", "ay")


def _infinitive(phrase: str) -> str:
    """Turn a gerund phrase ("flying to the moon") into an infinitive one ("fly to the moon")."""
    first, _, rest = phrase.partition(" ")
    if not first.endswith("ing") or len(first) <= 4:
        return phrase
    stem = first[:-3]
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        stem = stem[:-1]
    elif _wants_e(stem):
        stem += "e"
    return f"{stem} {rest}".strip()


def _wants_e(stem: str) -> bool:
    vowels = "aeiou"
    if len(stem) < 3 or stem.endswith(_NO_E):
        return False
    if stem.endswith(("c", "dg", "rg", "v", "ng", "ns", "rs", "ls", "lv")):
        return not stem.endswith("ng")
    return stem[-1] not in vowels + "wxy" and stem[-2] in vowels and stem[-3] not in vowels


def _setting(text: str) -> str | None:
    scores = setting_scores(text)
    for _, species in find_species(text):
        home = SPECIES[species].home
        if home:
            scores[home] += 0.5
    if re.search(r"\bmoon\b|\bstars?\b", text.lower()) and re.search(
        r"\bfly|travel|visit|reach", text.lower()
    ):
        scores["space"] += 1.0
    best = max(scores, key=lambda key: scores[key])
    return best if scores[best] > 0 else None

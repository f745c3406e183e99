"""Reading a premise: who is in it, what they want, and where it happens."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from studio.core.offline.data import GoalForm, OfflineData, offline_data
from studio.core.offline.lexicon import find_species, kinds, setting_scores, worlds


@dataclass
class Mention:
    """A character the premise names or implies."""

    name: str | None = None
    species: str | None = None
    adjectives: list[str] = field(default_factory=list)
    pronoun: str | None = None  # "he" or "she" when the premise says
    plan: str | None = None  # the body plan of a species no kind is known for


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


_DETERMINER = r"\b(?:[Aa]n?|[Tt]he|[Hh]is|[Hh]er|[Tt]heir)\s+"
_NAMED = re.compile(
    _DETERMINER + r"((?:[A-Za-z-]+\s+){0,3}?)([A-Za-z-]+)\s+(?:named|called)\s+([A-Z][A-Za-z'-]+)"
)
_CAPITAL = re.compile(r"\b([A-Z][a-z'-]+)\b")

# What comes after a goal rule's words, by the rule's form (premise.toml).
_FORMS: dict[GoalForm, str] = {
    "object": r"\s+(.+)",
    "of_object": r"\s+of\s+(.+)",
    "to_object": r"\s+(?:how\s+)?to\s+(.+)",
    "wish": r"\s+(?:of\s+|about\s+)?(?:to\s+)?(.+)",
    "flag": r"\b()",
}


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in words)


@dataclass(frozen=True)
class _Reader:
    """The premise reader's patterns, made once from the data files."""

    species_name: re.Pattern[str]
    name_the: re.Pattern[str]
    name_follows: re.Pattern[str]
    clause_end: re.Pattern[str]
    goals: tuple[tuple[str, GoalForm, re.Pattern[str]], ...]
    hints: tuple[tuple[str, float, tuple[re.Pattern[str], ...]], ...]
    not_names: frozenset[str]


def _reader() -> _Reader:
    return _reader_for(offline_data())


@cache
def _reader_for(data: OfflineData) -> _Reader:
    words = data.premise
    species = _alternatives(sorted(data.kinds.kinds, key=len, reverse=True))
    return _Reader(
        species_name=re.compile(
            rf"{_DETERMINER}((?:[a-z-]+\s+){{0,2}}?)({species})\s+([A-Z][a-z'-]+)"
        ),
        name_the=re.compile(
            rf"\b([A-Z][a-z'-]+),?\s+(?:the|a|an)\s+((?:[a-z-]+\s+){{0,2}}?)({species})(?:s)?\b"
        ),
        name_follows=re.compile(rf"\s*(?:,|\s(?:{_alternatives(words.name_followers)})\b)"),
        clause_end=re.compile(rf"[,.;:!?]|\s(?:{_alternatives(words.clause_breaks)})\s"),
        goals=tuple(
            (
                rule.kind,
                rule.form,
                re.compile(rf"\b(?:{_alternatives(rule.words)})" + _FORMS[rule.form]),
            )
            for rule in words.goal_rules
        ),
        hints=tuple(
            (hint.world, hint.bonus, tuple(cue.pattern() for cue in hint.when_all))
            for hint in words.setting_hints
        ),
        not_names=frozenset(words.not_names),
    )


def themes() -> Mapping[str, str]:
    """Theme words a premise may name, and the lesson each teaches (premise.toml)."""
    return offline_data().premise.themes


def read_premise(text: str) -> Premise:
    """Find the characters, the goal, the setting and the themes of a premise."""
    clean = " ".join(text.split())
    return Premise(
        text=clean,
        mentions=_mentions(clean),
        goal=_goal(clean),
        setting=_setting(clean),
        themes=tuple(theme for theme in themes() if theme in clean.lower()),
    )


def _mentions(text: str) -> list[Mention]:
    reader = _reader()
    found: dict[int, Mention] = {}
    for match in _NAMED.finditer(text):
        words = [w.lower() for w in match.group(1).split()]
        species = _species_word(match.group(2).lower(), words)
        found[match.start()] = Mention(match.group(3), species, words)
    named = {m.name for m in found.values()}
    for match in reader.species_name.finditer(text):
        if match.group(3) not in reader.not_names and match.group(3) not in named:
            found[match.start()] = Mention(match.group(3), match.group(2), match.group(1).split())
            named.add(match.group(3))
    for match in reader.name_the.finditer(text):
        if match.group(1) not in reader.not_names and match.group(1) not in named:
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
    table = kinds()
    if two in table:
        adjectives.pop()
        return two
    return word.removesuffix("s") if word.removesuffix("s") in table else word


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
    reader = _reader()
    for match in _CAPITAL.finditer(text):
        name = match.group(1)
        if name in reader.not_names or name in named:
            continue
        if _sentence_start(text, match.start()) and not reader.name_follows.match(
            text, match.end()
        ):
            continue
        lowered = name.lower()
        if lowered in kinds() or any(lowered in w.keywords for w in worlds().values()):
            continue
        found[match.start()] = Mention(name)
        named.add(name)


def _sentence_start(text: str, offset: int) -> bool:
    before = text[:offset].rstrip()
    return not before or before[-1] in ".!?\"'"


def _pronoun(text: str, mention: Mention) -> str | None:
    kind = kinds().get(mention.species or "")
    if kind is not None and kind.pronoun:
        return kind.pronoun
    anchor = mention.name or mention.species or ""
    after = text[text.find(anchor) :].lower() if anchor and anchor in text else ""
    window = re.findall(r"\b(he|his|him|himself|she|her|hers|herself)\b", after[:120])
    if not window:
        return None
    return "she" if window[0] in {"she", "her", "hers", "herself"} else "he"


def _goal(text: str) -> Goal:
    for kind, form, pattern in _reader().goals:
        match = pattern.search(text)
        if match is None:
            continue
        phrase = _clip(match.group(1))
        if form == "flag":
            return Goal(kind)
        if phrase:
            goal = _refine(kind, phrase, match.group(0))
            if goal.kind == "find" and goal.phrase:
                return Goal("find", _with_determiner(goal.phrase))
            return goal
    words = offline_data().premise
    lowered = text.lower()
    for fallback in words.fallback_goals:
        if any(cue in lowered for cue in fallback.within):
            return Goal(fallback.kind)
    return Goal(words.default_goal)


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
    phrase = _reader().clause_end.split(f"{phrase} ", maxsplit=1)[0].strip()
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
    best, score = setting_with_score(text)
    return best if score > 0 else None


def setting_with_score(text: str) -> tuple[str, float]:
    """The world a premise's words point at most, and how strongly (0 for none)."""
    scores = setting_scores(text)
    for _, species in find_species(text):
        home = kinds()[species].home
        if home:
            scores[home] += 0.5
    lowered = text.lower()
    for world, bonus, cues in _reader().hints:
        if all(cue.search(lowered) for cue in cues):
            scores[world] += bonus
    best = max(scores, key=lambda key: scores[key])
    return best, scores[best]

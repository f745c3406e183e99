"""What a premise is about, as the offline engine understands it.

`understand(premise, language)` reads a premise in English or Spanish and
returns an `Understanding`: the main character (the noun as the author wrote
it, what kind of being it is, the body plan it is drawn from, its name), the
key object, a companion, the setting and the time of day. It is a pure
function of its arguments and the data files (vocabulary.toml, es.toml).

An `Understanding` is plain data that an author may correct before a book is
written (a form shows it, editable); `compose_plan(..., understanding=...)`
writes the book from the corrected one. Every field may be changed on its own:
the engine reads `noun` with `body_plan` (a noun it does not know is drawn from
its body plan) and `setting` before `world` (a setting it knows decides the
world).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from studio.core.offline.data import OfflineData, offline_data
from studio.core.offline.gloss import english_premise
from studio.core.offline.lexicon import kinds, plan_of
from studio.core.offline.premise import read_premise, setting_with_score
from studio.core.understanding import Companion, NounKind, PlanName, TimeKey, Understanding

_STRONG_SETTING = 1.0
"""How strongly a premise's words must point at a world to outweigh its hero's home:
a dragon flying to the moon is in space, a moth who loves the moon in its meadow."""


def understand(premise: str, language: str = "en") -> Understanding:
    """Read a premise (English or Spanish words; `language` is the book's BCP 47 tag)."""
    text = " ".join(english_premise(premise, language).split())
    spanish = language.lower().startswith("es") or _looks_spanish(text)
    reader = _Reader.for_language("es" if spanish else "en")
    mentions = reader.mentions(text)
    hero = reader.protagonist(text, mentions)
    return _understanding(text, reader, mentions, hero)


def _understanding(
    text: str, reader: _Reader, mentions: list[_Mention], hero: _Mention | None
) -> Understanding:
    noun = hero.noun if hero else ""
    plan = hero.plan if hero else "creature"
    setting = reader.setting(text, hero)
    return Understanding(
        language=reader.language,
        noun=noun,
        kind=kind_of_plan(plan),
        body_plan=plan,
        name=reader.name(text, hero) if hero else reader.bare_name(text),
        pronoun=reader.pronoun(text, hero),
        traits=hero.traits if hero else (),
        key_object=reader.key_object(text, mentions, hero),
        companion=reader.companion(text, mentions, hero),
        setting=setting,
        world=reader.world(text, setting, hero),
        time_of_day=reader.time(text),
    )


def kind_of_plan(plan: PlanName) -> NounKind:
    """What a character of a body plan is: person, animal, creature or thing."""
    return offline_data().vocabulary.plans[plan].kind


def english_noun(noun: str) -> str:
    """The English noun the painter draws for a noun of a premise ("niña": "girl")."""
    es = offline_data().es.nouns
    word = noun.lower()
    for candidate in (word, word.removesuffix("s"), word.removesuffix("es")):
        if candidate in es:
            return es[candidate].en
    return singular(word)


def singular(noun: str) -> str:
    """A known noun's singular ("drums": "drum"), or the noun as it is."""
    table = kinds()
    for candidate in (noun, noun.removesuffix("s"), noun.removesuffix("es")):
        if candidate in table:
            return candidate
    return noun


def gender(noun: str) -> str | None:
    """The grammatical gender ("f", "m") of a Spanish noun es.toml knows."""
    es = offline_data().es.nouns
    word = noun.lower()
    for candidate in (word, word.removesuffix("s"), word.removesuffix("es")):
        if candidate in es:
            return es[candidate].gender
    return None


_SPANISH_HINTS = re.compile(
    r"\b(?:una?|el|la|los|las|que|y|con|del|su|llamad[oa]|quiere|tiene|niñ[oa])\b", re.I
)


def _looks_spanish(text: str) -> bool:
    return len(_SPANISH_HINTS.findall(text)) >= 2 or bool(re.search(r"[ñáéíóú¿¡]", text))


# --- Reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mention:
    """A noun of the premise: where it is, the words before it, what it is."""

    start: int
    end: int
    noun: str  # as written, singular when the vocabulary knows it
    key: str  # the English noun it is drawn as
    plan: PlanName
    phrase: str  # with its determiner and adjectives: "a lost whale"
    traits: tuple[str, ...]
    owned: bool  # "grandmother" in "her grandmother's drum"
    after_place_word: bool  # "the moon" in "on the moon"


@dataclass(frozen=True)
class _Words:
    language: str
    determiners: frozenset[str]
    places: frozenset[str]
    named: tuple[str, ...]
    not_names: frozenset[str]
    joiners: tuple[str, ...]


_EN = _Words(
    "en",
    frozenset({"a", "an", "the", "his", "her", "their", "its", "my", "your", "our", "some", "two"}),
    frozenset(
        {"in", "on", "at", "under", "near", "inside", "across", "over", "to", "into", "from"}
    ),
    ("named", "called"),
    frozenset(),
    ("of",),
)
_STOPS = frozenset(
    {"and", "y", "who", "whose", "which", "that", "que", "with", "of", "is", "are", "was", "de",
     "del", "for", "by", "con", "o", "or", "but", "has", "have", "loves", "finds", "wants"}
)  # fmt: skip
_OF = r"\s+(?:of|de|del)\s+(?:[\w'’-]+\s+){0,3}"
_HONORIFICS = ("Mr", "Mrs", "Ms", "Miss", "Dr", "Señor", "Señora", "Don", "Doña")


class _Reader:
    """Finds nouns, names, settings and times in one language's premise."""

    def __init__(self, data: OfflineData, words: _Words, nouns: dict[str, str]) -> None:
        self.data, self.words, self.nouns = data, words, nouns
        self.language = words.language
        alternatives = "|".join(re.escape(n) for n in sorted(nouns, key=len, reverse=True))
        self._nouns = re.compile(rf"\b({alternatives})(?:s|es)?\b", re.I)

    @staticmethod
    def for_language(language: str) -> _Reader:
        return _reader(offline_data(), language)

    def mentions(self, text: str) -> list[_Mention]:
        """The nouns of the premise, leaving out names that are also nouns ("Biscuit")."""
        return [self._mention(text, m) for m in self._nouns.finditer(text) if not _a_name(text, m)]

    def _mention(self, text: str, match: re.Match[str]) -> _Mention:
        noun = match.group(1).lower()
        key = self.nouns[noun]
        before, traits = self._phrase_start(text, match.start())
        owned = text[match.end() : match.end() + 2] in {"'s", "’s"}
        lead = text[:before].split()[-1:] if before else []
        return _Mention(
            start=match.start(),
            end=match.end(),
            noun=match.group(0).lower() if noun == key and self.language == "en" else noun,
            key=key,
            plan=plan_of(key),
            phrase=text[before : match.end()],
            traits=traits,
            owned=owned,
            after_place_word=bool(lead) and lead[0].lower() in self.words.places,
        )

    def _phrase_start(self, text: str, start: int) -> tuple[int, tuple[str, ...]]:
        """Where the noun's phrase begins (its determiner, or an owner's: "her
        grandmother's"), and the adjectives between it and the noun."""
        words = list(re.finditer(r"[\w'’-]+", text[:start]))
        traits: list[str] = []
        begin = start
        for word in reversed(words[-5:]):
            lowered = word.group(0).lower()
            if lowered in self.words.determiners:
                return word.start(), tuple(traits)
            if lowered.endswith(("'s", "’s")):
                begin, traits = word.start(), []
                continue
            if lowered in self.words.places or lowered in _STOPS or not self._adjective(lowered):
                break
            begin = word.start()
            traits.insert(0, lowered)
        return begin, tuple(traits)

    def _adjective(self, word: str) -> bool:
        return self.language == "en" or word in self.data.es.words.adjectives

    def protagonist(self, text: str, mentions: list[_Mention]) -> _Mention | None:
        for mention in mentions:
            if not mention.owned and not mention.after_place_word:
                return mention
        return self._unknown(text)

    def _unknown(self, text: str) -> _Mention | None:
        """A main character the vocabulary does not know: 'A glimmerwump who ...'."""
        det = "|".join(sorted(self.words.determiners))
        match = re.match(
            rf"(?:once upon a time,? (?:there was )?)?(?:{det})\s+((?:[\w-]+\s+){{0,2}}?)([\w-]+)"
            r"(?=\s+(?:who|that|which|named|called|and|with|wants|loves|is|que|llamad[oa]|y)\b|,|$)",
            text,
            re.I,
        )
        if match is None:
            return None
        noun = match.group(2).lower()
        plan: PlanName = (
            "person" if re.search(r"(?:er|or|ist|ian|ess|ero|era)$", noun) else "creature"
        )
        return _Mention(
            start=match.start(2),
            end=match.end(2),
            noun=noun,
            key=noun,
            plan=plan,
            phrase=match.group(0),
            traits=tuple(match.group(1).lower().split()),
            owned=False,
            after_place_word=False,
        )

    def name(self, text: str, hero: _Mention) -> str | None:
        after = text[hero.end :]
        named = "|".join(re.escape(w) for w in self.words.named)
        honorific = "|".join(_HONORIFICS)
        match = re.match(
            rf",?\s+(?:{named})\s+((?:(?:{honorific})\.?\s+)?[A-ZÁÉÍÓÚÑ][\w'’-]+)", after
        )
        if match:
            return match.group(1)
        match = re.match(r"\s+([A-Z][a-z'’-]+)\b", after)
        if match and match.group(1) not in self._not_names():
            return match.group(1)
        start = hero.end - len(hero.phrase)
        match = re.search(r"\b([A-Z][a-z'’-]+),?\s+$", text[:start])
        if match and match.group(1) not in self._not_names():
            return match.group(1)
        return self.bare_name(text) if self.language == "en" and hero.start > 0 else None

    def bare_name(self, text: str) -> str | None:
        """A name standing alone in an English premise: 'Pip wants to fly'."""
        if self.language != "en":
            return None
        named = [m.name for m in read_premise(text).mentions if m.name and not m.species]
        return named[0] if named else None

    def _not_names(self) -> frozenset[str]:
        return frozenset(self.data.premise.not_names) | self.words.not_names

    def pronoun(self, text: str, hero: _Mention | None) -> str | None:
        if hero is None:
            return None
        kind = kinds().get(hero.key)
        if kind is not None and kind.pronoun:
            return kind.pronoun
        if self.language == "es":
            found = gender(hero.noun)
            return None if found is None else "she" if found == "f" else "he"
        window = re.findall(
            r"\b(he|his|him|she|her|hers)\b", text[hero.end : hero.end + 120].lower()
        )
        return None if not window else "she" if window[0] in {"she", "her", "hers"} else "he"

    def companion(
        self, text: str, mentions: list[_Mention], hero: _Mention | None
    ) -> Companion | None:
        for mention in mentions:
            if hero is None or mention.start <= hero.start or mention.owned:
                continue
            if mention.key == hero.key or kind_of_plan(mention.plan) == "thing":
                continue
            if self.language == "es" and mention.after_place_word:
                continue
            return Companion(
                noun=mention.noun,
                body_plan=mention.plan,
                name=self._companion_name(text, mention),
                phrase=mention.phrase,
            )
        return None

    def _companion_name(self, text: str, mention: _Mention) -> str | None:
        match = re.match(
            r"\s+(?:(?:named|called|llamad[oa])\s+)?([A-Z][a-z'’-]+)\b", text[mention.end :]
        )
        if match and match.group(1) not in self._not_names():
            return match.group(1)
        return None

    def key_object(self, text: str, mentions: list[_Mention], hero: _Mention | None) -> str | None:
        for mention in mentions:
            if mention is hero or (hero and mention.start == hero.start) or mention.owned:
                continue
            if kind_of_plan(mention.plan) != "thing" or mention.after_place_word:
                continue
            if mention.key in self.data.vocabulary.settings and mention.key == self._setting_key(
                text
            ):
                continue
            return self._with_of(text, mention, mentions)
        return None

    def _with_of(self, text: str, mention: _Mention, mentions: list[_Mention]) -> str:
        """'a loaf of magic bread', 'el tambor de su abuela': the object's whole phrase."""
        start = mention.end - len(mention.phrase)
        for later in mentions:
            between = text[mention.end : later.start]
            if later.start > mention.end and re.fullmatch(_OF, between):
                return text[start : later.end]
        return mention.phrase

    def setting(self, text: str, hero: _Mention | None) -> str | None:
        found = self._setting_word(text)
        if found:
            return found
        if hero is not None and self.language == "en":
            noun = self.data.vocabulary.nouns.get(hero.key)
            return noun.setting if noun is not None and noun.setting else None
        return None

    def _setting_word(self, text: str) -> str | None:
        table = self.data.es.settings if self.language == "es" else self.data.vocabulary.settings
        lowered = text.lower()
        best: tuple[int, str] | None = None
        for name in table:
            match = re.search(rf"\b{re.escape(name)}\b", lowered)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), name)
        return best[1] if best else None

    def _setting_key(self, text: str) -> str | None:
        found = self._setting_word(text)
        if found and self.language == "es":
            return self.data.es.settings[found].en
        return found

    def world(self, text: str, setting: str | None, hero: _Mention | None) -> str | None:
        found = world_of_setting(setting, self.language)
        if found:
            return found
        said, strength = setting_with_score(text) if self.language == "en" else ("", 0.0)
        kind = kinds().get(hero.key) if hero else None
        if kind is not None and kind.home and strength < _STRONG_SETTING:
            return kind.home
        return said if strength > 0 else None

    def time(self, text: str) -> TimeKey | None:
        table = self.data.es.times if self.language == "es" else self.data.vocabulary.times
        lowered = text.lower()
        best: tuple[int, TimeKey] | None = None
        for word, time in table.items():
            match = re.search(rf"\b{re.escape(word)}\b", lowered)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), time)
        return best[1] if best else None


def _a_name(text: str, match: re.Match[str]) -> bool:
    word = match.group(0)
    return word[:1].isupper() and bool(text[: match.start()].strip())


def world_of_setting(setting: str | None, language: str = "en") -> str | None:
    """The world (worlds.toml) of a setting the vocabulary knows, in English or Spanish."""
    if not setting:
        return None
    data = offline_data()
    key = setting.lower()
    if key in data.es.settings:
        key = data.es.settings[key].en
    found = data.vocabulary.settings.get(key)
    return found.world if found is not None else None


@cache
def _reader(data: OfflineData, language: str) -> _Reader:
    if language == "es":
        es = data.es
        words = _Words(
            "es",
            frozenset(es.words.determiners),
            frozenset({"en", "de", "del", "al", "a", "sobre", "bajo", "por", "para", "hacia"}),
            es.words.named,
            frozenset(es.words.not_names),
            ("de", "del"),
        )
        return _Reader(data, words, {name: noun.en for name, noun in es.nouns.items()})
    return _Reader(data, _EN, {name: name for name in kinds()})

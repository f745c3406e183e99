"""A premise in a language the offline engine does not write, read in English.

The words of glossary.toml that the premise holds become a short English premise
("A little dragon who learns to fly in the sky"), which the engine then reads as
it reads any other; the book is written in English (see `language_notice`).
"""

from __future__ import annotations

import re

from studio.core.language import detect, primary
from studio.core.offline.data import offline_data
from studio.core.offline.language import writes_language

_SPACED = re.compile(r"[^\W\d_]+", re.UNICODE)
_UNSPACED = ("ja", "zh")


def english_premise(premise: str, language: str) -> str:
    """`premise` as English words when it is in a language the engine does not write and
    the glossary knows some of its words; otherwise `premise` unchanged."""
    told = primary(language)
    lang = told if not writes_language(told) else detect(premise)
    if writes_language(lang):
        return premise
    table = offline_data().glossary.languages.get(lang)
    if not table:
        return premise
    found = _found(premise, table, unspaced=lang in _UNSPACED)
    return _sentence(found) or premise


def _found(text: str, table: dict[str, str], *, unspaced: bool) -> list[str]:
    """The glossary's values for the words in `text`, in the order they appear."""
    if not unspaced:
        return [table[w] for w in _SPACED.findall(text.casefold()) if w in table]
    hits: list[tuple[int, str]] = []
    taken = [False] * len(text)
    for word in sorted(table, key=len, reverse=True):
        for match in re.finditer(re.escape(word), text):
            span = range(match.start(), match.end())
            if not any(taken[i] for i in span):
                for i in span:
                    taken[i] = True
                hits.append((match.start(), table[word]))
    return [value for _, value in sorted(hits)]


def _sentence(found: list[str]) -> str:
    parts: dict[str, list[str]] = {"a": [], "n": [], "v": [], "p": [], "t": []}
    for value in found:
        role, _, words = value.partition(":")
        if words not in parts[role]:
            parts[role].append(words)
    if not parts["n"]:
        return ""
    hero, *others = parts["n"]
    sentence = "A " + " ".join([*parts["a"][:2], hero])
    if others:
        sentence += " and a " + " and a ".join(others)
    if parts["v"]:
        sentence += " who " + " and ".join(parts["v"][:2])
    sentence += "".join(f" {p}" for p in [*parts["p"][:1], *parts["t"][:1]])
    return sentence

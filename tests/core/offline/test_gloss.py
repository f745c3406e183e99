"""A premise in a language the offline engine does not write keeps its main character:
the book is in English, about the dragon the premise is about."""

from __future__ import annotations

import pytest

from studio.core.offline import compose_plan, understand
from studio.core.offline.gloss import english_premise


@pytest.mark.parametrize(
    ("premise", "language", "noun"),
    [
        ("小さな竜が空を飛ぶ練習をする", "ja", "dragon"),
        ("一只小龙学飞", "zh", "dragon"),
        ("Un petit renard qui a peur du noir", "fr", "fox"),
        ("Ein kleiner Igel sucht seinen Freund", "de", "hedgehog"),
    ],
)
def test_the_main_character_survives_the_language(premise: str, language: str, noun: str) -> None:
    assert understand(premise, language).noun == noun
    plan = compose_plan(premise, 4, language=language)
    assert noun in plan.pages[0].text.lower()
    assert noun in plan.pages[0].scene.lower() or any(
        noun in c.description.lower() for c in plan.characters
    )


def test_what_the_dragon_does_and_when_are_kept() -> None:
    assert (
        english_premise("小さな竜が空を飛ぶ練習をする", "ja") == "A little dragon who learns to fly"
    )
    assert understand("Un petit renard qui a peur du noir", "fr").time_of_day == "night"


def test_premises_the_engine_writes_or_cannot_read_are_left_alone() -> None:
    assert english_premise("A moth who loves the moon", "en") == "A moth who loves the moon"
    assert english_premise("Una niña que colecciona nubes", "es") == "Una niña que colecciona nubes"
    assert english_premise("ஒரு சிறிய யானை", "ta") == "ஒரு சிறிய யானை"  # no glossary for Tamil

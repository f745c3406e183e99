"""The offline engine keeps the author's premise: its character, name, object, setting, time."""

from __future__ import annotations

import pytest

from benchmarks.offline_premises import cases, first_page, keeps_noun
from studio.core.offline.instructions import read_instruction
from studio.core.offline.language import language_notice, writes_language
from studio.core.offline.story import compose_plan, rewrite_page
from studio.core.offline.understand import Companion, Understanding, understand
from studio.core.providers.base import ImageRequest
from studio.core.providers.offline import painted_scene

SAMPLE = [
    # premise, language, noun, name, key object
    ("A moth who loves the moon", "en", "moth", None, None),
    ("A brave girl named Amara and her grandmother's drum", "en", "girl", "Amara", "drum"),
    ("A little lighthouse keeper and a lost whale", "en", "lighthouse keeper", None, None),
    (
        "A tiny tugboat named Tess who pulls the big ships home at night",
        "en",
        "tugboat",
        "Tess",
        None,
    ),
    ("A young baker named Rosa and a loaf of magic bread", "en", "baker", "Rosa", "bread"),
    ("A glimmerwump who sings to the stars", "en", "glimmerwump", None, None),
    ("Una niña que colecciona nubes", "es", "niña", None, "nubes"),
    ("Un niño llamado Mateo y el tambor de su abuela", "es", "niño", "Mateo", "tambor"),
]


@pytest.mark.parametrize(("premise", "language", "noun", "name", "thing"), SAMPLE)
def test_the_first_page_keeps_the_character_its_name_and_its_object(
    premise: str, language: str, noun: str, name: str | None, thing: str | None
) -> None:
    known = understand(premise, language)
    assert known.noun == noun
    assert known.name == name
    plan = compose_plan(premise, 8, language=language)
    text, prompt = first_page(plan)
    assert noun in text.lower()
    if name:
        assert name in text and name in prompt
    if thing:
        assert thing in (known.key_object or "") and thing in text.lower()


def test_what_the_premise_is_about_is_understood() -> None:
    moth = understand("A moth who loves the moon")
    assert (moth.kind, moth.body_plan, moth.time_of_day) == ("animal", "insect", "night")
    keeper = understand("A little lighthouse keeper and a lost whale")
    assert (keeper.kind, keeper.setting, keeper.world) == ("person", "lighthouse", "sea")
    assert keeper.companion == Companion(noun="whale", body_plan="fish", phrase="a lost whale")
    amara = understand("A brave girl named Amara and her grandmother's drum")
    assert amara.key_object == "her grandmother's drum" and amara.pronoun == "she"


def test_a_book_is_told_with_its_character_named_exactly_and_at_its_time() -> None:
    plan = compose_plan("A moth who loves the moon", 6)
    story = " ".join(p.text for p in plan.pages)
    assert "moth" in plan.pages[0].text and "squirrel" not in story
    assert all(page.scene.startswith("Night") for page in plan.pages)
    whale = compose_plan("A little lighthouse keeper and a lost whale", 6)
    assert "lighthouse" in whale.pages[0].text
    assert "needed to find the whale" not in " ".join(p.text for p in whale.pages)


def test_a_corrected_understanding_writes_the_book() -> None:
    corrected = Understanding(
        noun="glowbug", kind="animal", body_plan="insect", name="Lumi", time_of_day="night"
    )
    plan = compose_plan("A moth who loves the moon", 4, understanding=corrected)
    assert "Lumi" in plan.pages[0].text and "glowbug" in plan.pages[0].text
    assert "insect" in plan.characters[0].description
    assert compose_plan("A moth who loves the moon", 4, understanding=corrected) == plan


def test_the_benchmark_premises_keep_their_character() -> None:
    all_cases = cases()
    kept = [c for c in all_cases if keeps_noun(compose_plan(c.premise, 4, language=c.language), c)]
    assert len(all_cases) >= 100
    assert len(kept) / len(all_cases) >= 0.95


def test_spanish_is_written_in_spanish_and_other_languages_say_english() -> None:
    plan = compose_plan("Una niña que colecciona nubes", 4, language="es")
    assert "niña" in plan.pages[0].text and "Había" in plan.pages[0].text
    assert "girl" in plan.characters[0].description
    assert writes_language("es-MX") and writes_language("en")
    assert not writes_language("ja") and "English" in (language_notice("ja") or "")
    assert language_notice("es") is None
    japanese = compose_plan("小さな竜が空を飛ぶ練習をする", 3, language="ja")
    assert japanese.pages[0].text.isascii()


def test_rewrite_uses_the_instruction_or_says_it_needs_a_model() -> None:
    premise = "A snail who wants to win a race"
    pages = [p.text for p in compose_plan(premise, 6).pages]
    night = rewrite_page(premise, pages, 3, "set it at night")
    assert night.text.startswith("That night") and night.scene.startswith("Night")
    moth = rewrite_page(premise, pages, 3, "add the moth")
    assert "moth" in moth.text and "moth" in moth.scene
    assert read_instruction("make it rhyme").applied
    assert read_instruction("make it shorter").applied
    unknown = read_instruction("make it about a pirate birthday party in Paris")
    assert not unknown.applied and "needs a model" in (unknown.needs_model or "")


def test_an_edited_prompt_is_what_the_painter_paints() -> None:
    request = ImageRequest(prompt="Night, a blue moth flies over the sea", scene="Morning at home")
    scene, characters = painted_scene(request)
    assert scene == request.prompt
    assert [c.description for c in characters] == ["a blue moth"]
    untouched = ImageRequest(prompt="A picture.\nScene: Morning at home", scene="Morning at home")
    assert painted_scene(untouched) == ("Morning at home", [])

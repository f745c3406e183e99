"""The offline storyteller writes real, well-formed stories from a premise."""

from __future__ import annotations

import pytest

from studio.core.book import StoryPlan
from studio.core.offline.premise import read_premise
from studio.core.offline.story import compose_plan, rewrite_page

PREMISES = [
    ("a shy hedgehog named Pip who is afraid of the dark", ["Pip"]),
    (
        "A girl named Maya and her dog Biscuit go to the beach to find the singing shell",
        ["Maya", "Biscuit"],
    ),
    ("a little dragon who dreams of flying to the moon", []),
    ("Rusty the red fox has lost his favourite blue scarf in the snow", ["Rusty"]),
    ("A robot learns about friendship in the big city", []),
    ("A penguin who can't swim", []),
    ("", []),
]


@pytest.mark.parametrize("pages", [2, 3, 8, 40])
@pytest.mark.parametrize(("premise", "names"), PREMISES)
def test_plan_is_a_complete_story(premise: str, names: list[str], pages: int) -> None:
    plan = StoryPlan.model_validate_json(compose_plan(premise, pages).model_dump_json())
    declared = [c.name for c in plan.characters]
    texts = [p.text for p in plan.pages]

    assert len(plan.pages) == pages
    assert 2 <= len(plan.characters) <= 3
    assert len(set(declared)) == len(declared)
    assert declared[: len(names)] == names
    assert len(set(texts)) == pages, "no two pages read the same"
    for page in plan.pages:
        assert page.text and page.scene
        assert page.characters and set(page.characters) <= set(declared)
        assert "lorem" not in page.text.lower() and "{" not in page.text + page.scene
    story = " ".join(texts)
    assert all(name in story for name in names), "names from the premise appear in the story"
    hero = declared[0]
    assert hero in texts[0], "the first page introduces the hero by name"
    assert texts[-1] not in texts[:-1]
    assert plan.title and plan.style.art_style and plan.style.palette


def test_same_premise_same_story_and_names_stay_across_lengths() -> None:
    premise = "a shy hedgehog named Pip who is afraid of the dark"
    assert compose_plan(premise, 8) == compose_plan(premise, 8)
    short, long = compose_plan(premise, 4), compose_plan(premise, 12)
    assert [c.name for c in short.characters][:2] == [c.name for c in long.characters][:2]
    assert compose_plan("a brave otter called Wim", 8) != compose_plan(premise, 8)


def test_arc_starts_with_the_problem_and_ends_warmly() -> None:
    plan = compose_plan("a shy hedgehog named Pip who is afraid of the dark", 10)
    story = " ".join(p.text for p in plan.pages)
    assert "afraid of the dark" in " ".join(p.text for p in plan.pages[:2])
    assert "never afraid of the dark again" in plan.pages[-1].text
    assert plan.pages[-1].scene.startswith("Night")
    assert story.count("Pip") >= 8
    assert plan.characters[0].description.startswith("a small hedgehog")


def test_descriptions_are_fixed_words_and_scenes_name_the_setting() -> None:
    plan = compose_plan("A girl named Maya and her dog Biscuit go to the beach", 8)
    maya = plan.characters[0]
    assert (
        "girl" in maya.description and "skin" in maya.description and "wearing" in maya.description
    )
    assert all("seaside" in page.scene for page in plan.pages)


def test_art_style_is_honoured() -> None:
    plan = compose_plan("a cat named Tom", 4, art_style="bold crayon drawing in red and teal")
    assert plan.style.art_style == "bold crayon drawing in red and teal"
    assert "crayon" in plan.style.medium
    assert plan.style.palette.startswith("red, teal")


def test_audience_age_sets_the_length_of_pages() -> None:
    premise = "a little mouse called Nibbles wants to climb the tallest mountain"
    young = compose_plan(premise, 12, audience_age="2-3")
    older = compose_plan(premise, 12, audience_age="8-10")
    assert sum(len(p.text) for p in young.pages) < sum(len(p.text) for p in older.pages)


def test_premise_reading() -> None:
    facts = read_premise("A brave little mouse called Nibbles wants to climb the tallest mountain")
    assert facts.mentions[0].name == "Nibbles" and facts.mentions[0].species == "mouse"
    assert (facts.goal.kind, facts.goal.phrase) == ("want", "climb the tallest mountain")
    assert facts.setting == "mountain"
    assert (
        read_premise("a little dragon who dreams of flying to the moon").goal.phrase
        == "fly to the moon"
    )
    assert read_premise("Pip and Lulu go to the seaside").mentions[1].name == "Lulu"


@pytest.mark.parametrize(
    "instruction", ["", "make it shorter", "funnier please", "in rhyme", "more exciting"]
)
def test_rewrite_gives_a_different_coherent_page(instruction: str) -> None:
    premise = "a shy hedgehog named Pip who is afraid of the dark"
    plan = compose_plan(premise, 8)
    texts = [p.text for p in plan.pages]
    for number in (1, 4, 8):
        page = rewrite_page(premise, texts, number, instruction)
        assert page.text and page.text != texts[number - 1]
        assert page.scene
        if instruction == "make it shorter":
            assert len(page.text) < len(texts[number - 1])
        if instruction == "":
            assert (
                "Pip" in page.text
                or "Fern" in page.text
                or "Skye" in page.text
                or "they" in page.text
            )


def test_rewrite_of_a_book_written_elsewhere_keeps_its_content() -> None:
    texts = [
        "Ada the owl lived in a big tree.",
        "Ada looked at the moon and said hello.",
        "The end.",
    ]
    page = rewrite_page("an owl who loves the moon", texts, 2)
    assert page.text != texts[1] and "moon" in page.text


def test_a_thing_to_find_reads_with_its_article() -> None:
    plan = compose_plan("A shy hedgehog named Pip befriends a lost firefly", 6, "4-7", "")
    text = " ".join(page.text for page in plan.pages)
    assert "find firefly" not in text

"""The offline engine's data files validate, and a broken one says where it is broken."""

from __future__ import annotations

import re
import shutil
import sys
import typing
from pathlib import Path

import pytest

import studio.core.offline.data as data_module
from studio.core.offline import figures, painter, story
from studio.core.offline.data import (
    STORY_SLOTS,
    Backdrop,
    Body,
    Extra,
    OfflineDataError,
    data_folder,
    load_data,
    offline_data,
    placeholders,
)


def test_shipped_data_files_validate() -> None:
    data = load_data(data_folder())
    assert len(data.kinds.kinds) >= 70 and len(data.worlds.worlds) >= 10
    assert offline_data() is offline_data(), "read once per process"


def test_every_data_file_is_shipped_and_described() -> None:
    folder = data_folder()
    files = sorted(p.name for p in folder.glob("*.toml"))
    assert files == sorted(f"{name}.toml" for name in data_module.FILES)
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert all(name in readme for name in files)


def test_data_is_found_in_the_frozen_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shutil.copytree(data_folder(), tmp_path / "studio" / "assets" / "offline")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert data_folder() == tmp_path / "studio" / "assets" / "offline"
    assert load_data(data_folder()).kinds.kinds.keys() == offline_data().kinds.kinds.keys()


def test_what_the_schema_allows_is_what_the_code_draws_and_fills() -> None:
    assert set(typing.get_args(Body)) == set(figures._PLANS)
    assert set(typing.get_args(Backdrop)) == set(painter._SETTINGS)
    drawn = set(
        re.findall(r'"(\w+)" in (?:extras|look\.kind\.extras)', Path(figures.__file__).read_text())
    )
    assert drawn <= set(typing.get_args(Extra))
    outline = story.build_outline("a shy hedgehog named Pip and a fox", 8)
    assert set(story._slots(outline, outline.beats[0])) == STORY_SLOTS


@pytest.mark.parametrize(
    ("text", "names"),
    [("{H} met {F}.", ["H", "F"]), ("no placeholder", []), ("{{literal}} {X}", ["X"])],
)
def test_placeholders(text: str, names: list[str]) -> None:
    assert placeholders(text) == names


@pytest.mark.parametrize("text", ["{H", "{H!r}", "{H:>4}", "{0}", "{H.name}", "{}"])
def test_malformed_placeholders_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        placeholders(text)


BROKEN = [
    pytest.param(
        "story.toml",
        '"{He} lived in {home} and always wore {his} {cloth}."',
        '"{He} lived in {house} and always wore {his} {cloth}."',
        ["beats.intro[0].sentences[1]", "unknown placeholder {house}", "{home}"],
        id="unknown-placeholder",
    ),
    pytest.param(
        "goals.toml",
        '"{H} Wants to {Xt}"',
        '"{H} Wants to {X}"',
        ["goals.want.title[1]", "unknown placeholder {X}", "a title can use {F} {H} {Xt}"],
        id="placeholder-of-another-kind-of-template",
    ),
    pytest.param(
        "goals.toml",
        '"{H}\'s Big Dream"',
        '"{H\'s Big Dream"',
        ["goals.want.title[0]", "broken braces"],
        id="broken-braces",
    ),
    pytest.param(
        "goals.toml",
        'closing = "From that day on, {H} was never afraid of {X} again."\n',
        "",
        ["goals.fear.closing", "required key is missing"],
        id="missing-key",
    ),
    pytest.param(
        "kinds.toml",
        '[kinds.hedgehog]\nbody = "critter"\nears = "round"',
        '[kinds.hedgehog]\nbody = "critter"\nears = 3',
        ["kinds.hedgehog.ears", "found 3"],
        id="wrong-type",
    ),
    pytest.param(
        "worlds.toml",
        'critter = "beetle"',
        'critter = ["beetle"]',
        ["worlds.forest.critter", "valid string"],
        id="list-for-a-string",
    ),
    pytest.param(
        "kinds.toml",
        '[kinds.hedgehog]\nbody = "critter"',
        '[kinds.hedgehog]\nbody = "critter"\ncolour = "red"',
        ["kinds.hedgehog.colour", "unknown key"],
        id="unknown-key",
    ),
    pytest.param(
        "kinds.toml",
        '[kinds.hedgehog]\nbody = "critter"',
        '[kinds.hedgehog]\nbody = "hedgehoggy"',
        ["kinds.hedgehog.body", "'critter'", "found 'hedgehoggy'"],
        id="unknown-body-plan",
    ),
    pytest.param(
        "cast.toml",
        'hero_traits = ["curious", "cheerful", "gentle", "lively", "thoughtful", "bouncy"]',
        "hero_traits = []",
        ["hero_traits", "at least 1 item"],
        id="empty-list",
    ),
    pytest.param(
        "worlds.toml",
        'home = "a snug burrow under the roots of the old oak"',
        'home = "{H}\'s snug burrow"',
        ["worlds.forest.home", "used word for word"],
        id="placeholder-in-plain-text",
    ),
    pytest.param(
        "colours.toml",
        "white = [250, 248, 242]",
        "white = [250, 248, 242",
        ["not valid TOML"],
        id="toml-syntax",
    ),
    pytest.param(
        "colours.toml",
        "white = [250, 248, 242]",
        "white = [250, 248, 300]",
        ["colours.white[2]", "less than or equal to 255"],
        id="colour-out-of-range",
    ),
    pytest.param(
        "kinds.toml",
        'home = "forest"',
        'home = "forrest"',
        ["kinds.hedgehog.home", "unknown world 'forrest'", "meadow"],
        id="unknown-world",
    ),
    pytest.param(
        "kinds.toml",
        'coats = ["chestnut-brown", "warm-brown", "caramel"]',
        'coats = ["mauvish", "warm-brown", "caramel"]',
        ["kinds.hedgehog.coats[0]", "unknown colour 'mauvish'", "colours.toml"],
        id="unknown-colour",
    ),
    pytest.param(
        "worlds.toml",
        'helpers = ["owl", "fox", "squirrel", "badger", "rabbit", "bear"]',
        'helpers = ["owl", "fox", "squirrel", "badger", "rabbit", "bearr"]',
        ["worlds.forest.helpers[5]", "unknown kind 'bearr'"],
        id="unknown-kind",
    ),
    pytest.param(
        "premise.toml",
        'kind = "find"',
        'kind = "finding"',
        ["goal_rules[0].kind", "unknown goal 'finding'"],
        id="unknown-goal",
    ),
    pytest.param(
        "story.toml",
        '[times.dusk]\nscene = "Dusk, the first stars appearing"\ntext = "That evening"\n',
        "",
        ["times must be exactly", "missing dusk"],
        id="missing-time-of-day",
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"), BROKEN)
def test_a_broken_file_names_the_file_the_key_and_the_problem(
    tmp_path: Path, name: str, old: str, new: str, expected: list[str]
) -> None:
    folder = tmp_path / "offline"
    shutil.copytree(data_folder(), folder)
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, "the test edits text that is in the shipped file"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(OfflineDataError) as caught:
        load_data(folder)
    message = str(caught.value)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "offline"
    shutil.copytree(data_folder(), folder)
    (folder / "rewrite.toml").unlink()
    with pytest.raises(OfflineDataError, match=r"rewrite\.toml: the file is missing"):
        load_data(folder)


AXOLOTL = """
[kinds.axolotl]
body = "critter"
ears = "none"
tail = "thin"
extras = ["frogeyes"]
home = "castle"
coat = "skin"
coats = ["pink", "lilac"]
bellies = ["peach"]
"""

CASTLE = """
[worlds.castle]
noun = "at the castle"
backdrop = "mountain"
keywords = ["castle", "tower", "moat", "drawbridge"]
names = ["Castle Crumble"]
home = "a little room at the top of the tower"
places = ["the drawbridge", "the moat", "the great hall", "the spiral stairs"]
sights = ["Flags fluttered from every tower.", "The moat shimmered in the sun."]
things = ["flags", "suits of armour", "keys"]
helpers = ["axolotl", "dragon", "knight"]
quests = ["the lost crown"]
critter = "bat"
shelter = "a stone archway"
hazard = "slippery steps"
trinket = "a tiny silver key"
drawing = "with chalk on the flagstones"
snack = "two warm scones"
palette = "slate, berry red, gold"
"""


def test_a_writer_adds_a_kind_and_a_world_without_touching_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "offline"
    shutil.copytree(data_folder(), folder)
    for name, addition in (("kinds.toml", AXOLOTL), ("worlds.toml", CASTLE)):
        with (folder / name).open("a", encoding="utf-8") as out:
            out.write(addition)
    monkeypatch.setattr(data_module, "_loaded", load_data(folder))

    plan = story.compose_plan("an axolotl named Axel who is afraid of the dark", 6)
    axel = plan.characters[0]
    assert axel.name == "Axel" and "axolotl" in axel.description and "skin" in axel.description
    assert all("at the castle (Castle Crumble)" in page.scene for page in plan.pages)
    scene = painter.read_scene(plan.pages[1].scene)
    assert scene.setting == "castle"
    look = painter.appearance_of(axel.description)
    assert look.species == "axolotl" and "frogeyes" in look.kind.extras
    assert painter.paint_scene(plan.pages[1].scene, plan.style, [axel], "96x64")[:4] == b"\x89PNG"

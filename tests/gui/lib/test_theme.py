"""One theme: every colour the studio shows comes from studio.gui.lib.theme."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from PySide6.QtGui import QColor

from studio.gui.lib.theme import DARK, LIGHT, REVIEW, Paper, Theme

GUI = Path(__file__).resolve().parents[3] / "studio" / "gui"
THEME = GUI / "lib" / "theme.py"
COLOUR_LITERALS = re.compile(
    r"""
    \#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3}(?:[0-9a-fA-F]{2})?)?\b   # #rgb, #rrggbb, #aarrggbb
    | \brgba?\s*\(                                             # rgb(...) / rgba(...) in a style
    | \bQColor\s*\(\s*(?:\d|["'])                              # QColor(255, ...) / QColor("...")
    | \bQt\.GlobalColor\.(?!transparent\b)\w+                  # Qt.GlobalColor.red and friends
    """,
    re.VERBOSE,
)


def test_no_colour_is_named_outside_the_theme() -> None:
    found = [
        f"{path.relative_to(GUI)}:{number}: {line.strip()}"
        for path in sorted(GUI.rglob("*.py"))
        if path != THEME
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if COLOUR_LITERALS.search(line)
    ]
    assert not found, "colours belong in studio/gui/lib/theme.py:\n" + "\n".join(found)


def test_the_pattern_finds_what_it_looks_for() -> None:
    for line in ('"color: #9c3b22;"', "QColor(0, 0, 0, 90)", "background: rgba(0, 0, 0, 0.05)"):
        assert COLOUR_LITERALS.search(line), line
    for line in ("Qt.GlobalColor.transparent", "theme.color('muted')", "QColor(colour)"):
        assert not COLOUR_LITERALS.search(line), line


def test_every_colour_of_both_themes_is_one_qt_reads() -> None:
    for theme in (LIGHT, DARK):
        for field in fields(Theme):
            value = getattr(theme, field.name)
            if isinstance(value, str):
                assert QColor(value).isValid(), (theme.dark, field.name, value)
    for field in fields(Paper):
        assert QColor(getattr(Paper(), field.name)).isValid(), field.name
    for chip in REVIEW.values():
        assert QColor(chip.back).isValid() and QColor(chip.fore).isValid()


def test_notices_are_dark_in_the_dark_theme() -> None:
    assert QColor(LIGHT.warning_bg).lightness() > 200
    assert QColor(DARK.warning_bg).lightness() < 60
    assert QColor(DARK.warning_text).lightness() > 150

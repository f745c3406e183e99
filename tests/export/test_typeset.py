"""Setting text: direction, shaping and line breaks, checked on the glyphs HarfBuzz returns."""

from __future__ import annotations

from studio.export.fonts import chain
from studio.export.typeset import Style, set_text, shape


def _style(lang: str, size: float = 20) -> Style:
    return Style(chain(lang), size, lang)


def _nominal(face, char: str) -> int:
    return face.hb_font.get_nominal_glyph(ord(char))


def test_devanagari_vowel_sign_goes_before_its_consonant_and_conjuncts_form():
    style = _style("hi")
    face = chain("hi").face_for("क")
    glyphs, _ = shape(face, "कि", False, style)
    # the i sign (a form sized to its consonant) is drawn first, the consonant after it
    assert len(glyphs) == 2 and glyphs[1].id == _nominal(face, "क")
    assert glyphs[0].id != _nominal(face, "क")
    conjunct, _ = shape(face, "क्ष", False, style)
    assert len(conjunct) == 1  # one glyph for ka + virama + ssa


def test_arabic_letters_join_and_read_right_to_left():
    style = _style("ar")
    face = chain("ar").face_for("ب")
    glyphs, _ = shape(face, "بيت", True, style)
    assert [g.cluster for g in glyphs] == [2, 1, 0]  # visual order: the last letter leftmost
    assert all(g.id != _nominal(face, c) for g, c in zip(glyphs, "تيب", strict=True))


def test_thai_tone_mark_sits_on_its_vowel():
    style = _style("th")
    face = chain("th").face_for("ท")
    glyphs, _ = shape(face, "ที่", False, style)
    assert len(glyphs) == 3
    assert glyphs[2].advance == 0 and glyphs[1].advance == 0  # marks take no room


def test_a_right_to_left_line_puts_its_first_word_on_the_right():
    (line,) = set_text("שלום world 123 עולם", _style("he"), 10_000)
    assert line.rtl
    texts = [r.text.strip() for r in line.runs if r.text.strip()]
    assert texts[0] == "עולם" and texts[-1] == "שלום"  # left to right on the page
    assert texts[1] == "world 123"  # Latin, and the number after it, read left to right


def test_a_left_to_right_line_keeps_an_embedded_hebrew_word_whole():
    (line,) = set_text("Hello שלום world", _style("en"), 10_000)
    assert not line.rtl
    assert [r.rtl for r in line.runs if r.text.strip()] == [False, True, False]


def test_lines_break_between_cjk_characters_but_not_before_closing_punctuation():
    style = _style("ja")
    lines = set_text("小さな猫は月がとても好きでした。毎晩、屋根の上に座った。", style, 200)
    assert len(lines) > 1
    assert all(line.width <= 200 + 0.01 for line in lines)
    assert not any(line.text.startswith(("。", "、")) for line in lines)
    assert (
        "".join(line.text for line in lines)
        == "小さな猫は月がとても好きでした。毎晩、屋根の上に座った。"
    )


def test_a_word_wider_than_the_line_is_cut_between_syllables():
    lines = set_text("แมวน้อยรักพระจันทร์มากทุกคืน", _style("th"), 120)
    assert len(lines) > 1
    for line in lines[1:]:
        assert (
            line.text[0]
            not in "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c"
        )

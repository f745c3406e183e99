"""Setting text in lines: fonts per run of characters, direction, shaping, line breaks.

Shared by the PDF and the PNG pages, so both break lines the same way:

1. Each character gets a bidi level (the Unicode Bidirectional Algorithm for
   one paragraph without explicit embeddings: rules W1-W7, N1-N2, I1-I2) and
   a face from the `FontChain` (marks, joiners and neutral characters stay in
   the face of the letter before them, so a word is shaped in one font).
2. Runs of one face and one level are shaped with HarfBuzz, which joins
   Arabic, forms Devanagari conjuncts, places Thai marks and mirrors brackets
   in right-to-left runs.
3. Lines break after spaces, between CJK characters (not before closing
   punctuation or small kana), and, when a word is wider than the line,
   between clusters.
4. Each line's runs are shaped again and put in visual order (rule L2).

Sizes are in the caller's unit (points for the PDF, pixels for PNG).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import uharfbuzz as hb  # type: ignore[import-untyped]

from studio.core.language import is_right_to_left
from studio.export.fonts import Face, FontChain

FEATURES = {"kern": True, "liga": True}


@dataclass(frozen=True)
class Glyph:
    id: int
    cluster: int
    """Index in the run's text of the first character this glyph draws."""
    x: float
    """From the run's left edge."""
    y: float
    advance: float


@dataclass(frozen=True)
class Run:
    face: Face
    text: str
    rtl: bool
    glyphs: tuple[Glyph, ...]
    x: float
    """From the line's left edge."""
    width: float


@dataclass(frozen=True)
class Line:
    runs: tuple[Run, ...]
    width: float
    rtl: bool = False
    """The paragraph's direction: where a line that does not fill the width starts."""

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Style:
    fonts: FontChain
    size: float
    language: str


def set_paragraphs(paras: list[str], style: Style, max_width: float) -> list[Line]:
    """Lines for `paras`: an empty line between paragraphs, "\\n" breaks a line."""
    lines: list[Line] = []
    for para in paras:
        if lines:
            lines.append(Line((), 0.0))
        for source in para.split("\n"):
            lines.extend(set_text(source, style, max_width))
    return lines


def set_text(text: str, style: Style, max_width: float) -> list[Line]:
    """One paragraph's lines, each no wider than `max_width` where breaks allow."""
    text = " ".join(text.split())  # one space between words, none at the ends
    if not text:
        return []
    base_rtl = _base_is_rtl(text, style.language)
    levels = bidi_levels(text, base_rtl)
    faces = _faces(text, style.fonts)
    advances, starts = _measure(text, levels, faces, style)
    lines = []
    for start, end in _breaks(text, advances, starts, max_width):
        lines.append(_line(text, start, end, levels, faces, style, base_rtl))
    return lines


# --- Direction -----------------------------------------------------------------------


def _base_is_rtl(text: str, language: str) -> bool:
    """The first strong letter decides (rule P2); the book's language when none does."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    return is_right_to_left(language)


_NEUTRAL = frozenset({"B", "S", "WS", "ON", "ES", "ET", "CS", "BN", "LRE", "RLE", "PDF"})
_NEUTRAL |= {"LRO", "RLO", "LRI", "RLI", "FSI", "PDI"}


def bidi_levels(text: str, base_rtl: bool) -> list[int]:
    """The embedding level of each character of one paragraph (even: left to right)."""
    types = _weak_types([unicodedata.bidirectional(c) or "L" for c in text], base_rtl)
    _resolve_neutrals(types, base_rtl)
    base = 1 if base_rtl else 0
    levels = []
    for kind in types:
        if base == 0:
            levels.append({"L": 0, "R": 1}.get(kind, 2))
        else:
            levels.append(1 if kind == "R" else 2)
    return levels


def _weak_types(types: list[str], base_rtl: bool) -> list[str]:
    sos = "R" if base_rtl else "L"
    out: list[str] = []
    for kind in types:  # W1: a mark takes the type of what it is on
        out.append((out[-1] if out else sos) if kind == "NSM" else kind)
    last_strong = sos
    for i, kind in enumerate(out):  # W2, W3
        if kind == "EN" and last_strong == "AL":
            out[i] = "AN"
        if kind in ("L", "R", "AL"):
            last_strong = kind
        if kind == "AL":
            out[i] = "R"
    for i in range(1, len(out) - 1):  # W4: 1,000 and 3.5 stay numbers
        if out[i] == "ES" and out[i - 1] == out[i + 1] == "EN":
            out[i] = "EN"
        elif out[i] == "CS" and out[i - 1] == out[i + 1] and out[i - 1] in ("EN", "AN"):
            out[i] = out[i - 1]
    _terminators(out)  # W5
    last_strong = sos
    for i, kind in enumerate(out):  # W6, W7
        if kind in ("ES", "ET", "CS"):
            out[i] = "ON"
        elif kind in ("L", "R"):
            last_strong = kind
        elif kind == "EN" and last_strong == "L":
            out[i] = "L"
    return out


def _terminators(types: list[str]) -> None:
    """W5: a run of terminators ($, %, °) next to a European number joins it."""
    i = 0
    while i < len(types):
        if types[i] != "ET":
            i += 1
            continue
        j = i
        while j < len(types) and types[j] == "ET":
            j += 1
        touches = (i > 0 and types[i - 1] == "EN") or (j < len(types) and types[j] == "EN")
        if touches:
            types[i:j] = ["EN"] * (j - i)
        i = j


def _resolve_neutrals(types: list[str], base_rtl: bool) -> None:
    """N1, N2: neutrals between two of one direction take it; others the paragraph's."""
    base = "R" if base_rtl else "L"
    strong = ["R" if t in ("EN", "AN") else t for t in types]  # numbers count as R here
    i = 0
    while i < len(types):
        if types[i] not in _NEUTRAL:
            i += 1
            continue
        j = i
        while j < len(types) and types[j] in _NEUTRAL:
            j += 1
        before = strong[i - 1] if i > 0 else base
        after = strong[j] if j < len(types) else base
        types[i:j] = [before if before == after else base] * (j - i)
        i = j


# --- Fonts ---------------------------------------------------------------------------


def _follows(char: str) -> bool:
    """Characters set in the face of the one before when that face has them."""
    category = unicodedata.category(char)
    return category[0] in "MZPNS" or category == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F


def _faces(text: str, fonts: FontChain) -> list[Face]:
    faces: list[Face] = []
    for char in text:
        if faces and _follows(char) and faces[-1].covers(char):
            faces.append(faces[-1])
        else:
            faces.append(fonts.face_for(char) or fonts.first)
    # Neutrals before the first letter go with that letter when its face has them.
    first = next((i for i, c in enumerate(text) if not _follows(c)), None)
    if first is not None:
        for i in range(first):
            if faces[first].covers(text[i]):
                faces[i] = faces[first]
    return faces


def _spans(start: int, end: int, levels: list[int], faces: list[Face]) -> Iterator[tuple[int, int]]:
    """Maximal stretches of one face and one level inside [start, end)."""
    i = start
    while i < end:
        j = i + 1
        while j < end and faces[j] is faces[i] and levels[j] == levels[i]:
            j += 1
        yield i, j
        i = j


# --- Shaping -------------------------------------------------------------------------


def shape(face: Face, text: str, rtl: bool, style: Style) -> tuple[tuple[Glyph, ...], float]:
    """HarfBuzz's glyphs for one run, in visual order, and the run's width."""
    buf = hb.Buffer()
    buf.add_str(text)
    buf.direction = "rtl" if rtl else "ltr"
    buf.language = style.language
    buf.guess_segment_properties()
    hb.shape(face.hb_font, buf, FEATURES)
    scale = style.size / face.upem
    glyphs = []
    x = 0.0
    for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
        advance = pos.x_advance * scale
        offset = (x + pos.x_offset * scale, pos.y_offset * scale)
        glyphs.append(Glyph(info.codepoint, info.cluster, *offset, advance))
        x += pos.x_advance * scale
    return tuple(glyphs), x


def _measure(
    text: str, levels: list[int], faces: list[Face], style: Style
) -> tuple[list[float], set[int]]:
    """Each character's share of the width (a cluster's width goes to its first
    character) and where clusters start."""
    advances = [0.0] * len(text)
    starts: set[int] = set()
    for start, end in _spans(0, len(text), levels, faces):
        glyphs, _ = shape(faces[start], text[start:end], levels[start] % 2 == 1, style)
        for glyph in glyphs:
            advances[start + glyph.cluster] += glyph.advance
            starts.add(start + glyph.cluster)
    return advances, starts


# --- Line breaks ---------------------------------------------------------------------

_NO_START = set(
    "、。，．・：；？！ー）」』】〕〉》〙〗〟’”｝］ゝゞヽヾぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
)
_NO_START |= set(".,;:!?)]}%")
_NO_END = set("（「『【〔〈《〘〖〝‘“｛［")


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x2E80 <= code <= 0x9FFF  # radicals, punctuation, kana, CJK ideographs
        or 0xAC00 <= code <= 0xD7AF  # hangul
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x3FFFF
    )


def _may_break_before(text: str, i: int) -> bool:
    before, char = text[i - 1], text[i]
    if before == " ":
        return char != " "
    if char == " ":
        return False
    if _is_cjk(before) or _is_cjk(char):
        return char not in _NO_START and before not in _NO_END
    return False


def _breaks(
    text: str, advances: list[float], starts: set[int], max_width: float
) -> list[tuple[int, int]]:
    """Greedy line breaking: (start, end) of each line, trailing spaces left out."""
    opportunities = [i for i in range(1, len(text)) if _may_break_before(text, i)]
    lines: list[tuple[int, int]] = []
    start = 0
    fits = 0  # the furthest opportunity after `start` up to which the line fits
    for stop in [*opportunities, len(text)]:
        if _trimmed_width(text, advances, start, stop) <= max_width:
            fits = stop
            continue
        if fits > start:
            lines.append((start, _rstrip(text, start, fits)))
            start = fits
        while _trimmed_width(text, advances, start, stop) > max_width:
            cut = _cluster_cut(text, advances, starts, start, stop, max_width)
            if cut is None:
                break  # one cluster wider than the line: let it overflow
            lines.append((start, cut))
            start = cut
        fits = stop
    if start < len(text):
        lines.append((start, _rstrip(text, start, len(text))))
    return [(a, b) for a, b in lines if b > a]


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] == " ":
        end -= 1
    return end


def _trimmed_width(text: str, advances: list[float], start: int, end: int) -> float:
    return sum(advances[start : _rstrip(text, start, end)])


def _cluster_cut(
    text: str, advances: list[float], starts: set[int], start: int, end: int, max_width: float
) -> int | None:
    """The last cluster boundary in (start, end) that keeps the line within `max_width`."""
    width = 0.0
    cut = None
    for i in range(start, end):
        if i > start and i in starts and width <= max_width and _may_cut_before(text, i):
            cut = i
        width += advances[i]
    return cut


def _may_cut_before(text: str, i: int) -> bool:
    """Not inside a syllable: not before a mark, nor after a virama or a joiner."""
    char, before = text[i], text[i - 1]
    if unicodedata.category(char)[0] == "M" or char in "\u200c\u200d":
        return False
    return unicodedata.combining(before) != 9 and before not in "\u200c\u200d"


# --- Lines ---------------------------------------------------------------------------


def _line(
    text: str,
    start: int,
    end: int,
    levels: list[int],
    faces: list[Face],
    style: Style,
    base_rtl: bool,
) -> Line:
    pieces: list[tuple[int, Face, str]] = []
    for a, b in _spans(start, end, levels, faces):
        pieces.append((levels[a], faces[a], text[a:b]))
    runs: list[Run] = []
    x = 0.0
    for level, face, piece in _visual_order(pieces, base_rtl):
        glyphs, width = shape(face, piece, level % 2 == 1, style)
        runs.append(Run(face, piece, level % 2 == 1, glyphs, x, width))
        x += width
    return Line(tuple(runs), x, base_rtl)


def _visual_order(
    pieces: list[tuple[int, Face, str]], base_rtl: bool
) -> list[tuple[int, Face, str]]:
    """Rule L2: from the highest level down to the lowest odd one, reverse every
    stretch of runs at that level or above."""
    if not pieces:
        return pieces
    order = list(pieces)
    highest = max(p[0] for p in order)
    lowest_odd = min((p[0] for p in order if p[0] % 2 == 1), default=highest + 1)
    if base_rtl:
        lowest_odd = 1
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if order[i][0] < level:
                i += 1
                continue
            j = i
            while j < len(order) and order[j][0] >= level:
                j += 1
            order[i:j] = reversed(order[i:j])
            i = j
    return order

"""Friendly picture-book characters drawn with Pillow from an `Appearance`.

Coordinates inside a figure are in units of 1/100 of its height, measured from the
point between its feet: `dx` toward where it faces, `dy` upward.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import ImageDraw

from studio.core.offline.appearance import Appearance
from studio.core.offline.lexicon import RGB, lighten, mix

Point = tuple[float, float]
INK = (52, 40, 44)
BLUSH = (246, 150, 150)
BEAK = (246, 168, 60)


@dataclass(frozen=True)
class Pose:
    """How a figure stands on one page: which way it faces and what its arms do."""

    facing: int = 1  # 1 faces right, -1 faces left
    arms: str = "down"  # down, wave, up
    mood: str = "happy"  # happy, sad, wonder
    hop: float = 0.0


class Pen:
    """Draws shapes in figure units, with soft ink outlines and the scene's light."""

    def __init__(
        self,
        draw: ImageDraw.ImageDraw,
        x: float,
        y: float,
        unit: float,
        facing: int,
        light: Callable[[RGB], RGB],
    ) -> None:
        self.draw, self.x, self.y, self.u, self.facing, self.light = draw, x, y, unit, facing, light

    def at(self, dx: float, dy: float) -> Point:
        return (self.x + dx * self.u * self.facing, self.y - dy * self.u)

    def ellipse(
        self, dx: float, dy: float, rx: float, ry: float, colour: RGB, line: bool = True
    ) -> None:
        cx, cy = self.at(dx, dy)
        box = (cx - rx * self.u, cy - ry * self.u, cx + rx * self.u, cy + ry * self.u)
        self.draw.ellipse(
            box,
            fill=self.light(colour),
            outline=self._ink(colour) if line else None,
            width=self._width(),
        )

    def poly(self, points: Sequence[Point], colour: RGB, line: bool = True) -> None:
        self.draw.polygon(
            [self.at(*p) for p in points],
            fill=self.light(colour),
            outline=self._ink(colour) if line else None,
            width=self._width(),
        )

    def line(self, points: Sequence[Point], colour: RGB, width: float) -> None:
        pts = [self.at(*p) for p in points]
        w = max(1, round(width * self.u))
        self.draw.line(pts, fill=self.light(colour), width=w, joint="curve")
        for px, py in (pts[0], pts[-1]):
            self.draw.ellipse(
                (px - w / 2, py - w / 2, px + w / 2, py + w / 2), fill=self.light(colour)
            )

    def arc(
        self, dx: float, dy: float, r: float, start: float, end: float, colour: RGB, width: float
    ) -> None:
        cx, cy = self.at(dx, dy)
        if self.facing < 0:
            start, end = 180 - end, 180 - start
        box = (cx - r * self.u, cy - r * self.u, cx + r * self.u, cy + r * self.u)
        self.draw.arc(box, start, end, fill=self.light(colour), width=max(1, round(width * self.u)))

    def _ink(self, colour: RGB) -> RGB:
        return self.light(lighten(colour, -0.45))

    def _width(self) -> int:
        return max(2, round(1.3 * self.u))


def draw_figure(
    draw: ImageDraw.ImageDraw,
    look: Appearance,
    x: float,
    feet: float,
    height: float,
    pose: Pose,
    light: Callable[[RGB], RGB],
) -> None:
    """Draw one character standing with its feet at (x, feet), `height` pixels tall."""
    unit = height * look.scale / 100
    pen = Pen(draw, x, feet - pose.hop * unit, unit, pose.facing, light)
    _shadow(draw, x, feet, unit)
    painter = _PLANS.get(look.kind.body, _critter)
    painter(pen, look, pose)


def _shadow(draw: ImageDraw.ImageDraw, x: float, feet: float, u: float) -> None:
    draw.ellipse((x - 30 * u, feet - 4 * u, x + 30 * u, feet + 4 * u), fill=(30, 30, 50, 60))


# --- Shared features -------------------------------------------------------------------


def _eyes(pen: Pen, dx: float, dy: float, gap: float, size: float, pose: Pose) -> None:
    for side in (-1, 1):
        ex = dx + side * gap
        if pose.mood == "wonder":
            pen.ellipse(ex, dy, size * 1.1, size * 1.4, INK, line=False)
        else:
            pen.ellipse(ex, dy, size * 0.85, size * 1.15, INK, line=False)
        pen.ellipse(
            ex + size * 0.3, dy + size * 0.45, size * 0.38, size * 0.38, (255, 255, 255), line=False
        )


def _smile(pen: Pen, dx: float, dy: float, r: float, pose: Pose) -> None:
    if pose.mood == "sad":
        pen.arc(dx, dy - r * 1.2, r * 0.8, 220, 320, INK, 1.4)
    elif pose.mood == "wonder":
        pen.ellipse(dx, dy, r * 0.35, r * 0.45, INK, line=False)
    else:
        pen.arc(dx, dy + r * 0.6, r, 30, 150, INK, 1.5)


def _cheeks(pen: Pen, dx: float, dy: float, gap: float) -> None:
    for side in (-1, 1):
        pen.ellipse(dx + side * gap, dy, 4, 2.6, BLUSH, line=False)


def _arms(pen: Pen, shoulder: Point, colour: RGB, length: float, width: float, pose: Pose) -> None:
    sx, sy = shoulder
    for side in (-1, 1):
        raised = pose.arms == "up" or (pose.arms == "wave" and side == 1)
        if raised:
            end = (sx * side + side * length * 0.5, sy + length * 0.85)
        else:
            end = (sx * side + side * length * 0.35, sy - length * 0.8)
        pen.line([(sx * side, sy), end], lighten(colour, -0.08), width)
        pen.ellipse(end[0], end[1], width * 0.55, width * 0.55, lighten(colour, -0.08))


def _star(pen: Pen, dx: float, dy: float, r: float, colour: RGB) -> None:
    points = []
    for i in range(10):
        angle = math.pi / 2 + i * math.pi / 5
        radius = r if i % 2 == 0 else r * 0.45
        points.append((dx + radius * math.cos(angle), dy + radius * math.sin(angle)))
    pen.poly(points, colour, line=False)


def _heart(pen: Pen, dx: float, dy: float, r: float, colour: RGB) -> None:
    pen.ellipse(dx - r * 0.5, dy + r * 0.3, r * 0.55, r * 0.55, colour, line=False)
    pen.ellipse(dx + r * 0.5, dy + r * 0.3, r * 0.55, r * 0.55, colour, line=False)
    pen.poly(
        [(dx - r * 1.02, dy + r * 0.15), (dx + r * 1.02, dy + r * 0.15), (dx, dy - r)],
        colour,
        line=False,
    )


# --- Clothing --------------------------------------------------------------------------


def _clothes_on_body(
    pen: Pen, look: Appearance, neck: float, body_w: float, body_top: float
) -> None:
    c = look.cloth_colour
    if look.cloth in {"scarf", "tie"}:
        pen.ellipse(0, neck, body_w * 0.72, 5, c)
        pen.poly(
            [
                (-body_w * 0.3, neck - 2),
                (-body_w * 0.05, neck - 2),
                (-body_w * 0.2, neck - 20),
                (-body_w * 0.48, neck - 18),
            ],
            lighten(c, -0.08),
        )
        for i in range(3):
            pen.line(
                [(-body_w * 0.47 + i * 3.2, neck - 18.5), (-body_w * 0.47 + i * 3.2, neck - 22)],
                c,
                1.2,
            )
    elif look.cloth in {"bandana", "collar"}:
        pen.poly([(-body_w * 0.55, neck + 2), (body_w * 0.55, neck + 2), (0, neck - 12)], c)
    elif look.cloth in {"waistcoat", "vest", "hoodie", "coat", "raincoat"}:
        pen.ellipse(0, body_top * 0.56, body_w * 0.9, body_top * 0.46, c)
        pen.ellipse(3, body_top * 0.56, body_w * 0.22, body_top * 0.44, look.belly, line=False)
        for y in (0.4, 0.6, 0.8):
            pen.ellipse(body_w * 0.3, body_top * y, 1.5, 1.5, lighten(c, -0.35), line=False)


def _back_clothes(pen: Pen, look: Appearance, body_w: float, body_top: float) -> None:
    c = look.cloth_colour
    if look.cloth == "cape":
        pen.poly(
            [
                (-body_w * 0.5, body_top + 4),
                (body_w * 0.5, body_top + 4),
                (body_w * 1.2, 4),
                (-body_w * 0.2, 0),
                (-body_w * 1.6, 6),
            ],
            c,
        )
    elif look.cloth == "backpack":
        pen.ellipse(-body_w * 0.95, body_top * 0.6, body_w * 0.45, body_top * 0.32, c)
        pen.ellipse(
            -body_w * 1.05, body_top * 0.5, body_w * 0.3, body_top * 0.14, lighten(c, -0.12)
        )


def _hat(pen: Pen, look: Appearance, top: float, width: float) -> None:
    c = look.cloth_colour
    if look.cloth == "hat":
        pen.poly(
            [
                (-width, top - 6),
                (width, top - 6),
                (width * 0.75, top + 8),
                (0, top + 14),
                (-width * 0.75, top + 8),
            ],
            c,
        )
        pen.ellipse(0, top - 6, width * 1.05, 3.5, lighten(c, -0.12))
        pen.ellipse(0, top + 16, 5, 5, (250, 248, 242))
    elif look.cloth == "crown":
        pen.poly(
            [
                (-width * 0.6, top - 4),
                (width * 0.6, top - 4),
                (width * 0.7, top + 10),
                (width * 0.3, top + 3),
                (0, top + 12),
                (-width * 0.3, top + 3),
                (-width * 0.7, top + 10),
            ],
            (236, 190, 70),
        )


def _head_bow(pen: Pen, look: Appearance, dx: float, dy: float) -> None:
    c = look.cloth_colour if look.cloth == "bow" else look.mark_colour
    pen.poly([(dx, dy), (dx - 9, dy + 6), (dx - 9, dy - 6)], c)
    pen.poly([(dx, dy), (dx + 9, dy + 6), (dx + 9, dy - 6)], c)
    pen.ellipse(dx, dy, 2.6, 2.6, lighten(c, -0.15))


# --- Body plans ------------------------------------------------------------------------


def _critter(pen: Pen, look: Appearance, pose: Pose) -> None:
    spec, coat, belly = look.kind, look.coat, look.belly
    extras: set[str] = set(spec.extras)
    dark = lighten(coat, -0.18)
    head_y, head_r = 70.0, 23.0
    face = belly if "spikes" in extras else coat
    _tail(pen, look, spec.tail, dark)
    if "wings" in extras:
        for lift in (0, 8):
            pen.poly(
                [(-8, 44), (-46, 72 + lift), (-40, 52 + lift), (-50, 46 + lift), (-30, 34)], dark
            )
    if "spikes" in extras:
        _spikes(pen, coat)
    _back_clothes(pen, look, 24, 50)
    if "mane" in extras:
        for i in range(12):
            a = math.radians(30 + i * 25)
            pen.ellipse(
                math.cos(a) * 22 - 2, head_y + math.sin(a) * 22, 10, 10, lighten(coat, -0.3)
            )
    _ears(pen, spec.ears, coat, belly, head_y, head_r, look)
    if "ridge" in extras:
        for i in range(5):
            y = 40 + i * 9
            pen.poly([(-22 + i * 1.5, y), (-31 + i * 1.5, y + 5), (-21 + i * 1.5, y + 9)], belly)
    body_colour = look.cloth_colour if look.cloth in {"jumper", "sweater"} else coat
    for side in (-1, 1):
        pen.ellipse(side * 11, 4, 9.5, 5.5, dark)
    if "wool" in extras:
        for i in range(10):
            a = math.radians(i * 36)
            pen.ellipse(math.cos(a) * 18, 30 + math.sin(a) * 20, 10, 10, coat)
    pen.ellipse(0, 30, 24, 28, body_colour)
    if look.striped or look.cloth in {"jumper", "sweater"}:
        for y in (18, 30, 42):
            pen.line([(-19, y), (19, y)], lighten(body_colour, -0.25), 2.2)
    pen.ellipse(2, 26, 15, 19, belly, line=False)
    if "stripes" in extras:
        for y in (22, 34, 46):
            pen.line([(-24, y), (-14, y + 3)], INK, 2.4)
    if "spots" in extras:
        pen.ellipse(-13, 40, 7, 5, INK, line=False)
        pen.ellipse(12, 16, 5, 4, INK, line=False)
    _arms(pen, (20, 42), coat, 18, 7, pose)
    _clothes_on_body(pen, look, 50, 24, 50)
    pen.ellipse(0, head_y, head_r, head_r * 0.95, face)
    _face(pen, look, extras, head_y, pose)
    _hat(pen, look, head_y + head_r - 2, head_r * 0.85)
    if look.cloth == "bow":
        _head_bow(pen, look, 12, head_y + head_r - 2)


def _spikes(pen: Pen, coat: RGB) -> None:
    spine = lighten(coat, -0.1)
    for cy, scale, first, last in ((70, 1.0, 40, 215), (34, 1.15, 100, 250)):
        for i in range(14):
            a = math.radians(first + i * (last - first) / 13)
            bx, by = math.cos(a) * 22 * scale - 2, cy + math.sin(a) * 22 * scale
            tx, ty = math.cos(a) * 34 * scale - 2, cy + math.sin(a) * 34 * scale
            nx, ny = -math.sin(a) * 6, math.cos(a) * 6
            pen.poly([(bx - nx, by - ny), (tx, ty), (bx + nx, by + ny)], spine)
    pen.ellipse(-4, 50, 27, 36, spine)


def _face(pen: Pen, look: Appearance, extras: set[str], head_y: float, pose: Pose) -> None:
    fx = 4.0
    if "eyepatches" in extras:
        for side in (-1, 1):
            pen.ellipse(fx + side * 8.5, head_y + 3, 6, 7, INK, line=False)
    if look.mark == "patch":
        pen.ellipse(
            fx + 8.5, head_y + 3, 7.5, 8, mix(look.mark_colour, look.coat, 0.35), line=False
        )
    if "facestripe" in extras:
        pen.poly(
            [
                (fx - 3, head_y + 22),
                (fx + 3, head_y + 22),
                (fx + 4, head_y - 6),
                (fx - 4, head_y - 6),
            ],
            (250, 248, 242),
            line=False,
        )
    big = "bigeyes" in extras or "frogeyes" in extras
    if "frogeyes" in extras:
        for side in (-1, 1):
            pen.ellipse(fx + side * 10, head_y + 19, 8, 8, look.coat)
    _eyes(
        pen,
        fx,
        head_y + (16 if "frogeyes" in extras else 4),
        9 if big else 8.5,
        4.4 if big else 3.4,
        pose,
    )
    _cheeks(pen, fx, head_y - 6, 13)
    _muzzle(pen, look, extras, fx, head_y, pose)
    _marks(pen, look, fx, head_y)
    if "horn" in extras:
        pen.poly(
            [(fx - 4, head_y + 19), (fx + 4, head_y + 19), (fx + 1, head_y + 40)], (236, 190, 70)
        )
    if "horns" in extras:
        for side in (-1, 1):
            pen.poly(
                [
                    (fx + side * 8, head_y + 18),
                    (fx + side * 15, head_y + 18),
                    (fx + side * 16, head_y + 32),
                ],
                (244, 232, 200),
            )


def _muzzle(
    pen: Pen, look: Appearance, extras: set[str], fx: float, head_y: float, pose: Pose
) -> None:
    if "trunk" in extras:
        pen.line(
            [(fx + 2, head_y - 4), (fx + 8, head_y - 22), (fx + 16, head_y - 26)], look.coat, 8
        )
        _smile(pen, fx - 6, head_y - 10, 4, pose)
        return
    if "pignose" in extras:
        pen.ellipse(fx + 2, head_y - 6, 8, 5.5, lighten(look.coat, -0.12))
        for side in (-1, 1):
            pen.ellipse(fx + 2 + side * 3, head_y - 6, 1.4, 2, INK, line=False)
        _smile(pen, fx + 2, head_y - 14, 4, pose)
        return
    if {"snout", "muzzle"} & extras:
        wide = 10 if "muzzle" in extras else 8
        pen.ellipse(fx + 3, head_y - 8, wide, 6.5, look.belly)
    pen.ellipse(fx + 3, head_y - 4, 3.4, 2.6, INK, line=False)
    _smile(pen, fx + 3, head_y - 9, 4.5, pose)
    if "whiskers" in extras:
        for side in (-1, 1):
            for dy in (-1, 2):
                pen.line(
                    [
                        (fx + 3 + side * 9, head_y - 6 + dy),
                        (fx + 3 + side * 20, head_y - 5 + dy * 2.2),
                    ],
                    INK,
                    0.7,
                )
    if "beard" in extras:
        pen.poly(
            [(fx - 2, head_y - 16), (fx + 8, head_y - 16), (fx + 3, head_y - 28)],
            lighten(look.coat, 0.4),
        )


def _marks(pen: Pen, look: Appearance, fx: float, head_y: float) -> None:
    c = look.mark_colour
    if look.mark in {"star", "star-shaped", "sticker"}:
        _star(pen, fx - 13, head_y - 5, 5.5, c)
    elif look.mark in {"heart", "heart-shaped", "spot"}:
        _heart(pen, 2, 26, 6, c)
    elif look.mark == "freckles":
        for dx, dy in ((-2, -1), (3, 1), (8, -1)):
            pen.ellipse(
                fx + dx - 10 if dx < 0 else fx + dx + 6, head_y - 4 + dy, 1.3, 1.3, c, line=False
            )
    elif look.mark in {"stripe", "spots"}:
        pen.ellipse(fx, head_y + 18, 4, 3, c, line=False)


def _ears(
    pen: Pen, kind: str, coat: RGB, inner: RGB, head_y: float, r: float, look: Appearance
) -> None:
    pink = mix(inner, (246, 170, 180), 0.5)
    if kind == "round":
        small = 0.7 if "spikes" in look.kind.extras else 1.0
        for side in (-1, 1):
            pen.ellipse(side * 16, head_y + 17, 8 * small, 8 * small, coat)
            pen.ellipse(side * 16, head_y + 17, 4.5 * small, 4.5 * small, pink, line=False)
    elif kind == "pointy":
        for side in (-1, 1):
            pen.poly(
                [(side * 6, head_y + 18), (side * 21, head_y + 12), (side * 17, head_y + 36)], coat
            )
            pen.poly(
                [(side * 9, head_y + 18), (side * 18, head_y + 15), (side * 16, head_y + 30)],
                pink,
                line=False,
            )
    elif kind == "long":
        for side in (-1, 1):
            pen.ellipse(side * 9, head_y + 34, 6.5, 20, coat)
            pen.ellipse(side * 9, head_y + 33, 3.2, 15, pink, line=False)
    elif kind == "floppy":
        for side in (-1, 1):
            pen.ellipse(side * 22, head_y + 2, 7, 15, lighten(coat, -0.2))
    elif kind == "big":
        for side in (-1, 1):
            pen.ellipse(side * 21, head_y + 14, 14, 14, coat)
            pen.ellipse(side * 21, head_y + 14, 9, 9, pink, line=False)
    elif kind == "antenna":
        for side in (-1, 1):
            pen.line([(side * 6, head_y + 18), (side * 11, head_y + 34)], lighten(coat, -0.2), 1.6)
            pen.ellipse(side * 11, head_y + 35, 3.4, 3.4, look.cloth_colour)
    elif kind == "horns":
        for side in (-1, 1):
            pen.poly(
                [(side * 7, head_y + 18), (side * 17, head_y + 14), (side * 20, head_y + 34)],
                (244, 232, 200),
            )


def _tail(pen: Pen, look: Appearance, kind: str, dark: RGB) -> None:
    tip = look.mark_colour if look.mark == "tip" else None
    if kind == "bushy" and look.species == "squirrel":
        pen.ellipse(-30, 52, 14, 34, look.coat)
        pen.ellipse(-22, 84, 10, 10, look.coat, line=False)
    elif kind == "bushy":
        pen.ellipse(-30, 30, 10, 20, look.coat)
        pen.ellipse(-34, 46, 6, 7, tip or lighten(look.coat, 0.5), line=False)
    elif kind == "thin":
        pen.line([(-18, 16), (-34, 22), (-38, 40), (-32, 50)], dark, 3.4)
        if tip:
            pen.ellipse(-32, 50, 3.4, 3.4, tip, line=False)
    elif kind == "fluffy":
        pen.ellipse(-25, 18, 8, 8, tip or (250, 248, 242))
    elif kind == "curly":
        pen.arc(-28, 24, 7, 0, 300, dark, 2.4)
    elif kind == "stub":
        pen.ellipse(-24, 14, 5, 5, dark)
    elif kind == "spiky":
        pen.poly([(-16, 10), (-48, 6), (-18, 26)], look.coat)
        pen.poly([(-48, 6), (-56, 2), (-50, 14)], look.belly)


def _bird(pen: Pen, look: Appearance, pose: Pose) -> None:
    extras = set(look.kind.extras)
    coat, belly = look.coat, look.belly
    if "penguin" in extras:
        coat, belly = look.coat, (250, 248, 242)
    _back_clothes(pen, look, 22, 46)
    for side in (-1, 1):
        pen.line([(side * 7, 2), (side * 7, 10)], BEAK, 2.2)
        pen.ellipse(side * 7 + 3, 1.5, 5, 2, BEAK, line=False)
    pen.ellipse(0, 34, 25, 32, coat)
    pen.ellipse(4, 30, 17, 23, belly, line=False)
    lift = 16 if pose.arms in {"up", "wave"} else 0
    pen.poly([(-18, 46), (-34, 24 + lift), (-16, 16)], lighten(coat, -0.15))
    pen.poly([(18, 46), (34, 24 + lift), (16, 16)], lighten(coat, -0.15))
    _clothes_on_body(pen, look, 58, 20, 46)
    pen.ellipse(2, 72, 19, 18, coat)
    if "penguin" in extras:
        pen.ellipse(6, 70, 13, 12, belly, line=False)
    if "comb" in extras:
        for i in range(3):
            pen.ellipse(-4 + i * 5, 92, 3.5, 4.5, (220, 60, 60))
    if "crest" in extras:
        for i in range(3):
            pen.poly([(-6 + i * 4, 86), (-14 + i * 6, 104), (-2 + i * 4, 88)], look.cloth_colour)
    _eyes(pen, 7, 75, 6.5, 3.0, pose)
    _cheeks(pen, 7, 68, 11)
    if "flatbeak" in extras:
        pen.ellipse(20, 70, 9, 4, BEAK)
    else:
        pen.poly([(17, 74), (30, 69), (17, 64)], BEAK)
    _marks(pen, look, 7, 72)
    _hat(pen, look, 88, 15)
    if look.cloth == "bow":
        _head_bow(pen, look, 10, 88)


def _owl(pen: Pen, look: Appearance, pose: Pose) -> None:
    coat, belly = look.coat, look.belly
    _back_clothes(pen, look, 26, 50)
    for side in (-1, 1):
        pen.line([(side * 8, 2), (side * 8, 8)], BEAK, 2.4)
        pen.poly([(side * 12, 90), (side * 24, 108), (side * 26, 84)], coat)
    pen.ellipse(0, 46, 30, 44, coat)
    pen.ellipse(0, 30, 19, 24, belly, line=False)
    for row, y in enumerate((20, 30, 40)):
        for i in range(3 - row % 2):
            pen.arc(-8 + i * 8 + (row % 2) * 4, y, 3, 20, 160, lighten(coat, -0.2), 1.0)
    lift = 18 if pose.arms in {"up", "wave"} else 0
    for side in (-1, 1):
        pen.ellipse(side * 27, 40 + lift / 2, 8, 20, lighten(coat, -0.18))
    _clothes_on_body(pen, look, 56, 22, 52)
    for side in (-1, 1):
        pen.ellipse(side * 11, 70, 11, 11, (250, 246, 230))
    _eyes(pen, 0, 70, 11, 4.4, pose)
    pen.poly([(-4, 64), (4, 64), (0, 56)], BEAK)
    _marks(pen, look, 0, 72)
    _hat(pen, look, 88, 18)


def _fish(pen: Pen, look: Appearance, pose: Pose) -> None:
    whale = "whale" in look.kind.extras
    y = 40 + pose.hop
    length = 44 if whale else 34
    pen.poly(
        [(-length + 6, y), (-length - 16, y + 18), (-length - 16, y - 18)],
        lighten(look.coat, -0.15),
    )
    pen.poly([(-6, y + 18), (8, y + 30), (12, y + 14)], lighten(look.coat, -0.15))
    pen.ellipse(0, y, length, 22 if whale else 20, look.coat)
    pen.ellipse(6, y - 8, length * 0.75, 10, look.belly, line=False)
    if not whale:
        for i in range(3):
            pen.arc(-14 + i * 9, y, 9, 300, 60, lighten(look.coat, -0.2), 1.2)
    _eyes(pen, length * 0.5, y + 5, 0, 3.6, pose)
    pen.arc(length * 0.72, y - 2, 5, 30, 150, INK, 1.4)
    _cheeks(pen, length * 0.55, y - 5, 0)
    _marks(pen, look, length * 0.4, y + 4)
    _hat(pen, look, y + 19, 12)
    if look.cloth == "bow":
        _head_bow(pen, look, length * 0.3, y + 20)


def _turtle(pen: Pen, look: Appearance, pose: Pose) -> None:
    skin = look.belly
    for dx in (-20, 16):
        pen.ellipse(dx, 6, 8, 7, skin)
    pen.ellipse(34, 28, 13, 12, skin)
    pen.poly([(-40, 12), (40, 12), (34, 30), (18, 44), (-18, 44), (-34, 30)], look.coat)
    pen.ellipse(0, 26, 36, 24, look.coat)
    for dx, dy in ((-14, 30), (0, 36), (14, 30), (-7, 20), (8, 20)):
        pen.ellipse(dx, dy, 6, 5, lighten(look.coat, -0.15))
    pen.ellipse(0, 12, 40, 4, lighten(look.coat, -0.25))
    face = Pen(pen.draw, pen.x, pen.y, pen.u, pen.facing, pen.light)
    _eyes(face, 38, 31, 0, 2.6, pose)
    _smile(face, 41, 25, 3, pose)
    _hat(pen, look, 38, 9)
    if look.cloth == "scarf":
        pen.ellipse(26, 24, 4, 10, look.cloth_colour)


def _octopus(pen: Pen, look: Appearance, pose: Pose) -> None:
    for i in range(6):
        x = -22 + i * 9
        wave = 6 if i % 2 else -6
        pen.line([(x, 26), (x + wave, 14), (x - wave * 0.5, 4)], lighten(look.coat, -0.08), 6)
    pen.ellipse(0, 42, 28, 30, look.coat)
    pen.ellipse(-10, 56, 6, 4, lighten(look.coat, 0.3), line=False)
    _eyes(pen, 4, 40, 9, 3.6, pose)
    _cheeks(pen, 4, 33, 14)
    _smile(pen, 4, 30, 4.5, pose)
    _marks(pen, look, 4, 40)
    _hat(pen, look, 68, 18)
    if look.cloth == "bow":
        _head_bow(pen, look, 14, 66)


def _robot(pen: Pen, look: Appearance, pose: Pose) -> None:
    metal = look.coat
    for side in (-1, 1):
        pen.poly(
            [(side * 6, 14), (side * 16, 14), (side * 16, 0), (side * 6, 0)], lighten(metal, -0.2)
        )
    _back_clothes(pen, look, 24, 50)
    pen.poly([(-22, 52), (22, 52), (24, 12), (-24, 12)], metal)
    pen.poly([(-12, 44), (12, 44), (12, 24), (-12, 24)], look.belly)
    for i, c in enumerate(((240, 90, 80), (250, 212, 70), (110, 200, 120))):
        pen.ellipse(-6 + i * 6, 34, 2.2, 2.2, c)
    _arms(pen, (24, 46), metal, 18, 5, pose)
    _clothes_on_body(pen, look, 54, 22, 52)
    pen.line([(0, 80), (0, 92)], lighten(metal, -0.3), 1.6)
    pen.ellipse(0, 94, 3.6, 3.6, look.cloth_colour)
    pen.poly([(-20, 80), (20, 80), (20, 56), (-20, 56)], lighten(metal, 0.1))
    for side in (-1, 1):
        pen.ellipse(4 + side * 8, 70, 5, 5, (250, 250, 240))
        pen.ellipse(5 + side * 8, 70, 2.6, 2.6, INK, line=False)
    pen.arc(4, 64, 5, 30, 150, INK, 1.5)
    _marks(pen, look, 4, 68)
    _hat(pen, look, 80, 18)


def _human(pen: Pen, look: Appearance, pose: Pose) -> None:
    skin, cloth, hair = look.coat, look.cloth_colour, look.hair
    dress = look.cloth == "dress"
    for side in (-1, 1):
        pen.line([(side * 7, 5), (side * 7, 26)], skin if dress else lighten(cloth, -0.3), 6)
        pen.ellipse(side * 7 + 2, 3, 6, 3.5, (90, 60, 50))
    if look.hair_style in {"long", "straight", "wavy"}:
        pen.ellipse(0, 66, 22, 24, hair)
    if dress:
        pen.poly([(-12, 54), (12, 54), (22, 18), (-22, 18)], cloth)
    else:
        pen.poly([(-15, 54), (15, 54), (17, 22), (-17, 22)], cloth)
        if look.cloth in {"dungarees", "overalls"}:
            pen.poly([(-10, 44), (10, 44), (12, 22), (-12, 22)], lighten(cloth, -0.25))
    _arms(pen, (15, 50), skin, 20, 5.4, pose)
    pen.ellipse(0, 70, 19, 19, skin)
    _hair(pen, look, hair)
    _eyes(pen, 4, 70, 7, 3.0, pose)
    _cheeks(pen, 4, 64, 11)
    pen.ellipse(5, 66, 1.6, 1.3, lighten(skin, -0.25), line=False)
    _smile(pen, 4, 60, 4, pose)
    if "glasses" in look.wears:
        for side in (-1, 1):
            pen.arc(4 + side * 7, 70, 5.5, 0, 360, INK, 1.0)
    if "freckles" in look.wears:
        for dx in (-9, -6, 12, 15):
            pen.ellipse(dx, 65, 0.9, 0.9, lighten(skin, -0.35), line=False)
    if "star" in look.wears or "sticker" in look.wears:
        _star(pen, -8, 63, 4, look.mark_colour)
    if "bow" in look.wears:
        _head_bow(pen, look, -10, 88)
    _hat(pen, look, 86, 16)


def _hair(pen: Pen, look: Appearance, hair: RGB) -> None:
    style = look.hair_style
    if style in {"curly", "fluffy"}:
        for i in range(9):
            a = math.radians(10 + i * 20)
            pen.ellipse(math.cos(a) * 18, 72 + math.sin(a) * 16, 8, 8, hair)
    else:
        pen.poly(
            [
                (-20, 70),
                (-18, 84),
                (-8, 91),
                (8, 91),
                (18, 84),
                (20, 72),
                (10, 80),
                (-4, 82),
                (-14, 76),
            ],
            hair,
        )
        if style == "spiky":
            for dx in (-10, 0, 10):
                pen.poly([(dx - 5, 88), (dx + 5, 88), (dx, 98)], hair)


def _insect(pen: Pen, look: Appearance, pose: Pose) -> None:
    extras = set(look.kind.extras)
    coat, dark = look.coat, lighten(look.coat, -0.35)
    if "wings" in extras:
        lift = 10 if pose.arms in {"up", "wave"} else 0
        for side in (-1, 1):
            wing = lighten(coat, 0.25)
            pen.ellipse(side * 20 - 6, 44 + lift, 18, 24, wing)
            pen.ellipse(side * 14 - 4, 24 + lift / 2, 12, 14, lighten(wing, 0.15))
    for i in range(3):
        x = -12 + i * 12
        pen.line([(x, 16), (x - 4, 4)], dark, 1.6)
    pen.ellipse(-16, 24, 16, 12, coat)
    pen.ellipse(0, 28, 14, 16, coat)
    if "stripes" in extras:
        for dx in (-20, -10, 2):
            pen.line([(dx, 16), (dx, 34)], INK, 2.2)
    if "spots" in extras:
        for dx, dy in ((-18, 28), (-6, 22), (2, 34)):
            pen.ellipse(dx, dy, 3, 3, INK, line=False)
    pen.ellipse(16, 40, 13, 13, lighten(coat, 0.1))
    for side in (-1, 1):
        pen.line([(18 + side * 4, 50), (22 + side * 8, 64)], dark, 1.2)
        pen.ellipse(22 + side * 8, 65, 2.2, 2.2, dark)
    _eyes(pen, 20, 42, 5, 2.6, pose)
    _smile(pen, 21, 36, 3, pose)
    _hat(pen, look, 52, 10)


def _vehicle(pen: Pen, look: Appearance, pose: Pose) -> None:
    extras = set(look.kind.extras)
    if "balloon" in extras:
        _balloon(pen, look, pose)
        return
    if "fins" in extras:
        _rocket_figure(pen, look, pose)
        return
    paint, window = look.coat, lighten(look.belly, 0.2)
    if "sail" in extras:
        pen.line([(0, 30), (0, 90)], (120, 90, 60), 2)
        pen.poly([(2, 88), (2, 36), (30, 36)], (250, 248, 242))
    if "hull" in extras:
        pen.poly([(-40, 30), (40, 30), (30, 6), (-30, 6)], paint)
        pen.poly([(-18, 30), (18, 30), (18, 48), (-18, 48)], lighten(paint, 0.3))
        _eyes(pen, 2, 40, 7, 2.8, pose)
        _smile(pen, 2, 16, 5, pose)
        return
    for dx in (-24, 24):
        pen.ellipse(dx, 8, 9, 9, (60, 60, 70))
        pen.ellipse(dx, 8, 3.5, 3.5, (200, 200, 210), line=False)
    pen.poly([(-40, 16), (40, 16), (40, 44), (-40, 44)], paint)
    pen.poly([(-30, 44), (20, 44), (16, 66), (-26, 66)], paint)
    pen.poly([(-22, 48), (12, 48), (10, 62), (-20, 62)], window)
    _eyes(pen, 28, 34, 6, 2.8, pose)
    _smile(pen, 30, 24, 4, pose)
    pen.ellipse(38, 22, 3, 3, (255, 236, 150))


def _balloon(pen: Pen, look: Appearance, pose: Pose) -> None:
    pen.poly([(-10, 14), (10, 14), (8, 0), (-8, 0)], (170, 120, 70))
    for side in (-1, 1):
        pen.line([(side * 9, 14), (side * 20, 36)], (120, 90, 60), 0.8)
    pen.ellipse(0, 62, 30, 32, look.coat)
    pen.arc(0, 62, 30, 60, 120, look.belly, 3)
    pen.poly([(-4, 94), (4, 94), (0, 30)], lighten(look.coat, 0.3), line=False)
    _eyes(pen, 2, 66, 9, 3.4, pose)
    _smile(pen, 2, 56, 5, pose)


def _rocket_figure(pen: Pen, look: Appearance, pose: Pose) -> None:
    paint = look.coat
    for side in (-1, 1):
        pen.poly([(side * 14, 30), (side * 26, 6), (side * 12, 8)], look.cloth_colour)
    pen.ellipse(0, 48, 16, 40, paint)
    pen.poly([(-10, 80), (10, 80), (0, 100)], look.cloth_colour)
    pen.ellipse(0, 58, 8, 8, lighten(look.belly, 0.3))
    _eyes(pen, 0, 58, 4, 2.0, pose)
    _smile(pen, 0, 38, 4, pose)


def _object(pen: Pen, look: Appearance, pose: Pose) -> None:
    body = look.coat
    for side in (-1, 1):
        pen.line([(side * 10, 12), (side * 12, 0)], lighten(body, -0.35), 2.4)
    pen.ellipse(0, 40, 28, 30, body)
    pen.ellipse(0, 66, 18, 6, lighten(body, -0.12))
    pen.ellipse(0, 72, 5, 4, look.belly)
    pen.arc(30, 42, 10, 270, 90, lighten(body, -0.2), 3)
    _arms(pen, (24, 44), lighten(body, -0.2), 14, 3, pose)
    _eyes(pen, 4, 46, 8, 3.0, pose)
    _cheeks(pen, 4, 38, 12)
    _smile(pen, 4, 34, 5, pose)
    _marks(pen, look, 4, 46)
    _hat(pen, look, 74, 14)


_PLANS: dict[str, Callable[[Pen, Appearance, Pose], None]] = {
    "critter": _critter,
    "bird": _bird,
    "owl": _owl,
    "fish": _fish,
    "turtle": _turtle,
    "octopus": _octopus,
    "robot": _robot,
    "human": _human,
    "insect": _insect,
    "vehicle": _vehicle,
    "object": _object,
}

"""The offline painter: picture-book illustrations made with Pillow, no network.

`paint_scene` is a pure function (text in, PNG bytes out) meant to run in an
executor. It reads the setting and the time of day from the scene, the colours
from the style guide, and draws each character from its own description only.
What it reads and the colours of the times of day are in painter.toml; each
world of worlds.toml names the backdrop painted behind it.
"""

from __future__ import annotations

import io
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from studio.core.book import Character, StyleGuide
from studio.core.offline.appearance import appearance_of
from studio.core.offline.data import OfflineData, SkyTime, offline_data
from studio.core.offline.figures import Pose, draw_figure
from studio.core.offline.lexicon import RGB, colours_in, detect_setting, lighten, mix, worlds

SUPERSAMPLE = 2
MAX_SIDE = 4096
Draw = ImageDraw.ImageDraw


@dataclass(frozen=True)
class SceneSpec:
    """What a scene text asks for, as far as the painter understands it."""

    setting: str
    time: str
    underwater: bool
    rain: bool
    storm: bool
    snow: bool
    lantern: bool
    home: bool
    shot: str  # close, medium, wide
    mood: str


@cache
def _cues(data: OfflineData) -> dict[str, re.Pattern[str]]:
    cues = data.painter.cues
    return {name: getattr(cues, name).pattern() for name in type(cues).model_fields}


def _times() -> dict[str, SkyTime]:
    return offline_data().painter.times


def backdrop_of(setting: str) -> str:
    """The landscape the painter paints for a world (worlds.toml, backdrop)."""
    table = worlds()
    world = table.get(setting) or table[offline_data().worlds.default]
    return world.backdrop


def read_scene(scene: str) -> SceneSpec:
    """Find the setting, time of day, weather and framing a scene text describes."""
    text = scene.lower()
    setting = detect_setting(scene)
    backdrop = backdrop_of(setting)
    cues = _cues(offline_data())

    def says(cue: str) -> bool:
        return bool(cues[cue].search(text))

    return SceneSpec(
        setting=setting,
        time=_time_of_day(text, backdrop),
        underwater=says("underwater"),
        rain=says("rain"),
        storm=says("storm"),
        snow=backdrop == "snow" or says("snow"),
        lantern=says("lantern"),
        home=says("home"),
        shot="close" if says("close") else "wide" if says("wide") else "medium",
        mood="sad" if says("sad") else "wonder" if says("wonder") else "happy",
    )


def _time_of_day(text: str, backdrop: str) -> str:
    best, where = "day", len(text) + 1
    for time, sky in _times().items():
        for word in sky.words:
            match = re.search(rf"\b{re.escape(word)}\b", text)
            if match and match.start() < where:
                best, where = time, match.start()
    return "night" if backdrop == "space" and best == "day" else best


def parse_size(size: str) -> tuple[int, int]:
    """ "1536x1024" -> (1536, 1024); anything unreadable gives 1024x1024."""
    match = re.fullmatch(r"\s*(\d{2,5})\s*[xX×]\s*(\d{2,5})\s*", size or "")
    if not match:
        return 1024, 1024
    w, h = int(match.group(1)), int(match.group(2))
    return max(64, min(MAX_SIDE, w)), max(64, min(MAX_SIDE, h))


def paint_scene(
    scene: str,
    style: StyleGuide | None,
    characters: Sequence[Character],
    size: str = "1024x1024",
    seed: int = 0,
) -> bytes:
    """Paint one illustration and return it as PNG bytes."""
    return paint_with_preview(scene, style, characters, size, seed)[0]


def paint_with_preview(
    scene: str,
    style: StyleGuide | None,
    characters: Sequence[Character],
    size: str = "1024x1024",
    seed: int = 0,
) -> tuple[bytes, bytes]:
    """Paint one illustration; return (PNG, small blurred PNG preview)."""
    image = paint_image(scene, style, characters, size, seed)
    preview = image.resize(
        (max(1, image.width // 8), max(1, image.height // 8)), Image.Resampling.BILINEAR
    )
    preview = preview.filter(ImageFilter.GaussianBlur(2))
    return _png(image), _png(preview)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def paint_image(
    scene: str,
    style: StyleGuide | None,
    characters: Sequence[Character],
    size: str = "1024x1024",
    seed: int = 0,
) -> Image.Image:
    """Paint one illustration as a Pillow image of exactly `size`."""
    width, height = parse_size(size)
    spec = read_scene(scene)
    rng = random.Random(f"{seed}|{scene}")
    canvas = _Canvas(width * SUPERSAMPLE, height * SUPERSAMPLE, spec, style, rng)
    canvas.paint_background()
    canvas.paint_characters(characters, seed)
    canvas.paint_weather()
    image = canvas.image.reduce(SUPERSAMPLE) if SUPERSAMPLE > 1 else canvas.image
    return _finish(image, style, spec)


# --- The canvas ----------------------------------------------------------------------


class _Canvas:
    def __init__(
        self, w: int, h: int, spec: SceneSpec, style: StyleGuide | None, rng: random.Random
    ) -> None:
        self.w, self.h, self.spec, self.rng = w, h, spec, rng
        self.backdrop = backdrop_of(spec.setting)
        self.image = Image.new("RGB", (w, h))
        self.draw = ImageDraw.Draw(self.image, "RGBA")
        self.palette = [rgb for _, rgb in colours_in(style.palette if style else "")] or list(
            offline_data().painter.default_palette
        )
        self.time = spec.time
        self.sky: SkyTime = _times()[spec.time]
        tone, amount = self.sky.light, self.sky.light_amount
        self.light: Callable[[RGB], RGB] = lambda c: mix(c, tone, amount)
        self.figure_light: Callable[[RGB], RGB] = lambda c: mix(c, tone, amount * 0.55)
        self.horizon = self.h * (
            0.5 if self.backdrop == "sea" else 0.6 if spec.shot != "close" else 0.55
        )
        self.ground = self.h * 0.86

    # Background -----------------------------------------------------------------------

    def paint_background(self) -> None:
        if self.spec.underwater:
            _underwater(self)
            return
        top, bottom = self.sky.sky
        if self.backdrop == "space":
            top, bottom = (10, 8, 32), (46, 28, 84)
        if self.spec.storm:
            top, bottom = mix(top, (70, 74, 90), 0.6), mix(bottom, (120, 124, 140), 0.6)
        self.gradient(0, self.horizon + self.h * 0.1, top, bottom)
        self.draw.rectangle((0, self.horizon + self.h * 0.1, self.w, self.h), fill=bottom)
        self.sky_lights()
        _SETTINGS.get(self.backdrop, _meadow)(self)
        if self.spec.home:
            _home(self)

    def gradient(self, y0: float, y1: float, top: RGB, bottom: RGB) -> None:
        height = max(1, round(y1 - y0))
        mask = Image.linear_gradient("L").resize((self.w, height))
        band = Image.composite(
            Image.new("RGB", mask.size, bottom), Image.new("RGB", mask.size, top), mask
        )
        self.image.paste(band, (0, round(y0)))

    def sky_lights(self) -> None:
        rng, w, h = self.rng, self.w, self.h
        space = self.backdrop == "space"
        night = self.time in {"night", "dusk"} or space
        if night:
            count = 160 if self.time == "night" or space else 40
            for _ in range(count):
                x, y, r = (
                    rng.uniform(0, w),
                    rng.uniform(0, self.horizon * 0.95),
                    rng.uniform(0.002, 0.005) * w,
                )
                alpha = rng.randint(120, 255)
                self.draw.ellipse(
                    (x - r / 2, y - r / 2, x + r / 2, y + r / 2), fill=(255, 250, 220, alpha)
                )
            for _ in range(4):
                _twinkle(
                    self.draw, rng.uniform(0, w), rng.uniform(0, self.horizon * 0.7), w * 0.012
                )
            if not space:
                self.moon(rng.uniform(0.62, 0.85) * w, rng.uniform(0.1, 0.2) * h, w * 0.06)
        elif not self.spec.storm and self.sky.sun is not None:
            low = self.sky.low_sun
            y = self.horizon * (0.62 if low else 0.2)
            self.glow(rng.uniform(0.68, 0.86) * w, y, w * (0.09 if low else 0.06), self.sky.sun)
        if not space:
            self.clouds(3 if not self.spec.storm else 6)

    def moon(self, x: float, y: float, r: float) -> None:
        self.glow(x, y, r, (250, 244, 214))
        shade = self.image.getpixel(
            (round(min(self.w - 1, x + r * 0.9)), round(max(0, y - r * 0.9)))
        )
        sky = shade if isinstance(shade, tuple) else (20, 24, 60)
        self.draw.ellipse(
            (x - r * 0.35, y - r * 1.05, x + r * 1.35, y + r * 0.65), fill=(*sky[:3], 255)
        )

    def glow(self, x: float, y: float, r: float, colour: RGB, core: bool = True) -> None:
        halo(self.image, x, y, r * 2.6, colour, 110)
        if core:
            self.draw.ellipse((x - r, y - r, x + r, y + r), fill=(*colour, 255))

    def clouds(self, count: int) -> None:
        rng = self.rng
        colour, alpha = self.sky.clouds, self.sky.cloud_alpha
        if self.spec.storm:
            colour, alpha = (96, 98, 116), 240
        for _ in range(count):
            cx, cy = rng.uniform(0.05, 0.95) * self.w, rng.uniform(0.08, 0.32) * self.h
            size = rng.uniform(0.05, 0.09) * self.w
            for i in range(5):
                dx = (i - 2) * size * 0.55
                r = size * (1.0 - abs(i - 2) * 0.22)
                self.draw.ellipse(
                    (cx + dx - r, cy - r * 0.7, cx + dx + r, cy + r * 0.5), fill=(*colour, alpha)
                )

    def hills(self, y: float, colour: RGB, bumps: int, height: float) -> None:
        rng = self.rng
        step = self.w / bumps
        for i in range(-1, bumps + 1):
            cx = i * step + rng.uniform(-0.3, 0.3) * step
            rx, ry = step * rng.uniform(0.8, 1.2), height * rng.uniform(0.7, 1.1)
            self.draw.ellipse((cx - rx, y - ry, cx + rx, y + ry), fill=self.light(colour))
        self.draw.rectangle((0, y, self.w, self.h), fill=self.light(colour))

    def ground_band(self, y: float, top: RGB, bottom: RGB) -> None:
        self.gradient(y, self.h, self.light(top), self.light(bottom))

    # Characters -------------------------------------------------------------------------

    def paint_characters(self, characters: Sequence[Character], seed: int) -> None:
        people = list(characters)[:5]
        if not people:
            return
        scale = {"close": 0.44, "medium": 0.33, "wide": 0.25}[self.spec.shot]
        height = self.h * scale * (0.92 if len(people) >= 3 else 1.0)
        slots = _positions(len(people), random.Random(seed))
        if self.spec.lantern:
            _lantern(
                self,
                self.w * slots[0] + (height * 0.4 if slots[0] < 0.5 else -height * 0.4),
                self.ground - height * 0.55,
                height * 0.12,
            )
        for i, (person, x) in enumerate(zip(people, slots, strict=False)):
            pose = _pose(self.spec, random.Random(f"{seed}|{person.name}"), x)
            depth = 0.015 * self.h * (i % 2)
            draw_figure(
                self.draw,
                appearance_of(person.description),
                x * self.w,
                self.ground - depth,
                height * (1 - 0.04 * (i % 2)),
                pose,
                self.figure_light,
            )

    def paint_weather(self) -> None:
        rng = self.rng
        if self.spec.rain:
            for _ in range(260):
                x, y = rng.uniform(0, self.w), rng.uniform(0, self.h)
                length = self.h * rng.uniform(0.02, 0.04)
                self.draw.line(
                    (x, y, x - length * 0.25, y + length),
                    fill=(210, 225, 245, 150),
                    width=max(1, self.w // 700),
                )
        if self.spec.snow:
            for _ in range(140):
                x, y, r = (
                    rng.uniform(0, self.w),
                    rng.uniform(0, self.h),
                    rng.uniform(0.002, 0.006) * self.w,
                )
                self.draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, 210))


def _positions(n: int, rng: random.Random) -> list[float]:
    if n == 1:
        return [rng.uniform(0.4, 0.6)]
    span = min(0.7, 0.24 * n)
    start = 0.5 - span / 2 + rng.uniform(-0.06, 0.06)
    return [start + span * i / (n - 1) for i in range(n)]


def _pose(spec: SceneSpec, rng: random.Random, x: float) -> Pose:
    arms = rng.choice(("down", "wave", "down", "up")) if spec.mood == "happy" else "down"
    if spec.mood == "happy" and rng.random() < 0.2:
        arms = "up"
    return Pose(
        facing=1 if x < 0.5 else -1, arms=arms, mood=spec.mood, hop=rng.choice((0.0, 0.0, 0.0, 6.0))
    )


def _twinkle(draw: Draw, x: float, y: float, r: float) -> None:
    draw.polygon(
        [
            (x, y - r),
            (x + r * 0.25, y - r * 0.25),
            (x + r, y),
            (x + r * 0.25, y + r * 0.25),
            (x, y + r),
            (x - r * 0.25, y + r * 0.25),
            (x - r, y),
            (x - r * 0.25, y - r * 0.25),
        ],
        fill=(255, 248, 200, 230),
    )


def halo(image: Image.Image, x: float, y: float, r: float, colour: RGB, strength: int) -> None:
    """A soft round glow: full `strength` alpha at the centre, fading to nothing at `r`."""
    size = max(2, round(r * 2))
    mask = Image.radial_gradient("L").resize((size, size), Image.Resampling.BILINEAR)
    mask = mask.point(lambda v: max(0, 128 - v) * strength // 128)
    image.paste(Image.new("RGB", (size, size), colour), (round(x - r), round(y - r)), mask)


def _lantern(c: _Canvas, x: float, y: float, r: float) -> None:
    halo(c.image, x, y, r * 5, (255, 220, 130), 150)
    c.draw.line((x, y - r * 1.6, x, y - r * 0.9), fill=(70, 60, 60), width=max(2, round(r * 0.12)))
    c.draw.rounded_rectangle(
        (x - r * 0.6, y - r * 0.9, x + r * 0.6, y + r * 0.8),
        radius=r * 0.2,
        fill=(255, 214, 120),
        outline=(90, 70, 60),
        width=max(2, round(r * 0.12)),
    )


# --- Settings --------------------------------------------------------------------------


def _tree(c: _Canvas, x: float, base: float, size: float, leaf: RGB) -> None:
    trunk = c.light((120, 84, 58))
    c.draw.rectangle((x - size * 0.09, base - size * 0.9, x + size * 0.09, base), fill=trunk)
    for dx, dy, r in ((0, 1.05, 0.42), (-0.28, 0.85, 0.32), (0.28, 0.85, 0.32), (0, 0.75, 0.3)):
        cx, cy, rr = x + dx * size, base - dy * size, r * size
        c.draw.ellipse(
            (cx - rr, cy - rr, cx + rr, cy + rr), fill=c.light(lighten(leaf, dy * 0.08 - 0.05))
        )


def _pine(c: _Canvas, x: float, base: float, size: float, leaf: RGB, snow: bool = False) -> None:
    if base >= c.ground:
        c.draw.rectangle(
            (x - size * 0.05, base - size * 0.2, x + size * 0.05, base), fill=c.light((100, 70, 50))
        )
    for i in range(3):
        top = base - size * (0.55 + i * 0.28)
        half = size * (0.32 - i * 0.07)
        bottom = base - size * (0.15 + i * 0.28)
        c.draw.polygon(
            [(x, top - size * 0.15), (x + half, bottom), (x - half, bottom)], fill=c.light(leaf)
        )
        if snow:
            c.draw.polygon(
                [
                    (x, top - size * 0.15),
                    (x + half * 0.45, top + size * 0.05),
                    (x - half * 0.45, top + size * 0.05),
                ],
                fill=c.light((248, 250, 255)),
            )


def _flowers(c: _Canvas, y0: float, y1: float, count: int) -> None:
    for _ in range(count):
        x, y = c.rng.uniform(0, c.w), c.rng.uniform(y0, y1)
        r = c.w * c.rng.uniform(0.004, 0.008)
        colour = c.light(c.rng.choice([*c.palette, (255, 255, 255), (250, 210, 90)]))
        for a in range(5):
            ang = a * math.tau / 5
            px, py = x + math.cos(ang) * r, y + math.sin(ang) * r
            c.draw.ellipse((px - r * 0.7, py - r * 0.7, px + r * 0.7, py + r * 0.7), fill=colour)
        c.draw.ellipse(
            (x - r * 0.5, y - r * 0.5, x + r * 0.5, y + r * 0.5), fill=c.light((250, 200, 60))
        )


def _grass(c: _Canvas, y0: float, y1: float, colour: RGB, count: int) -> None:
    for _ in range(count):
        x, y = c.rng.uniform(0, c.w), c.rng.uniform(y0, y1)
        h = c.h * c.rng.uniform(0.012, 0.025)
        c.draw.line((x, y, x - h * 0.2, y - h), fill=c.light(colour), width=max(2, c.w // 500))
        c.draw.line(
            (x, y, x + h * 0.25, y - h * 0.9), fill=c.light(colour), width=max(2, c.w // 500)
        )


def _meadow(c: _Canvas) -> None:
    c.hills(c.horizon, (150, 196, 120), 3, c.h * 0.09)
    c.hills(c.horizon + c.h * 0.08, (120, 182, 96), 4, c.h * 0.06)
    _tree(c, c.w * c.rng.choice((0.1, 0.88)), c.horizon + c.h * 0.08, c.h * 0.3, (96, 160, 80))
    c.ground_band(c.horizon + c.h * 0.14, (112, 176, 88), (84, 148, 70))
    _flowers(c, c.horizon + c.h * 0.12, c.h, 70)
    _grass(c, c.horizon + c.h * 0.15, c.h, (70, 130, 60), 90)


def _forest(c: _Canvas) -> None:
    c.hills(c.horizon, (96, 140, 110), 4, c.h * 0.08)
    for i in range(14):
        x = c.w * (i / 13) + c.rng.uniform(-0.03, 0.03) * c.w
        _pine(
            c,
            x,
            c.horizon + c.h * 0.05,
            c.h * c.rng.uniform(0.22, 0.3),
            mix((50, 104, 78), (96, 140, 110), 0.4),
        )
    c.ground_band(c.horizon + c.h * 0.04, (104, 150, 84), (74, 118, 62))
    for x in (c.rng.uniform(0.0, 0.06), c.rng.uniform(0.94, 1.0)):
        _tree(c, c.w * x, c.h * 1.02, c.h * 0.5, (70, 138, 72))
    for _ in range(5):
        _mushroom(c, c.rng.uniform(0.05, 0.95) * c.w, c.rng.uniform(c.horizon + c.h * 0.15, c.h))
    _grass(c, c.horizon + c.h * 0.1, c.h, (60, 110, 54), 80)


def _mushroom(c: _Canvas, x: float, y: float) -> None:
    r = c.h * 0.018
    c.draw.rectangle((x - r * 0.35, y - r * 1.2, x + r * 0.35, y), fill=c.light((245, 236, 214)))
    c.draw.pieslice((x - r, y - r * 2.2, x + r, y - r * 0.4), 180, 360, fill=c.light((214, 66, 56)))
    for dx in (-0.5, 0.1, 0.45):
        c.draw.ellipse(
            (x + dx * r - r * 0.14, y - r * 1.75, x + dx * r + r * 0.14, y - r * 1.47),
            fill=c.light((255, 255, 255)),
        )


def _sea(c: _Canvas) -> None:
    c.gradient(c.horizon, c.h * 0.9, c.light((70, 170, 200)), c.light((40, 110, 160)))
    for row in range(7):
        y = c.horizon + (row + 0.6) * c.h * 0.035
        for i in range(12):
            x = c.w * (i + c.rng.random()) / 11
            r = c.w * 0.02
            c.draw.arc(
                (x - r, y - r * 0.5, x + r, y + r * 0.5),
                200,
                340,
                fill=(240, 250, 255, 160),
                width=max(2, c.w // 600),
            )
    _boat(c, c.w * c.rng.uniform(0.15, 0.4), c.horizon + c.h * 0.02, c.h * 0.06)
    sand_top = c.h * 0.74
    c.draw.ellipse(
        (-c.w * 0.3, sand_top, c.w * 1.3, sand_top + c.h * 0.5), fill=c.light((236, 212, 160))
    )
    c.draw.ellipse(
        (-c.w * 0.3, sand_top - c.h * 0.01, c.w * 1.3, sand_top + c.h * 0.02),
        fill=(255, 255, 255, 120),
    )
    for _ in range(8):
        x, y = c.rng.uniform(0, c.w), c.rng.uniform(sand_top + c.h * 0.06, c.h)
        r = c.h * 0.01
        c.draw.pieslice(
            (x - r, y - r, x + r, y + r), 180, 360, fill=c.light(c.rng.choice(c.palette))
        )


def _boat(c: _Canvas, x: float, y: float, s: float) -> None:
    c.draw.polygon(
        [(x - s, y), (x + s, y), (x + s * 0.7, y + s * 0.35), (x - s * 0.7, y + s * 0.35)],
        fill=c.light((200, 70, 60)),
    )
    c.draw.line((x, y, x, y - s * 1.3), fill=c.light((90, 70, 60)), width=max(2, round(s * 0.06)))
    c.draw.polygon(
        [(x + s * 0.05, y - s * 1.25), (x + s * 0.8, y - s * 0.1), (x + s * 0.05, y - s * 0.1)],
        fill=c.light((250, 250, 245)),
    )


def _underwater(c: _Canvas) -> None:
    c.gradient(0, c.h, c.light((90, 190, 214)), c.light((22, 74, 130)))
    for _ in range(5):
        x = c.rng.uniform(0, c.w)
        c.draw.polygon(
            [(x, 0), (x + c.w * 0.08, 0), (x + c.w * 0.22, c.h), (x + c.w * 0.12, c.h)],
            fill=(255, 255, 255, 22),
        )
    c.draw.ellipse((-c.w * 0.2, c.h * 0.84, c.w * 1.2, c.h * 1.3), fill=c.light((214, 196, 150)))
    for _ in range(9):
        x = c.rng.uniform(0, c.w)
        colour = c.light(c.rng.choice(((60, 150, 90), (90, 170, 110), (200, 110, 150))))
        points = [
            (x + math.sin(i * 0.9) * c.w * 0.012, c.h * 0.9 - i * c.h * 0.04) for i in range(8)
        ]
        c.draw.line(points, fill=colour, width=max(4, c.w // 120), joint="curve")
    for _ in range(30):
        x, y, r = (
            c.rng.uniform(0, c.w),
            c.rng.uniform(0, c.h * 0.8),
            c.rng.uniform(0.003, 0.01) * c.w,
        )
        c.draw.ellipse(
            (x - r, y - r, x + r, y + r), outline=(230, 250, 255, 160), width=max(2, c.w // 800)
        )


def _city(c: _Canvas) -> None:
    night = c.time in {"night", "dusk"}
    for layer, (colour, low, high) in enumerate(
        (((150, 160, 190), 0.18, 0.34), ((190, 120, 100), 0.1, 0.26))
    ):
        x = -c.rng.uniform(0, 0.05) * c.w
        while x < c.w:
            bw = c.w * c.rng.uniform(0.08, 0.14)
            top = c.horizon - c.h * c.rng.uniform(low, high) + layer * c.h * 0.06
            shade = c.light(lighten(colour, c.rng.uniform(-0.12, 0.12)))
            c.draw.rectangle((x, top, x + bw, c.horizon + c.h * 0.1), fill=shade)
            _windows(c, x, top, bw, c.horizon + c.h * 0.08, night, layer)
            x += bw + c.w * 0.01
    c.ground_band(c.horizon + c.h * 0.1, (176, 176, 186), (140, 140, 154))
    c.draw.rectangle(
        (0, c.horizon + c.h * 0.1, c.w, c.horizon + c.h * 0.12), fill=c.light((120, 120, 134))
    )
    for x in (0.08, 0.92):
        _lamp(c, c.w * x, c.ground + c.h * 0.04, c.h * 0.36, night)


def _windows(
    c: _Canvas, x: float, top: float, bw: float, bottom: float, night: bool, layer: int
) -> None:
    size = bw * 0.16
    lit = (255, 220, 130)
    y = top + size
    while y < bottom - size * 2:
        for col in range(3):
            wx = x + bw * (0.15 + col * 0.3)
            on = night and c.rng.random() < 0.6
            colour = lit if on else c.light((220, 232, 245) if layer else (200, 210, 230))
            c.draw.rectangle((wx, y, wx + size, y + size * 1.3), fill=colour)
        y += size * 2.2


def _lamp(c: _Canvas, x: float, base: float, height: float, night: bool) -> None:
    c.draw.rectangle(
        (x - height * 0.015, base - height, x + height * 0.015, base), fill=c.light((60, 64, 80))
    )
    r = height * 0.06
    if night:
        halo(c.image, x, base - height, r * 4, (255, 220, 140), 130)
    c.draw.ellipse(
        (x - r, base - height - r, x + r, base - height + r),
        fill=(255, 226, 150) if night else c.light((240, 236, 210)),
    )


def _space(c: _Canvas) -> None:
    for slot in c.rng.sample(range(3), 2):
        x, y = (
            (0.18 + slot * 0.32 + c.rng.uniform(-0.05, 0.05)) * c.w,
            c.rng.uniform(0.1, 0.36) * c.h,
        )
        r = c.w * c.rng.uniform(0.03, 0.08)
        colour = c.rng.choice([*c.palette, (230, 140, 90), (120, 170, 240)])
        c.draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        c.draw.ellipse(
            (x - r * 0.9, y - r * 0.2, x + r * 0.9, y + r * 0.1), fill=(*lighten(colour, 0.25), 160)
        )
        if c.rng.random() < 0.5:
            c.draw.ellipse(
                (x - r * 1.7, y - r * 0.3, x + r * 1.7, y + r * 0.3),
                outline=(240, 220, 190, 220),
                width=max(3, round(r * 0.08)),
            )
    top = c.horizon + c.h * 0.06
    c.draw.ellipse((-c.w * 0.4, top, c.w * 1.4, top + c.h * 0.9), fill=(176, 170, 196))
    c.draw.rectangle((0, top + c.h * 0.2, c.w, c.h), fill=(176, 170, 196))
    for _ in range(9):
        x, y = c.rng.uniform(0, c.w), c.rng.uniform(top + c.h * 0.04, c.h)
        r = c.w * c.rng.uniform(0.015, 0.04)
        c.draw.ellipse((x - r, y - r * 0.35, x + r, y + r * 0.35), fill=(150, 142, 172))
        c.draw.ellipse((x - r * 0.8, y - r * 0.2, x + r * 0.8, y + r * 0.3), fill=(136, 128, 160))
    if c.rng.random() < 0.7:
        _rocket(c, c.w * c.rng.choice((0.1, 0.9)), top + c.h * 0.12, c.h * 0.22)


def _rocket(c: _Canvas, x: float, base: float, h: float) -> None:
    w = h * 0.2
    c.draw.polygon(
        [(x - w, base), (x - w * 1.8, base + h * 0.05), (x - w, base - h * 0.3)], fill=(220, 70, 70)
    )
    c.draw.polygon(
        [(x + w, base), (x + w * 1.8, base + h * 0.05), (x + w, base - h * 0.3)], fill=(220, 70, 70)
    )
    c.draw.rounded_rectangle(
        (x - w, base - h * 0.8, x + w, base), radius=w * 0.5, fill=(236, 236, 244)
    )
    c.draw.polygon(
        [(x - w, base - h * 0.75), (x + w, base - h * 0.75), (x, base - h)], fill=(220, 70, 70)
    )
    r = w * 0.5
    c.draw.ellipse(
        (x - r, base - h * 0.55 - r, x + r, base - h * 0.55 + r),
        fill=(120, 190, 240),
        outline=(90, 90, 110),
        width=max(2, round(r * 0.2)),
    )


def _farm(c: _Canvas) -> None:
    c.hills(c.horizon, (170, 200, 110), 3, c.h * 0.08)
    for i in range(4):
        y = c.horizon + c.h * (0.02 + i * 0.025)
        c.draw.line(
            (0, y, c.w, y + c.h * 0.01),
            fill=(*c.light((150, 180, 90)), 200),
            width=max(3, c.w // 300),
        )
    _barn(c, c.w * c.rng.choice((0.2, 0.8)), c.horizon + c.h * 0.08, c.h * 0.22)
    c.ground_band(c.horizon + c.h * 0.09, (140, 190, 96), (110, 160, 76))
    _fence(c, c.horizon + c.h * 0.16)
    _flowers(c, c.horizon + c.h * 0.18, c.h, 30)
    _grass(c, c.horizon + c.h * 0.18, c.h, (80, 130, 60), 70)


def _barn(c: _Canvas, x: float, base: float, s: float) -> None:
    red, white = c.light((190, 56, 50)), c.light((250, 246, 236))
    c.draw.rectangle((x - s * 0.6, base - s * 0.7, x + s * 0.6, base), fill=red)
    c.draw.polygon(
        [(x - s * 0.7, base - s * 0.68), (x, base - s * 1.15), (x + s * 0.7, base - s * 0.68)],
        fill=c.light((120, 50, 46)),
    )
    c.draw.rectangle((x - s * 0.2, base - s * 0.45, x + s * 0.2, base), fill=white)
    c.draw.line(
        (x - s * 0.2, base - s * 0.45, x + s * 0.2, base), fill=red, width=max(3, round(s * 0.04))
    )
    c.draw.line(
        (x + s * 0.2, base - s * 0.45, x - s * 0.2, base), fill=red, width=max(3, round(s * 0.04))
    )


def _fence(c: _Canvas, y: float) -> None:
    wood = c.light((200, 170, 130))
    post = c.h * 0.06
    width = max(3, c.w // 260)
    for i in range(13):
        x = c.w * i / 12
        c.draw.rectangle((x - width, y - post, x + width, y), fill=wood)
    for dy in (0.3, 0.7):
        c.draw.line((0, y - post * dy, c.w, y - post * dy), fill=wood, width=width)


def _snow(c: _Canvas) -> None:
    c.hills(c.horizon, (214, 226, 242), 3, c.h * 0.1)
    for i in range(9):
        x = c.w * (i / 8) + c.rng.uniform(-0.04, 0.04) * c.w
        _pine(
            c, x, c.horizon + c.h * 0.06, c.h * c.rng.uniform(0.16, 0.26), (60, 110, 96), snow=True
        )
    c.ground_band(c.horizon + c.h * 0.05, (240, 246, 255), (214, 226, 244))
    for x in (c.rng.uniform(0.03, 0.12), c.rng.uniform(0.88, 0.97)):
        _pine(c, c.w * x, c.ground + c.h * 0.08, c.h * 0.5, (50, 100, 86), snow=True)


def _desert(c: _Canvas) -> None:
    c.hills(c.horizon, (236, 190, 130), 3, c.h * 0.07)
    c.hills(c.horizon + c.h * 0.07, (242, 206, 146), 2, c.h * 0.06)
    c.ground_band(c.horizon + c.h * 0.1, (244, 214, 156), (230, 190, 130))
    for x in (c.rng.uniform(0.04, 0.16), c.rng.uniform(0.8, 0.94)):
        _cactus(
            c, c.w * x, c.ground + c.h * c.rng.uniform(0.0, 0.08), c.h * c.rng.uniform(0.22, 0.32)
        )


def _cactus(c: _Canvas, x: float, base: float, h: float) -> None:
    green, w = c.light((90, 160, 100)), h * 0.16
    c.draw.rounded_rectangle((x - w / 2, base - h, x + w / 2, base), radius=w / 2, fill=green)
    c.draw.rounded_rectangle(
        (x - w * 1.6, base - h * 0.7, x - w * 0.9, base - h * 0.35), radius=w / 3, fill=green
    )
    c.draw.rectangle((x - w * 1.2, base - h * 0.42, x, base - h * 0.35), fill=green)
    c.draw.rounded_rectangle(
        (x + w * 0.9, base - h * 0.85, x + w * 1.6, base - h * 0.5), radius=w / 3, fill=green
    )
    c.draw.rectangle((x, base - h * 0.57, x + w * 1.2, base - h * 0.5), fill=green)
    c.draw.ellipse(
        (x - w * 0.3, base - h - w * 0.3, x + w * 0.3, base - h + w * 0.2),
        fill=c.light((244, 130, 170)),
    )


def _jungle(c: _Canvas) -> None:
    c.hills(c.horizon, (60, 130, 90), 5, c.h * 0.12)
    for i in range(6):
        _tree(
            c, c.w * (i / 5), c.horizon + c.h * 0.05, c.h * c.rng.uniform(0.28, 0.38), (44, 120, 70)
        )
    c.ground_band(c.horizon + c.h * 0.05, (80, 150, 80), (50, 110, 60))
    for _ in range(7):
        x = c.rng.uniform(0, c.w)
        length = c.h * c.rng.uniform(0.15, 0.35)
        points = [(x + math.sin(i) * c.w * 0.008, i * length / 6) for i in range(7)]
        c.draw.line(points, fill=c.light((60, 120, 60)), width=max(3, c.w // 300), joint="curve")
    for side in (0, 1):
        for i in range(3):
            _leaf(
                c,
                c.w * side + (1 - 2 * side) * c.w * 0.04 * i,
                c.h * (0.98 - i * 0.08),
                c.h * 0.2,
                (1 - 2 * side) * (0.8 + i * 0.3),
            )
    _flowers(c, c.horizon + c.h * 0.12, c.h, 20)


def _leaf(c: _Canvas, x: float, y: float, size: float, angle: float) -> None:
    dx, dy = math.cos(-angle) * size, math.sin(-angle) * size
    nx, ny = -dy * 0.3, dx * 0.3
    tip = (x + dx, y + dy)
    c.draw.polygon(
        [
            (x, y),
            (x + dx * 0.5 + nx, y + dy * 0.5 + ny),
            tip,
            (x + dx * 0.5 - nx, y + dy * 0.5 - ny),
        ],
        fill=c.light((50, 140, 70)),
    )
    c.draw.line((x, y, *tip), fill=c.light((30, 100, 50)), width=max(2, c.w // 500))


def _mountain(c: _Canvas) -> None:
    for layer, colour in enumerate(((150, 170, 206), (110, 136, 180))):
        for i in range(3):
            x = c.w * (i / 2) + c.rng.uniform(-0.15, 0.15) * c.w
            peak = c.horizon - c.h * c.rng.uniform(0.22, 0.36) + layer * c.h * 0.08
            half = c.w * c.rng.uniform(0.22, 0.32)
            base = c.horizon + c.h * 0.05
            c.draw.polygon([(x - half, base), (x, peak), (x + half, base)], fill=c.light(colour))
            cap = (peak - base) * -0.22
            c.draw.polygon(
                [
                    (x - half * 0.22, peak + cap),
                    (x, peak),
                    (x + half * 0.22, peak + cap),
                    (x, peak + cap * 0.7),
                ],
                fill=c.light((248, 250, 255)),
            )
    c.ground_band(c.horizon + c.h * 0.05, (130, 176, 110), (100, 146, 86))
    for x in (c.rng.uniform(0.03, 0.12), c.rng.uniform(0.88, 0.97)):
        _pine(c, c.w * x, c.ground + c.h * 0.06, c.h * 0.42, (50, 100, 80))
    _flowers(c, c.horizon + c.h * 0.12, c.h, 25)


def _home(c: _Canvas) -> None:
    x = c.w * c.rng.choice((0.16, 0.84))
    base = c.horizon + c.h * 0.16
    s = c.h * 0.24
    if c.backdrop == "snow":
        c.draw.pieslice(
            (x - s * 0.6, base - s * 0.6, x + s * 0.6, base + s * 0.6),
            180,
            360,
            fill=c.light((236, 244, 255)),
            outline=c.light((180, 196, 220)),
            width=max(2, c.w // 400),
        )
        c.draw.pieslice(
            (x - s * 0.16, base - s * 0.3, x + s * 0.16, base + s * 0.3),
            180,
            360,
            fill=c.light((70, 110, 190)),
        )
        return
    wall = c.light(c.palette[0] if c.palette else (240, 200, 150))
    c.draw.rectangle((x - s * 0.45, base - s * 0.55, x + s * 0.45, base), fill=lighten(wall, 0.35))
    c.draw.polygon(
        [(x - s * 0.58, base - s * 0.5), (x, base - s * 0.95), (x + s * 0.58, base - s * 0.5)],
        fill=c.light((170, 80, 70)),
    )
    c.draw.rounded_rectangle(
        (x - s * 0.12, base - s * 0.32, x + s * 0.12, base),
        radius=s * 0.1,
        fill=c.light((120, 80, 60)),
    )
    lit = c.time in {"night", "dusk", "sunset"}
    c.draw.rectangle(
        (x + s * 0.2, base - s * 0.4, x + s * 0.36, base - s * 0.24),
        fill=(255, 214, 120) if lit else c.light((200, 224, 245)),
    )


_SETTINGS: dict[str, Callable[[_Canvas], None]] = {
    "meadow": _meadow,
    "forest": _forest,
    "sea": _sea,
    "city": _city,
    "space": _space,
    "farm": _farm,
    "snow": _snow,
    "desert": _desert,
    "jungle": _jungle,
    "mountain": _mountain,
}


# --- Finish ------------------------------------------------------------------------------


def _finish(image: Image.Image, style: StyleGuide | None, spec: SceneSpec) -> Image.Image:
    words = f"{style.art_style} {style.medium}".lower() if style else "watercolour"
    palette = [rgb for _, rgb in colours_in(style.palette)] if style else []
    if palette:
        average = tuple(sum(c[i] for c in palette) // len(palette) for i in range(3))
        image = Image.blend(image, Image.new("RGB", image.size, average), 0.06)
    if any(word in words for word in offline_data().painter.textured):
        image = _paper(image)
    return _vignette(image)


def _paper(image: Image.Image) -> Image.Image:
    small = (max(1, image.width // 2), max(1, image.height // 2))
    noise = Image.effect_noise(small, 40).point(lambda v: 236 + v * 19 // 255)
    grain = noise.resize(image.size, Image.Resampling.BILINEAR).convert("RGB")
    return ImageChops.multiply(image, grain)


def _vignette(image: Image.Image) -> Image.Image:
    mask = Image.radial_gradient("L").resize(image.size, Image.Resampling.BILINEAR)
    mask = mask.point(lambda v: max(0, v - 150) * 255 // 105 * 40 // 255)
    shade = Image.new("RGB", image.size, (60, 48, 70))
    return Image.composite(shade, image, mask)

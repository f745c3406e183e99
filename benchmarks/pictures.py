"""Pictures like an image model's: 1536x1024 PNGs with detail, made once and cached.

A flat-colour PNG decodes in a millisecond; a real illustration takes tens of
milliseconds to decode, resize and encode. The cached pictures have gradients,
shapes and grain, so they cost what a real answer costs (about 3 MB each).
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from benchmarks import CACHE

SIZE = (1536, 1024)


def _paint(seed: int, size: tuple[int, int]) -> bytes:
    from PIL import Image, ImageChops, ImageDraw, ImageFilter

    width, height = size
    rng = random.Random(seed)
    red = Image.linear_gradient("L").resize(size)
    green = Image.linear_gradient("L").rotate(90).resize(size)
    blue = Image.radial_gradient("L").resize(size)
    img = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(img)
    for _ in range(300):
        x, y, s = rng.randrange(width), rng.randrange(height), rng.randrange(10, 200)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x, y, x + s, y + s), fill=colour)
    img = img.filter(ImageFilter.GaussianBlur(3))
    grain = Image.merge("RGB", [Image.effect_noise(size, 12) for _ in range(3)])
    img = ImageChops.add(img, grain, scale=1.0, offset=-128)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def picture(seed: int = 0, size: tuple[int, int] = SIZE) -> Path:
    """The path of a cached picture, painted on first use."""
    path = CACHE / f"picture-{size[0]}x{size[1]}-{seed}.png"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(_paint(seed, size))
        tmp.replace(path)
    return path

"""Pure Pillow functions: bytes in, bytes out. Run them in an executor, never on the loop."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 64_000_000
"""Largest picture accepted (8000 x 8000). Bigger ones are refused before decoding."""
MAX_BYTES = 64 * 1024 * 1024
DISPLAY_MAX = 1280
THUMB_MAX = 320
ALLOWED_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


class ImageRejected(ValueError):
    """The bytes are not a picture we accept. The message says why."""


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return ALLOWED_FORMATS[self.format]


@dataclass(frozen=True)
class Renditions:
    original: bytes
    info: ImageInfo
    display: bytes  # JPEG, long edge <= DISPLAY_MAX
    thumbnail: bytes  # JPEG, long edge <= THUMB_MAX


def inspect(data: bytes, max_pixels: int = MAX_PIXELS) -> ImageInfo:
    """Read only the header: format and size. Refuse non-images and oversized pictures."""
    if len(data) > MAX_BYTES:
        raise ImageRejected(f"The picture file is too large ({len(data) // 1_048_576} MB).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                info = ImageInfo(img.format or "", img.width, img.height)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(
            f"The picture is too large to open safely (over {max_pixels // 1_000_000} megapixels)."
        ) from None
    except UnidentifiedImageError:
        raise ImageRejected("The data is not a picture (PNG, JPEG or WebP expected).") from None
    except (OSError, ValueError, SyntaxError) as err:
        raise ImageRejected(f"The picture is damaged ({err}).") from None
    if info.format not in ALLOWED_FORMATS:
        raise ImageRejected(f"Pictures in {info.format or 'this'} format are not supported.")
    if info.width * info.height > max_pixels:
        raise ImageRejected(
            f"The picture is too large ({info.width}×{info.height} pixels; "
            f"the limit is {max_pixels // 1_000_000} megapixels)."
        )
    return info


def decode(data: bytes, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode fully after checking the header; the pixels are verified by loading them."""
    inspect(data, max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            img = Image.open(io.BytesIO(data))
            img.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as err:
        raise ImageRejected(f"The picture is damaged ({err}).") from None
    return ImageOps.exif_transpose(img) or img


def _flatten(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA", "P"):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")


def encode_jpeg(img: Image.Image, quality: int = 88) -> bytes:
    out = io.BytesIO()
    # Plain baseline JPEG: optimize/progressive hold the interpreter lock several
    # times longer in the worker thread, which the window feels as stutter.
    _flatten(img).save(out, "JPEG", quality=quality)
    return out.getvalue()


def fit(img: Image.Image, max_edge: int) -> Image.Image:
    copy = img.copy()
    copy.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
    return copy


def make_renditions(
    data: bytes, display_max: int = DISPLAY_MAX, thumb_max: int = THUMB_MAX
) -> Renditions:
    """Verify a picture and make its display and thumbnail renditions."""
    img = decode(data)
    info = ImageInfo(img.format or inspect(data).format, img.width, img.height)
    display = fit(img, display_max)
    return Renditions(
        original=data,
        info=info,
        display=encode_jpeg(display),
        thumbnail=encode_jpeg(fit(display, thumb_max), quality=82),
    )


def verify_file(data: bytes) -> bool:
    """True when `data` decodes as an accepted picture."""
    try:
        decode(data)
    except ImageRejected:
        return False
    return True

import io

import pytest
from PIL import Image

from studio.core.imaging import ImageRejected, inspect, make_renditions
from tests.fakes.server import oversized_png


def png(size: tuple[int, int], mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 100, 50) if mode == "RGB" else (200, 100, 50, 128)).save(out, "PNG")
    return out.getvalue()


def test_renditions_are_display_and_thumbnail_sized_jpegs() -> None:
    r = make_renditions(png((1536, 1024)))
    assert (r.info.width, r.info.height, r.info.extension) == (1536, 1024, "png")
    display = Image.open(io.BytesIO(r.display))
    thumb = Image.open(io.BytesIO(r.thumbnail))
    assert display.format == "JPEG" and display.size == (1280, 853)
    assert thumb.format == "JPEG" and max(thumb.size) == 320


def test_transparent_pictures_get_a_white_background() -> None:
    r = make_renditions(png((100, 100), "RGBA"))
    assert Image.open(io.BytesIO(r.display)).mode == "RGB"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html>not a picture</html>", "not a picture"),
        (png((10, 10))[:60], "damaged"),
        (oversized_png(20000), "too large"),
    ],
)
def test_bad_pictures_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(ImageRejected, match=message):
        make_renditions(data)


def test_gif_is_not_accepted() -> None:
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, "GIF")
    with pytest.raises(ImageRejected, match="GIF"):
        inspect(out.getvalue())

"""Image answers: base64 inside JSON, cut out and decoded off the loop."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from studio.core.providers.base import (
    ImageDataError,
)

# --- Images ---------------------------------------------------------------------------
#
# A picture arrives as base64 inside JSON: about 5 MB for 1536x1024. Parsing that
# on the event loop stalls the window for tens of milliseconds, so the answer is
# read as raw bytes and taken apart in the executor: the base64 string is cut out
# of the document with bytes.find, the small remainder goes through json.loads and
# the base64 is decoded in slices, so the interpreter lock is never held for long.
# Streamed answers (gpt-image with previews) are split into server-sent events on
# the loop with bytes.find; each event's payload is parsed the same way.

BIG = 64 * 1024  # payloads at least this large are parsed in the executor
_B64_SLICE = 256 * 1024  # base64 characters decoded per call (a multiple of 4)
_B64_KEY = b'"b64_json"'


def is_gpt_image(model: str) -> bool:
    return model.lower().startswith("gpt-image")


def invalid_b64() -> ImageDataError:
    return ImageDataError(
        "The image server sent picture data that could not be decoded (invalid base64)."
    )


def decode_b64(data: str | bytes | memoryview) -> bytes:
    """Decode strict base64 in slices, so another thread may run between them."""
    try:
        if isinstance(data, str):
            data = data.encode("ascii")
        if len(data) <= _B64_SLICE:
            return base64.b64decode(data, validate=True)
        view = memoryview(data)
        return b"".join(
            base64.b64decode(view[start : start + _B64_SLICE], validate=True)
            for start in range(0, len(view), _B64_SLICE)
        )
    except (binascii.Error, ValueError):
        raise invalid_b64() from None


def _holder(document: Any, nested: bool) -> dict[str, Any] | None:
    """The object that carries `b64_json`: the answer's first item, or a stream event."""
    if nested:
        items = document.get("data") if isinstance(document, dict) else None
        document = items[0] if isinstance(items, list) and items else None
    return document if isinstance(document, dict) else None


def cut_b64(body: bytes | bytearray) -> tuple[bytes | bytearray, memoryview] | None:
    """`body` with the first `b64_json` string emptied, and that string; None if unsure."""
    key = body.find(_B64_KEY)
    if key < 0:
        return None
    at = key + len(_B64_KEY)
    while at < len(body) and body[at] in b" \t\r\n":
        at += 1
    if body[at : at + 1] != b":":
        return None
    at += 1
    while at < len(body) and body[at] in b" \t\r\n":
        at += 1
    if body[at : at + 1] != b'"':
        return None
    start = at + 1
    end = body.find(b'"', start)
    if end < 0 or body.find(b"\\", start, end) >= 0:
        return None  # unterminated, or escaped characters: leave it to json.loads
    return body[:start] + body[end:], memoryview(body)[start:end]


def read_picture_json(body: bytes | bytearray, *, nested: bool) -> tuple[Any, bytes | None]:
    """Parse an image answer (`nested`: `{"data": [item]}`) or one stream event's JSON.

    Returns the document, with its `b64_json` emptied when it was cut out, and the
    decoded picture, or None when the document has none. Raises ValueError if the
    body is not JSON and ImageDataError if the base64 is invalid. Pure and
    thread-safe: meant for an executor.
    """
    cut = cut_b64(body)
    if cut is not None:
        document = json.loads(cut[0])
        holder = _holder(document, nested)
        if holder is not None and holder.get("b64_json") == "":
            return document, (decode_b64(cut[1]) if len(cut[1]) else None)
    document = json.loads(body)
    holder = _holder(document, nested)
    b64 = holder.get("b64_json") if holder is not None else None
    return document, (decode_b64(b64) if isinstance(b64, str) and b64 else None)

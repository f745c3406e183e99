"""Picture downloads through the run's shared aiohttp session, with a size cap."""

from __future__ import annotations

import aiohttp

from studio.core.providers.base import (
    ImageDataError,
    TransientError,
)
from studio.core.providers.openai._errors import host_of

MIB = 1024 * 1024


class PictureTooLarge(ImageDataError):
    """A picture answer (a download or inline base64) ran past the size cap while read.

    Like every ImageDataError it fails that page only.
    """


def too_big(host: str, max_bytes: int) -> PictureTooLarge:
    return PictureTooLarge(
        f"The picture from {host} is larger than {size_text(max_bytes)}, the most this app "
        "accepts; it was not read further. Choose a smaller picture size."
    )


async def download(
    http: aiohttp.ClientSession, url: str, *, time_limit: float, max_bytes: int
) -> bytes:
    """GET a picture, giving up after `time_limit` seconds or beyond `max_bytes`."""
    host = host_of(url)
    try:
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=time_limit)) as response:
            _check_download_status(response.status, response.reason, host)
            if (response.content_length or 0) > max_bytes:
                raise too_big(host, max_bytes)
            return await _read_capped(response, host, max_bytes)
    except TimeoutError:
        raise TransientError(
            f"Downloading the picture from {host} took longer than {time_limit:g} s."
        ) from None
    except aiohttp.ClientError as exc:
        raise TransientError(
            f"Could not download the picture from {host} ({type(exc).__name__})."
        ) from None


def _check_download_status(status: int, reason: str | None, host: str) -> None:
    if status == 200:
        return
    if status >= 500 or status in (408, 429):
        raise TransientError(
            f"Downloading the picture from {host} failed ({status} {reason or ''}). "
            "Trying again may help."
        )
    raise ImageDataError(
        f"The picture's download link at {host} answered {status} {reason or ''}. "
        "The server may have removed it; generate the picture again."
    )


async def _read_capped(response: aiohttp.ClientResponse, host: str, max_bytes: int) -> bytes:
    buffer = bytearray()
    async for chunk in response.content.iter_chunked(256 * 1024):
        buffer += chunk
        if len(buffer) > max_bytes:
            raise too_big(host, max_bytes)
    return bytes(buffer)


def size_text(count: int) -> str:
    if count >= MIB:
        return f"{count / MIB:.3g} MB"
    return f"{count / 1024:.3g} KB"

"""SDK, network and decoding failures as messages a person can act on."""

from __future__ import annotations

import email.utils
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import openai

from studio.core.providers.base import (
    AuthError,
    ContentRejected,
    ImageDataError,
    NoImageEndpoint,
    ProviderError,
    RateLimited,
    TransientError,
)
from studio.core.terminal import terminal_text

MIB = 1024 * 1024
OPENAI_HOSTS = ("api.openai.com",)
_POLICY_WORDS = ("content_policy", "content policy", "moderation", "safety")
STREAM_WORDS = ("stream", "partial_image")
MAX_RETRY_AFTER = 120.0
"""The longest wait a server may ask for before a call is tried again, in seconds (the
openai SDK's own limit). A longer one fails the call: waiting it out in silence would
look like a hang."""


class WaitTooLong(ProviderError):
    """A 429 asked for a wait beyond MAX_RETRY_AFTER: not retried, the call fails."""


# --- Errors ---------------------------------------------------------------------------


def host_of(url: object) -> str:
    parts = urlsplit(str(url))
    host = parts.hostname or str(url)
    return f"{host}:{parts.port}" if parts.port else host


def redact(text: str, secret: str | None) -> str:
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


def _trimmed(text: str, limit: int = 240) -> str:
    """One line of plain text, at most `limit` characters."""
    clean = terminal_text(text, one_line=True)  # escape sequences go whole, not as debris
    flat = " ".join("".join(c if c.isprintable() else " " for c in clean).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def server_message(exc: openai.APIError) -> str:
    """The server's own words about a failure, trimmed to one short line."""
    body = exc.body
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return _trimmed(value)
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return _trimmed(value["message"])
    if isinstance(body, str) and body.strip():
        return _trimmed(body)
    return _trimmed(exc.message)


def retry_after_seconds(headers: Any) -> float | None:
    """The wait a 429 answer asks for, from `retry-after-ms` or `Retry-After`
    (seconds or an HTTP date; a date in the past is 0). May be `math.inf`."""
    if headers is None:
        return None
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    return seconds if seconds is not None else _seconds_until(str(value))


def _number(value: Any) -> float | None:
    """A non-negative count from a header; None if it is not a number."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else max(0.0, number)


def _seconds_until(http_date: str) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(http_date)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def wait_text(seconds: float) -> str:
    """A long wait in words, rounded up: "12 minutes", "5 hours", "3 days"."""
    if not math.isfinite(seconds):
        return "indefinitely"
    if seconds < 2 * 3600:
        count, unit = math.ceil(seconds / 60), "minute"
    elif seconds < 2 * 86400:
        count, unit = math.ceil(seconds / 3600), "hour"
    else:
        count, unit = math.ceil(seconds / 86400), "day"
    count = max(1, count)
    return f"{count:,} {unit}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class Context:
    """What an error message may name: the host, the model and the time limit."""

    host: str
    model: str
    timeout: float
    secret: str | None = field(default=None, repr=False)
    image: bool = False
    path: str = ""
    """The path of the server's address, e.g. "/v1"."""


def _is_policy(exc: openai.APIError, message: str) -> bool:
    text = f"{exc.code or ''} {message}".lower()
    return any(word in text for word in _POLICY_WORDS)


def _status_error(exc: openai.APIStatusError, ctx: Context) -> ProviderError:
    message = server_message(exc)
    status = exc.status_code
    if isinstance(exc, openai.RateLimitError):
        return _rate_limit_error(exc, ctx, message)
    if isinstance(exc, openai.AuthenticationError):
        return AuthError(
            "The server rejected the API key (401). Check Settings > Provider or OPENAI_API_KEY."
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return AuthError(
            f"The server refused this API key access to '{ctx.model}' (403). "
            "Check Settings > Provider or OPENAI_API_KEY."
        )
    if status == 400 and _is_policy(exc, message):
        what = (
            "The image service refused this picture's prompt"
            if ctx.image
            else ("The text service refused this request")
        )
        return ContentRejected(f"{what}: {message}")
    if isinstance(exc, openai.NotFoundError):
        return _not_found_error(exc, ctx, message)
    if status >= 500 or status in (408, 409, 425):
        return _server_trouble(status, ctx, message)
    return ProviderError(f"The server at {ctx.host} rejected the request ({status}): {message}")


def _rate_limit_error(exc: openai.APIStatusError, ctx: Context, message: str) -> ProviderError:
    if (exc.code or "") == "insufficient_quota":
        return ProviderError(
            f"The account at {ctx.host} has no credit left (insufficient_quota). "
            "Add credit or choose another provider in Settings > Provider."
        )
    wait = retry_after_seconds(exc.response.headers)
    if wait is not None and wait > MAX_RETRY_AFTER:
        return WaitTooLong(
            f"The server at {ctx.host} asked to wait {wait_text(wait)} before the next "
            "request (429); resume later.",
            retry_after=wait if math.isfinite(wait) else None,
        )
    hint = f" It asked to wait {wait:g} s." if wait is not None else ""
    return RateLimited(
        f"The server at {ctx.host} is limiting how fast requests may be sent (429).{hint}",
        retry_after=wait,
    )


def _not_found_error(exc: openai.APIStatusError, ctx: Context, message: str) -> ProviderError:
    if "model" in f"{exc.code or ''} {message}".lower():
        return ProviderError(
            f"The model '{ctx.model}' isn't available at {ctx.host}. "
            "Check the model name in Settings > Provider."
        )
    if ctx.image and ctx.path.rstrip("/").endswith("/v1"):
        return NoImageEndpoint(
            f"The server at {ctx.host} does not draw pictures: it has no images endpoint "
            f"(404: {message}). Choose the offline painter for pictures (Settings > Provider, "
            "or --image-engine offline), or a server with an image model."
        )
    return ProviderError(
        f"The server at {ctx.host} has no such endpoint (404: {message}). "
        "Check the server address; it usually ends in /v1."
    )


def _server_trouble(status: int, ctx: Context, message: str) -> TransientError:
    if status == 503:
        return TransientError(
            f"The server at {ctx.host} is unavailable or overloaded (503: {message})."
        )
    return TransientError(
        f"The server at {ctx.host} had a problem ({status}: {message}). Trying again may help."
    )


def map_error(exc: BaseException, ctx: Context) -> ProviderError:
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, openai.APIStatusError):
        error = _status_error(exc, ctx)
    elif isinstance(exc, openai.APITimeoutError | TimeoutError):
        error = TransientError(f"The server at {ctx.host} did not answer within {ctx.timeout:g} s.")
    elif isinstance(exc, openai.APIConnectionError | aiohttp.ClientError | ConnectionError):
        error = TransientError(
            f"Could not reach the server at {ctx.host}: the connection failed or was reset."
        )
    elif isinstance(exc, openai.APIResponseValidationError | ValueError):
        error = _garbage_error(ctx)
    else:
        error = ProviderError(f"The call to {ctx.host} failed: {type(exc).__name__}: {exc}")
    cleaned = type(error)(redact(str(error), ctx.secret), retry_after=error.retry_after)
    cleaned.retryable = error.retryable
    return cleaned


def _garbage_error(ctx: Context) -> ProviderError:
    message = f"The server at {ctx.host} sent an answer that could not be read."
    return ImageDataError(message) if ctx.image else TransientError(message)


def map_openai_error(
    exc: BaseException,
    *,
    host: str,
    model: str,
    timeout: float,
    secret: str | None = None,
    image: bool = False,
) -> ProviderError:
    """Translate an SDK, network or decoding exception into a `ProviderError`.

    `secret` (the API key) is scrubbed from the message should a server echo it.
    """
    return map_error(exc, Context(host, model, timeout, secret, image))


def is_rejected_option(exc: BaseException, words: tuple[str, ...]) -> bool:
    if not isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return False
    message = server_message(exc).lower()
    if _is_policy(exc, message):
        return False
    return any(word in f"{exc.param or ''} {message}" for word in words)

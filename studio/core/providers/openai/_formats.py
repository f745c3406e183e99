"""Which response format a chat server takes, learned from its own answers.

Servers differ: OpenAI enforces a strict `json_schema`; llama-cpp-python answers
`json_schema` with HTTP 500 but constrains `json_object` to a schema given
beside it; LM Studio refuses `json_object` with 400; weak or plain servers
ignore the field. The studio tries json_schema, then json_object, then plain
text read leniently, and moves on at once when a refusal names the format.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

import openai

from studio.core.providers.openai._errors import server_message

_FORMAT_WORDS = (
    "response_format",
    "response format",
    "json_schema",
    "json_object",
    "structured output",
)
_CAP_WORDS = ("max_tokens", "max_completion_tokens")


class ResponseFormat(StrEnum):
    AUTO = "auto"
    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"
    TEXT = "text"


ORDER = (ResponseFormat.JSON_SCHEMA, ResponseFormat.JSON_OBJECT, ResponseFormat.TEXT)


def parse_format(value: str | None) -> ResponseFormat:
    """A format name from a flag or a setting; unknown or empty means auto."""
    try:
        return ResponseFormat(value or "auto")
    except ValueError:
        return ResponseFormat.AUTO


class FormatChoice:
    """The formats to try, in order, and the one that worked.

    `forced` (not auto) is the only one tried. Otherwise the search starts at
    `remembered` (what worked on this endpoint and model before) and goes on
    down `ORDER`. `on_learned` is told when a format is accepted that was not
    the remembered one.
    """

    def __init__(
        self,
        forced: ResponseFormat = ResponseFormat.AUTO,
        remembered: ResponseFormat | None = None,
        on_learned: Callable[[ResponseFormat], None] | None = None,
    ) -> None:
        self.forced = forced if forced is not ResponseFormat.AUTO else None
        start = remembered if remembered in ORDER else ResponseFormat.JSON_SCHEMA
        self._current: ResponseFormat = self.forced or start
        self._remembered = remembered
        self._on_learned = on_learned

    @property
    def current(self) -> ResponseFormat:
        return self._current

    def next_after_rejection(self) -> ResponseFormat | None:
        """Move past the current format; None when none is left (or it was forced)."""
        if self.forced is not None:
            return None
        at = ORDER.index(self._current)
        if at + 1 >= len(ORDER):
            return None
        self._current = ORDER[at + 1]
        return self._current

    def accepted(self) -> None:
        if self._current is not self._remembered:
            self._remembered = self._current
            if self._on_learned is not None:
                self._on_learned(self._current)


def response_format_param(
    fmt: ResponseFormat, name: str, schema: dict[str, Any], *, openai_host: bool
) -> dict[str, Any] | None:
    """The `response_format` request field for `fmt`; None sends no field at all.

    With json_object a non-OpenAI server also gets the schema beside the type,
    which llama-cpp-python turns into a grammar the model cannot leave.
    """
    if fmt is ResponseFormat.JSON_SCHEMA:
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "strict": True, "schema": schema},
        }
    if fmt is ResponseFormat.JSON_OBJECT:
        return {"type": "json_object"} if openai_host else {"type": "json_object", "schema": schema}
    return None


def names_format(exc: BaseException) -> bool:
    """True when a 4xx/5xx answer says the response format is what it refuses."""
    if not isinstance(exc, openai.APIStatusError) or exc.status_code < 400:
        return False
    if exc.status_code in (401, 403, 404, 408, 429):
        return False
    text = f"{exc.param or ''} {server_message(exc)}".lower()
    return any(word in text for word in _FORMAT_WORDS)


def names_token_cap(exc: BaseException, key: str) -> bool:
    """True when a 400/422 answer refuses the output-cap parameter `key` by name."""
    if not isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return False
    text = f"{exc.param or ''} {server_message(exc)}".lower()
    return (key in text and "unsupported" in text) or (f"'{key}'" in text and "not" in text)


def other_cap_key(key: str) -> str:
    return _CAP_WORDS[1] if key == _CAP_WORDS[0] else _CAP_WORDS[0]

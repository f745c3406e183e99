"""Incremental parsing of a streamed story plan.

The plan arrives as JSON text in arbitrary pieces. `PlanStreamParser` reports
each top-level value (title, style, characters) and each element of the
top-level `pages` array the moment its closing brace arrives, so a page's
picture can be requested while later pages are still being written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_WHITESPACE = " \t\r\n"


@dataclass(frozen=True)
class RootValue:
    key: str
    value: Any


@dataclass(frozen=True)
class PageObject:
    index: int
    value: Any


ParsedItem = RootValue | PageObject


class PlanStreamParser:
    """Feed text with `feed()`; it returns what was completed by that piece."""

    def __init__(self, pages_key: str = "pages") -> None:
        self._pages_key = pages_key
        self._text = ""
        self._pos = 0
        self._depth = 0
        self._in_str = False
        self._escaped = False
        self._str_start = -1
        self._last_string = ""
        self._key: str | None = None
        self._awaiting_value = False
        self._value_start = -1
        self._literal = False
        self._elem_start = -1
        self._pages = 0
        self._closed = False

    @property
    def text(self) -> str:
        return self._text

    def feed(self, chunk: str) -> list[ParsedItem]:
        self._text += chunk
        out: list[ParsedItem] = []
        text = self._text
        for i in range(self._pos, len(text)):
            self._step(text, i, out)
        self._pos = len(text)
        return out

    def _step(self, text: str, i: int, out: list[ParsedItem]) -> None:
        c = text[i]
        if self._depth == 0 and not self._in_str:
            if c == "{" and not self._closed:
                self._depth = 1  # prose before the object and anything after it is skipped
            return
        if self._in_str:
            self._step_string(text, i, c, out)
        elif c == '"':
            self._in_str = True
            self._str_start = i
            if self._depth == 1 and self._awaiting_value:
                self._begin_value(i)
        elif c == ":" and self._depth == 1:
            self._key = _loads_or_none(self._last_string)
            self._awaiting_value = True
        elif c in "{[":
            self._open(text, i, c)
        elif c in "}]":
            self._close(text, i, c, out)
        elif c == "," and self._depth == 1 and self._literal:
            self._finish_root(text[self._value_start : i], out)
        elif self._depth == 1 and self._awaiting_value and c not in _WHITESPACE:
            self._begin_value(i)
            self._literal = True

    def _step_string(self, text: str, i: int, c: str, out: list[ParsedItem]) -> None:
        if self._escaped:
            self._escaped = False
        elif c == "\\":
            self._escaped = True
        elif c == '"':
            self._in_str = False
            if self._depth != 1:
                return
            if self._value_start == self._str_start:
                self._finish_root(text[self._str_start : i + 1], out)
            else:
                self._last_string = text[self._str_start : i + 1]

    def _begin_value(self, i: int) -> None:
        self._value_start = i
        self._awaiting_value = False

    def _in_pages_array(self) -> bool:
        return (
            self._key == self._pages_key
            and self._value_start >= 0
            and self._text[self._value_start] == "["
        )

    def _open(self, text: str, i: int, c: str) -> None:
        if self._depth == 1 and self._awaiting_value:
            self._begin_value(i)
        self._depth += 1
        if self._depth == 3 and c == "{" and self._in_pages_array():
            self._elem_start = i

    def _close(self, text: str, i: int, c: str, out: list[ParsedItem]) -> None:
        if self._depth == 1 and self._literal:
            self._finish_root(text[self._value_start : i], out)
        self._depth -= 1
        if self._depth == 0:
            self._closed = True
        if self._depth == 2 and c == "}" and self._elem_start >= 0:
            value = _loads_or_none(text[self._elem_start : i + 1])
            out.append(PageObject(self._pages, value))
            self._pages += 1
            self._elem_start = -1
        elif self._depth == 1 and self._value_start >= 0:
            self._finish_root(text[self._value_start : i + 1], out)

    def _finish_root(self, raw: str, out: list[ParsedItem]) -> None:
        if self._key is not None:
            out.append(RootValue(self._key, _loads_or_none(raw.strip())))
        self._value_start = -1
        self._literal = False
        self._key = None


def _loads_or_none(raw: str) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        return None


_FENCE = "```"


def _candidates(text: str) -> list[str]:
    """Where a JSON object may be: inside fenced blocks first, then the whole reply."""
    found: list[str] = []
    parts = text.split(_FENCE)
    for block in parts[1::2]:
        first, _, rest = block.partition("\n")
        found.append(rest if first.strip().isalpha() or not first.strip() else block)
    found.append(text)
    return found


def parse_json_object(text: str) -> Any:
    """The JSON object of a reply, read leniently: inside a fenced block, with prose
    before it or text after it. Only an object that starts at the first brace counts,
    so a broken reply is never mistaken for one of its inner objects. None if none."""
    decoder = json.JSONDecoder(strict=False)  # raw line breaks inside strings are common
    for candidate in _candidates(text):
        at = candidate.find("{")
        if at < 0:
            continue
        try:
            value, _ = decoder.raw_decode(candidate, at)
        except (json.JSONDecodeError, RecursionError):
            continue
        if isinstance(value, dict):
            return value
    return None


def extract_json_object(text: str) -> str:
    """The JSON text of the first object in a reply (see `parse_json_object`); when
    there is none, the outermost `{...}` or the text itself, for the error message."""
    value = parse_json_object(text)
    if value is not None:
        return json.dumps(value)
    start = text.find("{")
    end = text.rfind("}")
    if start < 0 or end < start:
        return text
    return text[start : end + 1]

"""Answers built from a request's own JSON Schema, the way a strict server builds them.

A strict Structured Outputs server answers with exactly the properties of the
schema it was sent, every one of them, and nothing else. `answer_from_schema`
does the same: it walks the schema and, where a property's path matches the
story (`title`, `style.palette`, `pages[2].scene`, `outline[0]`, or a single
page's `text`, `scene` and `characters`), fills in the story's words; any
other string gets a short filler sentence and other types a plausible value.
A property the schema lacks is therefore missing from the answer too, so a
provider that sends a broken schema gets a broken book.

Where the schema comes from is the server's business (its personality); this
module also reads one embedded in a prompt (`schema_in_prompt`) and the page
a per-page prompt asks for (`page_in_prompt`).
"""

from __future__ import annotations

import json
import random
import re
import zlib
from typing import Any

from studio.core.book import Character, PagePlan, StoryPlan, StyleGuide

Path = tuple[str | int, ...]

SCHEMA_WORDS = "JSON Schema:"
REWRITE_TEXT = "The rewritten page, shorter and kinder."
REWRITE_SCENE = "A calm wide shot."
DEFAULT_ITEMS = 2
_MAX_DEPTH = 24


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


# --- The deterministic story ------------------------------------------------------------

_NAMES = ["Pip", "Mara", "Odo", "Bramble", "Lune", "Tuck"]
_KINDS = [
    "a small red fox with a white-tipped tail and a green scarf",
    "a tall grey heron with a yellow beak and a blue satchel",
    "a round brown hedgehog with tiny spectacles and a striped jumper",
    "a sleepy black cat with one white paw and a red collar",
]
_PLACES = ["a misty forest", "a sunny meadow", "a riverbank", "a hilltop at dusk", "a cosy burrow"]
_FILLER = [
    "The wind hummed softly over the hill.",
    "A little bird sang by the open window.",
    "Everyone shared warm bread and honey.",
    "The river sparkled in the morning sun.",
    "A lantern glowed gold in the dark.",
    "Tiny footprints led across the snow.",
]


def default_story(pages: int, seed: int = 0) -> StoryPlan:
    """A deterministic, valid story plan with `pages` pages."""
    rng = random.Random(seed)
    names = rng.sample(_NAMES, 2)
    characters = [
        Character(name=n, description=d) for n, d in zip(names, rng.sample(_KINDS, 2), strict=True)
    ]
    return StoryPlan(
        title=f"{names[0]} and the Lost Lantern",
        style=StyleGuide(
            art_style="soft watercolour picture-book illustration",
            palette="warm ochres, sage green, dusk blue",
            medium="watercolour and ink on cotton paper",
        ),
        characters=characters,
        pages=[_page(i, names, rng) for i in range(1, pages + 1)],
    )


def _page(number: int, names: list[str], rng: random.Random) -> PagePlan:
    place = rng.choice(_PLACES)
    return PagePlan(
        text=f"On page {number}, {names[0]} looked for the lantern in {place}.",
        scene=f"{names[0]} searching {place}, wide shot, soft morning light (page {number}).",
        characters=names[: 1 + number % 2],
    )


class StorySource:
    """The story an answer's values come from, looked up by schema path.

    `story` (default: `default_story(pages, seed)`) supplies the words; a page
    it does not have is written in the same manner with its characters.
    `pages` is the count of pages (and outline lines) asked for. `page` is the
    page (from 1) a single-page answer is about; `rewrite` marks a rewrite.
    """

    def __init__(
        self,
        story: StoryPlan | None = None,
        *,
        pages: int = 4,
        seed: int = 0,
        page: int | None = None,
        rewrite: bool = False,
    ) -> None:
        self.story = story or default_story(pages, seed)
        self.pages = pages
        self.seed = seed
        self.page = max(1, page or 1)
        self.rewrite = rewrite
        self._frame = self.story.model_dump(mode="json", exclude={"pages"})

    def page_plan(self, index: int) -> PagePlan:
        """Page `index` (from 0) of the story, or one written like it."""
        if 0 <= index < len(self.story.pages):
            return self.story.pages[index]
        names = [c.name for c in self.story.characters] or _NAMES[:2]
        rng = random.Random(self.seed * 1000 + index)
        return _page(index + 1, names, rng)

    def summary(self, index: int) -> str:
        """A one-line summary of page `index` (from 0)."""
        return " ".join(self.page_plan(index).text.split())

    def lookup(self, path: Path) -> Any:
        """The story's value at `path`, or MISSING."""
        head = path[:1]
        if head in (("pages",), ("outline",)) and len(path) >= 2 and isinstance(path[1], int):
            if head == ("outline",):
                return self.summary(path[1]) if len(path) == 2 else MISSING
            return _dig(self.page_plan(path[1]).model_dump(mode="json"), path[2:])
        if head == ("rewrite",):
            rewritten = {
                "text": REWRITE_TEXT,
                "scene": REWRITE_SCENE,
                "characters": self.page_plan(self.page - 1).characters,
            }
            return _dig(rewritten, path[1:])
        return _dig(self._frame, path)

    def count(self, path: Path) -> int | None:
        """How many items the story has at `path`, if it has a list there."""
        if path in (("pages",), ("outline",)):
            return self.pages
        value = self.lookup(path)
        return len(value) if isinstance(value, list) else None

    def canned(self) -> str:
        """The answer when a request carries no schema at all: the whole story as JSON."""
        if self.rewrite:
            return json.dumps({"text": REWRITE_TEXT, "scene": REWRITE_SCENE})
        return self.story.model_dump_json()


def _dig(node: Any, path: Path) -> Any:
    for key in path:
        if isinstance(node, dict) and isinstance(key, str) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return MISSING
    return node


# --- Reading prompts --------------------------------------------------------------------


def _texts(messages: Any, role: str | None = None) -> list[str]:
    out = []
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict) or (role and message.get("role") != role):
            continue
        content = message.get("content")
        if isinstance(content, list):  # content parts
            content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        if isinstance(content, str):
            out.append(content)
    return out


def schema_in_prompt(messages: Any) -> dict[str, Any] | None:
    """The JSON Schema a system message carries after the words "JSON Schema:", if any."""
    decoder = json.JSONDecoder()
    for text in _texts(messages, "system"):
        at = text.find(SCHEMA_WORDS)
        start = text.find("{", at + len(SCHEMA_WORDS)) if at >= 0 else -1
        if start < 0:
            continue
        try:
            schema, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            continue
        if isinstance(schema, dict):
            return schema
    return None


_ASKED_PAGE = re.compile(r"\b(?:re)?write\s+page\s+(\d{1,3})\b", re.I)
_ANY_PAGE = re.compile(r"\bpage\s+(\d{1,3})\b", re.I)


def page_in_prompt(messages: Any) -> int | None:
    """The page a per-page or rewrite prompt asks for ("Write page 3 of 8")."""
    text = "\n".join(_texts(messages, "user"))
    if found := _ASKED_PAGE.search(text):
        return int(found.group(1))
    found_all = _ANY_PAGE.findall(text)
    return int(found_all[-1]) if found_all else None


# --- Walking the schema -----------------------------------------------------------------


def answer_from_schema(schema: dict[str, Any], source: StorySource) -> Any:
    """An instance of `schema` in strict form, its values taken from `source`.

    Objects carry exactly their schema's properties (all of them); arrays honour
    minItems/maxItems; `enum`, `const`, `type`, `$ref`, `allOf` and `anyOf`/`oneOf`
    (the first branch that is not null) are followed.
    """
    return _Walker(schema, source).answer()


def is_single_page(schema: dict[str, Any]) -> bool:
    """True for a top-level schema of one page: its text and scene (and perhaps its
    characters), and no pages."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return False
    return {"text", "scene"} <= set(properties) and "pages" not in properties


class _Walker:
    def __init__(self, root: dict[str, Any], source: StorySource) -> None:
        self.root = root
        self.source = source
        self.base: Path = ()
        top = self.resolve(root)
        if source.rewrite:
            self.base = ("rewrite",)
        elif is_single_page(top):
            self.base = ("pages", source.page - 1)

    def answer(self) -> Any:
        return self.value(self.root, ())

    # -- schema plumbing --

    def resolve(self, node: Any) -> dict[str, Any]:
        """`node` with references, allOf and the chosen anyOf/oneOf branch merged in."""
        for _ in range(_MAX_DEPTH):
            if not isinstance(node, dict):
                return {}
            if isinstance(ref := node.get("$ref"), str):
                rest = {k: v for k, v in node.items() if k != "$ref"}
                node = self.pointer(ref) | rest
            elif (key := _first_key(node, ("anyOf", "oneOf"))) is not None:
                rest = {k: v for k, v in node.items() if k != key}
                node = rest | self.resolve(_pick_branch(node[key], self))
            elif isinstance(node.get("allOf"), list):
                merged = {k: v for k, v in node.items() if k != "allOf"}
                for part in node["allOf"]:
                    merged = _merge(merged, self.resolve(part))
                node = merged
            else:
                return node
        return node if isinstance(node, dict) else {}

    def pointer(self, ref: str) -> dict[str, Any]:
        if not ref.startswith("#"):
            return {}
        node: Any = self.root
        for part in filter(None, ref[1:].split("/")):
            part = part.replace("~1", "/").replace("~0", "~")
            node = node.get(part) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else {}

    # -- values --

    def value(self, node: Any, path: Path) -> Any:
        node = self.resolve(node)
        story = self.source.lookup(self.base + path)
        if "const" in node:
            return node["const"]
        if isinstance(node.get("enum"), list) and node["enum"]:
            choices = node["enum"]
            if story in choices:
                return story
            return next((c for c in choices if c is not None), choices[0])
        kind = _type_of(node)
        if kind == "object":
            return self.object(node, path)
        if kind == "array":
            return self.array(node, path)
        if kind == "string":
            return _string(node, story, path)
        if kind == "integer":
            return _integer(node, story, path)
        if kind == "number":
            return _number(node, story, path)
        if kind == "boolean":
            return story if isinstance(story, bool) else True
        return None

    def object(self, node: dict[str, Any], path: Path) -> dict[str, Any]:
        properties = node.get("properties")
        if not isinstance(properties, dict) or len(path) >= _MAX_DEPTH:
            return {}
        return {name: self.value(sub, (*path, name)) for name, sub in properties.items()}

    def array(self, node: dict[str, Any], path: Path) -> list[Any]:
        prefix: list[Any] = node["prefixItems"] if isinstance(node.get("prefixItems"), list) else []
        items: Any = node.get("items", {})
        if isinstance(items, list):  # the older tuple form
            prefix, items = items, node.get("additionalItems", {})
        count = self.source.count(self.base + path)
        if count is None:
            count = DEFAULT_ITEMS
        if len(path) >= _MAX_DEPTH:
            count = 0
        if isinstance(node.get("maxItems"), int):
            count = min(count, node["maxItems"])
        if items is False:
            count = min(count, len(prefix))
        if isinstance(node.get("minItems"), int):
            count = max(count, node["minItems"])
        return [
            self.value(prefix[i] if i < len(prefix) else items, (*path, i)) for i in range(count)
        ]


def _first_key(node: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((k for k in keys if isinstance(node.get(k), list) and node[k]), None)


def _is_null(branch: Any, walker: _Walker) -> bool:
    resolved = walker.resolve(branch)
    return resolved.get("type") == "null" or resolved.get("const", 0) is None


def _pick_branch(branches: list[Any], walker: _Walker) -> Any:
    return next((b for b in branches if not _is_null(b, walker)), branches[0])


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    merged = a | b
    if isinstance(a.get("properties"), dict) and isinstance(b.get("properties"), dict):
        merged["properties"] = a["properties"] | b["properties"]
    if isinstance(a.get("required"), list) and isinstance(b.get("required"), list):
        merged["required"] = list(dict.fromkeys(a["required"] + b["required"]))
    return merged


def _type_of(node: dict[str, Any]) -> str:
    kind = node.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return str(kinds[0]) if kinds else "null"
    if isinstance(kind, str):
        return kind
    if "properties" in node:
        return "object"
    if "items" in node or "prefixItems" in node:
        return "array"
    return "string"


def _seed(path: Path) -> int:
    return zlib.crc32(".".join(str(p) for p in path).encode())


def filler(path: Path) -> str:
    """A short deterministic sentence for a string the story has no words for."""
    return _FILLER[_seed(path) % len(_FILLER)]


_FORMATS = {
    "date-time": "2024-05-01T09:30:00Z",
    "date": "2024-05-01",
    "time": "09:30:00",
    "email": "author@example.com",
    "uri": "https://example.com/story",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def _string(node: dict[str, Any], story: Any, path: Path) -> str:
    if isinstance(story, str):
        text = story
    elif isinstance(node.get("format"), str) and node["format"] in _FORMATS:
        text = _FORMATS[node["format"]]
    else:
        text = filler(path)
    low, high = node.get("minLength"), node.get("maxLength")
    if isinstance(low, int) and len(text) < low:
        text = (text + " " + filler(path)) * (1 + low // max(1, len(text)))
    if isinstance(high, int) and len(text) > high:
        text = text[:high]
    if isinstance(low, int) and len(text) < low:
        text = text.ljust(low, ".")
    return text


def _bounds(node: dict[str, Any], step: float) -> tuple[float | None, float | None]:
    low = node.get("minimum")
    high = node.get("maximum")
    if isinstance(node.get("exclusiveMinimum"), int | float):
        low = node["exclusiveMinimum"] + step
    if isinstance(node.get("exclusiveMaximum"), int | float):
        high = node["exclusiveMaximum"] - step
    return low, high


def _clamp(value: float, low: float | None, high: float | None) -> float:
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    return value


def _integer(node: dict[str, Any], story: Any, path: Path) -> int:
    value = story if isinstance(story, int) and not isinstance(story, bool) else 1 + _seed(path) % 5
    low, high = _bounds(node, 1)
    return int(_clamp(value, low, high))


def _number(node: dict[str, Any], story: Any, path: Path) -> float:
    plain = isinstance(story, int | float) and not isinstance(story, bool)
    value = float(story) if plain else 0.5 + _seed(path) % 4
    low, high = _bounds(node, 1e-6)
    return float(_clamp(value, low, high))


__all__ = [
    "MISSING",
    "SCHEMA_WORDS",
    "StorySource",
    "answer_from_schema",
    "default_story",
    "filler",
    "is_single_page",
    "page_in_prompt",
    "schema_in_prompt",
]

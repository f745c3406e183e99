"""The JSON Schemas sent to the model, in the strict form Structured Outputs accept.

Pydantic annotates every schema node with a `title`; those annotations are
dropped, but a *property* named `title` (the book's title) is kept: a strict
server answers with exactly the properties it is sent.
"""

from __future__ import annotations

import copy
from typing import Any, cast

from pydantic import BaseModel

from studio.core.book import PageRewrite, StoryOutline, StoryPlan

_ANNOTATIONS = ("title",)


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _inline(copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[-1]]), defs)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _ANNOTATIONS:
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _inline(sub, defs) for name, sub in value.items()}
        else:
            out[key] = _inline(value, defs)
    if out.get("type") == "object" and "properties" in out:
        out.pop("description", None)  # a class's docstring is for its readers, not the model
        out["additionalProperties"] = False
        out["required"] = list(out["properties"])
    return out


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s JSON Schema with references inlined (some servers cannot follow `$ref`),
    every object closed to extra properties and requiring all of its properties."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    return cast(dict[str, Any], _inline(schema, defs))


def _exactly(schema: dict[str, Any], key: str, count: int | None) -> dict[str, Any]:
    if count is not None:
        schema["properties"][key] |= {"minItems": count, "maxItems": count}
    return schema


def story_plan_schema(pages: int | None = None) -> dict[str, Any]:
    """The schema of a whole `StoryPlan`; with `pages`, its pages array has exactly that many."""
    return _exactly(strict_schema(StoryPlan), "pages", pages)


def outline_schema(pages: int | None = None) -> dict[str, Any]:
    """The schema of a `StoryOutline`: title, style, characters and one line per page."""
    return _exactly(strict_schema(StoryOutline), "outline", pages)


def page_schema() -> dict[str, Any]:
    """One page of the per-page route: its words and its scene. Two fields only, which
    small models fill far more often; the characters are found by name afterwards."""
    return strict_schema(PageRewrite)


def rewrite_schema() -> dict[str, Any]:
    """A rewritten page: its words and its scene."""
    return strict_schema(PageRewrite)

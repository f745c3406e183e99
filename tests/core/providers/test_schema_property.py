"""Every answer a strict server may give to the schemas the studio sends is one it can read.

A strict server (OpenAI Structured Outputs, llama.cpp grammars, Ollama `format`)
answers with exactly the properties it is sent. hypothesis-jsonschema draws such
answers from the very schema the provider sends, and each must validate: a field
the schema loses (as `title` once was) fails here.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis_jsonschema import from_schema
from pydantic import BaseModel

from studio.core.book import PageRewrite, StoryOutline, StoryPlan
from studio.core.providers.openai import (
    outline_schema,
    page_schema,
    rewrite_schema,
    story_plan_schema,
)

CHEAP = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
SCHEMAS: list[tuple[str, dict[str, Any], type[BaseModel]]] = [
    ("plan", story_plan_schema(4), StoryPlan),
    ("plan, any length", story_plan_schema(), StoryPlan),
    ("outline", outline_schema(4), StoryOutline),
    ("page", page_schema(), PageRewrite),
    ("rewrite", rewrite_schema(), PageRewrite),
]


@pytest.mark.parametrize(("name", "schema", "model"), SCHEMAS, ids=[s[0] for s in SCHEMAS])
def test_every_strict_answer_validates(
    name: str, schema: dict[str, Any], model: type[BaseModel]
) -> None:
    @CHEAP
    @given(from_schema(schema))
    def check(answer: Any) -> None:
        model.model_validate(answer)

    check()


@pytest.mark.parametrize(("name", "schema", "model"), SCHEMAS, ids=[s[0] for s in SCHEMAS])
def test_the_schema_is_strict_and_complete(
    name: str, schema: dict[str, Any], model: type[BaseModel]
) -> None:
    """Strict mode: every object closed and requiring all of its properties, and the
    top level asking for every field the studio's model has."""

    def objects(node: Any) -> list[dict[str, Any]]:
        if isinstance(node, list):
            return [o for item in node for o in objects(item)]
        if not isinstance(node, dict):
            return []
        found = [node] if node.get("type") == "object" else []
        return found + [o for value in node.values() for o in objects(value)]

    for node in objects(schema):
        assert node["additionalProperties"] is False
        assert node["required"] == list(node["properties"])
    assert set(schema["properties"]) == set(model.model_fields)


def test_the_plan_asks_for_exactly_the_pages_wanted() -> None:
    pages = story_plan_schema(6)["properties"]["pages"]
    assert (pages["minItems"], pages["maxItems"]) == (6, 6)
    assert "title" in story_plan_schema()["properties"]

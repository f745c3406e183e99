"""What the offline engine understood of a premise: the main character, what it holds
dear, where and when the story happens. Read by `studio.core.offline.understand`,
shown and corrected in the New Book form, kept with the book's settings.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PlanName = Literal[
    "insect", "bird", "fish", "mammal", "reptile", "person", "vehicle", "object", "creature"
]
"""The body plans of vocabulary.toml: what any character or thing is drawn from."""
NounKind = Literal["person", "animal", "creature", "thing"]
"""What a character is, as the story may speak of it."""
TimeKey = Literal["dawn", "morning", "midday", "afternoon", "golden", "sunset", "dusk", "night"]


class Companion(BaseModel):
    """Someone who is with the main character in the premise ("a lost whale")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    noun: str = Field(description="The companion's noun as the premise says it: 'whale'.")
    body_plan: PlanName = "creature"
    name: str | None = None
    phrase: str = Field("", description="The premise's words for it: 'a lost whale'.")


class Understanding(BaseModel):
    """What the offline engine took from a premise; every field may be corrected."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str = Field("en", description="The language the premise's words are in (BCP 47).")
    noun: str = Field(
        "",
        description="The main character as the author wrote it ('moth', 'lighthouse keeper', "
        "'niña'); empty when the premise names no one and the engine may choose.",
    )
    kind: NounKind = "animal"
    body_plan: PlanName = "creature"
    name: str | None = None
    pronoun: str | None = Field(None, pattern="^(he|she)$")
    traits: tuple[str, ...] = Field((), description="Words describing it: 'brave', 'little'.")
    key_object: str | None = Field(None, description="'her grandmother's drum'")
    companion: Companion | None = None
    setting: str | None = Field(None, description="The place as the premise says it: 'lighthouse'.")
    world: str | None = Field(None, description="The world (worlds.toml) it happens in: 'sea'.")
    time_of_day: TimeKey | None = None

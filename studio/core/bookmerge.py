"""Putting one writer's change on top of another's, for `book.json`.

Two writers of one book (a run in one process, a review or an edit in another)
each start from the copy they read, the base. When a writer saves and finds
that the file changed since, `merge` keeps every change the other writer made
and puts this writer's changes on top:

- a value only one side changed takes that side's value;
- objects merge key by key, lists of the same length item by item;
- a list both sides grew at its end (notes, histories, usage records) keeps
  both sides' new items, the other writer's first;
- where both changed the same value differently, this writer's value wins.

`apply_into` then brings the other writer's changes into the live objects a
running pipeline holds, in place, so no reference it keeps goes stale.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

Json = Any

_MISSING: Any = object()


def merge(base: Json, ours: Json, theirs: Json) -> Json:
    """Three-way merge of JSON values; see the module's rules."""
    if ours == base:
        return theirs
    if theirs == base or ours == theirs:
        return ours
    if isinstance(base, dict) and isinstance(ours, dict) and isinstance(theirs, dict):
        return _merge_objects(base, ours, theirs)
    if isinstance(base, list) and isinstance(ours, list) and isinstance(theirs, list):
        return _merge_lists(base, ours, theirs)
    return ours


def _merge_objects(base: dict[str, Json], ours: dict[str, Json], theirs: dict[str, Json]) -> Json:
    merged: dict[str, Json] = {}
    for key in [*ours, *(k for k in theirs if k not in ours)]:
        value = merge(base.get(key, _MISSING), ours.get(key, _MISSING), theirs.get(key, _MISSING))
        if value is not _MISSING:
            merged[key] = value
    return merged


def _merge_lists(base: list[Json], ours: list[Json], theirs: list[Json]) -> Json:
    n = len(base)
    if len(ours) < n or len(theirs) < n:
        return ours  # one side removed items: its list is taken whole
    head = [merge(b, o, t) for b, o, t in zip(base, ours[:n], theirs[:n], strict=True)]
    return head + theirs[n:] + ours[n:]


def apply_into(model: BaseModel, ours: dict[str, Json], new: dict[str, Json]) -> None:
    """Make the live `model` (whose state was `ours` when saved) hold `new`.

    Only fields where `new` differs from `ours` are touched, and only while the
    live value is still the one in `ours` (a value changed since is newer and
    stays). Nested models are updated in place, as are lists of models that kept
    their length; anything else is validated and assigned.
    """
    for name, field in type(model).model_fields.items():
        key = field.alias or name
        before, after = ours.get(key, _MISSING), new.get(key, _MISSING)
        if before == after or after is _MISSING:
            continue
        current = getattr(model, name)
        if isinstance(current, BaseModel) and isinstance(before, dict) and isinstance(after, dict):
            apply_into(current, before, after)
            continue
        if (
            isinstance(current, list)
            and isinstance(before, list)
            and isinstance(after, list)
            and len(current) == len(before) == len(after)
            and all(isinstance(item, BaseModel) for item in current)
            and all(isinstance(item, dict) for item in (*before, *after))
        ):
            for item, item_before, item_after in zip(current, before, after, strict=True):
                if item_before != item_after:
                    apply_into(item, item_before, item_after)
            continue
        if model.model_dump(mode="json", include={name}).get(key, _MISSING) != before:
            continue  # changed here since `ours` was taken: the newer live value stays
        model.__pydantic_validator__.validate_assignment(model, name, after)
